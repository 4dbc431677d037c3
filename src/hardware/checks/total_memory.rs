//! HW004 gpu-memory-differs-from-catalog: a device's total memory is not what
//! the plan assumed, beyond [`NVML_TOLERANCE_BASIS_POINTS`]; the plan is then
//! re-run on the measured memory and the new KV capacity reported.
//!
//! With a catalogue GPU the comparison is NVML total against the catalogue's
//! NVML figure (like with like). An inline GPU has only its CUDA-visible
//! `memory`, so the measured side is NVML's total turned into a CUDA-visible
//! estimate (`replan.rs`).

use super::{fmt_gpus, fmt_mib, group_digits, Ctx, NVML_TOLERANCE_BASIS_POINTS};
use crate::codes;

/// Extra room above the expected figure when the measured side is NVML's raw
/// total (nothing known to subtract): the driver reserves 350-900 MiB, up to
/// about 2% of a 16-40 GB board (catalogue: A100 40GB 620 MiB).
const RAW_TOTAL_EXTRA_BASIS_POINTS: u64 = 200;
use crate::diagnostics::{Finding, Severity};
use crate::hardware::{cuda_visible_estimate, DeviceSnapshot};
use crate::plan::Plan;
use crate::units::Bytes;

/// One device's measured and expected totals.
struct Comparison {
    index: u32,
    measured: Bytes,
    expected: Bytes,
    /// Which totals are compared, for the message.
    what: &'static str,
    /// Basis points allowed above `expected` on top of the tolerance.
    extra_above: u64,
}

fn compare(ctx: &Ctx<'_>, d: &DeviceSnapshot) -> Comparison {
    let gpu = &ctx.inputs.resolved.gpu;
    match gpu.nvml_memory_bytes {
        Some(expected) => Comparison {
            index: d.index,
            measured: d.memory.total_bytes,
            expected,
            what: "NVML total",
            extra_above: 0,
        },
        None => {
            let estimate = cuda_visible_estimate(d, gpu);
            Comparison {
                index: d.index,
                measured: estimate.bytes,
                expected: gpu.memory_bytes,
                what: "CUDA-visible total (estimated from NVML)",
                extra_above: if estimate.upper_bound {
                    RAW_TOTAL_EXTRA_BASIS_POINTS
                } else {
                    0
                },
            }
        }
    }
}

/// |measured - expected| > tolerance x expected, in integers (plus the extra
/// room above for a raw NVML total).
fn out_of_tolerance(c: &Comparison) -> bool {
    let diff = u128::from(c.measured.0.abs_diff(c.expected.0));
    let mut bp = u128::from(NVML_TOLERANCE_BASIS_POINTS);
    if c.measured > c.expected {
        bp += u128::from(c.extra_above);
    }
    diff * 10_000 > u128::from(c.expected.0) * bp
}

/// Whether any used device is out of tolerance (HW003 then budgets on the
/// re-plan).
pub(super) fn differs(ctx: &Ctx<'_>) -> bool {
    ctx.used.iter().any(|d| out_of_tolerance(&compare(ctx, d)))
}

pub(super) fn check(ctx: &Ctx<'_>) -> Vec<Finding> {
    let off: Vec<Comparison> = ctx
        .used
        .iter()
        .map(|d| compare(ctx, d))
        .filter(out_of_tolerance)
        .collect();
    let Some(first) = off.first() else {
        return Vec::new();
    };
    let gpu = &ctx.inputs.resolved.gpu;
    let indices: Vec<u32> = off.iter().map(|c| c.index).collect();
    let source = match (gpu.id.as_str(), gpu.nvml_memory_bytes) {
        // An inline GPU matched to the catalogue by name carries its NVML figure.
        ("inline", Some(_)) => format!("the catalogue's NVML figure for `{}`", gpu.name),
        ("inline", None) => "the spec's inline GPU".to_string(),
        (id, _) => format!("the catalogue's {id}"),
    };
    let pct = (first.measured.0 as f64 - first.expected.0 as f64) / first.expected.0.max(1) as f64
        * 100.0;
    let mut message = format!(
        "{} {} a {} of {}, {source} says {} ({pct:+.1}%, tolerance {})",
        fmt_gpus(&indices),
        if indices.len() == 1 {
            "reports"
        } else {
            "report"
        },
        first.what,
        fmt_mib(first.measured),
        fmt_mib(first.expected),
        tolerance_text(first)
    );
    let mut severity = codes::HW004.severity;
    match (&ctx.replan, ctx.inputs.plan) {
        (Some(r), Some(planned)) => {
            message.push_str(&format!(
                "; re-planned on GPU {}'s measured {} CUDA-visible ({}): ",
                r.device_index, r.estimate.bytes, r.estimate.basis
            ));
            match &r.plan {
                Ok(measured) => {
                    message.push_str(&kv_change(planned, measured));
                    if measured.per_gpu.kv_cache_bytes < 0 && planned.per_gpu.kv_cache_bytes >= 0 {
                        severity = Severity::Error;
                        message.push_str(": the engine will not start on this GPU");
                    }
                }
                Err(f) => message.push_str(&format!("the re-plan failed ({})", f.message)),
            }
        }
        _ => message.push_str("; no plan to re-run (the spec has errors)"),
    }
    // HW004 defaults to a warning; raised to an error above when the re-plan
    // leaves no KV cache (the engine will not start).
    vec![codes::HW004.finding_at(severity, "/hardware/gpu", message)
    .with_fix(format!(
        "check that `hardware.gpu` names this GPU, or describe it inline with its measured CUDA-visible memory{}",
        ctx.replan
            .as_ref()
            .map_or_else(String::new, |r| format!(" (`memory: {}`, in bytes)", r.estimate.bytes.0))
    ))]
}

/// `1%`, or `3% above a raw NVML total` when the extra room applied.
fn tolerance_text(c: &Comparison) -> String {
    let pct = |bp: u64| format!("{}%", bp as f64 / 100.0);
    if c.measured > c.expected && c.extra_above > 0 {
        format!(
            "{} above for an NVML total with nothing known to subtract",
            pct(NVML_TOLERANCE_BASIS_POINTS + c.extra_above)
        )
    } else {
        pct(NVML_TOLERANCE_BASIS_POINTS)
    }
}

/// `KV cache 45.10 GiB per GPU (planned 30.20 GiB), 1,234 tokens per engine
/// instance (planned 812)`.
fn kv_change(planned: &Plan, measured: &Plan) -> String {
    let mut s = format!(
        "KV cache {} per GPU (planned {})",
        crate::units::format_kv_pool(i128::from(measured.per_gpu.kv_cache_bytes)),
        crate::units::format_kv_pool(i128::from(planned.per_gpu.kv_cache_bytes))
    );
    if let (Some(m), Some(p)) = (&measured.kv_cache, &planned.kv_cache) {
        s.push_str(&format!(
            ", {} tokens per engine instance (planned {})",
            group_digits(m.capacity_tokens),
            group_digits(p.capacity_tokens)
        ));
    }
    if let (Some(m), Some(p)) = (&measured.training, &planned.training) {
        s = format!(
            "training needs {} of {} per GPU (planned {} of {})",
            m.total_bytes, measured.per_gpu.total_bytes, p.total_bytes, planned.per_gpu.total_bytes
        );
    }
    s
}
