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
//! - MoE phase (`fused_moe`, chunks of `VLLM_FUSED_MOE_CHUNK_SIZE` = 32768
//!   tokens, M = min(T, 32768)): T 2h b + M k (3 I_e/t + h) b + router logits
//!   T E 4 B, plus the shared expert's MLP phase;
//! - attention phase: T (2h + (q + 2 kv + o) widths per rank) b;
//! - sampler phase: the last hidden states T h b + fp32 logits
//!   `max_num_seqs x vocab x 4 B` (design.md section 5).
//!
//! The peak is the largest phase: each phase's tensors are freed before the
//! next begins (the sampler runs after the forward pass returns).
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
use crate::catalog::Architecture;
use crate::spec::Checkpointing;

/// fused_moe processes at most this many tokens at once
/// (`VLLM_FUSED_MOE_CHUNK_SIZE`, vllm/envs.py, default 32768).
pub const FUSED_MOE_CHUNK: u64 = 32768;

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

/// Profiling-run peak on one TP rank (bytes).
pub fn inference_peak(
    a: &Architecture,
    tp: u64,
    ep: u64,
    batched_tokens: u64,
    max_num_seqs: u64,
    act_bytes: u64,
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
    if let Some(m) = &a.moe {
        let m_tokens = t.min(FUSED_MOE_CHUNK);
        let ie = if ep > 1 {
            m.expert_intermediate_size
        } else {
            ceil_div(m.expert_intermediate_size, tp)?
        };
        let routed = mul(
            mul(m_tokens, m.experts_per_token)?,
            mul(add(mul(3, ie)?, h)?, act_bytes)?,
        )?;
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
    let sampler = add(
        mul(mul(t, h)?, act_bytes)?,
        mul(mul(max_num_seqs, a.vocab_size)?, 4)?,
    )?;
    Ok(layer_peak.max(sampler))
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
