//! `memmath report` through the binary: formats, `-o`, `--template-dir`
//! (override and template errors exit 2), `--fail-on`, and several specs at once.

use assert_cmd::Command;
use std::path::Path;

/// A spec that is schema-invalid however far the pipeline gets: the report
/// still renders (findings are content) and exits 0 without `--fail-on`.
const BROKEN: &str = "apiVersion: memmath/v1\nkind: Nope\nmetadata:\n  name: broken\n";

fn memmath() -> Command {
    Command::cargo_bin("memmath").unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn markdown_html_and_json_render_and_exit_zero() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "broken.yaml", BROKEN);
    let md = memmath()
        .args(["report", &spec, "--format", "md"])
        .output()
        .unwrap();
    assert_eq!(md.status.code(), Some(0));
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.contains("**Verdict: not planned.**"), "{md}");
    let out = dir.path().join("r.html");
    let html = memmath()
        .args([
            "report",
            &spec,
            "--format",
            "html",
            "-o",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(html.status.code(), Some(0));
    assert!(html.stdout.is_empty());
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"));
    let json = memmath()
        .args(["report", &spec, "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(v["findings"].is_array());
}

#[test]
fn same_input_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "broken.yaml", BROKEN);
    for fmt in ["md", "html", "json"] {
        let a = memmath()
            .args(["report", &spec, "--format", fmt])
            .output()
            .unwrap()
            .stdout;
        let b = memmath()
            .args(["report", &spec, "--format", fmt])
            .output()
            .unwrap()
            .stdout;
        assert_eq!(a, b, "{fmt}");
    }
}

#[test]
fn template_dir_overrides_and_template_errors_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "broken.yaml", BROKEN);
    let tpl = dir.path().join("tpl");
    std::fs::create_dir(&tpl).unwrap();
    write(
        &tpl,
        "report.md.j2",
        "{% for r in reports %}custom {{ r.file }}{% endfor %}",
    );
    let out = memmath()
        .args([
            "report",
            &spec,
            "--format",
            "md",
            "--template-dir",
            tpl.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("custom "));
    write(&tpl, "report.md.j2", "{{ reports[0].no_such_key }}");
    let out = memmath()
        .args([
            "report",
            &spec,
            "--format",
            "md",
            "--template-dir",
            tpl.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("template error"));
    // No report.html.j2 in the folder: the tool failed, exit 2.
    let out = memmath()
        .args([
            "report",
            &spec,
            "--format",
            "html",
            "--template-dir",
            tpl.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn fail_on_turns_findings_into_exit_one() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "broken.yaml", BROKEN);
    let plain = memmath().args(["report", &spec]).output().unwrap();
    assert_eq!(plain.status.code(), Some(0));
    let json = memmath()
        .args(["report", &spec, "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let has_error = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["severity"] == "error");
    let failing = memmath()
        .args(["report", &spec, "--fail-on", "error"])
        .output()
        .unwrap();
    assert_eq!(failing.status.code(), Some(if has_error { 1 } else { 0 }));
}

#[test]
fn several_specs_get_a_summary_table() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.yaml", BROKEN);
    let b = write(dir.path(), "b.yaml", &BROKEN.replace("broken", "other"));
    let out = memmath()
        .args(["report", &a, &b, "--format", "md"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("# Capacity reports"), "{md}");
    assert!(md.contains("| Deployment | GPUs | Fits | Headroom (spare per GPU) | Worst finding |"));
    let json = memmath()
        .args(["report", &a, &b, "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v.as_array().map(Vec::len), Some(2));
}
