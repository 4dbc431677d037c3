//! Non-torch runtime memory per GPU: CUDA context, NCCL buffers at TP >= 2,
//! CUDA graphs, cuBLAS workspace. These are constants, not formulas, read
//! from the engine's defaults-table row (plan/engine/), each with its
//! provenance: calibrated on a public log (and on which engine version: the
//! constant's, not the spec's) or a planning figure (docs/memory-math.md
//! section 4).

use super::engine::{EngineSettings, KvSizing};
use super::types::Assumption;
use crate::spec::Engine;

pub use super::engine::vllm_constants::{
    CUDA_GRAPH_POOL as CUDA_GRAPHS, NON_TORCH_MULTI as VLLM_NON_TORCH_TP2,
    NON_TORCH_TP1 as VLLM_NON_TORCH_TP1,
};
/// SGLang / TensorRT-LLM / generic: CUDA context + cuBLAS workspace at TP = 1.
pub use super::engine::CONTEXT_TP1;

/// What the runtime costs, and which part the engine subtracts from its budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Runtime {
    /// Non-torch memory inside the engine's budget (vLLM subtracts it before
    /// sizing the KV cache): `per_gpu.runtime_bytes`.
    pub in_budget: u64,
    /// CUDA graph pool (0 when graphs are off).
    pub cuda_graphs: u64,
    /// The part of `cuda_graphs` captured after the KV cache is sized, out of
    /// the memory the engine leaves free: reported, not subtracted.
    pub cuda_graphs_outside_budget: u64,
}

/// Non-torch memory per GPU during training: CUDA context + cuBLAS workspace,
/// plus NCCL communicators once the job spans GPUs (`world` = tensor x
/// pipeline x data ranks). The same planning figures as serving above.
pub fn training(world: u64) -> u64 {
    if world >= 2 {
        VLLM_NON_TORCH_TP2
    } else {
        CONTEXT_TP1
    }
}

pub fn runtime(e: &EngineSettings, tp: u64, out: &mut Vec<Assumption>) -> Runtime {
    let multi = tp >= 2;
    // The provenance names the version a constant was calibrated on, never
    // the spec's engine_version (a constant seen on vLLM 0.6 stays "vLLM 0.6").
    // `generic` takes vLLM's scheduler defaults but the neutral context figures.
    let fact = match (e.engine, multi) {
        (Engine::Generic, false) => super::engine::generic_context(false),
        (Engine::Generic, true) => super::engine::generic_context(true),
        (_, false) => e.row.non_torch_tp1,
        (_, true) if tp >= 4 => e.row.non_torch_tp4,
        (_, true) => e.row.non_torch_multi,
    };
    out.push(Assumption {
        field: "runtime (non-torch)".into(),
        value: format!("{} bytes", fact.value),
        source: fact.source.to_string(),
    });
    let pool = e.row.cuda_graph_pool;
    let cuda_graphs = if e.cuda_graphs { pool.value } else { 0 };
    // vLLM >= 0.20 subtracts a CUDA-graph estimate before sizing the KV cache,
    // and 0.34's extensible cache is committed after capture; earlier versions
    // (and the other engines) capture graphs out of the memory left free.
    let graphs_in_budget =
        e.engine == Engine::Vllm && e.row.kv_sizing.value != KvSizing::GraphsAfter;
    if e.cuda_graphs {
        let field = if graphs_in_budget {
            "cuda graphs (in budget)"
        } else {
            "cuda graphs (outside budget)"
        };
        let how = if e.engine == Engine::Vllm {
            e.row.kv_sizing.source
        } else {
            "captured after the KV cache is sized, from the memory the engine leaves free; reported, not subtracted"
        };
        out.push(Assumption {
            field: field.into(),
            value: format!("{cuda_graphs} bytes"),
            source: format!("planning figure: {how}"),
        });
    }
    let in_budget = if graphs_in_budget {
        fact.value.saturating_add(cuda_graphs)
    } else {
        fact.value
    };
    Runtime {
        in_budget,
        cuda_graphs,
        cuda_graphs_outside_budget: if graphs_in_budget { 0 } else { cuda_graphs },
    }
}
