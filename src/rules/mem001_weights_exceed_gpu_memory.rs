//! MEM001 weights-exceed-gpu-memory.

use super::replan::{replan, set_weights};
use super::util::{parallelism_fix, weights_at_bits};
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::spec::{Quantization, WeightDtype};
use crate::units::Bytes;

declare_rule! {
    /// ## What it does
    /// Checks that the weights on the most-loaded GPU of one engine instance
    /// (after tensor and pipeline sharding) fit the engine's memory budget.
    ///
    /// ## Why is this bad?
    /// The engine allocates the weights first. When they alone exceed
    /// `total x gpu_memory_utilization`, loading fails with a CUDA out-of-memory
    /// error before a single request is served.
    ///
    /// ## Example
    /// ```yaml
    /// model:
    ///   preset: llama-3.1-70b
    ///   weights: {dtype: bf16}      # about 131 GiB of weights
    /// hardware: {gpu: h100-sxm-80gb}
    /// parallelism: {tensor: 1}      # ... on one 79.2 GiB GPU
    /// ```
    ///
    /// ## How to fix
    /// Shard the weights over more GPUs (`parallelism.tensor`, then
    /// `parallelism.pipeline`) or store them in fewer bits (`weights.dtype: fp8`).
    /// The finding computes the smallest tensor-parallel size that leaves room for
    /// the activation peak and the runtime.
    pub struct WeightsExceedGpuMemory(MEM001);
}

impl WeightsExceedGpuMemory {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let g = &ctx.plan.per_gpu;
        if g.weights_bytes <= g.budget_bytes {
            return Vec::new();
        }
        let over = g.weights_bytes.saturating_sub(g.budget_bytes);
        let message = format!(
            "weights need {} on the most-loaded GPU ({} in all, {}), {} more than the engine budget of {} ({} total x {:.2})",
            g.weights_bytes,
            ctx.plan.weights.total_bytes,
            ctx.plan.weights.sharding,
            over,
            g.budget_bytes,
            g.total_bytes,
            g.memory_fraction,
        );
        // Leave room for one max_model_len sequence too, so the proposed
        // layout also starts (MEM003); its KV per GPU only shrinks with more GPUs.
        let seq = ctx.derived.kv_cache.as_ref().map_or(Bytes::ZERO, |k| {
            Bytes(u64::try_from(k.max_model_len_sequence_bytes).unwrap_or(u64::MAX))
        });
        let room = g
            .budget_bytes
            .saturating_sub(g.activation_peak_bytes)
            .saturating_sub(g.runtime_bytes)
            .saturating_sub(seq);
        let mut fixes = Vec::new();
        if let Some((yaml, w)) = parallelism_fix(ctx, room.0) {
            fixes.push(format!(
                "set {yaml}: about {w} of weights per GPU, within the {room} left after activations, runtime and one max_model_len sequence"
            ));
        }
        let formats = [
            ("fp8", 8.0, WeightDtype::Fp8, Quantization::Fp8, None),
            (
                "int4 (awq/gptq)",
                4.25,
                WeightDtype::Int4,
                Quantization::Awq,
                Some(128),
            ),
        ];
        for (dtype, bits, d, q, g) in formats {
            if ctx.plan.weights.bits_per_weight > bits {
                let w = weights_at_bits(ctx.plan, bits);
                // Offered only when the re-planned spec starts (rules/replan.rs).
                let starts = || {
                    replan(ctx, |s, r| set_weights(s, r, d, q, g))
                        .is_some_and(|p| p.engine_starts())
                };
                if w <= room && starts() {
                    fixes.push(format!("store the weights as {dtype}: about {w} per GPU"));
                    break;
                }
            }
        }
        let fix = if fixes.is_empty() {
            format!(
                "no tensor or pipeline size on {} GPUs per node fits: use GPUs with more memory than {}",
                ctx.plan.gpu.gpus_per_node,
                Bytes(g.total_bytes.0)
            )
        } else {
            fixes.join("; or ")
        };
        vec![self.finding("/model/weights/dtype", message).with_fix(fix)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    fn bf16_tp1() -> Fixture {
        Fixture::edit(|v| {
            v["model"]["weights"] = serde_json::json!({"dtype": "bf16"});
            v["parallelism"]["tensor"] = 1.into();
        })
    }

    #[test]
    fn fires_when_weights_exceed_the_budget() {
        let f = bf16_tp1().one(&WeightsExceedGpuMemory);
        assert_eq!(f.code, "MEM001");
        assert_eq!(f.pointer, "/model/weights/dtype");
        assert!(f.message.contains("131.42 GiB"), "{}", f.message);
        assert!(f.message.contains("71.28 GiB"), "{}", f.message);
        // The room left after activations, runtime and one 131,072-token
        // sequence (49.24 GiB at TP 4) takes TP 4's 32.85 GiB, not TP 2's
        // ~65.7 GiB, and 2 replicas x 4 still fit the 8 GPUs. FP8 (~67.7 GiB
        // at TP 1) does not fit either; int4 does.
        let fix = f.fix.expect("fix");
        assert_eq!(
            fix,
            "set parallelism.tensor: 4: about 32.85 GiB of weights per GPU, within the 49.24 GiB left after activations, runtime and one max_model_len sequence; or store the weights as int4 (awq/gptq): about 37.78 GiB per GPU"
        );
    }

    #[test]
    fn near_miss_weights_just_fit() {
        // The boundary itself, weights of exactly the budget: no spec plans
        // to exactly this figure, so the plan is edited.
        let mut fx = bf16_tp1();
        fx.plan.per_gpu.weights_bytes = Bytes(BUDGET);
        assert!(fx.run(&WeightsExceedGpuMemory).is_empty());
        assert!(Fixture::new().run(&WeightsExceedGpuMemory).is_empty());
    }
}
