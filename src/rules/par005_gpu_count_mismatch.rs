//! PAR005 gpu-count-mismatch.

use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::spec::Kind;
use crate::units::{group_digits, plural};

declare_rule! {
    /// ## What it does
    /// Checks that replicas x tensor x pipeline x data GPUs fit in
    /// `hardware.nodes x hardware.gpus_per_node`.
    ///
    /// ## Why is this bad?
    /// The deployment cannot be scheduled as written: replicas stay pending, or
    /// the plan's capacity counts GPUs that do not exist.
    ///
    /// ## Example
    /// ```yaml
    /// hardware: {gpus_per_node: 8, nodes: 1}
    /// parallelism: {tensor: 4}
    /// serving: {replicas: 3}            # 12 GPUs on 8
    /// ```
    ///
    /// ## How to fix
    /// Add nodes, or lower replicas to what the nodes hold (the finding computes both).
    pub struct GpuCountMismatch(PAR005);
}

impl GpuCountMismatch {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let g = &ctx.plan.gpu;
        let have = g.nodes.saturating_mul(g.gpus_per_node);
        let p = &ctx.spec.parallelism;
        let per_replica = p.tensor.saturating_mul(p.pipeline).saturating_mul(p.data);
        let replicas = if ctx.spec.kind == Kind::Serving {
            g.replicas.max(1)
        } else {
            1
        };
        let need = per_replica.saturating_mul(replicas);
        if need <= have || g.gpus_per_node == 0 {
            return Vec::new();
        }
        let message = format!(
            "{} x {} tensor x {} pipeline x {} data = {} GPUs, but {} x {} = {}",
            plural(replicas, "replica"),
            group_digits(p.tensor),
            group_digits(p.pipeline),
            group_digits(p.data),
            group_digits(need),
            plural(g.nodes, "node"),
            plural(g.gpus_per_node, "GPU"),
            group_digits(have)
        );
        let nodes = need.div_ceil(g.gpus_per_node);
        let mut fix = format!("set hardware.nodes: {nodes}");
        let fit = have / per_replica.max(1);
        let pointer = if per_replica > have {
            "/parallelism/tensor"
        } else if ctx.spec.kind == Kind::Serving {
            fix.push_str(&format!("; or serving.replicas: {fit}"));
            "/serving/replicas"
        } else {
            "/parallelism/data"
        };
        vec![self.finding(pointer, message).with_fix(fix)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    #[test]
    fn fires_on_too_many_replicas() {
        let fx = Fixture::edit(|v| v["serving"]["replicas"] = 3.into());
        let mut fx = fx;
        fx.plan.gpu.replicas = 3;
        let f = fx.one(&GpuCountMismatch);
        assert_eq!(f.code, "PAR005");
        assert_eq!(f.pointer, "/serving/replicas");
        assert!(
            f.message.contains("= 12 GPUs, but 1 node x 8 GPUs = 8"),
            "{}",
            f.message
        );
        assert_eq!(
            f.fix.as_deref(),
            Some("set hardware.nodes: 2; or serving.replicas: 2")
        );
    }

    #[test]
    fn near_miss_exactly_full() {
        assert!(Fixture::new().run(&GpuCountMismatch).is_empty());
    }
}
