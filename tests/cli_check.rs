//! `memmath check` end to end: exit codes 0/1/2, --fail-on/--exit-zero, every
//! output format, the folder walk, and hostile input that must never panic.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn memmath() -> Command {
    let mut c = Command::cargo_bin("memmath").unwrap_or_else(|e| panic!("{e}"));
    c.env("NO_COLOR", "1");
    c
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
    p
}

fn json_out(args: &[&str]) -> (Value, i32) {
    let out = memmath()
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (v, out.status.code().unwrap_or(-1))
}

#[test]
fn misspelled_field_exits_1_with_suggestion() {
    let f = fixture("sch001_unknown_field.yaml");
    memmath()
        .arg("check")
        .arg(&f)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("SCH001"))
        .stdout(predicate::str::contains("sch001_unknown_field.yaml:11:5"))
        .stdout(predicate::str::contains("did you mean `kv_heads`?"));
}

#[test]
fn billion_laughs_is_syn003_quickly() {
    let start = Instant::now();
    memmath()
        .args(["check", "--output-format", "concise"])
        .arg(fixture("syn003_billion_laughs.yaml"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("SYN003"));
    // Well under a second in a release build; generous for a debug build on a busy machine.
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn hostile_inputs_are_findings_not_panics() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    let mut deep = b"a: ".to_vec();
    deep.extend(std::iter::repeat_n(b'[', 10_000));
    let mut block = String::new();
    for i in 0..10_000 {
        block.push_str(&" ".repeat(i % 200));
        block.push_str("- \n");
    }
    let cases: Vec<(PathBuf, &str)> = vec![
        (write(d, "deep.yaml", &deep), "SYN003"),
        (
            write(d, "deep_block.yaml", &"- ".repeat(10_000).into_bytes()),
            "SYN003",
        ),
        (
            write(d, "junk.yaml", &[0xff, 0xfe, 0x00, 0x12, 0x80, b'a', 0xc3]),
            "SYN001",
        ),
        (write(d, "empty.yaml", b""), "SYN001"),
        (
            write(d, "nul.yaml", b"apiVersion: memmath/v1\x00\n"),
            "SYN001",
        ),
        (write(d, "scalar.yaml", b"just a string\n"), "SCH003"),
        (write(d, "list.yaml", b"- 1\n- 2\n"), "SCH003"),
        (
            write(
                d,
                "nan.yaml",
                b"apiVersion: memmath/v1\nkind: Serving\nserving: {gpu_memory_utilization: .nan}\n",
            ),
            "SCH",
        ),
        (
            write(
                d,
                "huge_int.yaml",
                b"apiVersion: memmath/v1\nx: 99999999999999999999999999\n",
            ),
            "SCH004",
        ),
        (write(d, "big.yaml", &vec![b'#'; 1_100_000]), "SYN003"),
        (write(d, "tab.yaml", b"a:\n\tb: 1\n"), "SYN001"),
    ];
    // Every renderer copes with every hostile file (empty text, offsets at the end).
    for format in ["full", "concise", "json", "sarif", "github", "markdown"] {
        memmath()
            .args(["check", "--output-format", format])
            .args(cases.iter().map(|(p, _)| p))
            .assert()
            .code(1);
    }
    for (path, code) in cases {
        let out = memmath()
            .args(["check", "--output-format", "concise"])
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}: {stdout}{}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains(code),
            "{}: expected {code}: {stdout}",
            path.display()
        );
    }
}

#[test]
fn examples_have_no_input_findings() {
    let specs = concat!(env!("CARGO_MANIFEST_DIR"), "/specs");
    let (v, _) = json_out(&["check", specs, "--output-format", "json"]);
    let bad: Vec<&Value> = v
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| {
                    f["code"]
                        .as_str()
                        .is_some_and(|c| c.starts_with("SYN") || c.starts_with("SCH"))
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(bad.is_empty(), "{bad:?}");
}

#[test]
fn examples_pass_cleanly() {
    memmath()
        .args(["check", concat!(env!("CARGO_MANIFEST_DIR"), "/specs")])
        .assert()
        .code(0);
}

#[test]
fn tool_failures_exit_2() {
    memmath()
        .args(["check", "no/such/spec.yaml"])
        .assert()
        .code(2);
    memmath()
        .args(["check", "--exit-zero", "no/such/spec.yaml"])
        .assert()
        .code(2);
    memmath().args(["check", "--no-such-flag"]).assert().code(2);
    memmath()
        .args(["check", "--output-format", "xml"])
        .arg(fixture("valid_base.yaml"))
        .assert()
        .code(2);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let spec = write(dir.path(), "a.yaml", b"apiVersion: memmath/v1\n");
    write(dir.path(), "memmath.toml", b"select = 3\n");
    memmath()
        .arg("check")
        .arg(&spec)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("memmath.toml"));
    let cfg = write(dir.path(), "other.toml", b"[severity]\nMEM001 = \"loud\"\n");
    memmath()
        .arg("check")
        .arg("--config")
        .arg(&cfg)
        .arg(&spec)
        .assert()
        .code(2);
}

#[test]
fn exit_zero_and_fail_on() {
    let f = fixture("sch001_unknown_field.yaml");
    memmath()
        .arg("check")
        .arg("--exit-zero")
        .arg(&f)
        .assert()
        .code(0);
    for level in ["error", "warning", "info"] {
        memmath()
            .args(["check", "--fail-on", level])
            .arg(&f)
            .assert()
            .code(1);
    }
}

#[test]
fn empty_walk_warns_and_exits_0() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write(
        dir.path(),
        "deploy.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\n",
    );
    memmath()
        .arg("check")
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("no memmath specs found"));
    // No PATHS: the current folder.
    memmath()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .code(0)
        .stderr(predicate::str::contains("warning"));
}

#[test]
fn walk_lints_memmath_files_including_wrong_versions() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write(
        dir.path(),
        "deploy.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\n",
    );
    write(dir.path(), "future.yml", b"apiVersion: memmath/v9\n");
    let (v, code) = json_out(&[
        "check",
        "--format",
        "json",
        &dir.path().display().to_string(),
    ]);
    assert_eq!(code, 1);
    let findings = v.as_array().cloned().unwrap_or_default();
    assert!(findings.iter().all(|f| f["file"]
        .as_str()
        .is_some_and(|s| s.ends_with("future.yml"))));
    assert!(findings
        .iter()
        .any(|f| f["code"] == "SCH005" && f["line"] == 1 && f["column"] == 13));
}

#[test]
fn json_format_has_the_contract_keys() {
    let (v, code) = json_out(&[
        "check",
        "--output-format",
        "json",
        &fixture("sch001_unknown_field.yaml").display().to_string(),
    ]);
    assert_eq!(code, 1);
    let first = &v[0];
    for key in [
        "code", "name", "severity", "message", "fix", "file", "pointer", "line", "column",
    ] {
        assert!(first.get(key).is_some(), "missing {key}: {first}");
    }
    assert_eq!(first["code"], "SCH001");
    assert_eq!(first["name"], "unknown-field");
    assert_eq!(first["pointer"], "/model/architecture/kv_haeds");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(11), Some(5))
    );
}

#[test]
fn every_format_renders() {
    let f = fixture("sch001_unknown_field.yaml").display().to_string();
    let run = |fmt: &str| {
        let out = memmath()
            .args(["check", "--output-format", fmt, &f])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(1), "{fmt}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let full = run("full");
    assert!(
        full.contains("× unknown field `kv_haeds`") && full.contains("help: did you mean"),
        "{full}"
    );
    assert!(!full.contains('\u{1b}'), "colour despite NO_COLOR: {full}");
    let concise = run("concise");
    assert!(concise.lines().next().is_some_and(|l| l.ends_with(
        "sch001_unknown_field.yaml:11:5: SCH001 [error] unknown field `kv_haeds` in `model.architecture`"
    )), "{concise}");
    let github = run("github");
    assert!(github.starts_with("::error file="), "{github}");
    assert!(
        github.contains(",line=11,col=5,title=SCH001 unknown-field::"),
        "{github}"
    );
    let md = run("markdown");
    assert!(
        md.contains("| Severity | Code | Location | Message | Fix |"),
        "{md}"
    );
    let sarif: Value = serde_json::from_str(&run("sarif")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sarif["version"], "2.1.0");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "SCH001");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(11), Some(5))
    );
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(rules.iter().any(|r| r["id"] == "SYN003"));
    let idx = result["ruleIndex"].as_u64().unwrap_or(u64::MAX) as usize;
    assert_eq!(
        rules.get(idx).map(|r| r["id"].clone()),
        Some(Value::from("SCH001"))
    );
}

#[test]
fn statistics_count_codes() {
    memmath()
        .args(["check", "--statistics"])
        .arg(fixture("sch001_unknown_field.yaml"))
        .arg(fixture("sch005_enum.yaml"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("1\tSCH001\tunknown-field"))
        .stdout(predicate::str::contains("1\tSCH005\tinvalid-value"));
}

#[test]
fn select_ignore_and_inline_flags_parse() {
    memmath()
        .args([
            "check",
            "--select",
            "MEM001,MEM002",
            "--ignore",
            "TRF003",
            "--no-inline-ignores",
        ])
        .arg(fixture("sch001_unknown_field.yaml"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("SCH001"));
}

/// SARIF artifact URIs are relative to the working directory even when the
/// spec was named by its absolute path (code scanning resolves them against
/// the checkout).
#[test]
fn sarif_uris_are_relative_to_the_working_directory() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let abs = root.join("tests/fixtures/sch001_unknown_field.yaml");
    let out = memmath()
        .current_dir(root)
        .args(["check", "--output-format", "sarif"])
        .arg(&abs)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    let uri = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"];
    assert_eq!(uri, "tests/fixtures/sch001_unknown_field.yaml");
    let ids: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["id"].as_str()).collect())
        .unwrap_or_default();
    for code in ["MEM000", "CAT001", "CAT010", "HW003", "SYN001", "MEM003"] {
        assert!(ids.contains(&code), "no SARIF rule metadata for {code}");
    }
}

/// Markdown shows `TP>=2` as written: escaped with backslashes where Markdown
/// needs it, never as HTML entities; the HTML report still escapes.
#[test]
fn markdown_reports_show_comparisons_without_html_entities() {
    let report = |format: &str| {
        let out = memmath()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "report",
                "specs/llama-3.1-70b-fp8-4xh100.yaml",
                "--format",
                format,
            ])
            .output()
            .expect("runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let md = report("md");
    assert!(md.contains("TP>=4"), "{md}");
    assert!(
        !md.contains("&gt;") && !md.contains("&lt;") && !md.contains("&amp;"),
        "{md}"
    );
    let html = report("html");
    assert!(
        html.contains("TP&gt;=4") && !html.contains("TP>=4"),
        "HTML must escape"
    );
}

/// `verify` exits like `check`: `--fail-on` picks the threshold and
/// `--exit-zero` turns 1 into 0.
#[test]
fn verify_takes_fail_on_and_exit_zero() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let spec = root.join("specs/llama-3.1-8b-h100.yaml");
    let run = |spec: &Path, snapshot: &str, extra: &[&str]| {
        memmath()
            .current_dir(root)
            .env_remove("MEMMATH_NVML_LIBRARY")
            .arg("verify")
            .arg(spec)
            .args(["--probe-snapshot", snapshot])
            .args(extra)
            .output()
            .expect("runs")
            .status
            .code()
    };
    let busy = "tests/fixtures/snapshots/h100x1-busy.json";
    assert_eq!(run(&spec, busy, &[]), Some(1), "HW002, HW003 are errors");
    assert_eq!(run(&spec, busy, &["--exit-zero"]), Some(0));
    let idle = "tests/fixtures/snapshots/h100x8-idle.json";
    assert_eq!(run(&spec, idle, &["--fail-on", "info"]), Some(0));
    // The same findings as warnings: 0 by default, 1 with --fail-on warning.
    let dir = tempfile::tempdir().expect("tempdir");
    let warn = write(
        dir.path(),
        "spec.yaml",
        &std::fs::read(&spec).expect("spec"),
    );
    write(
        dir.path(),
        "memmath.toml",
        b"[severity]\nHW002 = \"warning\"\nHW003 = \"warning\"\n",
    );
    assert_eq!(run(&warn, busy, &[]), Some(0));
    assert_eq!(run(&warn, busy, &["--fail-on", "warning"]), Some(1));
    assert_eq!(
        run(&warn, busy, &["--fail-on", "warning", "--exit-zero"]),
        Some(0)
    );
}
