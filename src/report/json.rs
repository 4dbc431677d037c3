//! The JSON plan of design.md section 4: the plan's keys plus located findings.

use crate::diagnostics::LocatedFinding;
use crate::pipeline::Analysis;
use serde_json::{json, Value};

/// `report --format json` for one analyzed spec. Without a plan (the spec did not
/// validate) the object still carries `file` and `findings`.
pub fn plan_json(analysis: &Analysis) -> Value {
    let findings: Vec<LocatedFinding> = analysis
        .findings
        .iter()
        .map(|f| LocatedFinding::locate(f, &analysis.source))
        .collect();
    let mut obj = match &analysis.plan {
        Some(plan) => serde_json::to_value(plan).unwrap_or_else(|_| json!({})),
        None => json!({}),
    };
    if let Value::Object(map) = &mut obj {
        map.insert("file".into(), json!(analysis.source.name));
        map.insert(
            "findings".into(),
            serde_json::to_value(findings).unwrap_or(Value::Null),
        );
    }
    obj
}
