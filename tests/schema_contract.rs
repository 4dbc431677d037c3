//! The JSON Schema and the typed spec (src/spec/types.rs) describe the same
//! fields: a spec using every schema field validates and deserializes (schema
//! fields exist in the types), and every field the types serialize exists in
//! the schema with a description (type fields exist in the schema).

use memmath::source::SourceFile;
use memmath::{schema, spec};
use serde_json::Value;

fn maximal() -> Value {
    let path = format!("{}/tests/fixtures/maximal.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc =
        spec::parse(&SourceFile::new("maximal.yaml", text)).unwrap_or_else(|f| panic!("{f:?}"));
    let findings = schema::validate(&doc);
    assert!(findings.is_empty(), "{findings:?}");
    let typed = spec::to_typed(&doc).unwrap_or_else(|f| panic!("{f:?}"));
    serde_json::to_value(&typed).unwrap_or_else(|e| panic!("{e}"))
}

/// The published schema file (the validator's copy has no descriptions).
fn published() -> Value {
    serde_json::from_str(schema::SCHEMA_JSON).unwrap_or_else(|e| panic!("{e}"))
}

/// Walk a serialized value alongside the schema node that describes it.
fn check(value: &Value, node: &Value, path: &str, problems: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            let props = node.get("properties").and_then(Value::as_object);
            for (key, v) in map {
                let here = format!("{path}/{key}");
                match props.and_then(|p| p.get(key)) {
                    Some(child) => {
                        if child
                            .get("description")
                            .and_then(Value::as_str)
                            .is_none_or(str::is_empty)
                        {
                            problems.push(format!("{here}: no description"));
                        }
                        check(v, child, &here, problems);
                    }
                    None => problems.push(format!(
                        "{here}: in src/spec/types.rs but not in the schema"
                    )),
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = node.get("items") {
                for (i, v) in items.iter().enumerate() {
                    check(v, item, &format!("{path}/{i}"), problems);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn schema_and_types_agree() {
    let value = maximal();
    let mut problems = Vec::new();
    check(&value, &published(), "", &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_schema_object_is_closed_and_described() {
    fn walk(node: &Value, path: &str, problems: &mut Vec<String>) {
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            if node.get("additionalProperties") != Some(&Value::Bool(false)) {
                problems.push(format!("{path}: additionalProperties is not false"));
            }
            for (k, child) in props {
                if child
                    .get("description")
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
                {
                    problems.push(format!("{path}/{k}: no description"));
                }
                walk(child, &format!("{path}/{k}"), problems);
            }
        }
        if let Some(items) = node.get("items") {
            walk(items, &format!("{path}/items"), problems);
        }
    }
    let mut problems = Vec::new();
    walk(&published(), "", &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn schema_command_text_is_the_embedded_file() {
    let on_disk = std::fs::read_to_string(format!(
        "{}/schemas/memmath.schema.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(on_disk, schema::SCHEMA_JSON);
}
