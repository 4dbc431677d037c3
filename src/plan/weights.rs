//! Parameter counts from the architecture and weight bytes per dtype and
//! quantization format (issue 3 item 1).
//!
//! Parameters are counted per component so that sharding (sharding.rs) can put
//! each on the right GPUs and so that formats which keep some tensors at 16-bit
//! (embeddings, lm_head, norms, biases, MoE router) are priced correctly.
//! Published exact counts these formulas reproduce (tests/plan_params.rs):
//! Llama-3.1-8B 8,030,261,248; Llama-3.1-70B 70,553,706,496; Mistral-7B
//! 7,241,732,096; Qwen2.5-7B 7,615,616,512; Mixtral-8x7B 46,702,792,704.

use super::math::{add, ceil_div, mul, mul_ratio_ceil, sum, MathResult};
use crate::catalog::Architecture;
use crate::spec::{Quantization, WeightDtype};

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

/// vLLM pads the vocabulary to a multiple of 64 (`DEFAULT_VOCAB_PADDING_SIZE`,
/// vllm/model_executor/layers/vocab_parallel_embedding.py) and gives each TP
/// rank `padded / tp` rows of the embedding and of lm_head.
pub fn vocab_rows_per_rank(a: &Architecture, tp: u64) -> MathResult<u64> {
    let padded = mul(ceil_div(a.vocab_size, 64)?, 64)?;
    ceil_div(padded, tp)
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
    let layers = layer(a, whole, true, false)?
        .times(dense_layers)?
        .plus(layer(a, whole, false, false)?.times(moe_layers)?)?;
    let active_layers = layer(a, whole, true, true)?
        .times(dense_layers)?
        .plus(layer(a, whole, false, true)?.times(moe_layers)?)?;
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

/// Bits per stored element as an exact fraction `num / den`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bits {
    pub num: u64,
    pub den: u64,
}

impl Bits {
    pub const fn whole(n: u64) -> Bits {
        Bits { num: n, den: 1 }
    }
    /// Bytes for `params` elements, rounded up to whole bytes.
    pub fn bytes(self, params: u64) -> MathResult<u64> {
        mul_ratio_ceil(params, self.num, mul(self.den, 8)?)
    }
    pub fn as_f64(self) -> f64 {
        self.num as f64 / self.den.max(1) as f64
    }
}

/// How one checkpoint format stores each class of parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Format {
    /// Linear matrices, metadata (scales, zeros) included.
    pub linear: Bits,
    /// Embedding and lm_head.
    pub embedding: Bits,
    /// Norms, biases, router.
    pub kept: Bits,
    pub group_size: Option<u64>,
    /// The equation, for the plan's assumptions.
    pub note: String,
}

/// The format a spec's `weights` section describes. `quantization` wins; with
/// `quantization: none` a low-precision `dtype` implies its usual format.
///
/// Sources for the metadata overheads:
/// - GPTQ/AWQ (AutoGPTQ / AutoAWQ packing): per group of g input weights one
///   fp16 scale and one packed 4-bit zero: 4 + 16/g + 4/g bits (g = 128: 4.156).
/// - NVFP4 (NVIDIA TensorRT Model Optimizer): 4-bit E2M1 + one FP8 E4M3 scale
///   per 16 weights: 4 + 8/16 = 4.5 bits.
/// - MXFP4 (OCP Microscaling spec v1.0): 4-bit E2M1 + one E8M0 scale per 32:
///   4 + 8/32 = 4.25 bits.
/// - FP8 / INT8 W8A8 (compressed-tensors, per-channel): 8 bits + one fp32 scale
///   per output channel = 8 + 32/h_in bits (per-tensor scales are negligible).
///   h_in is taken as `hidden_size` for every matrix; down_proj's input is
///   `intermediate_size`, so its scales are overcounted by 32/h - 32/I bits per
///   weight (Llama-3.1-70B: 0.003 of 8 bits, < 0.05% of the weights).
/// - Block-wise FP8 (DeepSeek-V3, Qwen3-FP8: 128 x 128 blocks) when a group
///   (block) size g is given: 8 + 32/g^2 bits.
/// - bitsandbytes NF4 (Dettmers et al. 2023, QLoRA): 4 bits + one fp32 absmax
///   per block of 64 = 4.5 bits (transformers' default: no double quantization;
///   with it 4 + 8/64 + 32/(64 x 256) = 4.127).
/// - bitsandbytes LLM.int8(): 8 bits + fp32 row scale (SCB) = 8 + 32/h bits.
/// - GGUF (ggml/src/ggml-common.h block layouts): Q4_0 18 B/32 = 4.5, Q8_0
///   34 B/32 = 8.5, Q6_K 210 B/256 = 6.5625; the K-quant mixes Q4_K_M ~4.85 and
///   Q5_K_M ~5.69 are llama.cpp's published averages (quantize --help table).
///   GGUF quantizes embeddings and output too; norms stay f32.
pub fn format(
    dtype: WeightDtype,
    quantization: Quantization,
    group_size: Option<u64>,
    hidden_size: u64,
) -> Format {
    let act = match dtype {
        WeightDtype::Fp32 => Bits::whole(32),
        _ => Bits::whole(16),
    };
    let h = hidden_size.max(1);
    let per_channel_8 = Bits {
        num: 8u64.saturating_mul(h).saturating_add(32),
        den: h,
    };
    let q = match quantization {
        Quantization::None => match dtype {
            WeightDtype::Fp32 | WeightDtype::Bf16 | WeightDtype::Fp16 => {
                let b = Bits::whole(dtype.bits());
                return Format {
                    linear: b,
                    embedding: b,
                    kept: b,
                    group_size: None,
                    note: format!("{} bits per parameter, every tensor", dtype.bits()),
                };
            }
            WeightDtype::Fp8 => Quantization::Fp8,
            WeightDtype::Int8 => Quantization::Int8,
            WeightDtype::Int4 => Quantization::Gptq,
            WeightDtype::Nvfp4 => Quantization::Nvfp4,
            WeightDtype::Mxfp4 => Quantization::Mxfp4,
        },
        q => q,
    };
    let (linear, embedding, kept, group, note) = match q {
        // Block-wise FP8 (DeepSeek-V3 `weight_block_size: [128, 128]`, vLLM
        // `Fp8LinearMethod` with block quant): one fp32 scale per g x g block,
        // 8 + 32/(g x g) bits per weight (g = 128: 8.00195).
        Quantization::Fp8 if group_size.is_some() => {
            let g = group_size.unwrap_or(128).max(1);
            let block = g.saturating_mul(g);
            (
                Bits {
                    num: 8u64.saturating_mul(block).saturating_add(32),
                    den: block,
                },
                act,
                act,
                Some(g),
                format!("8 bits + one fp32 scale per {g}x{g} block (8 + 32/({g}x{g}) bits); embeddings, lm_head, norms 16-bit"),
            )
        }
        // Per-channel: no group size (weights.group_size is null in the plan).
        Quantization::Fp8 | Quantization::Int8 | Quantization::BnbInt8 => (
            per_channel_8,
            act,
            act,
            None,
            "8 bits + one fp32 scale per output channel (8 + 32/h bits); embeddings, lm_head, norms 16-bit".to_string(),
        ),
        Quantization::Awq | Quantization::Gptq | Quantization::None => {
            let g = group_size.unwrap_or(128).max(1);
            (
                Bits {
                    num: 4u64.saturating_mul(g).saturating_add(20),
                    den: g,
                },
                act,
                act,
                Some(g),
                format!("4 + 16/{g} (fp16 scale) + 4/{g} (packed zero) bits per weight; embeddings, lm_head, norms 16-bit"),
            )
        }
        Quantization::Nvfp4 => (
            Bits { num: 9, den: 2 },
            act,
            act,
            Some(16),
            "4 + 8/16 bits (FP8 scale per 16); embeddings, lm_head, norms 16-bit".to_string(),
        ),
        Quantization::Mxfp4 => (
            Bits { num: 17, den: 4 },
            act,
            act,
            Some(32),
            "4 + 8/32 bits (E8M0 scale per 32); embeddings, lm_head, norms 16-bit".to_string(),
        ),
        Quantization::BnbNf4 => (
            Bits { num: 9, den: 2 },
            act,
            act,
            Some(64),
            "4 + 32/64 bits (fp32 absmax per 64, no double quant); embeddings, lm_head, norms 16-bit".to_string(),
        ),
        Quantization::GgufQ4_0 => gguf(Bits { num: 9, den: 2 }, "Q4_0: 18 B per 32 = 4.5 bits"),
        Quantization::GgufQ4KM => gguf(Bits { num: 485, den: 100 }, "Q4_K_M: ~4.85 bits average"),
        Quantization::GgufQ5KM => gguf(Bits { num: 569, den: 100 }, "Q5_K_M: ~5.69 bits average"),
        Quantization::GgufQ6K => gguf(Bits { num: 105, den: 16 }, "Q6_K: 210 B per 256 = 6.5625 bits"),
        Quantization::GgufQ8_0 => gguf(Bits { num: 17, den: 2 }, "Q8_0: 34 B per 32 = 8.5 bits"),
    };
    Format {
        linear,
        embedding,
        kept,
        group_size: group,
        note,
    }
}

fn gguf(b: Bits, what: &str) -> (Bits, Bits, Bits, Option<u64>, String) {
    (
        b,
        b,
        Bits::whole(32),
        None,
        format!("GGUF {what}; embeddings and output at the same type, norms f32"),
    )
}

/// Bytes of a set of layer parameters plus optional embedding/lm_head rows.
pub fn bytes(f: &Format, p: Params, embedding_params: u64) -> MathResult<u64> {
    sum([
        f.linear.bytes(p.linear)?,
        f.kept.bytes(p.kept)?,
        f.embedding.bytes(embedding_params)?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn llama8b() -> Architecture {
        crate::catalog::llama_3_1_8b()
    }

    #[test]
    fn llama_3_8b_count_is_exact() {
        // Meta's model card / HF safetensors metadata: 8,030,261,248.
        assert_eq!(count(&llama8b()).map(|c| c.total), Ok(8_030_261_248));
    }

    #[test]
    fn gptq_g128_is_4_156_bits() {
        let f = format(WeightDtype::Int4, Quantization::Gptq, Some(128), 4096);
        assert_eq!(f.linear.as_f64(), 4.15625);
        assert_eq!(f.linear.bytes(128), Ok(67)); // 128 x 4.15625 / 8 = 66.5 -> 67
    }

    #[test]
    fn overflow_is_reported() {
        let mut a = llama8b();
        a.layers = 1_000_000_000_000;
        a.hidden_size = 1_000_000_000;
        assert!(count(&a).is_err());
    }
}
