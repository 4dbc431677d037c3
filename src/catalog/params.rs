//! Parameter counts from an architecture, per component and per rank:
//! attention, dense and MoE MLPs, norms, whole layers, and the whole model.
//! The catalogue checks its entries against publishers' counts with it and
//! lists a count when none is published; the memory math (`plan`) prices and
//! shards the same components. Every product and sum is checked: an absurd
//! architecture is an [`Overflow`], never a wrap.
//!
//! Published exact counts these formulas reproduce (tests/plan_params.rs):
//! Llama-3.1-8B 8,030,261,248; Llama-3.1-70B 70,553,706,496; Mistral-7B
//! 7,241,732,096; Qwen2.5-7B 7,615,616,512; Mixtral-8x7B 46,702,792,704.

use super::Architecture;
use crate::units::Overflow;

type MathResult<T> = Result<T, Overflow>;

fn mul(a: u64, b: u64) -> MathResult<u64> {
    a.checked_mul(b).ok_or(Overflow)
}

fn add(a: u64, b: u64) -> MathResult<u64> {
    a.checked_add(b).ok_or(Overflow)
}

fn sum<const N: usize>(items: [u64; N]) -> MathResult<u64> {
    items.into_iter().try_fold(0u64, add)
}

/// `ceil(a / b)`; a zero divisor is nonsense input, reported as an overflow.
fn ceil_div(a: u64, b: u64) -> MathResult<u64> {
    if b == 0 {
        return Err(Overflow);
    }
    Ok(a.div_ceil(b))
}

/// Parameters computed from the architecture, or `None` when the numbers
/// overflow u64 (absurd input).
pub fn estimate(a: &Architecture) -> Option<u64> {
    count(a).ok().map(|c| c.total)
}

/// Parameters held by one rank, split by how a format stores them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Params {
    /// Linear-layer matrices: what a quantization format quantizes.
    pub linear: u64,
    /// Norms, biases, MoE router: kept at 16-bit (32-bit in GGUF) by every format.
    pub kept: u64,
}

impl Params {
    pub fn plus(self, o: Params) -> MathResult<Params> {
        Ok(Params {
            linear: add(self.linear, o.linear)?,
            kept: add(self.kept, o.kept)?,
        })
    }
    pub fn times(self, n: u64) -> MathResult<Params> {
        Ok(Params {
            linear: mul(self.linear, n)?,
            kept: mul(self.kept, n)?,
        })
    }
    pub fn total(self) -> MathResult<u64> {
        add(self.linear, self.kept)
    }
}

/// How a rank shares the model: tensor-parallel size and expert-parallel size
/// (1 = experts split along their intermediate dimension by TP, vLLM's default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub tp: u64,
    pub ep: u64,
}

impl Shard {
    pub const WHOLE: Shard = Shard { tp: 1, ep: 1 };
}

/// Attention projections of one layer on one rank.
///
/// Standard/GQA (Llama `LlamaAttention`): q = h x (H d), k = v = h x (K d),
/// o = (H d) x h; with `attention_bias` (Qwen2) q/k/v carry biases of their
/// output width. Under TP vLLM's `QKVParallelLinear` gives each rank H/tp query
/// heads and max(1, K/tp) KV heads (KV heads replicated when K < tp).
///
/// MLA (DeepSeek-V2/V3 `DeepseekV2MLAAttention`): q_a = h x r_q, q_a_norm = r_q,
/// q_b = r_q x H (d_nope + d_rope) (or q = h x H (d_nope + d_rope) without
/// q_lora_rank), kv_a = h x (r_kv + d_rope), kv_a_norm = r_kv,
/// kv_b = r_kv x H (d_nope + d_v), o = H d_v x h. Under TP q_a and kv_a are
/// `ReplicatedLinear` (whole on every rank); q_b, kv_b and o split by heads.
pub fn attention(a: &Architecture, tp: u64) -> MathResult<Params> {
    let heads = ceil_div(a.attention_heads, tp)?;
    if let Some(m) = &a.mla {
        let qk = add(m.qk_nope_head_dim, m.qk_rope_head_dim)?;
        let (q_linear, q_norm) = match m.q_lora_rank {
            Some(rq) => (add(mul(a.hidden_size, rq)?, mul(rq, mul(heads, qk)?)?)?, rq),
            None => (mul(a.hidden_size, mul(heads, qk)?)?, 0),
        };
        let kv_a = mul(a.hidden_size, add(m.kv_lora_rank, m.qk_rope_head_dim)?)?;
        let kv_b = mul(
            m.kv_lora_rank,
            mul(heads, add(m.qk_nope_head_dim, m.v_head_dim)?)?,
        )?;
        let o = mul(mul(heads, m.v_head_dim)?, a.hidden_size)?;
        return Ok(Params {
            linear: sum([q_linear, kv_a, kv_b, o])?,
            kept: add(q_norm, m.kv_lora_rank)?,
        });
    }
    let kv_heads = ceil_div(a.kv_heads, tp)?;
    let q_width = mul(heads, a.head_dim)?;
    let kv_width = mul(kv_heads, a.head_dim)?;
    let linear = sum([
        mul(a.hidden_size, q_width)?,
        mul(2, mul(a.hidden_size, kv_width)?)?,
        mul(q_width, a.hidden_size)?,
    ])?;
    let kept = if a.attention_bias {
        add(q_width, mul(2, kv_width)?)?
    } else {
        0
    };
    Ok(Params { linear, kept })
}

/// Matrices of one MLP of intermediate width `inter`: gated (SwiGLU/GeGLU:
/// gate, up, down = 3 h I) or plain (up, down = 2 h I).
fn mlp_matrices(a: &Architecture, inter: u64) -> MathResult<u64> {
    let n = if a.gated_mlp { 3 } else { 2 };
    mul(n, mul(a.hidden_size, inter)?)
}

/// Dense MLP on one rank: vLLM's `MergedColumnParallelLinear` + `RowParallelLinear`
/// split the intermediate dimension by TP.
pub fn dense_mlp(a: &Architecture, tp: u64) -> MathResult<Params> {
    Ok(Params {
        linear: mlp_matrices(a, ceil_div(a.intermediate_size, tp)?)?,
        kept: 0,
    })
}

/// MoE MLP on one rank (Mixtral `MixtralSparseMoeBlock`, DeepSeek `DeepseekV2MoE`,
/// Qwen2-MoE): E routed experts of `3 h I_e`, router `h x E` (replicated, kept
/// 16-bit), shared experts of total width `shared_expert_intermediate_size` (or
/// `shared_experts x I_e`). Without EP vLLM's `FusedMoE` splits every expert's
/// intermediate dimension by TP; with EP each rank holds E/ep whole experts.
/// `active` counts only `experts_per_token` routed experts (per-token compute).
pub fn moe_mlp(a: &Architecture, shard: Shard, active: bool) -> MathResult<Params> {
    let Some(m) = &a.moe else {
        return dense_mlp(a, shard.tp);
    };
    let (experts, width) = if shard.ep > 1 {
        (ceil_div(m.experts, shard.ep)?, m.expert_intermediate_size)
    } else {
        (m.experts, ceil_div(m.expert_intermediate_size, shard.tp)?)
    };
    let experts = if active {
        m.experts_per_token.min(experts)
    } else {
        experts
    };
    let shared_width = match m.shared_expert_intermediate_size {
        Some(w) => w,
        None => mul(m.shared_experts, m.expert_intermediate_size)?,
    };
    let routed = mul(experts, mlp_matrices(a, width)?)?;
    let shared = mlp_matrices(a, ceil_div(shared_width, shard.tp)?)?;
    Ok(Params {
        linear: add(routed, shared)?,
        kept: mul(a.hidden_size, m.experts)?,
    })
}

/// RMSNorm/LayerNorm weights of one layer: input and post-attention norms, 2 h
/// (replicated under TP).
pub fn layer_norms(a: &Architecture) -> MathResult<u64> {
    mul(2, a.hidden_size)
}

/// Whether layer `i` has a dense MLP: every layer without MoE, the first
/// `dense_layers` with it (DeepSeek-V3 `first_k_dense_replace` = 3).
pub fn is_dense_layer(a: &Architecture, i: u64) -> bool {
    a.moe.as_ref().is_none_or(|m| i < m.dense_layers)
}

/// One decoder layer on one rank.
pub fn layer(a: &Architecture, shard: Shard, dense: bool, active: bool) -> MathResult<Params> {
    let attn = attention(a, shard.tp)?;
    let mlp = if dense {
        dense_mlp(a, shard.tp)?
    } else {
        moe_mlp(a, shard, active)?
    };
    attn.plus(mlp)?.plus(Params {
        linear: 0,
        kept: layer_norms(a)?,
    })
}

/// The token mixer of a state layer on one rank (vLLM's mixers; biases,
/// norms, conv kernels and per-head scalars are `kept`, projections `linear`).
///
/// - Mamba2 (`MambaMixer2`): in_proj `h x (2 I + 2 G N + H)` (z, x, B, C, dt),
///   conv1d `(I + 2 G N) x K` + bias, dt_bias, A_log and D of H, gated norm I,
///   out_proj `I x h`;
/// - Mamba1 (`MambaMixer`): in_proj `h x 2 I`, conv1d `I x K` + bias, x_proj
///   `I x (R + 2 N)`, dt_proj `R x I` + bias (R = ceil(h / 16)), A_log `I x N`,
///   D I, out_proj `I x h`;
/// - gated DeltaNet (`Qwen3NextGatedDeltaNet`): in_proj_qkvz `h x (2 nk dk + 2
///   nv dv)`, in_proj_ba `h x 2 nv`, conv1d `(2 nk dk + nv dv) x K`, dt_bias and
///   A_log of nv, norm dv, out_proj `nv dv x h`;
/// - KDA (`KimiDeltaAttention`): q, k, v `h x H d` each, gate low-rank pairs
///   f and g `h x d + d x H d`, beta `h x H`, o `H d x h`, three convs `H d x K`,
///   A_log H, dt_bias H d, norm d;
/// - lightning: qkv `h x 3 H d`, output gate `h x H d`, out `H d x h`, norm H d.
///
/// Under TP every width is split by tp (rounded up).
pub fn state_mixer(a: &Architecture, kind: crate::spec::LayerType, tp: u64) -> MathResult<Params> {
    use crate::spec::{LayerType, LinearKind};
    let h = a.hidden_size;
    match kind {
        LayerType::Mamba => {
            let Some(m) = &a.layout.mamba else {
                return Ok(Params::default());
            };
            let i = ceil_div(m.intermediate_size, tp)?;
            let k = m.d_conv;
            let n = m.d_state;
            if m.version == 1 {
                let r = h.div_ceil(16);
                return Ok(Params {
                    linear: sum([
                        mul(h, mul(2, i)?)?,
                        mul(i, add(r, mul(2, n)?)?)?,
                        mul(r, i)?,
                        mul(i, h)?,
                    ])?,
                    kept: sum([mul(i, k)?, i, i, mul(i, n)?, i])?,
                });
            }
            let g = m.n_groups.unwrap_or(1);
            let heads = ceil_div(m.heads.unwrap_or(1), tp)?;
            let gn = ceil_div(mul(2, mul(g, n)?)?, tp)?;
            let conv = add(i, gn)?;
            Ok(Params {
                linear: sum([mul(h, sum([mul(2, i)?, gn, heads])?)?, mul(i, h)?])?,
                kept: sum([mul(conv, k)?, conv, mul(3, heads)?, i])?,
            })
        }
        LayerType::Linear => {
            let Some(l) = &a.layout.linear_attention else {
                return Ok(Params::default());
            };
            let k = l.conv_kernel.unwrap_or(4);
            let key = ceil_div(mul(l.key_heads, l.key_head_dim)?, tp)?;
            let value = ceil_div(mul(l.value_heads, l.value_head_dim)?, tp)?;
            let vh = ceil_div(l.value_heads, tp)?;
            match l.kind {
                LinearKind::GatedDeltaNet => {
                    let conv = add(mul(2, key)?, value)?;
                    Ok(Params {
                        linear: sum([
                            mul(h, add(mul(2, key)?, mul(2, value)?)?)?,
                            mul(h, mul(2, vh)?)?,
                            mul(value, h)?,
                        ])?,
                        kept: sum([mul(conv, k)?, mul(2, vh)?, l.value_head_dim])?,
                    })
                }
                LinearKind::Kda => {
                    let d = l.value_head_dim;
                    Ok(Params {
                        linear: sum([
                            mul(h, add(mul(2, key)?, value)?)?,
                            mul(2, add(mul(h, d)?, mul(d, value)?)?)?,
                            mul(h, vh)?,
                            mul(value, h)?,
                        ])?,
                        kept: sum([mul(add(mul(2, key)?, value)?, k)?, vh, value, d])?,
                    })
                }
                LinearKind::Lightning => Ok(Params {
                    linear: sum([mul(h, mul(4, value)?)?, mul(value, h)?])?,
                    kept: value,
                }),
            }
        }
        _ => Ok(Params::default()),
    }
}

/// Layer `i` on one rank when the model has layer kinds: its mixer (attention
/// for attention kinds, [`state_mixer`] for state kinds, nothing for `none`)
/// plus its MLP. With `separate_mlp_layers` (Nemotron-H) a layer has either a
/// mixer or an MLP: the `none` layers carry the MLP (MoE when the model has
/// experts), the mixer layers none.
pub fn kind_layer(
    a: &Architecture,
    kind: crate::spec::LayerType,
    i: u64,
    shard: Shard,
    active: bool,
) -> MathResult<Params> {
    use crate::spec::LayerType;
    let mixer = match kind {
        LayerType::Full | LayerType::Sliding | LayerType::Chunked => attention(a, shard.tp)?,
        LayerType::None => Params::default(),
        k => state_mixer(a, k, shard.tp)?,
    };
    let separate = a.layout.separate_mlp_layers == Some(true);
    let has_mlp = !separate || kind == LayerType::None;
    let mlp = if !has_mlp {
        Params::default()
    } else if separate {
        if a.moe.is_some() {
            moe_mlp(a, shard, active)?
        } else {
            dense_mlp(a, shard.tp)?
        }
    } else if is_dense_layer(a, i) {
        dense_mlp(a, shard.tp)?
    } else {
        moe_mlp(a, shard, active)?
    };
    // One norm per sub-block: two with a mixer and an MLP, one otherwise.
    let norms = if separate || kind == LayerType::None {
        a.hidden_size
    } else {
        layer_norms(a)?
    };
    mixer.plus(mlp)?.plus(Params {
        linear: 0,
        kept: norms,
    })
}

/// Parameters of layers `[start, end)` on one rank, per layer kind when the
/// model has them.
pub fn layers_in(
    a: &Architecture,
    shard: Shard,
    start: u64,
    end: u64,
    active: bool,
) -> MathResult<Params> {
    let Some(types) = a.layout.layer_types.as_ref().filter(|t| !t.is_empty()) else {
        let dense = match &a.moe {
            None => end - start,
            Some(m) => m.dense_layers.min(end).saturating_sub(start),
        };
        let moe = (end - start) - dense;
        return layer(a, shard, true, active)?
            .times(dense)?
            .plus(layer(a, shard, false, active)?.times(moe)?);
    };
    let mut p = Params::default();
    for i in start..end {
        let kind = types[(i % types.len() as u64) as usize];
        p = p.plus(kind_layer(a, kind, i, shard, active)?)?;
    }
    Ok(p)
}

/// The whole model's parameter count from its architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamCount {
    pub total: u64,
    /// Touched per token (MoE: dense parts + `experts_per_token` experts).
    pub active: u64,
    /// `V x h`.
    pub embedding: u64,
    /// `V x h` when untied, else 0.
    pub lm_head: u64,
    /// Linear matrices of all layers.
    pub linear: u64,
    /// Norms (incl. the final norm), biases, routers.
    pub kept: u64,
}

/// Count parameters: embeddings V h + untied lm_head V h + per layer (attention +
/// MLP or MoE + 2 h norms) + final norm h.
pub fn count(a: &Architecture) -> MathResult<ParamCount> {
    let dense_layers = match &a.moe {
        Some(m) => m.dense_layers.min(a.layers),
        None => a.layers,
    };
    let moe_layers = a.layers - dense_layers;
    let whole = Shard::WHOLE;
    let (layers, active_layers) = if a.layout.layer_types.is_some() {
        // Layers past validation's bound are rejected before planning; never
        // loop over an absurd count here.
        if a.layers > 1 << 20 {
            return Err(Overflow);
        }
        (
            layers_in(a, whole, 0, a.layers, false)?,
            layers_in(a, whole, 0, a.layers, true)?,
        )
    } else {
        (
            layer(a, whole, true, false)?
                .times(dense_layers)?
                .plus(layer(a, whole, false, false)?.times(moe_layers)?)?,
            layer(a, whole, true, true)?
                .times(dense_layers)?
                .plus(layer(a, whole, false, true)?.times(moe_layers)?)?,
        )
    };
    let embedding = mul(a.vocab_size, a.hidden_size)?;
    let lm_head = if a.tie_word_embeddings { 0 } else { embedding };
    let kept = add(layers.kept, a.hidden_size)?;
    let total = sum([embedding, lm_head, layers.linear, kept])?;
    let active = sum([
        embedding,
        lm_head,
        active_layers.linear,
        active_layers.kept,
        a.hidden_size,
    ])?;
    Ok(ParamCount {
        total,
        active,
        embedding,
        lm_head,
        linear: layers.linear,
        kept,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_is_none_not_a_panic() {
        let a = Architecture {
            layers: u64::MAX,
            hidden_size: u64::MAX,
            intermediate_size: u64::MAX,
            attention_heads: 1,
            kv_heads: 1,
            head_dim: u64::MAX,
            vocab_size: u64::MAX,
            ..crate::catalog::llama_3_1_8b()
        };
        assert_eq!(estimate(&a), None);
        assert_eq!(ceil_div(1, 0), Err(Overflow));
    }
}
