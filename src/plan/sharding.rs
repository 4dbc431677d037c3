//! Per-GPU weights under tensor, pipeline, expert and data parallelism
//! (issue 3 item 2). The plan reports the most-loaded GPU of one engine
//! instance (design.md section 4b).
//!
//! - TP: linear layers split (vLLM `ColumnParallelLinear`/`RowParallelLinear`),
//!   vocabulary padded to 64 and split, norms and routers replicated, KV heads
//!   replicated when kv_heads < tp, MLA down-projections replicated.
//! - PP: vLLM `get_pp_indices` (vllm/distributed/utils.py) gives each stage
//!   L // pp layers and hands the L % pp remainder to the stages before the
//!   last; embeddings live on the first stage, final norm and lm_head on the
//!   last (a tied lm_head is materialized there when pp > 1).
//! - EP (`expert: true`): experts spread over tensor x data ranks, whole.
//! - DP: each engine instance holds full weights, sharded by its own TP only.

use super::math::{add, mul, sum, MathResult};
use super::unquantized;
use super::weights::{self, Format, Params, Shard};
use crate::catalog::Architecture;

/// Layer index range `[start, end)` of pipeline stage `s` of `pp` (vLLM
/// `get_pp_indices`: partitions[pp - i] += 1 for i in 2..=remainder + 1).
pub fn stage_range(layers: u64, pp: u64, s: u64) -> (u64, u64) {
    let pp = pp.max(1);
    let base = layers / pp;
    let rem = layers % pp;
    // Stages pp-1-rem ..= pp-2 carry one extra layer.
    let first_extra = (pp - 1).saturating_sub(rem);
    let extra_before = |k: u64| k.saturating_sub(first_extra).min(rem);
    let start = s * base + extra_before(s);
    let own = base + u64::from(s >= first_extra && s < pp - 1 && rem > 0);
    (start, start + own)
}

/// Stages worth evaluating: all of them when few, else the ones that can be
/// extreme (first, last, the ones with an extra layer, the dense/MoE boundary).
pub fn candidate_stages(a: &Architecture, pp: u64) -> Vec<u64> {
    let pp = pp.max(1);
    if pp <= 4096 {
        return (0..pp).collect();
    }
    let rem = a.layers % pp;
    let first_extra = (pp - 1).saturating_sub(rem);
    let base = (a.layers / pp).max(1);
    let boundary = a.moe.as_ref().map_or(0, |m| m.dense_layers / base);
    let mut v: Vec<u64> = [
        0,
        1,
        first_extra,
        first_extra + 1,
        boundary.saturating_sub(1),
        boundary,
        boundary + 1,
        pp - 2,
        pp - 1,
    ]
    .into_iter()
    .filter(|s| *s < pp)
    .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Number of dense-MLP layers in `[start, end)`.
pub fn dense_layers_in(a: &Architecture, start: u64, end: u64) -> u64 {
    match &a.moe {
        None => end - start,
        Some(m) => m.dense_layers.min(end).saturating_sub(start),
    }
}

/// Parameters of the layers of one stage on one rank.
pub fn stage_layer_params(
    a: &Architecture,
    shard: Shard,
    start: u64,
    end: u64,
) -> MathResult<Params> {
    weights::layers_in(a, shard, start, end, false)
}

/// Weight bytes on one rank of stage `s`.
pub fn stage_bytes(a: &Architecture, f: &Format, shard: Shard, pp: u64, s: u64) -> MathResult<u64> {
    let (start, end) = stage_range(a.layers, pp, s);
    let mut p = stage_layer_params(a, shard, start, end)?;
    // Linear layers the checkpoint keeps at 16 bits (plan/unquantized.rs).
    let kept16 = unquantized::linear16_in(a, &f.keep16, shard, start, end)?;
    p.linear = p.linear.saturating_sub(kept16);
    let vocab_rows = weights::vocab_rows_per_rank(a, shard.tp)?;
    let rows = mul(vocab_rows, a.hidden_size)?;
    let mut embedding = 0;
    if s == 0 {
        embedding = add(embedding, rows)?;
    }
    if s + 1 == pp.max(1) {
        p.kept = add(p.kept, a.hidden_size)?; // final norm
        if !a.tie_word_embeddings || pp > 1 {
            embedding = add(embedding, rows)?;
        }
    }
    add(
        weights::bytes(f, p, embedding)?,
        f.unquantized.bytes(kept16)?,
    )
}

/// The most-loaded GPU of one engine instance, and which stage it is.
pub fn max_stage_bytes(
    a: &Architecture,
    f: &Format,
    shard: Shard,
    pp: u64,
) -> MathResult<(u64, u64)> {
    let mut best = (0u64, 0u64);
    for s in candidate_stages(a, pp) {
        let b = stage_bytes(a, f, shard, pp, s)?;
        if b > best.0 {
            best = (b, s);
        }
    }
    Ok(best)
}

/// Bytes of one whole copy of the model in format `f` (formula path).
pub fn whole_model_bytes(a: &Architecture, f: &Format) -> MathResult<u64> {
    let c = weights::count(a)?;
    let kept16 = whole_model_linear16(a, f)?;
    sum([
        f.linear.bytes(c.linear.saturating_sub(kept16))?,
        f.unquantized.bytes(kept16)?,
        f.kept.bytes(c.kept)?,
        f.embedding.bytes(add(c.embedding, c.lm_head)?)?,
    ])
}

/// Linear parameters of the whole model the checkpoint keeps at 16 bits.
pub fn whole_model_linear16(a: &Architecture, f: &Format) -> MathResult<u64> {
    unquantized::linear16_in(a, &f.keep16, Shard::WHOLE, 0, a.layers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vllm_pp_partition() {
        // vLLM get_pp_indices(10, r, 4): [2, 3, 3, 2]
        let r: Vec<_> = (0..4).map(|s| stage_range(10, 4, s)).collect();
        assert_eq!(r, vec![(0, 2), (2, 5), (5, 8), (8, 10)]);
        // 80 layers over 3 stages: [26, 27, 27]? rem 2 -> stages 0,1 get +1: [27, 27, 26]
        let r: Vec<_> = (0..3).map(|s| stage_range(80, 3, s)).collect();
        assert_eq!(r, vec![(0, 27), (27, 54), (54, 80)]);
        assert_eq!(stage_range(32, 1, 0), (0, 32));
    }
}
