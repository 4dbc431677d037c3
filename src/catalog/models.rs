//! The built-in model catalogue (`catalog/models.yaml`, embedded at build time).
//! Each entry's architecture is written in the spec's own `model.architecture`
//! form, so a preset passes exactly the validation an inline spec does.

use crate::spec::{ArchitectureSpec, WeightsSpec};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// catalog/models.yaml, converted to JSON by build.rs (see gpus.rs).
const MODELS_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/models.json"));

/// One catalogue entry as written in models.yaml.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    pub id: String,
    pub name: String,
    /// The Hugging Face repository whose config.json the numbers come from.
    pub hf_repo: String,
    /// config.json's `model_type` (the importer that reads the same file).
    pub model_type: String,
    pub architecture: ArchitectureSpec,
    /// Where `architecture.parameters` comes from, when it is set.
    pub parameters_source: Option<String>,
    /// Default weights of the published checkpoint (gpt-oss: mxfp4; DeepSeek-V3:
    /// fp8); `model.weights` in a spec overrides it.
    pub weights: Option<WeightsSpec>,
    pub source: String,
}

/// Parse models.yaml text.
pub fn parse_catalog(text: &str) -> Result<Vec<ModelEntry>, String> {
    serde_saphyr::from_str(text).map_err(|e| format!("models.yaml: {e}"))
}

/// The embedded catalogue, parsed once.
pub fn models() -> Result<&'static [ModelEntry], String> {
    static CATALOG: OnceLock<Result<Vec<ModelEntry>, String>> = OnceLock::new();
    CATALOG
        .get_or_init(|| serde_json::from_str(MODELS_JSON).map_err(|e| format!("models.yaml: {e}")))
        .as_ref()
        .map(Vec::as_slice)
        .map_err(Clone::clone)
}

/// The entry with this id (case-insensitive).
pub fn find<'a>(models: &'a [ModelEntry], id: &str) -> Option<&'a ModelEntry> {
    models.iter().find(|m| m.id.eq_ignore_ascii_case(id))
}
