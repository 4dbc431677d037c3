//! The embedded JSON Schema, validated by code generated at compile time;
//! validation errors become findings.
//!
//! `jsonschema` reports errors with an instance path (a JSON pointer); [`map`]
//! turns each into an SCH finding and the document's pointer map gives it the
//! exact key or value span. Errors do not arrive in document order, so the
//! findings are sorted by position.

mod map;
pub mod validator_copy;

pub use map::display_path;

use crate::diagnostics::Finding;
use crate::spec::SpannedDoc;
use std::sync::OnceLock;

/// The user contract, `schemas/memmath.schema.json`, embedded at build time.
pub const SCHEMA_JSON: &str = include_str!("../../schemas/memmath.schema.json");

/// What the validator is generated from: [`SCHEMA_JSON`] rewritten by build.rs with
/// [`validator_copy::for_validator`] (no annotations; the size grammar as a
/// format instead of a regex).
pub(crate) const VALIDATOR_SCHEMA_JSON: &str =
    include_str!(concat!(env!("OUT_DIR"), "/schema.validator.json"));

include!(concat!(env!("OUT_DIR"), "/spec_validator.rs"));

/// The validator's copy as a JSON value, parsed only when a finding needs it
/// (the allowed keys of an object, for SCH001's did-you-mean).
pub(crate) fn validator_schema() -> &'static serde_json::Value {
    static SCHEMA: OnceLock<serde_json::Value> = OnceLock::new();
    // build.rs wrote this text with serde_json, so it parses (a unit test
    // checks); were it ever not to, findings only lose their key suggestions.
    SCHEMA.get_or_init(|| serde_json::from_str(VALIDATOR_SCHEMA_JSON).unwrap_or_default())
}

/// Validate a parsed document; SCH001-SCH005 findings with spans, in document order.
pub fn validate(doc: &SpannedDoc) -> Vec<Finding> {
    let mut findings: Vec<Finding> = SpecValidator::iter_errors(&doc.value)
        .flat_map(|e| map::to_findings(&e, doc))
        .collect();
    findings.sort_by_key(Finding::sort_key);
    findings.dedup();
    findings
}

/// Where this version's schema is published (the tagged file in the
/// repository), for the `yaml-language-server` modeline `init` and `import`
/// write.
pub fn published_url() -> String {
    format!(
        "https://raw.githubusercontent.com/memmath/memmath/v{}/schemas/memmath.schema.json",
        env!("CARGO_PKG_VERSION")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validator_copy_parses() {
        assert!(validator_schema().get("properties").is_some());
    }
}
