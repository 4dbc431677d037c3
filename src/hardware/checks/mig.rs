//! HW005 mig-enabled: MIG splits a GPU into instances; CUDA then sees slices,
//! never the whole memory the plan counts on.

use super::Ctx;
use crate::codes;
use crate::diagnostics::{Finding, Severity};

pub(super) fn check(ctx: &Ctx<'_>) -> Vec<Finding> {
    let on: Vec<u32> = ctx
        .used
        .iter()
        .filter(|d| d.mig.is_some_and(|m| m.current))
        .map(|d| d.index)
        .collect();
    let pending: Vec<u32> = ctx
        .used
        .iter()
        .filter(|d| d.mig.is_some_and(|m| !m.current && m.pending))
        .map(|d| d.index)
        .collect();
    let mut out = Vec::new();
    if !on.is_empty() {
        out.push(
            codes::HW005.finding(
                "/hardware/gpu",
                format!(
                    "MIG is enabled on {}: processes see MIG instances, each a slice of the GPU's memory, while the plan assumes whole GPUs",
                    super::fmt_gpus(&on)
                ),
            )
            .with_fix("disable MIG (`nvidia-smi -i N -mig 0`, then reset the GPU), or plan for one MIG instance as an inline `hardware.gpu` with its memory"),
        );
    }
    if !pending.is_empty() {
        out.push(
            // Below HW005's default (error): MIG is not on yet, only pending.
            codes::HW005.finding_at(
                Severity::Warning,
                "/hardware/gpu",
                format!(
                    "MIG is off on {} but will be enabled at the next GPU reset: the plan's whole-GPU memory will no longer be available",
                    super::fmt_gpus(&pending)
                ),
            )
            .with_fix("cancel the pending change with `nvidia-smi -i N -mig 0`"),
        );
    }
    out
}
