//! HW002 gpu-count-below-spec: this node has fewer GPUs than the spec places on
//! one node.

use super::Ctx;
use crate::codes;
use crate::diagnostics::Finding;
use crate::units::plural;

pub(super) fn check(ctx: &Ctx<'_>) -> Vec<Finding> {
    let have = ctx.snap.devices.len() as u64;
    let need = ctx.per_node;
    if have >= need {
        return Vec::new();
    }
    let spec = ctx.inputs.spec;
    let par = &spec.parallelism;
    let layout = format!(
        "tensor {} x pipeline {} x data {}",
        par.tensor, par.pipeline, par.data
    );
    let replicas = spec.serving.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let nodes = spec.hardware.nodes.unwrap_or(1);
    // A probe narrowed by CUDA_VISIBLE_DEVICES says so in its source.
    let seen = if ctx.snap.source.contains("CUDA_VISIBLE_DEVICES=") {
        format!("{have} are visible here (CUDA_VISIBLE_DEVICES)")
    } else {
        format!("NVML sees {have} on this machine")
    };
    let pointer = if spec.hardware.gpus_per_node.is_some() {
        "/hardware/gpus_per_node"
    } else {
        "/hardware"
    };
    vec![codes::HW002.finding(
        pointer,
        format!(
            "the spec places {} on each node ({layout} per replica, {} over {}); {seen}: {} short",
            plural(need, "GPU"),
            plural(replicas, "replica"),
            plural(nodes, "node"),
            need - have
        ),
    )
    .with_fix(format!(
        "run on a node with at least {need} GPUs, or reduce replicas or parallelism so that one node needs {have} or fewer"
    ))]
}
