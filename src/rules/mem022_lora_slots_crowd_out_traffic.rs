//! MEM022 lora-slots-crowd-out-traffic.

use super::{Rule, RuleContext};
use crate::diagnostics::Finding;

declare_rule! {
    /// ## What it does
    /// Flags a deployment whose planned traffic does not fit the KV pool while
    /// the GPU LoRA slots (`serving.lora.max_loras`, the plan's
    /// `per_gpu.lora_bytes`) take memory that would close the gap, and
    /// computes how many slots leave room.
    ///
    /// ## Why is this bad?
    /// vLLM allocates every LoRA slot at load time, at the largest rank, for
    /// every wrapped layer, before it sizes the KV cache: slots that are never
    /// all in use shrink the pool the traffic needs.
    ///
    /// ## Example
    /// ```yaml
    /// serving: {lora: {max_loras: 64, max_lora_rank: 256}}
    /// ```
    ///
    /// ## How to fix
    /// Lower `max_loras` (adapters beyond it wait in the host cache) or
    /// `max_lora_rank` to the values the finding computes.
    pub struct LoraSlotsCrowdOutTraffic(MEM022);
}

impl LoraSlotsCrowdOutTraffic {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let Some(lora) = ctx.plan.per_gpu.lora_bytes.map(|b| b.get()) else {
            return Vec::new();
        };
        // Short of KV for the traffic, or of memory for the engine to start.
        let d = &ctx.derived.per_gpu;
        let Some(short) = d.kv_short_bytes.or(d.over_budget_bytes).filter(|s| *s > 0) else {
            return Vec::new();
        };
        let short = u64::try_from(short).unwrap_or(u64::MAX);
        if lora < short {
            return Vec::new();
        }
        let slots = ctx
            .spec
            .serving
            .as_ref()
            .and_then(|s| s.lora.as_ref())
            .and_then(|l| l.max_loras)
            .unwrap_or(1)
            .max(1);
        let per_slot = (lora / slots).max(1);
        let drop = short.div_ceil(per_slot);
        let message = format!(
            "the planned traffic needs {} more KV cache per GPU than the pool holds, and {slots} LoRA slots take {} per GPU ({} each)",
            crate::units::Bytes(short),
            crate::units::Bytes(lora),
            crate::units::Bytes(per_slot)
        );
        let mut fixes = Vec::new();
        if drop < slots {
            fixes.push(format!("set serving.lora.max_loras: {}", slots - drop));
        }
        fixes.push("serve the adapters from fewer slots and let the host cache (max_cpu_loras) hold the rest".to_string());
        vec![self
            .finding("/serving/lora/max_loras", message)
            .with_alternatives(&fixes)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;
    use serde_json::json;

    #[test]
    fn fires_when_slots_take_the_missing_kv() {
        let fx = Fixture::edit(|v| {
            v["serving"]["lora"] = json!({"max_loras": 64, "max_lora_rank": 256});
        });
        let f = fx.one(&LoraSlotsCrowdOutTraffic);
        assert_eq!(f.pointer, "/serving/lora/max_loras");
        assert!(
            f.fix
                .as_deref()
                .is_some_and(|x| x.starts_with("set serving.lora.max_loras: ")),
            "{:?}",
            f.fix
        );
    }

    #[test]
    fn near_miss() {
        // Few small slots: the traffic fits, nothing to say.
        let fx = Fixture::edit(|v| {
            v["serving"]["lora"] = json!({"max_loras": 1, "max_lora_rank": 8});
        });
        assert!(fx.run(&LoraSlotsCrowdOutTraffic).is_empty());
    }
}
