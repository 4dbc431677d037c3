//! `sarif`: SARIF 2.1.0 for GitHub code scanning. `tool.driver.rules` lists the
//! input codes (SYN, SCH) and every lint rule; results point at a relative URI
//! with a 1-based region (columns in Unicode code points, as we count them).

use super::codes::INPUT_CODES;
use super::{ordered, FileFindings, Severity};
use serde_json::{json, Value};

pub(super) fn render(files: &[FileFindings]) -> String {
    // (code, name, one-line summary, full help text, default severity)
    let mut rules: Vec<(String, String, String, String, Severity)> = INPUT_CODES
        .iter()
        .map(|c| {
            (
                c.code.to_string(),
                c.name.to_string(),
                c.summary.to_string(),
                c.summary.to_string(),
                Severity::Error,
            )
        })
        .collect();
    rules.extend(crate::rules::all_rules().iter().map(|r| {
        (
            r.code().to_string(),
            r.name().to_string(),
            first_paragraph(r.doc()),
            r.doc().trim().to_string(),
            r.default_severity(),
        )
    }));
    rules.sort_by(|a, b| a.0.cmp(&b.0));
    rules.dedup_by(|a, b| a.0 == b.0);

    let rule_values: Vec<Value> = rules
        .iter()
        .map(|(code, name, summary, help, sev)| {
            json!({
                "id": code,
                "name": name,
                "shortDescription": {"text": summary},
                "help": {"text": help, "markdown": help},
                "defaultConfiguration": {"level": level(*sev)},
            })
        })
        .collect();

    let mut results = Vec::new();
    for f in ordered(files) {
        let index = rules.iter().position(|r| r.0 == f.code);
        let mut message = f.message.clone();
        if let Some(fix) = &f.fix {
            message.push_str(&format!(" (fix: {fix})"));
        }
        let mut result = json!({
            "ruleId": f.code,
            "level": level(f.severity),
            "message": {"text": message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": uri(&f.file)},
                    "region": {"startLine": f.line, "startColumn": f.column},
                },
                "logicalLocations": [{"fullyQualifiedName": f.pointer, "kind": "member"}],
            }],
        });
        if let (Some(i), Some(obj)) = (index, result.as_object_mut()) {
            obj.insert("ruleIndex".into(), json!(i));
        }
        results.push(result);
    }

    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "memmath",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rule_values,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_string());
    s.push('\n');
    s
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Off => "note",
    }
}

/// A relative URI reference for a file path: forward slashes, no `./`, and the
/// characters URIs reserve percent-encoded.
fn uri(path: &str) -> String {
    let p = path.replace('\\', "/");
    let p = p.trim_start_matches("./");
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The first paragraph of a rule's doc comment, as one line.
fn first_paragraph(doc: &str) -> String {
    doc.trim()
        .split("\n\n")
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(uri("./specs/a b.yaml"), "specs/a%20b.yaml");
        assert_eq!(uri("specs\\x.yaml"), "specs/x.yaml");
    }
}
