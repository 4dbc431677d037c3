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
