//! MEM003 max-model-len-does-not-fit.

use super::util::{group_digits, kv_is_16bit, parallelism_fix};
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::units::{format_gib, Bytes};

declare_rule! {
    /// ## What it does
    /// Checks that one sequence of `max_model_len` tokens fits the KV cache of an
    /// engine instance, and that any memory is left for the KV cache at all.
    ///
    /// ## Why is this bad?
    /// vLLM refuses to start when the KV cache cannot hold a single
    /// `max_model_len` sequence ("To serve at least one request with the model's
    /// max seq len, ... GiB KV cache is needed"), and when the weights, the
    /// activation peak and the runtime leave no memory for it ("No available
    /// memory for the cache blocks").
    ///
    /// ## Example
    /// ```yaml
    /// model: {preset: llama-3.1-70b, weights: {dtype: bf16}}
    /// parallelism: {tensor: 2}
    /// serving: {max_model_len: 131072, kv_cache_dtype: bf16}   # 40 GiB per sequence
    /// ```
    ///
    /// ## How to fix
    /// Lower `serving.max_model_len` to the largest length that fits (the finding
    /// computes it), store the KV cache in fp8, or shard over more GPUs.
    pub struct MaxModelLenDoesNotFit(MEM003);
}

impl MaxModelLenDoesNotFit {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let plan = ctx.plan;
        let g = &plan.per_gpu;
        let Some(kv) = &plan.kv_cache else {
            return Vec::new();
        };
        // Weights over the whole budget are MEM001's finding.
        if g.weights_bytes > g.budget_bytes {
            return Vec::new();
        }
        // One max_model_len sequence on this GPU: the report's figure.
        let seq_bytes = ctx
            .derived
            .kv_cache
            .as_ref()
            .map_or(0, |k| k.max_model_len_sequence_bytes);
        let seq = Bytes(u64::try_from(seq_bytes).unwrap_or(u64::MAX));
        if g.kv_cache_bytes <= 0 {
            let message = format!(
                "no memory is left for the KV cache: weights {} + activation peak {} + runtime {} exceed the engine budget of {} by {}; the engine will not start",
                g.weights_bytes,
                g.activation_peak_bytes,
                g.runtime_bytes,
                g.budget_bytes,
                format_gib(-(g.kv_cache_bytes as i128)),
            );
            let room = g
                .budget_bytes
                .saturating_sub(g.activation_peak_bytes)
                .saturating_sub(g.runtime_bytes)
                .saturating_sub(seq);
            let fix = match parallelism_fix(ctx, room.0) {
                Some((yaml, w)) => format!(
                    "set {yaml}: about {w} of weights per GPU leaves room for one {}-token sequence ({seq})",
                    group_digits(kv.max_model_len)
                ),
                None => "use GPUs with more memory, or fewer bits per weight".to_string(),
            };
            return vec![self
                .finding("/serving/max_model_len", message)
                .with_fix(fix)];
        }
        if kv.max_model_len <= kv.max_model_len_that_fits {
            return Vec::new();
        }
        let message = format!(
            "one {}-token sequence needs {} of KV cache per GPU, but the cache holds {} ({} tokens); the engine refuses to start",
            group_digits(kv.max_model_len),
            seq,
            format_gib(g.kv_cache_bytes as i128),
            group_digits(kv.capacity_tokens),
        );
        let mut fix = format!(
            "set serving.max_model_len to {} or lower",
            group_digits(kv.max_model_len_that_fits)
        );
        if kv_is_16bit(&kv.dtype) {
            // fp8 halves the bytes per token: twice the tokens in the same memory.
            let fp8_tokens = kv.max_model_len_that_fits.saturating_mul(2);
            if fp8_tokens >= kv.max_model_len {
                fix.push_str(&format!(
                    "; or set serving.kv_cache_dtype: fp8, which fits about {} tokens",
                    group_digits(fp8_tokens)
                ));
            }
        }
        vec![self
            .finding("/serving/max_model_len", message)
            .with_fix(fix)
            .with_value_edit(kv.max_model_len_that_fits.to_string())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    #[test]
    fn fires_with_the_largest_length_that_fits() {
        let fx = Fixture::edit(|v| {
            v["serving"]["kv_cache_dtype"] = "bf16".into();
            v["serving"]["max_model_len"] = 1_000_000.into();
        });
        let kv = fx.plan.kv_cache.as_ref().expect("serving");
        assert_eq!(kv.bytes_per_token_per_gpu, 2 * KV_PER_TOKEN_GPU);
        let f = fx.one(&MaxModelLenDoesNotFit);
        assert_eq!(f.code, "MEM003");
        assert_eq!(f.pointer, "/serving/max_model_len");
        // 1,000,000 x 81,920 B = 76.29 GiB per GPU.
        assert!(f.message.contains("76.29 GiB"), "{}", f.message);
        assert!(f.message.contains("50.85 GiB"), "{}", f.message);
        let fix = f.fix.expect("fix");
        assert!(
            fix.starts_with("set serving.max_model_len to 666,480 or lower"),
            "{fix}"
        );
        assert!(
            fix.contains("fp8, which fits about 1,332,960 tokens"),
            "{fix}"
        );
    }

    #[test]
    fn fires_when_nothing_is_left_for_kv() {
        // BF16 weights over TP 2, about 65.7 GiB per GPU, in 0.85 of the GPU.
        let fx = Fixture::edit(|v| {
            v["model"]["weights"] = serde_json::json!({"dtype": "bf16"});
            v["parallelism"]["tensor"] = 2.into();
            v["serving"]["gpu_memory_utilization"] = 0.85.into();
        });
        assert!(fx.plan.per_gpu.kv_cache_bytes < 0);
        let f = fx.one(&MaxModelLenDoesNotFit);
        assert!(f.message.contains("will not start"), "{}", f.message);
        assert!(f.message.contains("by 1.75 GiB"), "{}", f.message);
        let fix = f.fix.expect("fix");
        assert!(fix.starts_with("set parallelism.tensor: 4"), "{fix}");
    }

    #[test]
    fn near_miss_exactly_fits() {
        let fits = Fixture::edit(|v| v["serving"]["max_model_len"] = 10_000_000.into())
            .plan
            .kv_cache
            .expect("serving")
            .max_model_len_that_fits;
        let fx = Fixture::edit(|v| v["serving"]["max_model_len"] = fits.into());
        assert!(fx.run(&MaxModelLenDoesNotFit).is_empty());
        let fx = Fixture::edit(|v| v["serving"]["max_model_len"] = (fits + 1).into());
        assert_eq!(fx.run(&MaxModelLenDoesNotFit).len(), 1);
    }
}
