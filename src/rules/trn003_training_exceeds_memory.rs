//! TRN003 training-exceeds-memory.

use super::{Rule, RuleContext};
use crate::diagnostics::{Finding, Severity};
use crate::spec::Checkpointing;
use crate::units::Bytes;

declare_rule! {
    /// ## What it does
    /// Flags training whose model states fit the GPU but whose total (states +
    /// activations) does not: the activations of one micro-batch push it over.
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
    pub struct TrainingExceedsMemory("TRN003", "training-exceeds-memory", Severity::Error);
}

impl TrainingExceedsMemory {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let (Some(t), Some(spec)) = (&ctx.plan.training, &ctx.spec.training) else {
            return Vec::new();
        };
        let budget = ctx.plan.per_gpu.budget_bytes;
        let states = t
            .weights_bytes
            .0
            .saturating_add(t.gradients_bytes.0)
            .saturating_add(t.optimizer_bytes.0);
        // States alone over the budget are TRN001's finding.
        if states > budget.0 || t.total_bytes <= budget {
            return Vec::new();
        }
        let message = format!(
            "training needs {} per GPU ({} model states + {} activations at micro_batch_size {}), more than the {budget} budget",
            t.total_bytes,
            Bytes(states),
            t.activations_bytes,
            spec.micro_batch_size
        );
        // Activations scale linearly with the micro-batch.
        let per_sample = t.activations_bytes.0 / spec.micro_batch_size.max(1);
        let b = budget
            .0
            .saturating_sub(states)
            .checked_div(per_sample)
            .unwrap_or(0);
        let mut fixes = Vec::new();
        if b >= 1 && b < spec.micro_batch_size {
            fixes.push(format!(
                "set training.micro_batch_size: {b} ({} per GPU; keep the global batch with gradient accumulation)",
                Bytes(states.saturating_add(per_sample.saturating_mul(b)))
            ));
        }
        if spec.activation_checkpointing != Checkpointing::Full {
            fixes.push("set training.activation_checkpointing: full".to_string());
        }
        let mut f = self.finding("/training/micro_batch_size", message);
        if !fixes.is_empty() {
            f = f.with_fix(fixes.join("; or "));
        }
        vec![f]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;
    use crate::units::GIB;

    #[test]
    fn fires_when_activations_push_over() {
        let mut fx = Fixture::training();
        fx.spec
            .training
            .as_mut()
            .into_iter()
            .for_each(|t| t.micro_batch_size = 4);
        let t = fx.plan.training.as_mut().expect("training");
        t.activations_bytes = Bytes(4 * 30 * GIB);
        t.total_bytes = Bytes(16_060_522_496 + 120 * GIB);
        let f = fx.one(&TrainingExceedsMemory);
        assert_eq!(f.code, "TRN003");
        assert_eq!(f.pointer, "/training/micro_batch_size");
        // (71.28 - 14.96) / 30 = 1.88: micro-batch 1.
        assert!(f
            .fix
            .expect("fix")
            .starts_with("set training.micro_batch_size: 1 (44.96 GiB per GPU"));
    }

    #[test]
    fn near_miss_fits() {
        assert!(Fixture::training().run(&TrainingExceedsMemory).is_empty());
    }
}
