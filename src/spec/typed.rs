//! From a schema-valid document to the typed [`Spec`], and the checks JSON Schema
//! cannot express (percentile order, quantization vs dtype).

use super::{SpannedDoc, Spec};
use crate::diagnostics::{Finding, Severity};

/// Deserialize a schema-valid document.
pub fn to_typed(doc: &SpannedDoc) -> Result<Spec, Vec<Finding>> {
    serde_json::from_value(doc.value.clone()).map_err(|e| {
        vec![Finding::new(
            "SCH003",
            "wrong-type",
            Severity::Error,
            "",
            e.to_string(),
        )]
    })
}

/// Cross-field checks, reported as SCH findings.
pub fn semantic_checks(_spec: &Spec) -> Vec<Finding> {
    Vec::new()
}
