//! MEM023 vision-budget-crowds-out-text.

use super::{Rule, RuleContext};
use crate::diagnostics::Finding;

declare_rule! {
    /// ## What it does
    /// Flags a multimodal deployment whose planned traffic does not fit the KV
    /// pool while the vision tower's weights and the encoder outputs of the
    /// profiling run (the plan's `per_gpu.vision_weights_bytes` and
    /// `encoder_cache_bytes`) take memory that would close the gap.
    ///
    /// ## Why is this bad?
    /// vLLM builds the tower and profiles a batch of maximum-size images
    /// before it sizes the KV cache; for text-only traffic that memory is
    /// taken from the sequences the deployment is meant to carry.
    ///
    /// ## Example
    /// ```yaml
    /// model: {hf_config: configs/qwen3.5-27b/config.json}
    /// serving: {multimodal: {max_tokens_per_item: 65536}}
    /// ```
    ///
    /// ## How to fix
    /// For text-only traffic set `serving.multimodal.limit_per_prompt` to 0
    /// for every modality (vLLM then skips the tower); otherwise cap the
    /// tokens per item.
    pub struct VisionBudgetCrowdsOutText(MEM023);
}

impl VisionBudgetCrowdsOutText {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let p = &ctx.plan.per_gpu;
        let vision = p.vision_weights_bytes.map_or(0, |b| b.get());
        let encoder = p.encoder_cache_bytes.map_or(0, |b| b.get());
        if vision == 0 && encoder == 0 {
            return Vec::new();
        }
        // Short of KV for the traffic, or of memory for the engine to start.
        let d = &ctx.derived.per_gpu;
        let Some(short) = d.kv_short_bytes.or(d.over_budget_bytes).filter(|s| *s > 0) else {
            return Vec::new();
        };
        let short = u64::try_from(short).unwrap_or(u64::MAX);
        let take = vision.saturating_add(encoder);
        if take < short {
            return Vec::new();
        }
        let message = format!(
            "the planned traffic needs {} more KV cache per GPU than the pool holds, and the vision tower ({}) and its profiling outputs ({}) take {} per GPU",
            crate::units::Bytes(short),
            crate::units::Bytes(vision),
            crate::units::Bytes(encoder),
            crate::units::Bytes(take)
        );
        let mut fixes = vec!["for text-only traffic set serving.multimodal.limit_per_prompt: {image: 0, video: 0} (the tower is not built)".to_string()];
        if encoder >= short {
            fixes.push("lower serving.multimodal.max_tokens_per_item (a smaller max_pixels in the processor)".to_string());
        }
        vec![self.finding("/serving", message).with_alternatives(&fixes)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;
    use serde_json::json;

    fn with_vision(params: u64) -> Fixture {
        Fixture::edit(|v| {
            v["model"]["architecture"] = json!({"vision": {"parameters": params}});
            v["traffic"]["classes"][1]["concurrency"] = 10.into();
        })
    }

    #[test]
    fn fires_when_the_tower_takes_the_missing_kv() {
        let fx = with_vision(30_000_000_000);
        let f = fx.one(&VisionBudgetCrowdsOutText);
        assert_eq!(f.pointer, "/serving");
        assert!(f.message.contains("vision tower"), "{}", f.message);
    }

    #[test]
    fn near_miss() {
        // A small tower does not close the gap: nothing to blame it for.
        assert!(with_vision(1_000_000)
            .run(&VisionBudgetCrowdsOutText)
            .is_empty());
    }
}
