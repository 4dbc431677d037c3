//! MEM001, MEM002 and TRN001 fixes are re-planned before they are printed
//! (src/rules/replan.rs): applying the fix a finding gives to the spec makes
//! the finding go away, and the engine start (or the job fit).

mod common;

use common::Disk;
use memmath::diagnostics::{Finding, Severity};
use memmath::fit::patch::apply_changes;
use memmath::pipeline::{analyze, Analysis, AnalyzeOptions};
use memmath::rules::RulesConfig;
use memmath::source::SourceFile;
use serde_json::{json, Map, Value};
use std::path::Path;

fn analyze_text(text: &str) -> Analysis {
    let rules = RulesConfig::default();
    let opts = AnalyzeOptions {
        files: &Disk::new(),
        spec_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("specs"),
        rules: &rules,
        inline_ignores: true,
    };
    analyze(SourceFile::new("spec.yaml", text), &opts)
}

fn example(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("specs")
            .join(name),
    )
    .unwrap()
}

fn finding<'a>(a: &'a Analysis, code: &str) -> &'a Finding {
    a.findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("{code} in {:#?}", a.findings))
}

/// The number after `marker` in `text`.
fn number_after(text: &str, marker: &str) -> u64 {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("`{marker}` in {text}"))
        + marker.len();
    text[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

fn apply(a: &Analysis, changes: Value) -> Analysis {
    let Value::Object(map) = changes else {
        panic!("object")
    };
    let map: Map<String, Value> = map;
    let text = apply_changes(&a.source, a.doc.as_ref().unwrap(), &map).unwrap();
    analyze_text(&text)
}

fn errors(a: &Analysis) -> Vec<String> {
    a.findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{}: {}", f.code, f.message))
        .collect()
}

/// None of `codes` is reported for the fixed spec.
fn gone(fixed: &Analysis, fix: &str, codes: &[&str]) {
    for code in codes {
        assert!(
            !fixed.findings.iter().any(|f| f.code == *code),
            "{code} after `{fix}`: {:#?}",
            errors(fixed)
        );
    }
}

#[test]
fn mem002_replica_and_concurrency_fixes_carry_the_traffic() {
    let text = example("llama-3.1-8b-h100.yaml").replace("concurrency: 48", "concurrency: 700");
    let a = analyze_text(&text);
    let fix = finding(&a, "MEM002").fix.clone().unwrap();
    let replicas = number_after(&fix, "set serving.replicas to ");
    let mut changes = json!({"serving.replicas": replicas});
    if fix.contains("hardware.nodes to ") {
        changes["hardware.nodes"] = number_after(&fix, "hardware.nodes to ").into();
    }
    let fixed = apply(&a, changes);
    assert!(errors(&fixed).is_empty(), "{fix}: {:#?}", errors(&fixed));
    let conc = number_after(&fix, "concurrency to ");
    let fixed = apply(&a, json!({"traffic.classes.0.concurrency": conc}));
    gone(&fixed, &fix, &["MEM002"]);
}

#[test]
fn mem001_parallelism_fix_starts_the_engine() {
    // Llama 3.1 70B in bf16 on one H100: weights alone exceed the budget.
    let text = example("llama-3.1-70b-fp8-4xh100.yaml")
        .replace(
            "    dtype: fp8\n    quantization: fp8\n",
            "    dtype: bf16\n    quantization: none\n",
        )
        .replace("  tensor: 4\n", "  tensor: 1\n")
        .replace("  replicas: 2\n", "  replicas: 1\n");
    let a = analyze_text(&text);
    let fix = finding(&a, "MEM001").fix.clone().unwrap();
    let tp = number_after(&fix, "set parallelism.tensor: ");
    let fixed = apply(&a, json!({"parallelism.tensor": tp}));
    gone(&fixed, &fix, &["MEM001", "MEM003"]);
    assert!(fixed.plan.unwrap().engine_starts());
}

#[test]
fn trn001_zero_stage_fix_fits_the_job() {
    let text = example("llama-3.1-8b-full-zero3.yaml");
    assert!(text.contains("zero_stage: 3"));
    let a = analyze_text(&text.replace("zero_stage: 3", "zero_stage: 0"));
    let fix = finding(&a, "TRN001").fix.clone().unwrap();
    let stage = number_after(&fix, "set training.zero_stage: ");
    let fixed = apply(&a, json!({"training.zero_stage": stage}));
    gone(&fixed, &fix, &["TRN001", "TRN003"]);
}
