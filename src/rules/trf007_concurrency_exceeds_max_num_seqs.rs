//! TRF007 concurrency-exceeds-max-num-seqs.

use super::replan::{replan, starts};
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
    /// Raise `max_num_seqs` to the planned concurrency, or add replicas. The
    /// fix re-plans the spec with the raised setting and says how much the
    /// profiled activation peak grows (vLLM warms its sampler up over
    /// `max_num_seqs` dummy requests: docs/memory-math.md section 4), or that
    /// the engine would not start with it.
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
        // The raised setting goes through the plan: the sampler's profile
        // grows with max_num_seqs (plan/sampler.rs), and the KV cache pays.
        let raised = replan(ctx, |s, _| {
            if let Some(serving) = s.serving.as_mut() {
                serving.max_num_seqs = Some(need);
            }
        });
        let fix = match raised {
            Some(p) if starts(&p) => {
                let extra = p
                    .per_gpu
                    .activation_peak_bytes
                    .get()
                    .saturating_sub(ctx.plan.per_gpu.activation_peak_bytes.get());
                let cost = if extra == 0 {
                    "the profiled activation peak stays the forward pass's".to_string()
                } else {
                    format!(
                        "the profiled activation peak grows by {}, taken from the KV cache",
                        crate::units::Bytes(extra)
                    )
                };
                format!(
                    "set serving.max_num_seqs to {} ({cost}), or add replicas",
                    group_digits(need)
                )
            }
            _ => format!(
                "add replicas: with serving.max_num_seqs at {} the sampler's profile leaves the engine no room to start",
                group_digits(need)
            ),
        };
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
        // At 51 sequences the sampler's profile (vLLM 0.11's sort path:
        // 28 x 51 x 128,256 B) stays under the forward pass over 8192 tokens.
        assert_eq!(
            f.fix.as_deref(),
            Some("set serving.max_num_seqs to 51 (the profiled activation peak stays the forward pass's), or add replicas")
        );
    }

    #[test]
    fn the_fix_prices_the_larger_sampler_profile_from_the_plan() {
        let fx = Fixture::edit(|v| {
            v["serving"]["max_num_seqs"] = 32.into();
            v["traffic"]["classes"][0]["concurrency"] = 1000.into();
        });
        let f = fx.one(&ConcurrencyExceedsMaxNumSeqs);
        let fix = f.fix.unwrap_or_default();
        // 753 sequences per instance. vLLM 0.11's sort-path sampler over them
        // (docs/memory-math.md section 4): bf16 logits + fp32 copy + 32 B of
        // sort output and scratch per logit, 38 x 753 x 128,256 B, plus the
        // hidden states (8192 + 2 x 753) x 8192 x 2 B = 3,828,809,216 B, now
        // the largest phase; the fix prices it against the current peak.
        let sampler: u64 = 38 * 753 * 128_256 + (8192 + 2 * 753) * 8192 * 2;
        assert_eq!(sampler, 3_828_809_216);
        let grows = sampler - fx.plan.per_gpu.activation_peak_bytes.get();
        let want = format!(
            "set serving.max_num_seqs to 753 (the profiled activation peak grows by {}, taken from the KV cache), or add replicas",
            crate::units::Bytes(grows)
        );
        assert_eq!(fix, want);
    }

    #[test]
    fn near_miss() {
        assert!(Fixture::edit(|v| v["serving"]["max_num_seqs"] = 51.into())
            .run(&ConcurrencyExceedsMaxNumSeqs)
            .is_empty());
    }
}
