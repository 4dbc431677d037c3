//! `sarif`: SARIF 2.1.0 for GitHub code scanning. `tool.driver.rules` lists
//! every code of the registry ([`crate::codes`]): input, catalogue, plan, rule
//! and hardware codes alike. Results point at a relative URI (an absolute spec
//! path under the base folder is made relative to it) with a 1-based region
//! (columns in Unicode code points, as we count them).

use super::{ordered, FileFindings, Severity};
use crate::codes::{self, Code};
use serde_json::{json, Value};
use std::path::{Component, Path};

pub(super) fn render(files: &[FileFindings], base_dir: Option<&Path>) -> String {
    let rules = codes::all();
    let rule_values: Vec<Value> = rules.iter().map(rule_metadata).collect();

    let mut results = Vec::new();
    for f in ordered(files) {
        let index = rules.iter().position(|r| r.code == f.code);
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
                    "artifactLocation": {"uri": uri(&f.file, base_dir)},
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

/// One `reportingDescriptor`: the registry row of a code.
fn rule_metadata(c: &Code) -> Value {
    let help = format!(
        "{}\n\nDocumented in {}; `memmath rule {}` prints the full documentation.",
        c.summary, c.docs, c.code
    );
    json!({
        "id": c.code,
        "name": c.name,
        "shortDescription": {"text": c.summary},
        "help": {"text": help, "markdown": help},
        "defaultConfiguration": {"level": level(c.severity)},
        "properties": {
            "category": c.category(),
            "suppressible": c.suppressible,
            "configurable": c.configurable,
        },
    })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Off => "note",
    }
}

/// A URI reference for a file path: relative to `base_dir` when the path is
/// absolute and under it, forward slashes, no `./`, and the characters URIs
/// reserve percent-encoded. An absolute path elsewhere becomes a `file://` URI.
fn uri(path: &str, base_dir: Option<&Path>) -> String {
    let p = Path::new(path);
    let relative = match base_dir {
        Some(base) if p.is_absolute() => p.strip_prefix(base).ok(),
        _ => None,
    };
    match relative {
        Some(rel) => encode(&rel.to_string_lossy()),
        None if p.is_absolute() => {
            let parts: Vec<String> = p
                .components()
                .filter_map(|c| match c {
                    Component::Normal(s) => Some(encode(&s.to_string_lossy())),
                    _ => None,
                })
                .collect();
            format!("file:///{}", parts.join("/"))
        }
        None => encode(path),
    }
}

fn encode(path: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(uri("./specs/a b.yaml", None), "specs/a%20b.yaml");
        assert_eq!(uri("specs\\x.yaml", None), "specs/x.yaml");
    }

    #[cfg(unix)]
    #[test]
    fn absolute_paths_under_the_base_become_relative() {
        let base = Path::new("/work/repo");
        assert_eq!(uri("/work/repo/specs/a.yaml", Some(base)), "specs/a.yaml");
        assert_eq!(uri("specs/a.yaml", Some(base)), "specs/a.yaml");
        assert_eq!(
            uri("/elsewhere/a b.yaml", Some(base)),
            "file:///elsewhere/a%20b.yaml"
        );
        assert_eq!(uri("/elsewhere/a.yaml", None), "file:///elsewhere/a.yaml");
    }

    #[test]
    fn every_registry_code_has_rule_metadata() {
        let out = render(&[], None);
        let v: Value = serde_json::from_str(&out).expect("json");
        let ids: Vec<&str> = v["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .filter_map(|r| r["id"].as_str())
            .collect();
        for c in codes::all() {
            assert!(ids.contains(&c.code), "{} has no SARIF metadata", c.code);
        }
        for code in ["MEM000", "CAT001", "HW003", "SYN001", "TRF003"] {
            assert!(ids.contains(&code), "{code}");
        }
    }
}
