//! `--hardware` for `report`: the "Live hardware" section of each spec in the
//! rendered output (Markdown, HTML, JSON).
//!
//! The section is inserted before the report's footer rather than through the
//! report templates, so a custom `--template-dir` still gets it.

use memmath::hardware::{self, LiveSection, Snapshot};
use memmath::pipeline::Analysis;
use serde_json::Value;

/// Each spec's live section (None for a spec that could not be resolved). The
/// HW findings themselves come from `pipeline::analyze_with_hardware`, which
/// runs them through the suppression pass.
pub fn sections(analyses: &[Analysis], snapshot: &Snapshot) -> Vec<Option<LiveSection>> {
    analyses
        .iter()
        .map(|a| hardware::live_report(a, snapshot).map(|r| r.section))
        .collect()
}

/// The title of a spec's section: `metadata.name (file)`.
fn title(a: &Analysis) -> String {
    match &a.spec {
        Some(s) => format!("{} ({})", s.metadata.name, a.source.name),
        None => a.source.name.clone(),
    }
}

/// Insert the Markdown sections before the report's closing rule (`---`), or
/// at the end when there is none.
pub fn markdown(doc: String, analyses: &[Analysis], sections: &[Option<LiveSection>]) -> String {
    let live: String = analyses
        .iter()
        .zip(sections)
        .filter_map(|(a, s)| s.as_ref().map(|s| hardware::live_markdown(&title(a), s)))
        .collect();
    insert_before_last(doc, "\n---\n", &live, "\n")
}

/// Insert the HTML sections before `<footer>` (else `</body>`, else the end).
pub fn html(doc: String, analyses: &[Analysis], sections: &[Option<LiveSection>]) -> String {
    let live: String = analyses
        .iter()
        .zip(sections)
        .filter_map(|(a, s)| s.as_ref().map(|s| hardware::live_html(&title(a), s)))
        .collect();
    if doc.contains("<footer") {
        insert_before_last(doc, "<footer", &live, "")
    } else {
        insert_before_last(doc, "</body>", &live, "")
    }
}

/// Add `hardware` to each spec's JSON plan object.
pub fn json(values: &mut [Value], sections: &[Option<LiveSection>]) {
    for (v, s) in values.iter_mut().zip(sections) {
        if let Value::Object(map) = v {
            map.insert(
                "hardware".into(),
                serde_json::to_value(s).unwrap_or(Value::Null),
            );
        }
    }
}

fn insert_before_last(mut doc: String, marker: &str, insert: &str, lead: &str) -> String {
    match doc.rfind(marker) {
        Some(i) => {
            doc.insert_str(i + lead.len(), insert);
            doc
        }
        None => {
            doc.push_str(insert);
            doc
        }
    }
}
