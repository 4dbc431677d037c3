//! `memmath catalog gpus|models [--format table|json]`.

use assert_cmd::Command;

fn run(args: &[&str]) -> String {
    let out = match Command::cargo_bin("memmath") {
        Ok(mut c) => c.args(args).assert().success().get_output().stdout.clone(),
        Err(e) => panic!("binary: {e}"),
    };
    String::from_utf8(out).unwrap_or_default()
}

#[test]
fn tables_list_every_entry_with_sources() {
    let gpus = run(&["catalog", "gpus"]);
    assert!(gpus.starts_with("ID "));
    assert!(gpus.lines().count() > 25, "{gpus}");
    assert!(
        gpus.contains("h100-sxm-80gb") && gpus.contains("81559 MiB") && gpus.contains("SOURCE")
    );
    let models = run(&["catalog", "models"]);
    assert!(models.lines().count() > 30);
    assert!(models.contains("llama-3.1-70b") && models.contains("huggingface.co/meta-llama"));
}

#[test]
fn json_arrays_and_the_output_format_alias() {
    for (what, min) in [("gpus", 25), ("models", 30)] {
        for flag in ["--format", "--output-format"] {
            let text = run(&["catalog", what, flag, "json"]);
            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let n = v.as_array().map_or(0, Vec::len);
            assert!(n >= min, "{what} {flag}: {n}");
        }
    }
    let v: serde_json::Value =
        serde_json::from_str(&run(&["catalog", "gpus", "--format", "json"])).unwrap_or_default();
    let h100 = v
        .as_array()
        .and_then(|a| a.iter().find(|g| g["id"] == "h100-sxm-80gb"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(h100["nvml_memory_bytes"], 81_559u64 * 1024 * 1024);
    assert_eq!(h100["compute_capability"], "9.0");
}

#[test]
fn output_is_deterministic() {
    assert_eq!(
        run(&["catalog", "models", "--format", "json"]),
        run(&["catalog", "models", "--format", "json"])
    );
}

#[test]
fn unknown_catalogue_is_a_usage_error() {
    if let Ok(mut c) = Command::cargo_bin("memmath") {
        c.args(["catalog", "tpus"]).assert().code(2);
    }
}

/// A spec naming a mistyped preset fails `check` with CAT001 on the preset line.
#[test]
fn check_reports_an_unknown_preset_on_its_line() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let spec = dir.path().join("s.yaml");
    std::fs::write(
        &spec,
        "apiVersion: memmath/v1\nkind: Serving\nmetadata:\n  name: t\nmodel:\n  preset: llama-3.1-80b\n  weights:\n    dtype: bf16\nhardware:\n  gpu: h100-sxm-80gb\nserving:\n  engine: vllm\n  max_model_len: 8192\n",
    )?;
    let out = match Command::cargo_bin("memmath") {
        Ok(mut c) => c
            .args(["check", "--output-format", "json"])
            .arg(&spec)
            .assert()
            .code(1)
            .get_output()
            .stdout
            .clone(),
        Err(e) => panic!("binary: {e}"),
    };
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap_or_default();
    let text = v.to_string();
    assert!(
        text.contains("CAT001") && text.contains("/model/preset"),
        "{text}"
    );
    assert!(
        text.contains("llama-3.1-8b") || text.contains("llama-3.1-70b"),
        "{text}"
    );
    Ok(())
}
