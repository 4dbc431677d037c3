//! KV cache figures every capacity review starts from, and published ones.

mod plan_support;

use memmath::spec::{Quantization, WeightDtype};
use plan_support::*;
use serde_json::json;

fn eight_k_model(kv_heads: u64) -> memmath::catalog::Architecture {
    arch(
        json!({"layers": 32, "hidden_size": 4096, "intermediate_size": 14336,
        "attention_heads": 32, "kv_heads": kv_heads, "head_dim": 128, "vocab_size": 128256}),
    )
}

fn one_class(tokens: u64) -> serde_json::Value {
    json!({"traffic": {"classes": [{"name": "c", "prompt_tokens": {"p99": tokens},
        "output_tokens": {"p99": 0}, "concurrency": 1}]}})
}

#[test]
fn one_gib_per_8k_sequence_with_8_kv_heads_four_with_32() {
    // 32 layers x 2 (K, V) x 8 heads x 128 x 2 B = 131,072 B/token; x 8,192 = 1 GiB.
    for (heads, gib) in [(8, 1), (32, 4)] {
        let r = resolved(
            eight_k_model(heads),
            WeightDtype::Bf16,
            Quantization::None,
            None,
            h100(),
        );
        let p = plan(&serving(one_class(8192)), &r);
        assert_eq!(
            p.classes[0].kv_bytes_per_sequence,
            gib * GIB,
            "{heads} kv heads"
        );
    }
}

#[test]
fn llama_3_8b_is_131072_bytes_per_token() {
    // Published: 32 layers x 8 KV heads x 128 x 2 (K, V) x 2 B = 128 KiB/token.
    let p = plan(&serving(json!({})), &llama31_8b_bf16_h100());
    let kv = p.kv_cache.expect("kv");
    assert_eq!(kv.bytes_per_token_per_gpu, 131_072);
    assert_eq!(kv.bytes_per_token, 131_072);
}

#[test]
fn kv_heads_split_by_tp_and_replicated_below_it() {
    let r = resolved(
        llama31_70b(),
        WeightDtype::Bf16,
        Quantization::None,
        None,
        h100(),
    );
    for (tp, per_gpu) in [(1u64, 327_680u64), (2, 163_840), (8, 40_960), (16, 40_960)] {
        let p = plan(&serving(json!({"parallelism": {"tensor": tp}})), &r);
        let kv = p.kv_cache.expect("kv");
        // 80 layers x 2 x max(1, 8/tp) x 128 x 2 B
        assert_eq!(kv.bytes_per_token_per_gpu, per_gpu, "tp {tp}");
        assert_eq!(kv.bytes_per_token, per_gpu * tp, "tp {tp}");
    }
}

#[test]
fn deepseek_v3_mla_latent() {
    // DeepSeek-V3 MLA: 61 layers x (512 + 64) x 2 B = 70,272 B/token at bf16,
    // replicated on every TP rank; fp8 576 B/layer; vLLM fp8_ds_mla 656 B/layer.
    let r = resolved(
        deepseek_v3(),
        WeightDtype::Fp8,
        Quantization::Fp8,
        None,
        gpu("H200", 150_000_000_000),
    );
    for (dtype, per_layer) in [("bf16", 1152u64), ("fp8", 576), ("fp8_ds_mla", 656)] {
        let p = plan(
            &serving(json!({"parallelism": {"tensor": 8}, "serving": {"kv_cache_dtype": dtype}})),
            &r,
        );
        let kv = p.kv_cache.expect("kv");
        assert_eq!(kv.bytes_per_token_per_gpu, 61 * per_layer, "{dtype}");
        assert_eq!(kv.bytes_per_token, 8 * 61 * per_layer, "{dtype}");
        // FlashMLA: vLLM uses 64-token blocks for MLA models.
        assert_eq!(kv.block_size, 64);
    }
    let p = plan(&serving(json!({"parallelism": {"tensor": 8}})), &r);
    assert_eq!(p.kv_cache.expect("kv").bytes_per_token_per_gpu, 70_272);
}

#[test]
fn fp8_and_int4_kv_bytes() {
    let r = llama31_8b_bf16_h100();
    let per = |d: &str| {
        plan(&serving(json!({"serving": {"kv_cache_dtype": d}})), &r)
            .kv_cache
            .expect("kv")
            .bytes_per_token_per_gpu
    };
    assert_eq!(per("fp8"), 65_536);
    assert_eq!(per("fp8_e5m2"), 65_536);
    assert_eq!(per("int8"), 65_536);
    // vLLM has no int4 KV cache (rules report it), but the bytes are computed.
    assert_eq!(per("int4"), 32_768);
}

#[test]
fn block_rounding() {
    // 1 token still takes one 16-token block: 16 x 131,072 B.
    let r = llama31_8b_bf16_h100();
    let p = plan(&serving(one_class(1)), &r);
    assert_eq!(p.classes[0].kv_bytes_per_sequence, 16 * 131_072);
    let p = plan(
        &serving(
            json!({"serving": {"engine": "sglang"}, "traffic": {"classes": [{"name": "c", "prompt_tokens": {"p99": 1}, "output_tokens": {"p99": 0}, "concurrency": 1}]}}),
        ),
        &r,
    );
    assert_eq!(
        p.classes[0].kv_bytes_per_sequence, 131_072,
        "SGLang pages are 1 token"
    );
}

#[test]
fn sliding_window_layers_cap_at_the_window() {
    // Gemma-2-like: every 2nd layer full, window 4096. A 32K sequence costs full
    // layers 32K tokens, sliding layers ceil(min(4095 + 2048, 32768)/16) + 1 = 384 + 1 = 385 blocks.
    let a = arch(
        json!({"layers": 4, "hidden_size": 1024, "intermediate_size": 4096,
        "attention_heads": 8, "kv_heads": 8, "head_dim": 128, "vocab_size": 1000,
        "sliding_window": {"window": 4096, "every_nth_full": 2}}),
    );
    let r = resolved(a, WeightDtype::Bf16, Quantization::None, None, h100());
    let spec = serving(
        json!({"serving": {"max_model_len": 32768, "max_num_batched_tokens": 2048},
        "traffic": {"classes": [{"name": "long", "prompt_tokens": {"p99": 32768}, "output_tokens": {"p99": 0}, "concurrency": 1},
                                {"name": "short", "prompt_tokens": {"p99": 1000}, "output_tokens": {"p99": 0}, "concurrency": 1}]}}),
    );
    let p = plan(&spec, &r);
    let per_layer = 2 * 8 * 128 * 2;
    assert_eq!(
        p.classes[0].kv_bytes_per_sequence,
        2 * 32768 * per_layer + 2 * 385 * 16 * per_layer
    );
    // Shorter than the window: only its own blocks (63 blocks of 16).
    assert_eq!(p.classes[1].kv_bytes_per_sequence, 4 * 63 * 16 * per_layer);
}

#[test]
fn auto_kv_dtype_is_16_bit_for_fp8_and_awq_checkpoints() {
    for (dtype, q) in [
        (WeightDtype::Fp8, Quantization::Fp8),
        (WeightDtype::Int4, Quantization::Awq),
    ] {
        let r = resolved(llama31_8b(), dtype, q, None, h100());
        let kv = plan(&serving(json!({"serving": {"kv_cache_dtype": "auto"}})), &r)
            .kv_cache
            .expect("kv");
        assert_eq!(kv.dtype, "bf16");
        assert_eq!(kv.bytes_per_token_per_gpu, 131_072);
    }
}

#[test]
fn vllm_groups_and_pads_a_sliding_window_pattern() {
    // gemma-3-27b's pattern (vLLM 0.19.0 log, docs/accuracy.md case 39: "Add 8
    // padding layers, may waste at most 15.38% KV cache memory"): 62 layers,
    // every 6th full -> 10 full, 52 sliding. `_get_kv_cache_groups_uniform_page_size`
    // (vllm/v1/core/kv_cache_utils.py, 0.19.0): group size = the fewest layers
    // of a kind, 10 (52 >= 1.5 x 10); sliding -> ceil(52 / 10) = 6 groups, the
    // last 2 real + 8 padding; full -> 1 group of 10. num_blocks = memory /
    // (16 x 10 x per-layer page) and tokens = num_blocks // 7 x 16.
    let a = arch(
        json!({"layers": 62, "hidden_size": 5376, "intermediate_size": 21504,
        "attention_heads": 32, "kv_heads": 16, "head_dim": 128, "vocab_size": 262208,
        "sliding_window": {"window": 1024, "every_nth_full": 6}}),
    );
    let r = resolved(a, WeightDtype::Bf16, Quantization::None, None, h100());
    let spec = serving(json!({"serving": {"engine_version": "0.19.0", "max_model_len": 8192}}));
    let p = plan(&spec, &r);
    let kv = p.kv_cache.as_ref().expect("kv cache");
    let groups: Vec<(&str, u64, u64)> = kv
        .groups
        .iter()
        .map(|g| (g.kind.as_str(), g.layers, g.padding_layers))
        .collect();
    let mut want = vec![("sliding", 10, 0); 5];
    want.push(("sliding", 2, 8));
    want.push(("full", 10, 0));
    assert_eq!(groups, want);
    let page = 16 * 2 * 16 * 128 * 2; // block 16 x K and V x 16 heads x 128 x 2 B
    let blocks = p.per_gpu.kv_cache_bytes as u64 / (10 * page);
    assert_eq!(kv.capacity_tokens, blocks / 7 * 16);
}
