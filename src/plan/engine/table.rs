//! The shape of one row of an engine's defaults table: every default or
//! constant that moved between releases, each with the source file it was read
//! from. The rows themselves live in vllm.rs, sglang.rs and trtllm.rs; the
//! version ranges they cover are the rows of `spec::engine_version` (the same
//! ranges CAT011 reports), so the two tables cannot drift apart.

use crate::spec::engine_version::DefaultsRow;
use crate::spec::Engine;

/// A value and where it was read (engine source path, release range).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fact<T> {
    pub value: T,
    pub source: &'static str,
}

/// How the engine's memory fraction defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fraction {
    /// One value whatever the deployment.
    Fixed(f64),
    /// SGLang 0.4 `mem_fraction_static` by TP size: the first row whose
    /// minimum TP the deployment reaches (rows in descending TP order).
    ByTp(&'static [(u64, f64)]),
    /// SGLang >= 0.5: `(gpu_mem - reserved) / gpu_mem`, rounded to three
    /// decimals, with `reserved` from the chunked-prefill size, the decode
    /// CUDA-graph batch and the parallel size (see sglang.rs).
    SglangReserved,
}

/// When the engine sizes its KV cache relative to CUDA-graph capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KvSizing {
    /// KV sized from the profile run; CUDA graphs are captured afterwards out
    /// of the memory the engine leaves free (reported, not subtracted).
    GraphsAfter,
    /// A CUDA-graph memory estimate is subtracted from the budget before the
    /// KV cache is sized.
    GraphsInBudget,
    /// An extensible KV cache: address space reserved, pages committed after
    /// CUDA-graph capture and warm-up, from what is then measured free.
    AfterCapture,
}

/// One tier of batch defaults: GPUs with at least `min_gib` GiB (and, when
/// `not_a100`, not an A100) get these limits. Tiers are tried in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchTier {
    pub min_gib: u64,
    pub not_a100: bool,
    pub max_num_batched_tokens: u64,
    pub max_num_seqs: u64,
    /// Where the tier was read.
    pub source: &'static str,
}

/// How `max_num_seqs` and `max_num_batched_tokens` default.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Batch {
    /// vLLM V0: 256 sequences; max(max_model_len, 2048) tokens without
    /// chunked prefill, 2048 with it (auto-enabled above 32K context).
    VllmV0,
    /// The first tier the GPU reaches (the last tier has min 0): vLLM V1,
    /// SGLang 0.5's `chunked_prefill_size` by GPU memory.
    Tiers(&'static [BatchTier]),
    /// The same limits on every GPU.
    Fixed {
        max_num_seqs: u64,
        max_num_batched_tokens: u64,
        seqs_source: &'static str,
        tokens_source: &'static str,
    },
}

/// Everything one row of an engine's table fixes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EngineRow {
    /// The releases this row covers (its range, label and summary).
    pub versions: &'static DefaultsRow,
    /// Default KV block size in tokens.
    pub block_size: Fact<u64>,
    /// Default block size for MLA models, where the backend imposes one.
    pub mla_block_size: Option<Fact<u64>>,
    /// Default memory fraction.
    pub fraction: Fact<Fraction>,
    /// Where CUDA graphs sit relative to the KV sizing.
    pub kv_sizing: Fact<KvSizing>,
    /// Scheduler limits when the spec leaves them out.
    pub batch: Fact<Batch>,
    /// Asynchronous scheduling by default: vLLM's `max_concurrent_batches`
    /// is pp + 1 with it, pp without.
    pub async_scheduling: Fact<bool>,
    /// Whether asynchronous scheduling stays on under pipeline parallelism.
    pub async_under_pp: bool,
    /// Whether sliding-window layers keep `in-flight batches x
    /// max_num_batched_tokens` past the window (vLLM `max_in_flight_tokens`),
    /// rather than one batch.
    pub sliding_keeps_in_flight: Fact<bool>,
    /// Non-torch memory at TP = 1, at TP 2-3 and at TP >= 4.
    pub non_torch_tp1: Fact<u64>,
    pub non_torch_multi: Fact<u64>,
    pub non_torch_tp4: Fact<u64>,
    /// CUDA-graph pool with the default capture sizes.
    pub cuda_graph_pool: Fact<u64>,
    /// Flags this release no longer accepts (for importers and reports).
    pub removed_flags: &'static [Fact<&'static str>],
}

impl EngineRow {
    /// "vLLM 0.8-0.10": the row's label.
    pub fn label(&self) -> &'static str {
        self.versions.label
    }
}

/// The row of `engine`'s table for `version` (a version already placed inside
/// the table by `spec::engine_version::clamp_to_row`).
pub fn row(engine: Engine, version: (u64, u64)) -> &'static EngineRow {
    let rows: &'static [EngineRow] = match engine {
        Engine::Vllm | Engine::Generic => super::vllm::ROWS,
        Engine::Sglang => super::sglang::ROWS,
        Engine::TensorrtLlm => super::trtllm::ROWS,
    };
    rows.iter()
        .find(|r| r.versions.first <= version && version <= r.versions.last)
        .or_else(|| rows.iter().rev().find(|r| r.versions.first <= version))
        .unwrap_or(&rows[0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::engine_version;

    /// Each engine's rows are exactly the version rows of spec::engine_version,
    /// in order: one table of ranges, read by CAT011 and by the plan.
    #[test]
    fn rows_match_the_version_table() {
        for (engine, rows) in [
            (Engine::Vllm, super::super::vllm::ROWS),
            (Engine::Sglang, super::super::sglang::ROWS),
            (Engine::TensorrtLlm, super::super::trtllm::ROWS),
        ] {
            let ranges: Vec<_> = rows.iter().map(|r| *r.versions).collect();
            let index: Vec<_> = engine_version::rows(engine).to_vec();
            assert_eq!(ranges, index, "{engine:?}");
            for r in rows {
                for (what, src) in [
                    ("block_size", r.block_size.source),
                    ("fraction", r.fraction.source),
                    ("kv_sizing", r.kv_sizing.source),
                    ("batch", r.batch.source),
                    ("async_scheduling", r.async_scheduling.source),
                    ("non_torch_tp1", r.non_torch_tp1.source),
                    ("non_torch_multi", r.non_torch_multi.source),
                    ("non_torch_tp4", r.non_torch_tp4.source),
                    ("cuda_graph_pool", r.cuda_graph_pool.source),
                ] {
                    assert!(!src.trim().is_empty(), "{} {what}: no source", r.label());
                }
            }
        }
    }

    #[test]
    fn every_version_finds_its_row() {
        for engine in [Engine::Vllm, Engine::Sglang, Engine::TensorrtLlm] {
            for r in engine_version::rows(engine) {
                assert_eq!(row(engine, r.first).versions, r);
                assert_eq!(row(engine, r.last).versions, r);
            }
        }
    }
}
