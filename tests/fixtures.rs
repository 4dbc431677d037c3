//! One fixture per SYN/SCH code: the code, the line:column it points at, and a
//! snapshot of the rendered `full` diagnostic (plain theme, no colour).

mod common;

use common::{analyze_text, input_findings};
use memmath::diagnostics::{render, FileFindings, Format, RenderOptions};

/// (fixture file, expected code, line, column) of the first finding.
const CASES: &[(&str, &str, usize, usize)] = &[
    ("syn001_syntax.yaml", "SYN001", 20, 17),
    ("syn001_empty.yaml", "SYN001", 1, 1),
    ("syn001_comments_only.yaml", "SYN001", 1, 1),
    ("syn001_multi_document.yaml", "SYN001", 30, 1),
    ("syn001_merge_key.yaml", "SYN001", 5, 3),
    ("syn002_duplicate_key.yaml", "SYN002", 22, 3),
    ("syn003_billion_laughs.yaml", "SYN003", 6, 20),
    ("sch001_unknown_field.yaml", "SCH001", 11, 5),
    ("sch002_missing_field.yaml", "SCH002", 3, 1),
    ("sch002_kind_requires_section.yaml", "SCH002", 2, 7),
    ("sch003_wrong_type.yaml", "SCH003", 20, 19),
    ("sch004_out_of_range.yaml", "SCH004", 22, 27),
    ("sch004_percentile_order.yaml", "SCH004", 26, 44),
    ("sch005_size_unit.yaml", "SCH005", 17, 46),
    ("sch005_api_version.yaml", "SCH005", 1, 13),
    ("sch005_enum.yaml", "SCH005", 19, 11),
    ("sch005_quantization_dtype.yaml", "SCH005", 15, 5),
];

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn each_fixture_reports_its_code_at_its_location() {
    let mut problems = Vec::new();
    for &(name, code, line, column) in CASES {
        let (source, findings) = analyze_text(&format!("fixtures/{name}"), &fixture(name));
        let located = input_findings(&source, &findings);
        let Some(first) = located.first() else {
            problems.push(format!("{name}: no input finding"));
            continue;
        };
        if (first.code.as_str(), first.line, first.column) != (code, line, column) {
            problems.push(format!(
                "{name}: got {} at {}:{}, expected {code} at {line}:{column} ({})",
                first.code, first.line, first.column, first.message
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn full_diagnostics_snapshots() {
    let opts = RenderOptions {
        color: false,
        width: 100,
        ..RenderOptions::default()
    };
    for &(name, ..) in CASES {
        let (source, findings) = analyze_text(&format!("fixtures/{name}"), &fixture(name));
        let located = input_findings(&source, &findings);
        let file = FileFindings {
            source,
            findings: located,
        };
        let rendered = render(Format::Full, &[file], &opts);
        insta::assert_snapshot!(name.trim_end_matches(".yaml"), rendered);
    }
}

#[test]
fn valid_base_has_no_input_findings() {
    let (source, findings) = analyze_text("valid_base.yaml", &fixture("valid_base.yaml"));
    assert!(input_findings(&source, &findings).is_empty());
}

#[test]
fn every_text_format_snapshot() {
    let name = "multi_findings.yaml";
    let (source, findings) = analyze_text(&format!("fixtures/{name}"), &fixture(name));
    let located = input_findings(&source, &findings);
    assert_eq!(located.len(), 3, "{located:?}");
    let file = FileFindings {
        source,
        findings: located,
    };
    let opts = RenderOptions::default();
    for (format, label) in [
        (Format::Full, "full"),
        (Format::Concise, "concise"),
        (Format::Json, "json"),
        (Format::Github, "github"),
        (Format::Markdown, "markdown"),
    ] {
        let rendered = render(format, std::slice::from_ref(&file), &opts);
        insta::assert_snapshot!(format!("multi_findings_{label}"), rendered);
    }
}
