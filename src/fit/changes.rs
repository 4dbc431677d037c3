//! A layout as the spec fields it changes: dotted names as in the spec
//! (`hardware.gpu`, `parallelism.tensor`, `serving.replicas`, ...) mapped to
//! their new values, in the spec's section order; `null` removes a field.
//! Applying them to the spec gives the spec `fit` evaluated (eval.rs
//! `apply` sets the same fields on the typed spec).

use super::eval::nodes_for;
use super::space::{Layout, Space};
use crate::catalog::Resolved;
use crate::spec::Spec;
use serde_json::{Map, Value};

/// The fields `layout` changes in `base`.
pub fn changes(
    base: &Spec,
    resolved: &Resolved,
    space: &Space,
    layout: &Layout,
) -> Map<String, Value> {
    let l = &layout.instance;
    let mut out = Map::new();
    let mut set = |field: &str, v: Value| {
        out.insert(field.to_string(), v);
    };
    if let Some(id) = &space.gpus[l.gpu].id {
        if *id != resolved.gpu.id {
            set("hardware.gpu", Value::from(id.as_str()));
        }
    }
    let nodes = nodes_for(base, layout);
    if nodes != base.hardware.nodes {
        set("hardware.nodes", Value::from(nodes));
    }
    if l.weights != 0 {
        let w = &space.weights[l.weights].weights;
        let own = &base.model.weights;
        if own.dtype != Some(w.dtype) {
            set("model.weights.dtype", Value::from(w.dtype.as_str()));
        }
        if own.quantization != w.quantization {
            set(
                "model.weights.quantization",
                Value::from(w.quantization.as_str()),
            );
        }
        if own.group_size != w.group_size {
            set("model.weights.group_size", Value::from(w.group_size));
        }
        if base.model.safetensors.is_some() {
            // The headers describe the spec's checkpoint, not the new one.
            set("model.safetensors", Value::Null);
        }
    }
    let p = &base.parallelism;
    if l.tensor != p.tensor {
        set("parallelism.tensor", Value::from(l.tensor));
    }
    if l.pipeline != p.pipeline {
        set("parallelism.pipeline", Value::from(l.pipeline));
    }
    if l.data != p.data {
        set("parallelism.data", Value::from(l.data));
    }
    if l.expert != p.expert {
        set("parallelism.expert", Value::from(l.expert));
    }
    if let Some(s) = &base.serving {
        if layout.replicas != s.replicas.unwrap_or(1) {
            set("serving.replicas", Value::from(layout.replicas));
        }
        let mml = space.max_model_lens[l.max_model_len];
        if mml != s.max_model_len {
            set("serving.max_model_len", Value::from(mml));
        }
        let kv = space.kv_dtypes[l.kv];
        if kv != s.kv_cache_dtype {
            set(
                "serving.kv_cache_dtype",
                Value::from(kv.map(|d| d.as_str())),
            );
        }
    }
    out
}
