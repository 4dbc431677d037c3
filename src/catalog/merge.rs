//! Field-by-field merge of architecture sources: the spec's `model.architecture`
//! overrides the preset or config.json value; nested `moe`, `mla` and
//! `sliding_window` objects are replaced whole (a half-merged MoE block would
//! mix two models). Then defaults, and one canonical sliding-window form so that
//! a preset and the config.json it came from compare equal.

use super::{Architecture, Layout};
use crate::spec::{ArchitectureSpec, SlidingWindowSpec};

/// `over` wins wherever it has a value.
pub fn overlay(base: &ArchitectureSpec, over: &ArchitectureSpec) -> ArchitectureSpec {
    ArchitectureSpec {
        layers: over.layers.or(base.layers),
        hidden_size: over.hidden_size.or(base.hidden_size),
        intermediate_size: over.intermediate_size.or(base.intermediate_size),
        attention_heads: over.attention_heads.or(base.attention_heads),
        kv_heads: over.kv_heads.or(base.kv_heads),
        head_dim: over.head_dim.or(base.head_dim),
        vocab_size: over.vocab_size.or(base.vocab_size),
        tie_word_embeddings: over.tie_word_embeddings.or(base.tie_word_embeddings),
        max_position_embeddings: over
            .max_position_embeddings
            .or(base.max_position_embeddings),
        parameters: over.parameters.or(base.parameters),
        gated_mlp: over.gated_mlp.or(base.gated_mlp),
        attention_bias: over.attention_bias.or(base.attention_bias),
        moe: over.moe.clone().or_else(|| base.moe.clone()),
        mla: over.mla.clone().or_else(|| base.mla.clone()),
        sliding_window: over
            .sliding_window
            .clone()
            .or_else(|| base.sliding_window.clone()),
        layer_types: over
            .layer_types
            .clone()
            .or_else(|| base.layer_types.clone()),
        attention_chunk_size: over.attention_chunk_size.or(base.attention_chunk_size),
        v_head_dim: over.v_head_dim.or(base.v_head_dim),
        layer_kinds: over
            .layer_kinds
            .clone()
            .or_else(|| base.layer_kinds.clone()),
        mamba: over.mamba.clone().or_else(|| base.mamba.clone()),
        linear_attention: over
            .linear_attention
            .clone()
            .or_else(|| base.linear_attention.clone()),
        mtp_layers: over.mtp_layers.or(base.mtp_layers),
        vision: over.vision.clone().or_else(|| base.vision.clone()),
        mamba_ssm_dtype: over.mamba_ssm_dtype.or(base.mamba_ssm_dtype),
        separate_mlp_layers: over.separate_mlp_layers.or(base.separate_mlp_layers),
    }
}

/// Complete an architecture, or name the required fields still missing.
pub fn complete(a: &ArchitectureSpec) -> Result<Architecture, Vec<&'static str>> {
    let mut missing = Vec::new();
    let mut need = |v: Option<u64>, name: &'static str| {
        if v.is_none() {
            missing.push(name);
        }
        v.unwrap_or(0)
    };
    let layers = need(a.layers, "layers");
    let hidden_size = need(a.hidden_size, "hidden_size");
    let intermediate_size = need(a.intermediate_size, "intermediate_size");
    let attention_heads = need(a.attention_heads, "attention_heads");
    let vocab_size = need(a.vocab_size, "vocab_size");
    if !missing.is_empty() {
        return Err(missing);
    }
    // Hugging Face's defaults: kv heads = heads (MHA), head_dim = hidden / heads.
    let kv_heads = a.kv_heads.unwrap_or(attention_heads);
    let head_dim = a
        .head_dim
        .unwrap_or_else(|| hidden_size.checked_div(attention_heads).unwrap_or(0));
    Ok(Architecture {
        layers,
        hidden_size,
        intermediate_size,
        attention_heads,
        kv_heads,
        head_dim,
        vocab_size,
        tie_word_embeddings: a.tie_word_embeddings.unwrap_or(false),
        max_position_embeddings: a.max_position_embeddings,
        parameters: a.parameters,
        gated_mlp: a.gated_mlp.unwrap_or(true),
        attention_bias: a.attention_bias.unwrap_or(false),
        moe: a.moe.clone(),
        mla: a.mla.clone(),
        sliding_window: a.sliding_window.as_ref().map(|s| canonical(s, layers)),
        layout: Layout {
            layer_types: a.layer_types.clone(),
            attention_chunk_size: a.attention_chunk_size,
            v_head_dim: a.v_head_dim,
            layer_kinds: a.layer_kinds.clone(),
            mamba: a.mamba.clone(),
            linear_attention: a.linear_attention.clone(),
            mtp_layers: a.mtp_layers,
            vision: a.vision.clone(),
            mamba_ssm_dtype: a.mamba_ssm_dtype,
            separate_mlp_layers: a.separate_mlp_layers,
        },
    })
}

/// A `layers` list that is exactly the every-Nth-full pattern becomes
/// `every_nth_full: N` (Gemma 2, gpt-oss alternate; Gemma 3 is 5 sliding : 1
/// full); anything else stays a sorted, de-duplicated list.
pub fn canonical(sw: &SlidingWindowSpec, layers: u64) -> SlidingWindowSpec {
    let Some(list) = &sw.layers else {
        return sw.clone();
    };
    // Past validation's layer bound the search would only burn time on input
    // that is rejected anyway.
    if layers > 4096 {
        return sw.clone();
    }
    let mut list = list.clone();
    list.sort_unstable();
    list.dedup();
    for n in 2..=layers {
        let pattern: Vec<u64> = (0..layers).filter(|i| (i + 1) % n != 0).collect();
        if pattern == list {
            return SlidingWindowSpec {
                window: sw.window,
                layers: None,
                every_nth_full: Some(n),
            };
        }
    }
    SlidingWindowSpec {
        window: sw.window,
        layers: Some(list),
        every_nth_full: sw.every_nth_full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternating_list_becomes_every_nth_full() {
        let sw = SlidingWindowSpec {
            window: 128,
            layers: Some(vec![4, 0, 2]),
            every_nth_full: None,
        };
        let c = canonical(&sw, 6);
        assert_eq!(c.every_nth_full, Some(2));
        assert_eq!(c.layers, None);
        let all = SlidingWindowSpec {
            window: 4096,
            layers: Some(vec![0, 1, 2]),
            every_nth_full: None,
        };
        assert_eq!(canonical(&all, 3).layers, Some(vec![0, 1, 2]));
    }
}
