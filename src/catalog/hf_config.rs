//! Hugging Face `config.json` -> architecture (+ checkpoint weights format).
//!
//! config.json is hostile input: every field is checked for type and range, a
//! missing required field is named, and an unknown `model_type` is refused
//! rather than guessed. The field names per `model_type` follow the
//! `configuration_*.py` files of transformers; defaults are those classes'
//! defaults where real configs rely on them (Gemma 3's `text_config` omits
//! `vocab_size`, for one).

mod families;
mod quant;

pub use families::FAMILY_MODEL_TYPES;

use super::codes;
use super::ResolvedWeights;
use crate::diagnostics::Finding;
use crate::spec::{ArchitectureSpec, MlaSpec, MoeSpec, SlidingWindowSpec, WeightDtype};
use serde_json::{Map, Value};

pub use quant::{weights_from_config, weights_from_modelopt_file};

const POINTER: &str = "/model/hf_config";

/// The `model_type` values the importer maps, in the order the docs list them.
pub const SUPPORTED_MODEL_TYPES: &[&str] = &[
    "llama",
    "mistral",
    "mixtral",
    "qwen2",
    "qwen2_moe",
    "qwen3",
    "qwen3_moe",
    "deepseek_v2",
    "deepseek_v3",
    "gemma2",
    "gemma3",
    "gemma3_text",
    "phi3",
    "gpt_oss",
];

/// What one config.json gives.
#[derive(Clone, Debug)]
pub struct HfImport {
    pub model_type: String,
    pub architecture: ArchitectureSpec,
    /// From `quantization_config`, else `torch_dtype`; `None` when neither says.
    pub weights: Option<ResolvedWeights>,
    /// Non-fatal findings (an unmapped quantization method).
    pub findings: Vec<Finding>,
}

/// Import config.json text. `Err` holds the finding that stops the import.
pub fn import(text: &str) -> Result<HfImport, Box<Finding>> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| invalid(format!("config.json is not valid JSON: {e}")))?;
    let Value::Object(top) = value else {
        return Err(invalid("config.json must be a JSON object".to_string()));
    };
    let model_type = match top.get("model_type") {
        Some(Value::String(s)) => s.clone(),
        _ => {
            return Err(invalid(
                "config.json has no string `model_type`; memmath maps the architecture by it"
                    .to_string(),
            ))
        }
    };
    if FAMILY_MODEL_TYPES.contains(&model_type.as_str()) {
        // Multimodal wrappers keep the language model under `text_config`.
        let cfg = match top.get("text_config") {
            Some(Value::Object(t)) => t,
            Some(Value::Null) | None => &top,
            Some(_) => return Err(invalid("`text_config` must be an object".into())),
        };
        // MoE-only text configs (Qwen3.5-MoE) carry no dense `intermediate_size`:
        // the experts' width stands in (no layer uses a dense MLP).
        let mut owned;
        let cfg = if cfg.get("intermediate_size").is_none() {
            owned = cfg.clone();
            if let Some(m) = cfg.get("moe_intermediate_size") {
                owned.insert("intermediate_size".into(), m.clone());
            }
            &owned
        } else {
            cfg
        };
        let fields = Fields { cfg, defaults: &[] };
        let mut architecture = families::map(&model_type, &fields).map_err(invalid)?;
        // A multimodal checkpoint loads its vision tower with the model.
        if let Some(Value::Object(v)) = top.get("vision_config") {
            architecture.vision = families::vision_parameters(v)
                .map(|parameters| crate::spec::VisionSpec { parameters });
        }
        let (weights, findings) = weights_from_config(&top);
        return Ok(HfImport {
            model_type,
            architecture,
            weights,
            findings,
        });
    }
    let conventional = [
        "num_hidden_layers",
        "hidden_size",
        "num_attention_heads",
        "vocab_size",
    ]
    .iter()
    .all(|k| top.get(*k).is_some_and(Value::is_u64));
    if !SUPPORTED_MODEL_TYPES.contains(&model_type.as_str()) && conventional {
        let fields = Fields {
            cfg: &top,
            defaults: &[],
        };
        let architecture = map_architecture(&model_type, &fields).map_err(invalid)?;
        let (weights, mut findings) = weights_from_config(&top);
        findings.push(
            codes::MODEL_TYPE_BY_CONVENTION
                .finding(
                    POINTER,
                    format!(
                        "config.json `model_type` `{model_type}` has no mapping of its own; imported by its conventional keys as a plain transformer: every layer full attention (or as `layer_types` says), a gated MLP of `intermediate_size`, no experts, no MLA, untied embeddings unless `tie_word_embeddings`"
                    ),
                )
                .with_fix(
                    "check these assumptions against the model card and write what differs under `model.architecture`",
                ),
        );
        return Ok(HfImport {
            model_type,
            architecture,
            weights,
            findings,
        });
    }
    if !SUPPORTED_MODEL_TYPES.contains(&model_type.as_str()) {
        return Err(Box::new(codes::UNKNOWN_MODEL_TYPE.finding(
            POINTER,
            format!(
                "config.json `model_type` `{model_type}` is not supported; supported: {}",
                SUPPORTED_MODEL_TYPES.join(", ")
            ),
        )
        .with_fix(
            "use a `model.preset`, or write the numbers under `model.architecture` instead of `hf_config`",
        )));
    }
    // Gemma 3 multimodal checkpoints keep the language model under `text_config`.
    let cfg = match (model_type.as_str(), top.get("text_config")) {
        ("gemma3", Some(Value::Object(t))) => t,
        ("gemma3", Some(_)) => return Err(invalid("`text_config` must be an object".into())),
        _ => &top,
    };
    let fields = Fields {
        cfg,
        defaults: defaults_for(&model_type),
    };
    let mut architecture = map_architecture(&model_type, &fields).map_err(invalid)?;
    // A Gemma 3 multimodal checkpoint loads its SigLIP tower and projector.
    if let ("gemma3", Some(Value::Object(v))) = (model_type.as_str(), top.get("vision_config")) {
        architecture.vision = architecture
            .hidden_size
            .and_then(|h| families::siglip_parameters(v, h))
            .map(|parameters| crate::spec::VisionSpec { parameters });
    }
    let (weights, findings) = weights_from_config(&top);
    Ok(HfImport {
        model_type,
        architecture,
        weights,
        findings,
    })
}

fn invalid(message: String) -> Box<Finding> {
    Box::new(
        codes::INVALID_HF_CONFIG
            .finding(POINTER, message)
            .with_fix("point `model.hf_config` at the model's unmodified config.json"),
    )
}

/// Defaults transformers' config classes apply when a key is absent, for the
/// keys real checkpoints leave out.
fn defaults_for(model_type: &str) -> &'static [(&'static str, u64)] {
    match model_type {
        // transformers Gemma3TextConfig defaults.
        "gemma3" | "gemma3_text" => &[
            ("vocab_size", 262_208),
            ("max_position_embeddings", 131_072),
            ("head_dim", 256),
            ("sliding_window", 4096),
            ("sliding_window_pattern", 6),
        ],
        // transformers Gemma2Config defaults.
        "gemma2" => &[("head_dim", 256), ("sliding_window", 4096)],
        _ => &[],
    }
}

/// Typed access to one config object with per-type defaults.
struct Fields<'a> {
    cfg: &'a Map<String, Value>,
    defaults: &'static [(&'static str, u64)],
}

impl Fields<'_> {
    /// A non-negative integer, `None` when absent or null.
    fn opt_u64(&self, key: &str) -> Result<Option<u64>, String> {
        match self.cfg.get(key) {
            None | Some(Value::Null) => Ok(self
                .defaults
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| *v)),
            Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| {
                format!("config.json `{key}` must be a non-negative integer, found {n}")
            }),
            Some(other) => Err(format!(
                "config.json `{key}` must be a non-negative integer, found {}",
                type_name(other)
            )),
        }
    }
    fn u64(&self, key: &str) -> Result<u64, String> {
        self.opt_u64(key)?
            .ok_or_else(|| format!("config.json has no `{key}`"))
    }
    fn opt_bool(&self, key: &str) -> Result<Option<bool>, String> {
        match self.cfg.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(format!(
                "config.json `{key}` must be true or false, found {}",
                type_name(other)
            )),
        }
    }
    fn get(&self, key: &str) -> Option<&Value> {
        self.cfg.get(key).filter(|v| !v.is_null())
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn map_architecture(model_type: &str, f: &Fields<'_>) -> Result<ArchitectureSpec, String> {
    // Collect every problem with the core fields, so one run names them all.
    let mut errors = Vec::new();
    let mut take = |r: Result<Option<u64>, String>| match r {
        Ok(v) => v,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let required = |key: &str| {
        f.opt_u64(key).and_then(|v| {
            v.map(Some)
                .ok_or_else(|| format!("config.json has no `{key}`"))
        })
    };
    let layers = take(required("num_hidden_layers"));
    let hidden = take(required("hidden_size"));
    let intermediate = take(required("intermediate_size"));
    let heads = take(required("num_attention_heads"));
    let vocab = take(required("vocab_size"));
    let kv = take(f.opt_u64("num_key_value_heads"));
    let head_dim = take(f.opt_u64("head_dim"));
    let max_pos = take(f.opt_u64("max_position_embeddings"));
    let (Some(layers), Some(heads), true) = (layers, heads, errors.is_empty()) else {
        return Err(errors.join("; "));
    };
    let mut a = ArchitectureSpec {
        layers: Some(layers),
        hidden_size: hidden,
        intermediate_size: intermediate,
        attention_heads: Some(heads),
        kv_heads: Some(kv.unwrap_or(heads)),
        head_dim,
        vocab_size: vocab,
        max_position_embeddings: max_pos,
        // transformers: Gemma configs default to tied embeddings, the others here
        // to untied.
        tie_word_embeddings: Some(
            f.opt_bool("tie_word_embeddings")?
                .unwrap_or(matches!(model_type, "gemma2" | "gemma3" | "gemma3_text")),
        ),
        gated_mlp: Some(true),
        attention_bias: Some(f.opt_bool("attention_bias")?.unwrap_or(false)),
        parameters: None,
        moe: None,
        mla: None,
        sliding_window: None,
        ..ArchitectureSpec::default()
    };
    match model_type {
        // Qwen2's attention always has q/k/v biases (no config key for it).
        "qwen2" | "qwen2_moe" => a.attention_bias = Some(true),
        // gpt-oss: biases on every attention projection.
        "gpt_oss" => a.attention_bias = Some(f.opt_bool("attention_bias")?.unwrap_or(true)),
        _ => {}
    }
    a.moe = map_moe(model_type, f, layers)?;
    if matches!(model_type, "deepseek_v2" | "deepseek_v3") {
        let mla = MlaSpec {
            kv_lora_rank: f.u64("kv_lora_rank")?,
            qk_rope_head_dim: f.u64("qk_rope_head_dim")?,
            q_lora_rank: f.opt_u64("q_lora_rank")?,
            qk_nope_head_dim: f.u64("qk_nope_head_dim")?,
            v_head_dim: f.u64("v_head_dim")?,
            indexer: None,
        };
        // memmath's head_dim for MLA is the q/k head width, nope + rope.
        a.head_dim = mla.qk_nope_head_dim.checked_add(mla.qk_rope_head_dim);
        a.mla = Some(mla);
    }
    a.sliding_window = map_sliding(model_type, f, layers, a.max_position_embeddings)?;
    Ok(a)
}

fn map_moe(model_type: &str, f: &Fields<'_>, layers: u64) -> Result<Option<MoeSpec>, String> {
    let per_token = || -> Result<u64, String> {
        match f.opt_u64("num_experts_per_tok")? {
            Some(k) => Ok(k),
            None => f.u64("experts_per_token"),
        }
    };
    let moe = match model_type {
        "mixtral" | "gpt_oss" => MoeSpec {
            experts: f.u64("num_local_experts")?,
            experts_per_token: per_token()?,
            expert_intermediate_size: f.u64("intermediate_size")?,
            shared_experts: 0,
            shared_expert_intermediate_size: None,
            dense_layers: 0,
        },
        "qwen2_moe" | "qwen3_moe" => {
            let shared = f
                .opt_u64("shared_expert_intermediate_size")?
                .filter(|s| *s > 0);
            MoeSpec {
                experts: f.u64("num_experts")?,
                experts_per_token: per_token()?,
                expert_intermediate_size: f.u64("moe_intermediate_size")?,
                shared_experts: u64::from(shared.is_some()),
                shared_expert_intermediate_size: shared,
                dense_layers: qwen_dense_layers(f, layers)?,
            }
        }
        "deepseek_v2" | "deepseek_v3" => {
            let Some(experts) = f.opt_u64("n_routed_experts")? else {
                return Ok(None);
            };
            if let Some(freq) = f.opt_u64("moe_layer_freq")? {
                if freq != 1 {
                    return Err(format!(
                        "config.json `moe_layer_freq` {freq} (MoE every {freq} layers) is not supported; only 1"
                    ));
                }
            }
            MoeSpec {
                experts,
                experts_per_token: per_token()?,
                expert_intermediate_size: f.u64("moe_intermediate_size")?,
                shared_experts: f.opt_u64("n_shared_experts")?.unwrap_or(0),
                shared_expert_intermediate_size: None,
                dense_layers: f.opt_u64("first_k_dense_replace")?.unwrap_or(0),
            }
        }
        _ => return Ok(None),
    };
    Ok(Some(moe))
}

/// Qwen MoE configs mark dense layers with `mlp_only_layers` and
/// `decoder_sparse_step`; memmath models leading dense layers only.
fn qwen_dense_layers(f: &Fields<'_>, layers: u64) -> Result<u64, String> {
    if let Some(step) = f.opt_u64("decoder_sparse_step")? {
        if step != 1 {
            return Err(format!(
                "config.json `decoder_sparse_step` {step} (MoE every {step} layers) is not supported; only 1"
            ));
        }
    }
    let list = match f.get("mlp_only_layers") {
        None => return Ok(0),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(format!(
                "config.json `mlp_only_layers` must be an array, found {}",
                type_name(other)
            ))
        }
    };
    let mut idx = Vec::with_capacity(list.len());
    for v in list {
        match v.as_u64() {
            Some(i) if i < layers => idx.push(i),
            _ => {
                return Err(format!(
                    "config.json `mlp_only_layers` must hold layer indices below {layers}"
                ))
            }
        }
    }
    idx.sort_unstable();
    idx.dedup();
    let leading = idx.iter().enumerate().all(|(n, &i)| n as u64 == i);
    if !leading {
        return Err(
            "config.json `mlp_only_layers` lists dense layers that are not the leading ones; not supported"
                .to_string(),
        );
    }
    Ok(idx.len() as u64)
}

fn map_sliding(
    model_type: &str,
    f: &Fields<'_>,
    layers: u64,
    max_positions: Option<u64>,
) -> Result<Option<SlidingWindowSpec>, String> {
    let window = match model_type {
        // Qwen configs carry a `sliding_window` that is off unless asked for.
        "qwen2" | "qwen2_moe" | "qwen3" | "qwen3_moe" => {
            if f.opt_bool("use_sliding_window")? != Some(true) {
                return Ok(None);
            }
            f.opt_u64("sliding_window")?
        }
        "llama" | "deepseek_v2" | "deepseek_v3" => return Ok(None),
        _ => f.opt_u64("sliding_window")?,
    };
    let Some(window) = window else {
        return Ok(None);
    };
    // A window as long as the context changes nothing (Phi-3 128k: 262,144).
    if max_positions.is_some_and(|m| window >= m) {
        return Ok(None);
    }
    if let Some(types) = f.get("layer_types") {
        let sliding = layer_types(types, layers)?;
        if sliding.is_empty() {
            return Ok(None);
        }
        return Ok(Some(SlidingWindowSpec {
            window,
            layers: Some(sliding),
            every_nth_full: None,
        }));
    }
    let spec = match model_type {
        // transformers Gemma2: layer i slides when i is even.
        "gemma2" => SlidingWindowSpec {
            window,
            layers: None,
            every_nth_full: Some(2),
        },
        // Newer transformers write the pattern as `_sliding_window_pattern`.
        "gemma3" | "gemma3_text" => SlidingWindowSpec {
            window,
            layers: None,
            every_nth_full: Some(
                match f.cfg.get("_sliding_window_pattern").and_then(Value::as_u64) {
                    Some(n) => n,
                    None => f.u64("sliding_window_pattern")?,
                },
            ),
        },
        // Qwen: layers from `max_window_layers` on slide.
        "qwen2" | "qwen2_moe" | "qwen3" | "qwen3_moe" => {
            let from = f.opt_u64("max_window_layers")?.unwrap_or(0).min(layers);
            SlidingWindowSpec {
                window,
                layers: Some((from..layers).collect()),
                every_nth_full: None,
            }
        }
        // Mistral, Mixtral, Phi-3: every layer slides.
        _ => SlidingWindowSpec {
            window,
            layers: Some((0..layers).collect()),
            every_nth_full: None,
        },
    };
    Ok(Some(spec))
}

/// Indices of `sliding_attention` entries in `layer_types`.
fn layer_types(v: &Value, layers: u64) -> Result<Vec<u64>, String> {
    let Value::Array(items) = v else {
        return Err(format!(
            "config.json `layer_types` must be an array, found {}",
            type_name(v)
        ));
    };
    if items.len() as u64 != layers {
        return Err(format!(
            "config.json `layer_types` has {} entries for {layers} layers",
            items.len()
        ));
    }
    let mut sliding = Vec::new();
    for (i, t) in items.iter().enumerate() {
        match t.as_str() {
            Some("sliding_attention") => sliding.push(i as u64),
            Some("full_attention") => {}
            Some(other) => {
                return Err(format!(
                    "config.json `layer_types[{i}]` is `{other}`; memmath knows sliding_attention and full_attention"
                ))
            }
            None => return Err(format!("config.json `layer_types[{i}]` must be a string")),
        }
    }
    Ok(sliding)
}

/// `torch_dtype` (or the newer `dtype`) as a 16-bit weights dtype.
pub(crate) fn torch_dtype(top: &Map<String, Value>) -> Option<WeightDtype> {
    let s = top
        .get("torch_dtype")
        .or_else(|| top.get("dtype"))
        .and_then(Value::as_str)?;
    // A float32 checkpoint (Gemma 2) is not served in float32: vLLM's
    // `dtype: auto` casts it to a 16-bit type, so it says nothing about the
    // serving precision and the bf16 default applies.
    match s {
        "bfloat16" => Some(WeightDtype::Bf16),
        "float16" | "half" => Some(WeightDtype::Fp16),
        _ => None,
    }
}
