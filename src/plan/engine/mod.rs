//! Engine defaults: what vLLM, SGLang, TensorRT-LLM (and a generic engine) use
//! when the spec leaves a serving knob out, per engine version. The tables
//! (one file per engine: vllm.rs, sglang.rs, trtllm.rs, rows shaped by
//! table.rs) carry every default and constant that moved between releases
//! with its source file; `serving.engine_version` picks the row through the
//! version ranges of `spec::engine_version`. Every default taken is recorded
//! as an [`Assumption`] with its source, so the report says it did.

mod sglang;
pub mod table;
mod trtllm;
mod vllm;

pub use table::{Batch, BatchTier, EngineRow, Fact, Fraction, KvSizing};

/// vLLM's runtime constants, for the callers that size training or rules
/// with them.
pub mod vllm_constants {
    pub use super::vllm::{CUDA_GRAPH_POOL, NON_TORCH_MULTI, NON_TORCH_TP1};
}
pub use sglang::CONTEXT_TP1;

/// The neutral runtime figures of SGLang, TensorRT-LLM and `engine: generic`
/// (planning figures, not one engine's measurement).
pub const PLANNING_CONTEXT_TP1: Fact<u64> = Fact {
    value: sglang::CONTEXT_TP1,
    source:
        "planning figure: CUDA context + cuBLAS workspace, 0.5 GiB (docs/memory-math.md section 4)",
};
pub const PLANNING_CONTEXT_MULTI: Fact<u64> = Fact {
    value: sglang::CONTEXT_MULTI,
    source: "planning figure: CUDA context + NCCL buffers at TP>=2, ~2 GiB (docs/memory-math.md section 4)",
};

/// Sliding-window layers keep one batch past their window (SGLang,
/// TensorRT-LLM: no in-flight retention modelled).
pub const ONE_BATCH: Fact<bool> = Fact {
    value: false,
    source: "one batch of max_num_batched_tokens past the window",
};

/// The non-torch figure of `engine: generic` at TP = 1 or above.
pub fn generic_context(multi: bool) -> Fact<u64> {
    if multi {
        PLANNING_CONTEXT_MULTI
    } else {
        PLANNING_CONTEXT_TP1
    }
}

use super::types::Assumption;
use crate::catalog::{Architecture, GpuInfo};
use crate::spec::{engine_version, Engine, KvCacheDtype, ServingSpec, WeightDtype};
use crate::units::GIB;

use crate::spec::engine_version::parse_version;

/// The serving knobs after defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineSettings {
    pub engine: Engine,
    /// (major, minor) whose defaults the plan models: `engine_version`, the
    /// assumed one when absent, or, outside the defaults table, the nearest
    /// row's bound (src/spec/engine_version.rs).
    pub version: (u64, u64),
    pub max_model_len: u64,
    pub block_size: u64,
    pub max_num_seqs: u64,
    pub max_num_batched_tokens: u64,
    /// vLLM gpu_memory_utilization / SGLang mem_fraction_static / TensorRT-LLM
    /// free_gpu_memory_fraction / generic 1 - headroom.
    pub memory_fraction: f64,
    pub kv_dtype: KvCacheDtype,
    pub cuda_graphs: bool,
    pub replicas: u64,
    /// The defaults-table row the version selected (block size, fraction,
    /// KV sizing, runtime constants).
    pub row: &'static EngineRow,
    /// Whether the engine schedules asynchronously.
    pub async_scheduling: bool,
    /// Pipeline stages (batches in flight without async scheduling).
    pub pp: u64,
}

impl EngineSettings {
    /// Tokens a sliding-window layer keeps past its window for the batches in
    /// flight: `max_concurrent_batches x max_num_batched_tokens` where the
    /// row's engine does that (vLLM `VllmConfig.max_in_flight_tokens`, used by
    /// `SlidingWindowSpec.max_memory_usage_bytes` in
    /// vllm/v1/kv_cache_interface.py), else one batch.
    pub fn sliding_window_tokens(&self) -> u64 {
        self.max_num_batched_tokens
            .saturating_mul(self.in_flight_batches())
    }

    /// Batches a sliding-window layer keeps past its window: vLLM's
    /// `max_concurrent_batches` (pp + 1 with async scheduling, pp without)
    /// where the row's release reserves for them, else one.
    pub fn in_flight_batches(&self) -> u64 {
        if !self.row.sliding_keeps_in_flight.value {
            return 1;
        }
        self.pp
            .max(1)
            .saturating_add(u64::from(self.async_scheduling))
    }
}

/// vLLM's A100 test: `"a100" in device_name.lower()`; we look at the
/// resolved GPU's name and catalogue id, case-insensitively.
fn is_a100(gpu: &GpuInfo) -> bool {
    [&gpu.name, &gpu.id]
        .iter()
        .any(|s| s.to_ascii_lowercase().contains("a100"))
}

fn note(out: &mut Vec<Assumption>, field: &str, value: impl ToString, source: &str) {
    out.push(Assumption {
        field: field.to_string(),
        value: value.to_string(),
        source: source.to_string(),
    });
}

/// The version whose defaults the plan takes (src/spec/engine_version.rs):
/// the spec's when its row of the defaults table covers it; the nearest row's
/// bound when it does not (CAT011 warns); the engine's assumed version when
/// absent. Every case but the first is recorded as an assumption.
fn resolve_version(engine: Engine, given: Option<&str>, out: &mut Vec<Assumption>) -> (u64, u64) {
    let Some(text) = given else {
        let assumed = engine_version::default_version(engine);
        note(
            out,
            "serving.engine_version",
            format!("{}.{}", assumed.0, assumed.1),
            "not given: the version these defaults were taken from",
        );
        return assumed;
    };
    let Some(v) = parse_version(text) else {
        // The spec's semantic checks reject this first (SCH005); a caller that
        // skipped them still gets a recorded, not a silent, default.
        let assumed = engine_version::default_version(engine);
        note(
            out,
            "serving.engine_version",
            format!("{}.{}", assumed.0, assumed.1),
            &format!("{text:?} is not a version (SCH005): the assumed version's defaults"),
        );
        return assumed;
    };
    let (row, inside) = engine_version::row_for(engine, v);
    if inside {
        return v;
    }
    let used = engine_version::clamp_to_row(v, row);
    note(
        out,
        "serving.engine_version",
        format!("{}.{}", used.0, used.1),
        &format!(
            "{}.{} is outside the defaults table ({}): the {} row was used ({})",
            v.0,
            v.1,
            if v > row.last { "CAT012" } else { "CAT011" },
            row.label,
            row.source
        ),
    );
    used
}

/// The KV dtype `auto` resolves to (docs/memory-math.md section 5): the model's
/// activation dtype, fp16 or fp32 when the weights are, else bf16 (an FP8 or AWQ
/// checkpoint still has a 16-bit KV cache).
pub fn auto_kv_dtype(weights: WeightDtype) -> KvCacheDtype {
    match weights {
        WeightDtype::Fp16 => KvCacheDtype::Fp16,
        WeightDtype::Fp32 => KvCacheDtype::Fp32,
        _ => KvCacheDtype::Bf16,
    }
}

/// The parallel layout the defaults depend on (SGLang's fraction and graph
/// batch, vLLM's async scheduling under pipeline parallelism).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub tp: u64,
    pub pp: u64,
    pub dp: u64,
}

/// Resolve every serving default. `longest_class` is the longest request class
/// in tokens (used for max_model_len only when the model states no context).
#[allow(clippy::too_many_arguments)]
pub fn resolve(
    s: &ServingSpec,
    arch: &Architecture,
    gpu: &GpuInfo,
    weights_dtype: WeightDtype,
    layout: Layout,
    headroom: f64,
    longest_class: Option<u64>,
    out: &mut Vec<Assumption>,
) -> EngineSettings {
    let engine = s.engine;
    let version = resolve_version(engine, s.engine_version.as_deref(), out);
    let row = table::row(engine, version);

    let max_model_len = match (s.max_model_len, arch.max_position_embeddings, longest_class) {
        (Some(v), _, _) => v,
        (None, Some(p), _) => {
            note(
                out,
                "serving.max_model_len",
                p,
                "engine default: the model's max_position_embeddings (vLLM ModelConfig derives max_model_len from config.json)",
            );
            p
        }
        (None, None, Some(c)) => {
            note(
                out,
                "serving.max_model_len",
                c,
                "no max_model_len and no max_position_embeddings: the longest request class",
            );
            c
        }
        (None, None, None) => {
            note(out, "serving.max_model_len", 4096, "no max_model_len, no max_position_embeddings, no traffic: 4096 (rule MEM005 flags this)");
            4096
        }
    };

    let block_size = match s.block_size {
        Some(b) => b.max(1),
        None => {
            let fact = match row.mla_block_size {
                Some(m) if engine == Engine::Vllm && arch.mla.is_some() => m,
                _ => row.block_size,
            };
            note(out, "serving.block_size", fact.value, fact.source);
            fact.value
        }
    };

    let (default_seqs, default_tokens) = batch_defaults(row, gpu, max_model_len);
    let max_num_seqs = match s.max_num_seqs {
        Some(v) => v,
        None => {
            note(
                out,
                "serving.max_num_seqs",
                default_seqs.value,
                default_seqs.source,
            );
            default_seqs.value
        }
    };
    let max_num_batched_tokens = match s.max_num_batched_tokens {
        Some(v) => v,
        None => {
            note(
                out,
                "serving.max_num_batched_tokens",
                default_tokens.value,
                default_tokens.source,
            );
            default_tokens.value
        }
    };

    let cuda_graphs = s.cuda_graphs.unwrap_or(true);
    let memory_fraction = match (engine, s.gpu_memory_utilization) {
        (Engine::Generic, _) => {
            let f = 1.0 - headroom;
            note(
                out,
                "budget fraction",
                format!("{f:.4}"),
                "generic engine: 1 - capacity.headroom (docs/memory-math.md section 4)",
            );
            f
        }
        (_, Some(f)) => f,
        (_, None) => {
            let (f, shown) =
                default_fraction(row, gpu, layout, max_num_batched_tokens, cuda_graphs);
            note(
                out,
                "serving.gpu_memory_utilization",
                shown,
                row.fraction.source,
            );
            f
        }
    };

    let kv_dtype = match s.kv_cache_dtype {
        Some(KvCacheDtype::Auto) | None => {
            let d = auto_kv_dtype(weights_dtype);
            note(
                out,
                "serving.kv_cache_dtype",
                d.as_str(),
                "auto: the model's activation dtype, bf16 unless the weights are fp16 or fp32 (docs/memory-math.md section 5)",
            );
            d
        }
        Some(d) => d,
    };
    let replicas = match s.replicas {
        Some(r) => r,
        None => {
            note(out, "serving.replicas", 1, "not given");
            1
        }
    };
    // vLLM 0.14-0.15 turn asynchronous scheduling off under pipeline
    // parallelism (vllm/config/vllm.py `VllmConfig.__post_init__`).
    let async_scheduling = row.async_scheduling.value && (row.async_under_pp || layout.pp <= 1);
    EngineSettings {
        engine,
        version,
        max_model_len,
        block_size,
        max_num_seqs,
        max_num_batched_tokens,
        memory_fraction,
        kv_dtype,
        cuda_graphs,
        replicas,
        row,
        async_scheduling,
        pp: layout.pp.max(1),
    }
}

/// `max_num_seqs` and `max_num_batched_tokens` when the spec leaves them out.
fn batch_defaults(row: &EngineRow, gpu: &GpuInfo, max_model_len: u64) -> (Fact<u64>, Fact<u64>) {
    match row.batch.value {
        // vLLM V0 (< 0.8) without chunked prefill profiled max(max_model_len,
        // 2048) tokens with max_num_seqs 256; with chunked prefill
        // (auto-enabled above 32K context) 2048.
        Batch::VllmV0 => {
            let seqs = Fact {
                value: 256,
                source: "vLLM default max_num_seqs 256 (vllm/engine/arg_utils.py)",
            };
            let tokens = if max_model_len > 32768 {
                Fact {
                    value: 2048,
                    source: "vLLM V0: chunked prefill auto-enabled above 32K context, 2048 tokens",
                }
            } else {
                Fact {
                    value: max_model_len.max(2048),
                    source: "vLLM V0 without chunked prefill: max(max_model_len, 2048) (vllm/config.py SchedulerConfig)",
                }
            };
            (seqs, tokens)
        }
        Batch::Tiers(tiers) => {
            let memory = gpu.memory_bytes.get();
            let tier = tiers
                .iter()
                .find(|t| memory >= t.min_gib.saturating_mul(GIB) && !(t.not_a100 && is_a100(gpu)))
                .or(tiers.last())
                .copied()
                .unwrap_or(BatchTier {
                    min_gib: 0,
                    not_a100: false,
                    max_num_batched_tokens: 2048,
                    max_num_seqs: 256,
                    source: "",
                });
            let source = if tier.source.is_empty() {
                row.batch.source
            } else {
                tier.source
            };
            (
                Fact {
                    value: tier.max_num_seqs,
                    source,
                },
                Fact {
                    value: tier.max_num_batched_tokens,
                    source,
                },
            )
        }
        Batch::Fixed {
            max_num_seqs,
            max_num_batched_tokens,
            seqs_source,
            tokens_source,
        } => (
            Fact {
                value: max_num_seqs,
                source: seqs_source,
            },
            Fact {
                value: max_num_batched_tokens,
                source: tokens_source,
            },
        ),
    }
}

/// The row's default memory fraction, and how the assumption prints it.
fn default_fraction(
    row: &EngineRow,
    gpu: &GpuInfo,
    layout: Layout,
    chunked_prefill: u64,
    cuda_graphs: bool,
) -> (f64, String) {
    match row.fraction.value {
        Fraction::Fixed(f) => (f, format!("{f:.2}")),
        Fraction::ByTp(rows) => {
            let f = rows
                .iter()
                .find(|(min_tp, _)| layout.tp >= *min_tp)
                .map_or(0.88, |(_, f)| *f);
            (f, format!("{f:.2}"))
        }
        Fraction::SglangReserved => {
            let f = sglang::mem_fraction_static(gpu, layout, chunked_prefill, cuda_graphs);
            (f, format!("{f:.3}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_kv_follows_activation_dtype() {
        assert_eq!(auto_kv_dtype(WeightDtype::Fp8), KvCacheDtype::Bf16);
        assert_eq!(auto_kv_dtype(WeightDtype::Fp16), KvCacheDtype::Fp16);
        assert_eq!(auto_kv_dtype(WeightDtype::Int4), KvCacheDtype::Bf16);
    }
}
