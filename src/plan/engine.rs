//! Engine defaults: what vLLM, SGLang, TensorRT-LLM (and a generic engine) use
//! when the spec leaves a serving knob out. Every default taken is recorded as
//! an [`Assumption`] with its source, so the report says it did.

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
            "{}.{} is outside the defaults table (CAT011): the {} row was used ({})",
            v.0, v.1, row.label, row.source
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

/// Resolve every serving default. `longest_class` is the longest request class
/// in tokens (used for max_model_len only when the model states no context).
#[allow(clippy::too_many_arguments)]
pub fn resolve(
    s: &ServingSpec,
    arch: &Architecture,
    gpu: &GpuInfo,
    weights_dtype: WeightDtype,
    tp: u64,
    headroom: f64,
    longest_class: Option<u64>,
    out: &mut Vec<Assumption>,
) -> EngineSettings {
    let engine = s.engine;
    let version = resolve_version(engine, s.engine_version.as_deref(), out);

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
            let (b, src) = match engine {
                Engine::Vllm if arch.mla.is_some() => (64, "vLLM: FlashMLA backend requires block_size 64 for MLA models (vllm/v1/attention/backends/mla/flashmla.py)"),
                Engine::Vllm | Engine::Generic => (16, "vLLM CacheConfig.block_size default 16 (vllm/config/cache.py)"),
                Engine::Sglang => (1, "SGLang page_size default 1 (sglang/srt/server_args.py)"),
                Engine::TensorrtLlm => (32, "TensorRT-LLM KvCacheConfig tokens_per_block default 32"),
            };
            note(out, "serving.block_size", b, src);
            b
        }
    };

    // vLLM >= 0.8 (V1) `EngineArgs._set_default_args_v1`: on GPUs with >= 70 GiB
    // that are not A100s, the OpenAI server defaults to max_num_batched_tokens
    // 8192 and max_num_seqs 1024; other GPUs 2048 and 256. The test in
    // vllm/engine/arg_utils.py is `device_memory >= 70 * GiB_bytes and "a100"
    // not in device_name` (device_name lower-cased; tests/engine/
    // test_arg_utils.py `test_defaults_with_usage_context` asserts the same),
    // so an A100 80GB takes the small-GPU defaults. vLLM V0 (< 0.8) without
    // chunked prefill profiled max(max_model_len, 2048) tokens with max_num_seqs
    // 256; with chunked prefill (auto-enabled above 32K context) 2048.
    let big_gpu = gpu.memory_bytes.get() >= 70 * GIB && !is_a100(gpu);
    let v1 = version >= (0, 8);
    let max_num_seqs = match s.max_num_seqs {
        Some(v) => v,
        None => {
            let (v, src) = match engine {
                Engine::Vllm | Engine::Generic if v1 && big_gpu => (1024, "vLLM V1 default for GPUs >= 70 GiB other than A100 (vllm/engine/arg_utils.py _set_default_args_v1)"),
                Engine::Vllm | Engine::Generic => (256, "vLLM default max_num_seqs 256 (vllm/engine/arg_utils.py)"),
                Engine::Sglang => (4096, "SGLang max_running_requests: bounded by the KV pool; 4096 upper default (sglang/srt/server_args.py)"),
                Engine::TensorrtLlm => (2048, "trtllm-serve max_batch_size default 2048"),
            };
            note(out, "serving.max_num_seqs", v, src);
            v
        }
    };
    let max_num_batched_tokens = match s.max_num_batched_tokens {
        Some(v) => v,
        None => {
            let (v, src): (u64, &str) = match engine {
                Engine::Vllm | Engine::Generic if v1 && big_gpu => (8192, "vLLM V1 default for GPUs >= 70 GiB other than A100 (vllm/engine/arg_utils.py _set_default_args_v1)"),
                Engine::Vllm | Engine::Generic if v1 => (2048, "vLLM V1 default for GPUs < 70 GiB and A100s (vllm/engine/arg_utils.py _set_default_args_v1)"),
                Engine::Vllm | Engine::Generic if max_model_len > 32768 => (2048, "vLLM V0: chunked prefill auto-enabled above 32K context, 2048 tokens"),
                Engine::Vllm | Engine::Generic => (max_model_len.max(2048), "vLLM V0 without chunked prefill: max(max_model_len, 2048) (vllm/config.py SchedulerConfig)"),
                Engine::Sglang => (8192, "SGLang chunked_prefill_size default 8192 on large GPUs (sglang/srt/server_args.py)"),
                Engine::TensorrtLlm => (8192, "trtllm-serve max_num_tokens default 8192"),
            };
            note(out, "serving.max_num_batched_tokens", v, src);
            v
        }
    };

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
        (Engine::Vllm, None) => {
            note(
                out,
                "serving.gpu_memory_utilization",
                "0.90",
                "vLLM CacheConfig.gpu_memory_utilization default 0.9",
            );
            0.90
        }
        (Engine::Sglang, None) => {
            // SGLang 0.4.x ServerArgs.__post_init__: mem_fraction_static by TP size.
            let f = match tp {
                t if t >= 16 => 0.79,
                t if t >= 8 => 0.81,
                t if t >= 4 => 0.85,
                t if t >= 2 => 0.87,
                _ => 0.88,
            };
            note(out, "serving.gpu_memory_utilization", format!("{f:.2}"), "SGLang 0.4 mem_fraction_static default by TP size: 0.88 (tp1), 0.87 (tp2), 0.85 (tp4), 0.81 (tp8), 0.79 (tp16) (sglang/srt/server_args.py)");
            f
        }
        (Engine::TensorrtLlm, None) => {
            note(out, "serving.gpu_memory_utilization", "0.90", "TensorRT-LLM KvCacheConfig.free_gpu_memory_fraction default 0.9 (of memory free after weights and activations)");
            0.90
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
    let cuda_graphs = s.cuda_graphs.unwrap_or(true);
    let replicas = match s.replicas {
        Some(r) => r,
        None => {
            note(out, "serving.replicas", 1, "not given");
            1
        }
    };
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
