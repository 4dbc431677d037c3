//! KV cache bytes per token and per sequence (issue 3 item 3), vLLM-faithful.
//!
//! Per token per layer (vllm/v1/kv_cache_interface.py `AttentionSpec.page_size_bytes`
//! / block_size):
//! - full attention: `2 x kv_heads_per_rank x head_dim x dtype_bytes`, with
//!   `kv_heads_per_rank = ceil(kv_heads / tp)` ([`kv_heads_per_rank`]). vLLM
//!   computes `max(1, kv_heads // tp)` (vllm/config/model.py
//!   `get_num_kv_heads`) and refuses to start unless one of kv_heads and tp
//!   divides the other (`QKVParallelLinear`; rule PAR001): there ceil and vLLM
//!   agree (8 heads / TP 4 = 2; 8 / 16 = 1, replicated). Where neither divides
//!   (8 / 3) the engine will not run and the plan rounds up (3 heads), the
//!   larger, conservative figure;
//! - MLA (`MLAAttentionSpec`): one latent `(kv_lora_rank + qk_rope_head_dim) x
//!   dtype_bytes`, no K/V pair, replicated on every TP rank; vLLM's `fp8_ds_mla`
//!   layout is 656 B (512 fp8 + 4 fp32 scales + 64 bf16 rope);
//! - sliding-window layers (`SlidingWindowSpec.max_memory_usage_bytes`) reserve
//!   `ceil(min(window - 1 + max_num_batched_tokens, max_model_len) / block_size)
//!   + 1` blocks per sequence; a shorter sequence needs only its own blocks.
//!
//! FP8 KV in vLLM uses per-tensor k/v scales (two floats per layer), which are
//! not per token: no per-token overhead. vLLM has no int4 KV cache (a rules
//! finding); its bytes are still computed at 4 bits.

use super::math::{add, ceil_div, mul, mul_ratio_ceil, MathResult};
use super::sharding::stage_range;
use crate::catalog::Architecture;
use crate::spec::KvCacheDtype;

/// Bits per cached element.
pub fn dtype_bits(d: KvCacheDtype) -> u64 {
    match d {
        KvCacheDtype::Fp32 => 32,
        KvCacheDtype::Auto | KvCacheDtype::Bf16 | KvCacheDtype::Fp16 => 16,
        KvCacheDtype::Fp8
        | KvCacheDtype::Fp8E4m3
        | KvCacheDtype::Fp8E5m2
        | KvCacheDtype::Fp8DsMla
        | KvCacheDtype::Int8 => 8,
        KvCacheDtype::Int4 => 4,
    }
}

/// vLLM fp8_ds_mla: 512 fp8 latent + 4 x fp32 tile scales + 64 x bf16 rope = 656 B.
pub const FP8_DS_MLA_BYTES: u64 = 512 + 4 * 4 + 64 * 2;

/// Bytes one token's sparse-attention index key takes in one layer
/// (DeepSeek-V3.2 `DeepseekV32IndexerCache`, vllm/model_executor/models/deepseek_v2.py:
/// fp8 keys plus one fp32 scale per 128, `head_dim + head_dim / 128 x 4` =
/// 132 B for 128; uint8, not TP-sharded, whatever the KV dtype).
pub fn indexer_bytes(a: &Architecture) -> MathResult<u64> {
    match a.mla.as_ref().and_then(|m| m.indexer.as_ref()) {
        Some(i) => add(i.head_dim, mul(i.head_dim.div_ceil(128), 4)?),
        None => Ok(0),
    }
}

/// KV bytes one token costs in one layer on one TP rank.
pub fn bytes_per_token_per_layer(a: &Architecture, d: KvCacheDtype, tp: u64) -> MathResult<u64> {
    if let Some(m) = &a.mla {
        // The index keys share the latent's group (`UniformTypeKVCacheSpecs`:
        // one page holds both), so they count per token per layer.
        let index = indexer_bytes(a)?;
        // With the indexer (DeepSeek-V3.2) an fp8 KV cache is vLLM's
        // fp8_ds_mla layout (flashmla_sparse.py); a bf16 one stays 576 x 2.
        let fp8 = matches!(d, KvCacheDtype::Fp8 | KvCacheDtype::Fp8E4m3);
        if d == KvCacheDtype::Fp8DsMla || (index > 0 && fp8) {
            return add(FP8_DS_MLA_BYTES, index);
        }
        let elems = add(m.kv_lora_rank, m.qk_rope_head_dim)?;
        return add(mul_ratio_ceil(elems, dtype_bits(d), 8)?, index);
    }
    let kv_heads = kv_heads_per_rank(a.kv_heads, tp)?;
    let elems = mul(2, mul(kv_heads, a.head_dim)?)?;
    mul_ratio_ceil(elems, dtype_bits(d), 8)
}

/// KV heads one TP rank caches: `ceil(kv_heads / tp)`. Equal to vLLM's
/// `max(1, kv_heads // tp)` whenever kv_heads and tp divide one another (the
/// only layouts vLLM runs); rounded up otherwise (see the module doc).
pub fn kv_heads_per_rank(kv_heads: u64, tp: u64) -> MathResult<u64> {
    ceil_div(kv_heads, tp)
}

/// Whether layer `i` is a sliding-window layer (design.md section 4b:
/// `every_nth_full: N` makes layer i full when (i + 1) % N == 0; `layers` lists
/// the sliding ones; a window with neither applies to every layer, Mistral-7B
/// v0.1 style).
pub fn sliding_layers_in(a: &Architecture, start: u64, end: u64) -> u64 {
    let Some(sw) = &a.sliding_window else {
        return 0;
    };
    if let Some(list) = &sw.layers {
        let mut l: Vec<u64> = list
            .iter()
            .copied()
            .filter(|i| *i >= start && *i < end)
            .collect();
        l.sort_unstable();
        l.dedup();
        return l.len() as u64;
    }
    if let Some(n) = sw.every_nth_full.filter(|n| *n > 0) {
        // full layers in [start, end): i with (i + 1) % n == 0, i.e. multiples of n in [start+1, end]
        let full = end / n - start / n;
        return (end - start) - full;
    }
    end - start
}

/// The KV layout of the bottleneck rank: its layers, split full vs sliding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KvRank {
    pub full_layers: u64,
    pub sliding_layers: u64,
    pub per_layer: u64,
}

impl KvRank {
    /// Bytes per token over all layers of this rank.
    pub fn per_token(&self) -> MathResult<u64> {
        mul(self.per_layer, add(self.full_layers, self.sliding_layers)?)
    }
}

/// Pick the pipeline stage with the most KV per token (fewest blocks: vLLM
/// sizes every rank's cache by the smallest one).
pub fn bottleneck_rank(
    a: &Architecture,
    d: KvCacheDtype,
    tp: u64,
    pp: u64,
    stages: &[u64],
) -> MathResult<KvRank> {
    let per_layer = bytes_per_token_per_layer(a, d, tp)?;
    let mut best: Option<KvRank> = None;
    for &s in stages {
        let (start, end) = stage_range(a.layers, pp, s);
        let sliding = sliding_layers_in(a, start, end);
        let r = KvRank {
            full_layers: (end - start) - sliding,
            sliding_layers: sliding,
            per_layer,
        };
        let better = match &best {
            None => true,
            Some(b) => (r.full_layers, r.sliding_layers) > (b.full_layers, b.sliding_layers),
        };
        if better {
            best = Some(r);
        }
    }
    Ok(best.unwrap_or(KvRank {
        full_layers: 0,
        sliding_layers: 0,
        per_layer,
    }))
}

/// Blocks a sliding-window layer reserves at most per sequence
/// (`SlidingWindowSpec`): ceil(min(window - 1 + max_num_batched_tokens,
/// max_model_len) / block_size) + 1.
pub fn sliding_cap_blocks(
    window: u64,
    batched: u64,
    max_model_len: u64,
    block: u64,
) -> MathResult<u64> {
    let span = add(window.saturating_sub(1), batched)?.min(max_model_len);
    add(ceil_div(span, block)?, 1)
}

/// KV bytes one sequence of `tokens` needs on the bottleneck rank, block-rounded.
pub fn bytes_per_sequence(
    a: &Architecture,
    r: &KvRank,
    tokens: u64,
    block: u64,
    batched: u64,
    max_model_len: u64,
) -> MathResult<u64> {
    let blocks = ceil_div(tokens, block)?;
    let block_bytes = mul(block, r.per_layer)?;
    let full = mul(mul(blocks, r.full_layers)?, block_bytes)?;
    let sliding = match &a.sliding_window {
        Some(sw) if r.sliding_layers > 0 => {
            let cap = sliding_cap_blocks(sw.window, batched, max_model_len, block)?;
            mul(mul(blocks.min(cap), r.sliding_layers)?, block_bytes)?
        }
        _ => 0,
    };
    add(full, sliding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SlidingWindowSpec;

    fn arch(kv_heads: u64) -> Architecture {
        Architecture {
            kv_heads,
            max_position_embeddings: None,
            ..crate::catalog::llama_3_1_8b()
        }
    }

    #[test]
    fn one_gib_per_8k_sequence() {
        // 32 layers x 2 x 8 heads x 128 x 2 B = 131,072 B/token; x 8192 = 1 GiB.
        let a = arch(8);
        let r = bottleneck_rank(&a, KvCacheDtype::Bf16, 1, 1, &[0]).unwrap_or(KvRank {
            full_layers: 0,
            sliding_layers: 0,
            per_layer: 0,
        });
        assert_eq!(r.per_token(), Ok(131_072));
        assert_eq!(
            bytes_per_sequence(&a, &r, 8192, 16, 8192, 8192),
            Ok(1 << 30)
        );
    }

    #[test]
    fn gemma_every_nth_full() {
        let mut a = arch(8);
        a.layers = 12;
        a.sliding_window = Some(SlidingWindowSpec {
            window: 1024,
            layers: None,
            every_nth_full: Some(6),
        });
        // full: i = 5, 11
        assert_eq!(sliding_layers_in(&a, 0, 12), 10);
        assert_eq!(sliding_layers_in(&a, 0, 6), 5);
        assert_eq!(sliding_layers_in(&a, 6, 12), 5);
        assert_eq!(sliding_cap_blocks(1024, 8192, 131072, 16), Ok(577));
    }
}
