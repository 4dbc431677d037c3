//! `memmath init`: the starter spec `check`s clean except for the traffic it
//! asks the user to fill in; it never overwrites a file; bad flags exit 2.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn memmath(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("memmath").unwrap_or_else(|e| panic!("{e}"));
    c.current_dir(dir);
    c
}

/// The codes `memmath check FILE` reports.
fn check_codes(dir: &Path, file: &str) -> Vec<String> {
    let out = memmath(dir)
        .args(["check", file, "--output-format", "json"])
        .output()
        .expect("check");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    v.as_array()
        .expect("array")
        .iter()
        .filter_map(|f| f["code"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn preset_starter_checks_clean_but_for_traffic() {
    let dir = tempfile::tempdir().expect("tempdir");
    memmath(dir.path())
        .args([
            "init",
            "--preset",
            "llama-3.1-70b",
            "--gpu",
            "h100-sxm-80gb",
            "--engine",
            "vllm",
        ])
        .args(["--host-memory", "2TiB", "-o", "chat.yaml"])
        .assert()
        .success()
        .stderr(predicates::str::contains("TRF002"))
        .stderr(predicates::str::contains("traffic"));
    let text = std::fs::read_to_string(dir.path().join("chat.yaml")).expect("written");
    assert!(
        text.starts_with("# yaml-language-server: $schema="),
        "{text}"
    );
    assert!(text.contains("\n# traffic:"), "{text}");
    assert!(text.contains("tensor: 4"), "{text}");
    assert_eq!(check_codes(dir.path(), "chat.yaml"), ["TRF002"]);

    // Without --host-memory, HST001 (info) says host memory is unchecked too.
    let out = memmath(dir.path())
        .args([
            "init",
            "--preset",
            "llama-3.1-8b",
            "--gpu",
            "l4-24gb",
            "--engine",
            "vllm",
        ])
        .output()
        .expect("init");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(dir.path().join("stdout.yaml"), &out.stdout).expect("write");
    let mut codes = check_codes(dir.path(), "stdout.yaml");
    codes.sort();
    assert_eq!(codes, ["HST001", "TRF002"]);
}

#[test]
fn hf_config_starter_names_the_config_relative_to_the_spec() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/configs/llama-3.1-8b/config.json");
    std::fs::create_dir_all(dir.path().join("deploy")).expect("mkdir");
    std::fs::copy(&src, dir.path().join("deploy/config.json")).expect("copy");
    memmath(&dir.path().join("deploy"))
        .args([
            "init",
            "--hf-config",
            "config.json",
            "--gpu",
            "h100-sxm-80gb",
            "--host-memory",
            "1TiB",
            "-o",
            "spec.yaml",
        ])
        .assert()
        .success();
    let text = std::fs::read_to_string(dir.path().join("deploy/spec.yaml")).expect("written");
    assert!(text.contains("hf_config: config.json"), "{text}");
    assert_eq!(
        check_codes(&dir.path().join("deploy"), "spec.yaml"),
        ["TRF002"]
    );
}

#[test]
fn never_overwrites_and_rejects_unknown_ids() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("mine.yaml"), "keep me\n").expect("write");
    memmath(dir.path())
        .args([
            "init",
            "--preset",
            "llama-3.1-8b",
            "--gpu",
            "h100-sxm-80gb",
            "-o",
            "mine.yaml",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("never overwrites"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("mine.yaml")).expect("read"),
        "keep me\n"
    );
    memmath(dir.path())
        .args(["init", "--preset", "llama-3.1-7b", "--gpu", "h100-sxm-80gb"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("did you mean"));
    memmath(dir.path())
        .args([
            "init",
            "--preset",
            "llama-3.1-8b",
            "--gpu",
            "h100-sxm-80gb",
            "--engine",
            "vlm",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("`vllm`"));
    // One of --preset / --hf-config is required.
    memmath(dir.path())
        .args(["init", "--gpu", "h100-sxm-80gb"])
        .assert()
        .code(2);
}
