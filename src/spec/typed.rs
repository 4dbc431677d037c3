//! From a schema-valid document to the typed [`Spec`], and the checks JSON Schema
//! cannot express (percentile order, quantization vs dtype, fields that belong
//! to the other kind, cross-field counts).
//!
//! Findings carry JSON pointers; the pipeline attaches spans from the document.

use super::{
    Kind, Quantization, RequestClass, SpannedDoc, Spec, TokenStats, TrainingMethod, WeightDtype,
};
use crate::codes;
use crate::diagnostics::Finding;
use crate::units::{parse_size, SizeError};
use std::collections::BTreeSet;

/// The size fields of the spec (strings with units or integer bytes).
const SIZE_POINTERS: &[&str] = &[
    "/hardware/gpu/memory",
    "/hardware/host_memory",
    "/serving/multimodal/processor_cache",
    "/serving/kv_offload/host_memory",
];

/// Deserialize a schema-valid document. Sizes are checked first so that an
/// overflowing size (`99999999999TiB`) is reported at its own field.
pub fn to_typed(doc: &SpannedDoc) -> Result<Spec, Vec<Finding>> {
    let size_findings: Vec<Finding> = SIZE_POINTERS
        .iter()
        .filter_map(|p| {
            let s = doc.value.pointer(p)?.as_str()?;
            let e = parse_size(s).err()?;
            let code = match e {
                SizeError::Overflow(_) => codes::SCH004,
                _ => codes::SCH005,
            };
            Some(code.finding(*p, e.to_string()))
        })
        .collect();
    if !size_findings.is_empty() {
        return Err(size_findings);
    }
    serde_json::from_value(doc.value.clone()).map_err(|e| {
        vec![codes::SCH003.finding("", format!("the spec does not match the v1 types: {e}"))]
    })
}

/// The storage dtypes a quantization scheme allows. Empty for `none` (any
/// unquantized dtype) and for GGUF k-quants whose bits no `WeightDtype` names.
pub fn implied_dtypes(q: Quantization) -> &'static [WeightDtype] {
    use WeightDtype as D;
    match q {
        Quantization::None => &[],
        Quantization::Fp8 => &[D::Fp8],
        Quantization::Int8 | Quantization::BnbInt8 | Quantization::GgufQ8_0 => &[D::Int8],
        Quantization::Awq
        | Quantization::BnbNf4
        | Quantization::GgufQ4_0
        | Quantization::GgufQ4KM => &[D::Int4],
        // GPTQ checkpoints are published at 4 and 8 bits.
        Quantization::Gptq => &[D::Int4, D::Int8],
        Quantization::Mxfp4 => &[D::Mxfp4],
        Quantization::Nvfp4 => &[D::Nvfp4],
        Quantization::GgufQ5KM | Quantization::GgufQ6K => &[],
    }
}

/// The dtype a quantization implies when `weights.dtype` is omitted (`None` for
/// `none` and for GGUF k-quants whose bits are not a `WeightDtype`).
pub fn implied_weight_dtype(q: Quantization) -> Option<WeightDtype> {
    implied_dtypes(q).first().copied()
}

/// Cross-field checks, reported as SCH findings.
pub fn semantic_checks(spec: &Spec) -> Vec<Finding> {
    let mut out = Vec::new();
    check_kind_sections(spec, &mut out);
    check_model_source(spec, &mut out);
    check_weights(spec, &mut out);
    check_architecture(spec, &mut out);
    check_training(spec, &mut out);
    if let Some(t) = &spec.traffic {
        check_classes(&t.classes, &mut out);
    }
    out.extend(super::engine_version::check(spec));
    out
}

/// `serving`/`traffic` belong to Serving, `training` to Training (the schema
/// already requires the kind's own section).
fn check_kind_sections(spec: &Spec, out: &mut Vec<Finding>) {
    let foreign: &[(&str, bool)] = match spec.kind {
        Kind::Serving => &[("training", spec.training.is_some())],
        Kind::Training => &[
            ("serving", spec.serving.is_some()),
            ("traffic", spec.traffic.is_some()),
        ],
    };
    let kind = match spec.kind {
        Kind::Serving => "Serving",
        Kind::Training => "Training",
    };
    for (section, present) in foreign {
        if *present {
            out.push(
                codes::SCH005
                    .finding(
                        format!("/{section}"),
                        format!(
                        "`{section}` does not apply to a kind: {kind} spec and would be ignored"
                    ),
                    )
                    .with_fix(format!("remove `{section}`, or change `kind`")),
            );
        }
    }
}

fn check_model_source(spec: &Spec, out: &mut Vec<Finding>) {
    let m = &spec.model;
    if m.preset.is_some() && m.hf_config.is_some() {
        out.push(
            codes::SCH005.finding(
                "/model/hf_config",
                "`model.preset` and `model.hf_config` are alternatives; give one (use `architecture` to override single fields)",
            )
            .with_fix("remove `hf_config` or `preset`"),
        );
    }
    if m.preset.is_none() && m.hf_config.is_none() && m.architecture.is_none() {
        out.push(
            codes::SCH002.finding(
                "/model",
                "`model` needs `preset`, `hf_config` or `architecture` to know the model's shape",
            )
            .with_fix("add `preset: <catalogue id>` (see `memmath catalog models`) or `hf_config: ./config.json`"),
        );
    }
    // `weights:` may be left out only where a checkpoint or preset says what
    // the weights are; an inline architecture alone says nothing about them.
    let w = &m.weights;
    let weights_silent =
        w.dtype.is_none() && w.quantization == super::Quantization::None && w.group_size.is_none();
    if weights_silent
        && m.preset.is_none()
        && m.hf_config.is_none()
        && m.safetensors.is_none()
        && m.architecture.is_some()
    {
        out.push(
            codes::SCH002
                .finding(
                    "/model",
                    "`model.weights` is needed: with only an inline `architecture`, nothing says the weights' dtype or quantization",
                )
                .with_fix("add `weights: {dtype: bf16}` (or the checkpoint's dtype and quantization)"),
        );
    }
}

fn check_weights(spec: &Spec, out: &mut Vec<Finding>) {
    let w = &spec.model.weights;
    let Some(dtype) = w.dtype else { return };
    let q = w.quantization;
    let allowed = implied_dtypes(q);
    let contradiction = match q {
        // Unquantized weights are stored in a native float dtype; an integer or
        // 4-bit float dtype needs a scheme that says how it is scaled.
        Quantization::None => matches!(
            dtype,
            WeightDtype::Int8 | WeightDtype::Int4 | WeightDtype::Nvfp4 | WeightDtype::Mxfp4
        ),
        _ => !allowed.contains(&dtype),
    };
    if !contradiction {
        return;
    }
    let (message, fix) = match (q, allowed) {
        (Quantization::None, _) => (
            format!(
                "`model.weights.dtype` is {} but `quantization` is none; {}-bit weights need a quantization scheme",
                dtype.as_str(),
                dtype.bits()
            ),
            "set `quantization` (e.g. awq or gptq for int4, int8 or bnb-int8 for int8, nvfp4, mxfp4)".to_string(),
        ),
        (_, []) => (
            format!(
                "`model.weights.dtype` is {} but quantization {} has no matching dtype (its bits per weight come from the format)",
                dtype.as_str(),
                q.as_str()
            ),
            "remove `dtype`".to_string(),
        ),
        (_, allowed) => {
            let names: Vec<&str> = allowed.iter().map(|d| d.as_str()).collect();
            (
                format!(
                    "`model.weights.dtype` is {} but quantization {} stores {}",
                    dtype.as_str(),
                    q.as_str(),
                    names.join(" or ")
                ),
                format!("set `dtype: {}` or remove it", names.join("` or `dtype: ")),
            )
        }
    };
    out.push(
        codes::SCH005
            .finding("/model/weights/dtype", message)
            .with_fix(fix),
    );
}

fn check_architecture(spec: &Spec, out: &mut Vec<Finding>) {
    let Some(a) = &spec.model.architecture else {
        return;
    };
    if let (Some(h), Some(kv)) = (a.attention_heads, a.kv_heads) {
        if kv > h {
            out.push(codes::SCH004.finding(
                "/model/architecture/kv_heads",
                format!("`kv_heads` ({kv}) is more than `attention_heads` ({h}); grouped-query attention shares each KV head among query heads"),
            ));
        } else if kv > 0 && h % kv != 0 {
            out.push(codes::SCH005.finding(
                "/model/architecture/kv_heads",
                format!("`attention_heads` ({h}) is not a multiple of `kv_heads` ({kv}); every KV head must serve the same number of query heads"),
            ));
        }
    }
    if let Some(moe) = &a.moe {
        if moe.experts_per_token > moe.experts {
            out.push(codes::SCH004.finding(
                "/model/architecture/moe/experts_per_token",
                format!(
                    "`experts_per_token` ({}) is more than `experts` ({})",
                    moe.experts_per_token, moe.experts
                ),
            ));
        }
        if let Some(layers) = a.layers {
            if moe.dense_layers > layers {
                out.push(codes::SCH004.finding(
                    "/model/architecture/moe/dense_layers",
                    format!(
                        "`dense_layers` ({}) is more than `layers` ({layers})",
                        moe.dense_layers
                    ),
                ));
            }
        }
    }
    if let Some(sw) = &a.sliding_window {
        if sw.layers.is_some() && sw.every_nth_full.is_some() {
            out.push(
                codes::SCH005.finding(
                    "/model/architecture/sliding_window/every_nth_full",
                    "`sliding_window` gives both `layers` and `every_nth_full`; they are two ways to say the same thing",
                )
                .with_fix("keep one of them"),
            );
        }
        if let (Some(list), Some(layers)) = (&sw.layers, a.layers) {
            if let Some((i, bad)) = list.iter().enumerate().find(|(_, &l)| l >= layers) {
                out.push(codes::SCH004.finding(
                    format!("/model/architecture/sliding_window/layers/{i}"),
                    format!("sliding-window layer index {bad} does not exist: the model has {layers} layers (0..{})", layers.saturating_sub(1)),
                ));
            }
        }
    }
}

fn check_training(spec: &Spec, out: &mut Vec<Finding>) {
    let Some(t) = &spec.training else { return };
    match (t.method, &t.lora) {
        (TrainingMethod::Lora | TrainingMethod::Qlora, None) => out.push(
            codes::SCH002.finding(
                "/training/method",
                "`training.method` is a LoRA method but `training.lora` is missing",
            )
            .with_fix("add `lora: {rank: 16, target_modules: [q_proj, k_proj, v_proj, o_proj]}`"),
        ),
        (TrainingMethod::Full, Some(_)) => out.push(
            codes::SCH005.finding(
                "/training/lora",
                "`training.lora` is set but `training.method` is full; the adapters would be ignored",
            )
            .with_fix("set `method: lora`, or remove `lora`"),
        ),
        _ => {}
    }
}

fn check_classes(classes: &[RequestClass], out: &mut Vec<Finding>) {
    let mut seen = BTreeSet::new();
    for (i, c) in classes.iter().enumerate() {
        if !seen.insert(c.name.as_str()) {
            out.push(codes::SCH005.finding(
                format!("/traffic/classes/{i}/name"),
                format!("traffic class name `{}` is used twice; findings and reports name classes, so names must be unique", c.name),
            ));
        }
        let base = format!("/traffic/classes/{i}");
        check_order(&c.prompt_tokens, &format!("{base}/prompt_tokens"), out);
        check_order(&c.output_tokens, &format!("{base}/output_tokens"), out);
    }
}

/// p50 <= p95 <= p99, and mean <= p99: a tail below the median means the
/// numbers were swapped or come from different measurements.
fn check_order(t: &TokenStats, base: &str, out: &mut Vec<Finding>) {
    let present: Vec<(&str, u64)> = [("p50", t.p50), ("p95", t.p95), ("p99", t.p99)]
        .into_iter()
        .filter_map(|(n, v)| v.map(|v| (n, v)))
        .collect();
    for pair in present.windows(2) {
        if let [(lo_name, lo), (hi_name, hi)] = pair {
            if hi < lo {
                out.push(codes::SCH004.finding(
                    format!("{base}/{hi_name}"),
                    format!("{hi_name} ({hi}) is below {lo_name} ({lo}); percentiles must not decrease (p50 <= p95 <= p99)"),
                ));
            }
        }
    }
    if let (Some(mean), Some(p99)) = (t.mean, t.p99) {
        if mean > p99 {
            out.push(codes::SCH004.finding(
                format!("{base}/mean"),
                format!("mean ({mean}) is above p99 ({p99}); check that both come from the same measurement"),
            ));
        }
    }
}
