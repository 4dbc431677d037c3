//! Shared helpers for integration tests: analyze a spec text without touching
//! the file system (through the library's in-memory `MemoryFiles`, empty), and
//! the one file-system `FileAccess` the tests share ([`Disk`]).

#![allow(dead_code)]

use memmath::catalog::MemoryFiles;
use memmath::diagnostics::{Finding, LocatedFinding};
use memmath::pipeline::{analyze, Analysis, AnalyzeOptions};
use memmath::rules::RulesConfig;
use memmath::source::SourceFile;
use std::path::PathBuf;

mod disk;
#[allow(unused_imports)]
pub use disk::Disk;

/// Analyze a source with default rules, inline suppressions honoured and no
/// file system (a spec naming `hf_config` or `safetensors` gets a finding).
pub fn analyze_source(source: SourceFile) -> Analysis {
    let rules = RulesConfig::default();
    let opts = AnalyzeOptions {
        files: &MemoryFiles::new(),
        spec_dir: PathBuf::from("."),
        rules: &rules,
        inline_ignores: true,
    };
    analyze(source, &opts)
}

/// Analyze `text` as file `name`; returns the source and its findings.
pub fn analyze_text(name: &str, text: &str) -> (SourceFile, Vec<Finding>) {
    let a = analyze_source(SourceFile::new(name, text));
    (a.source, a.findings)
}

/// Only the input findings (SYN, SCH): what the foundation is responsible for.
pub fn input_findings(source: &SourceFile, findings: &[Finding]) -> Vec<LocatedFinding> {
    findings
        .iter()
        .filter(|f| f.code.starts_with("SYN") || f.code.starts_with("SCH"))
        .map(|f| LocatedFinding::locate(f, source))
        .collect()
}

/// Every example spec (specs/*.yaml).
pub fn example_specs() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert!(names.len() >= 10, "the example specs: {names:?}");
    names
}
