//! TensorRT-LLM's defaults table (0.20 and 1.0-1.4). The version ranges are
//! `spec::engine_version::TRTLLM_ROWS`. The memory-relevant defaults did not
//! move between the two rows; 1.x runs the PyTorch backend by default.

use super::table::{Batch, EngineRow, Fact, Fraction, KvSizing};
use crate::spec::engine_version as ev;
use crate::units::MIB;

const fn row(versions: &'static ev::DefaultsRow, docs: &'static str) -> EngineRow {
    EngineRow {
        versions,
        block_size: Fact {
            value: 32,
            source: "TensorRT-LLM KvCacheConfig tokens_per_block default 32",
        },
        mla_block_size: None,
        fraction: Fact {
            value: Fraction::Fixed(0.90),
            source: "TensorRT-LLM KvCacheConfig.free_gpu_memory_fraction default 0.9 (of memory free after weights and activations)",
        },
        kv_sizing: Fact {
            value: KvSizing::GraphsAfter,
            source: docs,
        },
        batch: Fact {
            value: Batch::Fixed {
                max_num_seqs: 2048,
                max_num_batched_tokens: 8192,
                seqs_source: "trtllm-serve max_batch_size default 2048",
                tokens_source: "trtllm-serve max_num_tokens default 8192",
            },
            source: docs,
        },
        async_scheduling: Fact {
            value: false,
            source: "no sliding-window retention past one batch modelled",
        },
        async_under_pp: false,
        sliding_keeps_in_flight: super::ONE_BATCH,
        non_torch_tp1: super::PLANNING_CONTEXT_TP1,
        non_torch_multi: super::PLANNING_CONTEXT_MULTI,
        non_torch_tp4: super::PLANNING_CONTEXT_MULTI,
        cuda_graph_pool: Fact {
            value: 512 * MIB,
            source: "planning figure: the CUDA-graph pool sits outside free_gpu_memory_fraction's share",
        },
        removed_flags: &[],
    }
}

/// The table, in version order.
pub const ROWS: &[EngineRow] = &[
    row(
        &ev::TRTLLM_0_20,
        "tensorrt_llm KvCacheConfig and trtllm-serve defaults, v0.20: the KV cache takes its fraction of the memory free after the engine is built",
    ),
    row(
        &ev::TRTLLM_1_0,
        "tensorrt_llm/llmapi/llm_args.py, v1.0-v1.4: the KV cache takes its fraction of the memory free after weights and the warm-up forward (https://nvidia.github.io/TensorRT-LLM/llm-api/reference/KvCacheConfig.html)",
    ),
];
