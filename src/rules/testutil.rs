//! Test fixtures: a realistic base deployment (Llama 3.1 70B, FP8 weights and
//! KV, 2 replicas of TP4 on H100 SXM) as a Spec, a Resolved and a Plan whose
//! numbers agree with each other, so each rule's test tweaks only what matters.
//!
//! Numbers (derivations kept here so a reader can check them):
//! - total 79.2 GiB = 85,040,352,460 B; budget = floor(total x 9/10) = 76,536,317,214 B.
//! - weights 18 GiB, activation peak 2 GiB, runtime 2 GiB per GPU:
//!   KV = 76,536,317,214 - 23,622,320,128 = 52,913,997,086 B.
//! - KV per token per GPU: 2 (K,V) x 8/4 kv heads x 128 x 1 B (fp8) x 80 layers = 40,960 B;
//!   blocks of 16: 80,740 blocks = 1,291,840 tokens per instance.
//! - chat: 6,000 + 2,000 = 8,000 tokens = 327,680,000 B; ceil(64 x 1.5) = 96, 48 per replica.
//! - long-doc: 120,000 + 4,000 = 124,000 tokens = 5,079,040,000 B; ceil(4 x 1.25) = 5, 3 per replica.

use super::{Rule, RuleContext, RulesConfig};
use crate::catalog::{
    Architecture, ArchitectureSource, GpuInfo, Resolved, ResolvedModel, ResolvedWeights,
};
use crate::diagnostics::Finding;
use crate::plan::*;
use crate::spec::{Quantization, Spec, WeightDtype};
use crate::units::{Bytes, GIB, MIB};
use serde_json::{json, Value};

pub const TOTAL: u64 = 85_040_352_460;
pub const BUDGET: u64 = 76_536_317_214;
pub const KV: u64 = 52_913_997_086;
pub const KV_PER_TOKEN_GPU: u64 = 40_960;

pub fn base_spec_json() -> Value {
    json!({
        "apiVersion": "memmath/v1",
        "kind": "Serving",
        "metadata": {"name": "chat-70b-prod"},
        "model": {
            "preset": "llama-3.1-70b",
            "weights": {"dtype": "fp8", "quantization": "fp8"}
        },
        "hardware": {"gpu": "h100-sxm-80gb", "gpus_per_node": 8, "nodes": 1, "host_memory": "2TiB"},
        "parallelism": {"tensor": 4, "pipeline": 1, "data": 1, "expert": false},
        "serving": {
            "engine": "vllm", "engine_version": "0.11", "replicas": 2,
            "max_model_len": 131072, "kv_cache_dtype": "fp8",
            "gpu_memory_utilization": 0.90, "block_size": 16,
            "max_num_seqs": 256, "max_num_batched_tokens": 8192, "cuda_graphs": true
        },
        "capacity": {"headroom": 0.10},
        "traffic": {
            "plan_percentile": "p99",
            "classes": [
                {"name": "chat",
                 "prompt_tokens": {"mean": 900, "p50": 800, "p95": 3000, "p99": 6000},
                 "output_tokens": {"mean": 350, "p50": 300, "p95": 1000, "p99": 2000},
                 "concurrency": 64, "burst": 1.5},
                {"name": "long-doc",
                 "prompt_tokens": {"p95": 100000, "p99": 120000},
                 "output_tokens": {"p95": 2000, "p99": 4000},
                 "concurrency": 4, "burst": 1.25}
            ]
        },
        "loading": {"format": "safetensors", "mmap": true, "workers_per_node": 8}
    })
}

pub fn base_architecture() -> Architecture {
    Architecture {
        layers: 80,
        hidden_size: 8192,
        intermediate_size: 28672,
        attention_heads: 64,
        kv_heads: 8,
        head_dim: 128,
        vocab_size: 128_256,
        tie_word_embeddings: false,
        max_position_embeddings: Some(131_072),
        parameters: Some(70_553_706_496),
        gated_mlp: true,
        attention_bias: false,
        moe: None,
        mla: None,
        sliding_window: None,
    }
}

pub fn base_resolved() -> Resolved {
    Resolved {
        model: ResolvedModel {
            architecture: base_architecture(),
            source: ArchitectureSource::Preset("llama-3.1-70b".into()),
            weights: ResolvedWeights {
                dtype: WeightDtype::Fp8,
                quantization: Quantization::Fp8,
                group_size: None,
            },
            exact_weights: None,
        },
        gpu: GpuInfo {
            id: "h100-sxm-80gb".into(),
            name: "NVIDIA H100 SXM5 80GB".into(),
            memory_bytes: Bytes(TOTAL),
            nvml_memory_bytes: Some(Bytes(81_559 * (1 << 20))),
            marketing_memory: Some("80 GB".into()),
            compute_capability: Some("9.0".into()),
            architecture: Some("hopper".into()),
            fp8: Some(true),
            fp4: Some(false),
            source: None,
        },
    }
}

fn class(
    name: &str,
    prompt: u64,
    output: u64,
    required: u64,
    per_replica: u64,
    max_conc: u64,
    share: f64,
) -> ClassPlan {
    let tokens = prompt + output;
    ClassPlan {
        sized: true,
        name: name.into(),
        percentile: "p99".into(),
        prompt_tokens: prompt,
        output_tokens: output,
        tokens_per_sequence: tokens,
        kv_bytes_per_sequence: tokens.div_ceil(16) * 16 * KV_PER_TOKEN_GPU,
        required_concurrency: required,
        per_replica_concurrency: per_replica,
        max_concurrency: max_conc,
        fits: max_conc >= required,
        replicas_needed: Some(2),
        pool_share: share,
    }
}

pub fn base_plan() -> Plan {
    let capacity_tokens = 80_740 * 16;
    Plan {
        name: "chat-70b-prod".into(),
        kind: "Serving".into(),
        gpu: GpuSummary {
            id: "h100-sxm-80gb".into(),
            name: "NVIDIA H100 SXM5 80GB".into(),
            total_bytes: Bytes(TOTAL),
            gpus_per_replica: 4,
            replicas: 2,
            total_gpus: 8,
            engine_instances_per_replica: 1,
            nodes: 1,
            gpus_per_node: 8,
        },
        model: ModelSummary {
            source: "preset llama-3.1-70b".into(),
            parameters: 70_553_706_496,
            parameters_source: "published".into(),
            active_parameters: 70_553_706_496,
            layers: 80,
            hidden_size: 8192,
            attention_heads: 64,
            kv_heads: 8,
            head_dim: 128,
            vocab_size: 128_256,
            max_position_embeddings: Some(131_072),
            attention: "gqa".into(),
        },
        weights: WeightsPlan {
            exact: false,
            dtype: "fp8".into(),
            quantization: "fp8".into(),
            group_size: None,
            bits_per_weight: 8.0,
            total_bytes: Bytes(72 * GIB),
            unquantized_bytes: Bytes(4_202_692_608),
            per_gpu_bytes: Bytes(18 * GIB),
            sharding: "tensor parallel 4".into(),
        },
        per_gpu: PerGpu {
            total_bytes: Bytes(TOTAL),
            budget_bytes: Bytes(BUDGET),
            weights_bytes: Bytes(18 * GIB),
            activation_peak_bytes: Bytes(2 * GIB),
            runtime_bytes: Bytes(2 * GIB),
            kv_cache_bytes: KV as i64,
            free_bytes: Bytes(TOTAL - BUDGET),
            memory_fraction: 0.9,
            cuda_graphs_outside_budget_bytes: Bytes(512 * MIB),
        },
        kv_cache: Some(KvCachePlan {
            dtype: "fp8".into(),
            block_size: 16,
            max_model_len: 131_072,
            bytes_per_token_per_gpu: KV_PER_TOKEN_GPU,
            bytes_per_token: 4 * KV_PER_TOKEN_GPU,
            num_blocks: 80_740,
            capacity_tokens,
            max_concurrency: capacity_tokens as f64 / 131_072.0,
            max_model_len_that_fits: capacity_tokens,
            deployment_capacity_tokens: 2 * capacity_tokens,
        }),
        classes: vec![
            class("chat", 6000, 2000, 96, 48, 228, 768_000.0 / 2_583_680.0),
            class("long-doc", 120_000, 4000, 5, 3, 14, 620_000.0 / 2_583_680.0),
        ],
        host: HostPlan {
            load_peak_bytes: Bytes(40 * GIB),
            available_bytes: Some(Bytes(2048 * GIB)),
            workers_per_node: 8,
            staging: "mmap".into(),
        },
        training: None,
        assumptions: Vec::new(),
    }
}

/// A spec, its resolution, its plan and a config; tests mutate the fields.
pub struct Fixture {
    pub spec: Spec,
    pub resolved: Resolved,
    pub plan: Plan,
    pub config: RulesConfig,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture::with_spec(base_spec_json())
    }

    /// The base resolution and plan with another spec (edit the JSON first).
    pub fn with_spec(spec: Value) -> Fixture {
        Fixture {
            spec: serde_json::from_value(spec).expect("test spec deserializes"),
            resolved: base_resolved(),
            plan: base_plan(),
            config: RulesConfig::default(),
        }
    }

    /// Edit the base spec's JSON, keeping the base plan.
    pub fn edit(f: impl FnOnce(&mut Value)) -> Fixture {
        let mut v = base_spec_json();
        f(&mut v);
        Fixture::with_spec(v)
    }

    pub fn run(&self, rule: &dyn Rule) -> Vec<Finding> {
        let ctx = RuleContext {
            spec: &self.spec,
            resolved: &self.resolved,
            plan: &self.plan,
            config: &self.config,
        };
        rule.check(&ctx)
    }

    /// The one finding `rule` gives (panics in tests when there is not exactly one).
    pub fn one(&self, rule: &dyn Rule) -> Finding {
        let mut v = self.run(rule);
        assert_eq!(v.len(), 1, "expected one finding, got {v:#?}");
        v.remove(0)
    }

    /// A training fixture: Llama 3.1 8B, full fine-tune, ZeRO-3 over 8 GPUs.
    pub fn training() -> Fixture {
        let spec = json!({
            "apiVersion": "memmath/v1",
            "kind": "Training",
            "metadata": {"name": "sft-8b"},
            "model": {"preset": "llama-3.1-8b", "weights": {"dtype": "bf16"}},
            "hardware": {"gpu": "h100-sxm-80gb", "gpus_per_node": 8, "nodes": 1, "host_memory": "2TiB"},
            "parallelism": {"tensor": 1, "pipeline": 1, "data": 8},
            "training": {
                "method": "full", "optimizer": "adamw", "precision": "bf16-mixed",
                "micro_batch_size": 1, "sequence_length": 8192,
                "activation_checkpointing": "none", "zero_stage": 3,
                "offload": "none", "sequence_parallel": false
            }
        });
        let mut fx = Fixture::with_spec(spec);
        let p = 8_030_261_248u64;
        fx.resolved.model.architecture = Architecture {
            parameters: Some(p),
            ..crate::catalog::llama_3_1_8b()
        };
        fx.resolved.model.weights = ResolvedWeights {
            dtype: WeightDtype::Bf16,
            quantization: Quantization::None,
            group_size: None,
        };
        fx.plan.kind = "Training".into();
        fx.plan.kv_cache = None;
        fx.plan.classes = Vec::new();
        fx.plan.gpu.gpus_per_replica = 8;
        fx.plan.gpu.replicas = 1;
        fx.plan.model.layers = 32;
        fx.plan.model.hidden_size = 4096;
        fx.plan.model.attention_heads = 32;
        fx.plan.model.parameters = p;
        // ZeRO-3 over 8: (2 + 2 + 12) x p / 8 = 16,060,522,496 B of model states.
        let w = Bytes(2 * p / 8);
        let g = Bytes(2 * p / 8);
        let o = Bytes(12 * p / 8);
        let act = Bytes(30 * GIB);
        fx.plan.per_gpu.budget_bytes = Bytes(TOTAL - TOTAL / 10);
        fx.plan.training = Some(TrainingPlan {
            weights_bytes: w,
            gradients_bytes: g,
            optimizer_bytes: o,
            activations_bytes: act,
            total_bytes: Bytes(w.0 + g.0 + o.0 + act.0),
            trainable_parameters: p,
            host_offload_bytes: Bytes::ZERO,
            per_zero_stage: (0..=3)
                .map(|stage| {
                    let (w, g, o) = match stage {
                        0 => (2 * p, 2 * p, 12 * p),
                        1 => (2 * p, 2 * p, 12 * p / 8),
                        2 => (2 * p, 2 * p / 8, 12 * p / 8),
                        _ => (2 * p / 8, 2 * p / 8, 12 * p / 8),
                    };
                    ZeroStageRow {
                        stage,
                        weights_bytes: Bytes(w),
                        gradients_bytes: Bytes(g),
                        optimizer_bytes: Bytes(o),
                        total_bytes: Bytes(w + g + o),
                    }
                })
                .collect(),
        });
        // What the plan leaves after training total and runtime (2 GiB: NCCL
        // across 8 GPUs), as plan/compute.rs computes it.
        fx.plan.per_gpu.runtime_bytes = Bytes(2 * GIB);
        fx.plan.per_gpu.cuda_graphs_outside_budget_bytes = Bytes::ZERO;
        fx.sync_training_left();
        fx
    }

    /// Recompute `per_gpu.kv_cache_bytes` of a training fixture after editing
    /// its totals: budget - (training total + runtime), signed.
    pub fn sync_training_left(&mut self) {
        if let Some(t) = &self.plan.training {
            let used = t.total_bytes.0 as i128 + self.plan.per_gpu.runtime_bytes.0 as i128;
            self.plan.per_gpu.kv_cache_bytes =
                (self.plan.per_gpu.budget_bytes.0 as i128 - used) as i64;
        }
    }
}
