//! QNT001 low-bit-weights-with-16-bit-kv-cache.

use super::util::{gib128, group_digits, kv_demand_per_gpu, kv_is_16bit};
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;

declare_rule! {
    /// ## What it does
    /// Flags INT4/FP8/INT8/FP4 weights served with a 16-bit KV cache when, at the
    /// planned traffic, the KV cache per GPU exceeds the weights per GPU
    /// (`[thresholds] kv-to-weights-ratio`, default 1.0).
    ///
    /// ## Why is this bad?
    /// Quantizing the weights was meant to save memory, but `kv_cache_dtype:
    /// auto` keeps the cache in the model's 16-bit activation dtype. Once the KV
    /// cache is the larger consumer, halving it with fp8 buys more capacity than
    /// the weight quantization did, usually at a smaller accuracy cost.
    ///
    /// ## Example
    /// ```yaml
    /// model: {weights: {quantization: awq}}
    /// serving: {kv_cache_dtype: auto}     # bf16 cache next to 4-bit weights
    /// ```
    ///
    /// ## How to fix
    /// Set `serving.kv_cache_dtype: fp8`; the finding computes the memory it saves
    /// at the planned traffic and the tokens the cache then holds.
    pub struct LowBitWeightsWith16BitKvCache(QNT001);
}

impl LowBitWeightsWith16BitKvCache {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let plan = ctx.plan;
        let Some(kv) = &plan.kv_cache else {
            return Vec::new();
        };
        if plan.weights.bits_per_weight > 8.5 || !kv_is_16bit(&kv.dtype) {
            return Vec::new();
        }
        let demand = kv_demand_per_gpu(plan);
        let weights = plan.per_gpu.weights_bytes.0 as f64;
        let ratio = demand as f64 / weights.max(1.0);
        if demand == 0 || ratio <= ctx.config.thresholds.kv_to_weights_ratio {
            return Vec::new();
        }
        let message = format!(
            "{} weights take {} per GPU, but at the planned traffic the {} KV cache takes {} ({ratio:.1}x the weights)",
            plan.weights.dtype,
            plan.per_gpu.weights_bytes,
            kv.dtype,
            gib128(demand),
        );
        let fix = format!(
            "set serving.kv_cache_dtype: fp8: saves {} per GPU at the planned traffic, and one engine instance then holds {} tokens instead of {}",
            gib128(demand / 2),
            group_digits(kv.capacity_tokens.saturating_mul(2)),
            group_digits(kv.capacity_tokens)
        );
        vec![self
            .finding("/serving/kv_cache_dtype", message)
            .with_fix(fix)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    fn bf16_kv() -> Fixture {
        // auto: the FP8 checkpoint's activation dtype, bf16.
        Fixture::edit(|v| v["serving"]["kv_cache_dtype"] = "auto".into())
    }

    #[test]
    fn fires_when_kv_outweighs_low_bit_weights() {
        let f = bf16_kv().one(&LowBitWeightsWith16BitKvCache);
        assert_eq!(f.code, "QNT001");
        assert_eq!(f.pointer, "/serving/kv_cache_dtype");
        // 2 x (48 x 327,680,000 + 3 x 5,079,040,000) = 61,931,520,000 B = 57.68 GiB.
        assert!(
            f.message
                .contains("the bf16 KV cache takes 57.68 GiB (3.4x the weights)"),
            "{}",
            f.message
        );
        assert_eq!(
            f.fix.as_deref(),
            Some("set serving.kv_cache_dtype: fp8: saves 28.84 GiB per GPU at the planned traffic, and one engine instance then holds 1,332,960 tokens instead of 666,480")
        );
    }

    #[test]
    fn near_miss() {
        // fp8 KV already.
        assert!(Fixture::new()
            .run(&LowBitWeightsWith16BitKvCache)
            .is_empty());
        // 16-bit weights.
        let fx = Fixture::edit(|v| {
            v["serving"]["kv_cache_dtype"] = "auto".into();
            v["model"]["weights"] = serde_json::json!({"dtype": "bf16"});
        });
        assert!(fx.run(&LowBitWeightsWith16BitKvCache).is_empty());
        // Threshold.
        let mut fx = bf16_kv();
        fx.config.thresholds.kv_to_weights_ratio = 4.0;
        assert!(fx.run(&LowBitWeightsWith16BitKvCache).is_empty());
    }
}
