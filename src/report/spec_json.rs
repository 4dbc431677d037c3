//! Reading spec values by JSON pointer: the few inputs the report echoes from
//! the spec itself (parallelism degrees, headroom, a class's percentiles,
//! concurrency and burst, the training settings), which the plan does not carry.

use serde_json::Value as Json;

pub(super) fn str_at(v: &Json, ptr: &str) -> Option<String> {
    v.pointer(ptr).and_then(Json::as_str).map(str::to_string)
}

pub(super) fn u64_at(v: &Json, ptr: &str) -> Option<u64> {
    v.pointer(ptr).and_then(Json::as_u64)
}

pub(super) fn f64_at(v: &Json, ptr: &str) -> Option<f64> {
    v.pointer(ptr).and_then(Json::as_f64)
}

/// A JSON scalar as plain text (strings without quotes).
pub(super) fn json_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => "-".into(),
        other => other.to_string(),
    }
}
