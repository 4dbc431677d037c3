//! The typed v1 spec (design.md section 2), deserialized once the schema passes.
//!
//! Field names and enum spellings mirror `schemas/memmath.schema.json`; both must
//! change together. Optional fields stay `Option` here: defaults that depend on
//! the engine or the model are resolved by `plan/`, which records that it did.

pub use super::families::*;
use crate::units::{parse_size, Bytes};
use serde::{Deserialize, Deserializer, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: Kind,
    pub metadata: Metadata,
    pub model: ModelSpec,
    pub hardware: HardwareSpec,
    #[serde(default)]
    pub parallelism: Parallelism,
    pub serving: Option<ServingSpec>,
    #[serde(default)]
    pub capacity: CapacitySpec,
    pub traffic: Option<TrafficSpec>,
    pub loading: Option<LoadingSpec>,
    pub training: Option<TrainingSpec>,
    pub lint: Option<LintSpec>,
    /// The serving config this spec describes (docs/import.md); merged into
    /// the document before the schema runs, kept here for reports.
    pub deployment: Option<DeploymentSpec>,
}

/// `deployment:`: the real serving config a spec is checked against.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentSpec {
    pub file: String,
    pub container: Option<String>,
    pub env: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum Kind {
    Serving,
    Training,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    pub name: String,
    pub description: Option<String>,
    /// `file:line` of the serving config an imported spec came from.
    pub source: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// The model as a serving config names it (informational).
    pub source: Option<String>,
    /// Catalogue id (`llama-3.1-70b`).
    pub preset: Option<String>,
    /// Path to a Hugging Face config.json, relative to the spec file.
    pub hf_config: Option<String>,
    /// Path to a .safetensors file, a folder, or model.safetensors.index.json.
    pub safetensors: Option<String>,
    /// Fills or overrides preset / hf_config fields.
    pub architecture: Option<ArchitectureSpec>,
    /// Optional when the preset, config.json or safetensors headers give the
    /// dtype and quantization (the checkpoint's own format is used).
    #[serde(default)]
    pub weights: WeightsSpec,
}

/// Architecture as written in the spec: every field optional, because a preset
/// or a config.json may supply it. `catalog::resolve` produces the complete
/// [`crate::catalog::Architecture`].
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ArchitectureSpec {
    pub layers: Option<u64>,
    pub hidden_size: Option<u64>,
    pub intermediate_size: Option<u64>,
    pub attention_heads: Option<u64>,
    pub kv_heads: Option<u64>,
    pub head_dim: Option<u64>,
    pub vocab_size: Option<u64>,
    pub tie_word_embeddings: Option<bool>,
    pub max_position_embeddings: Option<u64>,
    /// Exact parameter count when the publisher states it.
    pub parameters: Option<u64>,
    /// false for a plain 2-matrix MLP (GPT-2, Phi-2); default true (SwiGLU/GeGLU).
    pub gated_mlp: Option<bool>,
    /// Biases on the q/k/v projections (Qwen2).
    pub attention_bias: Option<bool>,
    pub moe: Option<MoeSpec>,
    pub mla: Option<MlaSpec>,
    pub sliding_window: Option<SlidingWindowSpec>,
    /// Token mixer per layer; a list shorter than `layers` repeats.
    pub layer_types: Option<Vec<LayerType>>,
    /// Chunk of `chunked` layers (Llama 4 `attention_chunk_size`).
    pub attention_chunk_size: Option<u64>,
    /// V head width when it differs from `head_dim` (MiMo-V2).
    pub v_head_dim: Option<u64>,
    /// Attention geometry per kind where it differs.
    pub layer_kinds: Option<LayerKinds>,
    pub mamba: Option<MambaSpec>,
    pub linear_attention: Option<LinearAttentionSpec>,
    /// Multi-token-prediction layers in the checkpoint.
    pub mtp_layers: Option<u64>,
    pub vision: Option<VisionSpec>,
    /// The model's own recurrent (SSM) state dtype (config.json
    /// `mamba_ssm_dtype`; vLLM's Nemotron-H default fp32).
    pub mamba_ssm_dtype: Option<StateDtype>,
    /// A layer holds a token mixer or an MLP, never both (Nemotron-H).
    pub separate_mlp_layers: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MoeSpec {
    pub experts: u64,
    pub experts_per_token: u64,
    pub expert_intermediate_size: u64,
    #[serde(default)]
    pub shared_experts: u64,
    /// Intermediate size of the shared expert(s) taken together, when it differs
    /// from `shared_experts x expert_intermediate_size` (Qwen2-MoE).
    pub shared_expert_intermediate_size: Option<u64>,
    /// Leading layers with a dense MLP of `intermediate_size` (DeepSeek-V3: 3).
    #[serde(default)]
    pub dense_layers: u64,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MlaSpec {
    pub kv_lora_rank: u64,
    pub qk_rope_head_dim: u64,
    pub q_lora_rank: Option<u64>,
    pub qk_nope_head_dim: u64,
    pub v_head_dim: u64,
    /// DeepSeek-V3.2 sparse attention: per-token index keys beside the latent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indexer: Option<IndexerSpec>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SlidingWindowSpec {
    pub window: u64,
    /// 0-based indices of the sliding-window layers.
    pub layers: Option<Vec<u64>>,
    /// Layer i is full attention when (i + 1) % N == 0 (Gemma convention).
    pub every_nth_full: Option<u64>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WeightsSpec {
    /// Storage dtype; implied by `quantization` when omitted.
    pub dtype: Option<WeightDtype>,
    #[serde(default)]
    pub quantization: Quantization,
    pub group_size: Option<u64>,
    /// Modules a quantized checkpoint keeps at 16 bits (HF module names, `*`
    /// globs, `re:` regexes), added to the checkpoint's own list
    /// (docs/memory-math.md "Modules kept at 16 bits").
    #[serde(default)]
    pub unquantized: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightDtype {
    Fp32,
    Bf16,
    Fp16,
    Fp8,
    Int8,
    Int4,
    Nvfp4,
    Mxfp4,
}

impl WeightDtype {
    /// Bits per stored element, before quantization metadata.
    pub fn bits(self) -> u64 {
        match self {
            WeightDtype::Fp32 => 32,
            WeightDtype::Bf16 | WeightDtype::Fp16 => 16,
            WeightDtype::Fp8 | WeightDtype::Int8 => 8,
            WeightDtype::Int4 | WeightDtype::Nvfp4 | WeightDtype::Mxfp4 => 4,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            WeightDtype::Fp32 => "fp32",
            WeightDtype::Bf16 => "bf16",
            WeightDtype::Fp16 => "fp16",
            WeightDtype::Fp8 => "fp8",
            WeightDtype::Int8 => "int8",
            WeightDtype::Int4 => "int4",
            WeightDtype::Nvfp4 => "nvfp4",
            WeightDtype::Mxfp4 => "mxfp4",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Quantization {
    #[default]
    None,
    Fp8,
    /// W8A8 int8 (SmoothQuant-style), per-channel scales.
    Int8,
    Awq,
    Gptq,
    BnbNf4,
    BnbInt8,
    Mxfp4,
    Nvfp4,
    #[serde(rename = "gguf-q4_0")]
    GgufQ4_0,
    #[serde(rename = "gguf-q4_k_m")]
    GgufQ4KM,
    #[serde(rename = "gguf-q5_k_m")]
    GgufQ5KM,
    #[serde(rename = "gguf-q6_k")]
    GgufQ6K,
    #[serde(rename = "gguf-q8_0")]
    GgufQ8_0,
}

impl Quantization {
    pub fn as_str(self) -> &'static str {
        match self {
            Quantization::None => "none",
            Quantization::Fp8 => "fp8",
            Quantization::Int8 => "int8",
            Quantization::Awq => "awq",
            Quantization::Gptq => "gptq",
            Quantization::BnbNf4 => "bnb-nf4",
            Quantization::BnbInt8 => "bnb-int8",
            Quantization::Mxfp4 => "mxfp4",
            Quantization::Nvfp4 => "nvfp4",
            Quantization::GgufQ4_0 => "gguf-q4_0",
            Quantization::GgufQ4KM => "gguf-q4_k_m",
            Quantization::GgufQ5KM => "gguf-q5_k_m",
            Quantization::GgufQ6K => "gguf-q6_k",
            Quantization::GgufQ8_0 => "gguf-q8_0",
        }
    }
}

/// `hardware.gpu`: a catalogue id, or an inline description.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum GpuSpec {
    Id(String),
    Inline(InlineGpu),
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InlineGpu {
    pub name: String,
    /// CUDA-visible total (torch `mem_get_info` total), floored to bytes.
    #[serde(deserialize_with = "de_size")]
    pub memory: Bytes,
    pub compute_capability: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HardwareSpec {
    pub gpu: GpuSpec,
    pub gpus_per_node: Option<u64>,
    pub nodes: Option<u64>,
    /// Host RAM per node.
    #[serde(default, deserialize_with = "de_opt_size")]
    pub host_memory: Option<Bytes>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Parallelism {
    #[serde(default = "one")]
    pub tensor: u64,
    #[serde(default = "one")]
    pub pipeline: u64,
    #[serde(default = "one")]
    pub data: u64,
    #[serde(default)]
    pub expert: bool,
}

impl Default for Parallelism {
    fn default() -> Self {
        Parallelism {
            tensor: 1,
            pipeline: 1,
            data: 1,
            expert: false,
        }
    }
}

fn one() -> u64 {
    1
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    Vllm,
    Sglang,
    TensorrtLlm,
    Generic,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Vllm => "vllm",
            Engine::Sglang => "sglang",
            Engine::TensorrtLlm => "tensorrt-llm",
            Engine::Generic => "generic",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KvCacheDtype {
    Auto,
    Fp32,
    Bf16,
    Fp16,
    Fp8,
    #[serde(rename = "fp8_e4m3")]
    Fp8E4m3,
    #[serde(rename = "fp8_e5m2")]
    Fp8E5m2,
    /// vLLM's DeepSeek-V3.2 sparse-MLA layout: 656 B per token per layer.
    #[serde(rename = "fp8_ds_mla")]
    Fp8DsMla,
    Int8,
    Int4,
}

impl KvCacheDtype {
    pub fn as_str(self) -> &'static str {
        match self {
            KvCacheDtype::Auto => "auto",
            KvCacheDtype::Fp32 => "fp32",
            KvCacheDtype::Bf16 => "bf16",
            KvCacheDtype::Fp16 => "fp16",
            KvCacheDtype::Fp8 => "fp8",
            KvCacheDtype::Fp8E4m3 => "fp8_e4m3",
            KvCacheDtype::Fp8E5m2 => "fp8_e5m2",
            KvCacheDtype::Fp8DsMla => "fp8_ds_mla",
            KvCacheDtype::Int8 => "int8",
            KvCacheDtype::Int4 => "int4",
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServingSpec {
    pub engine: Engine,
    pub engine_version: Option<String>,
    pub replicas: Option<u64>,
    pub max_model_len: Option<u64>,
    pub kv_cache_dtype: Option<KvCacheDtype>,
    pub gpu_memory_utilization: Option<f64>,
    pub block_size: Option<u64>,
    pub max_num_seqs: Option<u64>,
    pub max_num_batched_tokens: Option<u64>,
    pub cuda_graphs: Option<bool>,
    /// Conv-state dtype of state layers (vLLM `--mamba-cache-dtype`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mamba_cache_dtype: Option<StateDtype>,
    /// SSM-state dtype (vLLM `--mamba-ssm-cache-dtype`); absent: the model's
    /// own default, else the conv dtype.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mamba_ssm_cache_dtype: Option<StateDtype>,
    /// Automatic prefix caching (vLLM `--enable-prefix-caching`); absent: the
    /// engine version's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_caching: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speculative: Option<SpeculativeSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lora: Option<LoraServingSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multimodal: Option<MultimodalSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kv_offload: Option<KvOffloadSpec>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CapacitySpec {
    /// Fraction of each GPU the plan keeps free.
    #[serde(default = "default_headroom")]
    pub headroom: f64,
}

impl Default for CapacitySpec {
    fn default() -> Self {
        CapacitySpec {
            headroom: default_headroom(),
        }
    }
}

/// design.md section 4b: capacity.headroom defaults to 0.10.
pub fn default_headroom() -> f64 {
    0.10
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Percentile {
    P95,
    #[default]
    P99,
}

impl Percentile {
    pub fn as_str(self) -> &'static str {
        match self {
            Percentile::P95 => "p95",
            Percentile::P99 => "p99",
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficSpec {
    #[serde(default)]
    pub plan_percentile: Percentile,
    #[serde(default)]
    pub classes: Vec<RequestClass>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RequestClass {
    pub name: String,
    pub prompt_tokens: TokenStats,
    pub output_tokens: TokenStats,
    /// Concurrent sequences of this class across the whole deployment.
    pub concurrency: u64,
    /// Multiplier over steady concurrency (default 1.0: no burst margin).
    pub burst: Option<f64>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TokenStats {
    pub mean: Option<u64>,
    pub p50: Option<u64>,
    pub p95: Option<u64>,
    pub p99: Option<u64>,
}

impl TokenStats {
    /// Tokens at the planning percentile: p99 falls back to p95 only, never to the
    /// mean or median (design.md section 4b; using those is TRF001).
    pub fn at(&self, pct: Percentile) -> Option<u64> {
        match pct {
            Percentile::P95 => self.p95,
            Percentile::P99 => self.p99.or(self.p95),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LoadFormat {
    #[default]
    Safetensors,
    Pytorch,
    Gguf,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LoadingSpec {
    #[serde(default)]
    pub format: LoadFormat,
    pub mmap: Option<bool>,
    /// Ranks loading at once on one node.
    pub workers_per_node: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TrainingMethod {
    Full,
    Lora,
    Qlora,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Optimizer {
    Adamw,
    Adam,
    Sgd,
    SgdMomentum,
    Adafactor,
    #[serde(rename = "adamw-8bit")]
    Adamw8bit,
    Lion,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrainingPrecision {
    Bf16Mixed,
    Fp16Mixed,
    Bf16,
    Fp32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Checkpointing {
    #[default]
    None,
    Selective,
    Full,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Offload {
    #[default]
    None,
    Optimizer,
    OptimizerAndParams,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingSpec {
    pub method: TrainingMethod,
    pub optimizer: Optimizer,
    pub precision: TrainingPrecision,
    pub micro_batch_size: u64,
    pub sequence_length: u64,
    #[serde(default)]
    pub activation_checkpointing: Checkpointing,
    #[serde(default)]
    pub zero_stage: u64,
    #[serde(default)]
    pub offload: Offload,
    #[serde(default)]
    pub sequence_parallel: bool,
    pub lora: Option<LoraSpec>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LoraSpec {
    pub rank: u64,
    pub target_modules: Vec<String>,
    pub alpha: Option<f64>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LintSpec {
    #[serde(default)]
    pub ignore: Vec<LintIgnore>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LintIgnore {
    /// Rule code (`TRF003`) or name (`long-context-needs-separate-pool`).
    pub rule: String,
    pub reason: String,
}

/// A size is a string with an explicit unit, or an integer count of bytes.
#[derive(Deserialize)]
#[serde(untagged)]
enum SizeRepr {
    Int(u64),
    Str(String),
}

pub(super) fn de_size<'de, D: Deserializer<'de>>(d: D) -> Result<Bytes, D::Error> {
    match SizeRepr::deserialize(d)? {
        SizeRepr::Int(n) => Ok(Bytes(n)),
        SizeRepr::Str(s) => parse_size(&s).map_err(serde::de::Error::custom),
    }
}

pub(super) fn de_opt_size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Bytes>, D::Error> {
    de_size(d).map(Some)
}
