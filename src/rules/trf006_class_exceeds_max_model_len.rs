//! TRF006 class-exceeds-max-model-len.

use super::util::{class_index, class_pointer, group_digits};
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;

declare_rule! {
    /// ## What it does
    /// Flags a traffic class whose tokens per sequence (prompt + output at
    /// `plan_percentile`) exceed `max_model_len`.
    ///
    /// ## Why is this bad?
    /// The engine rejects every request longer than `max_model_len` (vLLM returns
    /// a 400 error): the tail of that class is not served at all, and the plan
    /// cannot count it. memmath never caps a class silently.
    ///
    /// ## Example
    /// ```yaml
    /// serving: {max_model_len: 32768}
    /// traffic:
    ///   classes:
    ///     - {name: long-doc, prompt_tokens: {p99: 120000}, output_tokens: {p99: 4000}, concurrency: 4}
    /// ```
    ///
    /// ## How to fix
    /// Raise `max_model_len` when the KV cache holds such a sequence (the finding
    /// checks), or cap the class's prompts at `max_model_len` minus its output.
    pub struct ClassExceedsMaxModelLen(TRF006);
}

impl ClassExceedsMaxModelLen {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let Some(kv) = &ctx.plan.kv_cache else {
            return Vec::new();
        };
        let limit = ctx
            .resolved
            .model
            .architecture
            .max_position_embeddings
            .unwrap_or(u64::MAX)
            .min(kv.max_model_len_that_fits);
        let mut out = Vec::new();
        for (i, c) in ctx.plan.classes.iter().enumerate() {
            if c.tokens_per_sequence <= kv.max_model_len {
                continue;
            }
            let idx = class_index(ctx.spec, &c.name, i);
            let message = format!(
                "class {} needs {} tokens per sequence ({} prompt + {} output at {}), more than max_model_len {}: the engine rejects those requests",
                c.name,
                group_digits(c.tokens_per_sequence),
                group_digits(c.prompt_tokens),
                group_digits(c.output_tokens),
                c.percentile,
                group_digits(kv.max_model_len)
            );
            let fix = if c.tokens_per_sequence <= limit {
                format!(
                    "set serving.max_model_len to {} (one sequence of up to {} tokens fits an instance's KV cache)",
                    group_digits(c.tokens_per_sequence),
                    group_digits(kv.max_model_len_that_fits)
                )
            } else {
                format!(
                    "cap the class's {} prompt at {} tokens (max_model_len {} minus {} output)",
                    c.percentile,
                    group_digits(kv.max_model_len.saturating_sub(c.output_tokens)),
                    group_digits(kv.max_model_len),
                    group_digits(c.output_tokens)
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

    fn short_len(len: u64) -> Fixture {
        let mut fx = Fixture::edit(|v| v["serving"]["max_model_len"] = len.into());
        fx.plan
            .kv_cache
            .as_mut()
            .into_iter()
            .for_each(|k| k.max_model_len = len);
        fx
    }

    #[test]
    fn fires_and_suggests_a_length_that_fits() {
        let f = short_len(32_768).one(&ClassExceedsMaxModelLen);
        assert_eq!(f.code, "TRF006");
        assert_eq!(f.pointer, "/traffic/classes/1");
        assert!(
            f.message.contains("124,000 tokens per sequence"),
            "{}",
            f.message
        );
        assert_eq!(
            f.fix.as_deref(),
            Some("set serving.max_model_len to 124,000 (one sequence of up to 131,072 tokens fits an instance's KV cache)")
        );
    }

    #[test]
    fn suggests_a_cap_when_the_length_cannot_grow() {
        let mut fx = short_len(32_768);
        fx.plan
            .kv_cache
            .as_mut()
            .into_iter()
            .for_each(|k| k.max_model_len_that_fits = 100_000);
        let f = fx.one(&ClassExceedsMaxModelLen);
        assert!(f
            .fix
            .expect("fix")
            .starts_with("cap the class's p99 prompt at 28,768 tokens"));
    }

    #[test]
    fn near_miss_exactly_max_model_len() {
        assert!(short_len(124_000).run(&ClassExceedsMaxModelLen).is_empty());
    }
}
