//! The tool's predictions beside public vLLM startup logs (docs/accuracy.md).
//! Each case names its GitHub issue; the assertions pin the errors the doc
//! reports, so the doc cannot drift from the code.

mod plan_support;

use memmath::catalog::{Architecture, GpuInfo};
use memmath::plan::Plan;
use memmath::spec::{Quantization, WeightDtype};
use plan_support::*;
use serde_json::{json, Value};

const GIB_F: f64 = (1u64 << 30) as f64;

/// vLLM prints GiB with 2 decimals ("23.58GiB"); the CUDA total is that figure.
fn gib(x: f64) -> u64 {
    (x * GIB_F) as u64
}

fn qwen3_14b() -> Architecture {
    arch(
        json!({"layers": 40, "hidden_size": 5120, "intermediate_size": 17408,
        "attention_heads": 40, "kv_heads": 8, "head_dim": 128, "vocab_size": 151936,
        "max_position_embeddings": 40960}),
    )
}

fn qwen3_235b() -> Architecture {
    arch(
        json!({"layers": 94, "hidden_size": 4096, "intermediate_size": 12288,
        "attention_heads": 64, "kv_heads": 4, "head_dim": 128, "vocab_size": 151936,
        "max_position_embeddings": 40960,
        "moe": {"experts": 128, "experts_per_token": 8, "expert_intermediate_size": 1536}}),
    )
}

fn qwen25_7b() -> Architecture {
    arch(
        json!({"layers": 28, "hidden_size": 3584, "intermediate_size": 18944,
        "attention_heads": 28, "kv_heads": 4, "head_dim": 128, "vocab_size": 152064,
        "attention_bias": true, "max_position_embeddings": 32768}),
    )
}

fn r1_distill_qwen_14b() -> Architecture {
    arch(
        json!({"layers": 48, "hidden_size": 5120, "intermediate_size": 13824,
        "attention_heads": 40, "kv_heads": 8, "head_dim": 128, "vocab_size": 152064,
        "attention_bias": true, "max_position_embeddings": 131072}),
    )
}

fn llama31_405b() -> Architecture {
    arch(
        json!({"layers": 126, "hidden_size": 16384, "intermediate_size": 53248,
        "attention_heads": 128, "kv_heads": 8, "head_dim": 128, "vocab_size": 128256,
        "max_position_embeddings": 131072}),
    )
}

fn run(a: Architecture, dtype: WeightDtype, q: Quantization, g: GpuInfo, over: Value) -> Plan {
    plan(&serving(over), &resolved(a, dtype, q, None, g))
}

fn weights_gib(p: &Plan) -> f64 {
    p.per_gpu.weights_bytes.get() as f64 / GIB_F
}

fn kv_gib(p: &Plan) -> f64 {
    p.per_gpu.kv_cache_bytes as f64 / GIB_F
}

fn tokens(p: &Plan) -> u64 {
    p.kv_cache.as_ref().map_or(0, |k| k.capacity_tokens)
}

/// Tokens vLLM would report for a logged "Available KV cache memory", given our
/// bytes per token: floor(avail / (16 x bytes_per_token)) x 16.
fn tokens_for(p: &Plan, avail_gib: f64) -> u64 {
    let per = p
        .kv_cache
        .as_ref()
        .map_or(1, |k| k.bytes_per_token_per_gpu * k.block_size);
    gib(avail_gib) / per * p.kv_cache.as_ref().map_or(16, |k| k.block_size)
}

fn act_gib(p: &Plan) -> f64 {
    p.per_gpu.activation_peak_bytes.get() as f64 / GIB_F
}

#[test]
fn issue_10517_llama_3_1_8b_rtx3090_20k() {
    // https://github.com/vllm-project/vllm/issues/10517 (vLLM 0.6.4, V0):
    // total_gpu_memory=23.58GiB, gpu_memory_utilization=0.90, max-model-len 20000;
    // "Loading model weights took 14.9888 GB", non_torch_memory=0.35GiB,
    // peak_torch_memory=17.06GiB (2.07 GiB over the weights), kv_cache_size=3.81GiB,
    // "GPU blocks: 1952" = 31,232 tokens.
    let p = run(
        llama31_8b(),
        WeightDtype::Bf16,
        Quantization::None,
        gpu("RTX 3090", gib(23.58)),
        json!({"serving": {"engine_version": "0.6.4", "max_model_len": 20000, "gpu_memory_utilization": 0.9}}),
    );
    assert!((weights_gib(&p) - 14.9575).abs() < 0.0001); // -0.21%
    assert!((act_gib(&p) - 2.06).abs() < 0.005); // logged 2.07
    assert!((kv_gib(&p) - 3.85).abs() < 0.005); // logged 3.81: +1.0%
    assert_eq!(tokens(&p), 31_568); // logged 31,232: +1.1%
                                    // KV bytes per token exact: the logged 3.81 GiB (rounded from 1952 blocks'
                                    // 3.8125 GiB) gives 1950 blocks.
    assert_eq!(tokens_for(&p, 3.8125), 31_232);
}

#[test]
fn issue_10517_llama_3_1_8b_rtx3090_29k() {
    // Same issue, --max-model-len 29000: peak_torch_memory=17.98GiB (2.99 GiB of
    // activations), kv_cache_size=2.89GiB, 1478 blocks = 23,648 tokens, "larger
    // than the maximum number of tokens that can be stored in KV cache (23648)".
    let p = run(
        llama31_8b(),
        WeightDtype::Bf16,
        Quantization::None,
        gpu("RTX 3090", gib(23.58)),
        json!({"serving": {"engine_version": "0.6.4", "max_model_len": 29000, "gpu_memory_utilization": 0.9}}),
    );
    assert!((act_gib(&p) - 2.99).abs() < 0.005); // logged 2.99
    assert!((kv_gib(&p) - 2.93).abs() < 0.005); // logged 2.89: +1.4%
    assert_eq!(tokens(&p), 23_984); // logged 23,648: +1.4%
    let kv = p.kv_cache.as_ref().map_or(0, |k| k.max_model_len_that_fits);
    assert!(kv < 29_000, "the tool also says 29000 does not fit");
}

#[test]
fn issue_13061_r1_distill_qwen_14b_tp2_rtx4090() {
    // https://github.com/vllm-project/vllm/issues/13061 (vLLM 0.7, V0): 2 x RTX
    // 4090, TP 2, gpu_memory_utilization 0.98, default max_model_len 131072;
    // "Loading model weights took 13.9476 GB" per GPU; "maximum number of tokens
    // that can be stored in KV cache (81536)". total_gpu_memory is not printed:
    // 23.55 GiB is what the log's own sum (8.69 + 13.9476 + 0.25 + 0.19) / 0.98 gives.
    let p = run(
        r1_distill_qwen_14b(),
        WeightDtype::Bf16,
        Quantization::None,
        gpu("RTX 4090", gib(23.55)),
        json!({"parallelism": {"tensor": 2}, "serving": {"engine_version": "0.7", "gpu_memory_utilization": 0.98}}),
    );
    assert!((weights_gib(&p) - 13.7561).abs() < 0.0001); // -1.4%
    assert_eq!(tokens(&p), 78_176); // logged 81,536: -4.1%
}

#[test]
fn issue_13882_qwen2_5_7b_4bit_rtx4060() {
    // https://github.com/vllm-project/vllm/issues/13882 (vLLM 0.7, V0): 8.00 GiB x
    // 0.70 = 5.60 GiB; "model weights take 5.20GiB; non_torch_memory takes 0.03GiB;
    // PyTorch activation peak memory takes 1.42GiB; the rest of the memory reserved
    // for KV Cache is -1.05GiB"; max model len 4096. The 5.20 GiB is a 4-bit
    // (AWQ/GPTQ g128) checkpoint.
    let p = run(
        qwen25_7b(),
        WeightDtype::Int4,
        Quantization::Awq,
        gpu("RTX 4060", gib(8.0)),
        json!({"serving": {"engine_version": "0.7", "max_model_len": 4096, "gpu_memory_utilization": 0.7}}),
    );
    assert!((weights_gib(&p) - 5.1882).abs() < 0.0001); // -0.3%
    assert!((act_gib(&p) - 0.52).abs() < 0.005); // logged 1.42: the miss
    assert!(
        p.per_gpu.kv_cache_bytes < 0,
        "both say the engine cannot start"
    );
    assert!((kv_gib(&p) - -0.45).abs() < 0.005); // logged -1.05
}

#[test]
fn issue_21348_qwen3_235b_fp8_tp4_h100() {
    // https://github.com/vllm-project/vllm/issues/21348 (vLLM V1, July 2025): vllm
    // serve Qwen3-235B-A22B-FP8 --tensor-parallel-size 4 on H100s with the LMCache
    // connector; "Available KV cache memory: 8.11 GiB", "GPU KV cache size: 178,880".
    let p = run(
        qwen3_235b(),
        WeightDtype::Fp8,
        Quantization::Fp8,
        h100(),
        json!({"parallelism": {"tensor": 4}, "serving": {"engine_version": "0.9.2"}}),
    );
    // 94 layers x 2 x (4 KV heads / TP 4 = 1) x 128 x 2 B.
    assert_eq!(
        p.kv_cache.as_ref().map_or(0, |k| k.bytes_per_token_per_gpu),
        48_128
    );
    assert_eq!(tokens_for(&p, 8.11), 180_928); // logged 178,880: +1.1%
    assert!((weights_gib(&p) - 55.1615).abs() < 0.0001);
    assert!((kv_gib(&p) - 13.34).abs() < 0.005); // logged 8.11: +64%, unexplained
}

#[test]
fn issue_6746_llama_3_1_405b_fp8_tp8() {
    // https://github.com/vllm-project/vllm/issues/6746 (vLLM 0.5.3): 8 x H100,
    // TP 8, "Loading model weights took 57.7520 GB" per GPU. Meta's FP8 checkpoint
    // quantizes only the MLPs (attention stays BF16); the formula assumes every
    // linear layer is FP8, so it is 17% low. Exact weights (safetensors headers)
    // are the fix for mixed-precision checkpoints.
    let p = run(
        llama31_405b(),
        WeightDtype::Fp8,
        Quantization::Fp8,
        h100(),
        json!({"parallelism": {"tensor": 8}}),
    );
    assert!((weights_gib(&p) - 47.7555).abs() < 0.0001); // -17.3%
}

#[test]
fn lmcache_1739_qwen3_14b() {
    // https://github.com/LMCache/LMCache/issues/1739 (vLLM V1): Qwen3-14B,
    // "Available KV cache memory: 6.51 GiB", "GPU KV cache size: 42,656 tokens".
    let p = run(
        qwen3_14b(),
        WeightDtype::Bf16,
        Quantization::None,
        h100(),
        json!({}),
    );
    assert_eq!(
        p.kv_cache.as_ref().map_or(0, |k| k.bytes_per_token_per_gpu),
        163_840
    );
    assert_eq!(tokens_for(&p, 6.51), 42_656); // exact
}

#[test]
fn recipes_12_qwen3_coder_480b_fp8_dp8() {
    // https://github.com/vllm-project/recipes/pull/12 (vLLM 0.10.1): Qwen3-Coder-
    // 480B-A35B-Instruct-FP8, -dp 8 --enable-expert-parallel on H20s: "(62.00 GiB KV
    // cache is needed ...) larger than the available KV cache memory (48.66 GiB) ...
    // the estimated maximum model length is 205728".
    let a = arch(
        json!({"layers": 62, "hidden_size": 6144, "intermediate_size": 8192,
        "attention_heads": 96, "kv_heads": 8, "head_dim": 128, "vocab_size": 151936,
        "max_position_embeddings": 262144,
        "moe": {"experts": 160, "experts_per_token": 8, "expert_intermediate_size": 2560}}),
    );
    let p = run(
        a,
        WeightDtype::Fp8,
        Quantization::Fp8,
        gpu("H20", gib(95.0)),
        json!({"parallelism": {"data": 8, "expert": true},
               "traffic": {"classes": [{"name": "max", "prompt_tokens": {"p99": 262144}, "output_tokens": {"p99": 0}, "concurrency": 1}]}}),
    );
    // One 262,144-token sequence: 62 x 2 x 8 x 128 x 2 B x 262,144 = 62.00 GiB.
    assert_eq!(p.classes[0].kv_bytes_per_sequence, 66_571_993_088);
    assert!((p.classes[0].kv_bytes_per_sequence as f64 / GIB_F - 62.0).abs() < 0.005);
    // vLLM's estimate for 48.66 GiB: 205,728 tokens (block-floored).
    assert_eq!(tokens_for(&p, 48.66), 205_728); // exact
}
