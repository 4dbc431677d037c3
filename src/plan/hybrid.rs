//! The KV plan of a model with layer kinds (the families of 2026): each
//! layer's cache from the architecture ([`caches`]), the engine behaviour by
//! version ([`settings`]), and the bottleneck stage's pool ([`plan`]). A model
//! without layer kinds, speculative decoding or MTP keeps v0.1's plan
//! (plan/kv_cache.rs); [`applies`] decides.

use super::engine::EngineSettings;
use super::kv_cache::{
    bytes_per_token_per_layer, dtype_bits, kv_heads_per_rank, sliding_layers_in,
};
use super::layers::{self, Cache, Capacity, Layout, Settings};
use super::math::{add, mul, mul_ratio_ceil, MathResult};
use super::sharding::stage_range;
use super::state::{self, StateDtypes};
use super::types::Assumption;
use crate::catalog::Architecture;
use crate::spec::{engine_version, Engine, LayerType, ServingSpec, SpeculativeMethod};

/// Whether the layer-kind plan applies: the architecture has layer kinds or
/// state geometry, the serving config drafts with MTP, or vLLM serves a
/// model whose sliding window marks every Nth layer full: its hybrid
/// allocator groups the sliding and full layers and pads the groups
/// (`_get_kv_cache_groups_uniform_page_size`, vllm/v1/core/kv_cache_utils.py
/// at 0.19.0: "Add 8 padding layers" for gemma-3-27b's 52 + 10), which
/// `layers::build` models.
pub fn applies(a: &Architecture, s: &ServingSpec) -> bool {
    a.layout.is_active()
        || (s.engine == Engine::Vllm
            && a.sliding_window
                .as_ref()
                .is_some_and(|sw| sw.every_nth_full.is_some()))
        || s.speculative
            .as_ref()
            .is_some_and(|sp| sp.method == SpeculativeMethod::Mtp)
}

/// Kind of layer `i`: `layer_types` (repeating), else v0.1's sliding-window
/// forms, else full attention.
pub fn kind_of(a: &Architecture, i: u64) -> LayerType {
    if let Some(list) = a.layout.layer_types.as_ref().filter(|l| !l.is_empty()) {
        return list[(i % list.len() as u64) as usize];
    }
    if sliding_layers_in(a, i, i + 1) == 1 {
        LayerType::Sliding
    } else {
        LayerType::Full
    }
}

/// Per-token KV bytes of an attention kind on one rank.
fn attention_bytes(
    a: &Architecture,
    kind: LayerType,
    e: &EngineSettings,
    tp: u64,
) -> MathResult<u64> {
    if a.mla.is_some() {
        return bytes_per_token_per_layer(a, e.kv_dtype, tp);
    }
    let g = a.layout.layer_kinds.as_ref().and_then(|k| match kind {
        LayerType::Full => k.full.as_ref(),
        LayerType::Sliding => k.sliding.as_ref(),
        LayerType::Chunked => k.chunked.as_ref(),
        _ => None,
    });
    let kv_heads = g.and_then(|g| g.kv_heads).unwrap_or(a.kv_heads);
    let head_dim = g.and_then(|g| g.head_dim).unwrap_or(a.head_dim);
    let v_dim = g
        .and_then(|g| g.v_head_dim)
        .or(a.layout.v_head_dim)
        .unwrap_or(head_dim);
    // K at head_dim and V at v_head_dim per KV head (vLLM FullAttentionSpec).
    let elems = mul(kv_heads_per_rank(kv_heads, tp)?, add(head_dim, v_dim)?)?;
    mul_ratio_ceil(elems, dtype_bits(e.kv_dtype), 8)
}

fn window_of(a: &Architecture) -> Option<u64> {
    a.layout
        .layer_kinds
        .as_ref()
        .and_then(|k| k.sliding.as_ref())
        .and_then(|g| g.window)
        .or(a.sliding_window.as_ref().map(|w| w.window))
}

/// Caches of layers `[start, end)` on one rank, plus `extra_full` draft
/// (MTP) attention layers.
pub fn caches(
    a: &Architecture,
    e: &EngineSettings,
    tp: u64,
    (start, end): (u64, u64),
    d: StateDtypes,
    spec_tokens: u64,
    extra_full: u64,
) -> MathResult<Vec<Cache>> {
    let mut out = Vec::new();
    let layer_count = end.saturating_sub(start);
    // A layer list past 2^20 is rejected by validation; never loop on it here.
    if layer_count > 1 << 20 {
        return Err(crate::units::Overflow);
    }
    for i in (start..end).chain((0..extra_full).map(|_| u64::MAX)) {
        let kind = if i == u64::MAX {
            LayerType::Full
        } else {
            kind_of(a, i)
        };
        let c = match kind {
            LayerType::None => continue,
            LayerType::Full | LayerType::Sliding | LayerType::Chunked => Cache::Attention {
                kind,
                bytes_per_token: attention_bytes(a, kind, e, tp)?,
                window: (kind == LayerType::Sliding).then(|| window_of(a)).flatten(),
                chunk: (kind == LayerType::Chunked)
                    .then_some(a.layout.attention_chunk_size)
                    .flatten(),
                mla: a.mla.is_some(),
            },
            LayerType::Mamba => match &a.layout.mamba {
                Some(m) => Cache::State {
                    kind,
                    page: state::mamba_page(m, tp, spec_tokens, d)?,
                    checkpoint: u64::from(m.version == 2),
                },
                None => continue,
            },
            LayerType::Linear => match &a.layout.linear_attention {
                Some(l) => Cache::State {
                    kind,
                    page: state::linear_page(l, tp, spec_tokens, d)?,
                    checkpoint: 0,
                },
                None => continue,
            },
        };
        out.push(c);
    }
    Ok(out)
}

fn note(out: &mut Vec<Assumption>, field: &str, value: impl ToString, source: &str) {
    out.push(Assumption {
        field: field.to_string(),
        value: value.to_string(),
        source: source.to_string(),
    });
}

/// The engine release as written (not clamped to the defaults table): the
/// allocator's behaviour changed at releases past it.
fn raw_version(s: &ServingSpec, e: &EngineSettings) -> (u64, u64) {
    s.engine_version
        .as_deref()
        .and_then(engine_version::parse_version)
        .unwrap_or(e.version)
}

/// Allocator settings for this engine and version, each recorded.
pub fn settings(
    a: &Architecture,
    s: &ServingSpec,
    e: &EngineSettings,
    out: &mut Vec<Assumption>,
) -> Settings {
    let v = raw_version(s, e);
    let hybrid = a.layout.mamba.is_some() || a.layout.linear_attention.is_some();
    let prefix_caching = match s.prefix_caching {
        Some(p) => p,
        None => {
            // Hybrid models: opt-in until https://github.com/vllm-project/vllm/pull/50991
            // (merged 2026-08-04, after 0.27.1); plain models: on in V1.
            let on = if hybrid { v >= (0, 28) } else { v >= (0, 8) };
            note(
                out,
                "serving.prefix_caching",
                on,
                if hybrid {
                    "vLLM default for hybrid models: off before 0.28, on from 0.28 (https://github.com/vllm-project/vllm/pull/50991); on puts state layers in `align` mode"
                } else {
                    "vLLM V1 default: on"
                },
            );
            on
        }
    };
    // vLLM 0.11-0.14 (`MambaModelConfig.verify_and_update_config`,
    // vllm/model_executor/models/config.py) turns prefix caching off for a
    // hybrid model whose class lacks `SupportsMambaPrefixCaching` ("Hybrid or
    // mamba-based model detected without support for prefix caching:
    // disabling."); only the Mamba1/Mamba2 models implement it there (jamba,
    // mamba, mamba2, bamba, nemotron_h, granitemoehybrid, zamba2, falcon_h1),
    // not gated DeltaNet (Qwen3-Next, Qwen3.5) or KDA (Kimi Linear). From 0.15
    // those run in the `align` mode instead (the same function, 0.15.0).
    let linear_state = a.layout.linear_attention.is_some();
    let prefix_caching = if prefix_caching
        && linear_state
        && e.engine == Engine::Vllm
        && v < (0, 15)
    {
        note(
            out,
            "serving.prefix_caching",
            false,
            "vLLM before 0.15 disables prefix caching for hybrid models without Mamba prefix-caching support (gated DeltaNet, KDA, linear attention): vllm/model_executor/models/config.py MambaModelConfig, 0.11.1-0.14.0",
        );
        false
    } else {
        prefix_caching
    };
    // Batches whose tokens a sliding or chunked layer keeps past its window:
    // vLLM's max_concurrent_batches (pp + 1 with async scheduling) from 0.26,
    // one batch before (the engine defaults table, plan/engine/vllm.rs).
    let concurrent_batches = e.in_flight_batches();
    let has_chunked = a
        .layout
        .layer_types
        .as_ref()
        .is_some_and(|l| l.contains(&LayerType::Chunked));
    // The hybrid manager exists from vLLM 0.10. For chunked local attention
    // (Llama 4) VllmConfig turns it off unless
    // VLLM_ALLOW_CHUNKED_LOCAL_ATTN_WITH_HYBRID_KV_CACHE is set: the variable
    // came with default off in 0.10.1 (https://github.com/vllm-project/vllm/pull/21761)
    // and its default flipped to on in 0.23 (https://github.com/vllm-project/vllm/pull/29627;
    // https://github.com/vllm-project/vllm/pull/46553 dates the change between
    // 0.22 and 0.23). Then every layer is allocated as full attention. Other
    // engines keep every layer full.
    let hma = e.engine == Engine::Vllm && v >= (0, 10) && !(has_chunked && v < (0, 23));
    if !hma && e.engine == Engine::Vllm {
        note(
            out,
            "hybrid KV cache manager",
            "off",
            "vLLM before 0.10, and before 0.23 for chunked local attention (VLLM_ALLOW_CHUNKED_LOCAL_ATTN_WITH_HYBRID_KV_CACHE off by default, https://github.com/vllm-project/vllm/pull/21761): sliding and chunked layers are allocated as full attention",
        );
    }
    // MLA kernel block: 64 (FlashMLA's kernel block; vLLM 0.11-0.16
    // `HybridAttentionMambaModelConfig` in vllm/model_executor/models/config.py
    // aligns MLA hybrids to 64). From vLLM 0.27 `Platform._align_hybrid_block_size`
    // (vllm/platforms/interface.py) raises MLA hybrids to 128 tokens
    // ("kernel_block_alignment_size = max(kernel_block_alignment_size, 128)":
    // in the 0.27.0, 0.28.0, 0.30.0 and 0.34.0 wheels, not in 0.26.0).
    let mla_min_block = if hybrid && e.engine == Engine::Vllm && v >= MLA_HYBRID_128_FROM {
        128
    } else {
        64
    };
    Settings {
        cache_block: e.block_size,
        mla_min_block,
        max_model_len: e.max_model_len,
        max_num_batched_tokens: e.max_num_batched_tokens,
        concurrent_batches,
        prefix_caching,
        spec_tokens: s
            .speculative
            .as_ref()
            .map_or(0, |sp| sp.num_speculative_tokens),
        hma,
        tokens_from_concurrency: v >= (0, 20),
    }
}

/// First vLLM release whose hybrid alignment raises MLA blocks to 128 tokens.
pub const MLA_HYBRID_128_FROM: (u64, u64) = (0, 27);

/// The bottleneck stage's pool.
pub struct HybridPlan {
    pub layout: Layout,
    pub capacity: Capacity,
    pub settings: Settings,
    /// SGLang's separate state pool, when the engine is SGLang.
    pub sglang: Option<SglangPools>,
}

/// SGLang's memory split for hybrid models
/// (sglang/srt/mem_cache/kv_cache_configurator.py, SGLang 0.5.23): the state
/// slots take `rest x r / (1 + r)` with `r = mamba_full_memory_ratio`
/// (fallback 0.9), `slots = floor((share - per_request) / per_request)`; the
/// attention KV pool takes the rest, one token per page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SglangPools {
    pub state_slots: u64,
    pub kv_pool_bytes: u64,
    pub attention_bytes_per_token: u64,
}

/// SGLang's `mamba_full_memory_ratio` fallback.
pub const SGLANG_MAMBA_FULL_RATIO: f64 = 0.9;

impl SglangPools {
    /// Split `rest` bytes between state slots of `per_request` bytes and the
    /// attention pool.
    pub fn split(rest: u64, per_request: u64, attention_bytes_per_token: u64) -> SglangPools {
        let r = SGLANG_MAMBA_FULL_RATIO;
        // rest x r / (1 + r), floored.
        let share = (rest as f64 * r / (1.0 + r)).floor() as u64;
        let state_slots = share
            .saturating_sub(per_request)
            .checked_div(per_request)
            .unwrap_or(0);
        SglangPools {
            state_slots,
            kv_pool_bytes: rest - share.min(rest),
            attention_bytes_per_token,
        }
    }

    /// Pool bytes one sequence of `tokens` stands for: its tokens, plus its
    /// state slot as the share of the KV pool one slot is worth (so the class
    /// fit meets the slot limit and the token limit together).
    pub fn bytes_per_sequence(&self, tokens: u64) -> MathResult<u64> {
        let slot = self
            .kv_pool_bytes
            .checked_div(self.state_slots)
            .unwrap_or(self.kv_pool_bytes);
        add(mul(tokens, self.attention_bytes_per_token)?, slot)
    }

    /// Tokens, concurrency at `max_model_len` and the longest sequence.
    pub fn capacity(&self, max_model_len: u64) -> Capacity {
        let tokens = self
            .kv_pool_bytes
            .checked_div(self.attention_bytes_per_token)
            .unwrap_or(0);
        let by_tokens = tokens as f64 / max_model_len.max(1) as f64;
        Capacity {
            num_blocks: tokens,
            capacity_tokens: tokens,
            max_concurrency: by_tokens.min(self.state_slots as f64),
            max_model_len_that_fits: if self.state_slots > 0 { tokens } else { 0 },
            pool_bytes: tokens.saturating_mul(self.attention_bytes_per_token),
        }
    }
}

/// Plan every pipeline stage and keep the one with the lowest concurrency
/// (vLLM sizes every rank's pool by the smallest).
#[allow(clippy::too_many_arguments)]
pub fn plan(
    a: &Architecture,
    s: &ServingSpec,
    e: &EngineSettings,
    tp: u64,
    pp: u64,
    stages: &[u64],
    model_bytes: u64,
    kv_bytes: i64,
    out: &mut Vec<Assumption>,
) -> MathResult<HybridPlan> {
    let set = settings(a, s, e, out);
    let d = state::dtypes(
        s.mamba_cache_dtype,
        s.mamba_ssm_cache_dtype,
        a.layout.mamba_ssm_dtype,
        model_bytes,
        a.layout.linear_attention.as_ref().map(|l| l.kind),
        e.engine == Engine::Sglang,
    );
    if a.layout.mamba.is_some() || a.layout.linear_attention.is_some() {
        note(
            out,
            "state dtypes",
            format!("conv {} B, ssm {} B per element", d.conv, d.ssm),
            d.ssm_source,
        );
    }
    let mtp = match &s.speculative {
        Some(sp) if sp.method == SpeculativeMethod::Mtp => a.layout.mtp_layers.unwrap_or(1),
        _ => 0,
    };
    let cap = a
        .max_position_embeddings
        .map_or(1u64 << 40, |m| m.max(e.max_model_len));
    let mut best: Option<HybridPlan> = None;
    for &st in stages {
        let range = stage_range(a.layers, pp, st);
        let extra = if st + 1 == pp.max(1) { mtp } else { 0 };
        let c = caches(a, e, tp, range, d, set.spec_tokens, extra)?;
        let layout = layers::build(&c, &set)?;
        let sglang =
            (e.engine == Engine::Sglang && layout.state_bytes_per_sequence > 0).then(|| {
                SglangPools::split(
                    u64::try_from(kv_bytes).unwrap_or(0),
                    layout.state_bytes_per_sequence,
                    layout.attention_bytes_per_token,
                )
            });
        let capacity = match &sglang {
            Some(p) => p.capacity(e.max_model_len),
            None => layout.capacity(kv_bytes, &set, cap)?,
        };
        let worse = best
            .as_ref()
            .is_none_or(|b| capacity.max_concurrency < b.capacity.max_concurrency);
        if worse {
            best = Some(HybridPlan {
                layout,
                capacity,
                settings: set,
                sglang,
            });
        }
    }
    best.ok_or(crate::units::Overflow)
}
