//! Non-torch runtime memory per GPU: CUDA context, NCCL buffers at TP >= 2,
//! CUDA graphs, cuBLAS workspace. These are constants, not formulas; each
//! assumption says whether it was calibrated on a public log (and on which
//! engine version: the constant's, not the spec's) or is a planning figure
//! (docs/memory-math.md section 4).

use super::engine::EngineSettings;
use super::types::Assumption;
use crate::spec::Engine;
use crate::units::MIB;

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

/// vLLM non-torch memory at TP = 1: 0.35 GiB observed with vLLM 0.6.x
/// ("non_torch_memory=0.35GiB", Llama-3.1-8B on an RTX 3090,
/// https://github.com/vllm-project/vllm/issues/10517).
pub const VLLM_NON_TORCH_TP1: u64 = 358 * MIB;
/// vLLM non-torch memory at TP >= 2 (NCCL communicators and the custom
/// all-reduce buffers): a ~2 GiB planning figure, not calibrated on one
/// version; public logs vary (3.58 GiB at TP 2 on an H100 with a vLLM 0.6.x build of December 2024,
/// https://github.com/vllm-project/vllm/pull/10511; docs/memory-math.md section 4).
pub const VLLM_NON_TORCH_TP2: u64 = 2048 * MIB;
/// CUDA graph pool with the default capture sizes: vLLM prints "Graph capturing
/// finished in N secs, took 0.3-1 GiB"; 512 MiB is the planning figure.
pub const CUDA_GRAPHS: u64 = 512 * MIB;
/// SGLang / TensorRT-LLM / generic: CUDA context + cuBLAS workspace at TP = 1.
pub const CONTEXT_TP1: u64 = 512 * MIB;
/// First vLLM version that profiles CUDA graphs inside the budget by default.
pub const VLLM_GRAPHS_IN_BUDGET: (u64, u64) = (0, 21);

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
    let (base, src) = match (e.engine, multi) {
        (Engine::Vllm, false) => (VLLM_NON_TORCH_TP1, "calibrated constant, vLLM 0.6: non_torch_memory at TP=1, 0.35 GiB (https://github.com/vllm-project/vllm/issues/10517)"),
        (Engine::Vllm, true) => (VLLM_NON_TORCH_TP2, "planning figure, not calibrated on one vLLM version: NCCL + custom all-reduce at TP>=2, ~2 GiB (docs/memory-math.md section 4)"),
        (_, false) => (CONTEXT_TP1, "planning figure: CUDA context + cuBLAS workspace, 0.5 GiB (docs/memory-math.md section 4)"),
        (_, true) => (VLLM_NON_TORCH_TP2, "planning figure: CUDA context + NCCL buffers at TP>=2, ~2 GiB (docs/memory-math.md section 4)"),
    };
    out.push(Assumption {
        field: "runtime (non-torch)".into(),
        value: format!("{base} bytes"),
        source: src.to_string(),
    });
    let cuda_graphs = if e.cuda_graphs { CUDA_GRAPHS } else { 0 };
    // vLLM profiles CUDA graph memory inside the budget by default from 0.21
    // (`VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS`, opt-in since 0.19; "the
    // CUDA-graph memory profiling (default since v0.21)",
    // https://github.com/eugr/spark-vllm-docker/issues/396). Earlier versions
    // captured graphs after sizing the KV cache, out of the memory left free.
    let graphs_in_budget = e.engine == Engine::Vllm && e.version >= VLLM_GRAPHS_IN_BUDGET;
    if e.cuda_graphs {
        let (field, how) = if graphs_in_budget {
            (
                "cuda graphs (in budget)",
                "vLLM >= 0.21 subtracts its CUDA-graph estimate from the budget",
            )
        } else {
            ("cuda graphs (outside budget)", "captured after the KV cache is sized, from the memory the engine leaves free; reported, not subtracted")
        };
        out.push(Assumption {
            field: field.into(),
            value: format!("{cuda_graphs} bytes"),
            source: format!("planning figure: {how}"),
        });
    }
    let in_budget = if graphs_in_budget {
        base.saturating_add(cuda_graphs)
    } else {
        base
    };
    Runtime {
        in_budget,
        cuda_graphs,
        cuda_graphs_outside_budget: if graphs_in_budget { 0 } else { cuda_graphs },
    }
}
