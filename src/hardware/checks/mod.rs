//! Compare a machine's [`Snapshot`] with a spec and its plan: HW001-HW006, one
//! file per code, plus the measured-vs-planned [`LiveSection`] for reports.
//!
//! The checks look at the devices the deployment would use on this node: NVML
//! indices `0..n`, where `n` is the number of GPUs the spec places on one node
//! (engines take the first visible GPUs). Only HW002 looks at the device count.

mod count;
mod dtype;
mod free_memory;
mod mig;
mod model;
mod total_memory;

use super::live::{build_section, LiveSection};
use super::replan::{cuda_visible_estimate, replan_with, CudaVisibleEstimate};
use super::{DeviceSnapshot, Snapshot};
use crate::catalog::Resolved;
use crate::diagnostics::Finding;
use crate::plan::{self, Plan};
use crate::spec::{Kind, Spec};
use crate::units::{Bytes, MIB};

/// HW004's tolerance between a measured and a catalogue total, in basis points
/// of the catalogue figure: 100 = 1%. Two boards of one model differ by a few
/// MiB (ECC, firmware); a different memory size or model differs by far more.
pub const NVML_TOLERANCE_BASIS_POINTS: u64 = 100;

/// What the checks compare the machine with. `plan` is None when the spec
/// could not be planned; HW003 and HW004's re-plan then have nothing to use.
#[derive(Clone, Copy)]
pub struct LiveInputs<'a> {
    pub spec: &'a Spec,
    pub resolved: &'a Resolved,
    pub plan: Option<&'a Plan>,
}

/// Findings (no spans yet: the caller maps pointers to spans) and the report
/// section.
#[derive(Clone, Debug)]
pub struct LiveReport {
    pub findings: Vec<Finding>,
    pub section: LiveSection,
}

/// The re-plan on the smallest measured device (the bottleneck GPU).
pub(crate) struct Replan {
    pub device_index: u32,
    pub estimate: CudaVisibleEstimate,
    pub plan: Result<Plan, Box<Finding>>,
}

/// Everything one check reads.
pub(crate) struct Ctx<'a> {
    pub inputs: LiveInputs<'a>,
    pub snap: &'a Snapshot,
    /// The devices the deployment uses on this node.
    pub used: &'a [DeviceSnapshot],
    /// GPUs the spec places on one node.
    pub per_node: u64,
    pub replan: Option<Replan>,
}

/// Run every HW check with `plan::compute` for the re-plan.
pub fn check(inputs: LiveInputs<'_>, snap: &Snapshot) -> LiveReport {
    check_with(inputs, snap, plan::compute)
}

/// Run every HW check; `compute` re-plans on measured memory (tests pass one
/// that works on the plan they construct).
pub fn check_with<F>(inputs: LiveInputs<'_>, snap: &Snapshot, compute: F) -> LiveReport
where
    F: Fn(&Spec, &Resolved) -> Result<Plan, Box<Finding>>,
{
    let per_node = gpus_per_node_needed(inputs);
    let n = usize::try_from(per_node).unwrap_or(usize::MAX);
    let used = if n == 0 {
        &snap.devices[..]
    } else {
        &snap.devices[..snap.devices.len().min(n)]
    };
    let replan = inputs.plan.and_then(|_| {
        let gpu = &inputs.resolved.gpu;
        let (device, estimate) = used
            .iter()
            .map(|d| (d, cuda_visible_estimate(d, gpu)))
            .min_by_key(|(d, e)| (e.bytes, d.index))?;
        Some(Replan {
            device_index: device.index,
            plan: replan_with(inputs.spec, inputs.resolved, estimate.bytes, &compute),
            estimate,
        })
    });
    let ctx = Ctx {
        inputs,
        snap,
        used,
        per_node,
        replan,
    };
    let memory_differs = total_memory::differs(&ctx);
    let mut findings = Vec::new();
    findings.extend(model::check(&ctx));
    findings.extend(count::check(&ctx));
    findings.extend(free_memory::check(&ctx, memory_differs));
    findings.extend(total_memory::check(&ctx));
    findings.extend(mig::check(&ctx));
    findings.extend(dtype::check(&ctx));
    let section = build_section(&ctx, memory_differs);
    LiveReport { findings, section }
}

/// GPUs the deployment places on one node: ceil(total GPUs / nodes), from the
/// plan when there is one (it already applied defaults), else from the spec.
fn gpus_per_node_needed(inputs: LiveInputs<'_>) -> u64 {
    let (total, nodes) = match inputs.plan {
        Some(p) => (p.gpu.total_gpus, p.gpu.nodes),
        None => {
            let s = inputs.spec;
            let par = &s.parallelism;
            let replicas = match s.kind {
                Kind::Serving => s.serving.as_ref().and_then(|v| v.replicas).unwrap_or(1),
                Kind::Training => 1,
            };
            let total = par
                .tensor
                .saturating_mul(par.pipeline)
                .saturating_mul(par.data)
                .saturating_mul(replicas);
            (total, s.hardware.nodes.unwrap_or(1))
        }
    };
    total.div_ceil(nodes.max(1))
}

/// What the plan needs free on each GPU before the engine starts: the engine's
/// budget for serving (vLLM and SGLang refuse to start with less free), the
/// training total for training.
pub(crate) fn needed_per_gpu(plan: &Plan) -> Bytes {
    match &plan.training {
        Some(t) => t.total_bytes,
        None => plan.per_gpu.budget_bytes,
    }
}

/// `major.minor` to a comparable pair.
pub(crate) fn parse_compute_capability(cc: &str) -> Option<(u32, u32)> {
    let (major, minor) = cc.trim().split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// `38,912 MiB`: process memory the way nvidia-smi shows it, digits grouped.
pub(crate) fn fmt_mib(bytes: Bytes) -> String {
    format!("{} MiB", group_digits(bytes.0 / MIB))
}

pub(crate) use crate::units::group_digits;

/// `GPU 0`, `GPUs 0, 1 and 3`.
pub(crate) fn fmt_gpus(indices: &[u32]) -> String {
    match indices {
        [one] => format!("GPU {one}"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(u32::to_string).collect();
            format!("GPUs {} and {last}", init.join(", "))
        }
        [] => "no GPU".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_stable() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(1234567), "1,234,567");
        assert_eq!(fmt_mib(Bytes(38912 * MIB + 5)), "38,912 MiB");
        assert_eq!(fmt_gpus(&[2]), "GPU 2");
        assert_eq!(fmt_gpus(&[0, 1, 3]), "GPUs 0, 1 and 3");
    }

    #[test]
    fn compute_capability_parses() {
        assert_eq!(parse_compute_capability("8.9"), Some((8, 9)));
        assert_eq!(parse_compute_capability("10.0"), Some((10, 0)));
        assert_eq!(parse_compute_capability("9"), None);
        assert_eq!(parse_compute_capability("x.y"), None);
    }
}
