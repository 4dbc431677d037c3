//! SGLang's defaults table (0.4 and 0.5), and 0.5's `mem_fraction_static`
//! heuristic. The version ranges are `spec::engine_version::SGLANG_ROWS`.

use super::table::{Batch, BatchTier, EngineRow, Fact, Fraction, KvSizing};
use super::Layout;
use crate::catalog::GpuInfo;
use crate::spec::engine_version as ev;
use crate::units::MIB;

/// CUDA context + cuBLAS workspace at TP = 1 (planning figure).
pub const CONTEXT_TP1: u64 = 512 * MIB;
/// CUDA context + NCCL buffers at TP >= 2 (planning figure).
pub const CONTEXT_MULTI: u64 = 2048 * MIB;

const PAGE_1: Fact<u64> = Fact {
    value: 1,
    source: "SGLang page_size default 1 (sglang/srt/server_args.py)",
};
const GRAPH_POOL: Fact<u64> = Fact {
    value: 512 * MIB,
    source:
        "planning figure: the CUDA-graph pool lives in the memory mem_fraction_static leaves out",
};
const GRAPHS_OUTSIDE: Fact<KvSizing> = Fact {
    value: KvSizing::GraphsAfter,
    source: "SGLang captures CUDA graphs in the memory mem_fraction_static leaves out of the weights + KV pool (sglang/srt/model_executor/model_runner.py)",
};
const NO_ASYNC: Fact<bool> = Fact {
    value: false,
    source: "SGLang's overlap scheduler keeps one batch of KV in flight (no sliding-window retention modelled past one batch)",
};

/// 0.4.x `ServerArgs.__post_init__`: mem_fraction_static by TP size.
const BY_TP: &[(u64, f64)] = &[(16, 0.79), (8, 0.81), (4, 0.85), (2, 0.87), (1, 0.88)];

/// 0.5 `_handle_gpu_memory_settings` (sglang/srt/arg_groups/memory_hook.py):
/// chunked_prefill_size by GPU memory (MiB thresholds 20, 35, 60, 90, 160 x
/// 1024); `max_running_requests` is bounded by the pool (4096 upper default).
const TIERS_0_5: &[BatchTier] = &[
    tier(160, 16384, "SGLang 0.5 chunked_prefill_size 16384 on GPUs >= 160 GiB (sglang/srt/arg_groups/memory_hook.py)"),
    tier(60, 8192, "SGLang 0.5 chunked_prefill_size 8192 on GPUs of 60-160 GiB (sglang/srt/arg_groups/memory_hook.py)"),
    tier(20, 4096, "SGLang 0.5 chunked_prefill_size 4096 on GPUs of 20-60 GiB (sglang/srt/arg_groups/memory_hook.py)"),
    tier(0, 2048, "SGLang 0.5 chunked_prefill_size 2048 on GPUs below 20 GiB (sglang/srt/arg_groups/memory_hook.py)"),
];

const fn tier(min_gib: u64, tokens: u64, source: &'static str) -> BatchTier {
    BatchTier {
        min_gib,
        not_a100: false,
        max_num_batched_tokens: tokens,
        max_num_seqs: 4096,
        source,
    }
}

/// A row: what differs between SGLang releases is the fraction and the batch.
const fn row(
    versions: &'static ev::DefaultsRow,
    fraction: Fact<Fraction>,
    batch: Fact<Batch>,
) -> EngineRow {
    EngineRow {
        versions,
        block_size: PAGE_1,
        mla_block_size: None,
        fraction,
        kv_sizing: GRAPHS_OUTSIDE,
        batch,
        async_scheduling: NO_ASYNC,
        async_under_pp: false,
        sliding_keeps_in_flight: super::ONE_BATCH,
        non_torch_tp1: super::PLANNING_CONTEXT_TP1,
        non_torch_multi: super::PLANNING_CONTEXT_MULTI,
        non_torch_tp4: super::PLANNING_CONTEXT_MULTI,
        cuda_graph_pool: GRAPH_POOL,
        removed_flags: &[],
    }
}

/// The table, in version order.
pub const ROWS: &[EngineRow] = &[
    row(
        &ev::SGLANG_0_4,
        Fact {
            value: Fraction::ByTp(BY_TP),
            source: "SGLang 0.4 mem_fraction_static default by TP size: 0.88 (tp1), 0.87 (tp2), 0.85 (tp4), 0.81 (tp8), 0.79 (tp16) (sglang/srt/server_args.py)",
        },
        Fact {
            value: Batch::Fixed {
                max_num_seqs: 4096,
                max_num_batched_tokens: 8192,
                seqs_source: "SGLang max_running_requests: bounded by the KV pool; 4096 upper default (sglang/srt/server_args.py)",
                tokens_source: "SGLang chunked_prefill_size default 8192 on large GPUs (sglang/srt/server_args.py)",
            },
            source: "sglang/srt/server_args.py, v0.4.x",
        },
    ),
    row(
        &ev::SGLANG_0_5,
        Fact {
            value: Fraction::SglangReserved,
            source: "SGLang 0.5 mem_fraction_static = round((GPU memory - reserved) / GPU memory, 3), reserved = 512 MiB + 1.5 MiB x max(chunked_prefill_size, 2048) + tp x pp / 8 GiB + 2 MiB x decode CUDA-graph max batch, at least 10 GiB above 60 GiB (sglang/srt/arg_groups/memory_hook.py _handle_gpu_memory_settings, reserve_for_graph_mb)",
        },
        Fact {
            value: Batch::Tiers(TIERS_0_5),
            source: "sglang/srt/arg_groups/memory_hook.py, v0.5.23",
        },
    ),
];

/// SGLang 0.5's decode CUDA-graph max batch by GPU memory and TP
/// (memory_hook.py: < 20 GiB 8; < 35 GiB 48, 160 at TP >= 4; < 60 GiB 32,
/// 160 at TP >= 4; < 160 GiB 256, 512 at TP >= 4; else 512).
fn decode_graph_max_bs(gpu_mib: f64, tp: u64) -> f64 {
    let wide = tp >= 4;
    if gpu_mib < 20.0 * 1024.0 {
        8.0
    } else if gpu_mib < 35.0 * 1024.0 {
        if wide {
            160.0
        } else {
            48.0
        }
    } else if gpu_mib < 60.0 * 1024.0 {
        if wide {
            160.0
        } else {
            32.0
        }
    } else if gpu_mib < 160.0 * 1024.0 {
        if wide {
            512.0
        } else {
            256.0
        }
    } else {
        512.0
    }
}

/// SGLang 0.5 `mem_fraction_static` when unset (memory_hook.py
/// `_handle_gpu_memory_settings`, estimate path, no post-capture sizing, the
/// default: `SGLANG_ENABLE_POST_CAPTURE_KV_SIZING` is off in
/// sglang/srt/environ.py):
///   reserved = 512 + 1.5 x max(chunked_prefill_size, 2048) + tp x pp / 8 x 1024
///              + reserve_for_graph_mb          (MiB)
///   reserve_for_graph_mb = 2 x max_bs (decode graphs), + 3 x max_bs x dp (and
///              1.5 x max_bs x dp more when max_bs > 300) with DP attention
///   reserved = max(reserved, 10240) on GPUs above 60 GiB
///   fraction = round((gpu_mem - reserved) / gpu_mem, 3)
/// `gpu_mem` is nvidia-smi's total in MiB (`get_nvgpu_memory_capacity`): the
/// catalogue's NVML total where known, else the CUDA total.
pub fn mem_fraction_static(
    gpu: &GpuInfo,
    layout: Layout,
    chunked_prefill: u64,
    cuda_graphs: bool,
) -> f64 {
    let bytes = gpu.nvml_memory_bytes.unwrap_or(gpu.memory_bytes).get();
    let gpu_mib = bytes as f64 / MIB as f64;
    if gpu_mib <= 0.0 {
        return 0.0;
    }
    let max_bs = decode_graph_max_bs(gpu_mib, layout.tp);
    let mut reserved = 512.0
        + 1.5 * chunked_prefill.max(2048) as f64
        + (layout.tp.max(1) * layout.pp.max(1)) as f64 / 8.0 * 1024.0;
    if cuda_graphs {
        reserved += 2.0 * max_bs;
    }
    if layout.dp > 1 {
        let dp = layout.dp as f64;
        reserved += max_bs * dp * 3.0;
        if max_bs > 300.0 {
            reserved += max_bs * dp * 1.5;
        }
    }
    if gpu_mib > 60.0 * 1024.0 {
        reserved = reserved.max(10.0 * 1024.0);
    }
    (((gpu_mib - reserved) / gpu_mib) * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Bytes;

    fn gpu(nvml_mib: u64) -> GpuInfo {
        GpuInfo {
            id: "t".into(),
            name: "t".into(),
            memory_bytes: Bytes(nvml_mib * MIB),
            nvml_memory_bytes: Some(Bytes(nvml_mib * MIB)),
            marketing_memory: None,
            compute_capability: None,
            architecture: None,
            fp8: None,
            fp4: None,
            source: None,
        }
    }

    #[test]
    fn h100_tp1_reserves_the_10_gib_floor() {
        // H100 SXM, nvidia-smi 81559 MiB, TP 1, chunked 8192, max_bs 256:
        // 512 + 12288 + 128 + 512 = 13440 MiB > 10240; (81559 - 13440) / 81559
        // = 0.8352 -> 0.835.
        let l = Layout {
            tp: 1,
            pp: 1,
            dp: 1,
        };
        assert_eq!(mem_fraction_static(&gpu(81559), l, 8192, true), 0.835);
        // TP 8, max_bs 512: 512 + 12288 + 1024 + 1024 = 14848 -> 0.818.
        let l = Layout {
            tp: 8,
            pp: 1,
            dp: 1,
        };
        assert_eq!(mem_fraction_static(&gpu(81559), l, 8192, true), 0.818);
    }

    #[test]
    fn a_small_gpu_has_no_floor() {
        // 24 GiB card (24564 MiB), TP 1, chunked 4096, max_bs 48:
        // 512 + 6144 + 128 + 96 = 6880; (24564 - 6880) / 24564 = 0.7199 -> 0.72.
        let l = Layout {
            tp: 1,
            pp: 1,
            dp: 1,
        };
        assert_eq!(mem_fraction_static(&gpu(24564), l, 4096, true), 0.72);
    }
}
