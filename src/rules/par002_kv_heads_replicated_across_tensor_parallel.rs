//! PAR002 kv-heads-replicated-across-tensor-parallel.

use super::util::div_ceil;
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::units::{format_gib, Bytes};

declare_rule! {
    /// ## What it does
    /// Flags tensor parallelism wider than the model's KV heads (`kv_heads < tp`,
    /// models without MLA).
    ///
    /// ## Why is this bad?
    /// Each GPU needs at least one KV head, so with 8 KV heads over 16 GPUs every
    /// head is stored twice: half of each GPU's KV cache duplicates its
    /// neighbour's, and the engine holds half the tokens the same memory could.
    ///
    /// ## Example
    /// ```yaml
    /// model: {preset: llama-3.1-70b}     # 8 KV heads
    /// parallelism: {tensor: 16}
    /// ```
    ///
    /// ## How to fix
    /// Keep `tensor` at most `kv_heads` and add replicas (when the weights fit) or
    /// pipeline stages; the finding computes which.
    pub struct KvHeadsReplicatedAcrossTensorParallel(PAR002);
}

impl KvHeadsReplicatedAcrossTensorParallel {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let arch = &ctx.resolved.model.architecture;
        let tp = ctx.spec.parallelism.tensor;
        if arch.mla.is_some() || arch.kv_heads == 0 || arch.kv_heads >= tp {
            return Vec::new();
        }
        let kvh = arch.kv_heads;
        let copies = div_ceil(tp, kvh);
        let g = &ctx.plan.per_gpu;
        let kv = g.kv_cache_bytes.max(0) as i128;
        let dup = kv - kv / copies as i128;
        let message = format!(
            "{kvh} KV heads over tensor {tp}: each KV head is stored on {copies} GPUs, so {} of the {} KV cache per GPU duplicates other ranks",
            format_gib(dup),
            format_gib(kv)
        );
        // At tp = kv_heads the weights per GPU grow by tp / kv_heads.
        let w_at = Bytes(g.weights_bytes.0.saturating_mul(tp) / kvh);
        let room = g
            .budget_bytes
            .saturating_sub(g.activation_peak_bytes)
            .saturating_sub(g.runtime_bytes);
        let fix = if w_at < room && ctx.spec.kind == crate::spec::Kind::Serving {
            let replicas = ctx.plan.gpu.replicas.max(1).saturating_mul(copies);
            format!(
                "set parallelism.tensor: {kvh} and serving.replicas: {replicas} (same GPUs, {w_at} of weights per GPU, no duplicated KV)"
            )
        } else {
            format!(
                "set parallelism.tensor: {kvh} and parallelism.pipeline: {} (same GPUs per replica, no duplicated KV)",
                ctx.spec.parallelism.pipeline.saturating_mul(copies)
            )
        };
        vec![self.finding("/parallelism/tensor", message).with_fix(fix)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    #[test]
    fn fires_on_tp16_with_8_kv_heads() {
        let mut fx = Fixture::edit(|v| v["parallelism"]["tensor"] = 16.into());
        fx.plan.per_gpu.weights_bytes = Bytes(9 * (1 << 30));
        let f = fx.one(&KvHeadsReplicatedAcrossTensorParallel);
        assert_eq!(f.code, "PAR002");
        assert_eq!(f.pointer, "/parallelism/tensor");
        assert!(
            f.message
                .contains("stored on 2 GPUs, so 31.73 GiB of the 63.46 GiB"),
            "{}",
            f.message
        );
        assert_eq!(
            f.fix.as_deref(),
            Some("set parallelism.tensor: 8 and serving.replicas: 4 (same GPUs, 18.00 GiB of weights per GPU, no duplicated KV)")
        );
    }

    #[test]
    fn near_miss_tp_equal_kv_heads() {
        let fx = Fixture::edit(|v| v["parallelism"]["tensor"] = 8.into());
        assert!(fx.run(&KvHeadsReplicatedAcrossTensorParallel).is_empty());
    }
}
