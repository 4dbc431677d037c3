//! The whole `pipeline::analyze` (parse, schema, typed spec, resolve, plan,
//! rules) on arbitrary text, with an in-memory FileAccess holding a real
//! config.json and a tiny safetensors file, then every `check` output format.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memmath::catalog::MemoryFiles;
use memmath::diagnostics::{self, FileFindings, Format, RenderOptions};
use memmath::pipeline::{analyze, AnalyzeOptions};
use memmath::rules::RulesConfig;
use memmath::source::SourceFile;
use std::path::PathBuf;

const CONFIG: &str = include_str!("../../specs/configs/llama-3.1-8b/config.json");

fn files() -> MemoryFiles {
    let header = br#"{"w":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,8]}}"#;
    let mut st = (header.len() as u64).to_le_bytes().to_vec();
    st.extend_from_slice(header);
    st.extend_from_slice(&[0u8; 8]);
    let mut f = MemoryFiles::new();
    f.insert("spec/config.json", CONFIG.as_bytes());
    f.insert("spec/configs/llama-3.1-8b/config.json", CONFIG.as_bytes());
    f.insert("spec/model.safetensors", st.clone());
    f.insert("spec/weights/model.safetensors", st);
    f
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let files = files();
    let rules = RulesConfig::default();
    let opts = AnalyzeOptions {
        files: &files,
        spec_dir: PathBuf::from("spec"),
        rules: &rules,
        inline_ignores: true,
    };
    let a = analyze(SourceFile::new("fuzz.yaml", text), &opts);
    let ff = [FileFindings::new(a.source.clone(), &a.findings)];
    for format in [
        Format::Full,
        Format::Concise,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Markdown,
    ] {
        let out = diagnostics::render(format, &ff, &RenderOptions::default());
        assert!(!out.contains('\u{1b}'), "escape sequence in {format:?} output");
    }
});
