//! The worked examples of docs/memory-math.md are computed here; the test
//! fails when the doc and the code disagree, so the doc cannot drift.

mod plan_support;

use memmath::plan::Plan;
use memmath::spec::{Quantization, WeightDtype};
use plan_support::*;
use serde_json::json;

const DOC: &str = include_str!("../docs/memory-math.md");

/// design.md section 2's example: Llama-3.1-70B FP8 on 4 x H100 per replica.
pub fn example() -> Plan {
    let spec = serving(json!({
        "parallelism": {"tensor": 4},
        "hardware": {"gpus_per_node": 8, "nodes": 1},
        "serving": {"engine": "vllm", "engine_version": "0.11", "replicas": 2,
            "max_model_len": 131072, "kv_cache_dtype": "fp8", "gpu_memory_utilization": 0.90,
            "block_size": 16, "max_num_seqs": 256, "max_num_batched_tokens": 8192},
        "traffic": {"plan_percentile": "p99", "classes": [
            {"name": "chat", "prompt_tokens": {"mean": 900, "p50": 800, "p95": 3000, "p99": 6000},
             "output_tokens": {"mean": 350, "p50": 300, "p95": 1000, "p99": 2000},
             "concurrency": 64, "burst": 1.5},
            {"name": "long-doc", "prompt_tokens": {"p95": 100000, "p99": 120000},
             "output_tokens": {"p95": 2000, "p99": 4000}, "concurrency": 4, "burst": 1.25}]}
    }));
    plan(
        &spec,
        &resolved(
            llama31_70b(),
            WeightDtype::Fp8,
            Quantization::Fp8,
            None,
            h100(),
        ),
    )
}

fn has(s: &str) {
    assert!(DOC.contains(s), "docs/memory-math.md lacks `{s}`");
}

fn n(x: u64) -> String {
    let s = x.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn worked_example_matches_the_doc() {
    let p = example();
    println!("{}", serde_json::to_string_pretty(&p).unwrap_or_default());
    // The doc states the inline GPU total the example uses (tests/plan_support
    // h100()), beside the catalogue's h100-sxm-80gb figure.
    has(&n(p.gpu.total_bytes.get()));
    has(&format!("memory: {}", p.gpu.total_bytes.get()));
    has(&n(p.model.parameters));
    has(&n(p.weights.total_bytes.get()));
    has(&n(p.per_gpu.weights_bytes.get()));
    has(&n(p.per_gpu.budget_bytes.get()));
    has(&n(p.per_gpu.activation_peak_bytes.get()));
    has(&n(p.per_gpu.runtime_bytes.get()));
    has(&n(p.per_gpu.kv_cache_bytes as u64));
    let kv = p.kv_cache.as_ref().expect("kv");
    has(&n(kv.bytes_per_token_per_gpu));
    has(&n(kv.num_blocks));
    has(&n(kv.capacity_tokens));
    has(&format!("{:.2}", kv.max_concurrency));
    has(&n(kv.max_model_len_that_fits));
    // The same model at bf16 and GPTQ-int4 (section 2).
    let a = llama31_70b();
    for (dtype, q) in [
        (WeightDtype::Bf16, Quantization::None),
        (WeightDtype::Int4, Quantization::Gptq),
    ] {
        let f = memmath::plan::weights::format(dtype, q, None, a.hidden_size);
        let bytes = memmath::plan::sharding::whole_model_bytes(&a, &f).unwrap_or(0);
        has(&format!("{:.1} GB", bytes as f64 / 1e9));
    }
    for c in &p.classes {
        has(&n(c.kv_bytes_per_sequence));
        has(&n(c.max_concurrency));
        // pool_share is per instance: ceil(required / instances) x kv / pool.
        has(&format!("{:.0}%", c.pool_share * 100.0));
        let load = c
            .required_concurrency
            .div_ceil(p.gpu.replicas * p.gpu.engine_instances_per_replica);
        has(&n(load * c.kv_bytes_per_sequence));
    }
}

/// Training example: Llama-3.1-8B full fine-tune on one node of 8 x H100.
pub fn training_example() -> Plan {
    let spec = training(json!({
        "parallelism": {"data": 8},
        "hardware": {"gpus_per_node": 8, "nodes": 1, "host_memory": "1TiB"},
        "training": {"method": "full", "optimizer": "adamw", "precision": "bf16-mixed",
            "micro_batch_size": 1, "sequence_length": 4096,
            "activation_checkpointing": "selective", "zero_stage": 3}
    }));
    plan(&spec, &llama31_8b_bf16_h100())
}

#[test]
fn training_example_matches_the_doc() {
    let p = training_example();
    println!(
        "{}",
        serde_json::to_string_pretty(&p.training).unwrap_or_default()
    );
    let t = p.training.as_ref().expect("training");
    has(&n(t.weights_bytes.get()));
    has(&n(t.gradients_bytes.get()));
    has(&n(t.optimizer_bytes.get()));
    has(&n(t.activations_bytes.get()));
    has(&n(t.total_bytes.get()));
    for r in &t.per_zero_stage {
        has(&n(r.total_bytes.get()));
    }
    has(&n(p.host.load_peak_bytes.get()));
    has(&n(p.weights.total_bytes.get()));
}

/// docs/memory-math.md "Modules kept at 16 bits" and "Kernel padding": the
/// Llama-3.1-405B-FP8 and gpt-oss-120b examples, from the formula functions.
#[test]
fn sixteen_bit_modules_and_kernel_padding_match_the_doc() {
    use memmath::plan::{kernel_path, sharding, weights};
    let a = memmath::catalog::Architecture {
        layers: 126,
        hidden_size: 16384,
        intermediate_size: 53248,
        attention_heads: 128,
        kv_heads: 8,
        head_dim: 128,
        vocab_size: 128256,
        tie_word_embeddings: false,
        ..llama31_70b()
    };
    let list: Vec<String> = [
        "lm_head",
        "model.layers.*.self_attn",
        "model.layers.0",
        "model.layers.125",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let f = weights::format(WeightDtype::Fp8, Quantization::Fp8, None, a.hidden_size)
        .with_unquantized(&list);
    let whole = sharding::whole_model_bytes(&a, &f).unwrap_or(0);
    has(&format!("**{} B**", n(whole)));
    // gpt-oss-120b under vLLM 0.10.1 on an H100: Marlin.
    let marlin = kernel_path::engine_bytes(kernel_path::Backend::Marlin, (0, 10), 128, 2880, 2880)
        .map(|b| b * 36)
        .unwrap_or(0);
    has(&format!("take {} B", n(marlin)));
    let checkpoint = 128u64 * 36 * 3 * 2880 * 2880 * 17 / 32;
    has(&format!("holds {} B at 4.25 bits", n(checkpoint)));
}
