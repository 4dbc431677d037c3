//! TRN002 activations-without-checkpointing.

use super::util::percent;
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::spec::Checkpointing;
use crate::units::Bytes;

declare_rule! {
    /// ## What it does
    /// Flags training with `activation_checkpointing: none` when activations
    /// exceed half of the training memory per GPU (`[thresholds]
    /// activation-share`).
    ///
    /// ## Why is this bad?
    /// Activations grow with sequence length x micro-batch, and without
    /// recomputation every layer keeps its full working set for the backward pass
    /// (Korthikanti et al. 2022). They then decide the memory, not the model:
    /// the job OOMs at a longer batch, or runs with GPUs half full of tensors
    /// that are cheap to recompute.
    ///
    /// ## Example
    /// ```yaml
    /// training: {sequence_length: 8192, micro_batch_size: 4, activation_checkpointing: none}
    /// ```
    ///
    /// ## How to fix
    /// Turn on `activation_checkpointing: full` (keeps one `2·s·b·h` input per
    /// layer, about a third more compute) or `selective` (recomputes only the
    /// attention internals). The finding computes what full checkpointing keeps.
    pub struct ActivationsWithoutCheckpointing(TRN002);
}

impl ActivationsWithoutCheckpointing {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let (Some(t), Some(spec)) = (&ctx.plan.training, &ctx.spec.training) else {
            return Vec::new();
        };
        if spec.activation_checkpointing != Checkpointing::None || t.total_bytes.0 == 0 {
            return Vec::new();
        }
        let share = t.activations_bytes.0 as f64 / t.total_bytes.0 as f64;
        if share <= ctx.config.thresholds.activation_share {
            return Vec::new();
        }
        let message = format!(
            "activations take {} of {} training memory per GPU ({}) with no activation checkpointing",
            t.activations_bytes,
            t.total_bytes,
            percent(share)
        );
        // Full recomputation keeps each layer's 16-bit input, 2·s·b·h bytes
        // (Korthikanti et al. 2022, section 5), for the layers of one pipeline
        // stage, split by tensor parallelism under sequence parallelism; 1F1B
        // keeps up to pp micro-batches in flight on the first stage.
        let p = &ctx.spec.parallelism;
        let arch = &ctx.resolved.model.architecture;
        let layers = arch.layers.div_ceil(p.pipeline.max(1));
        let sp = if spec.sequence_parallel {
            p.tensor.max(1)
        } else {
            1
        };
        let kept = [
            spec.sequence_length,
            spec.micro_batch_size,
            arch.hidden_size,
            layers,
            p.pipeline.max(1),
        ]
        .into_iter()
        .fold(2u128, |acc, x| acc.saturating_mul(x as u128))
            / sp as u128;
        let kept = Bytes(u64::try_from(kept).unwrap_or(u64::MAX));
        let fix = format!(
            "set training.activation_checkpointing: full (keeps about {kept} of layer inputs plus one layer's working set, for about a third more compute), or selective for a smaller saving"
        );
        vec![self
            .finding("/training/activation_checkpointing", message)
            .with_fix(fix)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    #[test]
    fn fires_when_activations_dominate() {
        let fx = Fixture::training();
        let f = fx.one(&ActivationsWithoutCheckpointing);
        assert_eq!(f.code, "TRN002");
        assert_eq!(f.pointer, "/training/activation_checkpointing");
        // 2 x 8192 x 1 x 4096 x 32 layers = 2 GiB.
        assert!(f.fix.expect("fix").contains("keeps about 2.00 GiB"));
    }

    #[test]
    fn near_miss_below_half() {
        // ~44.94 GiB of ~59.90 GiB is 75%: fires at the default, not at 0.8.
        let mut fx = Fixture::training();
        assert_eq!(fx.run(&ActivationsWithoutCheckpointing).len(), 1);
        fx.config.thresholds.activation_share = 0.8;
        assert!(fx.run(&ActivationsWithoutCheckpointing).is_empty());
        let fx = Fixture::training_edit(|v| {
            v["training"]["activation_checkpointing"] = "selective".into()
        });
        assert!(fx.run(&ActivationsWithoutCheckpointing).is_empty());
    }
}
