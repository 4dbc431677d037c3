//! Hugging Face config.json import on arbitrary text, then the whole pipeline
//! on a spec that points at it (so absurd imported architectures reach the
//! memory math and the rules).
#![no_main]

use libfuzzer_sys::fuzz_target;
use memmath::catalog::{hf_config, MemoryFiles};
use memmath::pipeline::{analyze, AnalyzeOptions};
use memmath::rules::RulesConfig;
use memmath::source::SourceFile;
use std::path::PathBuf;

const SPEC: &str = include_str!("../../specs/llama-3.1-8b-hf-config.yaml");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if hf_config::import(text).is_err() {
        return;
    }
    let mut files = MemoryFiles::new();
    files.insert("s/configs/llama-3.1-8b/config.json", data);
    let rules = RulesConfig::default();
    let opts = AnalyzeOptions {
        files: &files,
        spec_dir: PathBuf::from("s"),
        rules: &rules,
        inline_ignores: true,
    };
    let _ = analyze(SourceFile::new("s/spec.yaml", SPEC), &opts);
});
