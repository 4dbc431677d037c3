//! MEM021 speculative-tokens-exceed-batch-budget.

use super::{Rule, RuleContext};
use crate::diagnostics::Finding;

declare_rule! {
    /// ## What it does
    /// With speculative decoding, every decoding sequence schedules `1 +
    /// num_speculative_tokens` tokens per step. Flags a deployment whose
    /// required concurrency per engine instance times that exceeds
    /// `max_num_batched_tokens`, and computes the budget that carries it.
    ///
    /// ## Why is this bad?
    /// The scheduler fits at most `max_num_batched_tokens / (1 + s)` decoding
    /// sequences into one step; the rest wait a step, so the planned
    /// concurrency is never reached and drafting slows decode instead of
    /// speeding it (vLLM also requires the budget to exceed the lookahead
    /// tokens, `VllmConfig._set_max_num_scheduled_tokens`).
    ///
    /// ## Example
    /// ```yaml
    /// serving: {max_num_batched_tokens: 2048, speculative: {method: mtp, num_speculative_tokens: 3}}
    /// traffic: {classes: [{name: chat, concurrency: 1024, ...}]}
    /// ```
    ///
    /// ## How to fix
    /// Raise `max_num_batched_tokens` to the value the finding computes, or
    /// draft fewer tokens.
    pub struct SpeculativeTokensExceedBatchBudget(MEM021);
}

impl SpeculativeTokensExceedBatchBudget {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let Some(serving) = ctx.spec.serving.as_ref() else {
            return Vec::new();
        };
        let Some(sp) = serving.speculative.as_ref() else {
            return Vec::new();
        };
        let per_step = 1 + sp.num_speculative_tokens;
        let a = &ctx.resolved.model.architecture;
        let par = &ctx.spec.parallelism;
        let layout = crate::plan::engine::Layout {
            tp: par.tensor.max(1),
            pp: par.pipeline.max(1),
            dp: par.data.max(1),
        };
        let batched = crate::plan::engine::resolve(
            serving,
            a,
            &ctx.resolved.gpu,
            ctx.resolved.model.weights.dtype,
            layout,
            ctx.spec.capacity.headroom,
            None,
            &mut Vec::new(),
        )
        .max_num_batched_tokens;
        let instances = ctx
            .plan
            .gpu
            .replicas
            .saturating_mul(ctx.plan.gpu.engine_instances_per_replica.max(1))
            .max(1);
        let required: u64 = ctx
            .plan
            .classes
            .iter()
            .filter(|c| c.holds_sequences())
            .map(|c| c.required_concurrency.div_ceil(instances))
            .sum();
        let need = required.saturating_mul(per_step);
        if required == 0 || need <= batched {
            return Vec::new();
        }
        let message = format!(
            "{required} decoding sequences per engine instance draft {} tokens each ({per_step} tokens per step): {need} tokens, over max_num_batched_tokens {batched}; one step holds {} of them",
            sp.num_speculative_tokens,
            batched / per_step
        );
        let fixes = [
            format!("set serving.max_num_batched_tokens: {need}"),
            format!(
                "set serving.speculative.num_speculative_tokens: {}",
                (batched / required).saturating_sub(1).max(1)
            ),
        ];
        let fixes = if batched / required > 1 {
            &fixes[..]
        } else {
            &fixes[..1]
        };
        vec![self
            .finding("/serving/speculative/num_speculative_tokens", message)
            .with_alternatives(fixes)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;
    use serde_json::json;

    #[test]
    fn fires_when_drafts_overflow_the_step() {
        // chat 96 + long-doc 5 over 2 replicas: 48 + 3 = 51 per instance; 4
        // tokens each = 204 > 128.
        let fx = Fixture::edit(|v| {
            v["serving"]["max_num_batched_tokens"] = 128.into();
            v["serving"]["speculative"] = json!({"method": "ngram", "num_speculative_tokens": 3});
        });
        let f = fx.one(&SpeculativeTokensExceedBatchBudget);
        assert!(
            f.message.starts_with("51 decoding sequences"),
            "{}",
            f.message
        );
        assert_eq!(
            f.fix.as_deref(),
            Some("set serving.max_num_batched_tokens: 204; or set serving.speculative.num_speculative_tokens: 1")
        );
    }

    #[test]
    fn near_miss() {
        let fx = Fixture::edit(|v| {
            v["serving"]["max_num_batched_tokens"] = 204.into();
            v["serving"]["speculative"] = json!({"method": "ngram", "num_speculative_tokens": 3});
        });
        assert!(fx.run(&SpeculativeTokensExceedBatchBudget).is_empty());
    }
}
