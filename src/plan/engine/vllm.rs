//! vLLM's defaults table, 0.6 to 0.34: one row per range of releases whose
//! memory-relevant defaults agree. Each value names the file it was read from
//! (the sdist of the first release of the row, and of the row's last release
//! where the value held unchanged); the version ranges are
//! `spec::engine_version::VLLM_ROWS`. docs/spec.md prints the table.

use super::table::{Batch, BatchTier, EngineRow, Fact, Fraction, KvSizing};
use crate::spec::engine_version as ev;
use crate::units::MIB;

/// Non-torch memory at TP = 1: 0.35 GiB observed with vLLM 0.6.x
/// ("non_torch_memory=0.35GiB", Llama-3.1-8B on an RTX 3090,
/// https://github.com/vllm-project/vllm/issues/10517).
pub const NON_TORCH_TP1: u64 = 358 * MIB;
/// Non-torch memory at TP >= 2 (NCCL communicators and the custom
/// all-reduce buffers) for the V0 row (0.6-0.7) and for training: a ~2 GiB
/// planning figure, not calibrated on one version; public logs vary (3.58 GiB
/// at TP 2 on an H100 with a vLLM 0.6.x build of December 2024,
/// https://github.com/vllm-project/vllm/pull/10511). V1 rows take the
/// calibrated figures below, which are larger.
pub const NON_TORCH_MULTI: u64 = 2048 * MIB;
/// vLLM V1's non-torch memory at TP 2 and at TP >= 4, calibrated on the
/// "Actual usage is ... GiB for non-torch memory" line vLLM 0.19.0 prints
/// (vllm/v1/worker/gpu_worker.py) on H100 SXM (NVLink), in the llm-d-planner
/// sweep at commit d3121e0 (accuracy/results/v0.19.0/logs), using only the
/// logs that docs/accuracy.md does not compare against: at TP 2 Llama-3.1-8B
/// 2.07, Kimi-Dev-72B 2.09, Kimi-VL-A3B 2.07, Qwen2.5-7B 2.06, Mistral-Small-24B
/// W8A8 2.07 (median 2.07 GiB); at TP 4 Llama-3.3-70B FP8 2.21, Kimi-Dev-72B
/// 2.21, Llama-4-Scout 2.17 (median 2.21 GiB). Applied to every V1 row as the
/// best figure available; TP 8 takes the TP 4 figure (no log read). GPUs
/// joined by PCIe only use far fewer NCCL channels and may need much less
/// (docs/accuracy.md case 15).
pub const NON_TORCH_TP2_V1: u64 = 2120 * MIB;
pub const NON_TORCH_TP4_V1: u64 = 2263 * MIB;
/// CUDA-graph pool with the default capture sizes: vLLM prints "Graph
/// capturing finished in N secs, took 0.3-1 GiB"; 512 MiB is the planning figure.
pub const CUDA_GRAPH_POOL: u64 = 512 * MIB;

const BLOCK_16: Fact<u64> = Fact {
    value: 16,
    source: "vLLM CacheConfig.block_size default 16 (vllm/config/cache.py)",
};
const BLOCK_64: Fact<u64> = Fact {
    value: 64,
    source: "vLLM 0.34 CacheConfig.DEFAULT_BLOCK_SIZE 64 (vllm/config/cache.py), kept by FlashAttention and Triton backends (MultipleOf(16), vllm/platforms/interface.py update_block_size_for_backend)",
};
const MLA_BLOCK: Option<Fact<u64>> = Some(Fact {
    value: 64,
    source: "vLLM: FlashMLA backend requires block_size 64 for MLA models (vllm/v1/attention/backends/mla/flashmla.py)",
});

const FRACTION_090: Fact<Fraction> = Fact {
    value: Fraction::Fixed(0.90),
    source: "vLLM CacheConfig.gpu_memory_utilization default 0.9",
};
const FRACTION_092: Fact<Fraction> = Fact {
    value: Fraction::Fixed(0.92),
    source: "vLLM 0.20+ CacheConfig.gpu_memory_utilization default 0.92, raised with the CUDA-graph estimate (vllm/config/cache.py)",
};
const FRACTION_EXTENSIBLE: Fact<Fraction> = Fact {
    value: Fraction::Fixed(1.0),
    source: "vLLM 0.34 CacheConfig.resolved_gpu_memory_utilization: unset resolves to 1.0 with the extensible KV cache (vllm/config/cache.py)",
};

/// vllm/v1/worker/gpu_worker.py: `compile_or_warm_up_model` (graph capture)
/// runs after `determine_available_memory` has sized the cache.
const GRAPHS_AFTER: Fact<KvSizing> = Fact {
    value: KvSizing::GraphsAfter,
    source: "captured after the KV cache is sized, from the memory the engine leaves free; reported, not subtracted",
};
const GRAPHS_IN_BUDGET: Fact<KvSizing> = Fact {
    value: KvSizing::GraphsInBudget,
    source: "vLLM >= 0.20 subtracts its CUDA-graph estimate from the budget (VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=1 in vllm/envs.py; vllm/v1/worker/gpu_worker.py determine_available_memory)",
};
const AFTER_CAPTURE: Fact<KvSizing> = Fact {
    value: KvSizing::AfterCapture,
    source: "vLLM 0.34 extensible KV cache: pages committed after CUDA-graph capture and warm-up, keeping the transient peak free plus a margin of max(1 GiB, 0.75 x peak) (vllm/v1/worker/extensible_kv_cache.py measure_kv_cache_bytes)",
};

const V0_BATCH: Fact<Batch> = Fact {
    value: Batch::VllmV0,
    source: "vLLM V0 SchedulerConfig (vllm/config.py): max_num_seqs 256, max(max_model_len, 2048) tokens, 2048 with chunked prefill",
};
const V1_TIERS: &[BatchTier] = &[
    BatchTier {
        min_gib: 70,
        not_a100: true,
        max_num_batched_tokens: 8192,
        max_num_seqs: 1024,
        source: "vLLM V1 default for GPUs >= 70 GiB other than A100 (vllm/engine/arg_utils.py _set_default_args_v1)",
    },
    BatchTier {
        min_gib: 0,
        not_a100: false,
        max_num_batched_tokens: 2048,
        max_num_seqs: 256,
        source: "vLLM V1 default for GPUs < 70 GiB and A100s (vllm/engine/arg_utils.py _set_default_args_v1)",
    },
];
/// vLLM's test is `device_memory >= 70 * GiB_bytes and "a100" not in
/// device_name` (tests/engine/test_arg_utils.py `test_defaults_with_usage_context`
/// asserts the same), so an A100 80GB takes the small-GPU defaults.
const V1_BATCH: Fact<Batch> = Fact {
    value: Batch::Tiers(V1_TIERS),
    source: "vllm/engine/arg_utils.py _set_default_args_v1 (OpenAI server)",
};
const TIERS_160: &[BatchTier] = &[
    BatchTier {
        min_gib: 160,
        not_a100: false,
        max_num_batched_tokens: 16384,
        max_num_seqs: 1024,
        source:
            "vLLM 0.28+ default for GPUs >= 160 GiB (vllm/engine/arg_utils.py get_batch_defaults)",
    },
    V1_TIERS[0],
    V1_TIERS[1],
];
const BATCH_160: Fact<Batch> = Fact {
    value: Batch::Tiers(TIERS_160),
    source: "vllm/engine/arg_utils.py get_batch_defaults (OpenAI server)",
};

const SYNC: Fact<bool> = Fact {
    value: false,
    source:
        "vLLM SchedulerConfig.async_scheduling default False (vllm/config/scheduler.py, <= 0.13)",
};
const ASYNC_NOT_PP: Fact<bool> = Fact {
    value: true,
    source: "vLLM 0.14 SchedulerConfig.async_scheduling None resolves to on, off under pipeline parallelism (vllm/config/vllm.py)",
};
const ASYNC: Fact<bool> = Fact {
    value: true,
    source: "vLLM SchedulerConfig.async_scheduling None resolves to on, pipeline parallelism included (vllm/config/vllm.py, 0.16+)",
};
const ONE_BATCH: Fact<bool> = Fact {
    value: false,
    source: "SlidingWindowSpec.max_memory_usage_bytes keeps window - 1 + max_num_batched_tokens (vllm/v1/kv_cache_interface.py, <= 0.25)",
};
const IN_FLIGHT: Fact<bool> = Fact {
    value: true,
    source: "SlidingWindowSpec.max_memory_usage_bytes keeps window - 1 + max_in_flight_tokens (vllm/v1/kv_cache_interface.py, 0.26+; VllmConfig.max_in_flight_tokens)",
};

const NON_TORCH_1: Fact<u64> = Fact {
    value: NON_TORCH_TP1,
    source: "calibrated constant, vLLM 0.6: non_torch_memory at TP=1, 0.35 GiB (https://github.com/vllm-project/vllm/issues/10517)",
};
const NON_TORCH_N: Fact<u64> = Fact {
    value: NON_TORCH_MULTI,
    source: "planning figure, not calibrated on one vLLM version: NCCL + custom all-reduce at TP>=2, ~2 GiB (docs/memory-math.md section 4)",
};
const NON_TORCH_2_V1: Fact<u64> = Fact {
    value: NON_TORCH_TP2_V1,
    source: "calibrated constant, vLLM 0.19.0 on H100 SXM: non-torch memory at TP=2, median 2.07 GiB of five public logs (llm-d-incubation/llm-d-planner@d3121e0 accuracy/results/v0.19.0/logs), applied to every V1 release",
};
const NON_TORCH_4_V1: Fact<u64> = Fact {
    value: NON_TORCH_TP4_V1,
    source: "calibrated constant, vLLM 0.19.0 on H100 SXM: non-torch memory at TP>=4, median 2.21 GiB of three public logs at TP=4 (llm-d-incubation/llm-d-planner@d3121e0 accuracy/results/v0.19.0/logs), applied to every V1 release",
};
const GRAPH_POOL: Fact<u64> = Fact {
    value: CUDA_GRAPH_POOL,
    source: "planning figure: vLLM logs 'Graph capturing finished ... took 0.3-1 GiB' with the default capture sizes",
};

const SWAP_SPACE_GONE: &[Fact<&str>] = &[Fact {
    value: "--swap-space",
    source: "removed in vLLM 0.18.0 (vllm/config/cache.py has no swap_space; https://github.com/vllm-project/vllm/pull/36216)",
}];

/// A row with the V1 defaults; the later rows change what their release changed.
const fn v1(versions: &'static ev::DefaultsRow) -> EngineRow {
    EngineRow {
        versions,
        block_size: BLOCK_16,
        mla_block_size: MLA_BLOCK,
        fraction: FRACTION_090,
        kv_sizing: GRAPHS_AFTER,
        batch: V1_BATCH,
        async_scheduling: SYNC,
        async_under_pp: false,
        sliding_keeps_in_flight: ONE_BATCH,
        non_torch_tp1: NON_TORCH_1,
        non_torch_multi: NON_TORCH_2_V1,
        non_torch_tp4: NON_TORCH_4_V1,
        cuda_graph_pool: GRAPH_POOL,
        removed_flags: &[],
    }
}

/// The table, in version order.
pub const ROWS: &[EngineRow] = &[
    EngineRow {
        batch: V0_BATCH,
        non_torch_multi: NON_TORCH_N,
        non_torch_tp4: NON_TORCH_N,
        ..v1(&ev::VLLM_0_6)
    },
    v1(&ev::VLLM_0_8),
    EngineRow {
        async_scheduling: ASYNC_NOT_PP,
        ..v1(&ev::VLLM_0_14)
    },
    EngineRow {
        async_scheduling: ASYNC,
        async_under_pp: true,
        ..v1(&ev::VLLM_0_16)
    },
    EngineRow {
        async_scheduling: ASYNC,
        async_under_pp: true,
        removed_flags: SWAP_SPACE_GONE,
        ..v1(&ev::VLLM_0_18)
    },
    EngineRow {
        fraction: FRACTION_092,
        kv_sizing: GRAPHS_IN_BUDGET,
        async_scheduling: ASYNC,
        async_under_pp: true,
        removed_flags: SWAP_SPACE_GONE,
        ..v1(&ev::VLLM_0_20)
    },
    EngineRow {
        fraction: FRACTION_092,
        kv_sizing: GRAPHS_IN_BUDGET,
        async_scheduling: ASYNC,
        async_under_pp: true,
        sliding_keeps_in_flight: IN_FLIGHT,
        removed_flags: SWAP_SPACE_GONE,
        ..v1(&ev::VLLM_0_26)
    },
    EngineRow {
        fraction: FRACTION_092,
        kv_sizing: GRAPHS_IN_BUDGET,
        batch: BATCH_160,
        async_scheduling: ASYNC,
        async_under_pp: true,
        sliding_keeps_in_flight: IN_FLIGHT,
        removed_flags: SWAP_SPACE_GONE,
        ..v1(&ev::VLLM_0_28)
    },
    EngineRow {
        block_size: BLOCK_64,
        fraction: FRACTION_EXTENSIBLE,
        kv_sizing: AFTER_CAPTURE,
        batch: BATCH_160,
        async_scheduling: ASYNC,
        async_under_pp: true,
        sliding_keeps_in_flight: IN_FLIGHT,
        removed_flags: SWAP_SPACE_GONE,
        ..v1(&ev::VLLM_0_34)
    },
];
