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
    }
}

/// Combine the spec's weights with the checkpoint's.
pub fn combine(user: &WeightsSpec, checkpoint: Option<&ResolvedWeights>) -> ResolvedWeights {
    let says_anything = user.dtype.is_some()
        || user.quantization != Quantization::None
        || user.group_size.is_some();
    let Some(base) = checkpoint else {
        return from_spec_block(user);
    };
    if !says_anything {
        return base.clone();
    }
    if user.quantization == Quantization::None && user.dtype.is_none() {
        // Only a group size: it refines the checkpoint's own format.
        return ResolvedWeights {
            group_size: user.group_size,
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
        }
    }

    #[test]
    fn spec_silence_keeps_checkpoint_format() {
        let mx = ResolvedWeights {
            dtype: WeightDtype::Mxfp4,
            quantization: Quantization::Mxfp4,
            group_size: Some(32),
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
    }
}
