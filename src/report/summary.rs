//! The multi-spec summary table (`report specs/`): one row per spec, and the
//! anchors its links point at.

use super::model::ReportModel;
use crate::diagnostics::Severity;
use serde::Serialize;

/// A row of the multi-spec summary table.
#[derive(Clone, Debug, Serialize)]
pub struct SummaryRow {
    pub name: String,
    pub file: String,
    pub anchor: String,
    pub gpus: String,
    pub status: super::verdict::Status,
    pub fits: bool,
    pub spare: String,
    pub worst_finding: String,
}

pub(super) fn summary_row(r: &ReportModel) -> SummaryRow {
    // Highest severity first; ties go to the earliest finding (the rows are
    // in output order, and max_by_key keeps the last maximum: search the
    // reversed list).
    let worst = r
        .findings
        .iter()
        .rev()
        .max_by_key(|f| Severity::parse(&f.severity).unwrap_or(Severity::Off))
        .map_or_else(
            || "none".to_string(),
            |f| format!("{} {} {}", f.severity, f.code, f.name),
        );
    let spare = match (r.verdict.spare_bytes, r.verdict.spare_fraction) {
        (Some(b), Some(f)) => format!(
            "{} ({})",
            crate::units::format_spare(b),
            super::env::percent(f.abs())
        ),
        _ => "-".into(),
    };
    SummaryRow {
        name: r.name.clone(),
        file: r.file.clone(),
        anchor: r.anchor.clone(),
        gpus: r.gpus.clone(),
        status: r.verdict.status,
        fits: r.verdict.fits,
        spare,
        worst_finding: worst,
    }
}

/// A lowercase ASCII slug for ids and links.
pub(super) fn anchor_of(name: &str) -> String {
    let mut s = String::from("spec-");
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    s.trim_end_matches('-').to_string()
}

/// Two specs with the same name still get distinct anchors.
pub(super) fn dedupe_anchors(reports: &mut [ReportModel]) {
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for r in reports.iter_mut() {
        let n = seen.entry(r.anchor.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            r.anchor = format!("{}-{}", r.anchor, n);
        }
    }
}
