//! Layer kinds and vLLM's hybrid KV cache allocator: which cache each layer
//! keeps (per-token KV for full, sliding and chunked attention; a fixed state
//! page for Mamba and linear-attention layers; nothing for MLP-only layers),
//! how vLLM unifies their page sizes, splits the layers into equal-size
//! groups over one block pool, and how many blocks one request needs. This
//! gives `kv_cache.groups[]`, `block_size_effective`, `capacity_tokens` and
//! `max_concurrency` as vLLM prints them ("GPU KV cache size", "Maximum
//! concurrency"). docs/memory-math.md section 13 has the worked examples that
//! the tests below recompute.
//!
//! Engine facts (vLLM 0.34.0 at 62d4bc3c7 unless a version range says otherwise):
//! - page unification, `Platform._align_hybrid_block_size`
//!   (vllm/platforms/interface.py): with state layers present the attention
//!   block is raised to `A x ceil(state_page / (A x attn_bytes_per_token))`,
//!   `A` = the configured block size (MLA: at least the MLA kernel block), and
//!   every state page is padded to `block x attn_bytes_per_token`;
//!   without state layers, attention kinds with smaller pages get their block
//!   size scaled up to the largest page (`unify_kv_cache_spec_page_size`,
//!   vllm/v1/core/kv_cache_planning.py);
//! - groups, `_get_kv_cache_groups_uniform_page_size`: layers bucketed by
//!   spec, group size = the smallest bucket (the largest when it is under 1.5x
//!   the smallest), each bucket split into ceil(n / size) groups, the last
//!   padded; `bytes_per_block = group_size x page`, `num_blocks = available //
//!   bytes_per_block`;
//! - blocks one request needs (vllm/v1/kv_cache_interface.py
//!   `max_memory_usage_bytes`): full `ceil(L / bs)`; sliding `ceil(min(W - 1 +
//!   in_flight, L) / bs) + 1`; chunked `ceil(min(chunk + in_flight, L) / bs)`;
//!   state `1 + s` without prefix caching, `2 + s + checkpoint` with it
//!   (`mamba_cache_mode="align"`; checkpoint 1 for Mamba2), where `in_flight =
//!   concurrent batches x max_num_batched_tokens`, `s` = speculative tokens;
//! - `max_concurrency = num_blocks / sum of blocks per request`
//!   (`get_max_concurrency_for_kv_cache_config`, vllm/v1/core/kv_cache_utils.py);
//!   "GPU KV cache size" is `int(max_concurrency x max_model_len)` from vLLM
//!   0.20 (https://github.com/vllm-project/vllm/pull/40694; a 0.24 log agrees,
//!   https://github.com/noonghunna/club-3090/issues/612) and `num_blocks //
//!   groups x smallest block size` before (vLLM 0.19 log,
//!   https://github.com/vllm-project/vllm/issues/40691).

use super::math::{add, ceil_div, mul, MathResult};
use super::state::StatePage;
use crate::spec::LayerType;

/// The cache one layer keeps on one rank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cache {
    /// Per-token KV: `bytes_per_token` on this rank (K + V, or the MLA latent
    /// plus its index keys).
    Attention {
        kind: LayerType,
        bytes_per_token: u64,
        window: Option<u64>,
        chunk: Option<u64>,
        mla: bool,
    },
    /// A fixed state per sequence; `checkpoint` is the extra prefill
    /// checkpoint page prefix caching keeps (1 for Mamba2 mixers).
    State {
        kind: LayerType,
        page: StatePage,
        checkpoint: u64,
    },
}

/// The engine behaviour the allocator depends on (resolved per engine version
/// by the caller; docs/memory-math.md section 13 lists the version ranges).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `cache_config.block_size` (serving.block_size or the engine default).
    pub cache_block: u64,
    /// Smallest block the MLA kernels take (FlashMLA: 64).
    pub mla_min_block: u64,
    pub max_model_len: u64,
    pub max_num_batched_tokens: u64,
    /// Batches in flight: pp + 1 with async scheduling, else 1.
    pub concurrent_batches: u64,
    /// Prefix caching on: state layers in `align` mode.
    pub prefix_caching: bool,
    pub spec_tokens: u64,
    /// Hybrid KV cache manager on; off: sliding and chunked layers are
    /// promoted to full attention.
    pub hma: bool,
    /// "GPU KV cache size" = int(concurrency x max_model_len) (vLLM >= 0.20).
    pub tokens_from_concurrency: bool,
}

/// One KV cache group of the shared pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub kind: &'static str,
    /// Real layers in this group (group_size minus padding).
    pub layers: u64,
    /// Padding layers vLLM adds to make the group full ("Add N padding layers").
    pub padding: u64,
    /// Bytes of one page (one layer, one block) after unification.
    pub page_bytes: u64,
    /// Tokens per page: attention groups their block size; state groups the
    /// attention block they are unified with.
    pub block_size: u64,
    window: Option<u64>,
    chunk: Option<u64>,
    state: bool,
    checkpoint: u64,
}

/// The pool layout of one rank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub groups: Vec<Group>,
    pub group_size: u64,
    /// Attention block size after unification (`block_size_effective`).
    pub block_size: u64,
    /// Page bytes of every layer after unification.
    pub page_bytes: u64,
    pub bytes_per_block: u64,
    /// Conv + SSM bytes one sequence holds over all state layers (unpadded).
    pub state_bytes_per_sequence: u64,
    /// Per-token KV bytes over all attention layers (unpadded).
    pub attention_bytes_per_token: u64,
    /// Layers with any cache.
    pub cached_layers: u64,
}

/// What the pool holds (vLLM's startup lines).
#[derive(Clone, Debug, PartialEq)]
pub struct Capacity {
    pub num_blocks: u64,
    pub capacity_tokens: u64,
    pub max_concurrency: f64,
    pub max_model_len_that_fits: u64,
    pub pool_bytes: u64,
}

fn kind_name(kind: LayerType, mla: bool) -> &'static str {
    match (kind, mla) {
        (LayerType::Full, true) => "mla",
        (k, _) => k.as_str(),
    }
}

/// Bucket key: layers with the same key share a spec.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key {
    kind: LayerType,
    mla: bool,
    bytes: u64,
    window: Option<u64>,
    chunk: Option<u64>,
    state: bool,
    checkpoint: u64,
}

/// Build the pool layout of one rank from its layers' caches.
pub fn build(caches: &[Cache], s: &Settings) -> MathResult<Layout> {
    // Without the hybrid manager, local attention is promoted to full
    // (`_promote_local_kv_cache_specs`).
    let caches: Vec<Cache> = caches
        .iter()
        .map(|c| match *c {
            Cache::Attention {
                bytes_per_token,
                mla,
                kind: LayerType::Sliding | LayerType::Chunked,
                ..
            } if !s.hma => Cache::Attention {
                kind: LayerType::Full,
                bytes_per_token,
                window: None,
                chunk: None,
                mla,
            },
            c => c,
        })
        .collect();
    let mut tok_max = 0u64;
    let mut any_mla = false;
    let mut state_max = 0u64;
    let mut state_sum = 0u64;
    let mut attn_sum = 0u64;
    for c in &caches {
        match c {
            Cache::Attention {
                bytes_per_token,
                mla,
                ..
            } => {
                tok_max = tok_max.max(*bytes_per_token);
                any_mla |= *mla;
                attn_sum = add(attn_sum, *bytes_per_token)?;
            }
            Cache::State { page, .. } => {
                let t = page.total()?;
                state_max = state_max.max(t);
                state_sum = add(state_sum, t)?;
            }
        }
    }
    let mut a = s.cache_block.max(1);
    if any_mla {
        a = a.max(s.mla_min_block);
    }
    // Unified page and attention block.
    let (block, page) = if tok_max == 0 {
        // Only state layers: one page per state.
        (a, state_max)
    } else if state_max > 0 {
        let attn_block = mul(a, ceil_div(state_max, mul(a, tok_max)?)?)?;
        let block = a.max(attn_block);
        (block, mul(block, tok_max)?)
    } else {
        (a, mul(a, tok_max)?)
    };
    // Buckets in first-seen order.
    let mut buckets: Vec<(Key, u64)> = Vec::new();
    for c in &caches {
        let key = match *c {
            Cache::Attention {
                kind,
                bytes_per_token,
                window,
                chunk,
                mla,
            } => Key {
                kind,
                mla,
                bytes: bytes_per_token,
                window,
                chunk,
                state: false,
                checkpoint: 0,
            },
            Cache::State {
                kind,
                page,
                checkpoint,
            } => Key {
                kind,
                mla: false,
                bytes: page.total()?,
                window: None,
                chunk: None,
                state: true,
                checkpoint,
            },
        };
        match buckets.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => buckets.push((key, 1)),
        }
    }
    // Attention groups first, as vLLM lists them.
    buckets.sort_by_key(|(k, _)| k.state);
    let min = buckets.iter().map(|(_, n)| *n).min().unwrap_or(0);
    let max = buckets.iter().map(|(_, n)| *n).max().unwrap_or(0);
    // group_size = min, or max when max < 1.5 x min.
    let group_size = if mul(max, 2)? < mul(min, 3)? {
        max
    } else {
        min
    };
    let mut groups = Vec::new();
    for (k, n) in &buckets {
        let count = ceil_div(*n, group_size.max(1))?;
        // Attention kinds with a smaller page take more tokens per page.
        let block_size = if k.state || k.bytes == 0 {
            block
        } else {
            (page / k.bytes).max(1)
        };
        for i in 0..count {
            let full = (i + 1) * group_size <= *n;
            let layers = if full { group_size } else { n - i * group_size };
            groups.push(Group {
                kind: kind_name(k.kind, k.mla),
                layers,
                padding: group_size - layers,
                page_bytes: page,
                block_size,
                window: k.window,
                chunk: k.chunk,
                state: k.state,
                checkpoint: k.checkpoint,
            });
        }
    }
    Ok(Layout {
        groups,
        group_size,
        block_size: block,
        page_bytes: page,
        bytes_per_block: mul(group_size, page)?,
        state_bytes_per_sequence: state_sum,
        attention_bytes_per_token: attn_sum,
        cached_layers: caches.len() as u64,
    })
}

impl Layout {
    /// Blocks one request of `tokens` takes in group `g`. `engine_view`: the
    /// figure vLLM's own concurrency uses (a sequence of max_model_len, local
    /// layers at their cap); otherwise a sequence of `tokens` takes what it
    /// uses, at most the cap.
    fn blocks(&self, g: &Group, tokens: u64, s: &Settings, engine_view: bool) -> MathResult<u64> {
        let bs = g.block_size.max(1);
        if g.state {
            let base = if s.prefix_caching {
                add(2, g.checkpoint)?
            } else {
                1
            };
            return add(base, s.spec_tokens);
        }
        let in_flight = mul(s.concurrent_batches.max(1), s.max_num_batched_tokens)?;
        let own = ceil_div(tokens, bs)?;
        let cap = match (g.window, g.chunk) {
            (Some(w), _) => Some(add(
                ceil_div(
                    add(w.saturating_sub(1), in_flight)?.min(s.max_model_len),
                    bs,
                )?,
                1,
            )?),
            (None, Some(c)) => Some(ceil_div(add(c, in_flight)?.min(s.max_model_len), bs)?),
            _ => None,
        };
        Ok(match cap {
            Some(c) if engine_view => c,
            Some(c) => own.min(c),
            None => own,
        })
    }

    /// Blocks one request takes over all groups.
    pub fn blocks_per_request(
        &self,
        tokens: u64,
        s: &Settings,
        engine_view: bool,
    ) -> MathResult<u64> {
        self.groups.iter().try_fold(0u64, |acc, g| {
            add(acc, self.blocks(g, tokens, s, engine_view)?)
        })
    }

    /// Blocks the state groups take per request (any length).
    pub fn state_blocks_per_request(&self, s: &Settings) -> MathResult<u64> {
        self.groups
            .iter()
            .filter(|g| g.state)
            .try_fold(0u64, |acc, g| add(acc, self.blocks(g, 0, s, true)?))
    }

    /// Pool bytes one sequence of `tokens` takes (its blocks, each a whole
    /// group's pages).
    pub fn bytes_per_sequence(&self, tokens: u64, s: &Settings) -> MathResult<u64> {
        mul(
            self.blocks_per_request(tokens, s, false)?,
            self.bytes_per_block,
        )
    }

    /// Bytes vLLM's startup check counts for one sequence of `len`: every
    /// layer's blocks times its page, padding layers excluded
    /// (`max_memory_usage_bytes` summed over layers).
    fn layer_bytes(&self, len: u64, s: &Settings) -> MathResult<u64> {
        let s = Settings {
            max_model_len: len.max(1),
            ..*s
        };
        self.groups.iter().try_fold(0u64, |acc, g| {
            add(
                acc,
                mul(mul(self.blocks(g, len, &s, true)?, g.layers)?, g.page_bytes)?,
            )
        })
    }

    /// The pool `available` bytes hold; `len_cap` bounds the search for the
    /// longest max_model_len that fits.
    pub fn capacity(&self, available: i64, s: &Settings, len_cap: u64) -> MathResult<Capacity> {
        let avail = u64::try_from(available).unwrap_or(0);
        let num_blocks = avail.checked_div(self.bytes_per_block).unwrap_or(0);
        let per_request = self.blocks_per_request(s.max_model_len, s, true)?;
        let max_concurrency = if per_request == 0 {
            0.0
        } else {
            num_blocks as f64 / per_request as f64
        };
        let capacity_tokens = if s.tokens_from_concurrency {
            // int(max_concurrency x max_model_len), in exact integer arithmetic.
            (u128::from(num_blocks) * u128::from(s.max_model_len) / u128::from(per_request.max(1)))
                .try_into()
                .unwrap_or(u64::MAX)
        } else {
            let n = self.groups.len().max(1) as u64;
            let min_block = self
                .groups
                .iter()
                .filter(|g| !g.state)
                .map(|g| g.block_size)
                .min()
                .unwrap_or(self.block_size);
            mul(num_blocks / n, min_block)?
        };
        let fits = |len: u64| matches!(self.layer_bytes(len, s), Ok(b) if b <= avail);
        let (mut lo, mut hi) = (0u64, len_cap.max(s.max_model_len));
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
        Ok(Capacity {
            num_blocks,
            capacity_tokens,
            max_concurrency,
            max_model_len_that_fits: lo,
            pool_bytes: mul(num_blocks, self.bytes_per_block)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::GIB;

    fn settings(cache_block: u64, len: u64, prefix_caching: bool) -> Settings {
        Settings {
            cache_block,
            mla_min_block: 64,
            max_model_len: len,
            max_num_batched_tokens: 8192,
            concurrent_batches: 1,
            prefix_caching,
            spec_tokens: 0,
            hma: true,
            tokens_from_concurrency: true,
        }
    }

    fn attn(kind: LayerType, bytes: u64) -> Cache {
        Cache::Attention {
            kind,
            bytes_per_token: bytes,
            window: None,
            chunk: None,
            mla: false,
        }
    }

    fn state(kind: LayerType, conv: u64, ssm: u64, checkpoint: u64) -> Cache {
        Cache::State {
            kind,
            page: StatePage {
                conv_bytes: conv,
                ssm_bytes: ssm,
            },
            checkpoint,
        }
    }

    /// `pattern` repeated: 'A' attention of `tok` bytes, 'S' the state.
    fn model(pattern: &str, repeat: usize, a: Cache, st: Cache) -> Vec<Cache> {
        pattern
            .repeat(repeat)
            .chars()
            .map(|c| if c == 'A' { a } else { st })
            .collect()
    }

    fn ok<T: Default>(r: MathResult<T>) -> T {
        r.unwrap_or_default()
    }

    #[test]
    fn qwen3_next_tp1_worked_example() {
        // shared/memory-math-v2 section 1d, row 1 (vLLM 0.34, A = 64, 40 GiB):
        // 12 full + 36 GDN layers; page 1,097,728 B; block 576; 1 + 3 groups
        // of 12; 14,155,776 B per block; 459 / 462 blocks per request at
        // 262,144; 3034 blocks; 6.61x / 6.57x.
        let layers = model(
            "SSSA",
            12,
            attn(LayerType::Full, 2048),
            state(LayerType::Linear, 49_152, 1_048_576, 0),
        );
        let s = settings(64, 262_144, false);
        let l = build(&layers, &s).unwrap_or_else(|_| unreachable!());
        assert_eq!(l.block_size, 576);
        assert_eq!(l.page_bytes, 576 * 2048);
        assert_eq!(l.group_size, 12);
        assert_eq!(l.groups.len(), 4);
        assert_eq!(l.bytes_per_block, 14_155_776);
        assert_eq!(ok(l.blocks_per_request(262_144, &s, true)), 459);
        let c = ok(l.capacity((40 * GIB) as i64, &s, 262_144).map(Some))
            .unwrap_or_else(|| unreachable!());
        assert_eq!(c.num_blocks, 3034);
        assert_eq!(format!("{:.2}", c.max_concurrency), "6.61");
        let align = settings(64, 262_144, true);
        assert_eq!(ok(l.blocks_per_request(262_144, &align, true)), 462);
        let c = ok(l.capacity((40 * GIB) as i64, &align, 262_144).map(Some))
            .unwrap_or_else(|| unreachable!());
        assert_eq!(format!("{:.2}", c.max_concurrency), "6.57");
    }

    #[test]
    fn qwen3_next_tp4_worked_example() {
        // Row 2: kv heads max(1, 2/4) = 1 -> 1,024 B; page 274,432 -> block 320;
        // 3,932,160 B per block; 823 / 826 blocks; 13.27x / 13.22x.
        let layers = model(
            "SSSA",
            12,
            attn(LayerType::Full, 1024),
            state(LayerType::Linear, 12_288, 262_144, 0),
        );
        let s = settings(64, 262_144, false);
        let l = build(&layers, &s).unwrap_or_else(|_| unreachable!());
        assert_eq!(l.block_size, 320);
        assert_eq!(l.bytes_per_block, 3_932_160);
        assert_eq!(ok(l.blocks_per_request(262_144, &s, true)), 823);
        let c = ok(l.capacity((40 * GIB) as i64, &s, 262_144).map(Some))
            .unwrap_or_else(|| unreachable!());
        assert_eq!(format!("{:.2}", c.max_concurrency), "13.27");
        let align = settings(64, 262_144, true);
        let c = ok(l.capacity((40 * GIB) as i64, &align, 262_144).map(Some))
            .unwrap_or_else(|| unreachable!());
        assert_eq!(format!("{:.2}", c.max_concurrency), "13.22");
    }

    #[test]
    fn nemotron_nano_9b_worked_example() {
        // Row 3: 56 layers, 27 Mamba2 + 4 attention + 25 MLP-only; page
        // 5,316,608 B; block 1344; 1 attention group + 7 Mamba groups of 4 (one
        // padding layer); 22,020,096 B per block; 105 / 119 blocks at 131,072;
        // 18.6x / 16.4x.
        let mut layers = Vec::new();
        for i in 0..31 {
            layers.push(if [7, 15, 23, 30].contains(&i) {
                attn(LayerType::Full, 4096)
            } else {
                state(LayerType::Mamba, 73_728, 5_242_880, 1)
            });
        }
        let s = settings(64, 131_072, false);
        let l = build(&layers, &s).unwrap_or_else(|_| unreachable!());
        assert_eq!(l.block_size, 1344);
        assert_eq!(l.groups.len(), 8);
        assert_eq!(l.groups.iter().map(|g| g.padding).sum::<u64>(), 1);
        assert_eq!(l.bytes_per_block, 22_020_096);
        assert_eq!(ok(l.blocks_per_request(131_072, &s, true)), 105);
        let c = ok(l.capacity((40 * GIB) as i64, &s, 131_072).map(Some))
            .unwrap_or_else(|| unreachable!());
        assert_eq!(format!("{:.1}", c.max_concurrency), "18.6");
        let align = settings(64, 131_072, true);
        assert_eq!(ok(l.blocks_per_request(131_072, &align, true)), 119);
        let c = ok(l.capacity((40 * GIB) as i64, &align, 131_072).map(Some))
            .unwrap_or_else(|| unreachable!());
        assert_eq!(format!("{:.1}", c.max_concurrency), "16.4");
    }

    #[test]
    fn jamba_worked_example() {
        // Row 4: 4 attention + 28 Mamba1; page 311,296 -> block 128 (68 %
        // padding); 1 + 7 groups; 2,097,152 B per block; 2055 / 2062 blocks at
        // 262,144; 9.97x / 9.93x.
        let layers = model(
            "SSSASSSS",
            4,
            attn(LayerType::Full, 4096),
            state(LayerType::Mamba, 49_152, 262_144, 0),
        );
        let s = settings(64, 262_144, false);
        let l = build(&layers, &s).unwrap_or_else(|_| unreachable!());
        assert_eq!(l.block_size, 128);
        assert_eq!(l.bytes_per_block, 2_097_152);
        assert_eq!(ok(l.blocks_per_request(262_144, &s, true)), 2055);
        let c = ok(l.capacity((40 * GIB) as i64, &s, 262_144).map(Some))
            .unwrap_or_else(|| unreachable!());
        assert_eq!(format!("{:.2}", c.max_concurrency), "9.97");
    }

    #[test]
    fn sliding_and_chunked_blocks() {
        // Section 2: gpt-oss at L = 131,072, bs 64, two batches in flight of
        // 8192: 2048 + (ceil((127 + 16384) / 64) + 1 = 259) blocks.
        let sw = Cache::Attention {
            kind: LayerType::Sliding,
            bytes_per_token: 2048,
            window: Some(128),
            chunk: None,
            mla: false,
        };
        let layers = model("SA", 18, attn(LayerType::Full, 2048), sw);
        let mut s = settings(64, 131_072, false);
        s.concurrent_batches = 2;
        let l = build(&layers, &s).unwrap_or_else(|_| unreachable!());
        assert_eq!(l.groups.len(), 2);
        assert_eq!(ok(l.blocks_per_request(131_072, &s, true)), 2048 + 259);
        // Llama 4: 12 full + 36 chunked (8192): 2048 + 3 x ceil((8192 + 16384) / 64).
        let ch = Cache::Attention {
            kind: LayerType::Chunked,
            bytes_per_token: 2048,
            window: None,
            chunk: Some(8192),
            mla: false,
        };
        let layers = model("SSSA", 12, attn(LayerType::Full, 2048), ch);
        let l = build(&layers, &s).unwrap_or_else(|_| unreachable!());
        assert_eq!(l.groups.len(), 4);
        assert_eq!(ok(l.blocks_per_request(131_072, &s, true)), 2048 + 3 * 384);
        // Without the hybrid manager every layer is full: 4 x 2048.
        s.hma = false;
        let l = build(&layers, &s).unwrap_or_else(|_| unreachable!());
        assert_eq!(l.groups.len(), 1);
        assert_eq!(ok(l.blocks_per_request(131_072, &s, true)), 2048);
        assert_eq!(l.bytes_per_block, 48 * 64 * 2048);
    }

    #[test]
    fn qwen3_5_27b_vllm_0_19_log() {
        // https://github.com/vllm-project/vllm/issues/40691 (vLLM 0.19.0, H20,
        // Qwen3.5-27B, max_model_len 32768, 16384 batched tokens, prefix
        // caching off): "GPU KV cache size: 290,864 tokens", "Maximum
        // concurrency for 32,768 tokens per request: 33.04x".
        // Config: 64 layers, 16 full (4 kv heads x 256, bf16: 4096 B/token) +
        // 48 GDN (16 x 128 keys, 48 x 128 values, kernel 4, fp32 SSM):
        // page 61,440 + 3,145,728; A = 16 gives block 784.
        let layers = model(
            "SSSA",
            16,
            attn(LayerType::Full, 4096),
            state(LayerType::Linear, 61_440, 3_145_728, 0),
        );
        let mut s = settings(16, 32_768, false);
        s.max_num_batched_tokens = 16_384;
        s.tokens_from_concurrency = false;
        let l = build(&layers, &s).unwrap_or_else(|_| unreachable!());
        assert_eq!(l.block_size, 784);
        assert_eq!(ok(l.blocks_per_request(32_768, &s, true)), 45);
        // The log's two figures pin num_blocks to 1487.
        let avail = 1487 * l.bytes_per_block + 1;
        let c =
            ok(l.capacity(avail as i64, &s, 262_144).map(Some)).unwrap_or_else(|| unreachable!());
        assert_eq!(c.num_blocks, 1487);
        assert_eq!(c.capacity_tokens, 290_864);
        assert_eq!(format!("{:.2}", c.max_concurrency), "33.04");
    }
}
