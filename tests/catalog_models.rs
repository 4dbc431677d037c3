//! Every catalogue entry loads, resolves through the same path as a user's spec
//! and passes the same validation; parameter counts match their publishers'.

use memmath::catalog::{gpus, models, params, resolve, validate, MemoryFiles, Resolved};
use memmath::diagnostics::Finding;
use memmath::spec::Spec;
use serde_json::json;
use std::path::Path;

fn spec(model: serde_json::Value, gpu: serde_json::Value) -> Spec {
    let v = json!({
        "apiVersion": "memmath/v1",
        "kind": "Serving",
        "metadata": {"name": "t"},
        "model": model,
        "hardware": {"gpu": gpu},
    });
    match serde_json::from_value(v) {
        Ok(s) => s,
        Err(e) => panic!("test spec does not deserialize: {e}"),
    }
}

fn run(s: &Spec) -> (Option<Resolved>, Vec<Finding>) {
    resolve(s, Path::new("/specs"), &MemoryFiles::new())
}

#[test]
fn catalogues_are_big_enough_and_ids_unique() {
    let m = models::models().unwrap_or_default();
    let g = gpus::gpus().unwrap_or_default();
    assert!(m.len() >= 30, "{} models", m.len());
    assert!(g.len() >= 25, "{} gpus", g.len());
    let mut ids: Vec<&str> = m.iter().map(|e| e.id.as_str()).collect();
    ids.extend(g.iter().map(|e| e.entry.id.as_str()));
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate ids");
}

#[test]
fn every_model_preset_resolves_and_validates() {
    for entry in models::models().unwrap_or_default() {
        let s = spec(
            json!({"preset": entry.id, "weights": {}}),
            json!("h100-sxm-80gb"),
        );
        let (resolved, findings) = run(&s);
        assert!(findings.is_empty(), "{}: {findings:?}", entry.id);
        let Some(r) = resolved else {
            panic!("{} did not resolve", entry.id)
        };
        assert!(validate::problems(&r.model.architecture).is_empty());
        assert!(
            entry.source.contains(&entry.hf_repo),
            "{} cites its repo",
            entry.id
        );
    }
}

#[test]
fn every_gpu_resolves_with_sourced_figures() {
    for g in gpus::gpus().unwrap_or_default() {
        let s = spec(
            json!({"preset": "llama-3.1-8b", "weights": {}}),
            json!(g.entry.id),
        );
        let (resolved, findings) = run(&s);
        assert!(findings.is_empty(), "{}: {findings:?}", g.entry.id);
        let Some(r) = resolved else {
            panic!("{} did not resolve", g.entry.id)
        };
        assert!(r.gpu.memory_bytes.get() > 10 << 30, "{}", g.entry.id);
        if let Some(nvml) = r.gpu.nvml_memory_bytes {
            // NVML includes driver-reserved memory; CUDA sees less (design.md 4b).
            assert!(nvml > r.gpu.memory_bytes, "{}", g.entry.id);
        }
        assert!(!g.entry.source.is_empty());
    }
}

#[test]
fn h100_sxm_figures() {
    let g = gpus::gpus().unwrap_or_default();
    let h100 = gpus::find(g, "h100-sxm-80gb").map(|g| g.info());
    let Some(h100) = h100 else {
        panic!("h100-sxm-80gb missing")
    };
    // 81,559 MiB in nvidia-smi; 79.11 GiB = 84,943,715,696 bytes (floored) to CUDA.
    assert_eq!(
        h100.nvml_memory_bytes.map(|b| b.get()),
        Some(81_559 * 1024 * 1024)
    );
    assert_eq!(h100.memory_bytes.get(), 84_943_715_696);
    assert_eq!(h100.compute_capability.as_deref(), Some("9.0"));
    assert_eq!(h100.fp8, Some(true));
}

/// Published totals, each with its source. Stored exact counts are checked too.
const PUBLISHED: &[(&str, u64, &str)] = &[
    (
        "deepseek-v3",
        671_000_000_000,
        "DeepSeek-V3 Technical Report: 671B total parameters",
    ),
    (
        "deepseek-r1",
        671_000_000_000,
        "DeepSeek-R1 model card: 671B total parameters",
    ),
    (
        "deepseek-v2-lite",
        15_700_000_000,
        "DeepSeek-V2-Lite model card: 15.7B total parameters",
    ),
    (
        "gpt-oss-20b",
        21_000_000_000,
        "OpenAI gpt-oss model card: 21B parameters",
    ),
    (
        "gpt-oss-120b",
        117_000_000_000,
        "OpenAI gpt-oss model card: 117B parameters",
    ),
    (
        "qwen3-coder-480b-a35b",
        480_000_000_000,
        "Qwen3-Coder model card: 480B total parameters",
    ),
    (
        "qwen2-57b-a14b",
        57_000_000_000,
        "Qwen2 model card: 57B total parameters",
    ),
    (
        "gemma-3-27b",
        27_000_000_000,
        "Gemma 3 model card: 27B (text stack; vision tower ~0.4B)",
    ),
];

fn within_one_percent(estimate: u64, published: u64) -> bool {
    let diff = estimate.abs_diff(published) as u128;
    diff * 100 <= published as u128
}

#[test]
fn parameter_formula_matches_published_counts() {
    let catalog = models::models().unwrap_or_default();
    let mut checked = 0;
    for entry in catalog {
        let s = spec(
            json!({"preset": entry.id, "weights": {}}),
            json!("h100-sxm-80gb"),
        );
        let Some(r) = run(&s).0 else {
            panic!("{}", entry.id)
        };
        let a = &r.model.architecture;
        let estimate = params::estimate(a).unwrap_or(0);
        let published = a
            .parameters
            .map(|p| (p, entry.parameters_source.clone().unwrap_or_default()))
            .or_else(|| {
                PUBLISHED
                    .iter()
                    .find(|(id, _, _)| *id == entry.id)
                    .map(|(_, p, s)| (*p, s.to_string()))
            });
        if let Some((count, source)) = published {
            assert!(!source.is_empty(), "{}: count without a source", entry.id);
            assert!(
                within_one_percent(estimate, count),
                "{}: formula {estimate} vs published {count} ({source})",
                entry.id
            );
            checked += 1;
        }
    }
    assert!(checked >= 28, "only {checked} models checked");
}

#[test]
fn exact_published_counts_are_stored() {
    let m = models::models().unwrap_or_default();
    let count = |id: &str| models::find(m, id).and_then(|e| e.architecture.parameters);
    assert_eq!(count("llama-3.1-8b"), Some(8_030_261_248));
    assert_eq!(count("llama-3.1-70b"), Some(70_553_706_496));
    // Dense Llama: the formula is exact, not just within tolerance.
    let s = spec(
        json!({"preset": "llama-3.1-70b", "weights": {}}),
        json!("h100-sxm-80gb"),
    );
    let a = run(&s).0.map(|r| r.model.architecture);
    assert_eq!(a.as_ref().and_then(params::estimate), Some(70_553_706_496));
}

#[test]
fn preset_weights_default_and_spec_override() {
    let s = spec(
        json!({"preset": "gpt-oss-120b", "weights": {}}),
        json!("h100-sxm-80gb"),
    );
    let w = run(&s).0.map(|r| r.model.weights);
    assert_eq!(
        w.map(|w| (w.dtype.as_str(), w.quantization.as_str(), w.group_size)),
        Some(("mxfp4", "mxfp4", Some(32)))
    );
    let s = spec(
        json!({"preset": "deepseek-v3", "weights": {"dtype": "bf16"}}),
        json!("h100-sxm-80gb"),
    );
    let w = run(&s).0.map(|r| r.model.weights);
    assert_eq!(
        w.map(|w| (w.dtype.as_str(), w.quantization.as_str())),
        Some(("bf16", "none"))
    );
}

#[test]
fn architecture_fields_override_the_preset() {
    let s = spec(
        json!({"preset": "llama-3.1-70b", "architecture": {"max_position_embeddings": 8192, "layers": 40}, "weights": {}}),
        json!("h100-sxm-80gb"),
    );
    let a = run(&s).0.map(|r| r.model.architecture);
    let Some(a) = a else {
        panic!("did not resolve")
    };
    assert_eq!(
        (a.layers, a.max_position_embeddings, a.hidden_size),
        (40, Some(8192), 8192)
    );
}

#[test]
fn unknown_preset_suggests_nearest_ids() {
    let s = spec(
        json!({"preset": "llama-3.1-80b", "weights": {}}),
        json!("h100-sxm-80gb"),
    );
    let (r, f) = run(&s);
    assert!(r.is_none());
    let f = f.first().cloned();
    let Some(f) = f else { panic!("no finding") };
    assert_eq!(
        (f.code.as_str(), f.name.as_str(), f.pointer.as_str()),
        ("CAT001", "unknown-preset", "/model/preset")
    );
    assert!(
        f.message.contains("`llama-3.1-8b`") || f.message.contains("`llama-3.1-70b`"),
        "{}",
        f.message
    );
}

#[test]
fn unknown_gpu_id_suggests_nearest_ids() {
    let s = spec(
        json!({"preset": "llama-3.1-8b", "weights": {}}),
        json!("h100-sxm"),
    );
    let (r, f) = run(&s);
    assert!(r.is_none());
    let Some(f) = f.first() else {
        panic!("no finding")
    };
    assert_eq!(
        (f.code.as_str(), f.pointer.as_str()),
        ("CAT001", "/hardware/gpu")
    );
    assert!(f.message.contains("`h100-sxm-80gb`"), "{}", f.message);
}

#[test]
fn inline_gpu_matched_by_name_fills_capability() {
    let s = spec(
        json!({"preset": "llama-3.1-8b", "weights": {}}),
        json!({"name": "NVIDIA H100 80GB HBM3", "memory": "79.2GiB"}),
    );
    let (r, f) = run(&s);
    assert!(f.is_empty(), "{f:?}");
    let Some(g) = r.map(|r| r.gpu) else {
        panic!("did not resolve")
    };
    assert_eq!(g.compute_capability.as_deref(), Some("9.0"));
    assert_eq!(g.fp8, Some(true));
    assert_eq!(
        g.memory_bytes.get(),
        85_040_352_460,
        "the user's own figure stays"
    );
    let s = spec(
        json!({"preset": "llama-3.1-8b", "weights": {}}),
        json!({"name": "Mystery Accelerator", "memory": "64GiB"}),
    );
    let (r, f) = run(&s);
    assert!(r.is_some());
    assert_eq!(f.first().map(|f| f.code.as_str()), Some("CAT010"));
}

#[test]
fn inline_architecture_is_validated_like_presets() {
    let s = spec(
        json!({"architecture": {"layers": 2, "hidden_size": 64, "intermediate_size": 128,
            "attention_heads": 6, "kv_heads": 4, "vocab_size": 100}, "weights": {}}),
        json!("t4-16gb"),
    );
    let (r, f) = run(&s);
    assert!(r.is_none());
    assert_eq!(
        f.first().map(|f| (f.code.as_str(), f.pointer.as_str())),
        Some(("CAT007", "/model/architecture"))
    );
}

#[test]
fn preset_and_hf_config_together_conflict() {
    let s = spec(
        json!({"preset": "llama-3.1-8b", "hf_config": "c.json", "weights": {}}),
        json!("t4-16gb"),
    );
    let (r, f) = run(&s);
    assert!(r.is_none());
    assert_eq!(f.first().map(|f| f.code.as_str()), Some("CAT008"));
}

#[test]
fn every_code_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/catalog.md"))
        .unwrap_or_default();
    // The registry's catalogue rows, and HST004: a rule code the safetensors
    // importer also emits, documented with them.
    let catalog = memmath::codes::all()
        .iter()
        .filter(|c| c.kind == memmath::codes::Kind::Catalog)
        .chain([&memmath::codes::HST004]);
    for c in catalog {
        let row = format!("| {} | {} | {} |", c.code, c.name, c.severity.as_str());
        assert!(doc.contains(&row), "docs/catalog.md lacks `{row}`");
    }
}
