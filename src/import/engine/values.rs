//! Engine value syntax: integers with `k`/`m`/`g` suffixes (vLLM's
//! `human_readable_int`), floats, booleans with and without values, JSON
//! objects, and the dtype / quantization names each engine accepts mapped to
//! the spec's enums.

/// vLLM's `human_readable_int` (vllm/engine/arg_utils.py, v0.10.0 onwards):
/// `32k` = 32,000 and `32K` = 32,768 (lower case decimal, upper case binary),
/// also `m`/`M` and `g`/`G`; plain integers and `1.5k`-style decimals (whose
/// product must be whole) as well. None for anything else or on overflow.
pub fn human_int(text: &str) -> Option<u64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(v) = t.parse::<u64>() {
        return Some(v);
    }
    let (num, unit) = t.split_at(t.len() - t.chars().last().map_or(0, char::len_utf8));
    let mult: u64 = match unit {
        "k" => 1_000,
        "m" => 1_000_000,
        "g" => 1_000_000_000,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return None,
    };
    if let Ok(v) = num.parse::<u64>() {
        return v.checked_mul(mult);
    }
    // Decimal mantissa: decimal multipliers only, exact only when whole.
    if unit.chars().any(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let (int, frac) = num.split_once('.')?;
    if frac.is_empty() || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let int: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let scale = 10u64.pow(frac.len() as u32);
    let frac_v: u64 = frac.parse().ok()?;
    let whole = int.checked_mul(mult)?;
    let part = frac_v.checked_mul(mult)?;
    if part % scale != 0 {
        return None;
    }
    whole.checked_add(part / scale)
}

/// A finite float in plain decimal notation.
pub fn float(text: &str) -> Option<f64> {
    let v: f64 = text.trim().parse().ok()?;
    v.is_finite().then_some(v)
}

/// Python-style truth words, as argparse actions and YAML configs spell them.
pub fn boolean(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// The spec's `kv_cache_dtype` for an engine's KV dtype name, None when the
/// spec has no such value (`fp4_e2m1`).
pub fn kv_dtype(name: &str) -> Option<&'static str> {
    Some(match name.trim().to_ascii_lowercase().as_str() {
        "auto" => "auto",
        "fp8" | "fp8_inc" => "fp8",
        "fp8_e4m3" => "fp8_e4m3",
        "fp8_e5m2" => "fp8_e5m2",
        "fp8_ds_mla" => "fp8_ds_mla",
        "bf16" | "bfloat16" => "bf16",
        "fp16" | "float16" | "half" => "fp16",
        "fp32" | "float32" | "float" => "fp32",
        "int8" => "int8",
        _ => return None,
    })
}

/// The spec's weights dtype for `--dtype` (None for `auto`, which means the
/// checkpoint's own dtype, and for names the spec lacks).
pub fn weight_dtype(name: &str) -> Option<&'static str> {
    Some(match name.trim().to_ascii_lowercase().as_str() {
        "bfloat16" | "bf16" => "bf16",
        "float16" | "half" | "fp16" => "fp16",
        "float32" | "float" | "fp32" => "fp32",
        _ => return None,
    })
}

/// The spec's `weights.quantization` for an engine's quantization method.
/// Kernel variants map to their storage format (`awq_marlin` stores AWQ);
/// methods whose storage depends on the checkpoint (`compressed-tensors`,
/// `gguf`) map to None: the checkpoint's config.json says.
pub fn quantization(name: &str) -> Option<&'static str> {
    Some(match name.trim().to_ascii_lowercase().as_str() {
        "fp8" | "fbgemm_fp8" | "modelopt" | "ptpc_fp8" => "fp8",
        "awq" | "awq_marlin" => "awq",
        "gptq" | "gptq_marlin" | "gptq_marlin_24" => "gptq",
        "bitsandbytes" => "bnb-nf4",
        "mxfp4" => "mxfp4",
        "modelopt_fp4" | "nvfp4" => "nvfp4",
        "w8a8_int8" | "experts_int8" => "int8",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_readable_ints_follow_vllm() {
        // vllm/engine/arg_utils.py human_readable_int docstring: "1k" -> 1,000,
        // "1K" -> 1,024, "25.6k" -> 25,600.
        assert_eq!(human_int("32k"), Some(32_000));
        assert_eq!(human_int("32K"), Some(32_768));
        assert_eq!(human_int("25.6k"), Some(25_600));
        assert_eq!(human_int("1M"), Some(1_048_576));
        assert_eq!(human_int("131072"), Some(131_072));
        assert_eq!(human_int("1.00001k"), None);
        assert_eq!(human_int("1.5K"), None);
        assert_eq!(human_int("99999999999999999999G"), None);
        assert_eq!(human_int("abc"), None);
        assert_eq!(human_int("-4"), None);
        assert_eq!(human_int(""), None);
    }

    #[test]
    fn names_map_to_spec_enums() {
        assert_eq!(kv_dtype("fp8_e5m2"), Some("fp8_e5m2"));
        assert_eq!(kv_dtype("bfloat16"), Some("bf16"));
        assert_eq!(kv_dtype("fp4_e2m1"), None);
        assert_eq!(quantization("awq_marlin"), Some("awq"));
        assert_eq!(quantization("compressed-tensors"), None);
        assert_eq!(weight_dtype("auto"), None);
        assert_eq!(boolean("False"), Some(false));
        assert_eq!(float("nan"), None);
    }
}
