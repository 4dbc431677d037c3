//! The capacity worksheet: the inputs a reviewer checks first (GPU, counts,
//! parameters, precision, parallelism, headroom, architecture, KV settings,
//! traffic), each with where it came from. Values are the plan's, or echoed
//! from the spec where the plan does not carry them; nothing is computed.

use super::spec_json::{f64_at, json_text, u64_at};
use crate::plan::Plan;
use crate::units::{group_digits, plural};
use serde::Serialize;
use serde_json::Value as Json;

#[derive(Clone, Debug, Serialize)]
pub struct WorksheetRow {
    pub label: String,
    pub value: String,
    pub source: String,
}

pub(super) fn worksheet(plan: &Plan, spec: &Json) -> Vec<WorksheetRow> {
    let mut rows = Vec::new();
    let mut row = |label: &str, value: String, source: &str| {
        rows.push(WorksheetRow {
            label: label.into(),
            value,
            source: source.into(),
        })
    };
    let g = &plan.gpu;
    let total_source = if g.total_basis.is_empty() {
        "runtime-visible (CUDA) total".to_string()
    } else {
        format!("runtime-visible (CUDA) total, {}", g.total_basis)
    };
    row(
        "GPU memory per device",
        format!("{} ({})", plan.gpu.total_bytes, g.name),
        &total_source,
    );
    row(
        "GPUs",
        format!(
            "{} = {} x {} per replica, on {} of {}",
            group_digits(g.total_gpus),
            plural(g.replicas, "replica"),
            group_digits(g.gpus_per_replica),
            plural(g.nodes, "node"),
            group_digits(g.gpus_per_node)
        ),
        "hardware, parallelism",
    );
    let params = super::env::group_digits(plan.model.parameters as i128);
    row(
        "Parameters",
        if plan.model.active_parameters != plan.model.parameters {
            format!(
                "{params} ({} active per token)",
                super::env::group_digits(plan.model.active_parameters as i128)
            )
        } else {
            params
        },
        &plan.model.parameters_source,
    );
    let w = &plan.weights;
    row(
        "Weight precision",
        format!(
            "{} / {}{}, {} bits per weight",
            w.dtype,
            w.quantization,
            w.group_size
                .map_or(String::new(), |g| format!(" (group {g})")),
            super::env::format_float(w.bits_per_weight)
        ),
        if w.exact {
            "safetensors headers"
        } else {
            "spec weights"
        },
    );
    let tp = u64_at(spec, "/parallelism/tensor").unwrap_or(1);
    let pp = u64_at(spec, "/parallelism/pipeline").unwrap_or(1);
    let dp = u64_at(spec, "/parallelism/data").unwrap_or(1);
    row(
        "Parallelism",
        format!("TP {tp} x PP {pp} x DP {dp}"),
        "parallelism",
    );
    let headroom = f64_at(spec, "/capacity/headroom").unwrap_or(0.10);
    row(
        "Headroom target",
        format!(
            "{:.0}% of each GPU left free (engine fraction {})",
            headroom * 100.0,
            super::env::format_float(plan.per_gpu.memory_fraction)
        ),
        "capacity.headroom",
    );
    let md = &plan.model;
    row(
        "Layers / hidden size",
        format!("{} / {}", md.layers, md.hidden_size),
        &md.source,
    );
    row(
        "Attention",
        format!(
            "{}: {} heads, {} KV heads, head dim {}",
            md.attention.to_uppercase(),
            md.attention_heads,
            md.kv_heads,
            md.head_dim
        ),
        &md.source,
    );
    if let Some(kv) = &plan.kv_cache {
        row(
            "KV cache",
            format!(
                "{} dtype, block size {}, max_model_len {}",
                kv.dtype,
                kv.block_size,
                super::env::group_digits(kv.max_model_len as i128)
            ),
            "serving",
        );
    }
    for (i, c) in plan.classes.iter().enumerate() {
        let tokens = |side: &str| {
            let p95 = u64_at(spec, &format!("/traffic/classes/{i}/{side}/p95"));
            let p99 = u64_at(spec, &format!("/traffic/classes/{i}/{side}/p99"));
            format!(
                "p95 {} / p99 {}",
                p95.map_or("-".into(), |v| super::env::group_digits(v as i128)),
                p99.map_or("-".into(), |v| super::env::group_digits(v as i128))
            )
        };
        let conc = u64_at(spec, &format!("/traffic/classes/{i}/concurrency"));
        let burst = f64_at(spec, &format!("/traffic/classes/{i}/burst")).unwrap_or(1.0);
        row(
            &format!("Class {}", c.name),
            format!(
                "prompt {}; output {}; concurrency {} x burst {}",
                tokens("prompt_tokens"),
                tokens("output_tokens"),
                conc.map_or("-".into(), |v| v.to_string()),
                super::env::format_float(burst)
            ),
            "traffic",
        );
    }
    if let Some(t) = spec.pointer("/training").filter(|t| !t.is_null()) {
        let s = |k: &str| t.get(k).map(json_text).unwrap_or_else(|| "-".into());
        row(
            "Training",
            format!(
                "{} / {} / {}, micro-batch {} x {} tokens, checkpointing {}, ZeRO {}, offload {}",
                s("method"),
                s("optimizer"),
                s("precision"),
                s("micro_batch_size"),
                s("sequence_length"),
                s("activation_checkpointing"),
                s("zero_stage"),
                s("offload")
            ),
            "training",
        );
    }
    rows
}
