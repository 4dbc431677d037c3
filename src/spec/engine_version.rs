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

/// vLLM (and `engine: generic`, which takes vLLM's scheduler defaults).
pub const VLLM_ROWS: &[DefaultsRow] = &[
    DefaultsRow {
        first: (0, 6),
        last: (0, 7),
        label: "vLLM 0.6-0.7 (V0 engine)",
        source: "vllm/engine/arg_utils.py and vllm/config.py, v0.6.0-v0.7.3: max_num_seqs 256, max_num_batched_tokens max(max_model_len, 2048); CUDA graphs captured after the KV cache is sized",
    },
    DefaultsRow {
        first: (0, 8),
        last: (0, 20),
        label: "vLLM 0.8-0.20 (V1 engine)",
        source: "vllm/engine/arg_utils.py _set_default_args_v1, v0.8.0 onwards: 8192 batched tokens and 1024 sequences on GPUs >= 70 GiB other than A100, else 2048/256; CUDA graphs captured after the KV cache is sized",
    },
    DefaultsRow {
        first: (0, 21),
        last: (0, 21),
        label: "vLLM 0.21",
        source: "V1 defaults (vllm/engine/arg_utils.py _set_default_args_v1: 8192 batched tokens and 1024 sequences on GPUs >= 70 GiB other than A100, else 2048/256), and the CUDA-graph memory estimate subtracted inside the budget (default since v0.21, https://github.com/eugr/spark-vllm-docker/issues/396)",
    },
];

/// SGLang.
pub const SGLANG_ROWS: &[DefaultsRow] = &[DefaultsRow {
    first: (0, 4),
    last: (0, 4),
    label: "SGLang 0.4",
    source: "sglang/srt/server_args.py, v0.4.x: mem_fraction_static by TP size, page_size 1, chunked_prefill_size 8192",
}];

/// TensorRT-LLM.
pub const TRTLLM_ROWS: &[DefaultsRow] = &[DefaultsRow {
    first: (0, 20),
    last: (0, 20),
    label: "TensorRT-LLM 0.20",
    source: "tensorrt_llm KvCacheConfig (free_gpu_memory_fraction 0.9, tokens_per_block 32) and trtllm-serve (max_batch_size 2048, max_num_tokens 8192), v0.20",
}];

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
        assert_eq!(r.label, "vLLM 0.21");
        assert_eq!(clamp_to_row((9, 9), r), (0, 21));
        let (r, inside) = row_for(Engine::Vllm, (0, 4));
        assert!(!inside);
        assert_eq!(clamp_to_row((0, 4), r), (0, 6));
        let (r, inside) = row_for(Engine::Sglang, (0, 5));
        assert!(!inside);
        assert_eq!(r.label, "SGLang 0.4");
        assert_eq!(known_versions(Engine::Vllm), "0.6-0.7, 0.8-0.20, 0.21");
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
