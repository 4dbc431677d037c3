//! `serving.engine_version` (issue 12 item 4): an unparsable version is SCH005
//! listing the known versions; a version outside the engine defaults table is
//! warning CAT011 naming the row used, and the plan says so; provenance labels
//! print the version a constant was calibrated on, never the spec's.

mod common;

use memmath::diagnostics::{Finding, Severity};
use memmath::pipeline::Analysis;
use memmath::source::SourceFile;

const BASE: &str = include_str!("fixtures/valid_base.yaml");

fn with_version(v: &str) -> Analysis {
    let line = "engine_version: \"0.11\"";
    assert!(BASE.contains(line), "fixture lacks {line}");
    let text = BASE.replacen(line, &format!("engine_version: \"{v}\""), 1);
    common::analyze_source(SourceFile::new("v.yaml", text))
}

fn coded<'a>(a: &'a Analysis, code: &str) -> Vec<&'a Finding> {
    a.findings.iter().filter(|f| f.code == code).collect()
}

fn assumption<'a>(a: &'a Analysis, field: &str) -> Option<(&'a str, &'a str)> {
    a.plan.as_ref().and_then(|p| {
        p.assumptions
            .iter()
            .find(|x| x.field == field)
            .map(|x| (x.value.as_str(), x.source.as_str()))
    })
}

#[test]
fn an_unparsable_version_is_sch005_listing_the_known_ones() {
    for bad in ["banana", "0.", "v", "x.11"] {
        let a = with_version(bad);
        let f = coded(&a, "SCH005");
        assert_eq!(f.len(), 1, "{bad}: {:?}", a.findings);
        assert_eq!(f[0].pointer, "/serving/engine_version");
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0].span.is_some());
        assert!(
            f[0].message.contains("0.6-0.7, 0.8-0.20, 0.21"),
            "{}",
            f[0].message
        );
        assert!(a.plan.is_none(), "{bad}: planned with a made-up version");
    }
}

#[test]
fn a_version_outside_the_table_warns_and_names_the_row_used() {
    let a = with_version("9.9");
    let w = coded(&a, "CAT011");
    assert_eq!(w.len(), 1, "{:?}", a.findings);
    assert_eq!(w[0].severity, Severity::Warning);
    assert_eq!(w[0].pointer, "/serving/engine_version");
    assert!(
        w[0].message.contains("vllm 9.9") && w[0].message.contains("vLLM 0.21 row"),
        "{}",
        w[0].message
    );
    let (value, source) = assumption(&a, "serving.engine_version").unwrap_or_else(|| {
        panic!(
            "no engine_version assumption: {:?}",
            a.plan.as_ref().map(|p| &p.assumptions)
        )
    });
    assert_eq!(value, "0.21");
    assert!(source.contains("9.9 is outside"), "{source}");

    let old = with_version("0.4.2");
    let w = coded(&old, "CAT011");
    assert_eq!(w.len(), 1, "{:?}", old.findings);
    assert!(w[0].message.contains("vLLM 0.6-0.7"), "{}", w[0].message);
    assert_eq!(
        assumption(&old, "serving.engine_version").map(|x| x.0),
        Some("0.6")
    );
}

#[test]
fn versions_in_the_table_pass_silently() {
    for v in ["0.6.3", "0.7", "0.11", "v0.10.1rc1", "0.21.0"] {
        let a = with_version(v);
        assert!(coded(&a, "CAT011").is_empty(), "{v}: {:?}", a.findings);
        assert!(coded(&a, "SCH005").is_empty(), "{v}: {:?}", a.findings);
        assert!(a.plan.is_some(), "{v}: {:?}", a.findings);
        assert!(assumption(&a, "serving.engine_version").is_none(), "{v}");
    }
}

#[test]
fn provenance_names_the_calibration_version_not_the_spec_version() {
    for v in ["9.9", "0.11", "0.21"] {
        let a = with_version(v);
        let (_, source) = assumption(&a, "runtime (non-torch)")
            .unwrap_or_else(|| panic!("{v}: no runtime assumption: {:?}", a.findings));
        assert!(
            source.starts_with("calibrated constant, vLLM 0.6:"),
            "{v}: {source}"
        );
        assert!(!source.contains(v) || v == "0.6", "{v}: {source}");
    }
}
