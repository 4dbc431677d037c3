//! The families of 2026 from their config.json (tests/fixtures/hf_families/,
//! each file's `_source` names its public origin) to the figures vLLM prints:
//! "GPU KV cache size" and "Maximum concurrency" for the same settings and
//! the same available KV memory. Public logs where they exist; otherwise the
//! worked examples of docs/memory-math.md section 13 and figures worked by
//! hand, in each test's comment, from vLLM 0.34.0's source.

use memmath::catalog::{resolve, Architecture, MemoryFiles, Resolved};
use memmath::plan::{engine, hybrid};
use memmath::spec::{ServingSpec, Spec, WeightDtype};
use memmath::units::GIB;
use serde_json::json;
use std::path::Path;

fn import(file: &str) -> Resolved {
    let path = format!(
        "{}/tests/fixtures/hf_families/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut files = MemoryFiles::new();
    files.insert("/specs/config.json", bytes);
    let v = json!({
        "apiVersion": "memmath/v1", "kind": "Serving", "metadata": {"name": "t"},
        "model": {"hf_config": "config.json", "weights": {}},
        "hardware": {"gpu": "h100-sxm-80gb"},
    });
    let spec: Spec = serde_json::from_value(v).unwrap_or_else(|e| panic!("{e}"));
    match resolve(&spec, Path::new("/specs"), &files) {
        (Some(r), f) if f.iter().all(|f| f.code != "CAT003") => r,
        (_, f) => panic!("{file}: {f:?}"),
    }
}

/// vLLM's figures for `serving` with `kv_bytes` of KV memory, TP `tp`.
fn figures(
    r: &Resolved,
    serving: serde_json::Value,
    tp: u64,
    kv_bytes: u64,
) -> (u64, String, hybrid::HybridPlan) {
    let s: ServingSpec = serde_json::from_value(serving).unwrap_or_else(|e| panic!("{e}"));
    let a: &Architecture = &r.model.architecture;
    let mut notes = Vec::new();
    let layout = engine::Layout { tp, pp: 1, dp: 1 };
    let e = engine::resolve(
        &s,
        a,
        &r.gpu,
        WeightDtype::Bf16,
        layout,
        0.1,
        None,
        &mut notes,
    );
    assert!(hybrid::applies(a, &s), "the layer-kind plan applies");
    let h = hybrid::plan(a, &s, &e, tp, 1, &[0], 2, kv_bytes as i64, &mut notes)
        .unwrap_or_else(|_| panic!("plan overflowed"));
    (
        h.capacity.capacity_tokens,
        format!("{:.2}", h.capacity.max_concurrency),
        h,
    )
}

#[test]
fn qwen3_5_27b_matches_the_vllm_0_19_log() {
    // https://github.com/vllm-project/vllm/issues/40691: vLLM 0.19.0,
    // Qwen3.5-27B, --max-model-len 32768 --max-num-batched-token 16384:
    // "GPU KV cache size: 290,864 tokens", "Maximum concurrency for 32,768
    // tokens per request: 33.04x". The log's figures pin 1487 blocks of
    // 16 layers x 784 tokens x 4096 B.
    let r = import("qwen3.5-27b.json");
    let serving = json!({"engine": "vllm", "engine_version": "0.19", "max_model_len": 32768,
        "max_num_seqs": 16, "max_num_batched_tokens": 16384});
    let (tokens, conc, h) = figures(&r, serving, 1, 1487 * 16 * 784 * 4096);
    assert_eq!(h.layout.block_size, 784);
    assert_eq!(h.layout.groups.len(), 4);
    assert_eq!((tokens, conc.as_str()), (290_864, "33.04"));
}

#[test]
fn qwen3_6_35b_a3b_matches_the_vllm_0_24_log() {
    // https://github.com/noonghunna/club-3090/issues/612: vLLM 0.24.0,
    // Qwen3.6-35B-A3B NVFP4, fp8 KV, prefix caching on, max_model_len 131072,
    // "Available KV cache memory: 5.98 GiB", "GPU KV cache size: 567,978
    // tokens", "Maximum concurrency for 131,072 tokens per request: 4.33x".
    let r = import("qwen3.6-35b-a3b.json");
    let serving = json!({"engine": "vllm", "engine_version": "0.24", "max_model_len": 131072,
        "kv_cache_dtype": "fp8", "prefix_caching": true, "max_num_seqs": 1,
        "max_num_batched_tokens": 8192});
    let kv = (5.98 * GIB as f64) as u64;
    let (tokens, conc, h) = figures(&r, serving.clone(), 1, kv);
    assert_eq!(h.layout.block_size, 2096);
    assert_eq!((tokens, conc.as_str()), (567_978, "4.33"));
    // https://github.com/noonghunna/club-3090/issues/652, the same settings:
    // "Available KV cache memory: 6.01 GiB", "GPU KV cache size: 569,878
    // tokens", "Maximum concurrency ...: 4.35x".
    let (tokens, conc, _) = figures(&r, serving, 1, (6.01 * GIB as f64) as u64);
    assert_eq!((tokens, conc.as_str()), (569_878, "4.35"));
}

#[test]
fn qwen3_next_worked_example_from_config() {
    // docs/memory-math.md section 13 (vLLM 0.34, block 64, 40 GiB, prefix
    // caching off): 576-token pages, 459 blocks per request, 6.61x at 262,144.
    let r = import("qwen3-next-80b-a3b.json");
    let serving = json!({"engine": "vllm", "engine_version": "0.34", "block_size": 64,
        "max_model_len": 262144, "prefix_caching": false});
    let (_, conc, h) = figures(&r, serving, 1, 40 * GIB);
    assert_eq!(h.layout.block_size, 576);
    assert_eq!(h.layout.state_bytes_per_sequence, 36 * 1_097_728);
    assert_eq!(conc, "6.61");
    // TP 4: 320-token pages, 13.27x.
    let serving = json!({"engine": "vllm", "engine_version": "0.34", "block_size": 64,
        "max_model_len": 262144, "prefix_caching": false});
    let (_, conc, h) = figures(&r, serving, 4, 40 * GIB);
    assert_eq!((h.layout.block_size, conc.as_str()), (320, "13.27"));
}

#[test]
fn nemotron_nano_9b_v2_worked_example_from_config() {
    // 27 Mamba2 + 4 attention + 25 MLP-only layers; fp32 SSM state (vLLM's
    // Nemotron-H default); 1344-token pages; 18.6x / 16.4x at 131,072 with
    // prefix caching off / on, 40 GiB.
    let r = import("nemotron-nano-9b-v2.json");
    let off = json!({"engine": "vllm", "engine_version": "0.34", "block_size": 64,
        "max_model_len": 131072, "prefix_caching": false});
    let (_, conc, h) = figures(&r, off, 1, 40 * GIB);
    assert_eq!(h.layout.block_size, 1344);
    assert_eq!(
        h.layout.groups.iter().filter(|g| g.kind == "mamba").count(),
        7
    );
    assert_eq!(&conc[..4], "18.5");
    let on = json!({"engine": "vllm", "engine_version": "0.34", "block_size": 64,
        "max_model_len": 131072});
    let (_, conc, _) = figures(&r, on, 1, 40 * GIB);
    assert_eq!(&conc[..4], "16.3");
}

#[test]
fn llama_4_scout_chunked_layers_from_config() {
    // 12 NoPE full + 36 chunked (8192) layers, 4 groups of 12; vLLM 0.34 keeps
    // two batches of 8192 in flight: 2048 + 3 x 384 blocks per request at
    // 131,072 (bs 64). From 0.10.1 to 0.22 vLLM turns the hybrid manager off
    // for chunked local attention by default (VLLM_ALLOW_CHUNKED_LOCAL_ATTN_
    // WITH_HYBRID_KV_CACHE, https://github.com/vllm-project/vllm/pull/21761;
    // default on from 0.23, https://github.com/vllm-project/vllm/pull/46553):
    // every layer is full attention, 2048 blocks per request.
    let r = import("llama-4-scout.json");
    let s = json!({"engine": "vllm", "engine_version": "0.34", "block_size": 64,
        "max_model_len": 131072, "max_num_batched_tokens": 8192});
    let (tokens, conc, h) = figures(&r, s, 8, 40 * GIB);
    assert_eq!(h.layout.groups.len(), 4);
    assert_eq!(
        h.layout.blocks_per_request(131_072, &h.settings, true).ok(),
        Some(2048 + 3 * 384)
    );
    // No public log of these figures was found; by hand, vLLM 0.34.0 (62d4bc3c7):
    // `get_max_concurrency_for_kv_cache_config` in vllm/v1/core/kv_cache_utils.py
    // divides num_blocks by the blocks one request of max_model_len takes,
    // summed over the groups; `get_kv_cache_capacity` / `update_kv_cache_capacity`
    // (same file) print int(concurrency x max_model_len) as "GPU KV cache size:
    // N tokens, Maximum concurrency for L tokens per request: X.XXx".:
    // TP 8 leaves max(1, 8 / 8) = 1 KV head of 128: (128 + 128) x 2 B = 512 B
    // per token and layer; page 64 x 512 = 32,768 B; 12 layers per group:
    // 393,216 B per block. 40 GiB = 42,949,672,960 B // 393,216 = 109,226
    // blocks. Per request: full ceil(131,072 / 64) = 2,048; each chunked
    // group (ChunkedLocalAttentionSpec.max_admission_blocks_per_request,
    // vllm/v1/kv_cache_interface.py) ceil(min(8,192 + 2 x 8,192, 131,072) /
    // 64) = 384 (max_in_flight_tokens = (pp + 1) x max_num_batched_tokens
    // with async scheduling, vllm/config/vllm.py); 2,048 + 3 x 384 = 3,200.
    // 109,226 / 3,200 = 34.13x; int(34.133125 x 131,072) = 4,473,896 tokens.
    assert_eq!(h.capacity.num_blocks, 109_226);
    assert_eq!((tokens, conc.as_str()), (4_473_896, "34.13"));
    let old = json!({"engine": "vllm", "engine_version": "0.10", "block_size": 64,
        "max_model_len": 131072, "max_num_batched_tokens": 8192});
    let (_, _, h) = figures(&r, old, 8, 40 * GIB);
    assert_eq!(h.layout.groups.len(), 1);
    for (version, groups) in [("0.22", 1), ("0.23", 4)] {
        let s = json!({"engine": "vllm", "engine_version": version, "block_size": 64,
            "max_model_len": 131072, "max_num_batched_tokens": 8192});
        let (_, _, h) = figures(&r, s, 8, 40 * GIB);
        assert_eq!(h.layout.groups.len(), groups, "vLLM {version}");
    }
}
#[test]
fn deepseek_v3_2_indexer_keys_beside_the_latent() {
    // shared facts: 576 x 2 = 1152 B bf16 latent (vLLM's default on Hopper)
    // + 132 B index keys; fp8: 656 + 132 = 788 B, 48,068 B per token over 61
    // layers. MTP adds one layer to the pool.
    let r = import("deepseek-v3.2.json");
    let a = &r.model.architecture;
    assert!(a.mla.as_ref().and_then(|m| m.indexer.as_ref()).is_some());
    let per = |d| memmath::plan::kv_cache::bytes_per_token_per_layer(a, d, 8).ok();
    assert_eq!(per(memmath::spec::KvCacheDtype::Bf16), Some(1284));
    assert_eq!(per(memmath::spec::KvCacheDtype::Fp8), Some(788));

    // No public log of these figures was found; by hand, vLLM 0.34.0 (62d4bc3c7):
    // `get_max_concurrency_for_kv_cache_config` in vllm/v1/core/kv_cache_utils.py
    // divides num_blocks by the blocks one request of max_model_len takes,
    // summed over the groups; `get_kv_cache_capacity` / `update_kv_cache_capacity`
    // (same file) print int(concurrency x max_model_len) as "GPU KV cache size:
    // N tokens, Maximum concurrency for L tokens per request: X.XXx".:
    // --kv-cache-dtype fp8 is served as fp8_ds_mla by FLASHMLA_SPARSE
    // (`_canonicalize_sparse_mla_kv_cache_dtype`,
    // vllm/model_executor/layers/attention/mla_attention.py): 656 B per token
    // (`get_fp8_ds_mla_row_bytes`, vllm/v1/attention/backend.py); the
    // indexer's `DeepseekV32IndexerCache` (vllm/model_executor/models/deepseek_v2.py)
    // adds an MLAAttentionSpec of 128 + 128 / 128 x 4 = 132 uint8 per token,
    // not TP-sharded. Both are full-attention MLA specs of block 64, so the 122
    // caches form one group (`_get_kv_cache_groups_uniform_type`,
    // vllm/v1/core/kv_cache_planning.py) whose page is the sum:
    // 61 x 64 x 788 = 3,076,352 B per block. TP 8, 40 GiB: 42,949,672,960 //
    // 3,076,352 = 13,961 blocks; one request of 131,072 takes 131,072 / 64 =
    // 2,048; 13,961 / 2,048 = 6.82x, int(6.8169921875 x 131,072) = 893,504
    // tokens.
    let v: ServingSpec = serde_json::from_value(json!({"engine": "vllm",
        "engine_version": "0.34", "max_model_len": 131072, "kv_cache_dtype": "fp8"}))
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(!hybrid::applies(a, &v), "plain MLA: the v0.1 plan");
    let mut notes = Vec::new();
    let layout = engine::Layout {
        tp: 8,
        pp: 1,
        dp: 1,
    };
    let e = engine::resolve(
        &v,
        a,
        &r.gpu,
        WeightDtype::Bf16,
        layout,
        0.1,
        None,
        &mut notes,
    );
    let rank = memmath::plan::kv_cache::bottleneck_rank(a, e.kv_dtype, 8, 1, &[0])
        .unwrap_or_else(|_| panic!("rank"));
    let b = memmath::plan::capacity::blocks(a, &rank, &e, (40 * GIB) as i64)
        .unwrap_or_else(|_| panic!("blocks"));
    assert_eq!(e.block_size, 64);
    assert_eq!(b.num_blocks, 13_961);
    assert_eq!(
        (
            b.capacity_tokens,
            format!("{:.2}", b.max_concurrency).as_str()
        ),
        (893_504, "6.82")
    );

    // With MTP (one draft layer, the same 788 B): 62 x 64 x 788 = 3,126,784 B
    // per block; 42,949,672,960 // 3,126,784 = 13,736 blocks; 13,736 / 2,048
    // = 6.71x; int(6.70703125 x 131,072) = 879,104 tokens.
    let mtp = json!({"engine": "vllm", "engine_version": "0.34", "max_model_len": 131072,
        "kv_cache_dtype": "fp8", "speculative": {"method": "mtp", "num_speculative_tokens": 1}});
    let (tokens, conc, h) = figures(&r, mtp, 8, 40 * GIB);
    assert_eq!(h.layout.cached_layers, 62);
    assert_eq!(h.layout.attention_bytes_per_token, 62 * 788);
    // One group of 62 MLA layers at 64-token blocks.
    assert_eq!(h.layout.bytes_per_block, 62 * 64 * 788);
    assert_eq!(h.capacity.num_blocks, 13_736);
    assert_eq!((tokens, conc.as_str()), (879_104, "6.71"));
}
#[test]
fn kimi_linear_kda_and_mla_from_config() {
    // 7 MLA + 20 KDA layers (1-based lists in linear_attn_config); KDA state
    // per layer: conv 3 x (32 x 128 x 3) x 2 B + fp32 32 x 128 x 128 x 4 B.
    let r = import("kimi-linear-48b-a3b.json");
    let s = json!({"engine": "vllm", "engine_version": "0.34", "max_model_len": 131072,
        "prefix_caching": false});
    let (_, _, h) = figures(&r, s.clone(), 1, 40 * GIB);
    let page: u64 = 3 * (32 * 128 * 3) * 2 + 32 * 128 * 128 * 4;
    assert_eq!(h.layout.state_bytes_per_sequence, 20 * page);
    assert_eq!(
        h.layout.groups.iter().filter(|g| g.kind == "mla").count(),
        1
    );
    // MLA bf16 latent 1152 B/token. vLLM 0.34 aligns MLA hybrids to 128
    // tokens (`Platform._align_hybrid_block_size`, vllm/platforms/interface.py):
    // block = 128 x ceil(page / (128 x 1152)) = 1920 at TP 1.
    assert_eq!(h.layout.block_size, 128 * page.div_ceil(128 * 1152));

    // TP 2, 40 GiB, prefix caching off. No public log at 0.34 was found; by
    // hand, vLLM 0.34.0 (62d4bc3c7):
    // `get_max_concurrency_for_kv_cache_config` in vllm/v1/core/kv_cache_utils.py
    // divides num_blocks by the blocks one request of max_model_len takes,
    // summed over the groups; `get_kv_cache_capacity` / `update_kv_cache_capacity`
    // (same file) print int(concurrency x max_model_len) as "GPU KV cache size:
    // N tokens, Maximum concurrency for L tokens per request: X.XXx".
    // KDA page per rank (`kda_state_shape`/`kda_state_dtype`,
    // vllm/model_executor/layers/mamba/mamba_utils.py): conv 3 x 3 x 2,048 x 2 B
    // = 36,864 + fp32 16 x 128 x 128 x 4 B = 1,048,576 -> 1,085,440 B. Block =
    // 128 x ceil(1,085,440 / (128 x 1,152)) = 1,024 (the 64 of older releases
    // would give 960); page 1,024 x 1,152 = 1,179,648 B; groups of 7 (1 MLA +
    // 3 KDA, one padding slot): 8,257,536 B per block; 42,949,672,960 //
    // 8,257,536 = 5,201 blocks. Per request: ceil(131,072 / 1,024) = 128 + 3
    // state blocks (MambaSpec without align mode: 1 each) = 131; 5,201 / 131 =
    // 39.70x; int(39.7022... x 131,072) = 5,203,858 tokens.
    let (tokens, conc, h) = figures(&r, s, 2, 40 * GIB);
    assert_eq!(h.layout.block_size, 1024);
    assert_eq!(h.layout.bytes_per_block, 7 * 1024 * 1152);
    assert_eq!(h.capacity.num_blocks, 5_201);
    assert_eq!((tokens, conc.as_str()), (5_203_858, "39.70"));
}

#[test]
fn kimi_linear_matches_the_vllm_0_11_log() {
    // https://github.com/vllm-project/vllm/issues/28228 (2025-11-06): vLLM
    // 0.11.1 pre-release (its kv_cache_utils.py line 1229 prints "GPU KV
    // cache size", as in the 0.11.1 wheel), cyankiwi/Kimi-Linear-48B-A3B-
    // Instruct-AWQ-4bit (the Kimi-Linear-48B-A3B geometry) on 2 x RTX 3090,
    // --tensor_parallel 2 --max_model_len 120000 --max_num_batched_tokens
    // 64000 --enable_prefix_caching --gpu-memory-utilization 0.95, KV dtype
    // auto (16-bit): "Available KV cache memory: 2.30 GiB", "Add 1 padding
    // layers, may waste at most 5.00% KV cache memory", "GPU KV cache size:
    // 75,840 tokens", "Maximum concurrency for 120,000 tokens per request:
    // 2.48x".
    // vLLM 0.11.1 (vllm/model_executor/models/config.py):
    // - `MambaModelConfig` turns prefix caching off: KimiLinearForCausalLM
    //   lacks SupportsMambaPrefixCaching, so each KDA group takes one block
    //   (MambaSpec.block_size = max_model_len);
    // - `HybridAttentionMambaModelConfig` aligns MLA hybrids to 64 tokens:
    //   KDA page per rank 3 x 3 x 2,048 x 2 B + 16 x 128 x 128 x 4 B (fp32,
    //   `kda_state_dtype`) = 1,085,440 B; MLA 576 x 2 = 1,152 B per token;
    //   block = 64 x ceil(1,085,440 / 73,728) = 960.
    // Groups of 7 (`_get_kv_cache_groups_uniform_page_size`): 1 MLA + 3 KDA,
    // 21 slots for 20 KDA layers (the log's padding layer, 1/20 = 5.00%);
    // 7 x 960 x 1,152 = 7,741,440 B per block. Per request ceil(120,000 / 960)
    // = 125 + 3 = 128 blocks (`get_max_concurrency_for_kv_cache_config`).
    // `_report_kv_cache_config` (vllm/v1/core/kv_cache_utils.py, 0.11.1) prints
    // num_blocks // 4 groups x 960 tokens.
    let r = import("kimi-linear-48b-a3b.json");
    let serving = json!({"engine": "vllm", "engine_version": "0.11", "max_model_len": 120000,
        "prefix_caching": true, "max_num_seqs": 8, "max_num_batched_tokens": 64000});
    let kv = (2.30 * GIB as f64) as u64;
    let (tokens, conc, h) = figures(&r, serving.clone(), 2, kv);
    assert!(!h.settings.prefix_caching, "vLLM 0.11 disables it for KDA");
    assert_eq!(h.layout.block_size, 960);
    assert_eq!(h.layout.groups.len(), 4);
    assert_eq!(h.layout.groups.iter().map(|g| g.padding).sum::<u64>(), 1);
    assert_eq!(h.layout.bytes_per_block, 7_741_440);
    assert_eq!(
        h.layout.blocks_per_request(120_000, &h.settings, true).ok(),
        Some(128)
    );
    // Exactly 2.30 GiB holds 319 blocks: 79 x 960 = 75,840 tokens, the log's
    // figure; 319 / 128 = 2.49x. The log prints its memory with two decimals,
    // so it had 2.295-2.305 GiB: 318 or 319 blocks (318 x 7,741,440 B =
    // 2.2927 GiB, 320 x = 2.3071 GiB), 2.48x or 2.49x, 75,840 tokens either
    // way; the printed 2.48x pins 318 blocks, 2.295-2.2999 GiB. Tolerance
    // 0.01x on the concurrency for the rounded memory, none on the tokens.
    assert_eq!(h.capacity.num_blocks, 319);
    assert_eq!(tokens, 75_840);
    let c: f64 = conc.parse().unwrap_or(0.0);
    assert!((c - 2.48).abs() <= 0.01 + 1e-9, "{conc}");
    for gib in [2.295, 2.2999] {
        let (t, c, _) = figures(&r, serving.clone(), 2, (gib * GIB as f64) as u64);
        let c: f64 = c.parse().unwrap_or(0.0);
        assert_eq!(t, 75_840, "{gib} GiB");
        assert!((c - 2.48).abs() <= 0.01 + 1e-9, "{gib} GiB: {c}");
    }
    let (tokens, conc, _) = figures(&r, serving, 2, 318 * 7_741_440);
    assert_eq!((tokens, conc.as_str()), (75_840, "2.48"));
    // From vLLM 0.15 prefix caching stays on for KDA (`align` mode).
    let later = json!({"engine": "vllm", "engine_version": "0.15", "max_model_len": 120000,
        "prefix_caching": true, "max_num_batched_tokens": 64000});
    let (_, _, h) = figures(&r, later, 2, kv);
    assert!(h.settings.prefix_caching);
}
#[test]
fn parameter_counts_follow_the_layer_kinds() {
    // Each layer counts its own mixer (attention, Mamba2, gated DeltaNet,
    // KDA) and MLP; published totals: NVIDIA-Nemotron-Nano-9B-v2 8.89B (model
    // card: 25 relu^2 MLP layers, 27 Mamba2, 4 attention), Qwen3-Next-80B-A3B
    // 80B with 3B active, Kimi-Linear-48B-A3B 48B with 3B active.
    let total = |f: &str| {
        let r = import(f);
        let c = memmath::plan::weights::count(&r.model.architecture);
        c.map(|c| (c.total as f64 / 1e9, c.active as f64 / 1e9))
            .unwrap_or((0.0, 0.0))
    };
    let (n, _) = total("nemotron-nano-9b-v2.json");
    assert!((n - 8.89).abs() < 0.05, "Nemotron-Nano-9B-v2: {n}");
    let (q, qa) = total("qwen3-next-80b-a3b.json");
    assert!(
        (79.0..81.5).contains(&q) && (3.0..4.0).contains(&qa),
        "Qwen3-Next: {q} {qa}"
    );
    let (k, ka) = total("kimi-linear-48b-a3b.json");
    assert!(
        (47.0..50.0).contains(&k) && (2.5..4.0).contains(&ka),
        "Kimi-Linear: {k} {ka}"
    );
}

#[test]
fn each_family_config_matches_its_catalogue_preset() {
    let pairs = [
        ("qwen3-next-80b-a3b.json", "qwen3-next-80b-a3b"),
        ("qwen3.5-27b.json", "qwen3.5-27b"),
        ("qwen3.6-35b-a3b.json", "qwen3.6-35b-a3b"),
        ("nemotron-nano-9b-v2.json", "nemotron-nano-9b-v2"),
        ("llama-4-scout.json", "llama-4-scout"),
        ("deepseek-v3.2.json", "deepseek-v3.2"),
        ("kimi-linear-48b-a3b.json", "kimi-linear-48b-a3b"),
        ("glm-4.5-air.json", "glm-4.5-air"),
        ("gemma-4-31b.json", "gemma-4-31b"),
        ("nemotron-3-nano-30b-a3b.json", "nemotron-3-nano-30b-a3b"),
    ];
    for (file, id) in pairs {
        let imported = import(file).model.architecture;
        let v = json!({
            "apiVersion": "memmath/v1", "kind": "Serving", "metadata": {"name": "t"},
            "model": {"preset": id, "weights": {}}, "hardware": {"gpu": "h100-sxm-80gb"},
        });
        let spec: Spec = serde_json::from_value(v).unwrap_or_else(|e| panic!("{e}"));
        let (r, f) = resolve(&spec, Path::new("/specs"), &MemoryFiles::new());
        let preset = r
            .unwrap_or_else(|| panic!("{id}: {f:?}"))
            .model
            .architecture;
        // The same layers, kinds and state geometry; a kind list written as
        // its repeating pattern equals the full per-layer list.
        let kinds = |a: &Architecture| {
            (0..a.layers)
                .map(|i| hybrid::kind_of(a, i))
                .collect::<Vec<_>>()
        };
        assert_eq!(kinds(&imported), kinds(&preset), "{id}: layer kinds");
        let mut a = imported.clone();
        let mut b = preset.clone();
        a.layout.layer_types = None;
        b.layout.layer_types = None;
        a.parameters = None;
        b.parameters = None;
        assert_eq!(a, b, "{id}");
    }
}

#[test]
fn a_vision_checkpoint_loads_its_tower_and_profiles_its_encoder() {
    // Qwen3.5-27B is Qwen3_5ForConditionalGeneration: its vision_config
    // tower (27 blocks of 1152, docs/catalog.md) is 460,761,200 parameters;
    // vLLM loads it at 16 bits split by TP, unless every modality is limited
    // to 0 items.
    let r = import("qwen3.5-27b.json");
    let a = &r.model.architecture;
    assert_eq!(
        a.layout.vision.as_ref().map(|v| v.parameters),
        Some(460_761_200)
    );
    let s: ServingSpec =
        serde_json::from_value(json!({"engine": "vllm"})).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        memmath::plan::extras::vision_weights(a, &s, 2).ok(),
        Some(460_761_200)
    );
    let text_only: ServingSpec = serde_json::from_value(
        json!({"engine": "vllm", "multimodal": {"limit_per_prompt": {"image": 0, "video": 0}}}),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        memmath::plan::extras::vision_weights(a, &text_only, 2).ok(),
        Some(0)
    );
    // One 16,384-token image of encoder outputs at 8192 batched tokens: 16,384 x 5120 x 2 B.
    assert_eq!(
        memmath::plan::extras::encoder_cache(a, &s, 8192, 16, 32_768, 2).ok(),
        Some(16_384 * 5120 * 2)
    );
}

#[test]
fn qwen3_6_27b_mtp_deployment_matches_its_log() {
    // https://github.com/noonghunna/club-3090/pull/594: Qwen3.6-27B FP8 (vLLM
    // resolves it to Qwen3_5ForConditionalGeneration, the Qwen3.5-27B
    // geometry: https://github.com/noonghunna/club-3090/pull/44), TP 2, fp8
    // KV, prefix caching on, max_model_len 262,144, MTP drafting with 3
    // speculative tokens (the repository's shipped `speculative_config`,
    // https://github.com/noonghunna/club-3090/issues/104): "Available KV cache
    // memory: 5.33 GiB", "GPU KV cache size: 300,220 tokens", "Maximum
    // concurrency for 262,144 tokens per request: 1.15x" (kv_cache_utils.py
    // line numbers of vLLM 0.24.0, as in club-3090#612).
    // MTP adds a 17th attention layer (17 full + 3 GDN groups of 17) and 3
    // conv rows and 3 state pages per GDN group: block 1600, 164 + 3 x 5 = 179
    // blocks per request, 205 blocks.
    let r = import("qwen3.5-27b.json");
    let serving = json!({"engine": "vllm", "engine_version": "0.24", "max_model_len": 262144,
        "kv_cache_dtype": "fp8", "prefix_caching": true, "max_num_seqs": 2,
        "max_num_batched_tokens": 8192,
        "speculative": {"method": "mtp", "num_speculative_tokens": 3}});
    let kv = (5.33 * GIB as f64) as u64;
    let (tokens, conc, h) = figures(&r, serving, 2, kv);
    assert_eq!(h.layout.block_size, 1600);
    assert_eq!(h.layout.group_size, 17);
    assert_eq!(h.capacity.num_blocks, 205);
    assert_eq!((tokens, conc.as_str()), (300_220, "1.15"));
}

#[test]
fn sglang_keeps_state_in_its_own_slots() {
    // SGLang (sglang/srt/mem_cache/kv_cache_configurator.py): of the memory
    // left for caches, r / (1 + r) with r = 0.9 goes to state slots of one
    // request's conv + fp32 SSM state each, the rest to one-token KV pages.
    // Qwen3-Next TP 1: state 36 x (49,152 + 32 x 128 x 128 x 4) = 77,266,944 B
    // per request; attention 12 x 2,048 = 24,576 B per token.
    let r = import("qwen3-next-80b-a3b.json");
    let s = json!({"engine": "sglang", "max_model_len": 262144});
    let rest = 40 * GIB;
    let (tokens, _, h) = figures(&r, s, 1, rest);
    let share = (rest as f64 * 0.9 / 1.9).floor() as u64;
    let pools = h.sglang.unwrap_or_else(|| panic!("SGLang pools"));
    assert_eq!(h.layout.state_bytes_per_sequence, 77_266_944);
    assert_eq!(pools.state_slots, (share - 77_266_944) / 77_266_944);
    assert_eq!(tokens, (rest - share) / 24_576);
    // Slots, not tokens, bound long-context concurrency here: min(slots, tokens / L).
    let by_tokens = tokens as f64 / 262_144.0;
    assert_eq!(
        h.capacity.max_concurrency,
        by_tokens.min(pools.state_slots as f64)
    );
}

#[test]
fn gemma_4_31b_global_and_sliding_geometry() {
    // Gemma-4-31B: 50 sliding layers (16 KV heads x 256, window 1024) and 10
    // full layers (global_head_dim 512, num_global_key_value_heads 4). bf16:
    // sliding 16,384 B and full 8,192 B per token and layer, so one sequence
    // of 32,768 tokens holds 10 x 8,192 x 32,768 + 50 x 16,384 x 1,024 =
    // 3,523,215,360 B (the figure public tooling computes for this config).
    // vLLM unifies pages: full layers take twice the tokens per page; groups
    // of 10: 5 sliding + 1 full.
    let r = import("gemma-4-31b.json");
    let s = json!({"engine": "vllm", "engine_version": "0.34", "block_size": 64,
        "max_model_len": 262144, "max_num_batched_tokens": 8192});
    let (_, _, h) = figures(&r, s, 1, 40 * GIB);
    assert_eq!(h.layout.attention_bytes_per_token, 50 * 16_384 + 10 * 8_192);
    let kinds: Vec<(&str, u64, u64)> = h
        .layout
        .groups
        .iter()
        .map(|g| (g.kind, g.layers, g.block_size))
        .collect();
    assert_eq!(kinds.iter().filter(|k| k.0 == "sliding").count(), 5);
    assert_eq!(
        kinds.iter().find(|k| k.0 == "full").map(|k| (k.1, k.2)),
        Some((10, 128))
    );
    // Blocks per request at 262,144 with two batches of 8192 in flight:
    // full ceil(262,144 / 128) = 2048; each sliding group ceil((1023 + 16,384) / 64) + 1 = 273.
    assert_eq!(
        h.layout.blocks_per_request(262_144, &h.settings, true).ok(),
        Some(2048 + 5 * 273)
    );
    let seq = 10 * 8_192 * 32_768u64 + 50 * 16_384 * 1_024;
    assert_eq!(seq, 3_523_215_360);
}

#[test]
fn nemotron_3_nano_moe_hybrid_from_config() {
    // NVIDIA-Nemotron-3-Nano-30B-A3B: 23 Mamba2, 6 attention, 23 MoE-only
    // layers (hybrid_override_pattern M/*/E); 64 SSM heads x 64, 8 groups,
    // d_state 128, fp32 SSM state (its config's mamba_ssm_cache_dtype).
    // Per layer, TP 1: conv 3 x (4096 + 2 x 8 x 128) x 2 = 36,864 B, ssm
    // 64 x 64 x 128 x 4 = 2,097,152 B; attention 2 x 2 x 128 x 2 = 1,024 B/token.
    // Published: 31.6B parameters in total.
    let r = import("nemotron-3-nano-30b-a3b.json");
    let a = &r.model.architecture;
    let count = memmath::plan::weights::count(a)
        .map(|c| c.total as f64 / 1e9)
        .unwrap_or(0.0);
    assert!((count - 31.6).abs() < 0.35, "Nemotron-3-Nano: {count}");
    let s = json!({"engine": "vllm", "engine_version": "0.34", "block_size": 64,
        "max_model_len": 262144, "prefix_caching": false});
    let (_, _, h) = figures(&r, s.clone(), 1, 40 * GIB);
    assert_eq!(h.layout.state_bytes_per_sequence, 23 * (36_864 + 2_097_152));
    assert_eq!(h.layout.attention_bytes_per_token, 6 * 1024);
    // block = 64 x ceil(2,134,016 / (64 x 1024)) = 64 x 33 = 2112; groups of
    // 6: 1 attention + 4 Mamba (24 slots, 1 padding).
    assert_eq!(h.layout.block_size, 2112);
    assert_eq!(h.layout.groups.len(), 5);
    // ceil(262,144 / 2112) = 125 attention blocks + 4 state blocks.
    assert_eq!(
        h.layout.blocks_per_request(262_144, &h.settings, true).ok(),
        Some(129)
    );
    // No public log of these figures was found; by hand, vLLM 0.34.0 (62d4bc3c7):
    // `get_max_concurrency_for_kv_cache_config` in vllm/v1/core/kv_cache_utils.py
    // divides num_blocks by the blocks one request of max_model_len takes,
    // summed over the groups; `get_kv_cache_capacity` / `update_kv_cache_capacity`
    // (same file) print int(concurrency x max_model_len) as "GPU KV cache size:
    // N tokens, Maximum concurrency for L tokens per request: X.XXx".
    // 6 x 2,112 x 1,024 = 12,976,128 B per block; 40 GiB = 42,949,672,960 B
    // // 12,976,128 = 3,309 blocks. Prefix caching off (MambaSpec
    // `max_memory_usage_bytes`, vllm/v1/kv_cache_interface.py: 1 page per
    // state group): 3,309 / 129 = 25.65x, int(25.6511... x 262,144) =
    // 6,724,298 tokens.
    let (tokens, conc, h) = figures(&r, s, 1, 40 * GIB);
    assert_eq!(h.capacity.num_blocks, 3_309);
    assert_eq!((tokens, conc.as_str()), (6_724_298, "25.65"));
    // vLLM 0.34's default turns prefix caching on for hybrids, `align` mode
    // (`MambaModelConfig`, vllm/model_executor/models/config.py): each Mamba2
    // group holds 2 + 0 speculative + 1 prefill checkpoint page
    // (`num_prefill_checkpoint_blocks=1`, mamba_mixer2.py); MambaMixer2 sets no
    // checkpoint alignment, so the block stays 2,112. 125 + 4 x 3 = 137 blocks:
    // 3,309 / 137 = 24.15x, int(24.1532... x 262,144) = 6,331,638 tokens.
    let on = json!({"engine": "vllm", "engine_version": "0.34", "block_size": 64,
        "max_model_len": 262144});
    let (tokens, conc, h) = figures(&r, on, 1, 40 * GIB);
    assert!(h.settings.prefix_caching);
    assert_eq!(h.layout.block_size, 2112);
    assert_eq!(
        h.layout.blocks_per_request(262_144, &h.settings, true).ok(),
        Some(137)
    );
    assert_eq!((tokens, conc.as_str()), (6_331_638, "24.15"));
}

#[test]
fn an_absurd_layer_kind_field_is_mem000_on_that_field() {
    let v = json!({
        "apiVersion": "memmath/v1", "kind": "Serving", "metadata": {"name": "t"},
        "model": {"preset": "qwen3-next-80b-a3b",
                  "architecture": {"vision": {"parameters": u64::MAX}}, "weights": {}},
        "hardware": {"gpu": "h100-sxm-80gb"}, "serving": {"engine": "vllm"},
    });
    let spec: Spec = serde_json::from_value(v).unwrap_or_else(|e| panic!("{e}"));
    let (r, f) = resolve(&spec, Path::new("/specs"), &MemoryFiles::new());
    let r = r.unwrap_or_else(|| panic!("{f:?}"));
    match memmath::plan::compute(&spec, &r) {
        Ok(_) => panic!("an overflowing tower planned"),
        Err(f) => {
            assert_eq!(f.code, "MEM000");
            assert_eq!(f.pointer, "/model/architecture/vision/parameters");
        }
    }
}

#[test]
fn gemma_4_26b_a4b_matches_the_vllm_0_26_figures() {
    // https://github.com/vllm-project/vllm/issues/40388 (comment of
    // 2026-08-19): vLLM 0.26.0, gemma-4-26B-A4B-it FP8 on one L40S, TP 1,
    // --max-model-len 32768, prefix caching on, --kv-cache-dtype fp8, "same
    // 15.18 GiB KV budget": "417,022 tokens", "12.73x" at 32k. 25 sliding
    // layers (8 KV heads x 256) at 4,096 B/token and 5 full layers (2 x 512)
    // at 2,048 B/token: full layers take 32-token blocks to match the
    // 16-token sliding page (65,536 B); 6 groups of 5 over one pool.
    // The comment does not state max_num_batched_tokens. Its figures pin the
    // sliding groups' in-flight term (SlidingWindowSpec: window - 1 +
    // max_in_flight_tokens) to 8,192 tokens: each sliding group then holds
    // ceil((1,023 + 8,192) / 16) + 1 = 577 blocks, the full group
    // 32,768 / 32 = 1,024, 3,909 per request. memmath's vLLM 0.26 row keeps
    // two batches in flight (async scheduling, pp 1), so that is 4,096
    // batched tokens here; read with one batch in flight it is 8,192 (vLLM's
    // LLM-class default below 70 GiB). The server's 2,048 default would give
    // 2,629 blocks per request and 18.9x, not the log.
    let r = import("gemma-4-26b-a4b.json");
    let serving = json!({"engine": "vllm", "engine_version": "0.26", "max_model_len": 32768,
        "kv_cache_dtype": "fp8", "prefix_caching": true, "max_num_batched_tokens": 4096});
    let page = 5 * 16 * 4096;
    // "12.73x" and 417,022 tokens pin 49,748 blocks (15.1819 GiB, printed 15.18).
    let (tokens, conc, h) = figures(&r, serving.clone(), 1, 49_748 * page);
    assert_eq!(h.layout.block_size, 16);
    let kinds: Vec<(&str, u64, u64)> = h
        .layout
        .groups
        .iter()
        .map(|g| (g.kind, g.layers, g.block_size))
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == &("sliding", 5, 16)).count(),
        5
    );
    assert!(kinds.contains(&("full", 5, 32)), "{kinds:?}");
    assert_eq!(h.capacity.num_blocks, 49_748);
    assert_eq!(
        h.layout.blocks_per_request(32_768, &h.settings, true).ok(),
        Some(3_909)
    );
    assert_eq!((tokens, conc.as_str()), (417_022, "12.73"));
    // Any budget that prints as 15.18 GiB lands within 0.03x of the log.
    for gib in [15.175, 15.185] {
        let (_, conc, _) = figures(&r, serving.clone(), 1, (gib * GIB as f64) as u64);
        let c: f64 = conc.parse().unwrap_or(0.0);
        assert!((c - 12.73).abs() <= 0.03, "{gib} GiB: {conc}");
    }
}
