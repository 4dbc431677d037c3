//! TRN001 model-states-exceed-memory.

use super::{Rule, RuleContext};
use crate::diagnostics::{Finding, Severity};
use crate::spec::Offload;
use crate::units::Bytes;

declare_rule! {
    /// ## What it does
    /// Checks that the training model states per GPU (weights + gradients +
    /// optimizer state, after ZeRO sharding and offload) fit the GPU's budget.
    ///
    /// ## Why is this bad?
    /// Mixed-precision Adam keeps 16 bytes per parameter (2 weights + 2 gradients
    /// + 12 fp32 master weights, momentum and variance): an 8B model needs 128 GB
    /// of model states before one activation. The job fails at the first
    /// optimizer step, or at initialization.
    ///
    /// ## Example
    /// ```yaml
    /// model: {preset: llama-3.1-8b}
    /// parallelism: {data: 8}
    /// training: {method: full, optimizer: adamw, zero_stage: 0}
    /// ```
    ///
    /// ## How to fix
    /// Shard the states with a higher ZeRO stage (FSDP full shard = 3), offload
    /// the optimizer to host RAM, or add data-parallel ranks; the finding picks
    /// the smallest change that fits with the activations.
    pub struct ModelStatesExceedMemory("TRN001", "model-states-exceed-memory", Severity::Error);
}

impl ModelStatesExceedMemory {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let (Some(t), Some(spec)) = (&ctx.plan.training, &ctx.spec.training) else {
            return Vec::new();
        };
        let budget = ctx.plan.per_gpu.budget_bytes;
        let states = Bytes(
            t.weights_bytes
                .0
                .saturating_add(t.gradients_bytes.0)
                .saturating_add(t.optimizer_bytes.0),
        );
        if states <= budget {
            return Vec::new();
        }
        let message = format!(
            "model states need {states} per GPU (weights {} + gradients {} + optimizer {}) at ZeRO stage {}, more than the {budget} budget",
            t.weights_bytes, t.gradients_bytes, t.optimizer_bytes, spec.zero_stage
        );
        let act = t.activations_bytes;
        let fits = |b: u64| b.saturating_add(act.0) <= budget.0;
        let row_states = |r: &crate::plan::ZeroStageRow| {
            r.weights_bytes.0 + r.gradients_bytes.0 + r.optimizer_bytes.0
        };
        let fix = if let Some(r) = t
            .per_zero_stage
            .iter()
            .filter(|r| r.stage > spec.zero_stage && spec.offload == Offload::None)
            .find(|r| fits(row_states(r)))
        {
            format!(
                "set training.zero_stage: {} ({} of model states per GPU, {} with activations)",
                r.stage,
                Bytes(row_states(r)),
                Bytes(row_states(r).saturating_add(act.0))
            )
        } else if fits(t.weights_bytes.0 + t.gradients_bytes.0) && spec.offload == Offload::None {
            format!(
                "set training.offload: optimizer (moves {} to host RAM; {} stays per GPU with activations)",
                t.optimizer_bytes,
                Bytes(t.weights_bytes.0 + t.gradients_bytes.0 + act.0)
            )
        } else {
            // At ZeRO-3 the states shrink with the data-parallel degree.
            let dp = ctx.spec.parallelism.data.max(1) as u128;
            let stage3 = t
                .per_zero_stage
                .iter()
                .find(|r| r.stage == 3)
                .map_or(states.0, row_states) as u128;
            let room = budget.0.saturating_sub(act.0) as u128;
            match (stage3 * dp).checked_div(room) {
                Some(n) => format!(
                    "set training.zero_stage: 3 with parallelism.data: {} or more (or offload optimizer and parameters)",
                    n + 1
                ),
                None => "activations alone exceed the budget: see TRN002/TRN003".to_string(),
            }
        };
        vec![self.finding("/training/zero_stage", message).with_fix(fix)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    fn stage(fx: &mut Fixture, s: u64) {
        fx.spec
            .training
            .as_mut()
            .into_iter()
            .for_each(|t| t.zero_stage = s);
        let t = fx.plan.training.as_mut().expect("training");
        let r = t.per_zero_stage[s as usize].clone();
        t.weights_bytes = r.weights_bytes;
        t.gradients_bytes = r.gradients_bytes;
        t.optimizer_bytes = r.optimizer_bytes;
    }

    #[test]
    fn fires_at_zero_stage_0_and_picks_the_stage_that_fits() {
        let mut fx = Fixture::training();
        stage(&mut fx, 0);
        let f = fx.one(&ModelStatesExceedMemory);
        assert_eq!(f.code, "TRN001");
        assert_eq!(f.pointer, "/training/zero_stage");
        // 16 x 8,030,261,248 = 128,484,179,968 B = 119.66 GiB.
        assert!(f.message.contains("need 119.66 GiB"), "{}", f.message);
        // Stage 1: 4p + 12p/8 = 5.5p = 41.13 GiB; + 30 GiB activations = 71.13 <= 71.28.
        assert_eq!(
            f.fix.as_deref(),
            Some("set training.zero_stage: 1 (41.13 GiB of model states per GPU, 71.13 GiB with activations)")
        );
    }

    #[test]
    fn near_miss_zero_3() {
        assert!(Fixture::training().run(&ModelStatesExceedMemory).is_empty());
    }
}
