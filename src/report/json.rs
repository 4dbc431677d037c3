//! The JSON plan (docs/reports.md, "The JSON plan"): the plan's keys, the figures derived
//! from them ([`crate::plan::derive`]) merged in next to the keys they come
//! from, plus located findings.

use crate::diagnostics::LocatedFinding;
use crate::pipeline::Analysis;
use serde_json::{json, Value};

/// `report --format json` for one analyzed spec. Without a plan (the spec did not
/// validate) the object still carries `file` and `findings`.
pub fn plan_json(analysis: &Analysis) -> Value {
    let findings: Vec<LocatedFinding> = analysis
        .findings
        .iter()
        .map(|f| analysis.locate(f))
        .collect();
    let mut obj = match &analysis.plan {
        Some(plan) => {
            let mut v = serde_json::to_value(plan).unwrap_or_else(|_| json!({}));
            let tp = analysis.spec.as_ref().map(|s| s.parallelism.tensor);
            merge_new_keys(&mut v, derived_json(&crate::plan::derive(plan, tp)));
            v
        }
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

/// The derived figures as JSON. Written out and read back so 128-bit figures
/// past what a JSON integer holds become floats instead of an error.
fn derived_json(d: &crate::plan::Derived) -> Value {
    serde_json::to_string(d)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null)
}

/// Add `src`'s keys to `dst` where `dst` has none: objects key by key, arrays
/// element by element. A key `dst` already has is never replaced (the plan's
/// contract keys win).
fn merge_new_keys(dst: &mut Value, src: Value) {
    match (dst, src) {
        (Value::Object(d), Value::Object(s)) => {
            for (k, v) in s {
                match d.get_mut(&k) {
                    Some(existing) => merge_new_keys(existing, v),
                    None => {
                        d.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(d), Value::Array(s)) => {
            for (x, y) in d.iter_mut().zip(s) {
                merge_new_keys(x, y);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_adds_keys_and_never_replaces() {
        let mut dst = json!({"per_gpu": {"total_bytes": 1}, "classes": [{"name": "a"}]});
        merge_new_keys(
            &mut dst,
            json!({"per_gpu": {"total_bytes": 2, "spare_bytes": 3}, "classes": [{"blocks_per_sequence": 4}], "host": {"fits": true}}),
        );
        assert_eq!(
            dst,
            json!({"per_gpu": {"total_bytes": 1, "spare_bytes": 3}, "classes": [{"name": "a", "blocks_per_sequence": 4}], "host": {"fits": true}})
        );
    }
}
