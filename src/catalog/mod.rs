//! Built-in presets (GPUs, models), Hugging Face config.json import and exact
//! weights from safetensors headers; `resolve` turns a spec's model and hardware
//! sections into a complete [`Architecture`] and [`GpuInfo`].
//!
//! Files are read only through [`FileAccess`], so tests pass bytes and the CLI
//! passes the real file system.

pub mod codes;
pub mod gpus;
pub mod hf_config;
pub mod listing;
mod memory_files;
mod merge;
pub mod models;
pub mod params;
mod resolve;
pub mod safetensors;
mod suggest;
pub mod validate;
mod weights;

pub use memory_files::MemoryFiles;
pub use resolve::{resolve, MAX_HF_CONFIG_BYTES};

use crate::spec::{
    LayerKinds, LayerType, LinearAttentionSpec, MambaSpec, MlaSpec, MoeSpec, Quantization,
    SlidingWindowSpec, StateDtype, VisionSpec, WeightDtype,
};
use crate::units::Bytes;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// Read-only file access for importers (config.json, safetensors headers).
pub trait FileAccess {
    fn read_to_string(&self, path: &Path) -> io::Result<String>;
    /// Up to `len` bytes starting at `offset` (fewer at end of file).
    fn read_range(&self, path: &Path, offset: u64, len: u64) -> io::Result<Vec<u8>>;
    fn file_len(&self, path: &Path) -> io::Result<u64>;
    fn is_dir(&self, path: &Path) -> bool;
    /// Entries of a folder, sorted by name.
    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>>;
}

/// A complete architecture: every field the memory math needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Architecture {
    pub layers: u64,
    pub hidden_size: u64,
    pub intermediate_size: u64,
    pub attention_heads: u64,
    pub kv_heads: u64,
    pub head_dim: u64,
    pub vocab_size: u64,
    pub tie_word_embeddings: bool,
    pub max_position_embeddings: Option<u64>,
    pub parameters: Option<u64>,
    pub gated_mlp: bool,
    pub attention_bias: bool,
    pub moe: Option<MoeSpec>,
    pub mla: Option<MlaSpec>,
    pub sliding_window: Option<SlidingWindowSpec>,
    /// Layer kinds and recurrent-state geometry (the families of 2026); all
    /// empty for a plain transformer, whose plan is the v0.1 one. Flattened,
    /// so its fields sit where the spec writes them (`model.architecture.mamba`):
    /// MEM000 then names the spec's own field.
    #[serde(default, flatten)]
    pub layout: Layout,
}

/// Per-layer mixer kinds and the geometry of the kinds that are not plain
/// attention (spec fields of the same names; plan/layers.rs sizes them).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// As written: a list shorter than `layers` repeats.
    pub layer_types: Option<Vec<LayerType>>,
    pub attention_chunk_size: Option<u64>,
    pub v_head_dim: Option<u64>,
    pub layer_kinds: Option<LayerKinds>,
    pub mamba: Option<MambaSpec>,
    pub linear_attention: Option<LinearAttentionSpec>,
    pub mtp_layers: Option<u64>,
    pub vision: Option<VisionSpec>,
    pub mamba_ssm_dtype: Option<StateDtype>,
    /// A layer holds a token mixer or an MLP, never both (Nemotron-H).
    pub separate_mlp_layers: Option<bool>,
}

impl Layout {
    /// Whether any field beyond v0.1's architecture is set: such a model is
    /// planned with the per-kind layer groups (plan/layers.rs).
    pub fn is_active(&self) -> bool {
        self.layer_types.is_some()
            || self.attention_chunk_size.is_some()
            || self.v_head_dim.is_some()
            || self.layer_kinds.is_some()
            || self.mamba.is_some()
            || self.linear_attention.is_some()
    }
}

/// Where the architecture numbers came from (shown in reports).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ArchitectureSource {
    Preset(String),
    HfConfig(String),
    Inline,
}

/// Weight bytes summed from safetensors headers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExactWeights {
    pub total_bytes: Bytes,
    pub parameters: u64,
    /// Bytes per safetensors dtype (`BF16`, `F8_E4M3`, `I32`, ...).
    pub bytes_by_dtype: BTreeMap<String, Bytes>,
    pub files: u64,
}

/// Weights precision after the spec, the preset and config.json's
/// `quantization_config` are combined.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResolvedWeights {
    pub dtype: WeightDtype,
    pub quantization: Quantization,
    pub group_size: Option<u64>,
    /// Module-name patterns kept at 16 bits: config.json `quantization_config`
    /// (`ignore`, `ignored_layers`, `modules_to_not_convert`,
    /// `exclude_modules`) plus the spec's `model.weights.unquantized`
    /// (plan/unquantized.rs matches them).
    #[serde(default)]
    pub unquantized: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResolvedModel {
    pub architecture: Architecture,
    pub source: ArchitectureSource,
    pub weights: ResolvedWeights,
    pub exact_weights: Option<ExactWeights>,
}

/// One accelerator, from the catalogue or written inline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GpuInfo {
    /// Catalogue id, or `inline`.
    pub id: String,
    pub name: String,
    /// Runtime-visible total (what CUDA reports); plans use this.
    pub memory_bytes: Bytes,
    /// NVML's total (includes driver-reserved memory), for hardware comparison.
    pub nvml_memory_bytes: Option<Bytes>,
    /// "80 GB" as sold.
    pub marketing_memory: Option<String>,
    pub compute_capability: Option<String>,
    pub architecture: Option<String>,
    pub fp8: Option<bool>,
    pub fp4: Option<bool>,
    pub source: Option<String>,
}

/// The model and GPU a spec resolves to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resolved {
    pub model: ResolvedModel,
    pub gpu: GpuInfo,
}

/// Llama-3.1-8B's architecture (config.json of meta-llama/Llama-3.1-8B), the
/// reference model of the unit tests; one copy instead of a literal per test.
#[cfg(test)]
pub(crate) fn llama_3_1_8b() -> Architecture {
    Architecture {
        layers: 32,
        hidden_size: 4096,
        intermediate_size: 14336,
        attention_heads: 32,
        kv_heads: 8,
        head_dim: 128,
        vocab_size: 128_256,
        tie_word_embeddings: false,
        max_position_embeddings: Some(131_072),
        parameters: None,
        gated_mlp: true,
        attention_bias: false,
        moe: None,
        mla: None,
        sliding_window: None,
        layout: Layout::default(),
    }
}
