//! TRF005 context-exceeds-model-limit.

use super::util::{class_index, class_pointer, group_digits};
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;

declare_rule! {
    /// ## What it does
    /// Flags a `max_model_len`, or a traffic class's tokens per sequence, above
    /// the model's `max_position_embeddings`.
    ///
    /// ## Why is this bad?
    /// The model was not trained for positions beyond that limit: vLLM refuses to
    /// start with a larger `max_model_len` (unless forced with
    /// `VLLM_ALLOW_LONG_MAX_MODEL_LEN`, when outputs degrade), and a class longer
    /// than the model's context cannot be served by it at all.
    ///
    /// ## Example
    /// ```yaml
    /// model: {preset: llama-3.1-70b}     # max_position_embeddings 131072
    /// serving: {max_model_len: 262144}
    /// ```
    ///
    /// ## How to fix
    /// Lower `max_model_len` to the model's limit, or choose a model (or a RoPE
    /// scaling it supports) with a longer context.
    pub struct ContextExceedsModelLimit(TRF005);
}

impl ContextExceedsModelLimit {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let Some(limit) = ctx.resolved.model.architecture.max_position_embeddings else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(len) = ctx.spec.serving.as_ref().and_then(|s| s.max_model_len) {
            if len > limit {
                out.push(
                    self.finding(
                        "/serving/max_model_len",
                        format!(
                            "max_model_len {} exceeds the model's max_position_embeddings of {} tokens",
                            group_digits(len),
                            group_digits(limit)
                        ),
                    )
                    .with_fix(format!("set serving.max_model_len to {} or lower", group_digits(limit))),
                );
            }
        }
        let engine_len = ctx
            .plan
            .kv_cache
            .as_ref()
            .map_or(u64::MAX, |k| k.max_model_len);
        for (i, c) in ctx.plan.classes.iter().enumerate() {
            // A class over max_model_len is TRF006: the engine rejects it first.
            if c.tokens_per_sequence <= limit || c.tokens_per_sequence > engine_len {
                continue;
            }
            let idx = class_index(ctx.spec, &c.name, i);
            out.push(
                self.finding(
                    &class_pointer(idx),
                    format!(
                        "class {} needs {} tokens per sequence ({} prompt + {} output), beyond the model's max_position_embeddings of {}",
                        c.name,
                        group_digits(c.tokens_per_sequence),
                        group_digits(c.prompt_tokens),
                        group_digits(c.output_tokens),
                        group_digits(limit)
                    ),
                )
                .with_fix(format!(
                    "cap the class's {} prompt at {} tokens, or serve it with a longer-context model",
                    c.percentile,
                    group_digits(limit.saturating_sub(c.output_tokens))
                )),
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
    fn fires_on_max_model_len_and_class() {
        let fx = Fixture::edit(|v| {
            v["serving"]["max_model_len"] = 262_144.into();
            v["traffic"]["classes"][1]["prompt_tokens"]["p99"] = 140_000.into();
        });
        let v = fx.run(&ContextExceedsModelLimit);
        assert_eq!(v.len(), 2, "{v:#?}");
        assert_eq!(v[0].code, "TRF005");
        assert_eq!(v[0].pointer, "/serving/max_model_len");
        assert_eq!(
            v[0].fix.as_deref(),
            Some("set serving.max_model_len to 131,072 or lower")
        );
        assert_eq!(v[1].pointer, "/traffic/classes/1");
        assert!(v[1]
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("prompt at 127,072 tokens")));
    }

    #[test]
    fn near_miss_at_the_limit() {
        assert!(Fixture::new().run(&ContextExceedsModelLimit).is_empty());
    }
}
