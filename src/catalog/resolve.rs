//! Combine preset, config.json and inline fields into a [`Resolved`] model + GPU.

use super::{
    Architecture, ArchitectureSource, FileAccess, GpuInfo, Resolved, ResolvedModel, ResolvedWeights,
};
use crate::diagnostics::{Finding, Severity};
use crate::spec::{GpuSpec, Spec, WeightDtype};
use std::path::Path;

/// Resolve the spec's model and GPU. Inline architectures only, until the
/// catalogue lands (issue 4).
pub fn resolve(
    spec: &Spec,
    _spec_dir: &Path,
    _files: &dyn FileAccess,
) -> (Option<Resolved>, Vec<Finding>) {
    let mut findings = Vec::new();
    let a = spec.model.architecture.clone().unwrap_or_default();
    let need = |v: Option<u64>, field: &str, findings: &mut Vec<Finding>| -> u64 {
        v.unwrap_or_else(|| {
            findings.push(Finding::new(
                "SCH002",
                "missing-field",
                Severity::Error,
                "/model/architecture",
                format!("`model.architecture.{field}` is required when no preset or hf_config supplies it"),
            ));
            0
        })
    };
    let layers = need(a.layers, "layers", &mut findings);
    let hidden_size = need(a.hidden_size, "hidden_size", &mut findings);
    let intermediate_size = need(a.intermediate_size, "intermediate_size", &mut findings);
    let attention_heads = need(a.attention_heads, "attention_heads", &mut findings);
    let vocab_size = need(a.vocab_size, "vocab_size", &mut findings);
    let gpu = match &spec.hardware.gpu {
        GpuSpec::Inline(g) => GpuInfo {
            id: "inline".into(),
            name: g.name.clone(),
            memory_bytes: g.memory,
            nvml_memory_bytes: None,
            marketing_memory: None,
            compute_capability: g.compute_capability.clone(),
            architecture: None,
            fp8: None,
            fp4: None,
            source: None,
        },
        GpuSpec::Id(id) => {
            findings.push(Finding::new(
                "CAT001",
                "unknown-preset",
                Severity::Error,
                "/hardware/gpu",
                format!("unknown GPU id `{id}`"),
            ));
            return (None, findings);
        }
    };
    if !findings.is_empty() {
        return (None, findings);
    }
    let kv_heads = a.kv_heads.unwrap_or(attention_heads);
    let architecture = Architecture {
        layers,
        hidden_size,
        intermediate_size,
        attention_heads,
        kv_heads,
        head_dim: a.head_dim.unwrap_or(hidden_size / attention_heads.max(1)),
        vocab_size,
        tie_word_embeddings: a.tie_word_embeddings.unwrap_or(false),
        max_position_embeddings: a.max_position_embeddings,
        parameters: a.parameters,
        gated_mlp: a.gated_mlp.unwrap_or(true),
        attention_bias: a.attention_bias.unwrap_or(false),
        moe: a.moe,
        mla: a.mla,
        sliding_window: a.sliding_window,
    };
    let w = &spec.model.weights;
    let weights = ResolvedWeights {
        dtype: w.dtype.unwrap_or(WeightDtype::Bf16),
        quantization: w.quantization,
        group_size: w.group_size,
    };
    let model = ResolvedModel {
        architecture,
        source: ArchitectureSource::Inline,
        weights,
        exact_weights: None,
    };
    (Some(Resolved { model, gpu }), findings)
}
