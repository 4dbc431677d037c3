//! Every example in specs/ parses, passes the schema and the semantic checks,
//! deserializes to a typed spec, and starts with the editor schema comment.

use memmath::source::SourceFile;
use memmath::{schema, spec};
use std::path::PathBuf;

fn spec_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    files
}

#[test]
fn there_are_at_least_eight_examples() {
    assert!(spec_files().len() >= 8, "{:?}", spec_files());
}

#[test]
fn every_example_validates_and_deserializes() {
    let mut problems = Vec::new();
    for path in spec_files() {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        if !text.starts_with("# yaml-language-server: $schema=../schemas/memmath.schema.json\n") {
            problems.push(format!(
                "{name}: missing the yaml-language-server schema comment"
            ));
        }
        let source = SourceFile::new(name.clone(), text);
        let doc = match spec::parse(&source) {
            Ok(d) => d,
            Err(f) => {
                problems.push(format!("{name}: {f:?}"));
                continue;
            }
        };
        let findings = schema::validate(&doc);
        if !findings.is_empty() {
            problems.push(format!("{name}: {findings:?}"));
            continue;
        }
        match spec::to_typed(&doc) {
            Ok(s) => {
                let f = spec::semantic_checks(&s);
                if !f.is_empty() {
                    problems.push(format!("{name}: {f:?}"));
                }
            }
            Err(f) => problems.push(format!("{name}: {f:?}")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
