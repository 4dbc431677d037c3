//! `memmath catalog gpus|models` output: a plain-text table with sources, or a
//! JSON array. Rendered to strings here (the library never prints); the CLI
//! writes them.

use super::gpus::{Gpu, MemoryBasis};
use super::models::ModelEntry;
use super::{merge, params, weights};
use serde_json::{json, Value};

/// JSON array of GPU entries (sizes in bytes).
pub fn gpus_json(gpus: &[Gpu]) -> Value {
    Value::Array(
        gpus.iter()
            .map(|g| {
                let e = &g.entry;
                json!({
                    "id": e.id,
                    "name": e.name,
                    "aliases": e.aliases,
                    "vendor": e.vendor,
                    "architecture": e.architecture,
                    "compute_capability": e.compute_capability,
                    "marketing_memory": e.marketing_memory,
                    "memory_bytes": g.memory_bytes.get(),
                    "memory_basis": e.memory_basis,
                    "derivation": e.derivation,
                    "nvml_memory_bytes": g.nvml_memory_bytes.map(|b| b.get()),
                    "fp8": e.fp8,
                    "fp4": e.fp4,
                    "source": e.source,
                })
            })
            .collect(),
    )
}

/// JSON array of model entries with their completed architecture.
pub fn models_json(models: &[ModelEntry]) -> Value {
    Value::Array(
        models
            .iter()
            .map(|m| {
                let arch = merge::complete(&m.architecture).ok();
                json!({
                    "id": m.id,
                    "name": m.name,
                    "hf_repo": m.hf_repo,
                    "model_type": m.model_type,
                    "architecture": arch,
                    "parameters": m.architecture.parameters,
                    "parameters_source": m.parameters_source,
                    "parameters_estimate": arch.as_ref().and_then(params::estimate),
                    "weights": m.weights.as_ref().map(weights::from_spec_block),
                    "source": m.source,
                })
            })
            .collect(),
    )
}

/// Left-aligned columns separated by two spaces; the last column is not padded.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let cells: Vec<&str> = cells.collect();
        let last = cells.len().saturating_sub(1);
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            out.push_str(cell);
            if i < last {
                let pad = w.saturating_sub(cell.chars().count()) + 2;
                out.push_str(&" ".repeat(pad));
            }
        }
        out.push('\n');
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// The GPU table: CUDA-visible GiB (what plans use), NVML MiB, and the source.
pub fn gpus_table(gpus: &[Gpu]) -> String {
    let rows: Vec<Vec<String>> = gpus
        .iter()
        .map(|g| {
            let e = &g.entry;
            vec![
                e.id.clone(),
                e.name.clone(),
                format!("{:.2} GiB", g.memory_bytes.gib()),
                g.nvml_memory_bytes
                    .map(|b| format!("{} MiB", b.get() >> 20))
                    .unwrap_or_else(|| "-".into()),
                match (e.memory_basis, e.derivation) {
                    (MemoryBasis::Measured, _) => "measured".into(),
                    (MemoryBasis::Derived, Some(d)) => format!("derived: {}", d.describe()),
                    (MemoryBasis::Derived, None) => "derived".into(),
                },
                e.compute_capability.clone(),
                e.architecture.clone(),
                yes_no(e.fp8),
                yes_no(e.fp4),
                e.source.clone(),
            ]
        })
        .collect();
    table(
        &[
            "ID", "NAME", "CUDA", "NVML", "BASIS", "CC", "ARCH", "FP8", "FP4", "SOURCE",
        ],
        &rows,
    )
}

/// The model table: shape, parameters (published or formula), default weights, source.
pub fn models_table(models: &[ModelEntry]) -> String {
    let rows: Vec<Vec<String>> = models
        .iter()
        .map(|m| {
            let a = &m.architecture;
            let n = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
            let arch = merge::complete(a).ok();
            let params = match (a.parameters, arch.as_ref().and_then(params::estimate)) {
                (Some(p), _) => format!("{:.2}B", p as f64 / 1e9),
                (None, Some(e)) => format!("~{:.1}B", e as f64 / 1e9),
                (None, None) => "-".into(),
            };
            let kind = match (&a.moe, &a.mla) {
                (Some(moe), Some(_)) => {
                    format!("MLA+MoE {}x{}", moe.experts, moe.experts_per_token)
                }
                (Some(moe), None) => format!("MoE {}x{}", moe.experts, moe.experts_per_token),
                (None, _) => "dense".into(),
            };
            let w = m
                .weights
                .as_ref()
                .map(weights::from_spec_block)
                .map(|w| w.quantization.as_str().to_string())
                .unwrap_or_else(|| "bf16".into());
            vec![
                m.id.clone(),
                m.model_type.clone(),
                kind,
                n(a.layers),
                n(a.hidden_size),
                format!("{}/{}", n(a.attention_heads), n(a.kv_heads)),
                params,
                w,
                m.source.clone(),
            ]
        })
        .collect();
    table(
        &[
            "ID", "TYPE", "KIND", "LAYERS", "HIDDEN", "HEADS/KV", "PARAMS", "WEIGHTS", "SOURCE",
        ],
        &rows,
    )
}
