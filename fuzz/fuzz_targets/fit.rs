//! `memmath fit` on arbitrary specs: the pipeline, then the layout search
//! (every knob allowed, at most 8 GPUs so one input stays fast), its three
//! renderings, and the best candidate's edit applied to the spec text, which
//! must parse again as YAML and give the values the search chose.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memmath::catalog::MemoryFiles;
use memmath::fit::{self, Allow, FitOptions};
use memmath::pipeline::{analyze, AnalyzeOptions};
use memmath::rules::RulesConfig;
use memmath::source::SourceFile;
use memmath::spec;
use std::path::PathBuf;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let files = MemoryFiles::new();
    let rules = RulesConfig::default();
    let opts = AnalyzeOptions {
        files: &files,
        spec_dir: PathBuf::from("."),
        rules: &rules,
        inline_ignores: true,
    };
    let a = analyze(SourceFile::new("fuzz.yaml", text), &opts);
    let (Some(s), Some(resolved), Some(doc), Some(_)) =
        (a.spec.as_ref(), a.resolved.as_ref(), a.doc.as_ref(), a.plan.as_ref())
    else {
        return;
    };
    let fit_opts = FitOptions {
        max_gpus: Some(8),
        allow: Allow {
            kv_fp8: true,
            quantize: true,
            max_model_len: true,
        },
        ..FitOptions::default()
    };
    let Ok(result) = fit::fit(s, resolved, &rules, &fit_opts) else {
        return;
    };
    let input = fit::render::RenderInput {
        spec_name: "fuzz.yaml",
        top: 5,
        patch: None,
    };
    let _ = fit::render::table(&result, &input);
    let _ = fit::render::markdown(&result, &input);
    let _ = fit::render::json(&result, &input);
    if let Some(best) = result.best() {
        if best.changes.is_empty() {
            return;
        }
        if let Ok(new) = fit::patch::apply_changes(&a.source, doc, &best.changes) {
            let _ = fit::patch::unified_diff("fuzz.yaml", text, &new);
            if let Err(f) = spec::parse(&SourceFile::new("patched.yaml", new.as_str())) {
                panic!("the patched spec does not parse: {f:?}\n{new}");
            }
        }
    }
});
