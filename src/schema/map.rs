//! One `jsonschema` error -> SCH findings with spans and actionable messages.
//!
//! SCH001 unknown-field (span: the unknown key, with a did-you-mean), SCH002
//! missing-field (span: the key of the mapping that lacks it), SCH003 wrong-type,
//! SCH004 out-of-range, SCH005 invalid-value (spans: the offending value when it
//! is a scalar, else its key).

use super::validator_copy::{SIZE_FORMAT, SIZE_PATTERN};
use crate::codes;
use crate::diagnostics::{EditPart, FieldEdit, Finding};
use crate::spec::{escape_pointer_token, SpannedDoc};
use crate::text::{did_you_mean, hint};
use crate::units::SIZE_SUFFIX_HELP;
use jsonschema::error::{TypeKind, ValidationErrorKind as K};
use jsonschema::ValidationError;
use serde_json::Value;

pub(super) fn to_findings(e: &ValidationError<'_>, doc: &SpannedDoc) -> Vec<Finding> {
    let ptr = e.instance_path().as_str().to_string();
    let schema_path = e.schema_path().as_str().to_string();
    let instance = e.instance().as_ref();
    let field = display_path(&ptr);
    match e.kind() {
        K::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|name| unknown_field(name, &ptr, &schema_path, doc))
            .collect(),
        K::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let why = if schema_path.contains("/then/") {
                let kind = doc.value.get("kind").and_then(Value::as_str).unwrap_or("");
                format!(" (kind: {kind} requires it)")
            } else {
                String::new()
            };
            let place = if ptr.is_empty() {
                "the spec".to_string()
            } else {
                format!("`{field}`")
            };
            let f = codes::SCH002
                .finding(
                    ptr.clone(),
                    format!("missing field `{name}` in {place}{why}"),
                )
                .with_fix(format!("add `{name}:` to {place}"));
            // A section the kind requires is missing at the root: point at
            // `kind`, the line that makes it required.
            match doc.value_span("/kind").filter(|_| !why.is_empty()) {
                Some(span) => vec![f.with_span(span)],
                None => vec![with_span(f, doc, &ptr, false)],
            }
        }
        K::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => article(&t.to_string()),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|t| article(&t.to_string()))
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            let mut msg = format!("`{field}` must be {expected}, found {}", describe(instance));
            let mut fix = None;
            let mut edit = None;
            if let (Value::Number(_), true) = (instance, expected.contains("string")) {
                fix = Some(
                    "quote the value: YAML reads an unquoted 0.10 as the number 0.1".to_string(),
                );
            }
            if let (Value::String(s), true) = (
                instance,
                expected.contains("number") || expected.contains("integer"),
            ) {
                if matches!(
                    s.to_ascii_lowercase().trim_start_matches(['+', '-']),
                    ".nan" | ".inf"
                ) {
                    msg.push_str("; memmath accepts finite numbers only");
                }
            }
            if let Value::String(s) = instance {
                let lower = s.to_ascii_lowercase();
                if expected.contains("boolean")
                    && matches!(lower.as_str(), "yes" | "no" | "on" | "off" | "y" | "n")
                {
                    let b = matches!(lower.as_str(), "yes" | "on" | "y");
                    fix = Some(format!(
                        "write `{b}`: memmath reads YAML 1.2, where only true/false are booleans"
                    ));
                    edit = Some(b.to_string());
                } else if (expected.contains("number") || expected.contains("integer"))
                    && s.trim().parse::<f64>().is_ok_and(f64::is_finite)
                {
                    fix = Some(format!("remove the quotes: `{}`", s.trim()));
                    edit = Some(s.trim().to_string());
                }
            }
            let mut f = codes::SCH003.finding(ptr.clone(), msg);
            f.fix = fix;
            if let Some(text) = edit {
                f = f.with_value_edit(text);
            }
            vec![with_span(f, doc, &ptr, true)]
        }
        K::Minimum { limit } => range(doc, &ptr, &field, instance, format!("at least {limit}")),
        K::Maximum { limit } => range(doc, &ptr, &field, instance, format!("at most {limit}")),
        K::ExclusiveMinimum { limit } => {
            range(doc, &ptr, &field, instance, format!("greater than {limit}"))
        }
        K::ExclusiveMaximum { limit } => {
            range(doc, &ptr, &field, instance, format!("less than {limit}"))
        }
        K::MinLength { .. } => range(
            doc,
            &ptr,
            &field,
            instance,
            "a non-empty string".to_string(),
        ),
        K::MaxLength { limit } => range(
            doc,
            &ptr,
            &field,
            instance,
            format!("at most {limit} characters"),
        ),
        K::MinItems { limit } => range(
            doc,
            &ptr,
            &field,
            instance,
            format!("a list of at least {limit} item(s)"),
        ),
        K::MaxItems { limit } => range(
            doc,
            &ptr,
            &field,
            instance,
            format!("a list of at most {limit} item(s)"),
        ),
        K::Enum { options } => vec![enum_value(doc, &ptr, &field, instance, options)],
        K::Constant { expected_value } => vec![invalid(
            doc,
            &ptr,
            format!(
                "`{field}` must be {expected_value}, found {}",
                describe(instance)
            ),
            None,
        )],
        K::Pattern { pattern } => vec![pattern_value(doc, &ptr, &field, instance, pattern)],
        // The validator's copy checks sizes with a format, not the published
        // pattern (validator_copy.rs); the finding is the same.
        K::Format { format } if format == SIZE_FORMAT => {
            vec![not_a_size(doc, &ptr, &field, instance)]
        }
        K::UniqueItems => vec![invalid(
            doc,
            &ptr,
            format!("`{field}` lists the same item twice"),
            Some("remove the repeated item".into()),
        )],
        _ => vec![invalid(doc, &ptr, format!("`{field}`: {e}"), None)],
    }
}

/// SCH001 for `name` under the mapping at `parent`, suggesting the closest
/// allowed key from the schema node that rejected it.
fn unknown_field(name: &str, parent: &str, schema_path: &str, doc: &SpannedDoc) -> Finding {
    let ptr = format!("{parent}/{}", escape_pointer_token(name));
    let node_path = schema_path
        .strip_suffix("/additionalProperties")
        .unwrap_or(schema_path);
    let allowed: Vec<&str> = super::validator_schema()
        .pointer(node_path)
        .and_then(|n| n.get("properties"))
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let place = if parent.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in `{}`", display_path(parent))
    };
    let mut f = codes::SCH001.finding(ptr.clone(), format!("unknown field `{name}` {place}"));
    let nearest = did_you_mean(name, allowed.iter().copied());
    f.fix = match nearest.and_then(|n| hint(&[n])) {
        Some(h) => Some(h),
        None if !allowed.is_empty() => Some(format!("expected one of: {}", allowed.join(", "))),
        None => None,
    };
    // A sibling already named like the suggestion would become a duplicate key.
    let parent_has = |k: &str| doc.value.pointer(parent).and_then(|v| v.get(k)).is_some();
    if let Some(n) = nearest.filter(|n| !parent_has(n)) {
        f.edit = Some(Box::new(FieldEdit {
            pointer: ptr.clone(),
            part: EditPart::Key,
            text: n.to_string(),
        }));
    }
    match doc.spans.get(&ptr) {
        Some(s) => f.with_span(s.key.unwrap_or(s.value)),
        None => with_span(f, doc, parent, false),
    }
}

fn range(
    doc: &SpannedDoc,
    ptr: &str,
    field: &str,
    instance: &Value,
    bound: String,
) -> Vec<Finding> {
    let f = codes::SCH004.finding(
        ptr,
        format!("`{field}` must be {bound}, found {}", describe(instance)),
    );
    vec![with_span(f, doc, ptr, true)]
}

fn invalid(doc: &SpannedDoc, ptr: &str, message: String, fix: Option<String>) -> Finding {
    let mut f = codes::SCH005.finding(ptr, message);
    f.fix = fix;
    with_span(f, doc, ptr, true)
}

fn enum_value(
    doc: &SpannedDoc,
    ptr: &str,
    field: &str,
    instance: &Value,
    options: &Value,
) -> Finding {
    let allowed: Vec<&str> = options
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if ptr == "/apiVersion" {
        let found = instance
            .as_str()
            .map_or_else(|| describe(instance), |s| format!("`{s}`"));
        return invalid(
            doc,
            ptr,
            format!("apiVersion {found} is not supported; this memmath reads `memmath/v1`"),
            Some("set `apiVersion: memmath/v1`, or upgrade memmath if the spec is newer".into()),
        );
    }
    let nearest = instance
        .as_str()
        .and_then(|s| did_you_mean(s, allowed.iter().copied()));
    let f = invalid(
        doc,
        ptr,
        format!(
            "`{field}` is {}; expected one of: {}",
            describe(instance),
            allowed.join(", ")
        ),
        nearest.and_then(|n| hint(&[n])),
    );
    match nearest {
        Some(n) => f.with_value_edit(n),
        None => f,
    }
}

fn shown(instance: &Value) -> String {
    instance
        .as_str()
        .map_or_else(|| describe(instance), |s| format!("`{s}`"))
}

fn not_a_size(doc: &SpannedDoc, ptr: &str, field: &str, instance: &Value) -> Finding {
    invalid(
        doc,
        ptr,
        format!(
            "`{field}` is {}, which is not a size with a recognised unit",
            shown(instance)
        ),
        Some(SIZE_SUFFIX_HELP.to_string()),
    )
}

fn pattern_value(
    doc: &SpannedDoc,
    ptr: &str,
    field: &str,
    instance: &Value,
    pattern: &str,
) -> Finding {
    if pattern == SIZE_PATTERN {
        return not_a_size(doc, ptr, field, instance);
    }
    let shown = shown(instance);
    if ptr.ends_with("/compute_capability") {
        return invalid(
            doc,
            ptr,
            format!("`{field}` is {shown}; expected `major.minor` such as \"9.0\""),
            None,
        );
    }
    if ptr == "/hardware/gpu" {
        return invalid(
            doc,
            ptr,
            format!("`{field}` is {shown}; a catalogue GPU id is lowercase letters, digits, `.`, `_` and `-` (`h100-sxm-80gb`)"),
            Some("run `memmath catalog gpus` for the ids, or describe the GPU inline as {name, memory, compute_capability}".into()),
        );
    }
    invalid(
        doc,
        ptr,
        format!("`{field}` is {shown}, which does not match `{pattern}`"),
        None,
    )
}

/// Attach the span: the value when `prefer_value` and it is a scalar (the thing
/// to change), else the key (or the nearest ancestor's).
fn with_span(f: Finding, doc: &SpannedDoc, ptr: &str, prefer_value: bool) -> Finding {
    let scalar = doc
        .value
        .pointer(ptr)
        .is_some_and(|v| !(v.is_object() || v.is_array()));
    let span = match doc.spans.get(ptr) {
        Some(s) if prefer_value && scalar && !s.value.is_empty() => Some(s.value),
        Some(s) => Some(s.key.unwrap_or(s.value)),
        None => doc.span_of(ptr),
    };
    match span {
        Some(s) => f.with_span(s),
        None => f,
    }
}

/// `/traffic/classes/0/name` -> `traffic.classes[0].name`; the root -> `(root)`.
pub fn display_path(ptr: &str) -> String {
    if ptr.is_empty() {
        return "(root)".to_string();
    }
    let mut out = String::new();
    for token in ptr.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        if !token.is_empty() && token.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&format!("[{token}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&token);
        }
    }
    out
}

fn article(t: &str) -> String {
    match t {
        "integer" => "an integer".into(),
        "object" => "a mapping".into(),
        "array" => "a list".into(),
        "null" => "empty".into(),
        other => format!("a {other}"),
    }
}

/// A short, quoted description of a JSON value for messages.
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "an empty value".into(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) => {
            // Cut long values and neutralise control characters: this is user text.
            let shown: String = s
                .chars()
                .take(60)
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            format!("the string `{shown}`")
        }
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_display_like_code() {
        assert_eq!(
            display_path("/traffic/classes/0/name"),
            "traffic.classes[0].name"
        );
        assert_eq!(display_path(""), "(root)");
        assert_eq!(display_path("/a~1b"), "a/b");
    }
}
