//! TRF001 average-token-lengths.

use super::util::{class_pointer, group_digits};
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::spec::{Percentile, TokenStats};
use crate::units::Bytes;

declare_rule! {
    /// ## What it does
    /// Flags a traffic class whose prompt or output tokens give neither the
    /// planning percentile (`plan_percentile`) nor its fallback (p99 falls back
    /// to p95), whatever its mean or median (p50) say. Such a class cannot be
    /// sized: the plan leaves it out and it never fits.
    ///
    /// ## Why is this bad?
    /// Token lengths are long-tailed: p99 prompts are often 5-10x the mean. A KV
    /// cache sized on the mean is full long before the planned concurrency, and
    /// the engine preempts exactly the long requests. memmath plans on
    /// `plan_percentile` (p99 falls back to p95, never to the mean or median),
    /// so without a tail it has nothing to plan the class on.
    ///
    /// ## Example
    /// ```yaml
    /// traffic:
    ///   classes:
    ///     - name: chat
    ///       prompt_tokens: {mean: 900, p50: 800}     # no tail
    ///       output_tokens: {mean: 350}
    ///       concurrency: 64
    /// ```
    ///
    /// ## How to fix
    /// Add `p95` and `p99` from request logs. Until you have them, plan the class
    /// at `max_model_len` (the finding gives what one such sequence costs). A
    /// class that gives p95 but no p99 is fine: a p99 plan uses its p95.
    pub struct AverageTokenLengths(TRF001);
}

/// What a token distribution gives when it lacks the planning percentile and
/// its fallback (`None` when the class can be sized on it).
fn missing_tail(t: &TokenStats, pct: Percentile) -> Option<String> {
    if t.at(pct).is_some() {
        return None;
    }
    let mut given = Vec::new();
    if let Some(m) = t.mean {
        given.push(format!("mean {}", group_digits(m)));
    }
    if let Some(m) = t.p50 {
        given.push(format!("p50 {}", group_digits(m)));
    }
    if let Some(m) = t.p95 {
        given.push(format!("p95 {}", group_digits(m)));
    }
    if let Some(m) = t.p99 {
        given.push(format!("p99 {}", group_digits(m)));
    }
    Some(if given.is_empty() {
        "no token lengths".to_string()
    } else {
        given.join(", ")
    })
}

impl AverageTokenLengths {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let Some(traffic) = &ctx.spec.traffic else {
            return Vec::new();
        };
        let pct = traffic.plan_percentile;
        let wanted = match pct {
            Percentile::P95 => "p95",
            Percentile::P99 => "p99 or p95",
        };
        let mut out = Vec::new();
        for (i, class) in traffic.classes.iter().enumerate() {
            let parts: Vec<String> = [
                ("prompt_tokens", &class.prompt_tokens),
                ("output_tokens", &class.output_tokens),
            ]
            .into_iter()
            .filter_map(|(k, t)| missing_tail(t, pct).map(|g| format!("{k} gives {g}")))
            .collect();
            if parts.is_empty() {
                continue;
            }
            let message = format!(
                "class {} cannot be sized: {} but no {wanted} (plan_percentile {}); the plan leaves the class out and it does not fit",
                class.name,
                parts.join(" and "),
                pct.as_str()
            );
            let fix = match (&ctx.plan.kv_cache, &ctx.derived.kv_cache) {
                (Some(kv), Some(kd)) => format!(
                    "add p95 and p99 from request logs; until then plan this class at max_model_len ({} tokens, {} of KV cache per sequence per GPU)",
                    group_digits(kv.max_model_len),
                    Bytes(u64::try_from(kd.max_model_len_sequence_bytes).unwrap_or(u64::MAX))
                ),
                _ => "add p95 and p99 from request logs".to_string(),
            };
            out.push(self.finding(&class_pointer(i), message).with_fix(fix));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;
    use serde_json::json;

    #[test]
    fn fires_on_mean_and_median_only() {
        let fx = Fixture::edit(|v| {
            v["traffic"]["classes"][1]["prompt_tokens"] = json!({"mean": 90000, "p50": 80000});
        });
        let f = fx.one(&AverageTokenLengths);
        assert_eq!(f.code, "TRF001");
        assert_eq!(f.pointer, "/traffic/classes/1");
        assert!(
            f.message.contains(
                "cannot be sized: prompt_tokens gives mean 90,000, p50 80,000 but no p99 or p95"
            ),
            "{}",
            f.message
        );
        // 131,072 x 40,960 B = 5 GiB.
        assert!(f.fix.expect("fix").contains("131,072 tokens, 5.00 GiB"));
    }

    #[test]
    fn near_miss_p95_is_enough() {
        assert!(Fixture::new().run(&AverageTokenLengths).is_empty());
        let fx = Fixture::edit(|v| {
            v["traffic"]["classes"][1]["prompt_tokens"] = json!({"mean": 90000, "p95": 100000});
        });
        assert!(fx.run(&AverageTokenLengths).is_empty());
    }

    #[test]
    fn error_when_only_p99_and_plan_is_p95() {
        let fx = Fixture::edit(|v| {
            v["traffic"]["plan_percentile"] = json!("p95");
            v["traffic"]["classes"][0]["output_tokens"] = json!({"mean": 300, "p99": 2000});
        });
        let f = fx.one(&AverageTokenLengths);
        assert_eq!(f.severity, crate::diagnostics::Severity::Error);
        assert_eq!(f.pointer, "/traffic/classes/0");
        assert!(
            f.message.contains(
                "output_tokens gives mean 300, p99 2,000 but no p95 (plan_percentile p95)"
            ),
            "{}",
            f.message
        );
        assert!(!f.message.contains("average"), "{}", f.message);
    }

    #[test]
    fn error_with_no_lengths_at_all() {
        let fx = Fixture::edit(|v| {
            v["traffic"]["classes"][1]["output_tokens"] = json!({});
        });
        let f = fx.one(&AverageTokenLengths);
        assert_eq!(f.severity, crate::diagnostics::Severity::Error);
        assert!(
            f.message.contains("output_tokens gives no token lengths"),
            "{}",
            f.message
        );
    }
}
