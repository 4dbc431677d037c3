//! docker-compose files: each service's `entrypoint` + `command` (a string is
//! split like a shell line; a list is taken item by item), its `environment`
//! (list or map), its image tag, and its GPUs (`deploy.resources.reservations
//! .devices[].count` / `device_ids`, or `gpus`). Compose interpolation
//! (`${VAR:-default}`) stays unresolved unless supplied.

use super::kubernetes::{from_words, is_secret, relocate};
use super::shell;
use super::yaml_docs::At;
use crate::import::words::{self, Word};
use crate::import::Launch;
use crate::source::SourceFile;

/// Whether a document is a compose file.
pub fn is_compose(doc: &At<'_>) -> bool {
    doc.get("apiVersion").is_none() && doc.get("services").is_some_and(|s| s.v.is_object())
}

pub fn launches(doc: &At<'_>, source: &SourceFile) -> Vec<Launch> {
    let mut out = Vec::new();
    for (name, svc) in doc.get("services").map(|s| s.entries()).unwrap_or_default() {
        let image = svc.get("image").and_then(|i| i.text());
        let mut ws: Vec<Word> = Vec::new();
        for key in ["entrypoint", "command"] {
            let Some(v) = svc.get(key) else { continue };
            if v.v.is_array() {
                for item in v.items() {
                    if let Some(t) = item.text() {
                        ws.push(words::compose(&t, item.span()));
                    }
                }
            } else if let Some(t) = v.text() {
                let region = v.span();
                let split = shell::split(&t, region.start);
                let cmd: Vec<Word> = split.commands.into_iter().flat_map(|c| c.words).collect();
                ws.extend(relocate(&cmd, source, region));
            }
        }
        let Some(mut l) = from_words(&ws, image.as_deref(), &name, svc.key_span(), source) else {
            continue;
        };
        environment(&svc, &mut l);
        gpus(&svc, &mut l);
        if let Some(r) = svc.path("deploy.replicas") {
            l.replicas = r.u64().map(|n| (n, r.span()));
        }
        out.push(l);
    }
    out
}

fn environment(svc: &At<'_>, l: &mut Launch) {
    let Some(env) = svc.get("environment") else {
        return;
    };
    let mut add = |name: String, value: Option<String>, at: &At<'_>| {
        l.env_names.push((name.clone(), at.span()));
        if is_secret(&name) {
            return;
        }
        if let Some(v) = value {
            l.vars
                .file
                .insert(name, (words::compose(&v, at.span()), at.span()));
        }
    };
    if env.v.is_array() {
        for item in env.items() {
            if let Some(t) = item.text() {
                let (n, v) = match t.split_once('=') {
                    Some((n, v)) => (n.to_string(), Some(v.to_string())),
                    None => (t.clone(), None),
                };
                add(n, v, &item);
            }
        }
    } else {
        for (k, v) in env.entries() {
            add(k, v.text(), &v);
        }
    }
}

fn gpus(svc: &At<'_>, l: &mut Launch) {
    for dev in svc
        .path("deploy.resources.reservations.devices")
        .map(|d| d.items())
        .unwrap_or_default()
    {
        if let Some(c) = dev.get("count") {
            if let Some(n) = c.u64() {
                l.gpu.count = Some((n, c.span()));
            }
        } else if let Some(ids) = dev.get("device_ids") {
            let n = ids.items().len() as u64;
            if n > 0 {
                l.gpu.count = Some((n, ids.span()));
            }
        }
    }
    if let Some(g) = svc.get("gpus") {
        if let Some(n) = g.u64() {
            l.gpu.count = Some((n, g.span()));
        }
    }
}
