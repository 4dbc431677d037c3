//! Property tests of the memory math: monotonicity a reviewer relies on.

mod plan_support;

use memmath::spec::{Quantization, WeightDtype};
use plan_support::*;
use proptest::prelude::*;
use serde_json::json;

fn model(layers: u64, heads_pow: u32, kv_div: u64, vocab: u64) -> memmath::catalog::Architecture {
    let heads = 1u64 << heads_pow;
    let kv = (heads / kv_div).max(1);
    arch(
        json!({"layers": layers, "hidden_size": heads * 128, "intermediate_size": heads * 128 * 3,
        "attention_heads": heads, "kv_heads": kv, "head_dim": 128, "vocab_size": vocab}),
    )
}

proptest! {
    #[test]
    fn more_concurrency_never_needs_less_memory(
        layers in 1u64..100, hp in 3u32..7, kd in 1u64..9, tokens in 1u64..200_000,
        c1 in 1u64..10_000, extra in 0u64..10_000,
    ) {
        let r = resolved(model(layers, hp, kd, 32000), WeightDtype::Bf16, Quantization::None, None, h100());
        let spec = |c: u64| serving(json!({"traffic": {"classes": [{"name": "c",
            "prompt_tokens": {"p99": tokens}, "output_tokens": {"p99": 0}, "concurrency": c}]}}));
        let a = plan(&spec(c1), &r);
        let b = plan(&spec(c1 + extra), &r);
        let need = |p: &memmath::plan::Plan| p.classes[0].required_concurrency as u128 * p.classes[0].kv_bytes_per_sequence as u128;
        prop_assert!(need(&b) >= need(&a));
        prop_assert!(b.classes[0].replicas_needed.unwrap_or(u64::MAX) >= a.classes[0].replicas_needed.unwrap_or(u64::MAX)
            || a.classes[0].replicas_needed.is_none());
        // Fitting at higher concurrency implies fitting at lower.
        prop_assert!(!b.classes[0].fits || a.classes[0].fits);
    }

    #[test]
    fn fp8_kv_never_exceeds_bf16_kv(
        layers in 1u64..128, hp in 3u32..7, kd in 1u64..9, tp_pow in 0u32..4, tokens in 0u64..1_000_000,
    ) {
        let r = resolved(model(layers, hp, kd, 32000), WeightDtype::Bf16, Quantization::None, None, h100());
        let spec = |d: &str| serving(json!({"parallelism": {"tensor": 1u64 << tp_pow},
            "serving": {"kv_cache_dtype": d},
            "traffic": {"classes": [{"name": "c", "prompt_tokens": {"p99": tokens}, "output_tokens": {"p99": 0}, "concurrency": 1}]}}));
        let f = plan(&spec("fp8"), &r);
        let b = plan(&spec("bf16"), &r);
        let fk = f.kv_cache.as_ref().map(|k| k.bytes_per_token_per_gpu).unwrap_or(0);
        let bk = b.kv_cache.as_ref().map(|k| k.bytes_per_token_per_gpu).unwrap_or(0);
        prop_assert!(fk <= bk);
        prop_assert!(f.classes[0].kv_bytes_per_sequence <= b.classes[0].kv_bytes_per_sequence);
    }

    #[test]
    fn more_tp_never_raises_per_gpu_weights(
        layers in 1u64..100, hp in 3u32..8, kd in 1u64..9, vocab in 1000u64..200_000, tp_pow in 0u32..5,
        q in prop::sample::select(vec![Quantization::None, Quantization::Fp8, Quantization::Gptq, Quantization::Nvfp4]),
    ) {
        let dtype = match q { Quantization::None => WeightDtype::Bf16, Quantization::Fp8 => WeightDtype::Fp8, Quantization::Nvfp4 => WeightDtype::Nvfp4, _ => WeightDtype::Int4 };
        let r = resolved(model(layers, hp, kd, vocab), dtype, q, None, h100());
        let w = |tp: u64| plan(&serving(json!({"parallelism": {"tensor": tp}})), &r).weights.per_gpu_bytes.get();
        prop_assert!(w(2u64 << tp_pow) <= w(1u64 << tp_pow));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    /// Any numbers, however absurd: a plan or MEM000, never a panic.
    #[test]
    fn compute_never_panics(
        layers in prop::num::u64::ANY, hidden in prop::num::u64::ANY, inter in prop::num::u64::ANY,
        heads in prop::num::u64::ANY, kv in prop::num::u64::ANY, vocab in prop::num::u64::ANY,
        tp in prop::num::u64::ANY, pp in 0u64..100_000, dp in prop::num::u64::ANY,
        tokens in prop::num::u64::ANY, conc in prop::num::u64::ANY, mem in prop::num::u64::ANY,
        small in 0u64..4, training_run in any::<bool>(), expert in any::<bool>(),
    ) {
        // Mix huge values with small ones so both paths get exercised.
        let pick = |v: u64| if small == 0 { v } else { v % (1 << (8 * small + 4)) + 1 };
        let a = arch(json!({"layers": pick(layers) % 1_000_000_000, "hidden_size": pick(hidden),
            "intermediate_size": pick(inter), "attention_heads": pick(heads), "kv_heads": pick(kv),
            "head_dim": 128, "vocab_size": pick(vocab),
            "moe": if expert { json!({"experts": 8, "experts_per_token": 2, "expert_intermediate_size": pick(inter), "dense_layers": 1}) } else { serde_json::Value::Null },
            "sliding_window": {"window": pick(tokens), "every_nth_full": 6}}));
        let r = resolved(a, WeightDtype::Bf16, Quantization::None, None, gpu("x", mem));
        let spec = if training_run {
            training(json!({"parallelism": {"tensor": pick(tp), "pipeline": pp, "data": pick(dp)},
                "training": {"sequence_length": pick(tokens), "micro_batch_size": pick(conc), "zero_stage": small}}))
        } else {
            serving(json!({"parallelism": {"tensor": pick(tp), "pipeline": pp, "data": pick(dp), "expert": expert},
                "serving": {"max_model_len": pick(tokens), "max_num_batched_tokens": pick(tokens)},
                "traffic": {"classes": [{"name": "c", "prompt_tokens": {"p99": pick(tokens)}, "output_tokens": {"p95": pick(conc)}, "concurrency": pick(conc), "burst": 1.5}]}}))
        };
        match memmath::plan::compute(&spec, &r) {
            Ok(_) => {}
            Err(f) => prop_assert_eq!(f.code.as_str(), "MEM000"),
        }
    }
}
