//! LeaderWorkerSet (`leaderworkerset.x-k8s.io`): one group of `size` pods
//! per replica, the engine launched in the leader (vLLM over Ray) or in every
//! pod (SGLang `--nnodes`). The launch found in the leader template (else the
//! worker template) is the pool; `size` gives its pods (nodes).

use super::kubernetes::pod_launches;
use super::yaml_docs::At;
use crate::import::Launch;
use crate::source::SourceFile;

pub fn launches(doc: &At<'_>, source: &SourceFile) -> Vec<Launch> {
    let name = doc.text_at("metadata.name").unwrap_or_default();
    let replicas = doc.count_at("spec.replicas");
    let size = doc
        .path("spec.leaderWorkerTemplate.size")
        .and_then(|s| s.u64().map(|n| (n, s.span())));
    let mut found = Vec::new();
    for tpl in ["leaderTemplate", "workerTemplate"] {
        if let Some(pod) = doc.path(&format!("spec.leaderWorkerTemplate.{tpl}.spec")) {
            found = pod_launches(&pod, &name, source);
            if !found.is_empty() {
                break;
            }
        }
    }
    for l in &mut found {
        l.replicas = replicas;
        l.pods = size;
        // The LWS controller gives every pod LWS_GROUP_SIZE = `size`
        // (https://lws.sigs.k8s.io/docs/reference/labels-annotations-and-environment-variables/).
        if let Some((n, span)) = size {
            l.vars.file.entry("LWS_GROUP_SIZE".to_string()).or_insert((
                crate::import::words::Word::literal(n.to_string(), span),
                span,
            ));
        }
    }
    found
}
