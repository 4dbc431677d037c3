//! Golden Markdown and HTML reports of the real example specs in specs/:
//! serving dense (Llama 3.1 70B FP8), MoE/MLA (DeepSeek-V3) and training
//! (Llama 3.1 8B full fine-tune, ZeRO-3), plus a summary of every example.
//! After an intended change to the math or the templates, regenerate with
//! `UPDATE_GOLDEN=1 cargo test --test report_examples` and review the diff.

mod report_support;

use report_support as common;

use memmath::report::{build_set, render, Format};

const EXAMPLES: &[(&str, &str)] = &[
    ("llama-3.1-70b-fp8-4xh100", "example-dense"),
    ("deepseek-v3-8xh200", "example-moe-mla"),
    ("llama-3.1-8b-full-zero3", "example-training"),
];

#[test]
fn example_goldens() {
    for (spec, golden) in EXAMPLES {
        let a = common::example(spec);
        assert!(a.plan.is_some(), "{spec} did not plan: {:?}", a.findings);
        let set = build_set(&[&a], "test");
        for (format, ext) in [(Format::Markdown, "md"), (Format::Html, "html")] {
            let out = render(&set, format, None).unwrap();
            common::assert_golden(&format!("{golden}.{ext}"), &out);
            assert_eq!(
                out,
                render(&build_set(&[&common::example(spec)], "test"), format, None).unwrap()
            );
        }
    }
}

#[test]
fn every_example_renders_and_answers_does_it_fit() {
    let dir = common::root().join("specs");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .map(|n| n.trim_end_matches(".yaml").to_string())
        .collect();
    names.sort();
    let analyses: Vec<_> = names.iter().map(|n| common::example(n)).collect();
    let refs: Vec<_> = analyses.iter().collect();
    let set = build_set(&refs, "test");
    let md = render(&set, Format::Markdown, None).unwrap();
    for (name, a) in names.iter().zip(&analyses) {
        assert!(a.plan.is_some(), "{name} did not plan");
    }
    assert_eq!(md.matches("**Verdict: ").count(), names.len());
    let html = render(&set, Format::Html, None).unwrap();
    assert_eq!(html.matches("<section class=\"spec\"").count(), names.len());
    assert!(!html.contains("<script"));
}
