//! MEM024 startup-fails-after-kv-cache.

use super::util::max_fraction_leaving;
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::units::Bytes;

declare_rule! {
    /// ## What it does
    /// Flags vLLM V1 deployments that allocate their KV cache and then run
    /// out of memory in the warm-up that follows: CUDA-graph capture, then
    /// the sampler warm-up over `min(max_num_seqs, max_num_batched_tokens)`
    /// dummy requests (`compile_or_warm_up_model` in
    /// vllm/v1/worker/gpu_worker.py, for releases that capture graphs after
    /// sizing the cache). After the allocation the engine has what its
    /// memory fraction leaves outside the budget plus the activation
    /// reservation of the profiling run, less the fused-MoE workspace it
    /// keeps (the plan's `per_gpu.free_bytes`, `activation_peak_bytes`,
    /// `moe_workspace_bytes`); the graphs
    /// (`cuda_graphs_outside_budget_bytes`) and then the sampler
    /// (`sampler_warmup_bytes`) must fit in it.
    ///
    /// ## Why is this bad?
    /// The engine logs its KV cache size and then dies with an out-of-memory
    /// error while capturing graphs or "when warming up sampler with N dummy
    /// requests": a deployment that looked sized fails at startup.
    ///
    /// ## Example
    /// ```yaml
    /// parallelism: {tensor: 4}
    /// serving: {engine: vllm, engine_version: "0.11", gpu_memory_utilization: 0.999, cuda_graphs: true}
    /// ```
    ///
    /// ## How to fix
    /// Lower the memory fraction to the value the finding computes, or turn
    /// CUDA graphs off (`cuda_graphs: false`, slower decode).
    pub struct StartupFailsAfterKvCache(MEM024);
}

impl StartupFailsAfterKvCache {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let p = &ctx.plan.per_gpu;
        let graphs = p.cuda_graphs_outside_budget_bytes.get();
        let Some(sampler) = p.sampler_warmup_bytes.map(|b| b.get()) else {
            return Vec::new();
        };
        if graphs == 0 || p.kv_cache_bytes <= 0 {
            return Vec::new();
        }
        // Free after the KV allocation: outside the budget + the activation
        // reservation, less the workspace the engine keeps.
        let reserve = p
            .activation_peak_bytes
            .get()
            .saturating_sub(p.moe_workspace_bytes.map_or(0, |b| b.get()));
        let left = p.free_bytes.get().saturating_add(reserve);
        let need = graphs.saturating_add(sampler);
        if need <= left {
            return Vec::new();
        }
        let (phase, short) = if graphs > left {
            ("CUDA-graph capture", graphs - left)
        } else {
            (
                "the sampler warm-up over max_num_seqs dummy requests, after graph capture",
                need - left,
            )
        };
        let message = format!(
            "after the KV cache is allocated, {} per GPU is left ({} outside the budget + {} activation reservation), but CUDA graphs need about {} and the sampler warm-up {}: startup fails in {phase}, {} short",
            Bytes(left),
            p.free_bytes,
            Bytes(reserve),
            Bytes(graphs),
            Bytes(sampler),
            Bytes(short)
        );
        // The fraction must leave graphs + sampler - reserve outside the budget.
        let max_u = max_fraction_leaving(p.total_bytes.get(), need.saturating_sub(reserve));
        let fix = format!(
            "set serving.gpu_memory_utilization to 0.{max_u:02} or lower; or set serving.cuda_graphs: false (eager mode, slower decode)"
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
    fn fires_when_graphs_and_sampler_overrun_what_is_left() {
        // The rule base (Llama-3.1-70B FP8, TP 4, H100, vLLM 0.11, 256
        // sequences): 0.999 leaves 81 MiB outside the budget; the activation
        // reservation (the sort-path sampler of the profile run, 38 B per
        // logit at the sort) is 38 x 256 x 128,256 + (8192 + 2 x 256) x 8192
        // x 2 = 1,390,280,704 B; graphs 512 MiB and the warm-up sampler over
        // 256 requests 38 x 256 x 128,256 + 3 x 256 x 8192 x 2 =
        // 1,260,257,280 B.
        let fx = Fixture::at_memory_fraction(999);
        assert_eq!(
            fx.plan.per_gpu.sampler_warmup_bytes,
            Some(Bytes(1_260_257_280))
        );
        let f = fx.one(&StartupFailsAfterKvCache);
        assert_eq!(f.code, "MEM024");
        assert_eq!(f.pointer, "/serving/gpu_memory_utilization");
        assert!(
            f.message
                .contains("startup fails in the sampler warm-up over max_num_seqs dummy requests"),
            "{}",
            f.message
        );
        // 512 MiB + 1,260,257,280 - 1,390,280,704 = 406,847,488 B must stay
        // outside the budget: 0.99 leaves 850,317,148 of 85,031,714,816.
        assert!(
            f.fix
                .as_deref()
                .unwrap_or("")
                .starts_with("set serving.gpu_memory_utilization to 0.99 or lower"),
            "{:?}",
            f.fix
        );
    }

    #[test]
    fn near_miss_and_out_of_scope() {
        // 0.995 leaves 0.40 GiB: graphs use the activation reservation and the
        // sampler still fits (MEM006 warns about the graphs).
        assert!(Fixture::at_memory_fraction(995)
            .run(&StartupFailsAfterKvCache)
            .is_empty());
        // No graphs: nothing is captured after the KV allocation.
        let eager = Fixture::edit(|v| {
            v["serving"]["gpu_memory_utilization"] = 0.999.into();
            v["serving"]["cuda_graphs"] = false.into();
        });
        assert!(eager.run(&StartupFailsAfterKvCache).is_empty());
        // vLLM 0.21 sizes the cache with its graphs inside the budget.
        let inside = Fixture::edit(|v| {
            v["serving"]["gpu_memory_utilization"] = 0.999.into();
            v["serving"]["engine_version"] = "0.21".into();
        });
        assert!(inside.run(&StartupFailsAfterKvCache).is_empty());
    }
}
