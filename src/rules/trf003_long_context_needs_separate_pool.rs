//! TRF003 long-context-needs-separate-pool.

use super::util::{
    class_index, class_pointer, div_ceil, group_digits, instances_per_replica, percent,
};
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::units::plural;

declare_rule! {
    /// ## What it does
    /// Flags a traffic class that needs more than half of the deployment's KV
    /// pool (`[thresholds] pool-share`) while its sequences are over 8x as long as
    /// the median class's (`long-context-ratio`).
    ///
    /// ## Why is this bad?
    /// A few long-context requests then decide the size of the whole fleet and
    /// starve the short ones: a burst of long documents fills the cache, and chat
    /// requests are preempted or queued behind them. Long and short traffic scale
    /// differently and want different `max_model_len`, batch and fraction settings.
    ///
    /// ## Example
    /// ```yaml
    /// traffic:
    ///   classes:
    ///     - {name: chat, prompt_tokens: {p99: 6000}, output_tokens: {p99: 2000}, concurrency: 64}
    ///     - {name: long-doc, prompt_tokens: {p99: 120000}, output_tokens: {p99: 4000}, concurrency: 12}
    /// ```
    ///
    /// ## How to fix
    /// Serve the long class from its own pool (a second deployment with its own
    /// `max_model_len`); the finding computes how many replicas it needs alone.
    /// If sharing is deliberate, suppress it with a reason:
    /// `# memmath: ignore[TRF003] long-doc shares the pool until the Q3 split`.
    pub struct LongContextNeedsSeparatePool(TRF003);
}

impl LongContextNeedsSeparatePool {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let plan = ctx.plan;
        let t = &ctx.config.thresholds;
        // Without KV memory the shares are meaningless (MEM003 reports it).
        if plan.classes.len() < 2 || plan.per_gpu.kv_cache_bytes <= 0 {
            return Vec::new();
        }
        // The lower median class and each class's ratio to it: the figures
        // the report prints (plan::derived).
        let median = ctx
            .derived
            .kv_cache
            .as_ref()
            .and_then(|k| k.median_class_tokens)
            .unwrap_or(0);
        let kv = plan.per_gpu.kv_cache_bytes.max(0) as u64;
        let mut out = Vec::new();
        for ((i, c), cd) in plan.classes.iter().enumerate().zip(&ctx.derived.classes) {
            let ratio = cd.tokens_over_median;
            if c.pool_share <= t.pool_share || ratio <= t.long_context_ratio {
                continue;
            }
            let idx = class_index(ctx.spec, &c.name, i);
            let message = format!(
                "class {} needs {} of the KV pool at required load ({} sequences of {} tokens, {:.1}x the median class's {} tokens); the other classes share what is left",
                c.name,
                percent(c.pool_share),
                group_digits(c.required_concurrency),
                group_digits(c.tokens_per_sequence),
                ratio,
                group_digits(median),
            );
            let per_instance = kv.checked_div(c.kv_bytes_per_sequence).unwrap_or(0);
            let fix = if per_instance == 0 {
                format!(
                    "serve {} from its own pool with more memory per instance: one sequence needs more than this instance's KV cache",
                    c.name
                )
            } else {
                let instances = div_ceil(c.required_concurrency, per_instance);
                let replicas = div_ceil(instances, instances_per_replica(plan)).max(1);
                format!(
                    "serve {} from its own pool: {} of this shape hold its {} sequences ({} per engine instance), and frees {} of this pool for the other classes",
                    c.name,
                    plural(replicas, "replica"),
                    group_digits(c.required_concurrency),
                    group_digits(per_instance),
                    percent(c.pool_share)
                )
            };
            out.push(self.finding(&class_pointer(idx), message).with_fix(fix));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    fn heavy_long_doc() -> Fixture {
        // 16 long-doc sequences of 124,000 tokens, 8 per replica.
        Fixture::edit(|v| {
            v["traffic"]["classes"][1]["concurrency"] = 16.into();
            v["traffic"]["classes"][1]["burst"] = 1.0.into();
        })
    }

    #[test]
    fn fires_on_a_dominant_long_class() {
        let f = heavy_long_doc().one(&LongContextNeedsSeparatePool);
        assert_eq!(f.code, "TRF003");
        assert_eq!(f.pointer, "/traffic/classes/1");
        assert!(
            f.message.contains("needs 74.4% of the KV pool"),
            "{}",
            f.message
        );
        assert!(
            f.message.contains("15.5x the median class's 8,000 tokens"),
            "{}",
            f.message
        );
        // floor(52,913,997,086 / 5,079,040,000) = 10 per instance: 2 replicas for 16.
        let fix = f.fix.expect("fix");
        assert!(
            fix.contains("2 replicas of this shape hold its 16 sequences (10 per engine instance)"),
            "{fix}"
        );
    }

    #[test]
    fn near_miss_and_thresholds() {
        assert!(Fixture::new().run(&LongContextNeedsSeparatePool).is_empty());
        let mut fx = heavy_long_doc();
        fx.config.thresholds.pool_share = 0.8;
        assert!(fx.run(&LongContextNeedsSeparatePool).is_empty());
        let mut fx = heavy_long_doc();
        fx.config.thresholds.long_context_ratio = 16.0;
        assert!(fx.run(&LongContextNeedsSeparatePool).is_empty());
    }
}
