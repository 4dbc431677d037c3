//! Parameter counts from the architecture vs published exact counts, and the
//! weight sizes every capacity review starts from.

mod plan_support;

use memmath::plan::{sharding, weights};
use memmath::spec::{Quantization, WeightDtype};
use plan_support::*;
use serde_json::json;

fn total(a: &memmath::catalog::Architecture) -> u64 {
    weights::count(a).map(|c| c.total).unwrap_or(0)
}

#[test]
fn llama_3_1_8b() {
    // Hugging Face safetensors metadata of meta-llama/Llama-3.1-8B: 8,030,261,248
    // (model card "8.03B params").
    assert_eq!(total(&llama31_8b()), 8_030_261_248);
}

#[test]
fn llama_3_1_70b() {
    // meta-llama/Llama-3.1-70B safetensors metadata: 70,553,706,496.
    assert_eq!(total(&llama31_70b()), 70_553_706_496);
}

#[test]
fn mistral_7b() {
    // mistralai/Mistral-7B-v0.1 safetensors metadata: 7,241,732,096.
    let a = arch(
        json!({"layers": 32, "hidden_size": 4096, "intermediate_size": 14336,
        "attention_heads": 32, "kv_heads": 8, "head_dim": 128, "vocab_size": 32000}),
    );
    assert_eq!(total(&a), 7_241_732_096);
}

#[test]
fn qwen2_5_7b_with_qkv_bias() {
    // Qwen/Qwen2.5-7B-Instruct safetensors metadata: 7,615,616,512 (q/k/v biases).
    let a = arch(
        json!({"layers": 28, "hidden_size": 3584, "intermediate_size": 18944,
        "attention_heads": 28, "kv_heads": 4, "head_dim": 128, "vocab_size": 152064,
        "attention_bias": true}),
    );
    assert_eq!(total(&a), 7_615_616_512);
}

#[test]
fn qwen2_5_72b_with_qkv_bias() {
    // Qwen/Qwen2.5-72B-Instruct safetensors metadata: 72,706,203,648.
    let a = arch(
        json!({"layers": 80, "hidden_size": 8192, "intermediate_size": 29568,
        "attention_heads": 64, "kv_heads": 8, "head_dim": 128, "vocab_size": 152064,
        "attention_bias": true}),
    );
    assert_eq!(total(&a), 72_706_203_648);
}

#[test]
fn mixtral_8x7b_moe() {
    // mistralai/Mixtral-8x7B-v0.1 safetensors metadata: 46,702,792,704.
    let a = arch(
        json!({"layers": 32, "hidden_size": 4096, "intermediate_size": 14336,
        "attention_heads": 32, "kv_heads": 8, "head_dim": 128, "vocab_size": 32000,
        "moe": {"experts": 8, "experts_per_token": 2, "expert_intermediate_size": 14336}}),
    );
    assert_eq!(total(&a), 46_702_792_704);
    // Active: 2 of 8 experts (Mistral: "12.9B active").
    let active = weights::count(&a).map(|c| c.active).unwrap_or(0);
    assert_eq!(active, 12_879_925_248);
}

#[test]
fn llama_2_7b_mha() {
    // meta-llama/Llama-2-7b-hf: 6,738,415,616.
    let a = arch(
        json!({"layers": 32, "hidden_size": 4096, "intermediate_size": 11008,
        "attention_heads": 32, "kv_heads": 32, "head_dim": 128, "vocab_size": 32000}),
    );
    assert_eq!(total(&a), 6_738_415_616);
}

#[test]
fn deepseek_v3_mla_moe() {
    // DeepSeek-V3 main model (without the MTP module): 671,026,419,200 parameters
    // by a tensor-by-tensor recount of its safetensors (DeepSeek's README_WEIGHTS.md
    // gives "671B main model weights"). The formula omits only the MoE gate's
    // e_score_correction_bias: 256 experts x 58 MoE layers = 14,848.
    assert_eq!(total(&deepseek_v3()) + 256 * 58, 671_026_419_200);
}

/// Llama-2 7B / 13B, CodeLlama-34B and Llama-2-70B architectures.
fn review_models() -> Vec<(&'static str, memmath::catalog::Architecture, f64)> {
    vec![
        (
            "7B",
            arch(
                json!({"layers": 32, "hidden_size": 4096, "intermediate_size": 11008,
            "attention_heads": 32, "kv_heads": 32, "head_dim": 128, "vocab_size": 32000}),
            ),
            14.0,
        ),
        (
            "13B",
            arch(
                json!({"layers": 40, "hidden_size": 5120, "intermediate_size": 13824,
            "attention_heads": 40, "kv_heads": 40, "head_dim": 128, "vocab_size": 32000}),
            ),
            26.0,
        ),
        (
            "34B",
            arch(
                json!({"layers": 48, "hidden_size": 8192, "intermediate_size": 22016,
            "attention_heads": 64, "kv_heads": 8, "head_dim": 128, "vocab_size": 32000}),
            ),
            68.0,
        ),
        (
            "70B",
            arch(
                json!({"layers": 80, "hidden_size": 8192, "intermediate_size": 28672,
            "attention_heads": 64, "kv_heads": 8, "head_dim": 128, "vocab_size": 32000}),
            ),
            140.0,
        ),
    ]
}

#[test]
fn fp16_fp8_int4_sizes_of_7_13_34_70b() {
    for (name, a, fp16_gb) in review_models() {
        let gb = |dtype, q| {
            let f = weights::format(dtype, q, None, a.hidden_size);
            sharding::whole_model_bytes(&a, &f).unwrap_or(0) as f64 / 1e9
        };
        let fp16 = gb(WeightDtype::Fp16, Quantization::None);
        let fp8 = gb(WeightDtype::Fp8, Quantization::Fp8);
        let int4 = gb(WeightDtype::Int4, Quantization::Gptq);
        // FP16: 2 bytes per parameter, within 4% of the rule-of-thumb figure.
        assert!(rel(fp16, fp16_gb) < 0.04, "{name} fp16 {fp16}");
        // FP8: half, plus 16-bit embeddings/lm_head and per-channel scales.
        assert!(
            fp8 > fp16 / 2.0 && fp8 < fp16 / 2.0 * 1.05,
            "{name} fp8 {fp8}"
        );
        // INT4 GPTQ g128: a quarter plus metadata (4.156 bits) and 16-bit
        // embeddings/lm_head (7B: 3.89 GB; TheBloke/Llama-2-7B-GPTQ's
        // model.safetensors is 3.90 GB).
        assert!(
            int4 > fp16 / 4.0 && int4 < fp16 / 4.0 * 1.16,
            "{name} int4 {int4}"
        );
    }
}

#[test]
fn quantization_bits_per_weight() {
    let bits = |q, g| {
        weights::format(WeightDtype::Int4, q, g, 4096)
            .linear
            .as_f64()
    };
    assert_eq!(bits(Quantization::Gptq, None), 4.15625);
    assert_eq!(bits(Quantization::Awq, Some(64)), 4.3125);
    assert_eq!(bits(Quantization::Nvfp4, None), 4.5);
    assert_eq!(bits(Quantization::Mxfp4, None), 4.25);
    assert_eq!(bits(Quantization::BnbNf4, None), 4.5);
    assert_eq!(bits(Quantization::GgufQ4_0, None), 4.5);
    assert_eq!(bits(Quantization::GgufQ4KM, None), 4.85);
    assert_eq!(bits(Quantization::GgufQ5KM, None), 5.69);
    assert_eq!(bits(Quantization::GgufQ6K, None), 6.5625);
    assert_eq!(bits(Quantization::GgufQ8_0, None), 8.5);
    assert_eq!(bits(Quantization::Fp8, None), 8.0 + 32.0 / 4096.0);
    // Block-wise FP8 (DeepSeek-V3's 128 x 128 blocks): one fp32 scale per block.
    assert_eq!(
        bits(Quantization::Fp8, Some(128)),
        8.0 + 32.0 / (128.0 * 128.0)
    );
    // Per-channel FP8 has no group size; block-wise reports its block.
    let group = |g| weights::format(WeightDtype::Fp8, Quantization::Fp8, g, 4096).group_size;
    assert_eq!(group(None), None);
    assert_eq!(group(Some(128)), Some(128));
    assert_eq!(
        weights::format(WeightDtype::Int8, Quantization::Int8, Some(128), 4096).group_size,
        None
    );
}

#[test]
fn published_count_is_used_when_given() {
    let mut a = llama31_8b();
    a.parameters = Some(8_000_000_000);
    let spec = serving(json!({}));
    let p = plan(
        &spec,
        &resolved(a, WeightDtype::Bf16, Quantization::None, None, h100()),
    );
    assert_eq!(p.model.parameters, 8_000_000_000);
    assert_eq!(p.model.parameters_source, "published");
    assert_eq!(p.weights.total_bytes.get(), 16_000_000_000);
}

#[test]
fn exact_weights_win() {
    let mut r = llama31_8b_bf16_h100();
    r.model.exact_weights = Some(memmath::catalog::ExactWeights {
        total_bytes: memmath::units::Bytes(16_060_522_496),
        parameters: 8_030_261_248,
        bytes_by_dtype: Default::default(),
        files: 4,
    });
    let p = plan(&serving(json!({"parallelism": {"tensor": 2}})), &r);
    assert!(p.weights.exact);
    assert_eq!(p.model.parameters_source, "exact");
    assert_eq!(p.weights.total_bytes.get(), 16_060_522_496);
    // TP 2: half of the split parts plus replicated norms.
    let per = p.weights.per_gpu_bytes.get() as f64;
    assert!(per > 16_060_522_496.0 / 2.0 && per < 16_060_522_496.0 / 2.0 * 1.001);
}
