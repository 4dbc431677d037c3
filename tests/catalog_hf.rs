//! HF config.json import: each supported `model_type`'s committed config.json
//! (tests/fixtures/hf/<model_type>/config.json, copied from the named Hugging
//! Face repository) resolves to the same architecture as the equivalent preset.

mod common;

use memmath::catalog::{hf_config, resolve, Architecture, MemoryFiles, Resolved};
use memmath::diagnostics::Finding;
use memmath::spec::Spec;
use serde_json::json;
use std::path::Path;

fn spec(model: serde_json::Value) -> Spec {
    let v = json!({
        "apiVersion": "memmath/v1",
        "kind": "Serving",
        "metadata": {"name": "t"},
        "model": model,
        "hardware": {"gpu": "h100-sxm-80gb"},
    });
    match serde_json::from_value(v) {
        Ok(s) => s,
        Err(e) => panic!("test spec does not deserialize: {e}"),
    }
}

fn fixture(model_type: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/hf/{model_type}/config.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Resolve `model.hf_config: config.json` with the file's bytes at /specs/config.json.
fn import_bytes(bytes: &[u8]) -> (Option<Resolved>, Vec<Finding>) {
    let mut files = MemoryFiles::new();
    files.insert("/specs/config.json", bytes.to_vec());
    let s = spec(json!({"hf_config": "config.json", "weights": {}}));
    resolve(&s, Path::new("/specs"), &files)
}

fn preset(id: &str) -> Resolved {
    let s = spec(json!({"preset": id, "weights": {}}));
    match resolve(&s, Path::new("/specs"), &MemoryFiles::new()) {
        (Some(r), f) if f.is_empty() => r,
        (_, f) => panic!("{id}: {f:?}"),
    }
}

/// Published parameter counts live in the catalogue only; compare the rest.
fn without_count(mut a: Architecture) -> Architecture {
    a.parameters = None;
    a
}

const PAIRS: &[(&str, &str)] = &[
    ("llama", "llama-3.1-8b"),
    ("mistral", "mistral-7b-v0.1"),
    ("mixtral", "mixtral-8x7b"),
    ("qwen2", "qwen2.5-7b"),
    ("qwen2_moe", "qwen2-57b-a14b"),
    ("qwen3", "qwen3-8b"),
    ("qwen3_moe", "qwen3-30b-a3b"),
    ("deepseek_v2", "deepseek-v2-lite"),
    ("deepseek_v3", "deepseek-v3"),
    ("gemma2", "gemma-2-9b"),
    ("gemma3", "gemma-3-27b"),
    ("phi3", "phi-3-mini-4k"),
    ("gpt_oss", "gpt-oss-20b"),
];

#[test]
fn every_supported_model_type_matches_its_preset() {
    for (model_type, id) in PAIRS {
        let (r, f) = import_bytes(&fixture(model_type));
        assert!(f.is_empty(), "{model_type}: {f:?}");
        let Some(r) = r else {
            panic!("{model_type} did not resolve")
        };
        let p = preset(id);
        assert_eq!(
            without_count(r.model.architecture),
            without_count(p.model.architecture),
            "{model_type} vs {id}"
        );
    }
}

#[test]
fn every_supported_type_has_a_fixture() {
    for t in hf_config::SUPPORTED_MODEL_TYPES {
        // gemma3_text is the text-only spelling of the gemma3 fixture's text_config.
        if *t == "gemma3_text" {
            continue;
        }
        assert!(PAIRS.iter().any(|(m, _)| m == t), "no fixture for {t}");
    }
}

#[test]
fn checkpoint_formats_come_from_the_file() {
    let w = |t: &str| {
        import_bytes(&fixture(t)).0.map(|r| {
            (
                r.model.weights.dtype.as_str(),
                r.model.weights.quantization.as_str(),
                r.model.weights.group_size,
            )
        })
    };
    assert_eq!(w("gpt_oss"), Some(("mxfp4", "mxfp4", Some(32))));
    assert_eq!(w("deepseek_v3"), Some(("fp8", "fp8", Some(128))));
    assert_eq!(w("llama"), Some(("bf16", "none", None)));
    // Gemma 2's checkpoint is float32, which engines serve in 16 bits: bf16 default.
    assert_eq!(w("gemma2"), Some(("bf16", "none", None)));
    // Presets with a default format agree with the file.
    for (t, id) in [
        ("gpt_oss", "gpt-oss-20b"),
        ("deepseek_v3", "deepseek-v3"),
        ("llama", "llama-3.1-8b"),
    ] {
        let r = import_bytes(&fixture(t)).0.map(|r| r.model.weights);
        assert_eq!(r, Some(preset(id).model.weights), "{t}");
    }
}

#[test]
fn llama_3_1_8b_numbers() {
    let Some(r) = import_bytes(&fixture("llama")).0 else {
        panic!("no resolve")
    };
    let a = r.model.architecture;
    // KV bytes per token (vLLM FullAttentionSpec): 2 (K and V) x kv_heads x head_dim
    // x 2 bytes (bf16) x layers = 2 x 8 x 128 x 2 x 32 = 131,072.
    assert_eq!(2 * a.kv_heads * a.head_dim * 2 * a.layers, 131_072);
    assert_eq!(memmath::catalog::params::estimate(&a), Some(8_030_261_248));
}

#[test]
fn gpt_oss_layer_types_and_gemma3_text_config() {
    let Some(g) = import_bytes(&fixture("gpt_oss")).0 else {
        panic!()
    };
    let sw = g.model.architecture.sliding_window;
    assert_eq!(
        sw.map(|s| (s.window, s.every_nth_full)),
        Some((128, Some(2)))
    );
    let Some(g3) = import_bytes(&fixture("gemma3")).0 else {
        panic!()
    };
    let a = g3.model.architecture;
    assert_eq!(
        (a.vocab_size, a.head_dim, a.tie_word_embeddings),
        (262_208, 128, true)
    );
    assert_eq!(
        a.sliding_window.map(|s| (s.window, s.every_nth_full)),
        Some((1024, Some(6)))
    );
}

#[test]
fn qwen_sliding_window_follows_use_sliding_window() {
    let mut v: serde_json::Value = serde_json::from_slice(&fixture("qwen2")).unwrap_or_default();
    v["use_sliding_window"] = json!(true);
    v["sliding_window"] = json!(4096);
    v["max_window_layers"] = json!(20);
    let Some(r) = import_bytes(v.to_string().as_bytes()).0 else {
        panic!()
    };
    let sw = r.model.architecture.sliding_window;
    assert_eq!(
        sw.and_then(|s| s.layers),
        Some((20..28).collect::<Vec<u64>>())
    );
}

fn only_finding(bytes: &[u8]) -> Finding {
    let (r, f) = import_bytes(bytes);
    assert!(r.is_none());
    match f.as_slice() {
        [one] => one.clone(),
        other => panic!("expected one finding, got {other:?}"),
    }
}

#[test]
fn unknown_model_type_names_the_supported_ones() {
    let f = only_finding(br#"{"model_type": "falcon", "hidden_size": 4544}"#);
    assert_eq!(
        (f.code.as_str(), f.name.as_str(), f.pointer.as_str()),
        ("CAT002", "unknown-model-type", "/model/hf_config")
    );
    assert!(
        f.message.contains("`falcon`")
            && f.message.contains("llama")
            && f.message.contains("gpt_oss"),
        "{}",
        f.message
    );
}

#[test]
fn invalid_or_missing_config_is_cat003() {
    let f = only_finding(b"{not json");
    assert_eq!(
        (f.code.as_str(), f.pointer.as_str()),
        ("CAT003", "/model/hf_config")
    );
    let f = only_finding(b"[1, 2]");
    assert_eq!(f.code, "CAT003");
    let f = only_finding(br#"{"model_type": "llama", "hidden_size": "4096"}"#);
    assert_eq!(f.code, "CAT003");
    assert!(f.message.contains("hidden_size"), "{}", f.message);
    let f =
        only_finding(br#"{"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": -1}"#);
    assert!(f.message.contains("num_hidden_layers"), "{}", f.message);
    let f = only_finding(br#"{"model_type": "mistral", "num_hidden_layers": 2, "hidden_size": 8, "intermediate_size": 8, "num_attention_heads": 2}"#);
    assert!(f.message.contains("vocab_size"), "{}", f.message);
    let s = spec(json!({"hf_config": "missing/config.json", "weights": {}}));
    let (r, f) = resolve(&s, Path::new("/specs"), &MemoryFiles::new());
    assert!(r.is_none());
    assert_eq!(
        f.first().map(|f| (f.code.as_str(), f.pointer.as_str())),
        Some(("CAT003", "/model/hf_config"))
    );
}

#[test]
fn absurd_sizes_are_findings_not_overflows() {
    let mut v: serde_json::Value = serde_json::from_slice(&fixture("llama")).unwrap_or_default();
    v["hidden_size"] = json!(u64::MAX);
    v["num_hidden_layers"] = json!(u64::MAX);
    let f = only_finding(v.to_string().as_bytes());
    assert_eq!(f.code, "CAT007");
    let mut v: serde_json::Value = serde_json::from_slice(&fixture("gpt_oss")).unwrap_or_default();
    v["layer_types"] = json!(["sliding_attention"]);
    assert_eq!(only_finding(v.to_string().as_bytes()).code, "CAT003");
}

#[test]
fn spec_architecture_overrides_hf_config() {
    let mut files = MemoryFiles::new();
    files.insert("/specs/cfg/config.json", fixture("llama"));
    let s = spec(
        json!({"hf_config": "cfg/config.json", "architecture": {"max_position_embeddings": 32768}, "weights": {}}),
    );
    let (r, f) = resolve(&s, Path::new("/specs"), &files);
    assert!(f.is_empty(), "{f:?}");
    assert_eq!(
        r.and_then(|r| r.model.architecture.max_position_embeddings),
        Some(32768)
    );
}

#[test]
fn example_spec_reads_its_committed_config() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let text = std::fs::read_to_string(dir.join("llama-3.1-8b-hf-config.yaml")).unwrap_or_default();
    let s: Spec = match serde_saphyr::from_str(&text) {
        Ok(s) => s,
        Err(e) => panic!("example spec: {e}"),
    };
    let (r, f) = resolve(&s, &dir, &common::Disk::new());
    assert!(f.is_empty(), "{f:?}");
    let Some(r) = r else {
        panic!("did not resolve")
    };
    let a = &r.model.architecture;
    assert_eq!(memmath::catalog::params::estimate(a), Some(8_030_261_248));
    assert_eq!(2 * a.kv_heads * a.head_dim * 2 * a.layers, 131_072);
    assert_eq!(r.gpu.id, "h100-sxm-80gb");
    // The committed copy is the same file as the fixture.
    let fixture = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hf/llama/config.json"),
    )
    .unwrap_or_default();
    let copy = std::fs::read(dir.join("configs/llama-3.1-8b/config.json")).unwrap_or_default();
    assert_eq!(fixture, copy);
}

#[test]
fn safetensors_in_a_spec_fill_exact_weights() {
    let mut files = MemoryFiles::new();
    let header = br#"{"w":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,12]}}"#;
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header);
    bytes.extend_from_slice(&[0; 12]);
    files.insert("/specs/weights/model.safetensors", bytes);
    let s = spec(json!({"preset": "llama-3.1-8b", "safetensors": "weights", "weights": {}}));
    let (r, f) = resolve(&s, Path::new("/specs"), &files);
    assert!(f.is_empty(), "{f:?}");
    let exact = r.and_then(|r| r.model.exact_weights);
    assert_eq!(
        exact.map(|e| (e.total_bytes.get(), e.parameters, e.files)),
        Some((12, 6, 1))
    );
    let s = spec(json!({"preset": "llama-3.1-8b", "safetensors": "nope", "weights": {}}));
    let (r, f) = resolve(&s, Path::new("/specs"), &files);
    assert!(r.is_some_and(|r| r.model.exact_weights.is_none()));
    assert_eq!(
        f.first().map(|f| (f.code.as_str(), f.pointer.as_str())),
        Some(("CAT005", "/model/safetensors"))
    );
}

#[test]
fn gemma3_text_only_spelling_and_underscored_pattern() {
    let top: serde_json::Value = serde_json::from_slice(&fixture("gemma3")).unwrap_or_default();
    let mut text = top["text_config"].clone();
    text["_sliding_window_pattern"] = json!(6);
    let Some(r) = import_bytes(text.to_string().as_bytes()).0 else {
        panic!("gemma3_text")
    };
    // The text-only spelling carries no vision tower; the preset's is the
    // full checkpoint's (its `vision_config`).
    let mut p = without_count(preset("gemma-3-27b").model.architecture);
    p.layout.vision = None;
    assert_eq!(without_count(r.model.architecture), p);
}

#[test]
fn modelopt_hf_quant_config_beside_config_json() {
    // ModelOpt <= 0.29 checkpoints (e.g. nvidia/*-FP4 on Hugging Face) carry
    // no `quantization_config` in config.json and an hf_quant_config.json
    // beside it, which vLLM reads in its place
    // (vllm/transformers_utils/config.py `get_config`).
    let with = |sidecar: &str, config: &[u8]| {
        let mut files = MemoryFiles::new();
        files.insert("/specs/config.json", config.to_vec());
        files.insert("/specs/hf_quant_config.json", sidecar.as_bytes().to_vec());
        let s = spec(json!({"hf_config": "config.json", "weights": {}}));
        resolve(&s, Path::new("/specs"), &files)
    };
    let nvfp4 = r#"{"producer": {"name": "modelopt", "version": "0.29.0"},
        "quantization": {"quant_algo": "NVFP4", "kv_cache_quant_algo": "FP8", "group_size": 16}}"#;
    let (r, f) = with(nvfp4, &fixture("llama"));
    let w = r.map(|r| r.model.weights);
    assert_eq!(
        w.map(|w| (w.dtype.as_str(), w.quantization.as_str(), w.group_size)),
        Some(("nvfp4", "nvfp4", Some(16)))
    );
    assert!(f.is_empty(), "{f:?}");
    // config.json's own quantization_config wins (DeepSeek-V3: block fp8).
    let (r, _) = with(nvfp4, &fixture("deepseek_v3"));
    assert_eq!(r.map(|r| r.model.weights.group_size), Some(Some(128)));
    // An unreadable or unknown sidecar is CAT009 on model.hf_config, and the
    // format falls back to config.json's torch_dtype.
    for bad in ["{", r#"{"quantization": {"quant_algo": "INT4_AWQ"}}"#] {
        let (r, f) = with(bad, &fixture("llama"));
        assert!(f.iter().any(|f| f.code == "CAT009"), "{bad}: {f:?}");
        assert!(
            f.iter().all(|f| f.message.contains("hf_quant_config.json")),
            "{f:?}"
        );
        assert_eq!(
            r.map(|r| r.model.weights.quantization.as_str()),
            Some("none"),
            "{bad}"
        );
    }
}
