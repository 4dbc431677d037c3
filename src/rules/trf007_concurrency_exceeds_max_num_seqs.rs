//! TRF007 concurrency-exceeds-max-num-seqs.

use super::util::{group_digits, instances_per_replica, per_instance_concurrency};
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::units::plural;

declare_rule! {
    /// ## What it does
    /// Flags a `max_num_seqs` below the sequences one engine instance must run at
    /// the planned traffic (all classes at required concurrency, per replica and
    /// per data-parallel rank).
    ///
    /// ## Why is this bad?
    /// `max_num_seqs` caps the running batch. Sequences beyond it wait in the
    /// queue even when the KV cache has room: the memory is bought, the latency
    /// objective is missed, and the capacity plan over-states throughput.
    ///
    /// ## Example
    /// ```yaml
    /// serving: {replicas: 1, max_num_seqs: 64}
    /// traffic:
    ///   classes:
    ///     - {name: chat, prompt_tokens: {p99: 3000}, output_tokens: {p99: 1000}, concurrency: 96}
    /// ```
    ///
    /// ## How to fix
    /// Raise `max_num_seqs` to the planned concurrency (it also raises the
    /// sampler's activation peak by about one vocabulary row of fp32 logits per
    /// sequence), or add replicas.
    pub struct ConcurrencyExceedsMaxNumSeqs(TRF007);
}

impl ConcurrencyExceedsMaxNumSeqs {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let Some(max) = ctx.spec.serving.as_ref().and_then(|s| s.max_num_seqs) else {
            return Vec::new();
        };
        let need: u64 = ctx
            .plan
            .classes
            .iter()
            .map(|c| per_instance_concurrency(ctx.plan, c))
            .fold(0u64, u64::saturating_add);
        if need <= max {
            return Vec::new();
        }
        let message = format!(
            "one engine instance must run {} sequences at the planned traffic ({} x {} each), but max_num_seqs is {}: the rest queue",
            group_digits(need),
            plural(ctx.plan.gpu.replicas, "replica"),
            plural(instances_per_replica(ctx.plan), "engine instance"),
            group_digits(max)
        );
        // vLLM's sampler keeps one fp32 logits row per sequence.
        let extra = (need - max)
            .saturating_mul(ctx.plan.model.vocab_size)
            .saturating_mul(4);
        let fix = format!(
            "set serving.max_num_seqs to {} (about {} more activation peak for the sampler's logits)",
            group_digits(need),
            crate::units::Bytes(extra)
        );
        vec![self.finding("/serving/max_num_seqs", message).with_fix(fix)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    #[test]
    fn fires_below_planned_concurrency() {
        let fx = Fixture::edit(|v| v["serving"]["max_num_seqs"] = 32.into());
        let f = fx.one(&ConcurrencyExceedsMaxNumSeqs);
        assert_eq!(f.code, "TRF007");
        assert_eq!(f.pointer, "/serving/max_num_seqs");
        // 48 chat + 3 long-doc per replica.
        assert!(f.message.contains("must run 51 sequences"), "{}", f.message);
        // 19 x 128,256 x 4 B = 9.3 MiB.
        assert_eq!(
            f.fix.as_deref(),
            Some("set serving.max_num_seqs to 51 (about 9.3 MiB more activation peak for the sampler's logits)")
        );
    }

    #[test]
    fn near_miss() {
        assert!(Fixture::edit(|v| v["serving"]["max_num_seqs"] = 51.into())
            .run(&ConcurrencyExceedsMaxNumSeqs)
            .is_empty());
    }
}
