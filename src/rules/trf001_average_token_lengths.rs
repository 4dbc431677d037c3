//! TRF001 average-token-lengths.

use super::util::{class_pointer, thousands};
use super::{Rule, RuleContext};
use crate::diagnostics::{Finding, Severity};
use crate::spec::TokenStats;
use crate::units::Bytes;

declare_rule! {
    /// ## What it does
    /// Flags a traffic class whose prompt or output tokens give only a mean or a
    /// median (p50), with no p95 or p99.
    ///
    /// ## Why is this bad?
    /// Token lengths are long-tailed: p99 prompts are often 5-10x the mean. A KV
    /// cache sized on the mean is full long before the planned concurrency, and
    /// the engine preempts exactly the long requests. memmath plans on
    /// `plan_percentile` (p99 falls back to p95, never to the mean or median).
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
    /// at `max_model_len` (the finding gives what one such sequence costs).
    pub struct AverageTokenLengths("TRF001", "average-token-lengths", Severity::Warning);
}

fn only_averages(t: &TokenStats) -> Option<String> {
    if t.p95.is_some() || t.p99.is_some() {
        return None;
    }
    let mut given = Vec::new();
    if let Some(m) = t.mean {
        given.push(format!("mean {}", thousands(m)));
    }
    if let Some(m) = t.p50 {
        given.push(format!("p50 {}", thousands(m)));
    }
    (!given.is_empty()).then(|| given.join(", "))
}

impl AverageTokenLengths {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let Some(traffic) = &ctx.spec.traffic else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, class) in traffic.classes.iter().enumerate() {
            let parts: Vec<String> = [
                ("prompt_tokens", &class.prompt_tokens),
                ("output_tokens", &class.output_tokens),
            ]
            .into_iter()
            .filter_map(|(k, t)| only_averages(t).map(|g| format!("{k} gives {g}")))
            .collect();
            if parts.is_empty() {
                continue;
            }
            let message = format!(
                "class {} {} but no p95 or p99: a plan on averages undercounts the KV cache the tail needs",
                class.name,
                parts.join(" and ")
            );
            let fix = match &ctx.plan.kv_cache {
                Some(kv) => format!(
                    "add p95 and p99 from request logs; until then plan this class at max_model_len ({} tokens, {} of KV cache per sequence per GPU)",
                    thousands(kv.max_model_len),
                    Bytes(kv.max_model_len.saturating_mul(kv.bytes_per_token_per_gpu))
                ),
                None => "add p95 and p99 from request logs".to_string(),
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
            f.message
                .contains("prompt_tokens gives mean 90,000, p50 80,000"),
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
}
