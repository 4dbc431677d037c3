//! NVIDIA Dynamo `DynamoGraphDeployment`: each service under `spec.services`
//! whose main container runs `python3 -m dynamo.vllm|sglang|trtllm` is a pool
//! (prefill and decode workers separately: `--is-prefill-worker`,
//! `--disaggregation-mode prefill`, or `subComponentType: prefill`). GPUs come
//! from the service's `resources.limits.gpu`.

use super::kubernetes::{container, container_gpu, pod_gpu_names};
use super::yaml_docs::At;
use crate::import::{Launch, Role};
use crate::source::SourceFile;

pub fn launches(doc: &At<'_>, source: &SourceFile) -> Vec<Launch> {
    let mut out = Vec::new();
    for (svc_name, svc) in doc
        .path("spec.services")
        .map(|s| s.entries())
        .unwrap_or_default()
    {
        let Some(main) = svc.path("extraPodSpec.mainContainer") else {
            continue;
        };
        let Some(mut l) = container(&main, &svc_name, source) else {
            continue;
        };
        l.span = svc.key_span();
        let g = container_gpu(&svc);
        if g.count.is_some() {
            l.gpu.count = g.count;
        }
        if let Some(pod) = svc.get("extraPodSpec") {
            l.gpu.names.extend(pod_gpu_names(&pod));
        }
        l.replicas = svc
            .get("replicas")
            .and_then(|r| r.u64().map(|n| (n, r.span())));
        if let Some(env) = svc.get("envs") {
            for e in env.items() {
                if let Some(n) = e.get("name").and_then(|n| n.text()) {
                    l.env_names.push((n, e.span()));
                }
            }
        }
        let words: Vec<String> = l.argv.iter().filter_map(|w| w.as_literal()).collect();
        let sub = svc
            .get("subComponentType")
            .and_then(|s| s.text())
            .unwrap_or_default();
        l.role = if sub == "prefill"
            || words.iter().any(|w| w == "--is-prefill-worker")
            || words
                .windows(2)
                .any(|p| p[0] == "--disaggregation-mode" && p[1] == "prefill")
        {
            Some(Role::Prefill)
        } else if sub == "decode"
            || words
                .windows(2)
                .any(|p| p[0] == "--disaggregation-mode" && p[1] == "decode")
        {
            Some(Role::Decode)
        } else {
            None
        };
        // Dynamo's image tag is Dynamo's release, not the engine's.
        l.image = None;
        out.push(l);
    }
    out
}
