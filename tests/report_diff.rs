//! `memmath diff`: two plans computed from the committed fixture
//! tests/report_fixtures/serving-dense.yaml with a known change (fp8 -> bf16 KV
//! cache halves the KV capacity and the traffic stops fitting), through the
//! library and the CLI with JSON plans on both sides; and a change to
//! max_model_len alone, which the headline names.

mod report_support;

use report_support as common;

use memmath::pipeline::Analysis;
use memmath::report::diff::{diff, to_json, to_markdown, DiffSide, MARKER};
use serde_json::{json, Value};

fn base() -> Analysis {
    common::analysis("serving-dense")
}

/// The head: a bf16 KV cache doubles bytes per token, halving every capacity,
/// so the classes no longer fit and a finding appears.
fn head() -> Analysis {
    let text = common::fixture_text("serving-dense");
    assert!(text.contains("  kv_cache_dtype: fp8\n"));
    common::analyze_text(
        "tests/report_fixtures/serving-dense.yaml",
        &text.replace("  kv_cache_dtype: fp8\n", "  kv_cache_dtype: bf16\n"),
    )
}

fn json_plan(a: &Analysis) -> String {
    serde_json::to_string_pretty(&memmath::report::plan_json(a)).unwrap()
}

#[test]
fn known_change_headline_and_deltas() {
    let base = DiffSide::from_analysis(&base());
    let head = DiffSide::from_analysis(&head());
    let d = diff(&base, &head);
    assert_eq!(
        d.headline,
        "KV capacity -50%: chat, long-doc no longer fit; 3 findings added"
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
            "| long-doc | 124,000 | 4.73 GiB → 9.46 GiB (+100%) | 5 | 12 → 2 (-83%) | yes → no | changed |"
        ),
        "{md}"
    );
    assert!(
        md.contains("| KV bytes per token (per GPU) | 40.0 KiB")
            || md.contains("KV bytes per token"),
        "{md}"
    );
    assert!(
        md.contains("**error MEM002** `kv-cache-exceeds-budget`"),
        "{md}"
    );
    common::assert_golden("diff.md", &md);
    let j = to_json(&d);
    assert_eq!(j["headline"], json!(d.headline));
    assert_eq!(j["findings_added"][0]["code"], json!("MEM002"));
}

#[test]
fn identical_sides_say_no_change() {
    let a = DiffSide::from_analysis(&base());
    let d = diff(&a, &a);
    assert_eq!(d.headline, "no change in memory, capacity or findings");
    assert!(d.findings_added.is_empty() && d.findings_resolved.is_empty());
}

#[test]
fn json_plans_on_both_sides_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.json");
    let head = dir.path().join("head.json");
    std::fs::write(&base, json_plan(&self::base())).unwrap();
    std::fs::write(&head, json_plan(&self::head())).unwrap();
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
        md.contains("**KV capacity -50%: chat, long-doc no longer fit; 3 findings added**"),
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

#[test]
fn a_max_model_len_change_says_what_changed() {
    let text = common::fixture_text("serving-dense");
    assert!(text.contains("  max_model_len: 131072\n"));
    let head = common::analyze_text(
        "tests/report_fixtures/serving-dense.yaml",
        &text.replace("  max_model_len: 131072\n", "  max_model_len: 126976\n"),
    );
    let d = diff(
        &DiffSide::from_analysis(&base()),
        &DiffSide::from_analysis(&head),
    );
    assert!(
        d.headline.starts_with(
            "max_model_len (tokens) 131,072 → 126,976, max concurrency at max_model_len "
        ),
        "{}",
        d.headline
    );
    assert!(
        d.headline.ends_with("; every class keeps its verdict"),
        "{}",
        d.headline
    );
    assert!(!d.headline.contains("memory changed"), "{}", d.headline);
}
