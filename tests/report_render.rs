//! Golden Markdown and HTML reports of three constructed plans (serving dense,
//! MoE/MLA, training), determinism, multi-spec summary and template errors.

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
    assert!(md.contains("error MEM002 kv-cache-exceeds-budget"));
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
    assert!(md.contains("3 replicas would fit every class"));
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

#[test]
fn an_unsized_class_shows_not_sized_and_cannot_be_judged() {
    let text =
        std::fs::read_to_string(common::root().join("tests/report_fixtures/serving-dense.json"))
            .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["plan"]["classes"][0]["sized"] = serde_json::json!(false);
    v["plan"]["classes"][0]["fits"] = serde_json::json!(false);
    let a = common::analysis_from("specs/x.yaml", &v);
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
    let text =
        std::fs::read_to_string(common::root().join("tests/report_fixtures/serving-dense.json"))
            .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["plan"]["per_gpu"]["kv_cache_bytes"] = serde_json::json!(-(3i64 << 30));
    for c in v["plan"]["classes"].as_array_mut().unwrap() {
        c["fits"] = serde_json::json!(false);
        c["max_concurrency"] = serde_json::json!(0);
        c["replicas_needed"] = serde_json::Value::Null;
        c["pool_share"] = serde_json::json!(f64::MAX);
    }
    let a = common::analysis_from("specs/x.yaml", &v);
    let set = build_set(&[&a], "test");
    let md = render(&set, Format::Markdown, None).unwrap();
    assert!(md.contains("**Verdict: does not fit.**"), "{md}");
    assert!(
        md.contains("the engine will not start with max\\_model\\_len 131,072"),
        "{md}"
    );
    assert!(md.contains("exceed the engine budget of"), "{md}");
    assert!(md.contains("by 3.00 GiB"), "{md}");
    assert!(md.contains("| KV cache | -3.00 GiB |"));
    assert!(md.contains("| never | &gt;9999% |"));
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
