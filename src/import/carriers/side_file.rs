//! Engine config files a launch points to: vLLM `--config FILE` (a YAML
//! mapping of flag names to values; the command line wins over it) and
//! TensorRT-LLM `--extra_llm_api_options FILE` (LLM API keys; the YAML wins
//! over the command line). Read through `FileAccess`, relative to the
//! imported file; the same readers serve such files imported directly
//! (vllm_config.rs, trtllm_options.rs).

use super::yaml_docs::{self, At};
use crate::catalog::FileAccess;
use crate::codes;
use crate::diagnostics::Finding;
use crate::import::engine::flags::{Flag, Kind, Target};
use crate::import::engine::{self, trtllm, values, Origin, Setting, Value};
use crate::source::{SourceFile, Span};
use crate::spec::Engine;
use serde_json::Value as J;
use std::path::Path;

/// A YAML value as the value of flag `def`.
pub fn value_of(def: &Flag, v: &J) -> Result<Value, String> {
    let text = match v {
        J::String(s) => s.clone(),
        J::Number(n) => n.to_string(),
        J::Bool(b) => b.to_string(),
        J::Null => return Err("is empty".to_string()),
        other => {
            return match def.kind {
                Kind::Json => Ok(Value::Json(other.clone())),
                _ => Err("is a list or mapping where a single value belongs".to_string()),
            }
        }
    };
    match def.kind {
        Kind::Bool => values::boolean(&text)
            .map(Value::Bool)
            .ok_or_else(|| format!("takes true or false, not `{}`", engine::clip(&text))),
        Kind::Int { human } => {
            let n = if human {
                values::human_int(&text)
            } else {
                text.trim().parse().ok()
            };
            n.map(Value::Int).ok_or_else(|| {
                format!(
                    "takes a non-negative integer, not `{}`",
                    engine::clip(&text)
                )
            })
        }
        Kind::Float => values::float(&text)
            .map(Value::Float)
            .ok_or_else(|| format!("takes a number, not `{}`", engine::clip(&text))),
        Kind::Text => Ok(Value::Text(text)),
        Kind::Json => Ok(serde_json::from_str(&text).map_or(Value::Text(text), Value::Json)),
    }
}

/// Settings of a vLLM `--config` document (keys are flag names, either spelling).
pub fn vllm_settings(
    doc: &At<'_>,
    file: &SourceFile,
    at: Option<Span>,
    findings: &mut Vec<Finding>,
) -> Vec<Setting> {
    let mut out = Vec::new();
    for (key, v) in doc.entries() {
        let here = at.unwrap_or_else(|| v.key_span());
        let (line, _) = file.line_col(v.key_span().start);
        let origin = Origin::SideFile(format!("{}:{line}", file.name));
        match engine::lookup(Engine::Vllm, &key) {
            Some(def) => match value_of(def, v.v) {
                Ok(value) => out.push(Setting {
                    target: def.target,
                    flag: key.clone(),
                    value,
                    span: here,
                    origin,
                    via: Vec::new(),
                }),
                Err(why) => findings.push(
                    codes::IMP003
                        .finding(
                            "",
                            format!(
                                "`{}` in {}:{line} {why}: the engine rejects it",
                                engine::clip(&key),
                                file.name
                            ),
                        )
                        .with_span(here),
                ),
            },
            None => findings.push(
                codes::IMP004
                    .finding(
                        "",
                        format!(
                            "`{}` in {}:{line} is not a vLLM flag memmath knows",
                            engine::clip(&key),
                            file.name
                        ),
                    )
                    .with_span(here),
            ),
        }
    }
    out
}

/// Settings of a TensorRT-LLM extra-options document.
pub fn trtllm_settings(
    doc: &At<'_>,
    file: &SourceFile,
    at: Option<Span>,
    findings: &mut Vec<Finding>,
) -> Vec<Setting> {
    let mut out = Vec::new();
    let _ = findings;
    for (key, flag) in trtllm::YAML_KEYS {
        let Some(v) = doc.path(key) else { continue };
        let Some(def) = engine::lookup(Engine::TensorrtLlm, flag) else {
            continue;
        };
        let here = at.unwrap_or_else(|| v.key_span());
        let (line, _) = file.line_col(v.key_span().start);
        if let Ok(value) = value_of(def, v.v) {
            out.push(Setting {
                target: def.target,
                flag: (*key).to_string(),
                value,
                span: here,
                origin: Origin::SideFile(format!("{}:{line}", file.name)),
                via: Vec::new(),
            });
        }
    }
    // `cuda_graph_config: null` turns CUDA graphs off; any mapping keeps them.
    if let Some(v) = doc.get("cuda_graph_config") {
        let here = at.unwrap_or_else(|| v.key_span());
        let (line, _) = file.line_col(v.key_span().start);
        out.push(Setting {
            target: Target::NoCudaGraph,
            flag: "cuda_graph_config".to_string(),
            value: Value::Bool(v.v.is_null()),
            span: here,
            origin: Origin::SideFile(format!("{}:{line}", file.name)),
            via: Vec::new(),
        });
    }
    if let Some(v) = doc.path("kv_cache_config.dtype") {
        if let Some(t) = v.text() {
            let here = at.unwrap_or_else(|| v.key_span());
            out.push(Setting {
                target: Target::KvDtype,
                flag: "kv_cache_config.dtype".to_string(),
                value: Value::Text(t),
                span: here,
                origin: Origin::SideFile(file.name.clone()),
                via: Vec::new(),
            });
        }
    }
    for key in ["speculative_config", "enable_attention_dp"] {
        if let Some(v) = doc.get(key) {
            let here = at.unwrap_or_else(|| v.key_span());
            out.push(Setting {
                target: if key == "enable_attention_dp" {
                    Target::NotModelled("attention data parallelism")
                } else {
                    Target::NotModelled("speculative decoding drafter")
                },
                flag: key.to_string(),
                value: Value::Json(v.v.clone()),
                span: here,
                origin: Origin::SideFile(file.name.clone()),
                via: Vec::new(),
            });
        }
    }
    out
}

/// Read the side file `path` named by `setting` and return its settings.
pub fn read(
    engine: Engine,
    setting: &Setting,
    path: &str,
    files: &dyn FileAccess,
    dir: &Path,
    findings: &mut Vec<Finding>,
) -> Vec<Setting> {
    let full = dir.join(path);
    let text = match files.read_to_string(&full) {
        Ok(t) => t,
        Err(e) => {
            findings.push(
                codes::IMP001
                    .finding(
                        "",
                        format!(
                            "`{}` names `{}`, which cannot be read here ({}): the settings in it are unknown",
                            setting.flag,
                            engine::clip(path),
                            e.kind()
                        ),
                    )
                    .with_fix("import from the folder the path is relative to, or put the file next to the imported one")
                    .with_span(setting.span),
            );
            return Vec::new();
        }
    };
    let side = SourceFile::new(path.to_string(), text);
    let (docs, errs) = yaml_docs::documents(&side);
    if !errs.is_empty() || docs.is_empty() {
        findings.push(
            codes::IMP003
                .finding(
                    "",
                    format!(
                        "`{}` is not a YAML mapping: the engine refuses it",
                        engine::clip(path)
                    ),
                )
                .with_span(setting.span),
        );
        return Vec::new();
    }
    let root = docs[0].root();
    match engine {
        Engine::TensorrtLlm => trtllm_settings(&root, &side, Some(setting.span), findings),
        _ => vllm_settings(&root, &side, Some(setting.span), findings),
    }
}
