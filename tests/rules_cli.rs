//! `memmath rule`: one rule by code or name, every rule, JSON, and errors.

use assert_cmd::Command;
use predicates::prelude::*;

fn memmath() -> Command {
    Command::cargo_bin("memmath").expect("binary built")
}

#[test]
fn one_rule_by_code_or_name() {
    for q in ["MEM003", "mem003", "max-model-len-does-not-fit"] {
        memmath()
            .args(["rule", q])
            .assert()
            .success()
            .stdout(predicate::str::starts_with(
                "# MEM003 max-model-len-does-not-fit\n\nDefault severity: error",
            ))
            .stdout(predicate::str::contains("## How to fix"));
    }
}

#[test]
fn all_rules_as_json() {
    let out = memmath()
        .args(["rule", "--all", "--output-format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    let items = v.as_array().expect("array");
    let codes: Vec<&str> = items.iter().filter_map(|i| i["code"].as_str()).collect();
    for c in ["SYN001", "SCH005", "MEM001", "TRF003", "HST004", "SUP002"] {
        assert!(codes.contains(&c), "{c} missing");
    }
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    assert_eq!(codes, sorted, "code order");
    let mem004 = items
        .iter()
        .find(|i| i["code"] == "MEM004")
        .expect("MEM004");
    assert_eq!(mem004["default_severity"], "warning");
    assert!(mem004["doc"]
        .as_str()
        .is_some_and(|d| d.contains("## Why is this bad?")));
}

#[test]
fn input_codes_are_listed_but_not_suppressible() {
    memmath()
        .args(["rule", "SCH001", "--format", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"suppressible\": false"));
}

#[test]
fn unknown_rule_is_a_tool_error_with_a_suggestion() {
    memmath()
        .args(["rule", "MEM03"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `MEM003`?"));
    memmath().args(["rule"]).assert().code(2);
}

#[test]
fn every_code_of_the_registry_is_documented_by_rule() {
    for q in [
        "MEM000",
        "CAT001",
        "cat010",
        "HW003",
        "SYN001",
        "SCH005",
        "SUP002",
        "unknown-preset",
    ] {
        memmath().args(["rule", q]).assert().success();
    }
    let out = memmath()
        .args(["rule", "--all", "--output-format", "json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let items = v.as_array().expect("array");
    for c in memmath::codes::all() {
        let item = items
            .iter()
            .find(|i| i["code"] == c.code)
            .unwrap_or_else(|| panic!("{} missing from rule --all", c.code));
        for key in [
            "code",
            "name",
            "default_severity",
            "suppressible",
            "summary",
            "doc",
        ] {
            assert!(!item[key].is_null(), "{} lacks {key}", c.code);
        }
        assert_eq!(item["configurable"], c.configurable, "{}", c.code);
    }
    memmath()
        .args(["rule", "MEM000", "--format", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "\"name\": \"arithmetic-overflow\"",
        ))
        .stdout(predicate::str::contains(
            "docs/diagnostics.md#plan-codes-mem000",
        ));
    memmath()
        .args(["rule", "HW003"])
        .assert()
        .success()
        .stdout(predicate::str::contains("## How to fix"));
}

fn check(args: &[&str]) -> std::process::Output {
    memmath()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--output-format", "concise"])
        .args(args)
        .output()
        .expect("runs")
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const MEM001: &str = "tests/fixtures/rules/MEM001.yaml";

#[test]
fn select_and_ignore_make_a_finding_appear_and_disappear() {
    let all = check(&[MEM001]);
    assert_eq!(all.status.code(), Some(1), "{}", text(&all));
    assert!(text(&all).contains("MEM001 [error]"), "{}", text(&all));
    for sel in ["MEM001", "MEM", "weights-exceed-gpu-memory", "mem001"] {
        let out = check(&[MEM001, "--select", sel]);
        assert_eq!(out.status.code(), Some(1), "--select {sel}: {}", text(&out));
        assert!(text(&out).contains("MEM001 [error]"), "--select {sel}");
    }
    let other = check(&[MEM001, "--select", "TRF004"]);
    assert_eq!(other.status.code(), Some(0), "{}", text(&other));
    assert!(!text(&other).contains("MEM001"), "{}", text(&other));
    let ignored = check(&[MEM001, "--ignore", "MEM001"]);
    assert_eq!(ignored.status.code(), Some(0), "{}", text(&ignored));
    assert!(!text(&ignored).contains("MEM001"), "{}", text(&ignored));
}

#[test]
fn a_typo_in_select_or_ignore_is_a_configuration_error_not_a_pass() {
    for (flag, sel, hint) in [
        ("--select", "MEM01", Some("did you mean `MEM001`?")),
        ("--select", "nonsense", None),
        (
            "--ignore",
            "max-model-len-does-not-fits",
            Some("did you mean `max-model-len-does-not-fit`?"),
        ),
        ("--ignore", "SCH001", None),
        ("--select", "MEM000", None),
        ("--ignore", "CAT001", None),
    ] {
        let out = check(&[MEM001, flag, sel]);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(2), "{flag} {sel}: {t}");
        assert!(!t.contains("All checks passed"), "{flag} {sel}: {t}");
        assert!(t.contains(&format!("`{sel}`")), "{flag} {sel}: {t}");
        if let Some(h) = hint {
            assert!(t.contains(h), "{flag} {sel}: {t}");
        }
    }
    // Category prefixes stay valid.
    assert_eq!(check(&[MEM001, "--select", "TRF"]).status.code(), Some(0));
    assert_eq!(check(&[MEM001, "--ignore", "HW"]).status.code(), Some(1));
}

/// A spec whose inline GPU (no compute capability) matches no catalogue name:
/// CAT010, an info finding the configuration can turn off.
fn cat010_spec(dir: &std::path::Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(format!("{}/{MEM001}", env!("CARGO_MANIFEST_DIR")))
        .expect("fixture")
        .replace("    compute_capability: \"9.0\"\n", "")
        .replace(
            "name: NVIDIA H100 80GB HBM3",
            "name: Mystery Accelerator 80GB",
        );
    let path = dir.join("spec.yaml");
    std::fs::write(&path, text).expect("write spec");
    path
}

#[test]
fn cat010_is_configurable_from_the_cli_and_memmath_toml() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = cat010_spec(dir.path());
    let spec = spec.to_str().expect("utf-8 path");
    let shown = check(&[spec, "--select", "CAT010"]);
    assert!(text(&shown).contains("CAT010 [info]"), "{}", text(&shown));
    let ignored = check(&[spec, "--select", "CAT010", "--ignore", "CAT010"]);
    assert!(!text(&ignored).contains("CAT010"), "{}", text(&ignored));
    assert_eq!(ignored.status.code(), Some(0), "{}", text(&ignored));

    std::fs::write(
        dir.path().join("memmath.toml"),
        "[severity]\nCAT010 = \"off\"\n",
    )
    .expect("toml");
    let off = check(&[spec]);
    assert!(!text(&off).contains("CAT010"), "{}", text(&off));
    assert!(text(&off).contains("MEM001"), "{}", text(&off));
}

#[test]
fn bad_selectors_in_memmath_toml_are_configuration_errors() {
    for (toml, needle) in [
        ("select = [\"MEM01\"]\n", "did you mean `MEM001`?"),
        ("ignore = [\"nonsense\"]\n", "`nonsense`"),
        ("[severity]\nSYN001 = \"off\"\n", "SYN001"),
        ("[severity]\nMEM000 = \"off\"\n", "MEM000"),
        (
            "[per-file-ignores]\n\"*.yaml\" = [\"TRF03\"]\n",
            "did you mean `TRF003`?",
        ),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let spec = cat010_spec(dir.path());
        std::fs::write(dir.path().join("memmath.toml"), toml).expect("toml");
        let out = check(&[spec.to_str().expect("utf-8")]);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(2), "{toml}: {t}");
        assert!(t.contains("memmath.toml"), "{toml}: {t}");
        assert!(t.contains(needle), "{toml}: {t}");
    }
}
