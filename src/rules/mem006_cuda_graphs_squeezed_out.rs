//! MEM006 cuda-graphs-squeezed-out.

use super::util::max_fraction_leaving;
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::spec::Engine;
use crate::units::Bytes;

declare_rule! {
    /// ## What it does
    /// Flags vLLM and SGLang deployments with CUDA graphs on whose memory fraction
    /// leaves less outside the budget than the CUDA graph pool the engine captures
    /// there (the plan's `per_gpu.cuda_graphs_outside_budget_bytes`, from
    /// `plan/runtime.rs`; vLLM from 0.21 counts graphs inside the budget instead).
    ///
    /// ## Why is this bad?
    /// Older vLLM versions and SGLang capture CUDA graphs after sizing the KV
    /// cache, in the memory the fraction leaves free. When that is too small,
    /// startup dies with an out-of-memory error during graph capture, or the
    /// graphs are dropped and decode runs in slower eager mode.
    ///
    /// ## Example
    /// ```yaml
    /// parallelism: {tensor: 4}
    /// serving: {engine: vllm, gpu_memory_utilization: 0.99, cuda_graphs: true}
    /// ```
    ///
    /// ## How to fix
    /// Lower the memory fraction to the value the finding computes, or turn CUDA
    /// graphs off (`cuda_graphs: false`, slower decode).
    pub struct CudaGraphsSqueezedOut(MEM006);
}

impl CudaGraphsSqueezedOut {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let Some(serving) = &ctx.spec.serving else {
            return Vec::new();
        };
        if !matches!(serving.engine, Engine::Vllm | Engine::Sglang)
            || serving.cuda_graphs == Some(false)
        {
            return Vec::new();
        }
        let need = ctx.plan.per_gpu.cuda_graphs_outside_budget_bytes;
        let free = ctx.plan.per_gpu.free_bytes;
        if need == Bytes::ZERO || free >= need {
            return Vec::new();
        }
        let total = ctx.plan.per_gpu.total_bytes;
        let max_u = max_fraction_leaving(total.0, need.0);
        let left = total.saturating_sub(total.mul_ratio(max_u, 100).unwrap_or(total));
        // Print the fraction as written (0.995, not a rounded 0.99).
        let fraction = format!("{:.4}", ctx.plan.per_gpu.memory_fraction);
        let fraction = fraction.trim_end_matches('0').trim_end_matches('.');
        let message = format!(
            "memory fraction {fraction} leaves {free} per GPU outside the budget, but the CUDA graphs captured there need about {need}"
        );
        let fix = format!(
            "set serving.gpu_memory_utilization to 0.{max_u:02} or lower (leaves {left}); or set serving.cuda_graphs: false (eager mode, slower decode)"
        );
        vec![self
            .finding("/serving/gpu_memory_utilization", message)
            .with_fix(fix)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    #[test]
    fn fires_when_the_fraction_leaves_too_little() {
        // 0.995 x 79.2 GiB leaves 0.40 GiB, below the 512 MiB graph pool.
        let f = Fixture::at_memory_fraction(995).one(&CudaGraphsSqueezedOut);
        assert_eq!(f.code, "MEM006");
        assert_eq!(f.pointer, "/serving/gpu_memory_utilization");
        assert!(
            f.message.contains("fraction 0.995 leaves 0.40 GiB")
                && f.message.contains("need about 0.50 GiB"),
            "{}",
            f.message
        );
        // (79.2 GiB - 0.5 GiB) / 79.2 GiB = 0.9937: 0.99 leaves 0.79 GiB.
        assert!(f
            .fix
            .expect("fix")
            .starts_with("set serving.gpu_memory_utilization to 0.99 or lower (leaves 0.79 GiB)"));
    }

    #[test]
    fn near_miss() {
        assert!(Fixture::at_memory_fraction(990)
            .run(&CudaGraphsSqueezedOut)
            .is_empty());
        let fx = Fixture::edit(|v| {
            v["serving"]["gpu_memory_utilization"] = 0.995.into();
            v["serving"]["cuda_graphs"] = false.into();
        });
        assert_eq!(
            fx.plan.per_gpu.cuda_graphs_outside_budget_bytes,
            Bytes::ZERO
        );
        assert!(fx.run(&CudaGraphsSqueezedOut).is_empty());
    }

    #[test]
    fn graphs_inside_the_budget_never_fire() {
        // vLLM >= 0.21 profiles the graphs inside its budget.
        let fx = Fixture::edit(|v| {
            v["serving"]["gpu_memory_utilization"] = 0.999.into();
            v["serving"]["engine_version"] = "0.21".into();
        });
        assert_eq!(
            fx.plan.per_gpu.cuda_graphs_outside_budget_bytes,
            Bytes::ZERO
        );
        assert!(fx.run(&CudaGraphsSqueezedOut).is_empty());
    }
}
