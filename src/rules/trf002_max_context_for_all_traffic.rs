//! TRF002 max-context-for-all-traffic.

use super::util::group_digits;
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::spec::Kind;

declare_rule! {
    /// ## What it does
    /// Flags a serving spec whose every traffic class reaches `max_model_len`
    /// tokens per sequence, or that has `max_model_len` but no traffic classes.
    ///
    /// ## Why is this bad?
    /// Sizing every request at the full context buys GPUs for sequences that
    /// almost never occur: a 128K context reserved for chats of 2K tokens is 64x
    /// the KV cache. Real traffic has a distribution; plan on its tail, not the
    /// maximum. (Without `max_model_len` either, MEM005 fires instead.)
    ///
    /// ## Example
    /// ```yaml
    /// serving: {max_model_len: 131072}
    /// traffic:
    ///   classes:
    ///     - {name: all, prompt_tokens: {p99: 129072}, output_tokens: {p99: 2000}, concurrency: 32}
    /// ```
    ///
    /// ## How to fix
    /// Describe the traffic as classes with measured p95/p99 prompt and output
    /// tokens; keep a separate class (or pool) for the genuinely long requests.
    pub struct MaxContextForAllTraffic(TRF002);
}

impl MaxContextForAllTraffic {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let spec = ctx.spec;
        if spec.kind != Kind::Serving {
            return Vec::new();
        }
        let Some(kv) = &ctx.plan.kv_cache else {
            return Vec::new();
        };
        let explicit_len = spec.serving.as_ref().and_then(|s| s.max_model_len);
        let holds = format!(
            "at {} tokens one engine instance holds {:.1} sequences",
            group_digits(kv.max_model_len),
            kv.max_concurrency
        );
        if ctx.plan.classes.is_empty() {
            if explicit_len.is_none() {
                return Vec::new(); // MEM005's case
            }
            let pointer = if spec.traffic.is_some() {
                "/traffic"
            } else {
                "/serving/max_model_len"
            };
            return vec![self
                .finding(
                    pointer,
                    format!("no traffic classes: the plan can only size the KV cache for max_model_len sequences; {holds}"),
                )
                .with_fix("add traffic.classes with measured p95/p99 prompt and output tokens and their concurrency")];
        }
        if !ctx
            .plan
            .classes
            .iter()
            // A class past max_model_len is rejected by the engine: TRF006's.
            .all(|c| !c.rejected && c.tokens_per_sequence >= kv.max_model_len)
        {
            return Vec::new();
        }
        vec![self
            .finding(
                "/traffic/classes/0",
                format!(
                    "every traffic class is sized at max_model_len ({} tokens per sequence); {holds}",
                    group_digits(kv.max_model_len)
                ),
            )
            .with_fix(
                "use measured p95/p99 prompt and output tokens per class; keep the full context for a separate long-context class",
            )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    #[test]
    fn fires_when_every_class_is_at_max_context() {
        // Every class at max_model_len: 130,000 + 1,072 tokens.
        let fx = Fixture::edit(|v| {
            for c in v["traffic"]["classes"].as_array_mut().into_iter().flatten() {
                c["prompt_tokens"]["p99"] = 130_000.into();
                c["prompt_tokens"]["p95"] = 130_000.into();
                c["output_tokens"]["p99"] = 1_072.into();
                c["output_tokens"]["p95"] = 1_072.into();
            }
        });
        let f = fx.one(&MaxContextForAllTraffic);
        assert_eq!(f.code, "TRF002");
        assert_eq!(f.pointer, "/traffic/classes/0");
        assert!(
            f.message
                .contains("131,072 tokens one engine instance holds 10.2 sequences"),
            "{}",
            f.message
        );
    }

    #[test]
    fn fires_without_classes_when_max_model_len_is_set() {
        let fx = Fixture::edit(|v| {
            v.as_object_mut().map(|o| o.remove("traffic"));
        });
        let f = fx.one(&MaxContextForAllTraffic);
        assert_eq!(f.pointer, "/serving/max_model_len");
    }

    /// Classes longer than max_model_len are rejected by the engine (TRF006):
    /// they are not "sized at max_model_len".
    #[test]
    fn classes_past_max_model_len_are_left_to_trf006() {
        let fx = Fixture::edit(|v| {
            v["serving"]["max_model_len"] = 1_000.into();
        });
        assert!(fx.plan.classes.iter().all(|c| c.rejected));
        assert!(fx.run(&MaxContextForAllTraffic).is_empty());
    }

    #[test]
    fn near_miss_one_class_is_shorter() {
        let fx = Fixture::edit(|v| {
            let c = &mut v["traffic"]["classes"][1];
            c["prompt_tokens"]["p99"] = 130_000.into();
            c["output_tokens"]["p99"] = 1_072.into();
        });
        assert!(fx.run(&MaxContextForAllTraffic).is_empty());
    }
}
