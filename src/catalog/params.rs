//! Parameter count from the architecture, for checking catalogue entries against
//! their publishers' counts and for showing a count when none is published.
//!
//! Per layer (Hugging Face modeling files, e.g. `modeling_llama.py`,
//! `modeling_deepseek_v3.py`, `modeling_mixtral.py`):
//! - attention: q = h x H x d, k = v = h x K x d, o = H x d x h (+ (H + 2K) x d
//!   biases when `attention_bias`); MLA instead: q_a = h x q_lora, q_b = q_lora x
//!   H x (nope + rope) (or h x H x (nope + rope) without q_lora), kv_a = h x
//!   (kv_lora + rope), kv_b = kv_lora x H x (nope + v), o = H x v x h, plus the
//!   q_lora and kv_lora norms;
//! - MLP: 3 x h x i when gated (SwiGLU/GeGLU), 2 x h x i otherwise;
//! - MoE layer: router h x E, E x 3 x h x i_e, shared experts 3 x h x i_s;
//! - two RMSNorm weights of h.
//!
//! Plus embeddings V x h, an untied lm_head V x h and the final norm h. Small
//! per-model extras (Qwen3's q/k norms, Gemma's four norms per layer, gpt-oss
//! attention sinks and expert biases) are left out; they change no count by more
//! than 0.1%, and the tests compare with a 1% tolerance.

use super::Architecture;

/// Estimated parameters, or `None` when the numbers overflow u64 (absurd input).
pub fn estimate(a: &Architecture) -> Option<u64> {
    let h = a.hidden_size;
    let embed = a.vocab_size.checked_mul(h)?;
    let lm_head = if a.tie_word_embeddings { 0 } else { embed };
    let attention = attention_per_layer(a)?;
    let norms = h.checked_mul(2)?;
    let dense_mlp = mlp(h, a.intermediate_size, a.gated_mlp)?;
    let (moe_layers, moe_mlp) = match &a.moe {
        Some(m) => {
            let experts =
                m.experts
                    .checked_mul(mlp(h, m.expert_intermediate_size, a.gated_mlp)?)?;
            let shared_size = m
                .shared_expert_intermediate_size
                .or(m.shared_experts.checked_mul(m.expert_intermediate_size))?;
            let shared = mlp(h, shared_size, a.gated_mlp)?;
            let router = h.checked_mul(m.experts)?;
            let per_layer = experts.checked_add(shared)?.checked_add(router)?;
            (a.layers.saturating_sub(m.dense_layers), per_layer)
        }
        None => (0, 0),
    };
    let dense_layers = a.layers.checked_sub(moe_layers)?;
    let common = attention.checked_add(norms)?.checked_mul(a.layers)?;
    let dense = dense_mlp.checked_mul(dense_layers)?;
    let moe = moe_mlp.checked_mul(moe_layers)?;
    embed
        .checked_add(lm_head)?
        .checked_add(common)?
        .checked_add(dense)?
        .checked_add(moe)?
        .checked_add(h)
}

fn mlp(h: u64, i: u64, gated: bool) -> Option<u64> {
    h.checked_mul(i)?.checked_mul(if gated { 3 } else { 2 })
}

fn attention_per_layer(a: &Architecture) -> Option<u64> {
    let h = a.hidden_size;
    let heads = a.attention_heads;
    if let Some(m) = &a.mla {
        let qk = m.qk_nope_head_dim.checked_add(m.qk_rope_head_dim)?;
        let q = match m.q_lora_rank {
            Some(r) => h
                .checked_mul(r)?
                .checked_add(r)?
                .checked_add(r.checked_mul(heads)?.checked_mul(qk)?)?,
            None => h.checked_mul(heads)?.checked_mul(qk)?,
        };
        let kv_a = h.checked_mul(m.kv_lora_rank.checked_add(m.qk_rope_head_dim)?)?;
        let kv_b = m
            .kv_lora_rank
            .checked_mul(heads)?
            .checked_mul(m.qk_nope_head_dim.checked_add(m.v_head_dim)?)?;
        let o = heads.checked_mul(m.v_head_dim)?.checked_mul(h)?;
        return q
            .checked_add(kv_a)?
            .checked_add(m.kv_lora_rank)?
            .checked_add(kv_b)?
            .checked_add(o);
    }
    let q_width = heads.checked_mul(a.head_dim)?;
    let kv_width = a.kv_heads.checked_mul(a.head_dim)?;
    let qkv_width = q_width.checked_add(kv_width.checked_mul(2)?)?;
    let qkv = h.checked_mul(qkv_width)?;
    let o = q_width.checked_mul(h)?;
    let bias = if a.attention_bias { qkv_width } else { 0 };
    qkv.checked_add(o)?.checked_add(bias)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn llama_8b() -> Architecture {
        Architecture {
            layers: 32,
            hidden_size: 4096,
            intermediate_size: 14336,
            attention_heads: 32,
            kv_heads: 8,
            head_dim: 128,
            vocab_size: 128256,
            tie_word_embeddings: false,
            max_position_embeddings: Some(131072),
            parameters: None,
            gated_mlp: true,
            attention_bias: false,
            moe: None,
            mla: None,
            sliding_window: None,
        }
    }

    #[test]
    fn llama_3_1_8b_is_exact() {
        // Meta's model card / safetensors total: 8,030,261,248.
        assert_eq!(estimate(&llama_8b()), Some(8_030_261_248));
    }

    #[test]
    fn overflow_is_none() {
        let mut a = llama_8b();
        a.vocab_size = u64::MAX;
        assert_eq!(estimate(&a), None);
    }
}
