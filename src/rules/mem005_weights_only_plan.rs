//! MEM005 weights-only-plan.

use super::util::group_digits;
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::spec::Kind;

declare_rule! {
    /// ## What it does
    /// Flags a serving spec with no traffic classes and no `max_model_len`: the
    /// plan counts the weights but sizes the KV cache for nothing in particular.
    ///
    /// ## Why is this bad?
    /// "70B in FP8 is 70 GB, so one 80 GB GPU" is the classic capacity mistake:
    /// the KV cache, the activation peak and the runtime decide whether real
    /// requests fit, and without traffic or a context length nothing checks them.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Serving
    /// serving: {engine: vllm}      # no max_model_len
    /// # no traffic section
    /// ```
    ///
    /// ## How to fix
    /// Add `traffic.classes` with p95/p99 prompt and output tokens and the
    /// concurrency you expect, or at least set `serving.max_model_len`.
    pub struct WeightsOnlyPlan(MEM005);
}

impl WeightsOnlyPlan {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let spec = ctx.spec;
        if spec.kind != Kind::Serving {
            return Vec::new();
        }
        let has_classes = spec.traffic.as_ref().is_some_and(|t| !t.classes.is_empty());
        let has_len = spec
            .serving
            .as_ref()
            .and_then(|s| s.max_model_len)
            .is_some();
        if has_classes || has_len {
            return Vec::new();
        }
        let pointer = if spec.traffic.is_some() {
            "/traffic"
        } else {
            "/serving"
        };
        let message = format!(
            "the spec has no traffic classes and no max_model_len: it checks the weights ({} per GPU) but no real request load",
            ctx.plan.per_gpu.weights_bytes
        );
        let fix = match &ctx.plan.kv_cache {
            Some(kv) => format!(
                "add traffic.classes (p95/p99 prompt and output tokens, concurrency) or set serving.max_model_len; at the default {} tokens one engine instance holds {:.1} sequences ({} tokens of KV cache)",
                group_digits(kv.max_model_len),
                kv.max_concurrency,
                group_digits(kv.capacity_tokens)
            ),
            None => "add traffic.classes (p95/p99 prompt and output tokens, concurrency) or set serving.max_model_len".to_string(),
        };
        vec![self.finding(pointer, message).with_fix(fix)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    #[test]
    fn fires_without_traffic_or_max_model_len() {
        let fx = Fixture::edit(|v| {
            v.as_object_mut().map(|o| o.remove("traffic"));
            v["serving"]
                .as_object_mut()
                .map(|o| o.remove("max_model_len"));
        });
        let f = fx.one(&WeightsOnlyPlan);
        assert_eq!(f.code, "MEM005");
        assert_eq!(f.pointer, "/serving");
        let fix = f.fix.expect("fix");
        assert!(
            fix.contains("131,072 tokens one engine instance holds 10.2 sequences"),
            "{fix}"
        );
    }

    #[test]
    fn near_miss_max_model_len_alone_is_enough() {
        let fx = Fixture::edit(|v| {
            v.as_object_mut().map(|o| o.remove("traffic"));
        });
        assert!(fx.run(&WeightsOnlyPlan).is_empty());
        assert!(Fixture::training().run(&WeightsOnlyPlan).is_empty());
    }
}
