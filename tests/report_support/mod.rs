//! Shared helpers of the report tests: constructed plans and specs
//! (tests/report_fixtures/*.json) and real example specs turned into
//! `Analysis` values, and golden-file comparison.
#![allow(dead_code)]

use memmath::diagnostics::{Finding, Severity};
use memmath::pipeline::Analysis;
use memmath::plan::Plan;
use memmath::source::SourceFile;
use memmath::spec::Spec;
use serde_json::Value;
use std::path::PathBuf;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Load `tests/fixtures/<name>.json` ({spec, plan, findings}) as an Analysis.
pub fn analysis(name: &str) -> Analysis {
    let path = root()
        .join("tests/report_fixtures")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    analysis_from(&format!("specs/{name}.yaml"), &v)
}

pub fn analysis_from(file: &str, v: &Value) -> Analysis {
    let spec: Spec = serde_json::from_value(v["spec"].clone()).unwrap();
    let plan: Option<Plan> = if v["plan"].is_null() {
        None
    } else {
        Some(serde_json::from_value(v["plan"].clone()).unwrap())
    };
    let findings = v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
                    let mut finding = Finding::new(
                        &s("code"),
                        &s("name"),
                        Severity::parse(&s("severity")).unwrap(),
                        s("pointer"),
                        s("message"),
                    );
                    if let Some(fix) = f["fix"].as_str() {
                        finding = finding.with_fix(fix);
                    }
                    finding
                })
                .collect()
        })
        .unwrap_or_default();
    Analysis {
        source: SourceFile::new(file, "apiVersion: memmath/v1\n"),
        doc: None,
        spec: Some(spec),
        resolved: None,
        plan,
        findings,
    }
}

/// Compare `actual` with `tests/golden/<name>`; `UPDATE_GOLDEN=1` rewrites it.
pub fn assert_golden(name: &str, actual: &str) {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing golden file {}; run with UPDATE_GOLDEN=1",
            path.display()
        )
    });
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the rendered output at line {}:\nexpected: {:?}\nactual:   {:?}\n(run with UPDATE_GOLDEN=1 to accept)",
            path.display(),
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first)
        );
    }
}

#[path = "../common/disk.rs"]
mod disk;
/// The file system, for specs that read a config.json or safetensors headers
/// next to them: the integration tests' one disk `FileAccess`.
pub use disk::Disk;

/// Analyze a real example spec (`specs/<name>.yaml`) through the pipeline; the
/// source is named by its repository-relative path so goldens do not depend on
/// where the checkout lives.
pub fn example(name: &str) -> Analysis {
    use memmath::pipeline::{analyze, AnalyzeOptions};
    use memmath::rules::RulesConfig;
    let rel = format!("specs/{name}.yaml");
    let text = std::fs::read_to_string(root().join(&rel)).unwrap();
    let rules = RulesConfig::default();
    let opts = AnalyzeOptions {
        files: &Disk::new(),
        spec_dir: root().join("specs"),
        rules: &rules,
        inline_ignores: true,
    };
    analyze(SourceFile::new(rel, text), &opts)
}
