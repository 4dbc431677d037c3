//! Helm values files, read as YAML without rendering any template:
//!
//! - vllm production-stack (`servingEngineSpec.modelSpec[]`): each model is
//!   a pool; `vllmConfig` keys become the flags the chart's
//!   `deployment-vllm-multi.yaml` renders (`maxModelLen` -> `--max-model-len`),
//!   `vllmConfig.extraArgs` follow them, `requestGPU` is the GPU count,
//!   `tag` the image's (the engine version). A memory key placed where the
//!   chart does not read it (`modelSpec[].maxModelLen` instead of
//!   `vllmConfig.maxModelLen`) is IMP003.
//! - llm-d ModelService values (`modelArtifacts.uri`, `decode:` and
//!   `prefill:` with `parallelism`, `containers[].args`, `acceleratorTypes`):
//!   one pool per role, the containers run `vllm serve`.

use super::kubernetes::{container_gpu, env};
use super::yaml_docs::At;
use crate::codes;
use crate::diagnostics::Finding;
use crate::import::engine::flags::Target;
use crate::import::engine::{self, Origin, Setting, Value};
use crate::import::words::{self, Word};
use crate::import::{Launch, Role};
use crate::spec::Engine;

/// production-stack `vllmConfig` keys and the vLLM flag each renders
/// (vllm-project/production-stack helm/templates/deployment-vllm-multi.yaml).
const VLLM_CONFIG_KEYS: &[(&str, &str)] = &[
    ("maxModelLen", "max-model-len"),
    ("dtype", "dtype"),
    ("tensorParallelSize", "tensor-parallel-size"),
    ("pipelineParallelSize", "pipeline-parallel-size"),
    ("gpuMemoryUtilization", "gpu-memory-utilization"),
    ("maxNumSeqs", "max-num-seqs"),
    ("maxLoras", "max-loras"),
    ("enablePrefixCaching", "enable-prefix-caching"),
    ("enableChunkedPrefill", "enable-chunked-prefill"),
];

/// Whether a document is a values file this carrier reads.
pub fn is_values(doc: &At<'_>) -> bool {
    doc.get("apiVersion").is_none()
        && (doc.get("servingEngineSpec").is_some()
            || doc.get("modelArtifacts").is_some()
            || doc.path("decode.containers").is_some())
}

pub fn launches(doc: &At<'_>, findings: &mut Vec<Finding>) -> Vec<Launch> {
    if let Some(ses) = doc.get("servingEngineSpec") {
        return production_stack(&ses, findings);
    }
    llm_d(doc)
}

fn production_stack(ses: &At<'_>, findings: &mut Vec<Finding>) -> Vec<Launch> {
    let mut out = Vec::new();
    let specs = ses
        .get("modelSpec")
        .map(|m| if m.v.is_array() { m.items() } else { vec![m] })
        .unwrap_or_default();
    let chart_selector = ses.get("nodeSelector");
    for m in specs {
        let name = m.get("name").and_then(|n| n.text()).unwrap_or_default();
        let mut l = Launch::new(name, m.span(), Engine::Vllm);
        let repo = m
            .get("repository")
            .and_then(|r| r.text())
            .unwrap_or_default();
        let tag = m.get("tag").and_then(|t| t.text()).unwrap_or_default();
        if !repo.is_empty() {
            l.image = Some(format!("{repo}:{tag}"));
        }
        if let Some(u) = m.get("modelURL") {
            l.model = u.text().map(|t| (t, u.span()));
        }
        if let Some(g) = m.get("requestGPU") {
            l.gpu.count = g.u64().map(|n| (n, g.span()));
        }
        if let Some(r) = m.get("replicaCount") {
            l.replicas = r.u64().map(|n| (n, r.span()));
        }
        if let Some(t) = m.get("requestGPUType") {
            if let Some(v) = t.text() {
                l.gpu.names.push((v, t.span()));
            }
        }
        for sel in [m.get("nodeSelector"), chart_selector.clone()]
            .into_iter()
            .flatten()
        {
            for (k, v) in sel.entries() {
                if k.contains("gpu") || k.contains("accelerator") || k.contains("instance-type") {
                    if let Some(t) = v.text() {
                        l.gpu.names.push((t, v.span()));
                    }
                }
            }
        }
        env(&m, &mut l);
        // `enableLoRA: true` makes the chart add `--enable-lora`.
        if let Some(v) = m.get("enableLoRA") {
            if v.v == &serde_json::Value::Bool(true) {
                l.keyed.push(Setting {
                    target: Target::EnableLora,
                    flag: "enableLoRA".to_string(),
                    value: Value::Bool(true),
                    span: v.key_span(),
                    origin: Origin::Key("enableLoRA".to_string()),
                    via: Vec::new(),
                });
            }
        }
        if let Some(cfg) = m.get("vllmConfig") {
            for (key, v) in cfg.entries() {
                if key == "extraArgs" {
                    l.argv = v
                        .items()
                        .iter()
                        .filter_map(|i| i.text().map(|t| words::kube(&t, i.span())))
                        .collect::<Vec<Word>>();
                    continue;
                }
                match VLLM_CONFIG_KEYS.iter().find(|(k, _)| *k == key) {
                    Some((_, flag)) => {
                        if let Some(s) = keyed(flag, &v, &format!("vllmConfig.{key}"), findings) {
                            // The chart renders `--enable-lora` with `--max-loras`.
                            if s.target == Target::MaxLoras {
                                l.keyed.push(Setting {
                                    target: Target::EnableLora,
                                    value: Value::Bool(true),
                                    ..s.clone()
                                });
                            }
                            l.keyed.push(s);
                        }
                    }
                    None => findings.push(
                        codes::IMP003
                            .finding(
                                "",
                                format!("`vllmConfig.{}` is not a key the production-stack chart renders: it sets nothing", engine::clip(&key)),
                            )
                            .with_fix("put the flag in `vllmConfig.extraArgs`")
                            .with_span(v.key_span()),
                    ),
                }
            }
        }
        // Memory keys one level too high are silently ignored by the chart.
        for (key, _) in VLLM_CONFIG_KEYS {
            if let Some(v) = m.get(key) {
                findings.push(
                    codes::IMP003
                        .finding(
                            "",
                            format!(
                                "`{key}` directly under a modelSpec entry is not read by the chart"
                            ),
                        )
                        .with_fix(format!("move it to `vllmConfig.{key}`"))
                        .with_span(v.key_span()),
                );
            }
        }
        if let Some(lm) = m.get("lmcacheConfig") {
            if lm
                .get("enabled")
                .is_some_and(|e| e.v == &serde_json::Value::Bool(true))
            {
                l.keyed.push(Setting {
                    target: Target::NotModelled("KV cache offloaded by LMCache"),
                    flag: "lmcacheConfig".to_string(),
                    value: Value::Text(
                        lm.get("cpuOffloadingBufferSize")
                            .and_then(|b| b.text())
                            .map_or("enabled".to_string(), |b| {
                                format!("cpuOffloadingBufferSize {b}")
                            }),
                    ),
                    span: lm.key_span(),
                    origin: Origin::Key("lmcacheConfig".to_string()),
                    via: Vec::new(),
                });
            }
        }
        out.push(l);
    }
    out
}

/// A values key as a flag setting of `flag`, typed by the flag table.
fn keyed(flag: &str, v: &At<'_>, key: &str, findings: &mut Vec<Finding>) -> Option<Setting> {
    let def = engine::lookup(Engine::Vllm, flag)?;
    match super::side_file::value_of(def, v.v) {
        Ok(value) => Some(Setting {
            target: def.target,
            flag: key.to_string(),
            value,
            span: v.key_span(),
            origin: Origin::Key(key.to_string()),
            via: Vec::new(),
        }),
        Err(why) => {
            findings.push(
                codes::IMP003
                    .finding("", format!("`{key}` {why}: the engine would reject it"))
                    .with_span(v.span()),
            );
            None
        }
    }
}

fn llm_d(doc: &At<'_>) -> Vec<Launch> {
    // The chart builds `uri` from `name` with a template (`hf://{{ .Values
    // .modelArtifacts.name }}`); templates are never rendered, so the name is
    // read instead when the uri holds one.
    let uri = doc
        .path("modelArtifacts.uri")
        .and_then(|u| u.text().map(|t| (t, u.span())));
    let uri = match uri {
        Some((t, _)) if t.contains("{{") => doc
            .path("modelArtifacts.name")
            .and_then(|n| n.text().map(|t| (t, n.span()))),
        other => other,
    };
    let mut out = Vec::new();
    for (role_key, role) in [("prefill", Role::Prefill), ("decode", Role::Decode)] {
        let Some(node) = doc.get(role_key) else {
            continue;
        };
        if node
            .get("create")
            .is_some_and(|c| c.v == &serde_json::Value::Bool(false))
        {
            continue;
        }
        let containers = node
            .get("containers")
            .map(|c| c.items())
            .unwrap_or_default();
        let Some(c) = containers.first() else {
            continue;
        };
        let mut l = Launch::new(role_key, node.key_span(), Engine::Vllm);
        l.role = Some(role);
        l.model = uri.clone();
        l.image = c.get("image").and_then(|i| i.text());
        l.argv = c
            .get("args")
            .map(|a| a.items())
            .unwrap_or_default()
            .iter()
            .filter_map(|i| i.text().map(|t| words::kube(&t, i.span())))
            .collect();
        env(c, &mut l);
        let g = container_gpu(c);
        l.gpu.count = g.count;
        l.gpu.mig = g.mig;
        if let Some(acc) = node.get("acceleratorTypes") {
            for v in acc
                .get("labelValues")
                .map(|v| v.items())
                .unwrap_or_default()
            {
                if let Some(t) = v.text() {
                    l.gpu.names.push((t, v.span()));
                }
            }
        }
        l.replicas = node
            .get("replicas")
            .and_then(|r| r.u64().map(|n| (n, r.span())));
        for (key, target) in [("tensor", Target::Tensor), ("data", Target::Data)] {
            if let Some(v) = node.path(&format!("parallelism.{key}")) {
                if let Some(n) = v.u64() {
                    l.keyed.push(Setting {
                        target,
                        flag: format!("parallelism.{key}"),
                        value: Value::Int(n),
                        span: v.key_span(),
                        origin: Origin::Key(format!("{role_key}.parallelism.{key}")),
                        via: Vec::new(),
                    });
                }
            }
        }
        out.push(l);
    }
    out
}
