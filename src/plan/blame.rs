//! Which input an overflow comes from: MEM000 names the field a user would
//! change, found by counterfactual, not guessed from the stage that overflowed
//! (`serving.replicas: 9000000000000000000` overflows while the KV pool of the
//! deployment is summed, but max_model_len is not to blame).
//!
//! Every number the plan reads is a candidate: the spec's numeric fields and
//! the resolved architecture, GPU total and exact weights (the last three point
//! at the spec field that set them, else at the preset, config.json or
//! safetensors path they came from). Candidates are tried largest value first:
//! the first one that, set to 1 alone, lets the plan compute is the culprit.
//! When no single field does (two absurd numbers), they are set to 1 one after
//! another, and the field whose replacement first lets the plan compute is
//! named; fixing it and re-running names the next.

use crate::catalog::Resolved;
use crate::schema::display_path;
use crate::spec::{escape_pointer_token, GpuSpec, Spec};
use serde_json::Value;

/// How many of the largest numbers are tried (each try is one plan
/// computation; only the failure path pays for it).
const MAX_CANDIDATES: usize = 12;

/// The field an overflow is blamed on.
#[derive(Clone, Debug, PartialEq)]
pub struct Culprit {
    /// JSON pointer into the spec.
    pub pointer: String,
    /// How a user names it: `serving.replicas`, `traffic.classes[0].concurrency`,
    /// or `hidden_size of the preset`.
    pub label: String,
    /// The value, as written.
    pub value: String,
}

/// Where a candidate lives, so it can be set to 1.
#[derive(Clone, Debug)]
enum Place {
    /// A pointer into the serialized spec.
    Spec(String),
    /// A pointer into the serialized resolved model/GPU.
    Resolved(String),
}

#[derive(Clone, Debug)]
struct Candidate {
    place: Place,
    magnitude: f64,
    culprit: Culprit,
}

/// The field whose value makes `computes` fail, if one can be isolated.
pub fn culprit(
    spec: &Spec,
    resolved: &Resolved,
    computes: impl Fn(&Spec, &Resolved) -> bool,
) -> Option<Culprit> {
    // Absent optional fields serialize as null, which not every field's
    // deserializer takes back (sizes): drop them, as if never written.
    let mut spec_v = serde_json::to_value(spec).ok()?;
    strip_nulls(&mut spec_v);
    let res_v = serde_json::to_value(resolved).ok()?;
    let mut cands = candidates(spec, &spec_v, &res_v);
    // Largest first; ties keep document order (the sort is stable).
    cands.sort_by(|a, b| b.magnitude.total_cmp(&a.magnitude));
    cands.truncate(MAX_CANDIDATES);
    let attempt = |s: &Value, r: &Value| -> bool {
        match (
            serde_json::from_value::<Spec>(s.clone()),
            serde_json::from_value::<Resolved>(r.clone()),
        ) {
            (Ok(s), Ok(r)) => computes(&s, &r),
            _ => false,
        }
    };
    for c in &cands {
        let (mut s, mut r) = (spec_v.clone(), res_v.clone());
        set_one(&c.place, &mut s, &mut r);
        if attempt(&s, &r) {
            return Some(c.culprit.clone());
        }
    }
    let (mut s, mut r) = (spec_v.clone(), res_v.clone());
    for c in &cands {
        set_one(&c.place, &mut s, &mut r);
        if attempt(&s, &r) {
            return Some(c.culprit.clone());
        }
    }
    None
}

fn set_one(place: &Place, spec: &mut Value, resolved: &mut Value) {
    let (root, ptr) = match place {
        Place::Spec(p) => (spec, p),
        Place::Resolved(p) => (resolved, p),
    };
    if let Some(v) = root.pointer_mut(ptr) {
        *v = if v.is_f64() {
            Value::from(1.0)
        } else {
            Value::from(1u64)
        };
    }
}

fn candidates(spec: &Spec, spec_v: &Value, res_v: &Value) -> Vec<Candidate> {
    let mut out = Vec::new();
    // The spec's own numbers, except those `catalog::resolve` already copied
    // into the resolved model and GPU (tried there, where the plan reads them).
    let mut leaves = Vec::new();
    numeric_leaves(spec_v, String::new(), &mut leaves);
    for (ptr, v) in leaves {
        if ptr.starts_with("/model/architecture/") || ptr.starts_with("/hardware/gpu/") {
            continue;
        }
        out.push(Candidate {
            magnitude: magnitude(&v),
            culprit: Culprit {
                label: display_path(&ptr),
                pointer: ptr.clone(),
                value: v.to_string(),
            },
            place: Place::Spec(ptr),
        });
    }
    let arch_source = if spec.model.hf_config.is_some() {
        Some(("/model/hf_config", "config.json"))
    } else if spec.model.preset.is_some() {
        Some(("/model/preset", "the preset"))
    } else {
        None
    };
    let mut arch = Vec::new();
    if let Some(a) = res_v.pointer("/model/architecture") {
        numeric_leaves(a, String::new(), &mut arch);
    }
    for (rel, v) in arch {
        let own = format!("/model/architecture{rel}");
        let (pointer, label) = if spec_v.pointer(&own).is_some() {
            (own.clone(), display_path(&own))
        } else if let Some((p, from)) = arch_source {
            (p.to_string(), format!("{} of {from}", display_path(&rel)))
        } else {
            (own.clone(), display_path(&own))
        };
        out.push(Candidate {
            place: Place::Resolved(format!("/model/architecture{rel}")),
            magnitude: magnitude(&v),
            culprit: Culprit {
                pointer,
                label,
                value: v.to_string(),
            },
        });
    }
    let mut exact = Vec::new();
    if let Some(x) = res_v.pointer("/model/exact_weights") {
        numeric_leaves(x, String::new(), &mut exact);
    }
    for (rel, v) in exact {
        out.push(Candidate {
            place: Place::Resolved(format!("/model/exact_weights{rel}")),
            magnitude: magnitude(&v),
            culprit: Culprit {
                pointer: "/model/safetensors".into(),
                label: format!("{} read from model.safetensors", display_path(&rel)),
                value: v.to_string(),
            },
        });
    }
    if let Some(v) = res_v.pointer("/gpu/memory_bytes") {
        let (pointer, label) = match &spec.hardware.gpu {
            GpuSpec::Inline(_) => ("/hardware/gpu/memory", "hardware.gpu.memory".to_string()),
            GpuSpec::Id(id) => ("/hardware/gpu", format!("the memory of catalogue GPU {id}")),
        };
        out.push(Candidate {
            place: Place::Resolved("/gpu/memory_bytes".into()),
            magnitude: magnitude(v),
            culprit: Culprit {
                pointer: pointer.into(),
                label,
                value: v.to_string(),
            },
        });
    }
    out
}

fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, child| !child.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

fn magnitude(v: &Value) -> f64 {
    v.as_f64().map_or(0.0, f64::abs)
}

/// Every number under `v` with its JSON pointer (relative to `v`).
fn numeric_leaves(v: &Value, at: String, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Number(_) => out.push((at, v.clone())),
        Value::Object(m) => {
            for (k, child) in m {
                numeric_leaves(child, format!("{at}/{}", escape_pointer_token(k)), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                numeric_leaves(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// `/traffic/classes/0/concurrency` -> `traffic.classes[0].concurrency`.
#[cfg(test)]
mod tests {
    use super::display_path;

    #[test]
    fn pointers_read_as_field_paths() {
        assert_eq!(display_path("/serving/replicas"), "serving.replicas");
        assert_eq!(
            display_path("/traffic/classes/0/concurrency"),
            "traffic.classes[0].concurrency"
        );
        assert_eq!(display_path("/moe/experts"), "moe.experts");
    }
}
