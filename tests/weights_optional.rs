//! `model.weights` may be left out when a preset (or config.json, or
//! safetensors headers) says what the weights are; with only an inline
//! architecture it is still required (SCH002).

mod common;

#[test]
fn a_preset_spec_needs_no_weights_block() {
    let text = "apiVersion: memmath/v1\nkind: Serving\nmetadata: {name: a}\nmodel: {preset: gpt-oss-20b}\nhardware: {gpu: h100-sxm-80gb}\nserving: {engine: vllm, max_model_len: 8192}\n";
    let a = common::analyze_source(memmath::source::SourceFile::new("a.yaml", text));
    assert!(a.plan.is_some(), "{:#?}", a.findings);
    // The preset's own weights (gpt-oss ships MXFP4) are the ones planned.
    let r = a.resolved.as_ref().unwrap();
    assert_eq!(format!("{:?}", r.model.weights.quantization), "Mxfp4");
}

#[test]
fn an_inline_architecture_still_needs_weights() {
    let text = "apiVersion: memmath/v1\nkind: Serving\nmetadata: {name: a}\nmodel:\n  architecture: {layers: 2, hidden_size: 64, intermediate_size: 128, attention_heads: 4, kv_heads: 4, head_dim: 16, vocab_size: 100}\nhardware: {gpu: h100-sxm-80gb}\nserving: {engine: vllm, max_model_len: 128}\n";
    let (_, findings) = common::analyze_text("a.yaml", text);
    assert!(
        findings
            .iter()
            .any(|f| f.code == "SCH002" && f.message.contains("model.weights")),
        "{findings:#?}"
    );
}
