//! Report rendering from arbitrary specs: the report model, Markdown and HTML
//! through the embedded templates, the JSON plan, and a diff against a fixed
//! valid spec. A template error on any analyzed spec is a bug (the templates
//! must handle every model), and HTML output must never carry a raw <script>.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memmath::catalog::MemoryFiles;
use memmath::pipeline::{analyze, Analysis, AnalyzeOptions};
use memmath::report::{self, diff, Format};
use memmath::rules::RulesConfig;
use memmath::source::SourceFile;
use std::path::PathBuf;

const BASE: &str = include_str!("../../specs/llama-3.1-8b-h100.yaml");

fn run(name: &str, text: &str) -> Analysis {
    let files = MemoryFiles::new();
    let rules = RulesConfig::default();
    let opts = AnalyzeOptions {
        files: &files,
        spec_dir: PathBuf::from("."),
        rules: &rules,
        inline_ignores: true,
    };
    analyze(SourceFile::new(name, text), &opts)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let a = run("fuzz.yaml", text);
    let set = report::build_set(&[&a], "fuzz");
    let md = report::render(&set, Format::Markdown, None);
    assert!(md.is_ok(), "markdown: {:?}", md.err());
    let html = report::render(&set, Format::Html, None);
    match html {
        Ok(h) => assert!(!h.to_ascii_lowercase().contains("<script"), "raw <script> in HTML"),
        Err(e) => panic!("html: {e}"),
    }
    let _ = report::plan_json(&a).to_string();
    let base = run("base.yaml", BASE);
    let d = diff::diff(&diff::DiffSide::from_analysis(&base), &diff::DiffSide::from_analysis(&a));
    let _ = diff::to_markdown(&d);
    let _ = diff::to_json(&d);
    if let Ok(side) = diff::DiffSide::from_json("fuzz.json", text) {
        let _ = diff::to_markdown(&diff::diff(&side, &side));
    }
});
