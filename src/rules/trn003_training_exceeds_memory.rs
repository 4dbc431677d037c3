//! TRN003 training-exceeds-memory.

use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::spec::Checkpointing;
use crate::units::Bytes;

declare_rule! {
    /// ## What it does
    /// Flags training whose model states fit the GPU but whose total (states +
    /// activations + runtime) does not: the activations of one micro-batch push
    /// it over.
    ///
    /// ## Why is this bad?
    /// The job starts, then dies with CUDA out-of-memory in the first forward or
    /// backward pass: every restart costs a scheduler slot and a model load.
    ///
    /// ## Example
    /// ```yaml
    /// training: {micro_batch_size: 8, sequence_length: 8192, activation_checkpointing: none}
    /// ```
    ///
    /// ## How to fix
    /// Lower `micro_batch_size` (keep the global batch with gradient
    /// accumulation) to the value the finding computes, or turn on activation
    /// checkpointing.
    pub struct TrainingExceedsMemory(TRN003);
}

impl TrainingExceedsMemory {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let (Some(t), Some(spec)) = (&ctx.plan.training, &ctx.spec.training) else {
            return Vec::new();
        };
        let budget = ctx.plan.per_gpu.budget_bytes;
        // The plan's verdict: budget - (training total + runtime), signed
        // (plan/compute.rs); negative means the job does not fit.
        let runtime = ctx.plan.per_gpu.runtime_bytes;
        let left = ctx.plan.per_gpu.kv_cache_bytes;
        let states = t
            .weights_bytes
            .0
            .saturating_add(t.gradients_bytes.0)
            .saturating_add(t.optimizer_bytes.0);
        // States alone over the budget are TRN001's finding.
        if states.saturating_add(runtime.0) > budget.0 || left >= 0 {
            return Vec::new();
        }
        let message = format!(
            "training needs {} per GPU ({} model states + {} activations at micro_batch_size {} + {runtime} runtime), more than the {budget} budget by {}",
            Bytes(t.total_bytes.0.saturating_add(runtime.0)),
            Bytes(states),
            t.activations_bytes,
            spec.micro_batch_size,
            Bytes(left.unsigned_abs())
        );
        // Activations scale linearly with the micro-batch.
        let per_sample = t.activations_bytes.0 / spec.micro_batch_size.max(1);
        let b = budget
            .0
            .saturating_sub(states)
            .saturating_sub(runtime.0)
            .checked_div(per_sample)
            .unwrap_or(0);
        let mut fixes = Vec::new();
        if b >= 1 && b < spec.micro_batch_size {
            fixes.push(format!(
                "set training.micro_batch_size: {b} ({} per GPU with runtime; keep the global batch with gradient accumulation)",
                Bytes(
                    states
                        .saturating_add(per_sample.saturating_mul(b))
                        .saturating_add(runtime.0)
                )
            ));
        }
        if spec.activation_checkpointing != Checkpointing::Full {
            fixes.push("set training.activation_checkpointing: full".to_string());
        }
        vec![self
            .finding("/training/micro_batch_size", message)
            .with_alternatives(&fixes)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;
    use crate::units::GIB;

    #[test]
    fn fires_when_activations_push_over() {
        let fx = Fixture::training_edit(|v| v["training"]["micro_batch_size"] = 4.into());
        let f = fx.one(&TrainingExceedsMemory);
        assert_eq!(f.code, "TRN003");
        assert_eq!(f.pointer, "/training/micro_batch_size");
        assert!(f.message.contains("+ 2.00 GiB runtime"), "{}", f.message);
        let fix = f.fix.expect("fix");
        assert!(
            fix.starts_with("set training.micro_batch_size: 1 (61.90 GiB per GPU with runtime"),
            "{fix}"
        );
    }

    #[test]
    fn runtime_pushes_over() {
        // 14.96 GiB states + 55 GiB activations = 69.96 GiB fit the 71.28 GiB
        // budget; with 2 GiB of runtime they do not, and micro-batch 2 -> 1
        // (14.96 + 27.5 + 2 = 44.46 GiB) fits.
        // A hand-edited activation figure on purpose: 55 GiB puts the job
        // exactly 0.68 GiB over once the runtime is counted.
        let mut fx = Fixture::training_edit(|v| v["training"]["micro_batch_size"] = 2.into());
        let t = fx.plan.training.as_mut().expect("training");
        t.activations_bytes = Bytes(55 * GIB);
        t.total_bytes = Bytes(16_060_522_496 + 55 * GIB);
        fx.sync_training_left();
        let f = fx.one(&TrainingExceedsMemory);
        assert!(
            f.message
                .contains("more than the 71.28 GiB budget by 0.68 GiB"),
            "{}",
            f.message
        );
        assert!(f
            .fix
            .expect("fix")
            .starts_with("set training.micro_batch_size: 1 (44.46 GiB per GPU with runtime"));
    }

    #[test]
    fn near_miss_fits() {
        assert!(Fixture::training().run(&TrainingExceedsMemory).is_empty());
    }
}
