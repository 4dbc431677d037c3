//! Shared builders for the plan tests: typed specs from JSON (the YAML parser
//! is another module's job) and resolved models built directly, so these tests
//! exercise `plan::compute` alone.
#![allow(dead_code)]

use memmath::catalog::{
    Architecture, ArchitectureSource, GpuInfo, Resolved, ResolvedModel, ResolvedWeights,
};
use memmath::plan::{self, Plan};
use memmath::spec::{Quantization, Spec, WeightDtype};
use memmath::units::Bytes;
use serde_json::{json, Value};

pub const GIB: u64 = 1 << 30;

/// Architecture from JSON; defaults for the booleans and optional fields.
pub fn arch(v: Value) -> Architecture {
    let mut base = json!({
        "tie_word_embeddings": false,
        "gated_mlp": true,
        "attention_bias": false,
    });
    merge(&mut base, v);
    serde_json::from_value(base).expect("test architecture")
}

pub fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// Llama-3.1-8B (meta-llama/Llama-3.1-8B config.json).
pub fn llama31_8b() -> Architecture {
    arch(
        json!({"layers": 32, "hidden_size": 4096, "intermediate_size": 14336,
        "attention_heads": 32, "kv_heads": 8, "head_dim": 128, "vocab_size": 128256,
        "max_position_embeddings": 131072}),
    )
}

/// Llama-3.1-70B (meta-llama/Llama-3.1-70B config.json).
pub fn llama31_70b() -> Architecture {
    arch(
        json!({"layers": 80, "hidden_size": 8192, "intermediate_size": 28672,
        "attention_heads": 64, "kv_heads": 8, "head_dim": 128, "vocab_size": 128256,
        "max_position_embeddings": 131072}),
    )
}

/// DeepSeek-V3 (deepseek-ai/DeepSeek-V3 config.json), without the MTP layer.
pub fn deepseek_v3() -> Architecture {
    arch(
        json!({"layers": 61, "hidden_size": 7168, "intermediate_size": 18432,
        "attention_heads": 128, "kv_heads": 128, "head_dim": 128, "vocab_size": 129280,
        "max_position_embeddings": 163840,
        "moe": {"experts": 256, "experts_per_token": 8, "expert_intermediate_size": 2048,
                "shared_experts": 1, "dense_layers": 3},
        "mla": {"kv_lora_rank": 512, "qk_rope_head_dim": 64, "q_lora_rank": 1536,
                "qk_nope_head_dim": 128, "v_head_dim": 128}}),
    )
}

pub fn gpu(name: &str, memory: u64) -> GpuInfo {
    GpuInfo {
        id: "inline".into(),
        name: name.into(),
        memory_bytes: Bytes(memory),
        nvml_memory_bytes: None,
        marketing_memory: None,
        compute_capability: None,
        architecture: None,
        fp8: None,
        fp4: None,
        source: None,
    }
}

/// H100 SXM as CUDA reports it: 79.19 GiB (torch mem_get_info total).
pub fn h100() -> GpuInfo {
    gpu("H100 SXM", 85_031_714_816)
}

pub fn resolved(
    a: Architecture,
    dtype: WeightDtype,
    q: Quantization,
    group: Option<u64>,
    g: GpuInfo,
) -> Resolved {
    Resolved {
        model: ResolvedModel {
            architecture: a,
            source: ArchitectureSource::Inline,
            weights: ResolvedWeights {
                dtype,
                quantization: q,
                group_size: group,
                unquantized: Vec::new(),
            },
            exact_weights: None,
        },
        gpu: g,
    }
}

/// The baseline most plan tests start from: Llama-3.1-8B in BF16, unquantized,
/// on one H100 SXM.
pub fn llama31_8b_bf16_h100() -> Resolved {
    resolved(
        llama31_8b(),
        WeightDtype::Bf16,
        Quantization::None,
        None,
        h100(),
    )
}

/// A Serving spec: the given JSON merged over a minimal valid one.
pub fn serving(over: Value) -> Spec {
    let mut base = json!({
        "apiVersion": "memmath/v1",
        "kind": "Serving",
        "metadata": {"name": "test"},
        "model": {"weights": {"dtype": "bf16"}},
        "hardware": {"gpu": "h100-sxm-80gb"},
        "serving": {"engine": "vllm", "engine_version": "0.11"},
    });
    merge(&mut base, over);
    serde_json::from_value(base).expect("test spec")
}

/// A Training spec.
pub fn training(over: Value) -> Spec {
    let mut base = json!({
        "apiVersion": "memmath/v1",
        "kind": "Training",
        "metadata": {"name": "train"},
        "model": {"weights": {"dtype": "bf16"}},
        "hardware": {"gpu": "h100-sxm-80gb", "gpus_per_node": 8},
        "training": {"method": "full", "optimizer": "adamw", "precision": "bf16-mixed",
                     "micro_batch_size": 1, "sequence_length": 4096},
    });
    merge(&mut base, over);
    serde_json::from_value(base).expect("test spec")
}

pub fn plan(spec: &Spec, r: &Resolved) -> Plan {
    match plan::compute(spec, r) {
        Ok(p) => p,
        Err(f) => panic!("plan failed: {}", f.message),
    }
}

/// Relative error |got - want| / want.
pub fn rel(got: f64, want: f64) -> f64 {
    ((got - want) / want).abs()
}
