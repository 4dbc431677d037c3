//! The copy of the published schema that the spec validator is generated
//! from: the same constraints, minus what only costs time.
//!
//! `schemas/memmath.schema.json` is written for people and editors (a
//! description on every property, the size grammar as a `pattern`). The
//! validator is generated from a copy at compile time (`jsonschema`'s
//! `validator` attribute, declared by build.rs), and the build script (which
//! includes this file with `#[path]`) writes that copy where
//!
//! - annotation keywords (`description`, `title`, `$comment`, `examples`) are
//!   dropped: the validator never reads them, and SCH001's key suggestions
//!   parse the copy at run time;
//! - the size `pattern` becomes `"format": "memmath-size"`, checked by
//!   [`crate::units::is_size_syntax`], a hand-written matcher of the same
//!   grammar. The generated code would build that regex (an alternation the
//!   `regex` crate compiles into several automata) the first time a spec has a
//!   size: 0.75 ms of a 3.5 ms `check` (docs/performance.md). Property tests
//!   compare the matcher with the regex.
//!
//! Only plain `serde_json` here: build.rs compiles this file too.

use serde_json::Value;

/// The published size pattern (`schemas/memmath.schema.json`).
pub const SIZE_PATTERN: &str =
    r"^\s*([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*(B|KiB|MiB|GiB|TiB|KB|kB|MB|GB|TB)\s*$";

/// The custom format that replaces [`SIZE_PATTERN`] in the validator's copy.
pub const SIZE_FORMAT: &str = "memmath-size";

/// Keywords that annotate a schema without constraining the instance.
const ANNOTATIONS: [&str; 4] = ["description", "title", "$comment", "examples"];

/// Keywords whose value is one subschema.
const ONE_SUBSCHEMA: [&str; 7] = [
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "propertyNames",
];

/// Keywords whose value is an array of subschemas.
const SUBSCHEMA_LISTS: [&str; 3] = ["allOf", "anyOf", "oneOf"];

/// Keywords whose value maps names to subschemas.
const SUBSCHEMA_MAPS: [&str; 4] = ["properties", "patternProperties", "definitions", "$defs"];

/// Rewrite a schema node (and every subschema below it) in place.
///
/// Walks only schema positions: a property that happens to be *named*
/// `description` (e.g. `properties.description`) is a subschema, not an
/// annotation, and stays.
pub fn for_validator(node: &mut Value) {
    let Value::Object(map) = node else { return };
    for key in ANNOTATIONS {
        map.remove(key);
    }
    if map.get("pattern").and_then(Value::as_str) == Some(SIZE_PATTERN) {
        map.remove("pattern");
        map.insert("format".into(), Value::String(SIZE_FORMAT.into()));
    }
    for key in ONE_SUBSCHEMA {
        if let Some(sub) = map.get_mut(key) {
            for_validator(sub);
        }
    }
    for key in SUBSCHEMA_LISTS {
        if let Some(Value::Array(subs)) = map.get_mut(key) {
            subs.iter_mut().for_each(for_validator);
        }
    }
    for key in SUBSCHEMA_MAPS {
        if let Some(Value::Object(subs)) = map.get_mut(key) {
            subs.values_mut().for_each(for_validator);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drops_annotations_but_not_properties_named_like_them() {
        let mut schema = json!({
            "title": "t", "description": "d", "$comment": "c",
            "type": "object",
            "properties": {
                "description": {"type": "string", "description": "a property named description"},
                "memory": {"type": ["string", "integer"], "pattern": SIZE_PATTERN, "description": "d"},
                "name": {"type": "string", "pattern": "^[a-z]+$"}
            },
            "allOf": [{"if": {"description": "x"}, "then": {"description": "y", "required": ["name"]}}],
            "items": {"examples": [1], "minimum": 0}
        });
        for_validator(&mut schema);
        assert_eq!(
            schema,
            json!({
                "type": "object",
                "properties": {
                    "description": {"type": "string"},
                    "memory": {"type": ["string", "integer"], "format": SIZE_FORMAT},
                    "name": {"type": "string", "pattern": "^[a-z]+$"}
                },
                "allOf": [{"if": {}, "then": {"required": ["name"]}}],
                "items": {"minimum": 0}
            })
        );
    }

    #[test]
    fn the_published_schema_uses_the_size_pattern_and_the_copy_does_not() {
        let published = crate::schema::SCHEMA_JSON;
        assert_eq!(
            published.matches(&SIZE_PATTERN.replace('\\', "\\\\")).count(),
            // gpu.memory, host_memory, multimodal.processor_cache, kv_offload.host_memory
            4,
            "the size pattern in schemas/memmath.schema.json changed: update SIZE_PATTERN and units::is_size_syntax together"
        );
        let copy = crate::schema::VALIDATOR_SCHEMA_JSON;
        assert!(!copy.contains("GiB|"), "a size pattern survived: {copy}");
        assert_eq!(copy.matches(SIZE_FORMAT).count(), 4);
        assert!(
            !copy.contains("\"description\":\""),
            "an annotation survived"
        );
    }
}
