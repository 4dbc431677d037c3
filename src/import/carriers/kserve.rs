//! KServe: InferenceService (`spec.predictor.model` with the Hugging Face
//! server's arguments, or `spec.predictor.containers`), ServingRuntime /
//! ClusterServingRuntime (`spec.containers`), and LLMInferenceService
//! (`spec.model.uri`, `spec.parallelism`, `spec.template` and `spec.prefill`
//! pools; its containers run `vllm serve` from KServe's base config, so their
//! `args` are vLLM arguments).

use super::kubernetes::{container, container_gpu, env, pod_gpu_names, pod_launches};
use super::yaml_docs::At;
use crate::import::engine::flags::Target;
use crate::import::engine::{Origin, Setting, Value};
use crate::import::words::{self, Word};
use crate::import::{Launch, Role};
use crate::source::SourceFile;
use crate::spec::Engine;

pub fn launches(doc: &At<'_>, kind: &str, source: &SourceFile) -> Vec<Launch> {
    let name = doc
        .path("metadata.name")
        .and_then(|n| n.text())
        .unwrap_or_default();
    match kind {
        "InferenceService" => inference_service(doc, &name, source),
        "LLMInferenceService" => llm_inference_service(doc, &name),
        _ => doc
            .get("spec")
            .map(|s| pod_launches(&s, &name, source))
            .unwrap_or_default(),
    }
}

fn inference_service(doc: &At<'_>, name: &str, source: &SourceFile) -> Vec<Launch> {
    let Some(pred) = doc.path("spec.predictor") else {
        return Vec::new();
    };
    if pred.get("containers").is_some() {
        return pod_launches(&pred, name, source);
    }
    let Some(model) = pred.get("model") else {
        return Vec::new();
    };
    // The Hugging Face server takes vLLM's engine arguments plus its own
    // `--model_id` / `--model_name` / `--backend`.
    let mut l = container(&model, name, source).unwrap_or_else(|| {
        let mut l = Launch::new(name, model.key_span(), Engine::Vllm);
        l.argv = args(&model);
        env(&model, &mut l);
        let g = container_gpu(&model);
        l.gpu.count = g.count;
        l.gpu.mig = g.mig;
        l
    });
    hf_server_args(&mut l);
    if l.model.is_none() {
        if let Some(uri) = model
            .get("storageUri")
            .or_else(|| model.get("storage").and_then(|s| s.get("path")))
        {
            if let Some(t) = uri.text() {
                l.model = Some((t, uri.span()));
            }
        }
    }
    l.gpu.names.extend(pod_gpu_names(&pred));
    vec![l]
}

fn args(c: &At<'_>) -> Vec<Word> {
    c.get("args")
        .map(|a| a.items())
        .unwrap_or_default()
        .iter()
        .filter_map(|i| i.text().map(|t| words::kube(&t, i.span())))
        .collect()
}

/// Take the Hugging Face server's own flags out of the argv.
fn hf_server_args(l: &mut Launch) {
    let mut keep = Vec::new();
    let mut i = 0;
    while i < l.argv.len() {
        let w = &l.argv[i];
        let text = w.as_literal().unwrap_or_default();
        let (flag, inline) = match text.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (text.clone(), None),
        };
        let own = matches!(
            flag.as_str(),
            "--model_id"
                | "--model_name"
                | "--model_dir"
                | "--backend"
                | "--task"
                | "--model_revision"
                | "--tokenizer_revision"
                | "--return_probabilities"
                | "--disable_lower_case"
                | "--disable_special_tokens"
                | "--max_length"
        );
        if !own {
            keep.push(w.clone());
            i += 1;
            continue;
        }
        let value = match inline {
            Some(v) => Some((v, w.span)),
            None => {
                i += 1;
                l.argv
                    .get(i)
                    .and_then(|n| n.as_literal().map(|t| (t, n.span)))
            }
        };
        if flag == "--model_id" || (flag == "--model_dir" && l.model.is_none()) {
            if let Some(v) = value {
                l.model = Some(v);
            }
        }
        i += 1;
    }
    l.argv = keep;
}

fn llm_inference_service(doc: &At<'_>, name: &str) -> Vec<Launch> {
    let Some(spec) = doc.get("spec") else {
        return Vec::new();
    };
    let uri = spec
        .path("model.uri")
        .and_then(|u| u.text().map(|t| (t, u.span())));
    let has_prefill = spec.get("prefill").is_some();
    let mut out: Vec<Launch> = Vec::new();
    let mut speculator: Option<Setting> = None;
    let mut pool = |node: &At<'_>, pool_name: String, role: Option<Role>| {
        let tpl = node.get("template");
        let main = tpl
            .as_ref()
            .and_then(|t| t.get("containers"))
            .map(|c| c.items())
            .unwrap_or_default()
            .into_iter()
            .find(|c| {
                c.get("name")
                    .and_then(|n| n.text())
                    .is_none_or(|n| n == "main")
            });
        let span = main.as_ref().map_or(node.key_span(), At::key_span);
        let mut l = Launch::new(pool_name, span, Engine::Vllm);
        if let Some(c) = &main {
            l.argv = args(c);
            env(c, &mut l);
            let g = container_gpu(c);
            l.gpu.count = g.count;
            l.gpu.mig = g.mig;
            l.image = c.get("image").and_then(|i| i.text());
        }
        if let Some(t) = &tpl {
            l.gpu.names = pod_gpu_names(t);
        }
        l.model = uri.clone();
        l.role = role;
        l.replicas = node
            .get("replicas")
            .and_then(|r| r.u64().map(|n| (n, r.span())));
        if let Some(v) = node.path("parallelism.expert") {
            if let serde_json::Value::Bool(b) = v.v {
                l.keyed.push(Setting {
                    target: Target::Expert,
                    flag: "parallelism.expert".to_string(),
                    value: Value::Bool(*b),
                    span: v.key_span(),
                    origin: Origin::Key("spec.parallelism.expert".to_string()),
                    via: Vec::new(),
                });
            }
        }
        for (key, target) in [
            ("tensor", Target::Tensor),
            ("data", Target::Data),
            ("pipeline", Target::Pipeline),
        ] {
            if let Some(v) = node.path(&format!("parallelism.{key}")) {
                if let Some(n) = v.u64() {
                    l.keyed.push(Setting {
                        target,
                        flag: format!("parallelism.{key}"),
                        value: Value::Int(n),
                        span: v.key_span(),
                        origin: Origin::Key(format!("spec.parallelism.{key}")),
                        via: Vec::new(),
                    });
                }
            }
        }
        out.push(l);
    };
    // A speculator drafts with its own model: kept in provenance (IMP008).
    if let Some(sp) = spec.get("speculator") {
        let method = sp
            .path("config.method")
            .and_then(|m| m.text())
            .unwrap_or_default();
        let draft = Setting {
            target: Target::NotModelled("speculative decoding drafter"),
            flag: "spec.speculator".to_string(),
            value: Value::Text(format!("method {method}")),
            span: sp.key_span(),
            origin: Origin::Key("spec.speculator".to_string()),
            via: Vec::new(),
        };
        speculator = Some(draft);
    }
    if let Some(p) = spec.get("prefill") {
        pool(&p, format!("{name}-prefill"), Some(Role::Prefill));
    }
    let main_name = if has_prefill {
        format!("{name}-decode")
    } else {
        name.to_string()
    };
    pool(&spec, main_name, has_prefill.then_some(Role::Decode));
    if let Some(d) = speculator {
        for l in out.iter_mut() {
            l.keyed.push(d.clone());
        }
    }
    out
}
