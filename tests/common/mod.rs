//! Shared helpers for integration tests: analyze a spec text without touching
//! the file system.

#![allow(dead_code)]

use memmath::catalog::FileAccess;
use memmath::diagnostics::{Finding, LocatedFinding};
use memmath::pipeline::{analyze, Analysis, AnalyzeOptions};
use memmath::rules::RulesConfig;
use memmath::source::SourceFile;
use std::io;
use std::path::{Path, PathBuf};

/// A file system with nothing in it: specs under test reference no files.
pub struct NoFiles;

impl FileAccess for NoFiles {
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            path.display().to_string(),
        ))
    }
    fn read_range(&self, path: &Path, _offset: u64, _len: u64) -> io::Result<Vec<u8>> {
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            path.display().to_string(),
        ))
    }
    fn file_len(&self, path: &Path) -> io::Result<u64> {
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            path.display().to_string(),
        ))
    }
    fn is_dir(&self, _path: &Path) -> bool {
        false
    }
    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            path.display().to_string(),
        ))
    }
}

/// Analyze a source with default rules, inline suppressions honoured and no
/// file system (a spec naming `hf_config` or `safetensors` gets a finding).
pub fn analyze_source(source: SourceFile) -> Analysis {
    let rules = RulesConfig::default();
    let opts = AnalyzeOptions {
        files: &NoFiles,
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
