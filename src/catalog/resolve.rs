//! Combine preset, config.json and inline fields into a [`Resolved`] model + GPU.
//!
//! Order: the preset or config.json gives the base, `model.architecture`
//! overrides it field by field, then the result is validated exactly as an
//! inline architecture is. Weights: `model.weights` over the checkpoint's own
//! format. `model.safetensors` adds exact bytes from the file headers.

use super::codes;
use super::gpus::{self, Gpu};
use super::hf_config;
use super::merge;
use super::models;
use super::safetensors;
use super::suggest;
use super::validate;
use super::weights;
use super::{ArchitectureSource, FileAccess, GpuInfo, Resolved, ResolvedModel, ResolvedWeights};
use crate::diagnostics::Finding;
use crate::spec::{engine_version, ArchitectureSpec, GpuSpec, InlineGpu, Spec};
use crate::units::MIB;
use std::path::Path;

/// Largest quantization group or block size: the schema's maximum for
/// `model.weights.group_size` (2^20, the widest layer catalog/validate.rs accepts).
const MAX_GROUP_SIZE: u64 = 1 << 20;

/// config.json files are a few KiB; anything past this is not one.
pub const MAX_HF_CONFIG_BYTES: u64 = 16 * MIB;

/// Resolve the spec's model and GPU; `None` when either cannot be resolved.
pub fn resolve(
    spec: &Spec,
    spec_dir: &Path,
    files: &dyn FileAccess,
) -> (Option<Resolved>, Vec<Finding>) {
    let mut findings = Vec::new();
    findings.extend(engine_version_outside_defaults(spec));
    let model = resolve_model(spec, spec_dir, files, &mut findings);
    let gpu = resolve_gpu(&spec.hardware.gpu, &mut findings);
    match (model, gpu) {
        (Some(model), Some(gpu)) => (Some(Resolved { model, gpu }), findings),
        _ => (None, findings),
    }
}

/// CAT011 when `serving.engine_version` parses but is older than every row of
/// the engine defaults table, CAT012 (info) when it is newer than every row:
/// the plan uses the nearest row (plan/engine/ makes the same choice through
/// [`engine_version::row_for`]).
fn engine_version_outside_defaults(spec: &Spec) -> Option<Finding> {
    let serving = spec.serving.as_ref()?;
    let v = engine_version::parse_version(serving.engine_version.as_deref()?)?;
    let (row, inside) = engine_version::row_for(serving.engine, v);
    if inside {
        return None;
    }
    let engine = serving.engine.as_str();
    let known = engine_version::known_versions(serving.engine);
    let (v0, v1) = v;
    if v > row.last {
        return Some(
            codes::ENGINE_VERSION_NEWER_THAN_DEFAULTS
                .finding(
                    "/serving/engine_version",
                    format!(
                        "{engine} {v0}.{v1} is newer than memmath's defaults table ({engine} {known}): the defaults of the newest row, {}, are used ({})",
                        row.label, row.source
                    ),
                )
                .with_fix(format!(
                    "if {engine} {v0}.{v1} changed a default that matters here (block size, memory fraction, batch limits), set that knob explicitly; docs/spec.md lists what each row assumes"
                )),
        );
    }
    Some(
        codes::ENGINE_VERSION_OUTSIDE_DEFAULTS
            .finding(
                "/serving/engine_version",
                format!(
                    "{engine} {v0}.{v1} is outside memmath's defaults table ({engine} {known}): the defaults of the {} row are used ({})",
                    row.label, row.source
                ),
            )
            .with_fix(format!(
                "check the version; if it is right, compare {engine}'s defaults for it with the {} row (docs/spec.md, `serving.engine_version`) and set the knobs that differ explicitly",
                row.label
            )),
    )
}

/// The architecture base and the checkpoint's weights, from a preset or config.json.
struct Base {
    arch: ArchitectureSpec,
    weights: Option<ResolvedWeights>,
    source: ArchitectureSource,
    pointer: &'static str,
}

fn resolve_model(
    spec: &Spec,
    spec_dir: &Path,
    files: &dyn FileAccess,
    findings: &mut Vec<Finding>,
) -> Option<ResolvedModel> {
    let m = &spec.model;
    let base = match (&m.preset, &m.hf_config) {
        (Some(_), Some(_)) => {
            findings.push(codes::CONFLICTING_MODEL_SOURCE.finding(
                "/model/hf_config",
                "`model.preset` and `model.hf_config` are both set; memmath will not guess which one describes the deployed model",
            ).with_fix("keep one of them; put any differences under `model.architecture`"));
            return None;
        }
        (Some(id), None) => preset_base(id, findings)?,
        (None, Some(path)) => hf_base(path, spec_dir, files, findings)?,
        (None, None) => Base {
            arch: ArchitectureSpec::default(),
            weights: None,
            source: ArchitectureSource::Inline,
            pointer: "/model/architecture",
        },
    };
    let user = m.architecture.clone().unwrap_or_default();
    let mut merged = merge::overlay(&base.arch, &user);
    if user.parameters.is_none() && changes_size(&user) {
        // The preset's published count belongs to the unmodified model.
        merged.parameters = None;
    }
    let architecture = match merge::complete(&merged) {
        Ok(a) => a,
        Err(missing) => {
            for field in missing {
                findings.push(crate::codes::SCH002.finding(
                    "/model/architecture",
                    format!("`model.architecture.{field}` is required when no preset or hf_config supplies it"),
                ).with_fix("add it under `model.architecture`, or use `model.preset` / `model.hf_config`"));
            }
            return None;
        }
    };
    let problems = validate::problems(&architecture);
    if !problems.is_empty() {
        let pointer = if m.architecture.is_some() {
            "/model/architecture"
        } else {
            base.pointer
        };
        findings.push(
            codes::INVALID_ARCHITECTURE
                .finding(
                    pointer,
                    format!("invalid architecture: {}", problems.join("; ")),
                )
                .with_fix("correct the numbers (compare with the model's config.json)"),
        );
        return None;
    }
    let weights = weights::combine(&m.weights, base.weights.as_ref());
    // The schema caps `model.weights.group_size`; config.json's group or
    // block size gets the same bound, or g x g would saturate the bits per
    // weight (plan/weights.rs `format`) instead of failing.
    if let Some(g) = weights.group_size.filter(|g| *g > MAX_GROUP_SIZE) {
        findings.push(
            codes::INVALID_HF_CONFIG
                .finding(
                    base.pointer,
                    format!("quantization group size {g} is over {MAX_GROUP_SIZE} (2^20), the widest layer memmath accepts"),
                )
                .with_fix("check `quantization_config` (group_size, weight_block_size), or set `model.weights.group_size`"),
        );
        return None;
    }
    let exact_weights = match &m.safetensors {
        Some(p) => {
            let (exact, mut f) = safetensors::read_weights(files, &spec_dir.join(p));
            findings.append(&mut f);
            exact
        }
        None => None,
    };
    Some(ResolvedModel {
        architecture,
        source: base.source,
        weights,
        exact_weights,
    })
}

/// Whether an override changes the parameter count (context length and flags
/// that do not add weights leave it alone).
fn changes_size(a: &ArchitectureSpec) -> bool {
    a.layers.is_some()
        || a.hidden_size.is_some()
        || a.intermediate_size.is_some()
        || a.attention_heads.is_some()
        || a.kv_heads.is_some()
        || a.head_dim.is_some()
        || a.vocab_size.is_some()
        || a.tie_word_embeddings.is_some()
        || a.gated_mlp.is_some()
        || a.attention_bias.is_some()
        || a.moe.is_some()
        || a.mla.is_some()
}

fn preset_base(id: &str, findings: &mut Vec<Finding>) -> Option<Base> {
    let catalog = match models::models() {
        Ok(c) => c,
        Err(e) => {
            findings.push(codes::UNKNOWN_PRESET.finding(
                "/model/preset",
                format!("the built-in model catalogue failed to load: {e}"),
            ));
            return None;
        }
    };
    let Some(entry) = models::find(catalog, id) else {
        let near = suggest::nearest(id, catalog.iter().map(|m| m.id.as_str()));
        findings.push(
            codes::UNKNOWN_PRESET
                .finding(
                    "/model/preset",
                    format!("unknown model preset `{id}`{}", suggest::did_you_mean(&near)),
                )
                .with_fix("`memmath catalog models` lists the presets; or use `model.hf_config` / `model.architecture`"),
        );
        return None;
    };
    Some(Base {
        arch: entry.architecture.clone(),
        weights: entry.weights.as_ref().map(weights::from_spec_block),
        source: ArchitectureSource::Preset(entry.id.clone()),
        pointer: "/model/preset",
    })
}

fn hf_base(
    rel: &str,
    spec_dir: &Path,
    files: &dyn FileAccess,
    findings: &mut Vec<Finding>,
) -> Option<Base> {
    let path = spec_dir.join(rel);
    let unreadable = |why: String| {
        codes::INVALID_HF_CONFIG
            .finding(
                "/model/hf_config",
                format!("cannot read config.json `{}`: {why}", path.display()),
            )
            .with_fix("`model.hf_config` is relative to the spec file's folder")
    };
    match files.file_len(&path) {
        Ok(len) if len > MAX_HF_CONFIG_BYTES => {
            findings.push(unreadable(format!(
                "{len} bytes is over the {MAX_HF_CONFIG_BYTES}-byte limit for a config.json"
            )));
            return None;
        }
        Ok(_) => {}
        Err(e) => {
            findings.push(unreadable(e.to_string()));
            return None;
        }
    }
    let text = match files.read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            findings.push(unreadable(e.to_string()));
            return None;
        }
    };
    match hf_config::import(&text) {
        Ok(mut imported) => {
            findings.append(&mut imported.findings);
            let weights = modelopt_sidecar(&path, &text, files, findings).or(imported.weights);
            Some(Base {
                arch: imported.architecture,
                weights,
                source: ArchitectureSource::HfConfig(rel.to_string()),
                pointer: "/model/hf_config",
            })
        }
        Err(f) => {
            findings.push(*f);
            None
        }
    }
}

/// Weights from an `hf_quant_config.json` beside a config.json that has no
/// `quantization_config` (ModelOpt 0.29 and before; vLLM reads the file in its
/// place, vllm/transformers_utils/config.py `get_config`). No file: `None`.
fn modelopt_sidecar(
    config: &Path,
    config_text: &str,
    files: &dyn FileAccess,
    findings: &mut Vec<Finding>,
) -> Option<ResolvedWeights> {
    let path = config.with_file_name("hf_quant_config.json");
    let len = match files.file_len(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        other => other.map_err(|e| e.to_string()),
    };
    // A config.json's own `quantization_config` wins, as in vLLM.
    let has_own = serde_json::from_str::<serde_json::Value>(config_text)
        .ok()
        .and_then(|v| v.get("quantization_config").map(|q| !q.is_null()))
        .unwrap_or(false);
    if has_own {
        return None;
    }
    let read = len.and_then(|len| {
        if len > MAX_HF_CONFIG_BYTES {
            Err(format!(
                "{len} bytes is over the {MAX_HF_CONFIG_BYTES}-byte limit"
            ))
        } else {
            files.read_to_string(&path).map_err(|e| e.to_string())
        }
    });
    match read.and_then(|t| hf_config::weights_from_modelopt_file(&t)) {
        Ok(w) => Some(w),
        Err(why) => {
            findings.push(
                codes::UNSUPPORTED_QUANTIZATION_CONFIG
                    .finding(
                        "/model/hf_config",
                        format!(
                            "`{}`: {why}; the weights format is not taken from the file",
                            path.display()
                        ),
                    )
                    .with_fix(
                        "set `model.weights.quantization` (and `dtype`, `group_size`) in the spec",
                    ),
            );
            None
        }
    }
}

fn resolve_gpu(gpu: &GpuSpec, findings: &mut Vec<Finding>) -> Option<GpuInfo> {
    let catalog: &[Gpu] = match gpus::gpus() {
        Ok(c) => c,
        Err(e) => {
            findings.push(codes::UNKNOWN_PRESET.finding(
                "/hardware/gpu",
                format!("the built-in GPU catalogue failed to load: {e}"),
            ));
            return None;
        }
    };
    match gpu {
        GpuSpec::Id(id) => match gpus::find(catalog, id) {
            Some(g) => Some(g.info()),
            None => {
                let near = suggest::nearest(id, catalog.iter().map(|g| g.entry.id.as_str()));
                let by_name = gpus::match_name(catalog, id)
                    .map(|g| format!(" (`{id}` is the name of `{}`)", g.entry.id))
                    .unwrap_or_default();
                findings.push(
                    codes::UNKNOWN_PRESET
                        .finding(
                            "/hardware/gpu",
                            format!("unknown GPU id `{id}`{by_name}{}", suggest::did_you_mean(&near)),
                        )
                        .with_fix("`memmath catalog gpus` lists the ids; or write `{name, memory, compute_capability}` inline"),
                );
                None
            }
        },
        GpuSpec::Inline(g) => Some(inline_gpu(g, catalog, findings)),
    }
}

/// An inline GPU keeps its own memory figure (the user measured it); a missing
/// compute capability and fp8/fp4 support come from the catalogue entry whose
/// name matches.
fn inline_gpu(g: &InlineGpu, catalog: &[Gpu], findings: &mut Vec<Finding>) -> GpuInfo {
    let mut info = GpuInfo {
        id: "inline".into(),
        name: g.name.clone(),
        memory_bytes: g.memory,
        nvml_memory_bytes: None,
        marketing_memory: None,
        compute_capability: g.compute_capability.clone(),
        architecture: None,
        fp8: None,
        fp4: None,
        source: None,
    };
    let matched = gpus::match_name(catalog, &g.name);
    match (matched, &g.compute_capability) {
        (Some(entry), None) => {
            let e = &entry.entry;
            info.compute_capability = Some(e.compute_capability.clone());
            info.architecture = Some(e.architecture.clone());
            info.fp8 = Some(e.fp8);
            info.fp4 = Some(e.fp4);
            info.marketing_memory = Some(e.marketing_memory.clone());
            info.nvml_memory_bytes = entry.nvml_memory_bytes;
            info.source = Some(format!(
                "compute capability and fp8/fp4 support from catalogue entry `{}` (matched by name)",
                e.id
            ));
        }
        (None, None) => findings.push(
            codes::UNMATCHED_GPU_NAME
                .finding(
                    "/hardware/gpu",
                    format!(
                        "inline GPU `{}` has no `compute_capability` and matches no catalogue name, so fp8/fp4 support is unknown",
                        g.name
                    ),
                )
                .with_fix("add `compute_capability` (e.g. \"9.0\"), or use a catalogue id from `memmath catalog gpus`"),
        ),
        (_, Some(_)) => {}
    }
    info
}
