//! The published schema (`schemas/memmath.schema.json`, with its descriptions)
//! walked by JSON pointer tokens: what hover shows and completion offers.

use crate::schema::SCHEMA_JSON;
use serde_json::Value;
use std::sync::OnceLock;

fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    // The embedded schema is the crate's own file, parsed by build.rs and by
    // tests (tests/schema_contract.rs); Null would only lose hovers.
    SCHEMA.get_or_init(|| serde_json::from_str(SCHEMA_JSON).unwrap_or(Value::Null))
}

/// The schema node for a path of pointer tokens (`["serving", "max_model_len"]`,
/// `["traffic", "classes", "0", "concurrency"]`); None for a key the schema
/// does not have.
pub fn node<S: AsRef<str>>(tokens: &[S]) -> Option<&'static Value> {
    let mut at = schema();
    for t in tokens {
        let t = t.as_ref();
        at = match at.get("properties").and_then(|p| p.get(t)) {
            Some(n) => n,
            None if t.bytes().all(|b| b.is_ascii_digit()) => at.get("items")?,
            None => return None,
        };
    }
    Some(at)
}

/// The keys an object node allows, in schema order, with each key's node.
pub fn properties(node: &'static Value) -> Vec<(&'static str, &'static Value)> {
    node.get("properties")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default()
}

/// The node's `description`, when it has one.
pub fn description(node: &Value) -> Option<&str> {
    node.get("description").and_then(Value::as_str)
}

/// The node's JSON types (`type` is a string or a list of strings).
pub fn types(node: &Value) -> Vec<&str> {
    match node.get("type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The values an enum (or const) node allows, as YAML text.
pub fn enum_values(node: &Value) -> Vec<String> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    if let Some(c) = node.get("const") {
        return scalar(c).into_iter().collect();
    }
    node.get("enum")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(scalar).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_properties_and_items() {
        let n = node(&["serving", "max_model_len"]).expect("max_model_len");
        assert!(description(n).is_some_and(|d| d.contains("Longest sequence")));
        let c = node(&["traffic", "classes", "3", "concurrency"]).expect("concurrency");
        assert_eq!(types(c), ["integer"]);
        assert!(node(&["serving", "max_modle_len"]).is_none());
        assert!(enum_values(node(&["serving", "engine"]).expect("engine"))
            .contains(&"vllm".to_string()));
        assert_eq!(
            enum_values(node(&["apiVersion"]).expect("apiVersion")),
            ["memmath/v1"]
        );
        let top: Vec<&str> = properties(node::<&str>(&[]).expect("root"))
            .iter()
            .map(|p| p.0)
            .collect();
        assert!(top.contains(&"apiVersion") && top.contains(&"serving"));
    }
}
