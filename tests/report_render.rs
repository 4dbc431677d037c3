//! Golden Markdown and HTML reports of the committed report fixtures
//! (tests/report_fixtures/*.yaml: serving dense, MoE/MLA, training) planned by
//! `plan::compute`, determinism, multi-spec summary and template errors. After
//! an intended change, regenerate with `UPDATE_GOLDEN=1 cargo test --test
//! report_render` and review the diff.

mod report_support;

use report_support as common;

use memmath::report::{build_set, render, Format};

const CASES: &[&str] = &["serving-dense", "moe-mla", "training"];

fn render_case(name: &str, format: Format) -> String {
    let a = common::analysis(name);
    let set = build_set(&[&a], "test");
    render(&set, format, None).unwrap()
}

#[test]
fn markdown_goldens() {
    for case in CASES {
        common::assert_golden(&format!("{case}.md"), &render_case(case, Format::Markdown));
    }
}

#[test]
fn html_goldens() {
    for case in CASES {
        common::assert_golden(&format!("{case}.html"), &render_case(case, Format::Html));
    }
}

#[test]
fn rendering_is_deterministic() {
    for case in CASES {
        for format in [Format::Markdown, Format::Html] {
            assert_eq!(render_case(case, format), render_case(case, format));
        }
    }
}

#[test]
fn multi_spec_summary() {
    let analyses: Vec<_> = CASES.iter().map(|c| common::analysis(c)).collect();
    let refs: Vec<_> = analyses.iter().collect();
    let set = build_set(&refs, "test");
    let md = render(&set, Format::Markdown, None).unwrap();
    common::assert_golden("multi.md", &md);
    assert!(md.contains("| Deployment | GPUs | Fits | Headroom (spare per GPU) | Worst finding |"));
    assert!(md.contains("## chat-70b-prod"));
    assert!(md.contains("## deepseek-v3-mla"));
    assert!(md.contains("error MEM002 kv-cache-exceeds-budget"), "{md}");
    let html = render(&set, Format::Html, None).unwrap();
    assert!(html.contains("href=\"#spec-llama-8b-sft\""));
}

#[test]
fn verdicts_say_fit_spare_and_shortfall() {
    let md = render_case("serving-dense", Format::Markdown);
    assert!(md.contains("**Verdict: fits.**"), "{md}");
    assert!(md.contains("at p99 traffic"));
    let md = render_case("moe-mla", Format::Markdown);
    assert!(md.contains("**Verdict: does not fit.**"));
    assert!(md.contains("4 replicas would fit every class"));
    let md = render_case("training", Format::Markdown);
    assert!(md.contains("**Verdict: fits.**"));
    assert!(md.contains("| 3 (this spec) |"));
}

#[test]
fn no_bare_g_units() {
    for case in CASES {
        let md = render_case(case, Format::Markdown);
        for (i, w) in md.split_whitespace().enumerate() {
            let number_g = w.strip_suffix('G').is_some_and(|n| {
                !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '.')
            });
            assert!(w != "G" && !number_g, "bare G in word {i}: {w}");
        }
    }
}

#[test]
fn a_broken_template_is_an_error() {
    let a = common::analysis("serving-dense");
    let set = build_set(&[&a], "test");
    assert!(render(&set, Format::Markdown, Some("{{ reports[0].nope }}")).is_err());
    assert!(render(&set, Format::Html, Some("{% for %}")).is_err());
    let custom = render(
        &set,
        Format::Markdown,
        Some("{% for r in reports %}{{ r.name }}{% endfor %}"),
    )
    .unwrap();
    assert_eq!(custom, "chat-70b-prod\n");
}

/// The serving fixture with one edit, planned through the pipeline.
fn serving_with(from: &str, to: &str) -> memmath::pipeline::Analysis {
    let text = common::fixture_text("serving-dense");
    assert!(text.contains(from), "{from}");
    common::analyze_text("specs/x.yaml", &text.replace(from, to))
}

#[test]
fn an_unsized_class_shows_not_sized_and_cannot_be_judged() {
    // chat gives only a mean and a median: no p99, no p95 (TRF001).
    let a = serving_with(
        "      prompt_tokens: {p95: 3000, p99: 6000}\n",
        "      prompt_tokens: {mean: 900, p50: 800}\n",
    );
    let set = build_set(&[&a], "test");
    let md = render(&set, Format::Markdown, None).unwrap();
    assert!(md.contains("**Verdict: does not fit.**"), "{md}");
    assert!(
        md.contains("cannot be judged: class chat is not sized"),
        "{md}"
    );
    assert!(md.contains("| chat | not sized (no p99) | - |"), "{md}");
    let html = render(&set, Format::Html, None).unwrap();
    assert!(html.contains("<td>not sized (no p99)</td>"), "{html}");
    assert!(html.contains("not sized: no p99 token lengths"), "{html}");
}

#[test]
fn an_engine_that_cannot_start_says_so() {
    // 20% of an H100 is less than the 17.6 GB of FP8 weights per GPU.
    let a = serving_with(
        "  gpu_memory_utilization: 0.9\n",
        "  gpu_memory_utilization: 0.2\n",
    );
    let plan = a.plan.as_ref().unwrap();
    assert!(plan.per_gpu.kv_cache_bytes < 0);
    let short = memmath::units::format_gib(-(plan.per_gpu.kv_cache_bytes as i128));
    let set = build_set(&[&a], "test");
    let md = render(&set, Format::Markdown, None).unwrap();
    assert!(md.contains("**Verdict: does not fit.**"), "{md}");
    assert!(
        md.contains("the engine will not start with max\\_model\\_len 131,072"),
        "{md}"
    );
    assert!(md.contains("exceed the engine budget of"), "{md}");
    assert!(md.contains(&format!("by {short}")), "{md}");
    // No negative row: the KV cache is none, and the overrun is said apart;
    // the Total is the real sum, above the GPU.
    assert!(
        md.contains("| KV cache | 0.0 MiB | 0.0% | none: the engine will not start (see below) |"),
        "{md}"
    );
    assert!(!md.contains("| -"), "{md}");
    assert!(md.contains(&format!("Weights, activation peak and runtime need {short} more than the engine budget of 15.82 GiB")), "{md}");
    assert!(md.contains("| never | \\>9999% |"), "{md}");
    let html = render(&set, Format::Html, None).unwrap();
    assert!(html.contains("verdict bad"));
}

#[test]
fn documented_live_hardware_block_is_the_embedded_one() {
    let docs = include_str!("../docs/reports.md");
    let start = docs.find("```jinja\n").expect("jinja block in docs") + "```jinja\n".len();
    let len = docs[start..].find("```").expect("block ends");
    let block = &docs[start..start + len];
    assert!(block.contains("r.live"));
    assert!(
        Format::Markdown.embedded().contains(block),
        "docs/reports.md's block differs from templates/report.md.j2"
    );
}
