//! TRF004 no-burst-margin.

use super::util::{class_index, class_pointer, group_digits};
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::plan::math::ceil_times;

/// The burst the fix proposes: a quarter above steady load.
const SUGGESTED_BURST: f64 = 1.25;

declare_rule! {
    /// ## What it does
    /// Flags a traffic class with no burst margin: `burst` unset or at most 1.0.
    ///
    /// ## Why is this bad?
    /// Concurrency is a time series, not a constant. A plan that fits the steady
    /// concurrency exactly has no room for the next spike, and the spike is when
    /// the engine preempts requests and latency breaks its objective.
    ///
    /// ## Example
    /// ```yaml
    /// traffic:
    ///   classes:
    ///     - {name: chat, prompt_tokens: {p99: 6000}, output_tokens: {p99: 2000}, concurrency: 64}
    /// ```
    ///
    /// ## How to fix
    /// Set `burst` to the ratio of peak to steady concurrency from your metrics
    /// (1.25-2 is common). The finding says whether the deployment still fits at 1.25.
    pub struct NoBurstMargin(TRF004);
}

impl NoBurstMargin {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let Some(traffic) = &ctx.spec.traffic else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, class) in traffic.classes.iter().enumerate() {
            let burst = class.burst.unwrap_or(1.0);
            if burst > 1.0 {
                continue;
            }
            let margin = match class.burst {
                Some(b) => format!("burst {b}"),
                None => "no burst set".to_string(),
            };
            let message = format!(
                "class {} plans for exactly its steady concurrency of {} ({margin}): any spike above it preempts or queues requests",
                class.name,
                group_digits(class.concurrency)
            );
            // The plan's own rounding: required = ceil(concurrency x burst) in
            // parts per million (plan/capacity.rs).
            let Ok(at) = ceil_times(class.concurrency, SUGGESTED_BURST) else {
                continue;
            };
            let plan_class = ctx
                .plan
                .classes
                .iter()
                .find(|c| c.name == class.name)
                .or_else(|| ctx.plan.classes.get(i));
            let fits = match plan_class {
                Some(c) if c.max_concurrency >= at => format!(
                    "still fits: the deployment holds {} sequences of this class",
                    group_digits(c.max_concurrency)
                ),
                Some(c) => format!(
                    "does not fit: the deployment holds {} sequences of this class, so add replicas (see MEM002)",
                    group_digits(c.max_concurrency)
                ),
                None => String::new(),
            };
            let fix = format!(
                "set burst: {SUGGESTED_BURST} (or your measured peak/steady ratio): ceil({} x {SUGGESTED_BURST}) = {} sequences, which {fits}",
                group_digits(class.concurrency),
                group_digits(at)
            );
            out.push(
                self.finding(
                    &class_pointer(class_index(ctx.spec, &class.name, i)),
                    message,
                )
                .with_fix(fix.trim_end_matches(", which ").to_string()),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    #[test]
    fn fires_without_burst() {
        let fx = Fixture::edit(|v| {
            v["traffic"]["classes"][0]
                .as_object_mut()
                .map(|o| o.remove("burst"));
        });
        let f = fx.one(&NoBurstMargin);
        assert_eq!(f.code, "TRF004");
        assert_eq!(f.pointer, "/traffic/classes/0");
        assert!(
            f.message
                .contains("steady concurrency of 64 (no burst set)"),
            "{}",
            f.message
        );
        assert_eq!(
            f.fix.as_deref(),
            Some("set burst: 1.25 (or your measured peak/steady ratio): ceil(64 x 1.25) = 80 sequences, which still fits: the deployment holds 240 sequences of this class")
        );
    }

    #[test]
    fn suggested_load_rounds_like_the_plan() {
        // ceil(5 x 1.25) = 7 in parts per million, as plan/capacity.rs rounds.
        let fx = Fixture::edit(|v| {
            v["traffic"]["classes"][1]["concurrency"] = 5.into();
            v["traffic"]["classes"][1]["burst"] = 1.0.into();
        });
        let f = fx.one(&NoBurstMargin);
        assert!(f.fix.expect("fix").contains("ceil(5 x 1.25) = 7 sequences"),);
    }

    #[test]
    fn near_miss_any_margin() {
        assert!(Fixture::new().run(&NoBurstMargin).is_empty());
        let fx = Fixture::edit(|v| v["traffic"]["classes"][0]["burst"] = 1.05.into());
        assert!(fx.run(&NoBurstMargin).is_empty());
    }
}
