//! Property tests through the whole pipeline (YAML text in, plan, findings and
//! reports out; issue 8): memory is monotone in concurrency, tokens, layers and
//! dtype width; per-GPU weights times GPUs cover the whole model; findings do not
//! depend on the order of keys in the YAML; reports are byte-for-byte
//! deterministic. Case counts are modest so `cargo test` stays quick.

mod common;

use memmath::pipeline::Analysis;
use memmath::plan::Plan;
use memmath::report::{build_set, plan_json, render, Format};
use memmath::source::SourceFile;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// The knobs the generator varies; everything else is a fixed, valid spec.
#[derive(Clone, Debug)]
struct Knobs {
    layers: u64,
    heads_pow: u32,
    kv_div_pow: u32,
    head_dim: u64,
    vocab: u64,
    /// Index into [`WEIGHTS`].
    weights: usize,
    tp_pow: u32,
    pp: u64,
    max_model_len: u64,
    /// (prompt p99, output p99, concurrency) per class.
    classes: Vec<(u64, u64, u64)>,
    utilization_pct: u64,
    gpu_gib: u64,
}

/// (dtype, quantization), narrowest first.
const WEIGHTS: [(&str, &str); 4] = [
    ("int4", "awq"),
    ("fp8", "fp8"),
    ("bf16", "none"),
    ("fp32", "none"),
];

fn knobs() -> impl Strategy<Value = Knobs> {
    (
        (
            1u64..96,
            3u32..7,
            0u32..4,
            prop::sample::select(vec![64u64, 128]),
        ),
        (1_000u64..160_000, 0usize..WEIGHTS.len(), 0u32..3, 1u64..4),
        (
            prop::sample::select(vec![4_096u64, 32_768, 131_072]),
            prop::collection::vec((1u64..30_000, 1u64..4_000, 1u64..512), 1..4),
            50u64..96,
            prop::sample::select(vec![24u64, 40, 80, 141]),
        ),
    )
        .prop_map(
            |(
                (layers, heads_pow, kv_div_pow, head_dim),
                (vocab, weights, tp_pow, pp),
                (max_model_len, classes, utilization_pct, gpu_gib),
            )| Knobs {
                layers,
                heads_pow,
                kv_div_pow,
                head_dim,
                vocab,
                weights,
                tp_pow,
                pp,
                max_model_len,
                classes,
                utilization_pct,
                gpu_gib,
            },
        )
}

fn spec_value(k: &Knobs) -> Value {
    let heads = 1u64 << k.heads_pow;
    let kv_heads = (heads >> k.kv_div_pow).max(1);
    let (dtype, quantization) = WEIGHTS[k.weights];
    let classes: Vec<Value> = k
        .classes
        .iter()
        .enumerate()
        .map(|(i, &(p, o, c))| {
            json!({"name": format!("class-{i}"), "prompt_tokens": {"p95": p, "p99": p},
                "output_tokens": {"p95": o, "p99": o}, "concurrency": c, "burst": 1.25})
        })
        .collect();
    json!({
        "apiVersion": "memmath/v1",
        "kind": "Serving",
        "metadata": {"name": "prop"},
        "model": {
            "architecture": {
                "layers": k.layers, "hidden_size": heads * k.head_dim,
                "intermediate_size": heads * k.head_dim * 3, "attention_heads": heads,
                "kv_heads": kv_heads, "head_dim": k.head_dim, "vocab_size": k.vocab,
                "max_position_embeddings": 131_072
            },
            "weights": if quantization == "awq" {
                json!({"dtype": dtype, "quantization": quantization, "group_size": 128})
            } else {
                json!({"dtype": dtype, "quantization": quantization})
            }
        },
        "hardware": {
            "gpu": {"name": "Test GPU", "memory": format!("{}GiB", k.gpu_gib), "compute_capability": "9.0"},
            "gpus_per_node": 8, "nodes": 4, "host_memory": "2TiB"
        },
        "parallelism": {"tensor": 1u64 << k.tp_pow, "pipeline": k.pp, "data": 1},
        "serving": {
            "engine": "vllm", "engine_version": "0.11", "replicas": 1,
            "max_model_len": k.max_model_len,
            "gpu_memory_utilization": k.utilization_pct as f64 / 100.0,
            "max_num_seqs": 256, "max_num_batched_tokens": 8192
        },
        "traffic": {"plan_percentile": "p99", "classes": classes},
        "loading": {"format": "safetensors", "mmap": true, "workers_per_node": 8}
    })
}

/// Block-style YAML for a JSON value (strings double-quoted, JSON escapes are
/// YAML escapes); what a user would write, in the key order of `v`.
fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    emit(v, 0, &mut out);
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn emit(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) => {
            for (k, val) in m {
                match val {
                    Value::Object(c) if !c.is_empty() => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        emit(val, indent + 2, out);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        emit(val, indent + 2, out);
                    }
                    _ => out.push_str(&format!("{pad}{k}: {}\n", scalar(val))),
                }
            }
        }
        Value::Array(a) => {
            for item in a {
                match item {
                    Value::Object(m) if !m.is_empty() => {
                        out.push_str(&format!("{pad}-\n"));
                        emit(item, indent + 2, out);
                    }
                    _ => out.push_str(&format!("{pad}- {}\n", scalar(item))),
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}

/// The same value with every mapping's keys in an order drawn from `seed`
/// (sorted by a seeded FNV-1a hash of the key and its depth).
fn shuffled(v: &Value, seed: u64, depth: u64) -> Value {
    let rank = |k: &str| {
        let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed ^ depth.wrapping_mul(0x9e37_79b9);
        for b in k.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        h
    };
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by_key(|(k, _)| rank(k));
            let mut out = Map::new();
            for (k, val) in entries {
                out.insert(k.clone(), shuffled(val, seed, depth + 1));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| shuffled(x, seed, depth + 1)).collect()),
        other => other.clone(),
    }
}

fn run(text: &str) -> Analysis {
    common::analyze_source(SourceFile::new("prop.yaml", text))
}

fn plan_of(v: &Value) -> Result<Plan, TestCaseError> {
    let a = run(&to_yaml(v));
    match a.plan {
        Some(p) => Ok(p),
        None => Err(TestCaseError::fail(format!(
            "no plan: {:?}\n{}",
            a.findings,
            to_yaml(v)
        ))),
    }
}

/// Findings without their locations: (code, severity, pointer, message, fix).
fn findings_of(a: &Analysis) -> Vec<(String, String, String, String, Option<String>)> {
    let mut v: Vec<_> = a
        .findings
        .iter()
        .map(|f| {
            (
                f.code.clone(),
                f.severity.to_string(),
                f.pointer.clone(),
                f.message.clone(),
                f.fix.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

/// KV bytes the whole traffic needs: required sequences x bytes per sequence.
fn kv_need(p: &Plan) -> u128 {
    p.classes
        .iter()
        .map(|c| u128::from(c.required_concurrency) * u128::from(c.kv_bytes_per_sequence))
        .sum()
}

fn set(v: &mut Value, pointer: &str, x: Value) {
    if let Some(slot) = v.pointer_mut(pointer) {
        *slot = x;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn memory_is_monotone_in_concurrency(k in knobs(), extra in 1u64..2_000) {
        let v = spec_value(&k);
        let mut more = v.clone();
        let c = k.classes[0].2;
        set(&mut more, "/traffic/classes/0/concurrency", json!(c + extra));
        let (a, b) = (plan_of(&v)?, plan_of(&more)?);
        prop_assert!(kv_need(&b) >= kv_need(&a));
        prop_assert!(b.classes[0].required_concurrency >= a.classes[0].required_concurrency);
        // Fitting at the higher load implies fitting at the lower one.
        prop_assert!(!b.classes[0].fits || a.classes[0].fits);
        prop_assert!(b.classes[0].replicas_needed.unwrap_or(u64::MAX) >= a.classes[0].replicas_needed.unwrap_or(u64::MAX)
            || a.classes[0].replicas_needed.is_none());
    }

    #[test]
    fn memory_is_monotone_in_tokens(k in knobs(), extra in 1u64..20_000) {
        let v = spec_value(&k);
        let mut more = v.clone();
        let p = k.classes[0].0 + extra;
        set(&mut more, "/traffic/classes/0/prompt_tokens", json!({"p95": p, "p99": p}));
        let (a, b) = (plan_of(&v)?, plan_of(&more)?);
        prop_assert!(b.classes[0].tokens_per_sequence > a.classes[0].tokens_per_sequence);
        prop_assert!(b.classes[0].kv_bytes_per_sequence >= a.classes[0].kv_bytes_per_sequence);
        prop_assert!(kv_need(&b) >= kv_need(&a));
        prop_assert!(b.classes[0].max_concurrency <= a.classes[0].max_concurrency);
    }

    #[test]
    fn memory_is_monotone_in_layers(k in knobs(), extra in 1u64..40) {
        let v = spec_value(&k);
        let mut more = v.clone();
        set(&mut more, "/model/architecture/layers", json!(k.layers + extra));
        let (a, b) = (plan_of(&v)?, plan_of(&more)?);
        prop_assert!(b.weights.total_bytes >= a.weights.total_bytes);
        prop_assert!(b.weights.per_gpu_bytes >= a.weights.per_gpu_bytes);
        let per_token = |p: &Plan| p.kv_cache.as_ref().map_or(0, |c| c.bytes_per_token);
        prop_assert!(per_token(&b) >= per_token(&a));
        prop_assert!(kv_need(&b) >= kv_need(&a));
        // Under pipeline parallelism the per-GPU figures are the stage whose
        // cache has the fewest blocks (vLLM's unify_kv_cache_configs,
        // src/plan/pp_stage.rs); more layers can move that to a stage with
        // more memory left but more layers, so there the blocks are what
        // cannot grow.
        let blocks = |p: &Plan| p.kv_cache.as_ref().map_or(0, |c| c.num_blocks);
        prop_assert!(blocks(&b) <= blocks(&a));
        if k.pp == 1 {
            prop_assert!(b.per_gpu.kv_cache_bytes <= a.per_gpu.kv_cache_bytes);
        }
    }

    #[test]
    fn memory_is_monotone_in_dtype_width(k in knobs()) {
        let mut prev: Option<Plan> = None;
        for w in 0..WEIGHTS.len() {
            let p = plan_of(&spec_value(&Knobs { weights: w, ..k.clone() }))?;
            if let Some(narrow) = &prev {
                prop_assert!(p.weights.total_bytes >= narrow.weights.total_bytes, "{:?} -> {:?}", WEIGHTS[w - 1], WEIGHTS[w]);
                prop_assert!(p.weights.per_gpu_bytes >= narrow.weights.per_gpu_bytes);
                // vLLM's sampler warm-up copies model-dtype logits to fp32
                // (`logits.to(torch.float32)`, vllm/v1/sample/sampler.py); an
                // fp32 model skips that copy, max_num_seqs x vocab x 2 bytes
                // less than bf16 (src/plan/sampler.rs), which a tiny model's
                // wider weights need not make up.
                let fp32_skips_copy = if WEIGHTS[w].0 == "fp32" { 256 * k.vocab as i64 * 2 } else { 0 };
                // Under pipeline parallelism the per-GPU figures are the
                // stage with the fewest blocks (src/plan/pp_stage.rs), which
                // wider weights can move; there the blocks cannot grow
                // (beyond the fp32 copy's bytes, whole blocks of them).
                if k.pp == 1 {
                    prop_assert!(p.per_gpu.kv_cache_bytes <= narrow.per_gpu.kv_cache_bytes + fp32_skips_copy);
                } else if fp32_skips_copy == 0 {
                    let blocks = |p: &Plan| p.kv_cache.as_ref().map_or(0, |c| c.num_blocks);
                    prop_assert!(blocks(&p) <= blocks(narrow));
                }
            }
            prev = Some(p);
        }
        // The KV cache dtype too: fp8 <= bf16 <= fp32 per token.
        let mut last = 0u64;
        for d in ["fp8", "bf16", "fp32"] {
            let mut v = spec_value(&k);
            if let Some(s) = v.pointer_mut("/serving").and_then(Value::as_object_mut) {
                s.insert("kv_cache_dtype".into(), json!(d));
            }
            let p = plan_of(&v)?;
            let per_token = p.kv_cache.as_ref().map_or(0, |c| c.bytes_per_token);
            prop_assert!(per_token >= last, "{d}: {per_token} < {last}");
            last = per_token;
        }
    }

    #[test]
    fn per_gpu_weights_times_gpus_cover_the_model(k in knobs()) {
        let p = plan_of(&spec_value(&k))?;
        let gpus = (1u64 << k.tp_pow) * k.pp;
        prop_assert!(
            u128::from(p.weights.per_gpu_bytes.get()) * u128::from(gpus) >= u128::from(p.weights.total_bytes.get()),
            "{} x {gpus} < {}", p.weights.per_gpu_bytes.get(), p.weights.total_bytes.get()
        );
    }

    #[test]
    fn findings_do_not_depend_on_key_order(k in knobs(), seed in any::<u64>()) {
        let v = spec_value(&k);
        let reordered = shuffled(&v, seed, 0);
        prop_assume!(to_yaml(&reordered) != to_yaml(&v));
        let a = run(&to_yaml(&v));
        let b = run(&to_yaml(&reordered));
        prop_assert!(a.plan.is_some(), "{:?}", a.findings);
        prop_assert_eq!(findings_of(&a), findings_of(&b));
        prop_assert_eq!(&a.plan, &b.plan);
    }

    #[test]
    fn reports_are_deterministic(k in knobs()) {
        let text = to_yaml(&spec_value(&k));
        let render_all = || -> Result<Vec<String>, TestCaseError> {
            let a = run(&text);
            let set = build_set(&[&a], "test");
            let md = render(&set, Format::Markdown, None).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let html = render(&set, Format::Html, None).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let json = serde_json::to_string_pretty(&plan_json(&a)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            Ok(vec![md, html, json])
        };
        let first = render_all()?;
        let second = render_all()?;
        prop_assert_eq!(first, second);
    }
}

#[test]
fn the_generated_yaml_is_what_a_user_writes() {
    let k = Knobs {
        layers: 2,
        heads_pow: 3,
        kv_div_pow: 1,
        head_dim: 64,
        vocab: 1000,
        weights: 2,
        tp_pow: 0,
        pp: 1,
        max_model_len: 4096,
        classes: vec![(100, 10, 1)],
        utilization_pct: 90,
        gpu_gib: 80,
    };
    let text = to_yaml(&spec_value(&k));
    assert!(
        text.starts_with("apiVersion: \"memmath/v1\"\nkind: \"Serving\"\n"),
        "{text}"
    );
    assert!(
        text.contains("  classes:\n    -\n      name: \"class-0\"\n"),
        "{text}"
    );
    let a = run(&text);
    assert!(a.plan.is_some(), "{:?}", a.findings);
}
