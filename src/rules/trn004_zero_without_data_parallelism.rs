//! TRN004 zero-without-data-parallelism.

use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::spec::Offload;

declare_rule! {
    /// ## What it does
    /// Flags training with `zero_stage` above 0 and `parallelism.data: 1`
    /// without offload: ZeRO shards the model states over the data-parallel
    /// ranks, and one rank shards nothing.
    ///
    /// ## Why is this bad?
    /// ZeRO-1/2/3 (and FSDP) divide optimizer states, gradients and weights by
    /// the data-parallel degree (Rajbhandari et al. 2019). Over one rank every
    /// GPU still holds the full 16 bytes per parameter of mixed-precision Adam,
    /// while the spec reads as if they were sharded; ZeRO-3 also adds its
    /// gather and scatter traffic for no saving. (With `offload`, ZeRO on one
    /// GPU is how ZeRO-Offload runs: that case is not flagged.)
    ///
    /// ## Example
    /// ```yaml
    /// parallelism: {tensor: 1, pipeline: 1, data: 1}
    /// training: {zero_stage: 3, offload: none}
    /// ```
    ///
    /// ## How to fix
    /// Set `parallelism.data` to the number of data-parallel ranks the states
    /// are sharded over, or set `training.zero_stage: 0` to say they are not.
    pub struct ZeroWithoutDataParallelism(TRN004);
}

impl ZeroWithoutDataParallelism {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let Some(spec) = &ctx.spec.training else {
            return Vec::new();
        };
        let data = ctx.spec.parallelism.data;
        if spec.zero_stage == 0 || data > 1 || spec.offload != Offload::None {
            return Vec::new();
        }
        let message = format!(
            "training.zero_stage: {} with parallelism.data: {data}: ZeRO shards the model states over the data-parallel ranks, and one rank shards nothing",
            spec.zero_stage
        );
        let fix = match &ctx.plan.training {
            Some(t) => format!(
                "set parallelism.data to the ranks the states are sharded over, or training.zero_stage: 0 ({} of model states per GPU either way at data 1)",
                crate::units::Bytes(
                    t.weights_bytes
                        .0
                        .saturating_add(t.gradients_bytes.0)
                        .saturating_add(t.optimizer_bytes.0)
                )
            ),
            None => "set parallelism.data to the ranks the states are sharded over, or training.zero_stage: 0".to_string(),
        };
        vec![self.finding("/training/zero_stage", message).with_fix(fix)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    fn with(data: u64, stage: u64, offload: Offload) -> Fixture {
        let offload = serde_json::to_value(offload).expect("offload");
        Fixture::training_edit(|v| {
            v["parallelism"]["data"] = data.into();
            v["training"]["zero_stage"] = stage.into();
            v["training"]["offload"] = offload;
        })
    }

    #[test]
    fn fires_on_zero_over_one_rank() {
        let f = with(1, 3, Offload::None).one(&ZeroWithoutDataParallelism);
        assert_eq!(f.code, "TRN004");
        assert_eq!(f.severity, crate::diagnostics::Severity::Warning);
        assert_eq!(f.pointer, "/training/zero_stage");
        assert!(
            f.message
                .starts_with("training.zero_stage: 3 with parallelism.data: 1"),
            "{}",
            f.message
        );
        let fix = f.fix.expect("fix");
        // Data 1: nothing to shard over, 16 B x 8,030,261,248 parameters.
        assert!(fix.contains("119.66 GiB of model states per GPU"), "{fix}");
    }

    #[test]
    fn near_misses() {
        assert!(Fixture::training()
            .run(&ZeroWithoutDataParallelism)
            .is_empty());
        assert!(with(1, 0, Offload::None)
            .run(&ZeroWithoutDataParallelism)
            .is_empty());
        assert!(with(1, 2, Offload::Optimizer)
            .run(&ZeroWithoutDataParallelism)
            .is_empty());
        assert!(with(2, 3, Offload::None)
            .run(&ZeroWithoutDataParallelism)
            .is_empty());
    }
}
