//! Hostile strings in a spec (name, description, class names, finding text)
//! render as text in Markdown and HTML: no tag, handler or `javascript:` link
//! survives, and no `|` breaks a Markdown table row.

mod report_support;

use report_support as common;

use memmath::pipeline::Analysis;
use memmath::report::{build_set, render, Format};

const NAME: &str = "<script>alert('name')</script>";
const DESC: &str = "Pwn <img src=x onerror=alert(1)> [click](javascript:alert(2)) <a href=\"javascript:alert(3)\">x</a> ![i](https://evil.example/x.png)";
const CLASS: &str = "chat|<svg onload=alert(4)>";

/// The serving fixture with hostile strings in its name, description and first
/// class (YAML double-quoted strings are JSON strings), planned through the
/// pipeline, plus a finding whose message carries markup.
fn hostile(file: &str) -> Analysis {
    let q = |s: &str| serde_json::to_string(s).unwrap();
    let text = common::fixture_text("serving-dense");
    let text = text
        .replace("  name: chat-70b-prod\n", &format!("  name: {}\n", q(NAME)))
        .replace(
            "  description: \"Llama 3.1 70B chat, **FP8**, 4xH100 per replica\"\n",
            &format!("  description: {}\n", q(DESC)),
        )
        .replace("    - name: chat\n", &format!("    - name: {}\n", q(CLASS)));
    assert!(text.contains(&q(NAME)) && text.contains(&q(DESC)) && text.contains(&q(CLASS)));
    common::with_finding(
        common::analyze_text(file, &text),
        "HST002",
        "host-staging",
        "<iframe src=javascript:alert(5)>",
    )
}

fn rendered(format: Format) -> String {
    let a = hostile("specs/<evil>.yaml");
    let b = hostile("specs/second.yaml");
    render(&build_set(&[&a, &b], "test"), format, None).unwrap()
}

#[test]
fn html_renders_hostile_strings_as_text() {
    let html = rendered(Format::Html);
    let lower = html.to_lowercase();
    // Hostile markup survives only as escaped text (`onerror=` inside
    // `&lt;img ...&gt;` is inert); `<svg` alone is our own chart.
    for bad in [
        "<script",
        "<img",
        "<svg onload",
        "<iframe",
        "<a href=\"javascript:",
        "<a href='javascript:",
        "https://evil",
    ] {
        let at = lower.find(bad).unwrap_or(0);
        assert!(
            !lower.contains(bad),
            "found {bad}: {}",
            &html[at.saturating_sub(200)..(at + 100).min(html.len())]
        );
    }
    assert!(!lower.contains("<img"));
    assert!(html.contains("&lt;script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!lower.contains("<script"));
    assert!(!lower.contains("javascript:alert(2)\""));
    // No script or external resource of our own either.
    assert!(
        !lower.contains("<link") && !lower.contains("@import") && !lower.contains("src=\"http")
    );
}

#[test]
fn markdown_escapes_hostile_strings() {
    let md = rendered(Format::Markdown);
    // `\<` is a literal `<` in Markdown: only an unescaped one starts a tag.
    let tags = md.replace("\\<", "");
    assert!(!tags.contains("<script"), "{md}");
    assert!(!tags.contains("<img"));
    assert!(!tags.contains("<svg"));
    assert!(!tags.contains("<iframe"));
    assert!(
        !md.contains("&lt;") && !md.contains("&gt;"),
        "no HTML entities in Markdown"
    );
    // `\[click\](javascript:...)` is inert: the brackets are escaped.
    assert!(!md.replace("\\]", "").contains("](javascript:"));
    assert!(md.contains("chat\\|\\<svg onload=alert(4)>"));
    // Every table row keeps its column count: a `|` in a name is escaped.
    for block in md.split("\n\n") {
        let rows: Vec<&str> = block.lines().filter(|l| l.starts_with('|')).collect();
        if let Some(first) = rows.first() {
            let cols = |l: &str| l.replace("\\|", "").matches('|').count();
            for r in &rows {
                assert_eq!(cols(r), cols(first), "row breaks its table: {r}");
            }
        }
    }
}
