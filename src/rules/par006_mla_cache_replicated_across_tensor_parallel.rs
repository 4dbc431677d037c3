//! PAR006 mla-cache-replicated-across-tensor-parallel.

use super::util::group_digits;
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;

declare_rule! {
    /// ## What it does
    /// Flags an MLA model (DeepSeek-V2/V3, Kimi K2) served with tensor
    /// parallelism and no data-parallel attention (`tensor > 1`, `data: 1`).
    ///
    /// ## Why is this bad?
    /// MLA caches one compressed latent per token (`kv_lora_rank +
    /// qk_rope_head_dim` values) that is not split by heads: every tensor-parallel
    /// rank stores the whole cache. Eight GPUs in TP8 hold the same tokens as one,
    /// and adding GPUs to the group adds no KV capacity.
    ///
    /// ## Example
    /// ```yaml
    /// model: {preset: deepseek-v3}
    /// parallelism: {tensor: 8, data: 1, expert: false}
    /// ```
    ///
    /// ## How to fix
    /// Use data-parallel attention (`parallelism.data`) with expert parallelism
    /// for the MoE layers: each attention rank caches its own sequences, so the
    /// group holds up to `tensor` times the tokens. Re-run memmath: the weights
    /// per GPU change too.
    pub struct MlaCacheReplicatedAcrossTensorParallel(PAR006);
}

impl MlaCacheReplicatedAcrossTensorParallel {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let arch = &ctx.resolved.model.architecture;
        let p = &ctx.spec.parallelism;
        if arch.mla.is_none()
            || p.tensor <= 1
            || p.data > 1
            || ctx.spec.kind != crate::spec::Kind::Serving
        {
            return Vec::new();
        }
        let tokens = ctx.plan.kv_cache.as_ref().map_or(0, |k| k.capacity_tokens);
        let message = format!(
            "the MLA latent cache is replicated on all {} tensor-parallel ranks: the engine instance holds {} tokens, what one GPU's cache holds",
            p.tensor,
            group_digits(tokens)
        );
        // "Up to tensor x tokens" bounds what data-parallel attention can give;
        // with no cache at all (the engine does not start) there is nothing to
        // multiply, and the layout change alone is the advice.
        let gain = if tokens == 0 {
            String::new()
        } else {
            format!(
                ": up to {} tokens on the same GPUs",
                group_digits(tokens.saturating_mul(p.tensor))
            )
        };
        let fix = if arch.moe.is_some() {
            format!(
                "set parallelism.data: {} with parallelism.tensor: 1 and parallelism.expert: true (data-parallel attention){gain}",
                p.tensor
            )
        } else {
            format!(
                "serve {} replicas of tensor 1 if the weights fit one GPU{gain}",
                p.tensor
            )
        };
        vec![self.finding("/parallelism/tensor", message).with_fix(fix)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;
    use serde_json::{json, Value};

    /// DeepSeek-V3 (MLA, MoE) in FP8 on one replica of 8 H200.
    fn deepseek(v: &mut Value) {
        v["model"] =
            json!({"preset": "deepseek-v3", "weights": {"dtype": "fp8", "quantization": "fp8"}});
        v["hardware"]["gpu"] = "h200-141gb".into();
        v["parallelism"]["tensor"] = 8.into();
        v["serving"]["replicas"] = 1.into();
        v["serving"]["block_size"] = 64.into();
    }

    #[test]
    fn fires_on_mla_under_tp() {
        let fx = Fixture::edit(deepseek);
        let f = fx.one(&MlaCacheReplicatedAcrossTensorParallel);
        assert_eq!(f.code, "PAR006");
        assert_eq!(f.pointer, "/parallelism/tensor");
        assert!(
            f.message.contains("all 8 tensor-parallel ranks"),
            "{}",
            f.message
        );
        assert_eq!(
            f.fix.as_deref(),
            Some("set parallelism.data: 8 with parallelism.tensor: 1 and parallelism.expert: true (data-parallel attention): up to 10,523,136 tokens on the same GPUs")
        );
    }

    /// With no KV cache left (the weights alone overflow the budget) the fix
    /// promises no "up to 0 tokens".
    #[test]
    fn no_cache_no_promised_gain() {
        let fx = Fixture::edit(|v| {
            deepseek(v);
            v["hardware"]["gpu"] = "h100-sxm-80gb".into();
        });
        assert_eq!(
            fx.plan.kv_cache.as_ref().map(|k| k.capacity_tokens),
            Some(0)
        );
        let f = fx.one(&MlaCacheReplicatedAcrossTensorParallel);
        assert_eq!(
            f.fix.as_deref(),
            Some("set parallelism.data: 8 with parallelism.tensor: 1 and parallelism.expert: true (data-parallel attention)")
        );
    }

    #[test]
    fn near_miss_dp_attention() {
        let fx = Fixture::edit(|v| {
            deepseek(v);
            v["parallelism"]["tensor"] = 1.into();
            v["parallelism"]["data"] = 8.into();
            v["parallelism"]["expert"] = true.into();
        });
        assert!(fx.run(&MlaCacheReplicatedAcrossTensorParallel).is_empty());
        assert!(Fixture::new()
            .run(&MlaCacheReplicatedAcrossTensorParallel)
            .is_empty());
    }
}
