//! Which weights format a spec ends up with: the spec's `model.weights` when it
//! says anything, else the checkpoint's (config.json `quantization_config` /
//! `torch_dtype`, or the preset's default), else bf16.

use super::ResolvedWeights;
use crate::spec::{Quantization, WeightDtype, WeightsSpec};

/// Storage dtype a quantization implies when `weights.dtype` is omitted (the
/// same table as the schema's dtype-vs-quantization check). GGUF k-quants of 5
/// and 6 bits have no `WeightDtype`; int8 is the nearest one above them, and the
/// plan sizes GGUF by its own bits-per-weight table anyway.
pub fn implied_dtype(q: Quantization) -> Option<WeightDtype> {
    Some(match q {
        Quantization::None => return None,
        Quantization::Fp8 => WeightDtype::Fp8,
        Quantization::Int8
        | Quantization::BnbInt8
        | Quantization::GgufQ8_0
        | Quantization::GgufQ5KM
        | Quantization::GgufQ6K => WeightDtype::Int8,
        Quantization::Awq
        | Quantization::Gptq
        | Quantization::BnbNf4
        | Quantization::GgufQ4_0
        | Quantization::GgufQ4KM => WeightDtype::Int4,
        Quantization::Mxfp4 => WeightDtype::Mxfp4,
        Quantization::Nvfp4 => WeightDtype::Nvfp4,
    })
}

/// A preset's `weights:` block as resolved weights.
pub fn from_spec_block(w: &WeightsSpec) -> ResolvedWeights {
    ResolvedWeights {
        dtype: w
            .dtype
            .or_else(|| implied_dtype(w.quantization))
            .unwrap_or(WeightDtype::Bf16),
        quantization: w.quantization,
        group_size: w.group_size,
        unquantized: w.unquantized.clone(),
    }
}

/// The checkpoint's 16-bit module list followed by the spec's (duplicates
/// dropped, order kept).
fn union(checkpoint: &[String], user: &[String]) -> Vec<String> {
    let mut out: Vec<String> = checkpoint.to_vec();
    for u in user {
        if !out.contains(u) {
            out.push(u.clone());
        }
    }
    out
}

/// Combine the spec's weights with the checkpoint's.
pub fn combine(user: &WeightsSpec, checkpoint: Option<&ResolvedWeights>) -> ResolvedWeights {
    // `unquantized` alone refines the checkpoint's format rather than
    // replacing it.
    let says_anything = user.dtype.is_some()
        || user.quantization != Quantization::None
        || user.group_size.is_some();
    let Some(base) = checkpoint else {
        return from_spec_block(user);
    };
    if !says_anything {
        return ResolvedWeights {
            unquantized: union(&base.unquantized, &user.unquantized),
            ..base.clone()
        };
    }
    if user.quantization == Quantization::None && user.dtype.is_none() {
        // Only a group size: it refines the checkpoint's own format.
        return ResolvedWeights {
            group_size: user.group_size,
            unquantized: union(&base.unquantized, &user.unquantized),
            ..base.clone()
        };
    }
    let same_scheme = user.quantization == base.quantization;
    ResolvedWeights {
        dtype: user
            .dtype
            .or_else(|| implied_dtype(user.quantization))
            .unwrap_or(
                if user.quantization == Quantization::None
                    && base.quantization == Quantization::None
                {
                    base.dtype
                } else {
                    WeightDtype::Bf16
                },
            ),
        quantization: user.quantization,
        group_size: user
            .group_size
            .or(if same_scheme { base.group_size } else { None }),
        // The checkpoint's list describes its own scheme; another scheme
        // (quantizing at load) keeps only what the spec lists.
        unquantized: if same_scheme {
            union(&base.unquantized, &user.unquantized)
        } else {
            user.unquantized.clone()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(dtype: Option<WeightDtype>, q: Quantization, g: Option<u64>) -> WeightsSpec {
        WeightsSpec {
            dtype,
            quantization: q,
            group_size: g,
            unquantized: Vec::new(),
        }
    }

    #[test]
    fn spec_silence_keeps_checkpoint_format() {
        let mx = ResolvedWeights {
            dtype: WeightDtype::Mxfp4,
            quantization: Quantization::Mxfp4,
            group_size: Some(32),
            unquantized: vec!["model.layers.*.self_attn".to_string()],
        };
        assert_eq!(
            combine(&spec(None, Quantization::None, None), Some(&mx)),
            mx
        );
        let bf = combine(
            &spec(Some(WeightDtype::Bf16), Quantization::None, None),
            Some(&mx),
        );
        assert_eq!(bf.dtype, WeightDtype::Bf16);
        assert_eq!(bf.quantization, Quantization::None);
        assert_eq!(bf.group_size, None);
        let awq = combine(&spec(None, Quantization::Awq, Some(128)), None);
        assert_eq!(awq.dtype, WeightDtype::Int4);
        // The spec's list joins the checkpoint's; a new scheme drops the
        // checkpoint's.
        let mut only_list = spec(None, Quantization::None, None);
        only_list.unquantized = vec!["lm_head".to_string()];
        let joined = combine(&only_list, Some(&mx));
        assert_eq!(joined.quantization, Quantization::Mxfp4);
        assert_eq!(
            joined.unquantized,
            vec![
                "model.layers.*.self_attn".to_string(),
                "lm_head".to_string()
            ]
        );
        let mut fp8 = spec(None, Quantization::Fp8, None);
        fp8.unquantized = vec!["lm_head".to_string()];
        assert_eq!(
            combine(&fp8, Some(&mx)).unquantized,
            vec!["lm_head".to_string()]
        );
    }
}
