//! The plan's data: what `report --format json` prints (design.md section 4).
//!
//! `per_gpu.*` and `kv_cache.*` describe one engine instance (one TP x PP group)
//! and inside it the bottleneck GPU (section 4b). Every memory value is `Bytes`
//! except `per_gpu.kv_cache_bytes`, which is signed: negative means the engine
//! will not start.

use crate::units::Bytes;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// `metadata.name`.
    pub name: String,
    /// `Serving` or `Training`.
    pub kind: String,
    pub gpu: GpuSummary,
    pub model: ModelSummary,
    pub weights: WeightsPlan,
    pub per_gpu: PerGpu,
    /// Serving only.
    pub kv_cache: Option<KvCachePlan>,
    /// Serving only; empty when the spec has no traffic classes.
    pub classes: Vec<ClassPlan>,
    pub host: HostPlan,
    /// Training only.
    pub training: Option<TrainingPlan>,
    /// Every default and constant the plan used, with its source.
    pub assumptions: Vec<Assumption>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GpuSummary {
    pub id: String,
    pub name: String,
    /// Runtime-visible (CUDA) total of one GPU.
    pub total_bytes: Bytes,
    /// How `total_bytes` was obtained: `measured` (a public log shows it),
    /// `derived: ...` (an estimate: NVML total minus a reserve, or a sibling
    /// part) or `given` (the spec's inline figure). Empty in a JSON plan
    /// written before this key existed.
    #[serde(default)]
    pub total_basis: String,
    /// tensor x pipeline x data.
    pub gpus_per_replica: u64,
    pub replicas: u64,
    /// replicas x gpus_per_replica.
    pub total_gpus: u64,
    /// Engine instances (each with its own KV cache) in one replica: `data`.
    pub engine_instances_per_replica: u64,
    pub nodes: u64,
    pub gpus_per_node: u64,
}

/// The architecture numbers a reviewer checks (the capacity worksheet).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub source: String,
    pub parameters: u64,
    /// `exact` (safetensors headers), `published` (user/preset count) or `formula`.
    pub parameters_source: String,
    /// Parameters touched per token (MoE: shared + active experts), for reference.
    pub active_parameters: u64,
    pub layers: u64,
    pub hidden_size: u64,
    pub attention_heads: u64,
    pub kv_heads: u64,
    pub head_dim: u64,
    pub vocab_size: u64,
    pub max_position_embeddings: Option<u64>,
    /// `mha`, `gqa`, `mqa` or `mla`.
    pub attention: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeightsPlan {
    /// true when read from safetensors headers.
    pub exact: bool,
    pub dtype: String,
    pub quantization: String,
    pub group_size: Option<u64>,
    /// Average stored bits per quantized weight, metadata included.
    pub bits_per_weight: f64,
    /// Whole model, one copy.
    pub total_bytes: Bytes,
    /// Parts kept at 16-bit (embeddings, lm_head, norms, and the linear
    /// layers the checkpoint's `quantization_config` or the spec's
    /// `model.weights.unquantized` leave unquantized), whole model.
    pub unquantized_bytes: Bytes,
    /// Most-loaded GPU of one engine instance (design.md section 4b), the
    /// kernel path's padding included.
    pub per_gpu_bytes: Bytes,
    /// What the engine's kernel path allocates on that GPU beyond the
    /// checkpoint's bytes (MXFP4 MoE padding, swizzled scales, FP32 biases:
    /// plan/kernel_path.rs); absent when nothing is added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub padding_bytes: Option<Bytes>,
    /// Why: backend, padded shapes, version and source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub padding_reason: Option<String>,
    /// How per_gpu_bytes was obtained, for the report.
    pub sharding: String,
}

/// One GPU of one engine instance; the keys of design.md section 4.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PerGpu {
    pub total_bytes: Bytes,
    pub budget_bytes: Bytes,
    pub weights_bytes: Bytes,
    pub activation_peak_bytes: Bytes,
    pub runtime_bytes: Bytes,
    /// Signed: negative means the engine will not start.
    pub kv_cache_bytes: i64,
    /// What the engine leaves untouched: total - budget (SGLang, whose budget
    /// holds only weights + KV: total - budget - activations - runtime).
    pub free_bytes: Bytes,
    /// The engine's memory fraction used for the budget (generic: 1 - headroom).
    pub memory_fraction: f64,
    /// CUDA graph pool the engine captures after sizing the KV cache, out of
    /// `free_bytes` (vLLM before 0.21, SGLang); 0 when graphs are off or counted
    /// inside the budget.
    #[serde(default)]
    pub cuda_graphs_outside_budget_bytes: Bytes,
    /// Speculative drafter weights (MTP layers), included in `weights_bytes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_weights_bytes: Option<Bytes>,
    /// Vision tower weights, included in `weights_bytes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vision_weights_bytes: Option<Bytes>,
    /// LoRA adapter slots, included in `weights_bytes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lora_bytes: Option<Bytes>,
    /// Multimodal encoder outputs held through profiling, included in
    /// `activation_peak_bytes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoder_cache_bytes: Option<Bytes>,
    /// vLLM's fused-MoE workspace, held from the profiling run on (0.14+),
    /// included in `activation_peak_bytes` (plan/moe_workspace.rs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moe_workspace_bytes: Option<Bytes>,
    /// vLLM V1's sampler warm-up over `min(max_num_seqs,
    /// max_num_batched_tokens)` dummy requests that `compile_or_warm_up_model`
    /// runs after the KV cache is allocated (and after CUDA-graph capture),
    /// where the release's sampler was read (plan/sampler.rs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampler_warmup_bytes: Option<Bytes>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KvCachePlan {
    pub dtype: String,
    pub block_size: u64,
    pub max_model_len: u64,
    /// KV bytes one token costs on the bottleneck GPU, all its layers.
    pub bytes_per_token_per_gpu: u64,
    /// Layers whose KV the bottleneck GPU holds: all of them without
    /// pipeline parallelism, its stage's layers with it (vLLM
    /// `get_pp_indices`). Absent (0) in a JSON plan from before this key.
    #[serde(default)]
    pub layers_per_gpu: u64,
    /// Same, all GPUs of the engine instance (what one sequence costs in total).
    pub bytes_per_token: u64,
    pub num_blocks: u64,
    /// Tokens one engine instance's KV cache holds (vLLM "GPU KV cache size").
    pub capacity_tokens: u64,
    /// capacity over one max_model_len sequence (vLLM "Maximum concurrency").
    pub max_concurrency: f64,
    /// Largest max_model_len one sequence of which fits (vLLM's estimate).
    pub max_model_len_that_fits: u64,
    /// KV pool of the whole deployment: replicas x instances x per-instance bytes.
    pub deployment_capacity_tokens: u64,
    /// The KV cache groups of the shared pool (models with layer kinds;
    /// absent for a plain transformer, one group of every layer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<KvGroupPlan>,
    /// Attention block size after page sizes are unified with state layers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_size_effective: Option<u64>,
    /// Conv + recurrent state one sequence holds on that GPU, all state layers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_bytes_per_sequence_per_gpu: Option<u64>,
    /// Blocks one max_model_len request takes over all groups (vLLM's divisor
    /// of "Maximum concurrency").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocks_per_request: Option<u64>,
    /// Of those, the blocks the state groups take: a fixed count per running
    /// sequence, whatever its length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_blocks_per_request: Option<u64>,
    /// Prefix caching as planned (with state layers: `align` mode, two state
    /// pages per group instead of one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_caching: Option<bool>,
}

/// One KV cache group (vLLM `KVCacheGroupSpec`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KvGroupPlan {
    /// full, sliding, chunked, mla, mamba or linear.
    pub kind: String,
    /// Real layers in the group on the bottleneck GPU.
    pub layers: u64,
    /// Padding layers vLLM adds to fill the group.
    pub padding_layers: u64,
    pub page_bytes: u64,
    /// Tokens per page after page-size unification.
    pub block_size: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassPlan {
    pub name: String,
    /// false when the spec gives neither the planning percentile nor its p95
    /// fallback for prompt or output tokens: the class cannot be sized, never
    /// fits, and is left out of `replicas_needed` (rule TRF001 names it).
    #[serde(default = "sized_default")]
    pub sized: bool,
    /// true when the class's tokens per sequence exceed max_model_len: the
    /// engine rejects its requests, so it holds no sequences (max_concurrency
    /// 0, fits false, pool_share 0) and takes no KV from the others (rule
    /// TRF006 names it). Its tokens and KV bytes are still the uncapped ones.
    #[serde(default)]
    pub rejected: bool,
    pub percentile: String,
    pub prompt_tokens: u64,
    pub output_tokens: u64,
    pub tokens_per_sequence: u64,
    /// Block-rounded, on the bottleneck GPU's share of the engine instance.
    pub kv_bytes_per_sequence: u64,
    /// ceil(concurrency x burst), whole deployment.
    pub required_concurrency: u64,
    /// ceil(required / replicas).
    pub per_replica_concurrency: u64,
    /// Sequences of this class the deployment holds while the others run at their
    /// required load.
    pub max_concurrency: u64,
    pub fits: bool,
    /// Smallest replica count at which every class fits (None: never, e.g. a
    /// sequence longer than one instance's cache).
    pub replicas_needed: Option<u64>,
    /// Fraction of one engine instance's KV pool this class needs at required
    /// load: ceil(required / (replicas x instances per replica)) x
    /// kv_bytes_per_sequence / pool bytes per instance (the load `fits` uses).
    /// Infinite when a class needs KV and there is no pool at all: JSON has
    /// no infinity, so the JSON plan writes `null` (and reads it back).
    #[serde(deserialize_with = "null_as_infinity")]
    pub pool_share: f64,
}

impl Plan {
    /// Whether a serving engine starts with this plan: memory is left for the
    /// KV cache, and one `max_model_len` sequence fits it (vLLM raises at
    /// startup otherwise; rule MEM003). Training plans: always true here.
    pub fn engine_starts(&self) -> bool {
        if self.training.is_some() {
            return true;
        }
        self.per_gpu.kv_cache_bytes > 0
            && self
                .kv_cache
                .as_ref()
                .is_none_or(|k| k.max_model_len <= k.max_model_len_that_fits)
    }
}

impl ClassPlan {
    /// Whether the class holds sequences in the KV pool: it is sized and the
    /// engine accepts its length (not `rejected`). Only such a class takes KV
    /// memory, and only such a class can fit.
    pub fn holds_sequences(&self) -> bool {
        self.sized && !self.rejected
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostPlan {
    /// Host RAM during load, per node.
    pub load_peak_bytes: Bytes,
    /// `hardware.host_memory`, per node.
    pub available_bytes: Option<Bytes>,
    pub workers_per_node: u64,
    /// How the loader stages weights (mmap, shard, full state dict).
    pub staging: String,
    /// Host RAM the KV offload tier takes per node, while serving.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kv_offload_bytes: Option<Bytes>,
    /// Pinned host RAM of the LoRA adapter cache per node, while serving.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lora_cache_bytes: Option<Bytes>,
    /// Host RAM of the multimodal processor caches per node, while serving.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mm_processor_cache_bytes: Option<Bytes>,
}

impl HostPlan {
    /// Host RAM the serving caches hold per node once loading is done.
    pub fn serving_bytes(&self) -> u64 {
        [
            self.kv_offload_bytes,
            self.lora_cache_bytes,
            self.mm_processor_cache_bytes,
        ]
        .into_iter()
        .flatten()
        .fold(0u64, |acc, b| acc.saturating_add(b.get()))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingPlan {
    pub weights_bytes: Bytes,
    pub gradients_bytes: Bytes,
    pub optimizer_bytes: Bytes,
    pub activations_bytes: Bytes,
    pub total_bytes: Bytes,
    /// Parameters being trained (all for full, adapters for LoRA/QLoRA).
    pub trainable_parameters: u64,
    /// Host RAM taken by offloaded states, per node.
    pub host_offload_bytes: Bytes,
    /// The same job at each ZeRO stage 0-3, for the report's comparison table.
    pub per_zero_stage: Vec<ZeroStageRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ZeroStageRow {
    pub stage: u64,
    pub weights_bytes: Bytes,
    pub gradients_bytes: Bytes,
    pub optimizer_bytes: Bytes,
    pub total_bytes: Bytes,
}

/// A default or constant the plan relied on, so the report can say where each
/// number came from (exact, formula, calibrated constant, user override).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assumption {
    pub field: String,
    pub value: String,
    pub source: String,
}

fn sized_default() -> bool {
    true
}

/// `pool_share` from JSON: a number, or `null` for the infinite share
/// serde_json writes as `null`.
fn null_as_infinity<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::INFINITY))
}
