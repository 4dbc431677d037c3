//! Checks every resolved architecture passes, whether it came from a preset,
//! config.json or the spec: a catalogue entry gets no special treatment.
//!
//! Bounds are far above any published model; they exist so that hostile input
//! (a config.json with `hidden_size: 1e18`) becomes a finding here instead of
//! an overflow further down the memory math.

use super::{params, Architecture};

const MAX_LAYERS: u64 = 4096;
const MAX_WIDTH: u64 = 1 << 20;
const MAX_HEADS: u64 = 1 << 14;
const MAX_VOCAB: u64 = 1 << 24;
const MAX_EXPERTS: u64 = 1 << 16;
const MAX_POSITIONS: u64 = 1 << 32;

/// Layer kinds need the geometry that sizes them (docs/spec.md, "Layer kinds").
fn layout_problems(a: &Architecture, p: &mut Vec<String>) {
    use crate::spec::LayerType;
    let l = &a.layout;
    if let Some(types) = &l.layer_types {
        if types.len() as u64 > a.layers.max(1) {
            p.push(format!(
                "`layer_types` has {} entries for {} layers; give one per layer or a shorter pattern that repeats",
                types.len(),
                a.layers
            ));
        }
        let has = |k: LayerType| types.contains(&k);
        if has(LayerType::Mamba) && l.mamba.is_none() {
            p.push("`layer_types` has mamba layers but no `mamba` block sizes their state".into());
        }
        if has(LayerType::Linear) && l.linear_attention.is_none() {
            p.push(
                "`layer_types` has linear layers but no `linear_attention` block sizes their state"
                    .into(),
            );
        }
        if has(LayerType::Chunked) && l.attention_chunk_size.is_none() {
            p.push("`layer_types` has chunked layers but no `attention_chunk_size`".into());
        }
        let window = l
            .layer_kinds
            .as_ref()
            .and_then(|k| k.sliding.as_ref())
            .and_then(|g| g.window)
            .or(a.sliding_window.as_ref().map(|w| w.window));
        if has(LayerType::Sliding) && window.is_none() {
            p.push("`layer_types` has sliding layers but no window (`sliding_window.window` or `layer_kinds.sliding.window`)".into());
        }
        if types.iter().all(|t| *t == LayerType::None) {
            p.push("`layer_types` has no layer with a token mixer".into());
        }
    }
    if let Some(m) = &l.mamba {
        range(p, "mamba.d_state", m.d_state, MAX_WIDTH);
        range(p, "mamba.d_conv", m.d_conv, 1024);
        range(p, "mamba.intermediate_size", m.intermediate_size, MAX_WIDTH);
        if !(1..=2).contains(&m.version) {
            p.push(format!("`mamba.version` is {}; 1 or 2", m.version));
        }
        for (name, v) in [
            ("mamba.n_groups", m.n_groups),
            ("mamba.heads", m.heads),
            ("mamba.head_dim", m.head_dim),
        ] {
            if let Some(v) = v {
                range(p, name, v, MAX_WIDTH);
            }
        }
    }
    if let Some(la) = &l.linear_attention {
        range(p, "linear_attention.key_heads", la.key_heads, MAX_HEADS);
        range(p, "linear_attention.value_heads", la.value_heads, MAX_HEADS);
        range(
            p,
            "linear_attention.key_head_dim",
            la.key_head_dim,
            MAX_WIDTH,
        );
        range(
            p,
            "linear_attention.value_head_dim",
            la.value_head_dim,
            MAX_WIDTH,
        );
        if let Some(k) = la.conv_kernel {
            range(p, "linear_attention.conv_kernel", k, 1024);
        }
    }
    if let Some(c) = l.attention_chunk_size {
        range(p, "attention_chunk_size", c, MAX_POSITIONS);
    }
    if let Some(m) = l.mtp_layers {
        if m > MAX_LAYERS {
            p.push(format!("`mtp_layers` is {m}; at most {MAX_LAYERS}"));
        }
    }
    if let Some(k) = &l.layer_kinds {
        for (kind, g) in [
            ("full", &k.full),
            ("sliding", &k.sliding),
            ("chunked", &k.chunked),
        ] {
            let Some(g) = g else { continue };
            for (f, v) in [
                ("kv_heads", g.kv_heads),
                ("head_dim", g.head_dim),
                ("v_head_dim", g.v_head_dim),
                ("window", g.window),
            ] {
                if let Some(v) = v {
                    let max = if f == "window" {
                        MAX_POSITIONS
                    } else {
                        MAX_WIDTH
                    };
                    range(p, &format!("layer_kinds.{kind}.{f}"), v, max);
                }
            }
        }
    }
}

/// Every problem found, as sentences; empty when the architecture is valid.
pub fn problems(a: &Architecture) -> Vec<String> {
    let mut p = Vec::new();
    layout_problems(a, &mut p);
    range(&mut p, "layers", a.layers, MAX_LAYERS);
    range(&mut p, "hidden_size", a.hidden_size, MAX_WIDTH);
    range(&mut p, "intermediate_size", a.intermediate_size, MAX_WIDTH);
    range(&mut p, "attention_heads", a.attention_heads, MAX_HEADS);
    range(&mut p, "kv_heads", a.kv_heads, MAX_HEADS);
    range(&mut p, "head_dim", a.head_dim, MAX_WIDTH);
    range(&mut p, "vocab_size", a.vocab_size, MAX_VOCAB);
    if let Some(m) = a.max_position_embeddings {
        range(&mut p, "max_position_embeddings", m, MAX_POSITIONS);
    }
    if let Some(moe) = &a.moe {
        range(&mut p, "moe.experts", moe.experts, MAX_EXPERTS);
        range(
            &mut p,
            "moe.experts_per_token",
            moe.experts_per_token,
            moe.experts.max(1),
        );
        range(
            &mut p,
            "moe.expert_intermediate_size",
            moe.expert_intermediate_size,
            MAX_WIDTH,
        );
        if moe.shared_experts > MAX_EXPERTS {
            p.push(format!(
                "`moe.shared_experts` is {}; at most {MAX_EXPERTS}",
                moe.shared_experts
            ));
        }
        if let Some(s) = moe.shared_expert_intermediate_size {
            range(&mut p, "moe.shared_expert_intermediate_size", s, MAX_WIDTH);
        }
        if moe.dense_layers > a.layers {
            p.push(format!(
                "`moe.dense_layers` is {} but the model has {} layers",
                moe.dense_layers, a.layers
            ));
        }
    }
    if let Some(mla) = &a.mla {
        range(&mut p, "mla.kv_lora_rank", mla.kv_lora_rank, MAX_WIDTH);
        range(
            &mut p,
            "mla.qk_rope_head_dim",
            mla.qk_rope_head_dim,
            MAX_WIDTH,
        );
        range(
            &mut p,
            "mla.qk_nope_head_dim",
            mla.qk_nope_head_dim,
            MAX_WIDTH,
        );
        range(&mut p, "mla.v_head_dim", mla.v_head_dim, MAX_WIDTH);
        if let Some(q) = mla.q_lora_rank {
            range(&mut p, "mla.q_lora_rank", q, MAX_WIDTH);
        }
    }
    if let Some(sw) = &a.sliding_window {
        range(&mut p, "sliding_window.window", sw.window, MAX_POSITIONS);
        match (&sw.layers, sw.every_nth_full) {
            (Some(_), Some(_)) => {
                p.push("`sliding_window` takes `layers` or `every_nth_full`, not both".to_string())
            }
            (None, None) => p.push(
                "`sliding_window` needs `layers` (the sliding layers) or `every_nth_full`"
                    .to_string(),
            ),
            (Some(layers), None) => {
                if let Some(bad) = layers.iter().find(|&&i| i >= a.layers) {
                    p.push(format!(
                        "`sliding_window.layers` names layer {bad}, but layers are numbered 0..{}",
                        a.layers
                    ));
                }
            }
            (None, Some(n)) => {
                if n < 2 {
                    p.push(format!(
                        "`sliding_window.every_nth_full` is {n}; it must be at least 2"
                    ));
                }
            }
        }
    }
    // Grouped-query attention shares each KV head among heads / kv_heads query
    // heads, so the division must be exact (MLA keeps one latent: no constraint).
    if a.mla.is_none() && a.kv_heads != 0 && a.attention_heads % a.kv_heads != 0 {
        p.push(format!(
            "`attention_heads` ({}) is not a multiple of `kv_heads` ({})",
            a.attention_heads, a.kv_heads
        ));
    }
    if a.parameters == Some(0) {
        p.push("`parameters` is 0".to_string());
    }
    if p.is_empty() && params::estimate(a).is_none() {
        p.push("the parameter count overflows 2^64".to_string());
    }
    p
}

fn range(p: &mut Vec<String>, name: &str, v: u64, max: u64) {
    if v == 0 || v > max {
        p.push(format!("`{name}` is {v}; it must be between 1 and {max}"));
    }
}
