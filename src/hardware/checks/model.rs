//! HW001 gpu-model-mismatch: the devices are not the GPU the spec plans for.
//!
//! Names are compared normalised (`names.rs`). A catalogue GPU's name is
//! NVML's own, so it must be equal (an `NVIDIA H100 NVL` is not the
//! catalogue's `NVIDIA H100 80GB HBM3`); a name a user wrote inline is matched
//! leniently (`H100 SXM 80GB` matches NVML's `NVIDIA H100 80GB HBM3`).

use super::Ctx;
use crate::codes;
use crate::diagnostics::Finding;
use crate::hardware::{gpu_names_equal, gpu_names_match};
use std::collections::BTreeMap;

pub(super) fn check(ctx: &Ctx<'_>) -> Vec<Finding> {
    let gpu = &ctx.inputs.resolved.gpu;
    let inline = gpu.id == "inline";
    let matches = |device_name: &str| {
        if inline {
            gpu_names_match(device_name, &gpu.name)
        } else {
            gpu_names_equal(device_name, &gpu.name)
        }
    };
    // Group by device name so eight identical wrong GPUs make one finding.
    let mut wrong: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for d in ctx.used.iter().filter(|d| !matches(&d.name)) {
        wrong.entry(d.name.as_str()).or_default().push(d.index);
    }
    let planned = if gpu.id == "inline" {
        format!("`{}`", gpu.name)
    } else {
        format!("`{}` ({})", gpu.name, gpu.id)
    };
    wrong
        .into_iter()
        .map(|(name, indices)| {
            let verb = if indices.len() == 1 { "is" } else { "are" };
            codes::HW001.finding(
                "/hardware/gpu",
                format!(
                    "{} {verb} `{name}`, but the spec plans for {planned}: every memory figure of the plan is for a different GPU",
                    super::fmt_gpus(&indices)
                ),
            )
            .with_fix(format!(
                "set `hardware.gpu` to this machine's GPU (`{name}`) and re-plan, or run on {planned}"
            ))
        })
        .collect()
}
