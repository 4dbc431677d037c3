//! MEM006 cuda-graphs-squeezed-out.

use super::util::TP_RUNTIME_BYTES;
use super::{Rule, RuleContext};
use crate::diagnostics::{Finding, Severity};
use crate::spec::Engine;
use crate::units::{Bytes, GIB};

/// Memory CUDA graph capture and the non-torch runtime take outside the budget
/// at TP1: design.md section 5 observes 0.05-0.4 GiB of non-torch memory, and
/// vLLM's graph pool for the default capture sizes adds about half a GiB.
pub const OUTSIDE_BUDGET_TP1: u64 = GIB;

declare_rule! {
    /// ## What it does
    /// Flags vLLM and SGLang deployments with CUDA graphs on whose memory fraction
    /// leaves less outside the budget than CUDA graph capture and the non-torch
    /// runtime need: about 1 GiB at TP1 and 2 GiB at TP >= 2 (NCCL buffers).
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
    pub struct CudaGraphsSqueezedOut("MEM006", "cuda-graphs-squeezed-out", Severity::Warning);
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
        let tp = ctx.spec.parallelism.tensor;
        let need = Bytes(if tp > 1 {
            TP_RUNTIME_BYTES
        } else {
            OUTSIDE_BUDGET_TP1
        });
        let free = ctx.plan.per_gpu.free_bytes;
        if free >= need {
            return Vec::new();
        }
        let total = ctx.plan.per_gpu.total_bytes;
        // Largest two-decimal fraction u with total - floor(u x total) >= need.
        let max_u = (total.0.saturating_sub(need.0) as u128 * 100 / total.0.max(1) as u128) as u64;
        let left = total.saturating_sub(total.mul_ratio(max_u, 100).unwrap_or(total));
        let message = format!(
            "memory fraction {:.2} leaves {free} per GPU outside the budget, but CUDA graph capture and the runtime need about {need} at tensor parallel {tp}",
            ctx.plan.per_gpu.memory_fraction
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

    fn at(num: u64) -> Fixture {
        let mut fx =
            Fixture::edit(|v| v["serving"]["gpu_memory_utilization"] = (num as f64 / 100.0).into());
        let budget = Bytes(TOTAL).mul_ratio(num, 100).expect("fits");
        fx.plan.per_gpu.budget_bytes = budget;
        fx.plan.per_gpu.free_bytes = Bytes(TOTAL - budget.0);
        fx.plan.per_gpu.memory_fraction = num as f64 / 100.0;
        fx
    }

    #[test]
    fn fires_when_the_fraction_leaves_too_little() {
        let f = at(98).one(&CudaGraphsSqueezedOut);
        assert_eq!(f.code, "MEM006");
        assert_eq!(f.pointer, "/serving/gpu_memory_utilization");
        assert!(f.message.contains("leaves 1.58 GiB"), "{}", f.message);
        // (79.2 - 2) / 79.2 = 0.9747: 0.97 leaves 2.38 GiB >= 2 GiB.
        assert!(f
            .fix
            .expect("fix")
            .starts_with("set serving.gpu_memory_utilization to 0.97 or lower (leaves 2.38 GiB)"));
    }

    #[test]
    fn near_miss() {
        assert!(at(97).run(&CudaGraphsSqueezedOut).is_empty());
        let mut fx = at(98);
        fx.spec
            .serving
            .as_mut()
            .into_iter()
            .for_each(|s| s.cuda_graphs = Some(false));
        assert!(fx.run(&CudaGraphsSqueezedOut).is_empty());
    }
}
