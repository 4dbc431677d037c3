//! One launch -> one spec: decide the engine version, parse the argv, read
//! side files (`--config`, TensorRT-LLM extra options) and merge them with the
//! engine's precedence, then write every setting into its spec field with its
//! provenance. Settings the spec cannot hold yet are kept in provenance and
//! reported as IMP008; settings that do nothing are IMP003.

use super::engine::flags::Target;
use super::engine::versions::{self, VersionSource};
use super::engine::{self, values, Origin, Parsed, Setting, Value};
use super::spec_out::SpecBuilder;
use super::{gpu_alias, model, ImportOptions, Launch, Pool, Provenance, Role};
use crate::catalog::{gpus, FileAccess};
use crate::codes;
use crate::diagnostics::Finding;
use crate::source::{SourceFile, Span};
use crate::spec::Engine;
use serde_json::{json, Value as J};
use std::path::Path;

/// Build the spec of one launch.
pub fn pool(
    source: &SourceFile,
    launch: &Launch,
    opts: &ImportOptions,
    files: &dyn FileAccess,
    dir: &Path,
) -> (Pool, Vec<Finding>) {
    let mut findings = Vec::new();
    let (version, how) = versions::decide(
        launch.engine,
        opts.engine_version.as_deref(),
        launch.image.as_deref(),
    );
    let parsed = engine::parse(launch.engine, version, &launch.argv, &launch.vars);
    findings.extend(parsed.findings.iter().cloned());
    let settings = merged(launch, &parsed, files, dir, &mut findings);
    env_checks(launch, &mut findings);

    let mut b = SpecBuilder::default();
    b.set("/apiVersion", json!("memmath/v1"), "memmath import", None);
    b.set("/kind", json!("Serving"), "memmath import", None);
    b.set(
        "/metadata/name",
        json!(metadata_name(&launch.name)),
        "container, service or pool name",
        Some(launch.span),
    );
    let (line, _) = source.line_col(launch.span.start);
    b.set(
        "/metadata/source",
        json!(format!("{}:{line}", source.name)),
        "the launch's place in the imported file",
        Some(launch.span),
    );
    b.set(
        "/serving/engine",
        json!(launch.engine.as_str()),
        "the launch command",
        Some(launch.span),
    );
    let version_text = format!("{}.{}", version.0, version.1);
    let version_source = match &how {
        VersionSource::User => "--engine-version".to_string(),
        VersionSource::ImageTag(image) => format!("image tag of `{image}`"),
        VersionSource::Assumed(why) => why.clone(),
    };
    b.set(
        "/serving/engine_version",
        json!(version_text),
        version_source,
        None,
    );
    if launch.role.is_some() || launch.replicas.is_some() {
        // Nothing to set for the role itself: prefill and decode are separate
        // specs, and the name says which.
    }

    let mut dp: Option<(u64, Span, String)> = None;
    let mut dp_attention = false;
    let mut model_setting: Option<&Setting> = None;
    let mut quantized = false;
    let mut dtype: Option<&Setting> = None;
    for s in &settings {
        let prov = provenance_text(s);
        let span = Some(s.span);
        let int = |v: &Value| match v {
            Value::Int(n) => Some(*n),
            _ => None,
        };
        match s.target {
            Target::Model => model_setting = Some(s),
            Target::Tensor | Target::Pipeline | Target::Data | Target::BlockSize | Target::MaxSeqs
            | Target::BatchedTokens | Target::MaxModelLen | Target::Nodes | Target::GpusPerNode => {
                let Some(n) = int(&s.value) else { continue };
                if n == 0 {
                    findings.push(at_least_one(s));
                    continue;
                }
                let ptr = match s.target {
                    Target::Tensor => "/parallelism/tensor",
                    Target::Pipeline => "/parallelism/pipeline",
                    Target::Data => "/parallelism/data",
                    Target::BlockSize => "/serving/block_size",
                    Target::MaxSeqs => "/serving/max_num_seqs",
                    Target::BatchedTokens => "/serving/max_num_batched_tokens",
                    Target::MaxModelLen => "/serving/max_model_len",
                    Target::Nodes => "/hardware/nodes",
                    _ => "/hardware/gpus_per_node",
                };
                b.set(ptr, json!(n), prov, span);
            }
            Target::SglangDp => {
                if let Some(n) = int(&s.value).filter(|n| *n > 0) {
                    dp = Some((n, s.span, prov));
                } else {
                    findings.push(at_least_one(s));
                }
            }
            Target::DpAttention => dp_attention = s.value == Value::Bool(true),
            Target::Expert => {
                if let Value::Bool(v) = s.value {
                    b.set("/parallelism/expert", json!(v), prov, span);
                }
            }
            Target::ExpertSize => {
                if let Some(n) = int(&s.value) {
                    b.set("/parallelism/expert", json!(n > 1), prov, span);
                }
            }
            Target::MemFraction => match s.value {
                Value::Float(f) if f > 0.0 && f <= 1.0 => {
                    b.set("/serving/gpu_memory_utilization", json!(f), prov, span)
                }
                _ => findings.push(
                    codes::IMP003
                        .finding(
                            "",
                            format!(
                                "`{}` is {}: a memory fraction must be above 0 and at most 1, so the engine refuses it",
                                s.flag,
                                s.value.display()
                            ),
                        )
                        .with_span(s.span),
                ),
            },
            Target::KvDtype => {
                if let Value::Text(t) = &s.value {
                    match values::kv_dtype(t) {
                        Some(d) => b.set("/serving/kv_cache_dtype", json!(d), prov, span),
                        None => findings.push(not_modelled(s, "KV cache dtype the spec has no value for")),
                    }
                }
            }
            Target::Eager | Target::NoCudaGraph => {
                if let Value::Bool(v) = s.value {
                    b.set("/serving/cuda_graphs", json!(!v), prov, span);
                }
            }
            Target::Quantization => {
                if let Value::Text(t) = &s.value {
                    match values::quantization(t) {
                        Some(q) => {
                            quantized = true;
                            b.set("/model/weights/quantization", json!(q), prov, span);
                        }
                        None => findings.push(not_modelled(
                            s,
                            "quantization method whose storage format comes from the checkpoint's config.json",
                        )),
                    }
                }
            }
            Target::Dtype => dtype = Some(s),
            Target::NotModelled(what) => findings.push(not_modelled(s, what)),
            // Read together, below (features.rs).
            Target::Speculative
            | Target::EnableLora
            | Target::MaxLoras
            | Target::MaxLoraRank
            | Target::MaxCpuLoras
            | Target::MmLimit
            | Target::MmProcessorCache
            | Target::KvOffloadSize
            | Target::KvOffloadBackend
            | Target::MambaCacheDtype
            | Target::MambaSsmCacheDtype
            | Target::PrefixCaching
            | Target::ConfigFile
            | Target::ExtraOptionsFile
            | Target::Known => {}
        }
    }
    super::features::apply(&mut b, &settings, &mut findings);
    // SGLang --dp-size: DP attention ranks inside the TP group, or workers.
    if let Some((n, span, prov)) = &dp {
        let (n, span) = (*n, *span);
        if dp_attention {
            let tp = b
                .get("/parallelism/tensor")
                .and_then(J::as_u64)
                .unwrap_or(1);
            if tp % n == 0 {
                b.set(
                    "/parallelism/tensor",
                    json!(tp / n),
                    format!("{prov} with --enable-dp-attention: attention TP = tp-size / dp-size"),
                    Some(span),
                );
                b.set(
                    "/parallelism/data",
                    json!(n),
                    format!("{prov} with --enable-dp-attention"),
                    Some(span),
                );
            }
        } else {
            b.set(
                "/serving/replicas",
                json!(n),
                format!("{prov}: independent SGLang workers"),
                Some(span),
            );
        }
    }

    model_fields(
        &mut b,
        launch,
        opts,
        model_setting,
        quantized,
        dtype,
        &mut findings,
    );
    let workers = match dp {
        Some((n, ..)) if !dp_attention => n,
        _ => 1,
    };
    hardware_fields(&mut b, launch, opts, workers, &mut findings);
    if let Some(t) = &opts.traffic {
        b.set("/traffic", t.clone(), "--traffic", None);
    }
    let _ = Role::Decode;
    let (spec, provenance) = b.finish();
    (
        Pool {
            name: launch.name.clone(),
            span: launch.span,
            spec,
            provenance,
        },
        findings,
    )
}

/// `metadata.name`: the launch name, or `imported` when it has none.
fn metadata_name(name: &str) -> String {
    let n = name.trim();
    if n.is_empty() {
        "imported".to_string()
    } else {
        n.to_string()
    }
}

fn provenance_text(s: &Setting) -> String {
    let mut text = match &s.origin {
        Origin::Flag => format!("{} {}", s.flag, s.value.display()),
        Origin::SideFile(path) => format!("`{}` in {path}", s.flag),
        Origin::Key(key) => format!("`{key}`"),
    };
    for (name, how) in &s.via {
        match how {
            super::words::VarSource::User => text.push_str(&format!(", ${name} from --env")),
            super::words::VarSource::File(_) => {
                text.push_str(&format!(", ${name} set in the file"))
            }
            super::words::VarSource::ShellDefault => {
                text.push_str(&format!(", the default of ${{{name}:-...}}"))
            }
        }
    }
    text
}

fn at_least_one(s: &Setting) -> Finding {
    codes::IMP003
        .finding(
            "",
            format!(
                "`{}` is 0: the engine needs at least 1, so it refuses to start",
                s.flag
            ),
        )
        .with_span(s.span)
}

fn not_modelled(s: &Setting, what: &str) -> Finding {
    let shown = match s.target {
        // Never echo a JSON blob whole: it can hold paths and tokens.
        Target::NotModelled(_) | Target::KvDtype | Target::Quantization => {
            engine::clip(&s.value.display())
        }
        _ => String::new(),
    };
    codes::IMP008
        .finding(
            "",
            format!(
                "`{}` = {shown} ({what}) changes memory, but the spec has no field for it yet: the plan leaves it out",
                s.flag
            ),
        )
        .with_span(s.span)
}

/// Settings in the engine's precedence order (the last one of a field wins).
fn merged(
    launch: &Launch,
    parsed: &Parsed,
    files: &dyn FileAccess,
    dir: &Path,
    findings: &mut Vec<Finding>,
) -> Vec<Setting> {
    let mut side = Vec::new();
    for s in &parsed.settings {
        let Value::Text(path) = &s.value else {
            continue;
        };
        match s.target {
            Target::ConfigFile | Target::ExtraOptionsFile => {
                side.extend(super::carriers::side_file::read(
                    launch.engine,
                    s,
                    path,
                    files,
                    dir,
                    findings,
                ));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    match launch.engine {
        // TensorRT-LLM: serve.py updates the flags with the YAML's keys.
        Engine::TensorrtLlm => {
            out.extend(launch.keyed.iter().cloned());
            out.extend(parsed.settings.iter().cloned());
            out.extend(side);
        }
        // vLLM: the command line wins over --config (FlexibleArgumentParser
        // puts the file's keys before the command line's).
        _ => {
            out.extend(side);
            out.extend(launch.keyed.iter().cloned());
            out.extend(parsed.settings.iter().cloned());
        }
    }
    out
}

/// IMP003 for environment variables named like a memory flag
/// (`VLLM_MAX_MODEL_LEN`) that the engine never reads.
fn env_checks(launch: &Launch, findings: &mut Vec<Finding>) {
    let prefix = match launch.engine {
        Engine::Sglang => engine::sglang::ENV_PREFIX,
        Engine::TensorrtLlm => engine::trtllm::ENV_PREFIX,
        _ => engine::vllm::ENV_PREFIX,
    };
    let used: Vec<String> = launch.argv.iter().map(|w| w.display()).collect();
    for (name, span) in &launch.env_names {
        let Some(rest) = name.strip_prefix(prefix) else {
            continue;
        };
        let flag_name = rest.to_ascii_lowercase().replace('_', "-");
        let flag = engine::lookup(launch.engine, &flag_name)
            .or_else(|| engine::lookup(launch.engine, &rest.to_ascii_lowercase()));
        let Some(flag) = flag.filter(|f| f.target.memory_relevant()) else {
            continue;
        };
        if used.iter().any(|w| w.contains(name.as_str())) {
            continue;
        }
        findings.push(
            codes::IMP003
                .finding(
                    "",
                    format!(
                        "`{name}` is set, but {} does not read it: only the `--{}` flag sets this",
                        launch.engine.as_str(),
                        flag.name
                    ),
                )
                .with_fix(format!(
                    "pass `--{} ${{{name}}}` on the command line, or remove the variable",
                    flag.name
                ))
                .with_span(*span),
        );
    }
}

fn model_fields(
    b: &mut SpecBuilder,
    launch: &Launch,
    opts: &ImportOptions,
    setting: Option<&Setting>,
    quantized: bool,
    dtype: Option<&Setting>,
    findings: &mut Vec<Finding>,
) {
    let written: Option<(String, Span, String)> = setting
        .and_then(|s| match &s.value {
            Value::Text(t) => Some((t.clone(), s.span, provenance_text(s))),
            _ => None,
        })
        .or_else(|| {
            launch
                .model
                .as_ref()
                .map(|(m, sp)| (m.clone(), *sp, "the carrier's model key".to_string()))
        });
    if let Some((m, span, prov)) = &written {
        b.set(
            "/model/source",
            json!(model::clean(m)),
            prov.clone(),
            Some(*span),
        );
    }
    let mut preset_has_weights = false;
    if let Some(given) = &opts.model {
        if given.ends_with(".json") {
            b.set("/model/hf_config", json!(given), "--model", None);
        } else if let Some(p) = model::preset_for(given) {
            preset_has_weights = preset_weights(&p.id);
            b.set(
                "/model/preset",
                json!(p.id),
                format!("--model ({})", p.how),
                None,
            );
        } else {
            findings.push(
                codes::IMP007
                    .finding("", format!("`--model {}` is neither a catalogue preset nor a known Hugging Face id", engine::clip(given)))
                    .with_fix("pass a preset id from `memmath catalog models`, or a path to the model's config.json")
                    .with_span(launch.span),
            );
        }
    } else if let Some((m, span, _)) = &written {
        match model::preset_for(m) {
            Some(p) => {
                preset_has_weights = preset_weights(&p.id);
                b.set("/model/preset", json!(p.id), format!("model `{}` ({})", engine::clip(m), p.how), Some(*span));
            }
            None => findings.push(
                codes::IMP007
                    .finding(
                        "",
                        format!(
                            "the model `{}` is not a catalogue preset, so its architecture is unknown",
                            engine::clip(m)
                        ),
                    )
                    .with_fix("pass `--model PRESET` (see `memmath catalog models`) or `--model path/to/config.json`")
                    .with_span(*span),
            ),
        }
    } else if !findings
        .iter()
        .any(|f| f.code == "IMP001" && f.message.contains("model"))
    {
        findings.push(
            codes::IMP007
                .finding("", "the launch names no model")
                .with_fix("pass `--model PRESET` or `--model path/to/config.json`")
                .with_span(launch.span),
        );
    }
    // `--dtype` is the checkpoint's compute dtype: it sets the stored weights'
    // dtype only for an unquantized checkpoint.
    if let Some(s) = dtype {
        if let Value::Text(t) = &s.value {
            if let Some(d) = values::weight_dtype(t) {
                if !quantized && !preset_has_weights {
                    b.set(
                        "/model/weights/dtype",
                        json!(d),
                        provenance_text(s),
                        Some(s.span),
                    );
                }
            }
        }
    }
}

fn preset_weights(id: &str) -> bool {
    crate::catalog::models::models()
        .ok()
        .and_then(|m| crate::catalog::models::find(m, id))
        .is_some_and(|e| e.weights.is_some())
}

/// `workers`: engine processes the launch starts side by side (SGLang
/// `--dp-size` without DP attention), each with its own TP x PP GPUs.
fn hardware_fields(
    b: &mut SpecBuilder,
    launch: &Launch,
    opts: &ImportOptions,
    workers: u64,
    findings: &mut Vec<Finding>,
) {
    // The GPU type.
    let mut per_instance = None;
    if let Some(g) = &opts.gpu {
        let known = gpus::gpus().ok().and_then(|c| gpus::find(c, g)).is_some();
        if known {
            b.set(
                "/hardware/gpu",
                json!(g.to_ascii_lowercase()),
                "--gpu",
                None,
            );
        } else {
            findings.push(
                codes::IMP002
                    .finding(
                        "",
                        format!("`--gpu {}` is not a catalogue GPU id", engine::clip(g)),
                    )
                    .with_fix("pick an id from `memmath catalog gpus`")
                    .with_span(launch.span),
            );
        }
    } else {
        let mut matched = None;
        for (name, span) in &launch.gpu.names {
            if let Some(m) = gpu_alias::lookup(name) {
                matched = Some((m, name.clone(), *span));
                break;
            }
        }
        match matched {
            Some((m, name, span)) => {
                per_instance = m.per_instance;
                b.set(
                    "/hardware/gpu",
                    json!(m.id),
                    format!("`{}` ({})", engine::clip(&name), m.source),
                    Some(span),
                );
            }
            None => {
                let (msg, span) = if let Some((mig, span)) = &launch.gpu.mig {
                    (
                        format!("the pod asks for the MIG slice `{}`, which is not a catalogue GPU: its memory is a fraction of the card's", engine::clip(mig)),
                        *span,
                    )
                } else if let Some((name, span)) = launch.gpu.names.first() {
                    (
                        format!(
                            "the GPU name `{}` matches no catalogue GPU",
                            engine::clip(name)
                        ),
                        *span,
                    )
                } else {
                    (
                        "the file does not say which GPU this launch runs on".to_string(),
                        launch.span,
                    )
                };
                findings.push(
                    codes::IMP002
                        .finding("", msg)
                        .with_fix("pass `--gpu ID` (see `memmath catalog gpus`), or set `hardware.gpu` in the spec")
                        .with_span(span),
                );
            }
        }
    }
    // GPUs per node: the engine's own flag, else the pod's GPU count, else an
    // instance type's, else what the parallel degrees need.
    if b.get("/hardware/gpus_per_node").is_none() {
        if let Some((n, span)) = launch.gpu.count.filter(|(n, _)| *n > 0) {
            b.set(
                "/hardware/gpus_per_node",
                json!(n),
                "GPUs the container asks for",
                Some(span),
            );
        } else if let Some(n) = per_instance {
            b.set(
                "/hardware/gpus_per_node",
                json!(n),
                "GPUs of the instance type",
                None,
            );
        } else {
            let deg = |p: &str| b.get(p).and_then(J::as_u64).unwrap_or(1);
            let need = deg("/parallelism/tensor")
                .saturating_mul(deg("/parallelism/pipeline"))
                .saturating_mul(deg("/parallelism/data"))
                .saturating_mul(workers);
            let nodes = b
                .get("/hardware/nodes")
                .and_then(J::as_u64)
                .or(launch.pods.map(|p| p.0))
                .unwrap_or(1)
                .max(1);
            let per = need.div_ceil(nodes).max(1);
            b.set(
                "/hardware/gpus_per_node",
                json!(per),
                "not stated: tensor x pipeline x data (x SGLang workers) GPUs, as the engine needs",
                None,
            );
        }
    }
    if let Some((n, span)) = launch.replicas {
        if n > 0 {
            b.set(
                "/serving/replicas",
                json!(n),
                "the workload's `replicas`",
                Some(span),
            );
        }
    }
    // Nodes: one engine instance spans `--nnodes` (or the LWS group's pods);
    // the spec counts every replica's nodes.
    let r = launch.replicas.map_or(1, |(n, _)| n.max(1));
    let flag_nodes = b.get("/hardware/nodes").and_then(J::as_u64);
    let per_replica = flag_nodes
        .or(launch.pods.map(|(n, _)| n.max(1)))
        .unwrap_or(1);
    let total = per_replica.saturating_mul(r);
    if total > 1 && flag_nodes != Some(total) {
        let span = launch.pods.map(|p| p.1).or(launch.replicas.map(|r| r.1));
        b.set(
            "/hardware/nodes",
            json!(total),
            format!("one node per pod: {r} replica(s) x {per_replica} node(s) each"),
            span,
        );
    }
}

/// The provenance list, for tests and the JSON output.
pub fn provenance_json(prov: &[Provenance], file: &SourceFile) -> J {
    J::Array(
        prov.iter()
            .map(|p| {
                let (line, column) = p.span.map_or((0, 0), |s| file.line_col(s.start));
                json!({
                    "pointer": p.pointer,
                    "source": p.source,
                    "file": p.span.map(|_| file.name.clone()),
                    "line": p.span.map(|_| line),
                    "column": p.span.map(|_| column),
                })
            })
            .collect(),
    )
}
