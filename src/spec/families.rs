//! Spec fields for the model families of 2026 (docs/spec.md, "Layer kinds"):
//! per-layer mixer kinds, recurrent-state geometry (Mamba, gated DeltaNet,
//! KDA, lightning attention), chunked local attention, the sparse-attention
//! indexer, multi-token-prediction layers, and the serving knobs that size
//! their memory (`serving.mamba_cache_dtype`, `serving.prefix_caching`,
//! `serving.speculative`). Names mirror `schemas/memmath.schema.json`.

use serde::{Deserialize, Serialize};

/// The token mixer of one layer (`model.architecture.layer_types`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerType {
    /// Full attention: per-token KV for the whole context.
    Full,
    /// Sliding-window attention: per-token KV for the last `window` tokens.
    Sliding,
    /// Chunked local attention (Llama 4): per-token KV for the current chunk.
    Chunked,
    /// Mamba1/Mamba2 mixer: a fixed conv + SSM state per sequence.
    Mamba,
    /// Linear attention (gated DeltaNet, KDA, lightning): a fixed state per sequence.
    Linear,
    /// No token mixer (Nemotron-H MLP/MoE-only layers `-`/`E`): no cache.
    None,
}

impl LayerType {
    pub fn as_str(self) -> &'static str {
        match self {
            LayerType::Full => "full",
            LayerType::Sliding => "sliding",
            LayerType::Chunked => "chunked",
            LayerType::Mamba => "mamba",
            LayerType::Linear => "linear",
            LayerType::None => "none",
        }
    }
    /// Whether the layer keeps per-token KV.
    pub fn is_attention(self) -> bool {
        matches!(
            self,
            LayerType::Full | LayerType::Sliding | LayerType::Chunked
        )
    }
    /// Whether the layer keeps a fixed per-sequence state.
    pub fn is_state(self) -> bool {
        matches!(self, LayerType::Mamba | LayerType::Linear)
    }
}

/// Attention geometry of one layer kind where it differs from the
/// architecture's own fields (Gemma 4 full layers: `global_head_dim`,
/// `num_global_key_value_heads`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KindGeometry {
    pub kv_heads: Option<u64>,
    pub head_dim: Option<u64>,
    pub v_head_dim: Option<u64>,
    /// Sliding window in tokens (sliding layers only).
    pub window: Option<u64>,
}

/// `model.architecture.layer_kinds`: geometry per attention kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LayerKinds {
    pub full: Option<KindGeometry>,
    pub sliding: Option<KindGeometry>,
    pub chunked: Option<KindGeometry>,
}

/// `model.architecture.mamba` (names as in vLLM's `MambaStateShapeCalculator`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MambaSpec {
    /// 1 (Jamba, FalconMamba) or 2 (Nemotron-H, Granite-4.0-H, Falcon-H1).
    pub version: u64,
    pub d_state: u64,
    pub d_conv: u64,
    /// d_inner (Mamba2: heads x head_dim).
    pub intermediate_size: u64,
    /// Mamba2 B/C groups (default 1).
    pub n_groups: Option<u64>,
    /// Mamba2 SSM heads.
    pub heads: Option<u64>,
    /// Mamba2 SSM head width.
    pub head_dim: Option<u64>,
}

/// Which linear-attention mixer a `linear` layer runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinearKind {
    /// Gated DeltaNet (Qwen3-Next, Qwen3.5): conv over q, k, v + (v, dv, dk) state.
    GatedDeltaNet,
    /// Kimi Delta Attention (Kimi-Linear / Kimi-K3): conv over q, k, v + fp32 (h, d, d) state.
    Kda,
    /// Lightning / plain linear attention (MiniMax, Bailing): (h, d, d) state, no conv.
    Lightning,
}

impl LinearKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinearKind::GatedDeltaNet => "gated_delta_net",
            LinearKind::Kda => "kda",
            LinearKind::Lightning => "lightning",
        }
    }
}

/// `model.architecture.linear_attention`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LinearAttentionSpec {
    pub kind: LinearKind,
    pub key_heads: u64,
    pub value_heads: u64,
    pub key_head_dim: u64,
    pub value_head_dim: u64,
    /// Short-convolution kernel (default 4; lightning has none).
    pub conv_kernel: Option<u64>,
}

/// `model.architecture.mla.indexer`: DeepSeek-V3.2 sparse-attention index keys.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IndexerSpec {
    pub head_dim: u64,
}

/// `model.architecture.vision`: the encoder tower loaded with a multimodal checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VisionSpec {
    pub parameters: u64,
}

/// Recurrent-state dtype (`serving.mamba_cache_dtype`, config.json `mamba_ssm_dtype`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StateDtype {
    Auto,
    Bf16,
    Fp16,
    Fp32,
}

impl StateDtype {
    pub fn as_str(self) -> &'static str {
        match self {
            StateDtype::Auto => "auto",
            StateDtype::Bf16 => "bf16",
            StateDtype::Fp16 => "fp16",
            StateDtype::Fp32 => "fp32",
        }
    }
    /// Bytes per element; `auto` has none until resolved.
    pub fn bytes(self) -> Option<u64> {
        match self {
            StateDtype::Auto => None,
            StateDtype::Bf16 | StateDtype::Fp16 => Some(2),
            StateDtype::Fp32 => Some(4),
        }
    }
}

/// `serving.speculative` (vLLM `--speculative-config`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SpeculativeSpec {
    pub method: SpeculativeMethod,
    pub num_speculative_tokens: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpeculativeMethod {
    Mtp,
    Ngram,
}

impl SpeculativeMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            SpeculativeMethod::Mtp => "mtp",
            SpeculativeMethod::Ngram => "ngram",
        }
    }
}

/// `serving.lora` (vLLM `--enable-lora` with `--max-loras`, `--max-lora-rank`,
/// `--max-cpu-loras`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LoraServingSpec {
    /// Adapters resident on the GPU at once (default 1).
    pub max_loras: Option<u64>,
    /// Largest adapter rank (default 16).
    pub max_lora_rank: Option<u64>,
    /// Adapters cached in pinned host RAM (default max_loras).
    pub max_cpu_loras: Option<u64>,
}

/// `serving.multimodal`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MultimodalSpec {
    /// Items per prompt by modality (vLLM `--limit-mm-per-prompt`; default 999).
    /// All zero: the encoder tower is not built.
    #[serde(default)]
    pub limit_per_prompt: std::collections::BTreeMap<String, u64>,
    /// Tokens one item becomes at the processor's maximum size (default
    /// 16,384: a Qwen2-VL-class processor at its default max_pixels).
    pub max_tokens_per_item: Option<u64>,
    /// Host RAM of the processor cache per process (vLLM `mm_processor_cache_gb`, default 4 GiB).
    #[serde(default, deserialize_with = "super::types::de_opt_size")]
    pub processor_cache: Option<crate::units::Bytes>,
}

/// `serving.kv_offload`: KV blocks kept in host RAM (vLLM `--kv-offloading-size`, LMCache).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KvOffloadSpec {
    /// Host RAM for offloaded KV per engine instance (total across its TP ranks).
    #[serde(deserialize_with = "super::types::de_size")]
    pub host_memory: crate::units::Bytes,
}
