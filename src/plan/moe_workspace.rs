//! vLLM's fused-MoE workspace: the intermediate caches the Triton experts
//! kernel needs for the tokens of one forward pass, sized in the profiling run
//! at `max_num_batched_tokens`.
//!
//! Shapes (elements, model dtype), with M tokens reaching the experts, k =
//! `num_experts_per_tok`, N = 2 x the expert intermediate size on this rank
//! (gate and up; the whole size under expert parallelism) and K = hidden:
//!
//! - vLLM 0.8-0.13, `fused_experts_impl` (vllm/model_executor/layers/
//!   fused_moe/fused_moe.py, read at 0.8.5, 0.10.1.1, 0.11.1 and 0.13.0):
//!   `cache13 = M k max(N, K)` (caches 1 and 3 share it) and `cache2 = M k
//!   N/2`, allocated per call with `M = min(tokens, VLLM_FUSED_MOE_CHUNK_SIZE)`
//!   (vllm/envs.py: 32768 in 0.8.5-0.11.1, 16384 in 0.13.0) and freed after
//!   each layer: a transient of the MoE layer.
//! - vLLM 0.14-0.34, `FusedMoEModularKernel._allocate_buffers`
//!   (fused_moe/modular_kernel.py, read at 0.14.0, 0.16.0, 0.17.0, 0.18.0,
//!   0.19.0, 0.20.0, 0.26.0, 0.28.0, 0.33.0, 0.34.0; the unquantized method
//!   calls the modular kernel from 0.14.0, `fused_experts` directly in 0.13.0)
//!   takes `TritonExperts.workspace_shapes`: `workspace13 = (M, k, max(N/2,
//!   K))` (the output `(M, K)` reuses it) and `workspace2 = (M, k, max(N,
//!   K))`, from `current_workspace_manager().get_simultaneous`
//!   (vllm/v1/worker/workspace.py), which keeps its largest allocation for
//!   the life of the engine. The profile run's size therefore stays allocated
//!   through the sampler warm-up and into serving. M is chunked at
//!   `VLLM_FUSED_MOE_CHUNK_SIZE` (16384) through 0.17.0 and is the whole
//!   batch from 0.18.0 (`_allocate_buffers(..., M_full, M_full, ...)`).
//!
//! Priced for the weight formats that run the Triton experts (16/32-bit,
//! FP8, INT8) and for 4-bit GPTQ/AWQ, whose `MarlinExperts.workspace_shapes`
//! (fused_moe/fused_marlin_moe.py, read at 0.19.0) asks for the same sizes:
//! `(M k, max(N/2, K))` and `M k max(N, K)` with N/2 its intermediate size.
//! MXFP4 (OAI Triton kernels; vLLM 0.19.0's logged peak for gpt-oss-20b,
//! docs/accuracy.md case 34, leaves no room for it) and NVFP4 have their own
//! kernels, not modelled here.

use super::math::{add, mul, MathResult};

/// Where the workspace lives in vLLM `version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workspace {
    /// Allocated and freed inside each MoE layer (`fused_experts_impl`),
    /// tokens chunked at the given size.
    PerLayer { chunk: u64 },
    /// Held by the workspace manager from the profile run on, tokens chunked
    /// at `chunk` when Some.
    Persistent { chunk: Option<u64> },
}

/// The workspace regime of vLLM `version` (module doc for the releases read).
pub fn vllm_workspace(version: (u64, u64)) -> Workspace {
    match version {
        v if v <= (0, 12) => Workspace::PerLayer { chunk: 32_768 },
        (0, 13) => Workspace::PerLayer { chunk: 16_384 },
        v if v <= (0, 17) => Workspace::Persistent {
            chunk: Some(16_384),
        },
        _ => Workspace::Persistent { chunk: None },
    }
}

/// Bytes of the workspace for `tokens` tokens (before chunking).
/// `n` = 2 x expert intermediate size on the rank, `k_hidden` = hidden size.
pub fn bytes(
    w: Workspace,
    tokens: u64,
    top_k: u64,
    n: u64,
    k_hidden: u64,
    act_bytes: u64,
) -> MathResult<u64> {
    let (m, widths) = match w {
        Workspace::PerLayer { chunk } => (tokens.min(chunk), add(n.max(k_hidden), n / 2)?),
        Workspace::Persistent { chunk } => (
            chunk.map_or(tokens, |c| tokens.min(c)),
            add((n / 2).max(k_hidden), n.max(k_hidden))?,
        ),
    };
    mul(mul(mul(m, top_k)?, widths)?, act_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qwen3_30b_a3b_by_hand() {
        // Qwen3-30B-A3B (config.json: hidden 2048, moe_intermediate_size 768,
        // 8 experts per token), TP 1, 8192 tokens, bf16, vLLM 0.19:
        // N = 1536, K = 2048; 8192 x 8 x (max(768, 2048) + max(1536, 2048))
        // x 2 B = 8192 x 8 x 4096 x 2 = 536,870,912 B = 0.5 GiB
        // (shared/memory-math-v2.md section 5 gets the same 0.5 GiB).
        let w = vllm_workspace((0, 19));
        assert_eq!(w, Workspace::Persistent { chunk: None });
        assert_eq!(bytes(w, 8192, 8, 1536, 2048, 2), Ok(536_870_912));
    }

    #[test]
    fn mixtral_tp2_by_hand() {
        // Mixtral-8x7B (hidden 4096, intermediate 14336, top-2) at TP 2:
        // N = 14336, K = 4096; 8192 x 2 x (7168 + 14336) x 2 = 704,643,072.
        assert_eq!(
            bytes(vllm_workspace((0, 19)), 8192, 2, 14_336, 4096, 2),
            Ok(704_643_072)
        );
    }

    #[test]
    fn per_layer_caches_and_chunks() {
        // vLLM 0.11: cache13 max(N, K) + cache2 N/2 per token and expert.
        // 8192 x 8 x (2048 + 768) x 2 = 369,098,752.
        let w = vllm_workspace((0, 11));
        assert_eq!(w, Workspace::PerLayer { chunk: 32_768 });
        assert_eq!(bytes(w, 8192, 8, 1536, 2048, 2), Ok(369_098_752));
        // 65,536 tokens are processed 32,768 at a time.
        assert_eq!(bytes(w, 65_536, 8, 1536, 2048, 2), Ok(4 * 369_098_752));
        // 0.13 chunks at 16,384; 0.14-0.17 keep the chunked size persistently.
        assert_eq!(
            vllm_workspace((0, 13)),
            Workspace::PerLayer { chunk: 16_384 }
        );
        assert_eq!(
            vllm_workspace((0, 17)),
            Workspace::Persistent {
                chunk: Some(16_384)
            }
        );
        assert_eq!(
            bytes(vllm_workspace((0, 14)), 32_768, 8, 1536, 2048, 2),
            Ok(2 * 536_870_912)
        );
        assert_eq!(
            bytes(vllm_workspace((0, 18)), 32_768, 8, 1536, 2048, 2),
            Ok(4 * 536_870_912)
        );
    }
}
