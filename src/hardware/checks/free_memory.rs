//! HW003 free-memory-below-plan: a GPU has less free memory than the plan needs
//! on it, usually because another process holds some. vLLM and SGLang refuse
//! to start when free memory is below `fraction x total`; TensorRT-LLM starts
//! and silently sizes a smaller KV cache; a training job runs out of memory.

use super::{fmt_gpus, fmt_mib, needed_per_gpu, Ctx};
use crate::codes;
use crate::diagnostics::{Finding, Severity};
use crate::hardware::{cuda_visible_estimate, DeviceSnapshot, ProcessSnapshot};
use crate::spec::{Engine, Kind};
use crate::units::Bytes;

pub(super) fn check(ctx: &Ctx<'_>, memory_differs: bool) -> Vec<Finding> {
    let Some(plan) = ctx.inputs.plan else {
        return Vec::new();
    };
    // When the GPU's memory differs from the catalogue (HW004), the engine's
    // budget is a fraction of the measured total: use the re-plan's.
    let (need, basis) = match ctx.replan.as_ref().filter(|_| memory_differs) {
        Some(r) => match &r.plan {
            Ok(p) => (needed_per_gpu(p), "re-planned on the measured memory"),
            Err(_) => (needed_per_gpu(plan), "planned"),
        },
        None => (needed_per_gpu(plan), "planned"),
    };
    ctx.used
        .iter()
        .filter(|d| d.memory.free_bytes < need)
        .map(|d| finding(ctx, d, need, basis))
        .collect()
}

fn finding(ctx: &Ctx<'_>, d: &DeviceSnapshot, need: Bytes, basis: &str) -> Finding {
    let spec = ctx.inputs.spec;
    let free = d.memory.free_bytes;
    let short = need.saturating_sub(free);
    let engine = spec.serving.as_ref().map(|s| s.engine);
    let what = match spec.kind {
        Kind::Training => "the training job's memory per GPU",
        Kind::Serving => "the engine's per-GPU budget",
    };
    let consequence = match (spec.kind, engine) {
        (Kind::Training, _) => "the job will run out of memory",
        (_, Some(Engine::TensorrtLlm)) => {
            "TensorRT-LLM starts, but its KV cache will be smaller than planned"
        }
        (_, Some(Engine::Generic)) => "the engine cannot take the memory the plan gives it",
        _ => "the engine refuses to start",
    };
    let message = format!(
        "{} (`{}`) has {free} free, {what} ({basis}) is {need}: {short} short, {consequence}; {}",
        fmt_gpus(&[d.index]),
        d.name,
        holders(d)
    );
    let total = cuda_visible_estimate(d, &ctx.inputs.resolved.gpu).bytes;
    // The largest fraction (in hundredths) whose share of the total fits in
    // what is free now: vLLM checks `utilization x total <= free` at start.
    let fits_hundredths = if total.0 == 0 {
        0
    } else {
        // Capped at 100: the total is an estimate and may sit below NVML's free.
        (u128::from(free.0) * 100 / u128::from(total.0)).min(100) as u64
    };
    let free_it = format!("free {short} on {}", fmt_gpus(&[d.index]));
    let (pointer, fix) = match (spec.kind, engine) {
        (Kind::Training, _) => (
            "/training/micro_batch_size",
            format!("{free_it}, or shrink the job (micro_batch_size, activation_checkpointing)"),
        ),
        (_, Some(Engine::Generic)) => (
            "/capacity/headroom",
            if fits_hundredths > 0 {
                format!(
                    "{free_it}, or raise capacity.headroom to {} or more",
                    fraction(100 - fits_hundredths)
                )
            } else {
                free_it
            },
        ),
        _ => (
            "/serving/gpu_memory_utilization",
            if fits_hundredths > 0 && engine != Some(Engine::TensorrtLlm) {
                format!(
                    "{free_it}, or set gpu_memory_utilization to {} or lower (what fits in {free} free of {total}); the KV cache shrinks with it",
                    fraction(fits_hundredths)
                )
            } else {
                free_it
            },
        ),
    };
    // Below HW003's default (error) for TensorRT-LLM serving: it starts anyway,
    // with a smaller KV cache than planned (docs/hardware.md).
    let severity = match (spec.kind, engine) {
        (Kind::Serving, Some(Engine::TensorrtLlm)) => Severity::Warning,
        _ => codes::HW003.severity,
    };
    codes::HW003
        .finding_at(severity, pointer, message)
        .with_fix(fix)
}

/// `0.46` from 46 hundredths.
fn fraction(hundredths: u64) -> String {
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// Which processes hold the memory, largest first.
fn holders(d: &DeviceSnapshot) -> String {
    let used = fmt_mib(d.memory.used_bytes);
    match &d.processes {
        None => format!("{used} in use; NVML could not list the processes holding it"),
        Some(list) if list.is_empty() => format!(
            "{used} in use and no process listed (held by another container, the driver or a process NVML cannot see)"
        ),
        Some(list) => {
            let mut list: Vec<&ProcessSnapshot> = list.iter().collect();
            list.sort_by_key(|p| (std::cmp::Reverse(p.used_bytes), p.pid));
            let names: Vec<String> = list.iter().map(|p| describe(p)).collect();
            format!("{used} in use, held by {}", names.join(", "))
        }
    }
}

/// `pid 4242 python3 (38,912 MiB)`.
fn describe(p: &ProcessSnapshot) -> String {
    let name = p
        .name
        .as_deref()
        .map_or(String::new(), |n| format!(" `{n}`"));
    let mem = p.used_bytes.map_or("memory unknown".to_string(), fmt_mib);
    format!("pid {}{name} ({mem})", p.pid)
}
