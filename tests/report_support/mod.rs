//! Shared helpers of the report tests: committed specs (tests/report_fixtures/
//! *.yaml and specs/*.yaml) planned through the pipeline into `Analysis`
//! values, and golden-file comparison (`UPDATE_GOLDEN=1` rewrites goldens).
#![allow(dead_code)]

use memmath::diagnostics::{Finding, Severity};
use memmath::pipeline::Analysis;
use memmath::source::SourceFile;
use std::path::PathBuf;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The text of `tests/report_fixtures/<name>.yaml`, a committed spec.
pub fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(root().join(fixture_path(name))).unwrap()
}

fn fixture_path(name: &str) -> String {
    format!("tests/report_fixtures/{name}.yaml")
}

/// Plan the committed report fixture `tests/report_fixtures/<name>.yaml`
/// through the pipeline (`plan::compute` and the rules): the report tests
/// render only plans the tool computes, never hand-made ones.
pub fn analysis(name: &str) -> Analysis {
    analyze_text(&fixture_path(name), &fixture_text(name))
}

/// Plan spec text (e.g. a fixture with one field edited) as if it were the
/// repository file `file`; relative paths in it resolve next to the fixtures.
pub fn analyze_text(file: &str, text: &str) -> Analysis {
    analyze_in(file, text, root().join("tests/report_fixtures"))
}

fn analyze_in(file: &str, text: &str, spec_dir: PathBuf) -> Analysis {
    use memmath::pipeline::{analyze, AnalyzeOptions};
    use memmath::rules::RulesConfig;
    let rules = RulesConfig::default();
    let opts = AnalyzeOptions {
        files: &Disk::new(),
        spec_dir,
        rules: &rules,
        inline_ignores: true,
    };
    analyze(SourceFile::new(file, text), &opts)
}

/// Add a finding with this text to an analysis (escaping tests: hostile text
/// in a message).
pub fn with_finding(mut a: Analysis, code: &str, name: &str, message: &str) -> Analysis {
    a.findings.push(Finding::new(
        code,
        name,
        Severity::Info,
        String::new(),
        message.to_string(),
    ));
    a
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
    let rel = format!("specs/{name}.yaml");
    let text = std::fs::read_to_string(root().join(&rel)).unwrap();
    analyze_in(&rel, &text, root().join("specs"))
}
