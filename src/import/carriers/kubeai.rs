//! kubeai `Model` (`kubeai.org/v1`): `spec.url` names the model (`hf://org/name`),
//! `spec.engine` the engine (only `VLLM` is an engine memmath models),
//! `spec.args` its flags, `spec.env` a map of variables, and
//! `spec.resourceProfile` (`nvidia-gpu-l4:1`) the GPU type and count.

use super::yaml_docs::At;
use crate::import::words::{self, Word};
use crate::import::Launch;
use crate::spec::Engine;

pub fn launches(doc: &At<'_>) -> Vec<Launch> {
    let Some(spec) = doc.get("spec") else {
        return Vec::new();
    };
    let engine = spec
        .get("engine")
        .and_then(|e| e.text())
        .unwrap_or_default();
    if !engine.eq_ignore_ascii_case("vllm") {
        return Vec::new();
    }
    let name = doc
        .path("metadata.name")
        .and_then(|n| n.text())
        .unwrap_or_default();
    let mut l = Launch::new(
        name,
        doc.get("spec").map_or(doc.span(), |s| s.key_span()),
        Engine::Vllm,
    );
    l.argv = spec
        .get("args")
        .map(|a| a.items())
        .unwrap_or_default()
        .iter()
        .filter_map(|i| i.text().map(|t| words::kube(&t, i.span())))
        .collect::<Vec<Word>>();
    if let Some(u) = spec.get("url") {
        if let Some(t) = u.text() {
            l.model = Some((t, u.span()));
        }
    }
    for (k, v) in spec.get("env").map(|e| e.entries()).unwrap_or_default() {
        l.env_names.push((k.clone(), v.key_span()));
        if !super::kubernetes::is_secret(&k) {
            if let Some(t) = v.text() {
                l.vars.file.insert(k, (words::kube(&t, v.span()), v.span()));
            }
        }
    }
    if let Some(p) = spec.get("resourceProfile") {
        if let Some(t) = p.text() {
            let (profile, count) = t.split_once(':').unwrap_or((t.as_str(), ""));
            l.gpu.names.push((profile.to_string(), p.span()));
            if let Ok(n) = count.trim().parse() {
                l.gpu.count = Some((n, p.span()));
            }
        }
    }
    if let Some(r) = spec.get("replicas") {
        l.replicas = r.u64().map(|n| (n, r.span()));
    }
    vec![l]
}
