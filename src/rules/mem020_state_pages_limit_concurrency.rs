//! MEM020 state-pages-limit-concurrency.

use super::{Rule, RuleContext};
use crate::diagnostics::Finding;

declare_rule! {
    /// ## What it does
    /// For models with state layers (Mamba, gated DeltaNet, KDA), flags a
    /// request class that does not fit while prefix caching holds extra state
    /// pages for every running sequence, and computes the concurrency the class
    /// gets with prefix caching off (the plan's `kv_cache.state_blocks_per_request`
    /// and `blocks_per_request`; docs/memory-math.md section 13).
    ///
    /// ## Why is this bad?
    /// vLLM's hybrid allocator gives every running sequence a fixed number of
    /// state pages in every state group, however short the sequence. With
    /// prefix caching on (`align` mode, the default from vLLM 0.28) that is two
    /// pages per group (three for Mamba2) instead of one: for short requests
    /// the state pages, not the tokens, cap how many sequences run at once.
    ///
    /// ## Example
    /// ```yaml
    /// model: {hf_config: configs/qwen3-next-80b-a3b/config.json}
    /// serving: {engine: vllm, prefix_caching: true}
    /// traffic: {classes: [{name: chat, concurrency: 400, ...}]}
    /// ```
    ///
    /// ## How to fix
    /// Turn prefix caching off when the traffic shares no prefixes
    /// (`serving.prefix_caching: false`), or add replicas; the finding computes
    /// the concurrency each gives.
    pub struct StatePagesLimitConcurrency(MEM020);
}

impl StatePagesLimitConcurrency {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let Some(kv) = ctx.plan.kv_cache.as_ref() else {
            return Vec::new();
        };
        let (Some(true), Some(state), Some(per_request)) = (
            kv.prefix_caching,
            kv.state_blocks_per_request,
            kv.blocks_per_request,
        ) else {
            return Vec::new();
        };
        let state_groups = kv
            .groups
            .iter()
            .filter(|g| matches!(g.kind.as_str(), "mamba" | "linear"))
            .count() as u64;
        if state == 0 || state_groups == 0 || per_request == 0 {
            return Vec::new();
        }
        let bytes_per_block = match kv.groups.first() {
            Some(g) => g.page_bytes.saturating_mul(g.layers + g.padding_layers),
            None => return Vec::new(),
        };
        // Without prefix caching each state group holds one page per
        // sequence (plus the speculative ones, unchanged).
        let saved = state.saturating_sub(state_groups.saturating_mul(1 + spec_tokens(ctx)));
        if saved == 0 || bytes_per_block == 0 {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (i, c) in ctx.plan.classes.iter().enumerate() {
            if !c.holds_sequences() || c.fits {
                continue;
            }
            let blocks = c.kv_bytes_per_sequence / bytes_per_block;
            if blocks <= saved || c.max_concurrency == 0 && blocks == 0 {
                continue;
            }
            // State pages take this share of each of the class's sequences.
            let share = state as f64 / blocks as f64;
            if share < 0.25 {
                continue;
            }
            let off = (c.max_concurrency as u128 * u128::from(blocks) / u128::from(blocks - saved))
                as u64;
            let message = format!(
                "class `{}` fits {} concurrent sequences of the {} it needs; prefix caching keeps {} state blocks per sequence ({:.0}% of the {} blocks each takes) whatever its length",
                c.name,
                c.max_concurrency,
                c.required_concurrency,
                state,
                share * 100.0,
                blocks
            );
            let fixes = [format!(
                "set serving.prefix_caching: false if the traffic shares no prefixes: {} state blocks per sequence, about {off} concurrent sequences of `{}`",
                state - saved,
                c.name
            )];
            out.push(
                self.finding(&format!("/traffic/classes/{i}/concurrency"), message)
                    .with_alternatives(&fixes),
            );
        }
        out
    }
}

fn spec_tokens(ctx: &RuleContext<'_>) -> u64 {
    ctx.spec
        .serving
        .as_ref()
        .and_then(|s| s.speculative.as_ref())
        .map_or(0, |s| s.num_speculative_tokens)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;
    use serde_json::json;

    /// A Qwen3-Next-shaped hybrid on the base deployment, on vLLM 0.15: before
    /// 0.15 vLLM turns prefix caching off for gated DeltaNet
    /// (`MambaModelConfig`, vllm/model_executor/models/config.py).
    fn hybrid(prefix_caching: bool, concurrency: u64) -> Fixture {
        hybrid_on("0.15", prefix_caching, concurrency)
    }

    fn hybrid_on(version: &str, prefix_caching: bool, concurrency: u64) -> Fixture {
        Fixture::edit(|v| {
            v["serving"]["engine_version"] = version.into();
            v["model"]["architecture"] = json!({
                "layer_types": ["linear", "linear", "linear", "full"],
                "linear_attention": {"kind": "gated_delta_net", "key_heads": 16, "value_heads": 32,
                    "key_head_dim": 128, "value_head_dim": 128, "conv_kernel": 4}});
            v["serving"]["prefix_caching"] = prefix_caching.into();
            v["traffic"]["classes"][0]["concurrency"] = concurrency.into();
            v["traffic"]["classes"][0]["prompt_tokens"]["p99"] = 200.into();
            v["traffic"]["classes"][0]["output_tokens"]["p99"] = 100.into();
        })
    }

    #[test]
    fn fires_when_state_pages_cap_short_requests() {
        let fx = hybrid(true, 20_000);
        let f = fx.one(&StatePagesLimitConcurrency);
        assert_eq!(f.pointer, "/traffic/classes/0/concurrency");
        assert_eq!(
            f.message,
            "class `chat` fits 2598 concurrent sequences of the 30000 it needs; prefix caching keeps 6 state blocks per sequence (86% of the 7 blocks each takes) whatever its length"
        );
        // 3 of the 7 blocks go: 2628 x 7 / 4.
        assert_eq!(
            f.fix.as_deref(),
            Some("set serving.prefix_caching: false if the traffic shares no prefixes: 3 state blocks per sequence, about 4546 concurrent sequences of `chat`")
        );
    }

    #[test]
    fn near_miss() {
        // Prefix caching off: one page per group, nothing to offer.
        assert!(hybrid(false, 20_000)
            .run(&StatePagesLimitConcurrency)
            .is_empty());
        // A load that fits.
        assert!(hybrid(true, 10).run(&StatePagesLimitConcurrency).is_empty());
        // vLLM 0.11 turns prefix caching off for gated DeltaNet: nothing to offer.
        assert!(hybrid_on("0.11", true, 20_000)
            .run(&StatePagesLimitConcurrency)
            .is_empty());
    }
}
