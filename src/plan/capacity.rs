//! The engine budget, KV memory left, capacity tokens and per-class fit
//! (issue 3 item 8; semantics of design.md section 4b).
//!
//! Budget per engine (per GPU, runtime-visible total `M`):
//! - vLLM: `M x gpu_memory_utilization`, then KV = budget - weights -
//!   activation peak - non-torch (vllm/v1/worker/gpu_worker.py
//!   `determine_available_memory`);
//! - SGLang: `mem_fraction_static` of the memory free once the CUDA context
//!   and NCCL are up covers weights + KV pool only. In
//!   python/sglang/srt/model_executor/model_runner.py `profile_max_num_token`,
//!   `rest_memory = available_gpu_memory - total_gpu_memory x (1 -
//!   mem_fraction_static)`, where `available_gpu_memory` is free memory after
//!   the weights load and `total_gpu_memory` is `min_per_gpu_memory`, the free
//!   memory measured in `init_torch_distributed` after the distributed
//!   environment (CUDA context, NCCL) is initialised. With runtime `R` and
//!   weights `W`: KV = (M - R - W) - (M - R)(1 - f) = f x (M - R) - W, so the
//!   budget (weights + KV) is `f x (M - R)`; activations, runtime and graphs
//!   live in the rest, and free = M - budget - activations - runtime;
//! - TensorRT-LLM: KV = `free_gpu_memory_fraction x (M - weights - activations
//!   - runtime)` (tensorrt_llm KvCacheConfig docs);
//! - generic: `M x (1 - headroom)` minus everything else.
//!
//! Blocks: `num_blocks = floor(kv_bytes / (block_size x bytes_per_token))`
//! (vllm/v1/core/kv_cache_utils.py `get_num_blocks`), capacity tokens =
//! num_blocks x block_size, maximum concurrency = num_blocks / ceil(max_model_len
//! / block_size) (`get_max_concurrency_for_kv_cache_config`).

use super::engine::{EngineSettings, KvSizing};
use super::kv_cache::{self, KvRank};
use super::math::{add, ceil_div, ceil_times, floor_times, mul, MathResult};
use super::types::ClassPlan;
use crate::catalog::Architecture;
use crate::spec::{Engine, RequestClass, TrafficSpec};
use crate::units::Overflow;

/// Budget and KV bytes left on the bottleneck GPU.
#[derive(Clone, Debug, PartialEq)]
pub struct Budget {
    pub budget: u64,
    pub kv_bytes: i64,
    /// What the engine leaves untouched on the GPU (`per_gpu.free_bytes`):
    /// M - budget, and for SGLang, whose budget excludes activations and
    /// runtime, M - budget - activations - runtime (saturating), so weights +
    /// activations + runtime + max(KV, 0) + free = M on a plan that fits.
    pub free: u64,
}

/// Compute the engine's budget and the KV memory left (may be negative).
pub fn budget(
    e: &EngineSettings,
    total: u64,
    weights: u64,
    activations: u64,
    runtime: u64,
) -> MathResult<Budget> {
    let others = add(add(weights, activations)?, runtime)?;
    Ok(match e.engine {
        Engine::Vllm if e.row.kv_sizing.value == KvSizing::AfterCapture => {
            // vLLM 0.34 extensible KV cache (vllm/v1/worker/extensible_kv_cache.py
            // `measure_kv_cache_bytes`): available = min(requested - non_kv,
            // free_after_warmup - margin) - transient_peak, with margin =
            // max(1 GiB, 0.75 x transient_peak). In plan terms the budget is
            // min(M x fraction, M - margin) and KV = budget - weights -
            // activations - runtime (graphs included).
            let margin = extensible_margin(activations)?;
            let budget = floor_times(total, e.memory_fraction)?.min(total.saturating_sub(margin));
            Budget {
                budget,
                kv_bytes: signed_left(budget, others)?,
                free: total.saturating_sub(budget),
            }
        }
        Engine::Vllm | Engine::Generic => {
            let budget = floor_times(total, e.memory_fraction)?;
            Budget {
                budget,
                kv_bytes: signed_left(budget, others)?,
                free: total.saturating_sub(budget),
            }
        }
        Engine::Sglang => {
            // budget = f x (M - R) (profile_max_num_token, see the module doc).
            let budget = floor_times(total.saturating_sub(runtime), e.memory_fraction)?;
            Budget {
                budget,
                kv_bytes: signed_left(budget, weights)?,
                free: total
                    .saturating_sub(budget)
                    .saturating_sub(activations)
                    .saturating_sub(runtime),
            }
        }
        Engine::TensorrtLlm => {
            let free = signed_left(total, others)?;
            let kv = if free > 0 {
                i64::try_from(floor_times(free.unsigned_abs(), e.memory_fraction)?)
                    .map_err(|_| Overflow)?
            } else {
                free
            };
            let budget = if kv > 0 {
                add(others, kv as u64)?
            } else {
                others.min(total)
            };
            Budget {
                budget,
                kv_bytes: kv,
                free: total.saturating_sub(budget),
            }
        }
    })
}

/// The margin vLLM 0.34's extensible KV cache keeps free beside the
/// transient peak: max(`KV_CACHE_MARGIN_FLOOR_BYTES` = 1 GiB,
/// `KV_CACHE_MARGIN_FRACTION` = 0.75 x peak) on CUDA
/// (vllm/v1/worker/extensible_kv_cache.py).
pub fn extensible_margin(transient_peak: u64) -> MathResult<u64> {
    Ok(crate::units::GIB.max(mul(transient_peak, 3)? / 4))
}

/// `a - b` as the plan's signed "memory left" (`per_gpu.kv_cache_bytes`).
/// Per-GPU memory is represented below 2^63 bytes (8 EiB): a `b` past that, or
/// a difference outside i64, is an overflow (MEM000), never a clamp.
pub fn signed_left(a: u64, b: u64) -> MathResult<i64> {
    if i64::try_from(b).is_err() {
        return Err(Overflow);
    }
    i64::try_from(i128::from(a) - i128::from(b)).map_err(|_| Overflow)
}

/// vLLM's block arithmetic for one engine instance.
#[derive(Clone, Debug, PartialEq)]
pub struct Blocks {
    pub num_blocks: u64,
    pub capacity_tokens: u64,
    pub max_concurrency: f64,
    pub max_model_len_that_fits: u64,
    /// Usable KV bytes on the bottleneck GPU (whole blocks).
    pub pool_bytes: u64,
}

pub fn blocks(
    a: &Architecture,
    r: &KvRank,
    e: &EngineSettings,
    kv_bytes: i64,
) -> MathResult<Blocks> {
    let per_token = r.per_token()?;
    let block_bytes = mul(e.block_size, per_token)?;
    let avail = u64::try_from(kv_bytes).unwrap_or(0);
    let num_blocks = avail.checked_div(block_bytes).unwrap_or(0);
    let capacity_tokens = mul(num_blocks, e.block_size)?;
    let pool_bytes = mul(num_blocks, block_bytes)?;
    let seq = kv_cache::bytes_per_sequence(
        a,
        r,
        e.max_model_len,
        e.block_size,
        e.sliding_window_tokens(),
        e.max_model_len,
    )?;
    let max_concurrency = if seq == 0 {
        0.0
    } else {
        pool_bytes as f64 / seq as f64
    };
    // vLLM `estimate_max_model_len`: binary search for the largest length
    // whose per-sequence KV fits the available memory.
    // An overflowing length simply does not fit.
    let fits = |len: u64| -> bool {
        matches!(
            kv_cache::bytes_per_sequence(a, r, len, e.block_size, e.sliding_window_tokens(), len.max(e.max_model_len)),
            Ok(b) if b <= avail
        )
    };
    // Upper bound of the search: a max_model_len the model cannot take (beyond
    // its max_position_embeddings) is no fix, so the answer is capped there;
    // without a known limit, 2^40 tokens. A configured max_model_len above
    // max_position_embeddings (RoPE scaling) raises the cap to itself, so a
    // length that fits is never reported as not fitting because of the cap.
    // max_model_len_that_fits = min(largest n that fits,
    //                               max(max_position_embeddings, max_model_len))
    let cap = a
        .max_position_embeddings
        .map_or(1u64 << 40, |m| m.max(e.max_model_len));
    let (mut lo, mut hi) = (0u64, cap);
    if fits(hi) {
        lo = hi;
    }
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok(Blocks {
        num_blocks,
        capacity_tokens,
        max_concurrency,
        max_model_len_that_fits: lo,
        pool_bytes,
    })
}

/// A request class with its planning numbers, before fitting.
struct Demand {
    /// false when prompt or output has neither the planning percentile nor
    /// its p95 fallback (design.md section 4b: p99 -> p95 only).
    sized: bool,
    /// Sized but longer than max_model_len: the engine rejects its requests
    /// (vLLM validates prompt + max_tokens against max_model_len), so it holds
    /// no sequences and takes no KV (rule TRF006 names it).
    rejected: bool,
    tokens: u64,
    prompt: u64,
    output: u64,
    kv: u64,
    required: u64,
}

impl Demand {
    /// Whether the class holds sequences in the KV pool: sized and not
    /// rejected by the engine.
    fn packed(&self) -> bool {
        self.sized && !self.rejected
    }
}

/// Per-class plans (design.md section 4b). Packing is per engine instance: an
/// instance (one of `data` per replica) holds whole sequences; each class's
/// load per instance is ceil(required / instances).
///
/// A class whose prompt or output lacks both the planning percentile and its
/// p95 fallback is unsized (`sized: false`): it takes no KV in the fit of the
/// others and is left out of their `replicas_needed`; it has `fits: false`,
/// `replicas_needed: None`, `max_concurrency: 0`, `kv_bytes_per_sequence: 0`
/// and `pool_share: 0` (rule TRF001 names it).
///
/// A sized class longer than `max_model_len` is rejected by the engine: it
/// keeps its tokens and KV bytes per sequence (never capped), but holds no
/// sequences: `rejected: true`, `fits: false`, `max_concurrency: 0`,
/// `replicas_needed: None`, `pool_share: 0`, and it takes no KV in the fit of
/// the others (rule TRF006 names it).
#[allow(clippy::too_many_arguments)]
pub fn classes(
    a: &Architecture,
    r: &KvRank,
    e: &EngineSettings,
    traffic: &TrafficSpec,
    pool_bytes: u64,
    instances_per_replica: u64,
) -> MathResult<Vec<ClassPlan>> {
    let seq = |tokens: u64| {
        kv_cache::bytes_per_sequence(
            a,
            r,
            tokens,
            e.block_size,
            e.sliding_window_tokens(),
            e.max_model_len,
        )
    };
    classes_with(&seq, e, traffic, pool_bytes, instances_per_replica)
}

/// [`classes`] with the pool bytes one sequence of a given length takes
/// supplied by the caller (the layer-kind plan's blocks, plan/hybrid.rs).
pub fn classes_with(
    seq: &dyn Fn(u64) -> MathResult<u64>,
    e: &EngineSettings,
    traffic: &TrafficSpec,
    pool_bytes: u64,
    instances_per_replica: u64,
) -> MathResult<Vec<ClassPlan>> {
    let pct = traffic.plan_percentile;
    let demands: Vec<Demand> = traffic
        .classes
        .iter()
        .map(|c: &RequestClass| -> MathResult<Demand> {
            // `at` is the planning percentile with the p99 -> p95 fallback and
            // nothing else (never mean or p50: design.md section 4b).
            let (p, o) = (c.prompt_tokens.at(pct), c.output_tokens.at(pct));
            let sized = p.is_some() && o.is_some();
            let prompt = p.unwrap_or(0);
            let output = o.unwrap_or(0);
            let tokens = add(prompt, output)?;
            // An unsized class has no length to plan: it is given no KV (0 B),
            // so it takes nothing from the others' pool; it never fits.
            let kv = if sized { seq(tokens)? } else { 0 };
            let required = ceil_times(c.concurrency, c.burst.unwrap_or(1.0))?;
            Ok(Demand {
                sized,
                rejected: sized && tokens > e.max_model_len,
                tokens,
                prompt,
                output,
                kv,
                required,
            })
        })
        .collect::<MathResult<_>>()?;
    let replicas = e.replicas;
    let instances = mul(replicas, instances_per_replica.max(1))?;
    let fits_with = |replica_count: u64| -> MathResult<bool> {
        let inst = mul(replica_count, instances_per_replica.max(1))?;
        let mut used = 0u64;
        for d in demands.iter().filter(|d| d.packed()) {
            let load = ceil_div(d.required, inst)?;
            used = add(used, mul(load, d.kv)?)?;
        }
        Ok(used <= pool_bytes)
    };
    let replicas_needed = {
        let max_required = demands
            .iter()
            .filter(|d| d.packed())
            .map(|d| d.required)
            .max()
            .unwrap_or(0);
        let hi = max_required.max(1);
        if !fits_with(hi)? {
            None
        } else {
            let (mut lo, mut hi) = (1u64, hi);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if fits_with(mid)? {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            Some(lo)
        }
    };
    let mut out = Vec::with_capacity(demands.len());
    for (i, (c, d)) in traffic.classes.iter().zip(&demands).enumerate() {
        let mut others = 0u64;
        for (j, o) in demands.iter().enumerate() {
            if j != i && o.packed() {
                others = add(others, mul(ceil_div(o.required, instances)?, o.kv)?)?;
            }
        }
        let room = pool_bytes.saturating_sub(others);
        // A zero-token class costs no KV: only the engine's sequence cap binds.
        // An unsized class holds no sequences: it cannot be planned.
        let max_concurrency = if !d.packed() {
            0
        } else {
            match room.checked_div(d.kv) {
                Some(n) => mul(n, instances)?,
                None => mul(e.max_num_seqs, instances)?,
            }
        };
        // Share of one engine instance's pool at required load, the same load
        // the fit uses: pool_share = ceil(required / (replicas x instances per
        // replica)) x kv / pool_bytes_per_instance (design.md section 4b), so
        // per_gpu.kv_cache_bytes x the shares (report, TRF003) agrees with fits.
        let load_bytes = mul(ceil_div(d.required, instances)?, d.kv)?;
        let pool_share = if !d.packed() {
            0.0
        } else if pool_bytes == 0 {
            // No pool at all: any demand is "all of it and more".
            if load_bytes > 0 {
                f64::INFINITY
            } else {
                0.0
            }
        } else {
            load_bytes as f64 / pool_bytes as f64
        };
        out.push(ClassPlan {
            sized: d.sized,
            name: c.name.clone(),
            percentile: pct.as_str().to_string(),
            prompt_tokens: d.prompt,
            output_tokens: d.output,
            tokens_per_sequence: d.tokens,
            kv_bytes_per_sequence: d.kv,
            required_concurrency: d.required,
            per_replica_concurrency: ceil_div(d.required, replicas.max(1))?,
            max_concurrency,
            rejected: d.rejected,
            fits: d.packed() && max_concurrency >= d.required,
            replicas_needed: if d.packed() { replicas_needed } else { None },
            pool_share,
        });
    }
    Ok(out)
}
