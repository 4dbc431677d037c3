//! Weight bytes per dtype and quantization format, and the vocabulary rows
//! each TP rank holds.
//!
//! Parameters are counted per component in `catalog::params` (re-exported
//! here) so that sharding (sharding.rs) can put each on the right GPUs and so
//! that formats which keep some tensors at 16-bit (embeddings, lm_head, norms,
//! biases, MoE router) are priced correctly.

use super::math::{ceil_div, mul, mul_ratio_ceil, sum, MathResult};
use super::unquantized::Keep16;
use crate::catalog::Architecture;
use crate::spec::{Quantization, WeightDtype};

pub use crate::catalog::params::{
    attention, count, dense_mlp, is_dense_layer, layer, layer_norms, layers_in, moe_mlp,
    ParamCount, Params, Shard,
};

/// vLLM pads the vocabulary to a multiple of 64 (`DEFAULT_VOCAB_PADDING_SIZE`,
/// vllm/model_executor/layers/vocab_parallel_embedding.py) and gives each TP
/// rank `padded / tp` rows of the embedding and of lm_head.
pub fn vocab_rows_per_rank(a: &Architecture, tp: u64) -> MathResult<u64> {
    let padded = mul(ceil_div(a.vocab_size, 64)?, 64)?;
    ceil_div(padded, tp)
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
    /// Linear layers the checkpoint keeps unquantized (plan/unquantized.rs),
    /// stored at `unquantized` bits.
    pub keep16: Keep16,
    pub unquantized: Bits,
}

impl Format {
    /// The format with the checkpoint's and the spec's 16-bit module list
    /// (entries that are not valid patterns end up in `keep16.invalid`).
    pub fn with_unquantized(mut self, list: &[String]) -> Format {
        self.keep16 = Keep16::new(list, self.keep16.experts_only);
        self
    }
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
                    keep16: Keep16::default(),
                    unquantized: b,
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
    // MXFP4 MoE checkpoints (gpt-oss) quantize only the routed experts; vLLM's
    // `Mxfp4Config.get_quant_method` gives every linear layer
    // `UnquantizedLinearMethod` (vllm/model_executor/layers/quantization/
    // mxfp4.py, 0.10.1-0.34.0). plan/unquantized.rs applies it to MoE models.
    let experts_only = q == Quantization::Mxfp4;
    Format {
        linear,
        embedding,
        kept,
        group_size: group,
        note,
        keep16: Keep16::new(&[], experts_only),
        unquantized: act,
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
