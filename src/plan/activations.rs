//! Activation memory (issue 3 item 4): the inference engine's profiling-run
//! peak, and training activations per Korthikanti et al. 2022 derived for the
//! actual layer.
//!
//! ## Inference (vLLM `profile_run`, vllm/v1/worker/gpu_model_runner.py)
//! vLLM runs one dummy forward pass of `max_num_batched_tokens` tokens (T) and
//! then a dummy sampler pass over `max_num_seqs` rows; the torch peak increase
//! is subtracted from the budget. Per TP rank, 16-bit activations (b bytes):
//! - MLP phase (dense, gated): residual h, normed input h, gate_up output
//!   2I/t, SiLU-and-mul output I/t and down output h live together:
//!   T (3h + 3I/t) b, or T (3h + 2I/t) b for a plain MLP;
//! - MoE phase: T 2h b + router logits T E 4 B + the shared expert's MLP
//!   phase + the routed experts' intermediate caches. For vLLM V1 these are
//!   the fused-MoE workspace of `plan::moe_workspace` (per layer through
//!   0.13, held persistently from 0.14, so it adds to every later phase);
//!   otherwise (V0, other engines, non-Triton MoE kernels) `fused_moe`'s
//!   caches as M k (3 I_e/t + h) b with M = min(T, 32768);
//! - attention phase: T (2h + (q + 2 kv + o) widths per rank) b;
//! - sampler phase: vLLM V1's `_dummy_sampler_run` as `plan::sampler`
//!   derives it per release (fp32 logits, the top-k/top-p filter's copies,
//!   the forward's hidden states); where that was not read, the last hidden
//!   states T h b + fp32 logits `max_num_seqs x vocab x 4 B`
//!   (docs/memory-math.md section 4).
//!
//! The peak is the persistent MoE workspace plus the largest phase: each
//! phase's tensors are freed before the next begins (the sampler runs after
//! the forward pass returns).
//!
//! ## Training (Korthikanti et al. 2022, arXiv:2205.05198, section 4)
//! Their per-layer figure `s b h (34 + 5 a s / h)` assumes multi-head attention,
//! a 4h GeLU MLP and dropout, without FlashAttention. Re-derived per token for a
//! pre-norm layer with FlashAttention (no s x s score matrices stored), no
//! dropout, GQA and a gated MLP, 16-bit (2 B) tensors:
//! - two norm inputs: 4h; inputs to the QKV and MLP first linears: 2h + 2h;
//! - FlashAttention saves Q (2 H d), K and V (4 K d), its output O (2 H d, also
//!   the o_proj input) and the fp32 log-sum-exp (4 H);
//! - gated MLP: gate and up outputs (2I + 2I), SiLU output (2I), product (2I,
//!   the down_proj input) = 8I; a plain GeLU MLP keeps 4I.
//!
//! Sum: 8h + 4Hd + 4Kd + 4H + 8I. Check: with H d = h, K = H, I = 4h and a
//! plain MLP this is 32h = Korthikanti's 34h minus the two dropout masks.
//! Tensor + sequence parallel divides everything by t; tensor parallel without
//! SP leaves the 8h of norm/linear inputs whole (their `10 + 24/t` less the
//! masks). Selective recomputation drops only the `5as/h` score terms, which
//! FlashAttention never stores, so it equals none here; full recomputation
//! keeps the layer input, 2h per token (/t with SP), for every layer and
//! micro-batch in flight, plus, once per GPU, one layer's activations without
//! checkpointing for one micro-batch: backward recomputes a layer from its
//! input and holds all of that layer's activations while it runs (section 5).
//! Pipeline 1F1B keeps pp micro-batches in flight on the first stage (their
//! eq. 5 discussion).

use super::math::{add, ceil_div, mul, sum, MathResult};
use super::moe_workspace::{self, Workspace};
use super::sampler::{self, SamplerPath, SamplerRun};
use crate::catalog::Architecture;
use crate::spec::{Checkpointing, Engine, WeightDtype};

/// fused_moe processes at most this many tokens at once
/// (`VLLM_FUSED_MOE_CHUNK_SIZE`, vllm/envs.py, default 32768 in vLLM
/// 0.8.5-0.11.1): the estimate where `plan::moe_workspace` does not apply.
pub const FUSED_MOE_CHUNK: u64 = 32768;

/// What the engine's profiling run allocates beyond the forward pass's
/// activations, for the engine and version the plan models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProfileRun {
    /// vLLM V1's sampler path at this version; None keeps the fp32-logits
    /// estimate.
    pub sampler: Option<SamplerPath>,
    /// vLLM's fused-MoE workspace regime, when the MoE runs the Triton
    /// experts; None keeps the `fused_moe` estimate.
    pub moe_workspace: Option<Workspace>,
    /// Streaming multiprocessors (the Triton sampler buffer's rows).
    pub sms: u64,
}

impl ProfileRun {
    /// The estimate without engine specifics (V0, SGLang, TensorRT-LLM,
    /// generic).
    pub const GENERIC: ProfileRun = ProfileRun {
        sampler: None,
        moe_workspace: None,
        sms: 132,
    };

    /// vLLM V1 (0.8 on) at `version`: the sampler path and MoE workspace
    /// that release's profiling run takes; other engines and vLLM V0 get
    /// [`ProfileRun::GENERIC`].
    pub fn for_engine(
        engine: Engine,
        version: (u64, u64),
        weights: WeightDtype,
        gpu_name: &str,
    ) -> ProfileRun {
        if engine != Engine::Vllm || version < (0, 8) {
            return ProfileRun::GENERIC;
        }
        // The Triton experts run 16/32-bit, FP8 and INT8 weights; the
        // Marlin experts of 4-bit GPTQ/AWQ ask for the same sizes
        // (plan::moe_workspace module doc). MXFP4 and NVFP4 run their own.
        let triton_moe = matches!(
            weights,
            WeightDtype::Fp32
                | WeightDtype::Bf16
                | WeightDtype::Fp16
                | WeightDtype::Fp8
                | WeightDtype::Int8
                | WeightDtype::Int4
        );
        ProfileRun {
            sampler: sampler::vllm_path(version),
            moe_workspace: triton_moe.then(|| moe_workspace::vllm_workspace(version)),
            sms: sampler::sm_count(gpu_name),
        }
    }
}

/// Widths (elements per token, per rank) of the attention projections.
fn attention_widths(a: &Architecture, tp: u64) -> MathResult<u64> {
    let heads = ceil_div(a.attention_heads, tp)?;
    if let Some(m) = &a.mla {
        let qk = add(m.qk_nope_head_dim, m.qk_rope_head_dim)?;
        return sum([
            mul(heads, qk)?,
            add(m.kv_lora_rank, m.qk_rope_head_dim)?,
            mul(heads, add(m.qk_nope_head_dim, m.v_head_dim)?)?,
            mul(heads, m.v_head_dim)?,
        ]);
    }
    let kv = ceil_div(a.kv_heads, tp)?;
    mul(add(mul(2, heads)?, mul(2, kv)?)?, a.head_dim)
}

impl ProfileRun {
    /// What the assumption note adds: the sampler path and the MoE
    /// workspace regime taken (empty for [`ProfileRun::GENERIC`]).
    pub fn describe(&self, moe: bool) -> String {
        let mut out = String::new();
        if let Some(p) = self.sampler {
            out.push_str(match p {
                SamplerPath::SortTopKTopP => {
                    ", top-k/top-p by sort (vllm/v1/sample/ops/topk_topp_sampler.py)"
                }
                SamplerPath::TritonTopKTopP => {
                    ", top-k/top-p in Triton (vllm/v1/sample/ops/topk_topp_triton.py)"
                }
                SamplerPath::FlashInfer => {
                    ", FlashInfer top-k/top-p sampling (vllm/v1/sample/ops/topk_topp_sampler.py)"
                }
            });
        }
        match self.moe_workspace {
            Some(Workspace::PerLayer { .. }) if moe => {
                out.push_str(", fused-MoE caches per layer (fused_moe/fused_moe.py)")
            }
            Some(Workspace::Persistent { .. }) if moe => out.push_str(
                ", persistent fused-MoE workspace (fused_moe/modular_kernel.py, vllm/v1/worker/workspace.py)",
            ),
            _ => {}
        }
        out
    }
}

/// Expert intermediate size on one rank: whole under expert parallelism,
/// split by TP otherwise.
fn expert_width(a: &Architecture, tp: u64, ep: u64) -> MathResult<u64> {
    let m = a.moe.as_ref().map_or(0, |m| m.expert_intermediate_size);
    if ep > 1 {
        Ok(m)
    } else {
        ceil_div(m, tp)
    }
}

/// The fused-MoE workspace vLLM keeps from the profiling run on (0 for dense
/// models, per-layer regimes and engines without one).
pub fn persistent_workspace(
    a: &Architecture,
    tp: u64,
    ep: u64,
    batched_tokens: u64,
    act_bytes: u64,
    run: &ProfileRun,
) -> MathResult<u64> {
    match (&a.moe, run.moe_workspace) {
        (Some(m), Some(w @ Workspace::Persistent { .. })) => moe_workspace::bytes(
            w,
            batched_tokens,
            m.experts_per_token,
            mul(2, expert_width(a, tp, ep)?)?,
            a.hidden_size,
            act_bytes,
        ),
        _ => Ok(0),
    }
}

/// The sampler warm-up `compile_or_warm_up_model` runs after the KV cache is
/// allocated (vllm/v1/worker/gpu_worker.py, read at 0.19.0): a dummy forward
/// pass of `min(max_num_seqs, max_num_batched_tokens)` tokens, then
/// `_dummy_sampler_run` on as many rows; None where the release's sampler
/// was not read.
pub fn sampler_warmup(
    a: &Architecture,
    max_num_seqs: u64,
    batched_tokens: u64,
    act_bytes: u64,
    run: &ProfileRun,
) -> MathResult<Option<u64>> {
    let Some(path) = run.sampler else {
        return Ok(None);
    };
    let reqs = max_num_seqs.min(batched_tokens);
    sampler::peak(&SamplerRun {
        path,
        seqs: reqs,
        vocab: a.vocab_size,
        hidden: a.hidden_size,
        batched_tokens: reqs,
        act_bytes,
        sms: run.sms,
    })
    .map(Some)
}

/// Profiling-run peak on one TP rank of the last (or only) pipeline stage
/// (bytes).
pub fn inference_peak(
    a: &Architecture,
    tp: u64,
    ep: u64,
    batched_tokens: u64,
    max_num_seqs: u64,
    act_bytes: u64,
    run: &ProfileRun,
) -> MathResult<u64> {
    inference_peak_on(
        a,
        tp,
        ep,
        batched_tokens,
        max_num_seqs,
        act_bytes,
        run,
        true,
    )
}

/// Profiling-run peak on one TP rank; `samples` is false on a pipeline stage
/// before the last, which runs no sampler warm-up: `profile_run` calls
/// `_dummy_sampler_run` only `if get_pp_group().is_last_rank`
/// (vllm/v1/worker/gpu_model_runner.py, read at 0.9.2 and 0.19.0), and V0's
/// `ModelRunner.execute_model` returns the intermediate tensors before the
/// logits on the other ranks (vllm/worker/model_runner.py, 0.9.2).
#[allow(clippy::too_many_arguments)]
pub fn inference_peak_on(
    a: &Architecture,
    tp: u64,
    ep: u64,
    batched_tokens: u64,
    max_num_seqs: u64,
    act_bytes: u64,
    run: &ProfileRun,
    samples: bool,
) -> MathResult<u64> {
    let t = batched_tokens;
    let h = a.hidden_size;
    let attn = mul(
        mul(t, add(mul(2, h)?, attention_widths(a, tp)?)?)?,
        act_bytes,
    )?;
    let inter = ceil_div(a.intermediate_size, tp)?;
    let mlp_width = |i: u64| -> MathResult<u64> {
        if a.gated_mlp {
            add(mul(3, h)?, mul(3, i)?)
        } else {
            add(mul(3, h)?, mul(2, i)?)
        }
    };
    let dense = mul(mul(t, mlp_width(inter)?)?, act_bytes)?;
    let mut layer_peak = attn.max(dense);
    let persistent = persistent_workspace(a, tp, ep, t, act_bytes, run)?;
    if let Some(m) = &a.moe {
        let ie = expert_width(a, tp, ep)?;
        let routed = match run.moe_workspace {
            None => mul(
                mul(t.min(FUSED_MOE_CHUNK), m.experts_per_token)?,
                mul(add(mul(3, ie)?, h)?, act_bytes)?,
            )?,
            Some(w @ Workspace::PerLayer { .. }) => {
                moe_workspace::bytes(w, t, m.experts_per_token, mul(2, ie)?, h, act_bytes)?
            }
            Some(Workspace::Persistent { .. }) => 0,
        };
        let shared_width = match m.shared_expert_intermediate_size {
            Some(w) => w,
            None => mul(m.shared_experts, m.expert_intermediate_size)?,
        };
        let shared = mul(mul(t, mul(3, ceil_div(shared_width, tp)?)?)?, act_bytes)?;
        let router = mul(mul(t, m.experts)?, 4)?;
        let moe = sum([mul(mul(t, mul(2, h)?)?, act_bytes)?, routed, shared, router])?;
        if m.dense_layers < a.layers {
            layer_peak = layer_peak.max(moe);
        }
        if m.dense_layers == 0 {
            layer_peak = attn.max(moe);
        }
    }
    let sampler = match run.sampler {
        _ if !samples => 0,
        Some(path) => sampler::peak(&SamplerRun {
            path,
            seqs: max_num_seqs,
            vocab: a.vocab_size,
            hidden: h,
            batched_tokens: t,
            act_bytes,
            sms: run.sms,
        })?,
        None => add(
            mul(mul(t, h)?, act_bytes)?,
            mul(mul(max_num_seqs, a.vocab_size)?, 4)?,
        )?,
    };
    add(persistent, layer_peak.max(sampler))
}

/// Training activation bytes per token for one layer, before any parallel
/// split: (split_part, replicated_part) where the replicated part is the norm
/// and linear-input tensors TP alone does not split (sequence parallel does).
pub fn training_per_token_layer(a: &Architecture, act_bytes: u64) -> MathResult<(u64, u64)> {
    let h = a.hidden_size;
    let (q, kv, o, lse) = match &a.mla {
        Some(m) => {
            let qk = add(m.qk_nope_head_dim, m.qk_rope_head_dim)?;
            (
                mul(a.attention_heads, qk)?,
                add(
                    mul(a.attention_heads, qk)?,
                    mul(a.attention_heads, m.v_head_dim)?,
                )?,
                mul(a.attention_heads, m.v_head_dim)?,
                a.attention_heads,
            )
        }
        None => (
            mul(a.attention_heads, a.head_dim)?,
            mul(2, mul(a.kv_heads, a.head_dim)?)?,
            mul(a.attention_heads, a.head_dim)?,
            a.attention_heads,
        ),
    };
    let mlp = match &a.moe {
        Some(m) if m.dense_layers < a.layers => {
            let per = if a.gated_mlp { 4 } else { 2 };
            let shared = match m.shared_expert_intermediate_size {
                Some(w) => w,
                None => mul(m.shared_experts, m.expert_intermediate_size)?,
            };
            add(
                mul(
                    m.experts_per_token,
                    add(h, mul(per, m.expert_intermediate_size)?)?,
                )?,
                mul(per, shared)?,
            )?
        }
        _ => mul(if a.gated_mlp { 4 } else { 2 }, a.intermediate_size)?,
    };
    // Elements at act_bytes each; lse is fp32 (4 B) regardless.
    let split = add(mul(sum([q, kv, o, mlp])?, act_bytes)?, mul(lse, 4)?)?;
    let replicated = mul(mul(4, h)?, act_bytes)?; // 2 norm inputs + 2 linear inputs = 4h elements
    Ok((split, replicated))
}

/// Training activations on one GPU of the first pipeline stage (bytes).
#[allow(clippy::too_many_arguments)]
pub fn training_bytes(
    a: &Architecture,
    layers_on_stage: u64,
    tokens_per_micro_batch: u64,
    tp: u64,
    pp: u64,
    sequence_parallel: bool,
    checkpointing: Checkpointing,
    act_bytes: u64,
    last_stage_logits: bool,
) -> MathResult<u64> {
    let (split, repl) = training_per_token_layer(a, act_bytes)?;
    // One layer's activations without checkpointing, per token on this GPU:
    // split / t + replicated (/ t with sequence parallelism).
    let full_layer = {
        let split = ceil_div(split, tp)?;
        let repl = if sequence_parallel {
            ceil_div(repl, tp)?
        } else {
            repl
        };
        add(split, repl)?
    };
    let per_token_layer = match checkpointing {
        Checkpointing::Full => {
            let input = mul(a.hidden_size, act_bytes)?;
            if sequence_parallel {
                ceil_div(input, tp)?
            } else {
                input
            }
        }
        Checkpointing::None | Checkpointing::Selective => full_layer,
    };
    // 1F1B: the first stage holds pp micro-batches in flight.
    let in_flight = pp.max(1);
    let layers = mul(mul(per_token_layer, layers_on_stage)?, in_flight)?;
    let mut total = mul(layers, tokens_per_micro_batch)?;
    if checkpointing == Checkpointing::Full && layers_on_stage > 0 {
        // Backward recomputes one layer at a time from its stored input, so
        // that layer's full activations are live once, for one micro-batch,
        // on top of the stored inputs (Korthikanti et al. 2022, section 5:
        // full recomputation needs 2sbhL plus one layer's activations):
        // total += full_layer x tokens_per_micro_batch.
        total = add(total, mul(full_layer, tokens_per_micro_batch)?)?;
    }
    if last_stage_logits {
        // fp32 logits for the loss, split by TP (vocab-parallel cross entropy).
        let logits = ceil_div(mul(mul(tokens_per_micro_batch, a.vocab_size)?, 4)?, tp)?;
        total = add(total, logits)?;
    }
    Ok(total)
}

/// Korthikanti et al. 2022 eq. (1): activation bytes of one GPT-style
/// transformer layer without parallelism or recomputation,
/// `s b h (34 + 5 a s / h)` (16-bit, multi-head attention, 4h GeLU MLP,
/// dropout, no FlashAttention). Kept as the reference the derivation above is
/// checked against (tests/plan_training.rs).
pub fn korthikanti_layer(s: u64, b: u64, h: u64, heads: u64) -> MathResult<u64> {
    add(
        mul(mul(mul(s, b)?, h)?, 34)?,
        mul(mul(mul(mul(5, heads)?, s)?, s)?, b)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::llama_3_1_8b;
    use crate::spec::MoeSpec;

    fn vllm(version: (u64, u64)) -> ProfileRun {
        ProfileRun::for_engine(
            Engine::Vllm,
            version,
            WeightDtype::Bf16,
            "NVIDIA H100 80GB HBM3",
        )
    }

    #[test]
    fn generic_keeps_the_forward_and_fp32_logits_estimate() {
        // Llama-3.1-8B, 8192 tokens, 1024 sequences, bf16: the MLP phase
        // 8192 x (3 x 4096 + 3 x 14,336) x 2 = 905,969,664 beats the sampler
        // estimate 8192 x 4096 x 2 + 1024 x 128,256 x 4 = 592,445,440.
        let a = llama_3_1_8b();
        let run = ProfileRun::for_engine(Engine::Sglang, (0, 5), WeightDtype::Bf16, "H100");
        assert_eq!(run, ProfileRun::GENERIC);
        assert_eq!(
            inference_peak(&a, 1, 1, 8192, 1024, 2, &run),
            Ok(905_969_664)
        );
        assert_eq!(
            ProfileRun::for_engine(Engine::Vllm, (0, 7), WeightDtype::Bf16, "H100"),
            ProfileRun::GENERIC
        );
    }

    #[test]
    fn vllm_0_19_dense_peak_is_the_sampler_warm_up() {
        // plan::sampler's hand-computed Triton-path figure for this model.
        let a = llama_3_1_8b();
        assert_eq!(
            inference_peak(&a, 1, 1, 8192, 1024, 2, &vllm((0, 19))),
            Ok(1_990_283_264)
        );
    }

    #[test]
    fn a_stage_before_the_last_profiles_the_forward_pass_alone() {
        // The same run on a pipeline stage before the last: no sampler
        // warm-up, so the MLP phase 8192 x (3 x 4096 + 3 x 14,336) x 2 =
        // 905,969,664 is the peak.
        let a = llama_3_1_8b();
        assert_eq!(
            inference_peak_on(&a, 1, 1, 8192, 1024, 2, &vllm((0, 19)), false),
            Ok(905_969_664)
        );
    }

    #[test]
    fn vllm_0_19_moe_adds_the_persistent_workspace() {
        // Qwen3-30B-A3B (config.json: hidden 2048, vocabulary 151,936,
        // 128 experts, 8 per token, moe_intermediate_size 768, 32 heads,
        // 4 KV heads of 128). Workspace 536,870,912 (plan::moe_workspace);
        // sampler: S V = 1024 x 151,936 = 155,582,464; 6 S V + 8 S V +
        // 132 x 151,936 x 4 + (8192 + 2048) x 2048 x 2 = 2,300,319,744.
        // Peak 2,837,190,656 B = 2.64 GiB (vLLM 0.19.0 logs 2.68 GiB,
        // docs/accuracy.md case 30).
        let a = Architecture {
            layers: 48,
            hidden_size: 2048,
            intermediate_size: 6144,
            attention_heads: 32,
            kv_heads: 4,
            head_dim: 128,
            vocab_size: 151_936,
            moe: Some(MoeSpec {
                experts: 128,
                experts_per_token: 8,
                expert_intermediate_size: 768,
                shared_experts: 0,
                shared_expert_intermediate_size: None,
                dense_layers: 0,
            }),
            ..llama_3_1_8b()
        };
        let run = vllm((0, 19));
        assert_eq!(
            inference_peak(&a, 1, 1, 8192, 1024, 2, &run),
            Ok(536_870_912 + 2_300_319_744)
        );
        // MXFP4 experts run their own kernel: no workspace priced.
        let mxfp4 =
            ProfileRun::for_engine(Engine::Vllm, (0, 19), WeightDtype::Mxfp4, "NVIDIA H100");
        assert_eq!(mxfp4.moe_workspace, None);
        assert_eq!(
            inference_peak(&a, 1, 1, 8192, 1024, 2, &mxfp4),
            Ok(2_300_319_744)
        );
    }
}
