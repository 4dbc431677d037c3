//! PAR003 tensor-parallel-spans-nodes.

use super::util::valid_tp_sizes;
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;

declare_rule! {
    /// ## What it does
    /// Flags a tensor-parallel size larger than `hardware.gpus_per_node`.
    ///
    /// ## Why is this bad?
    /// Tensor parallelism all-reduces activations twice per layer, every token.
    /// Inside a node that runs over NVLink; across nodes it runs over the network
    /// at a fraction of the bandwidth, and decode latency multiplies. Pipeline
    /// parallelism crosses nodes far more cheaply.
    ///
    /// ## Example
    /// ```yaml
    /// hardware: {gpus_per_node: 8, nodes: 2}
    /// parallelism: {tensor: 16}
    /// ```
    ///
    /// ## How to fix
    /// Keep `tensor` within a node and span nodes with `pipeline` (same GPUs per
    /// replica): the finding computes the split.
    pub struct TensorParallelSpansNodes(PAR003);
}

impl TensorParallelSpansNodes {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let p = &ctx.spec.parallelism;
        let gpn = ctx.plan.gpu.gpus_per_node;
        if gpn == 0 || p.tensor <= gpn {
            return Vec::new();
        }
        let message = format!(
            "tensor parallel {} spans {} nodes of {gpn} GPUs: its per-layer all-reduces cross the network",
            p.tensor,
            p.tensor.div_ceil(gpn)
        );
        let group = p.tensor.saturating_mul(p.pipeline);
        let t = valid_tp_sizes(&ctx.resolved.model.architecture)
            .into_iter()
            .filter(|&t| t <= gpn && group % t == 0)
            .max();
        let fix = match t {
            Some(t) => format!(
                "set parallelism.tensor: {t} and parallelism.pipeline: {} (the same {group} GPUs per engine instance)",
                group / t
            ),
            None => format!("set parallelism.tensor to at most {gpn} and span nodes with pipeline parallelism"),
        };
        vec![self.finding("/parallelism/tensor", message).with_fix(fix)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    #[test]
    fn fires_on_tp16_over_8_gpu_nodes() {
        let fx = Fixture::edit(|v| v["parallelism"]["tensor"] = 16.into());
        let f = fx.one(&TensorParallelSpansNodes);
        assert_eq!(f.code, "PAR003");
        assert_eq!(f.pointer, "/parallelism/tensor");
        assert_eq!(
            f.fix.as_deref(),
            Some("set parallelism.tensor: 8 and parallelism.pipeline: 2 (the same 16 GPUs per engine instance)")
        );
    }

    #[test]
    fn near_miss_one_node() {
        let fx = Fixture::edit(|v| v["parallelism"]["tensor"] = 8.into());
        assert!(fx.run(&TensorParallelSpansNodes).is_empty());
    }
}
