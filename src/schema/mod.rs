//! The embedded JSON Schema, compiled once; validation errors become findings.
//!
//! `jsonschema` reports errors with an instance path (a JSON pointer); [`map`]
//! turns each into an SCH finding and the document's pointer map gives it the
//! exact key or value span. Errors do not arrive in document order, so the
//! findings are sorted by position.

mod map;
mod suggest;
pub mod validator_copy;

pub use suggest::did_you_mean;

use crate::diagnostics::{Finding, Severity};
use crate::spec::SpannedDoc;
use std::sync::OnceLock;

/// The user contract, `schemas/memmath.schema.json`, embedded at build time.
pub const SCHEMA_JSON: &str = include_str!("../../schemas/memmath.schema.json");

/// What the validator compiles: [`SCHEMA_JSON`] rewritten by build.rs with
/// [`validator_copy::for_validator`] (no annotations; the size grammar as a
/// format instead of a regex).
pub const VALIDATOR_SCHEMA_JSON: &str =
    include_str!(concat!(env!("OUT_DIR"), "/schema.validator.json"));

/// The validator's schema and its compiled validator, built on first use.
struct Compiled {
    schema: serde_json::Value,
    validator: jsonschema::Validator,
}

fn compiled() -> Result<&'static Compiled, &'static str> {
    static COMPILED: OnceLock<Result<Compiled, String>> = OnceLock::new();
    COMPILED
        .get_or_init(|| {
            let schema: serde_json::Value =
                serde_json::from_str(VALIDATOR_SCHEMA_JSON).map_err(|e| e.to_string())?;
            let validator = build_validator(&schema)?;
            Ok(Compiled { schema, validator })
        })
        .as_ref()
        .map_err(String::as_str)
}

/// Compile `schema` (the validator's copy) with the size format registered.
/// Draft 7 formats are assertions; saying so keeps that true whatever the
/// crate's default.
fn build_validator(schema: &serde_json::Value) -> Result<jsonschema::Validator, String> {
    jsonschema::options()
        .should_validate_formats(true)
        .with_format(validator_copy::SIZE_FORMAT, crate::units::is_size_syntax)
        .build(schema)
        .map_err(|e| e.to_string())
}

/// Validate a parsed document; SCH001-SCH005 findings with spans, in document order.
pub fn validate(doc: &SpannedDoc) -> Vec<Finding> {
    let c = match compiled() {
        Ok(c) => c,
        // Only a broken build can get here (a test compiles the schema); report
        // it as a finding rather than crash on a user's spec.
        Err(e) => {
            return vec![Finding::new(
                "SCH005",
                "invalid-value",
                Severity::Error,
                "",
                format!("internal error: the embedded schema does not compile: {e}"),
            )]
        }
    };
    let mut findings: Vec<Finding> = c
        .validator
        .iter_errors(&doc.value)
        .flat_map(|e| map::to_findings(&e, doc, &c.schema))
        .collect();
    findings.sort_by_key(Finding::sort_key);
    findings.dedup();
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_schema_compiles() {
        assert!(compiled().is_ok(), "{:?}", compiled().err());
    }
}
