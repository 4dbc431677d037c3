//! `memmath diff`: two plans with a known change (fp8 -> bf16 KV cache halves
//! the KV capacity and long-doc stops fitting), through the library and the CLI
//! with JSON plans on both sides.

mod report_support;

use report_support as common;

use memmath::report::diff::{diff, to_json, to_markdown, DiffSide, MARKER};
use serde_json::{json, Value};

fn fixture() -> Value {
    let text =
        std::fs::read_to_string(common::root().join("tests/report_fixtures/serving-dense.json"))
            .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The head: a bf16 KV cache doubles bytes per token, halving every capacity;
/// long-doc no longer fits and a finding appears.
fn head_fixture() -> Value {
    let mut v = fixture();
    let p = &mut v["plan"];
    p["kv_cache"]["dtype"] = json!("bf16");
    for k in ["bytes_per_token_per_gpu", "bytes_per_token"] {
        p["kv_cache"][k] = json!(p["kv_cache"][k].as_u64().unwrap() * 2);
    }
    for k in [
        "num_blocks",
        "capacity_tokens",
        "deployment_capacity_tokens",
    ] {
        p["kv_cache"][k] = json!(p["kv_cache"][k].as_u64().unwrap() / 2);
    }
    p["classes"][1]["fits"] = json!(false);
    p["classes"][1]["max_concurrency"] = json!(3);
    p["classes"][1]["kv_bytes_per_sequence"] =
        json!(p["classes"][1]["kv_bytes_per_sequence"].as_u64().unwrap() * 2);
    p["classes"][0]["max_concurrency"] = json!(100);
    v["findings"] = json!([{
        "code": "MEM002", "name": "kv-cache-exceeds-budget", "severity": "error",
        "pointer": "/traffic/classes/1/concurrency",
        "message": "long-doc needs 5 concurrent sequences, the deployment holds 3", "fix": null
    }]);
    v
}

fn json_plan(file: &str, v: &Value) -> String {
    let mut obj = v["plan"].clone();
    obj["file"] = json!(file);
    obj["findings"] = v["findings"].clone();
    serde_json::to_string_pretty(&obj).unwrap()
}

#[test]
fn known_change_headline_and_deltas() {
    let base = DiffSide::from_analysis(&common::analysis_from("base.yaml", &fixture()));
    let head = DiffSide::from_analysis(&common::analysis_from("head.yaml", &head_fixture()));
    let d = diff(&base, &head);
    assert_eq!(
        d.headline,
        "KV capacity -50%: long-doc no longer fits; 1 finding added; 1 finding resolved"
    );
    let cap = d
        .capacity
        .iter()
        .find(|r| r.key == "kv_cache.capacity_tokens")
        .unwrap();
    assert_eq!(cap.delta, Some(-(cap.base.unwrap() - cap.head.unwrap())));
    assert!((cap.change.unwrap() + 0.5).abs() < 1e-4);
    let md = to_markdown(&d);
    assert!(md.starts_with(MARKER), "{md}");
    assert!(
        md.contains(
            "| long-doc | 124,000 | 4.73 GiB → 9.46 GiB (+100%) | 5 | 14 → 3 (-79%) | yes → no | changed |"
        ),
        "{md}"
    );
    assert!(
        md.contains("| KV bytes per token (per GPU) | 40.0 KiB")
            || md.contains("KV bytes per token"),
        "{md}"
    );
    assert!(md.contains("**error MEM002** `kv-cache-exceeds-budget`"));
    common::assert_golden("diff.md", &md);
    let j = to_json(&d);
    assert_eq!(j["headline"], json!(d.headline));
    assert_eq!(j["findings_added"][0]["code"], json!("MEM002"));
}

#[test]
fn identical_sides_say_no_change() {
    let a = DiffSide::from_analysis(&common::analysis_from("a.yaml", &fixture()));
    let d = diff(&a, &a);
    assert_eq!(d.headline, "no change in memory, capacity or findings");
    assert!(d.findings_added.is_empty() && d.findings_resolved.is_empty());
}

#[test]
fn json_plans_on_both_sides_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.json");
    let head = dir.path().join("head.json");
    std::fs::write(&base, json_plan("specs/chat.yaml", &fixture())).unwrap();
    std::fs::write(&head, json_plan("specs/chat.yaml", &head_fixture())).unwrap();
    let run = |fmt: &str| {
        assert_cmd::Command::cargo_bin("memmath")
            .unwrap()
            .args([
                "diff",
                base.to_str().unwrap(),
                head.to_str().unwrap(),
                "--format",
                fmt,
            ])
            .output()
            .unwrap()
    };
    let out = run("md");
    assert_eq!(out.status.code(), Some(0));
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("<!-- memmath-diff -->\n"));
    assert!(
        md.contains(
            "**KV capacity -50%: long-doc no longer fits; 1 finding added; 1 finding resolved**"
        ),
        "{md}"
    );
    assert_eq!(
        md,
        String::from_utf8(run("md").stdout).unwrap(),
        "stable output"
    );
    let out = run("json");
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["marker"], json!("<!-- memmath-diff -->"));
    let status = assert_cmd::Command::cargo_bin("memmath")
        .unwrap()
        .args([
            "diff",
            base.to_str().unwrap(),
            head.to_str().unwrap(),
            "--fail-on",
            "error",
        ])
        .output()
        .unwrap()
        .status;
    assert_eq!(status.code(), Some(1));
}

#[test]
fn spec_files_on_both_sides() {
    // The dense example with a bf16 KV cache instead of fp8: twice the bytes per
    // token, half the KV capacity, whatever the exact plan numbers are.
    let base = common::root().join("specs/llama-3.1-70b-fp8-4xh100.yaml");
    let text = std::fs::read_to_string(&base).unwrap();
    assert!(text.contains("  kv_cache_dtype: fp8\n"));
    let dir = tempfile::tempdir().unwrap();
    let head = dir.path().join("head.yaml");
    std::fs::write(
        &head,
        text.replace("  kv_cache_dtype: fp8\n", "  kv_cache_dtype: bf16\n"),
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("memmath")
        .unwrap()
        .args([
            "diff",
            base.to_str().unwrap(),
            head.to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let headline = j["headline"].as_str().unwrap();
    assert!(headline.starts_with("KV capacity -50%"), "{headline}");
    let per_token = j["capacity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "kv_cache.bytes_per_token_per_gpu")
        .unwrap();
    assert_eq!(
        per_token["head"].as_i64(),
        per_token["base"].as_i64().map(|b| b * 2)
    );
}
