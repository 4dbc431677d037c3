//! config.json `quantization_config` -> weights format, so a GPTQ, AWQ, FP8,
//! MXFP4, bitsandbytes or simple compressed-tensors checkpoint's format and group
//! size come from the file (field names: transformers `utils/quantization_config.py`,
//! compressed-tensors `QuantizationArgs`), and the modules the checkpoint keeps
//! at 16 bits (`skip_list`).

use super::super::codes;
use super::super::ResolvedWeights;
use super::{torch_dtype, POINTER};
use crate::diagnostics::Finding;
use crate::spec::{Quantization, WeightDtype};
use serde_json::{Map, Value};

/// Weights of the checkpoint: `quantization_config` when present, else
/// `torch_dtype`; plus a warning when the method cannot be mapped.
pub fn weights_from_config(top: &Map<String, Value>) -> (Option<ResolvedWeights>, Vec<Finding>) {
    let Some(q) = top.get("quantization_config").filter(|v| !v.is_null()) else {
        let w = torch_dtype(top).map(|dtype| ResolvedWeights {
            dtype,
            quantization: Quantization::None,
            group_size: None,
            unquantized: Vec::new(),
        });
        return (w, Vec::new());
    };
    match map_quantization(q) {
        Ok(w) => (
            Some(ResolvedWeights {
                unquantized: skip_list(q),
                ..w
            }),
            Vec::new(),
        ),
        Err(why) => (
            None,
            vec![codes::UNSUPPORTED_QUANTIZATION_CONFIG
                .finding(POINTER, format!("config.json `quantization_config`: {why}; the weights format is not taken from the file"))
                .with_fix("set `model.weights.quantization` (and `dtype`, `group_size`) in the spec")],
        ),
    }
}

/// The weights format of a TensorRT Model Optimizer `hf_quant_config.json`
/// (`{"producer": {"name": "modelopt"}, "quantization": {"quant_algo": "FP8" |
/// "NVFP4", "group_size": 16, ...}}`). ModelOpt 0.29 and before write it beside
/// config.json instead of a `quantization_config`; vLLM then reads it in its
/// place (vllm/transformers_utils/config.py `get_config`).
pub fn weights_from_modelopt_file(text: &str) -> Result<ResolvedWeights, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("it is not valid JSON: {e}"))?;
    let q = v
        .get("quantization")
        .and_then(Value::as_object)
        .ok_or("it has no `quantization` object")?;
    let algo = q
        .get("quant_algo")
        .and_then(Value::as_str)
        .ok_or("it has no string `quantization.quant_algo`")?;
    let w = match algo.to_ascii_uppercase().as_str() {
        "FP8" => weights(WeightDtype::Fp8, Quantization::Fp8, None),
        // NVFP4 scales one FP8 factor per 16 weights unless the file says otherwise.
        "NVFP4" => weights(
            WeightDtype::Nvfp4,
            Quantization::Nvfp4,
            group_of(q, "group_size").or(Some(16)),
        ),
        _ => {
            return Err(format!(
                "quant_algo `{algo}` is not supported (FP8 or NVFP4)"
            ))
        }
    };
    Ok(ResolvedWeights {
        unquantized: skip_list(&Value::Object(q.clone())),
        ..w
    })
}

/// Keys under which a `quantization_config` names the modules it leaves
/// unquantized, as vLLM reads them (vllm/model_executor/layers/quantization/):
/// compressed-tensors `ignore` (compressed_tensors/compressed_tensors.py),
/// fp8 `ignored_layers` then `modules_to_not_convert` (fp8.py
/// `Fp8Config.from_config`), fbgemm_fp8 and mxfp4 `modules_to_not_convert`
/// (fbgemm_fp8.py; transformers writes it for gpt-oss), ModelOpt
/// `exclude_modules` (modelopt.py), bitsandbytes `llm_int8_skip_modules`
/// (bitsandbytes.py).
const SKIP_KEYS: [&str; 5] = [
    "ignore",
    "ignored_layers",
    "modules_to_not_convert",
    "exclude_modules",
    "llm_int8_skip_modules",
];

/// The module-name patterns a `quantization_config` (or a ModelOpt
/// `quantization` block) keeps at 16 bits, every key above, in order.
pub fn skip_list(q: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for key in SKIP_KEYS {
        for v in q.get(key).and_then(Value::as_array).into_iter().flatten() {
            if let Some(name) = v.as_str().filter(|n| !n.is_empty()) {
                if !out.iter().any(|o| o == name) {
                    out.push(name.to_string());
                }
            }
        }
    }
    out
}

fn weights(
    dtype: WeightDtype,
    quantization: Quantization,
    group_size: Option<u64>,
) -> ResolvedWeights {
    ResolvedWeights {
        dtype,
        quantization,
        group_size,
        unquantized: Vec::new(),
    }
}

fn u64_of(m: &Map<String, Value>, key: &str) -> Option<u64> {
    m.get(key).and_then(Value::as_u64)
}

/// `group_size: -1` means per-channel (no groups).
fn group_of(m: &Map<String, Value>, key: &str) -> Option<u64> {
    u64_of(m, key).filter(|g| *g > 0)
}

fn map_quantization(q: &Value) -> Result<ResolvedWeights, String> {
    let Value::Object(m) = q else {
        return Err("it is not an object".to_string());
    };
    let method = m
        .get("quant_method")
        .and_then(Value::as_str)
        .ok_or("it has no `quant_method`")?;
    match method {
        "gptq" | "awq" => {
            let bits = u64_of(m, "bits")
                .or_else(|| u64_of(m, "w_bit"))
                .unwrap_or(4);
            let group = group_of(m, "group_size").or_else(|| group_of(m, "q_group_size"));
            let quant = if method == "gptq" {
                Quantization::Gptq
            } else {
                Quantization::Awq
            };
            match bits {
                4 => Ok(weights(WeightDtype::Int4, quant, group)),
                8 => Ok(weights(WeightDtype::Int8, quant, group)),
                b => Err(format!("{method} with {b} bits is not supported (4 or 8)")),
            }
        }
        "fp8" | "fbgemm_fp8" => {
            // DeepSeek-V3: block-wise scales, `weight_block_size: [128, 128]`.
            let block = m
                .get("weight_block_size")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(Value::as_u64);
            Ok(weights(WeightDtype::Fp8, Quantization::Fp8, block))
        }
        "mxfp4" => Ok(weights(WeightDtype::Mxfp4, Quantization::Mxfp4, Some(32))),
        "bitsandbytes" => {
            let flag = |k: &str| m.get(k).and_then(Value::as_bool) == Some(true);
            if flag("load_in_4bit") {
                Ok(weights(WeightDtype::Int4, Quantization::BnbNf4, Some(64)))
            } else if flag("load_in_8bit") {
                Ok(weights(WeightDtype::Int8, Quantization::BnbInt8, None))
            } else {
                Err("bitsandbytes without load_in_4bit or load_in_8bit".to_string())
            }
        }
        "modelopt" => match m.get("quant_algo").and_then(Value::as_str) {
            Some("FP8") => Ok(weights(WeightDtype::Fp8, Quantization::Fp8, None)),
            Some("NVFP4") => Ok(weights(WeightDtype::Nvfp4, Quantization::Nvfp4, Some(16))),
            other => Err(format!("modelopt quant_algo {other:?} is not supported")),
        },
        "compressed-tensors" => compressed_tensors(m),
        other => Err(format!("quant_method `{other}` is not supported")),
    }
}

/// One quantization scheme for all Linear layers ("simple" compressed-tensors);
/// mixed schemes per layer are refused rather than averaged.
fn compressed_tensors(m: &Map<String, Value>) -> Result<ResolvedWeights, String> {
    if m.get("format").and_then(Value::as_str) == Some("nvfp4-pack-quantized") {
        return Ok(weights(WeightDtype::Nvfp4, Quantization::Nvfp4, Some(16)));
    }
    let groups = m
        .get("config_groups")
        .and_then(Value::as_object)
        .ok_or("compressed-tensors without `config_groups`")?;
    let mut iter = groups.values();
    let first = iter
        .next()
        .ok_or("compressed-tensors with no config group")?;
    if iter.next().is_some() {
        return Err("compressed-tensors with several config groups is not supported".to_string());
    }
    let w = first
        .get("weights")
        .and_then(Value::as_object)
        .ok_or("compressed-tensors group without `weights`")?;
    let bits = u64_of(w, "num_bits").ok_or("compressed-tensors weights without `num_bits`")?;
    let kind = w.get("type").and_then(Value::as_str).unwrap_or("int");
    let group = group_of(w, "group_size");
    let activations = first.get("input_activations").is_some_and(|a| !a.is_null());
    match (kind, bits) {
        ("float", 8) => Ok(weights(WeightDtype::Fp8, Quantization::Fp8, group)),
        ("float", 4) => Ok(weights(
            WeightDtype::Nvfp4,
            Quantization::Nvfp4,
            group.or(Some(16)),
        )),
        // W8A8 int8 (SmoothQuant-style) quantizes activations too.
        ("int", 8) if activations => Ok(weights(WeightDtype::Int8, Quantization::Int8, group)),
        // Weight-only int (W4A16 / W8A16) runs on the GPTQ/Marlin kernels.
        ("int", 8) => Ok(weights(WeightDtype::Int8, Quantization::Gptq, group)),
        ("int", 4) => Ok(weights(WeightDtype::Int4, Quantization::Gptq, group)),
        (k, b) => Err(format!(
            "compressed-tensors {k} {b}-bit weights are not supported"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn modelopt_sidecar_file() {
        let nvfp4 = r#"{"producer": {"name": "modelopt", "version": "0.29.0"},
            "quantization": {"quant_algo": "NVFP4", "kv_cache_quant_algo": "FP8",
            "group_size": 16, "exclude_modules": ["lm_head"]}}"#;
        let w = weights_from_modelopt_file(nvfp4).ok();
        assert_eq!(
            w.map(|w| (w.dtype, w.quantization, w.group_size, w.unquantized)),
            Some((
                WeightDtype::Nvfp4,
                Quantization::Nvfp4,
                Some(16),
                vec!["lm_head".to_string()]
            ))
        );
        let fp8 = r#"{"quantization": {"quant_algo": "FP8", "kv_cache_quant_algo": "FP8"}}"#;
        let w = weights_from_modelopt_file(fp8).ok();
        assert_eq!(
            w.map(|w| (w.dtype, w.quantization)),
            Some((WeightDtype::Fp8, Quantization::Fp8))
        );
        for bad in [
            "[1]",
            "{",
            r#"{"quantization": {"quant_algo": "W4A8_AWQ"}}"#,
            r#"{"quantization": {"quant_algo": 4}}"#,
        ] {
            assert!(weights_from_modelopt_file(bad).is_err(), "{bad}");
        }
    }

    fn map(v: Value) -> (Option<ResolvedWeights>, Vec<Finding>) {
        match v {
            Value::Object(m) => weights_from_config(&m),
            _ => (None, Vec::new()),
        }
    }

    #[test]
    fn gptq_awq_fp8_mxfp4() {
        let (w, _) = map(
            json!({"quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 128}}),
        );
        assert_eq!(
            w,
            Some(weights(WeightDtype::Int4, Quantization::Gptq, Some(128)))
        );
        let (w, _) = map(
            json!({"quantization_config": {"quant_method": "awq", "bits": 4, "group_size": 128}}),
        );
        assert_eq!(
            w,
            Some(weights(WeightDtype::Int4, Quantization::Awq, Some(128)))
        );
        let (w, _) = map(
            json!({"quantization_config": {"quant_method": "fp8", "weight_block_size": [128, 128]}}),
        );
        assert_eq!(
            w,
            Some(weights(WeightDtype::Fp8, Quantization::Fp8, Some(128)))
        );
        let (w, _) = map(json!({"quantization_config": {"quant_method": "mxfp4"}}));
        assert_eq!(
            w,
            Some(weights(WeightDtype::Mxfp4, Quantization::Mxfp4, Some(32)))
        );
        let (w, _) = map(json!({"torch_dtype": "float16"}));
        assert_eq!(
            w,
            Some(weights(WeightDtype::Fp16, Quantization::None, None))
        );
    }

    #[test]
    fn compressed_tensors_w4a16_and_fp8() {
        let (w, _) = map(
            json!({"quantization_config": {"quant_method": "compressed-tensors",
            "config_groups": {"group_0": {"weights": {"num_bits": 4, "type": "int", "group_size": 128}, "input_activations": null}}}}),
        );
        assert_eq!(
            w,
            Some(weights(WeightDtype::Int4, Quantization::Gptq, Some(128)))
        );
        let (w, _) = map(
            json!({"quantization_config": {"quant_method": "compressed-tensors",
            "config_groups": {"group_0": {"weights": {"num_bits": 8, "type": "float"}, "input_activations": {"num_bits": 8}}}}}),
        );
        assert_eq!(w, Some(weights(WeightDtype::Fp8, Quantization::Fp8, None)));
    }

    #[test]
    fn skip_lists_of_every_key() {
        // gpt-oss config.json (openai/gpt-oss-120b): `modules_to_not_convert`.
        let (w, _) = map(json!({"quantization_config": {"quant_method": "mxfp4",
            "modules_to_not_convert": ["model.layers.*.self_attn", "model.layers.*.mlp.router",
            "model.embed_tokens", "lm_head"]}}));
        assert_eq!(w.map(|w| w.unquantized.len()), Some(4));
        // compressed-tensors `ignore` with a regex; fp8 `ignored_layers`.
        let (w, _) = map(
            json!({"quantization_config": {"quant_method": "compressed-tensors",
            "ignore": ["lm_head", "re:.*self_attn.*"],
            "config_groups": {"group_0": {"weights": {"num_bits": 8, "type": "float"}, "input_activations": {"num_bits": 8}}}}}),
        );
        assert_eq!(
            w.map(|w| w.unquantized),
            Some(vec!["lm_head".to_string(), "re:.*self_attn.*".to_string()])
        );
        let (w, _) = map(json!({"quantization_config": {"quant_method": "fp8",
            "ignored_layers": ["model.layers.0.mlp.down_proj"], "modules_to_not_convert": null}}));
        assert_eq!(
            w.map(|w| w.unquantized),
            Some(vec!["model.layers.0.mlp.down_proj".to_string()])
        );
        // ModelOpt `exclude_modules`; no list at all is an empty list.
        let (w, _) = map(json!({"quantization_config": {"quant_method": "modelopt",
            "quant_algo": "FP8", "exclude_modules": ["lm_head", "model.layers.*.mlp.gate"]}}));
        assert_eq!(w.map(|w| w.unquantized.len()), Some(2));
        let (w, _) = map(json!({"quantization_config": {"quant_method": "gptq", "bits": 4}}));
        assert_eq!(w.map(|w| w.unquantized), Some(Vec::new()));
    }

    #[test]
    fn unknown_method_is_a_warning_not_a_guess() {
        let (w, f) = map(json!({"quantization_config": {"quant_method": "hqq"}}));
        assert_eq!(w, None);
        assert_eq!(f.first().map(|f| f.code.as_str()), Some("CAT009"));
    }
}
