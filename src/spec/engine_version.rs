//! `serving.engine_version`: how it parses, and which versions of each engine
//! memmath's serving defaults were taken from (the defaults table). The plan
//! (plan/engine.rs) takes every engine default from the row this module picks;
//! an unparsable version is SCH005 ([`check`], run with the spec's semantic
//! checks); a version outside the table is a warning naming the row used
//! (CAT011, emitted where the spec is resolved). docs/spec.md has the table.

use super::{Engine, ServingSpec, Spec};
use crate::codes;
use crate::diagnostics::Finding;

/// (major, minor) of an engine release.
pub type Version = (u64, u64);

/// One row of the defaults table: the releases of one engine whose defaults
/// (budget fraction, block size, scheduler limits, CUDA-graph accounting)
/// memmath encodes, and where they were read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DefaultsRow {
    pub first: Version,
    pub last: Version,
    pub label: &'static str,
    pub source: &'static str,
}

/// vLLM 0.6-0.7: the V0 engine.
pub const VLLM_0_6: DefaultsRow = DefaultsRow {
    first: (0, 6),
    last: (0, 7),
    label: "vLLM 0.6-0.7 (V0 engine)",
    source: "vllm/engine/arg_utils.py and vllm/config.py, v0.6.0-v0.7.3: max_num_seqs 256, max_num_batched_tokens max(max_model_len, 2048); CUDA graphs captured after the KV cache is sized",
};
/// vLLM 0.8-0.13: the V1 engine, synchronous scheduling.
pub const VLLM_0_8: DefaultsRow = DefaultsRow {
    first: (0, 8),
    last: (0, 13),
    label: "vLLM 0.8-0.13 (V1 engine)",
    source: "vllm/engine/arg_utils.py _set_default_args_v1, v0.8.0-v0.13.0: 8192 batched tokens and 1024 sequences on GPUs >= 70 GiB other than A100, else 2048/256; gpu_memory_utilization 0.9, block_size 16 (vllm/config/cache.py); CUDA graphs captured after the KV cache is sized",
};
/// vLLM 0.14-0.15: asynchronous scheduling on by default (off under PP).
pub const VLLM_0_14: DefaultsRow = DefaultsRow {
    first: (0, 14),
    last: (0, 15),
    label: "vLLM 0.14-0.15",
    source: "vllm/config/scheduler.py v0.14.0: async_scheduling defaults to None, resolved to on unless pipeline parallel (vllm/config/vllm.py); otherwise as 0.8-0.13",
};
/// vLLM 0.16-0.17: asynchronous scheduling also under pipeline parallelism.
pub const VLLM_0_16: DefaultsRow = DefaultsRow {
    first: (0, 16),
    last: (0, 17),
    label: "vLLM 0.16-0.17",
    source: "vllm/config/vllm.py v0.16.0: async scheduling on by default, pipeline parallelism included; otherwise as 0.14-0.15",
};
/// vLLM 0.18-0.19: `swap_space` removed.
pub const VLLM_0_18: DefaultsRow = DefaultsRow {
    first: (0, 18),
    last: (0, 19),
    label: "vLLM 0.18-0.19",
    source:
        "vllm/config/cache.py v0.18.0: swap_space and --swap-space removed; otherwise as 0.16-0.17",
};
/// vLLM 0.20-0.25: the CUDA-graph estimate inside the budget, fraction 0.92.
pub const VLLM_0_20: DefaultsRow = DefaultsRow {
    first: (0, 20),
    last: (0, 25),
    label: "vLLM 0.20-0.25",
    source: "vllm/envs.py v0.20.0: VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS defaults to 1 (the CUDA-graph estimate is subtracted before the KV cache is sized, vllm/v1/worker/gpu_worker.py determine_available_memory) and vllm/config/cache.py gpu_memory_utilization 0.92",
};
/// vLLM 0.26-0.27: sliding-window layers keep every in-flight batch.
pub const VLLM_0_26: DefaultsRow = DefaultsRow {
    first: (0, 26),
    last: (0, 27),
    label: "vLLM 0.26-0.27",
    source: "vllm/v1/kv_cache_interface.py v0.26.0: SlidingWindowSpec reserves max_in_flight_tokens = max_concurrent_batches x max_num_batched_tokens past the window (vllm/config/vllm.py); otherwise as 0.20-0.25",
};
/// vLLM 0.28-0.33: batch defaults for GPUs of 160 GiB and more.
pub const VLLM_0_28: DefaultsRow = DefaultsRow {
    first: (0, 28),
    last: (0, 33),
    label: "vLLM 0.28-0.33",
    source: "vllm/engine/arg_utils.py v0.28.0: 16384 batched tokens and 1024 sequences on GPUs >= 160 GiB; otherwise as 0.26-0.27",
};
/// vLLM 0.34: the extensible KV cache, block size 64.
pub const VLLM_0_34: DefaultsRow = DefaultsRow {
    first: (0, 34),
    last: (0, 34),
    label: "vLLM 0.34",
    source: "vllm/config/cache.py v0.34.0: DEFAULT_BLOCK_SIZE 64, enable_extensible_kv_cache on CUDA (the KV cache is committed after CUDA-graph capture and warm-up, vllm/v1/worker/extensible_kv_cache.py), gpu_memory_utilization unset resolves to 1.0",
};

/// vLLM (and `engine: generic`, which takes vLLM's scheduler defaults).
pub const VLLM_ROWS: &[DefaultsRow] = &[
    VLLM_0_6, VLLM_0_8, VLLM_0_14, VLLM_0_16, VLLM_0_18, VLLM_0_20, VLLM_0_26, VLLM_0_28, VLLM_0_34,
];

/// SGLang 0.4.
pub const SGLANG_0_4: DefaultsRow = DefaultsRow {
    first: (0, 4),
    last: (0, 4),
    label: "SGLang 0.4",
    source: "sglang/srt/server_args.py, v0.4.x: mem_fraction_static by TP size, page_size 1, chunked_prefill_size 8192",
};
/// SGLang 0.5.
pub const SGLANG_0_5: DefaultsRow = DefaultsRow {
    first: (0, 5),
    last: (0, 5),
    label: "SGLang 0.5",
    source: "sglang/srt/arg_groups/memory_hook.py, v0.5.23: chunked_prefill_size and CUDA-graph max batch by GPU memory, mem_fraction_static = (GPU memory - reserved) / GPU memory",
};

/// SGLang.
pub const SGLANG_ROWS: &[DefaultsRow] = &[SGLANG_0_4, SGLANG_0_5];

/// TensorRT-LLM 0.20.
pub const TRTLLM_0_20: DefaultsRow = DefaultsRow {
    first: (0, 20),
    last: (0, 20),
    label: "TensorRT-LLM 0.20",
    source: "tensorrt_llm KvCacheConfig (free_gpu_memory_fraction 0.9, tokens_per_block 32) and trtllm-serve (max_batch_size 2048, max_num_tokens 8192), v0.20",
};
/// TensorRT-LLM 1.x (PyTorch backend by default).
pub const TRTLLM_1_0: DefaultsRow = DefaultsRow {
    first: (1, 0),
    last: (1, 4),
    label: "TensorRT-LLM 1.0-1.4",
    source: "tensorrt_llm/llmapi/llm_args.py KvCacheConfig (free_gpu_memory_fraction 0.9, tokens_per_block 32; https://nvidia.github.io/TensorRT-LLM/llm-api/reference/KvCacheConfig.html) and BaseLlmArgs (max_batch_size 2048, max_num_tokens 8192), v1.0-v1.4",
};

/// TensorRT-LLM.
pub const TRTLLM_ROWS: &[DefaultsRow] = &[TRTLLM_0_20, TRTLLM_1_0];

/// The defaults table of `engine`.
pub fn rows(engine: Engine) -> &'static [DefaultsRow] {
    match engine {
        Engine::Vllm | Engine::Generic => VLLM_ROWS,
        Engine::Sglang => SGLANG_ROWS,
        Engine::TensorrtLlm => TRTLLM_ROWS,
    }
}

/// The version assumed when `engine_version` is absent.
pub fn default_version(engine: Engine) -> Version {
    match engine {
        Engine::Vllm | Engine::Generic => (0, 11),
        Engine::Sglang => (0, 4),
        Engine::TensorrtLlm => (0, 20),
    }
}

/// Parse "0.11", "0.6.3", "v0.10.1rc1", "1" into (major, minor). Anything
/// else (`banana`, `0.`, `.5`, `0.x`) is `None`.
pub fn parse_version(v: &str) -> Option<Version> {
    let v = v.trim().strip_prefix('v').unwrap_or(v.trim());
    let mut parts = v.splitn(2, '.');
    let major_str = parts.next()?;
    if major_str.is_empty() || !major_str.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let major = major_str.parse().ok()?;
    let minor = match parts.next() {
        None => 0,
        Some(rest) => {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()?
        }
    };
    Some((major, minor))
}

/// The row whose defaults a version gets, and whether the version is inside
/// it. Outside the table: the nearest row (the first below it, the last above).
pub fn row_for(engine: Engine, v: Version) -> (&'static DefaultsRow, bool) {
    let table = rows(engine);
    if let Some(r) = table.iter().find(|r| r.first <= v && v <= r.last) {
        return (r, true);
    }
    let below = table.iter().rev().find(|r| r.first <= v);
    (below.unwrap_or(&table[0]), false)
}

/// `v` moved into `row` (the version whose behaviour the plan then models).
pub fn clamp_to_row(v: Version, row: &DefaultsRow) -> Version {
    v.clamp(row.first, row.last)
}

/// "0.6-0.7, 0.8-0.20, 0.21": the releases the table covers.
pub fn known_versions(engine: Engine) -> String {
    rows(engine)
        .iter()
        .map(|r| {
            if r.first == r.last {
                format!("{}.{}", r.first.0, r.first.1)
            } else {
                format!("{}.{}-{}.{}", r.first.0, r.first.1, r.last.0, r.last.1)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// SCH005 when `serving.engine_version` is not a version.
pub fn check(spec: &Spec) -> Option<Finding> {
    let ServingSpec {
        engine,
        engine_version: Some(v),
        ..
    } = spec.serving.as_ref()?
    else {
        return None;
    };
    if parse_version(v).is_some() {
        return None;
    }
    let (d0, d1) = default_version(*engine);
    Some(
        codes::SCH005.finding(
            "/serving/engine_version",
            format!(
                "`engine_version` {v:?} is not a version: expected MAJOR.MINOR[.PATCH] such as \"{d0}.{d1}\"; memmath knows {} {}",
                engine.as_str(),
                known_versions(*engine)
            ),
        )
        .with_fix(format!(
            "write the {} release you deploy (`pip show {}`), or remove the field to assume {d0}.{d1}",
            engine.as_str(),
            engine.as_str()
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version("0.11"), Some((0, 11)));
        assert_eq!(parse_version("v0.10.1rc1"), Some((0, 10)));
        assert_eq!(parse_version("0.6.3"), Some((0, 6)));
        assert_eq!(parse_version("1"), Some((1, 0)));
        for bad in ["x", "banana", "", "v", "0.", ".5", "0.x", "-1.2", "1e3"] {
            assert_eq!(parse_version(bad), None, "{bad}");
        }
    }

    #[test]
    fn rows_cover_and_clamp() {
        let (r, inside) = row_for(Engine::Vllm, (0, 11));
        assert!(inside);
        assert_eq!(r.first, (0, 8));
        let (r, inside) = row_for(Engine::Vllm, (9, 9));
        assert!(!inside);
        assert_eq!(r.label, "vLLM 0.34");
        assert_eq!(clamp_to_row((9, 9), r), (0, 34));
        let (r, inside) = row_for(Engine::Vllm, (0, 4));
        assert!(!inside);
        assert_eq!(clamp_to_row((0, 4), r), (0, 6));
        let (r, inside) = row_for(Engine::Sglang, (0, 6));
        assert!(!inside);
        assert_eq!(r.label, "SGLang 0.5");
        assert_eq!(
            known_versions(Engine::Vllm),
            "0.6-0.7, 0.8-0.13, 0.14-0.15, 0.16-0.17, 0.18-0.19, 0.20-0.25, 0.26-0.27, 0.28-0.33, 0.34"
        );
        // Rows are contiguous and ordered: every release between the first and
        // the last has exactly one row.
        for e in [Engine::Vllm, Engine::Sglang, Engine::TensorrtLlm] {
            for w in rows(e).windows(2) {
                assert!(w[0].first <= w[0].last && w[0].last < w[1].first, "{e:?}");
            }
        }
        for e in [
            Engine::Vllm,
            Engine::Generic,
            Engine::Sglang,
            Engine::TensorrtLlm,
        ] {
            assert!(
                row_for(e, default_version(e)).1,
                "{e:?} default outside its table"
            );
        }
    }
}
