//! Recurrent state one sequence holds in one state layer on one TP rank: the
//! short-convolution window plus the SSM / linear-attention state (Mamba1,
//! Mamba2, gated DeltaNet, KDA, lightning attention), and the dtypes vLLM
//! stores them in. docs/memory-math.md section 13 walks through it.
//!
//! Shapes are vLLM's `MambaStateShapeCalculator`
//! (vllm/model_executor/layers/mamba/mamba_utils.py, read at vLLM 0.34.0,
//! 62d4bc3c7; the shapes are unchanged since prefix caching for Mamba2 landed,
//! https://github.com/vllm-project/vllm/pull/25752), per TP rank, with `s` =
//! `num_speculative_tokens`:
//! - Mamba1 `mamba1_state_shape`: conv `(K - 1) x I/tp`, ssm `I/tp x d_state`;
//! - Mamba2 `mamba2_state_shape`: conv `(K - 1 + s) x (I + 2 G' d_state)/tp`
//!   with `G' = G` when tp divides G, else `tp` (`extra_groups_for_head_shards`);
//!   ssm `H/tp x head_dim x d_state`;
//! - gated DeltaNet `gated_delta_net_state_shape`: conv `(K - 1 + s) x (2 nk dk
//!   + nv dv)/tp`, ssm `nv/tp x dv x dk`;
//! - KDA `kda_state_shape`: conv `(K - 1 + s) x (H d + 2 Hk dk)/tp` (q, k and v
//!   windows), recurrent `H/tp x d x d`;
//! - lightning `linear_attention_state_shape`: `heads/tp x d x d`, no conv.
//!
//! Page bytes: `MambaSpec.page_size_bytes` = sum over the states of
//! `prod(shape) x dtype_bytes` (state alignment 1).
//!
//! Dtypes (`MambaStateDtypeCalculator`): conv = `mamba_cache_dtype` (`auto`:
//! the model dtype); ssm = `mamba_ssm_cache_dtype` (`auto`: the model's own
//! override: Nemotron-H fp32 by default, Qwen3.5's config `mamba_ssm_dtype`;
//! else the conv dtype); KDA's recurrent state fp32 unless set; lightning one
//! dtype, the conv one. SGLang keeps the SSM state in fp32 by default
//! (sglang/srt/configs/mamba_utils.py `mamba2_state_dtype`).

use super::math::{add, ceil_div, mul, MathResult};
use crate::spec::{LinearAttentionSpec, LinearKind, MambaSpec, StateDtype};

/// Conv and SSM bytes of one sequence in one state layer on one rank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatePage {
    pub conv_bytes: u64,
    pub ssm_bytes: u64,
}

impl StatePage {
    pub fn total(&self) -> MathResult<u64> {
        add(self.conv_bytes, self.ssm_bytes)
    }
}

/// Element widths of the two states, after `auto` is resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateDtypes {
    pub conv: u64,
    pub ssm: u64,
    /// Where the SSM width came from, for the plan's assumptions.
    pub ssm_source: &'static str,
}

/// Resolve the state dtypes. `serving_conv` / `serving_ssm` are the spec's
/// `serving.mamba_cache_dtype` / `serving.mamba_ssm_cache_dtype`;
/// `model_ssm` the architecture's `mamba_ssm_dtype`; `model_bytes` the width
/// of the model dtype (2 for bf16/fp16, 4 for fp32); `sglang` picks SGLang's
/// fp32 default.
pub fn dtypes(
    serving_conv: Option<StateDtype>,
    serving_ssm: Option<StateDtype>,
    model_ssm: Option<StateDtype>,
    model_bytes: u64,
    linear: Option<LinearKind>,
    sglang: bool,
) -> StateDtypes {
    let conv = serving_conv
        .and_then(StateDtype::bytes)
        .unwrap_or(model_bytes);
    let (ssm, ssm_source) = if let Some(b) = serving_ssm.and_then(StateDtype::bytes) {
        (b, "serving.mamba_ssm_cache_dtype")
    } else if linear == Some(LinearKind::Lightning) {
        (conv, "lightning attention keeps one dtype, the conv one (vLLM MambaStateDtypeCalculator.linear_attention_state_dtype)")
    } else if let Some(b) = model_ssm.and_then(StateDtype::bytes) {
        (b, "the model's own SSM state dtype (config.json mamba_ssm_dtype / vLLM's per-model default, vllm/model_executor/models/config.py)")
    } else if linear == Some(LinearKind::Kda) {
        (
            4,
            "KDA recurrent state fp32 (vLLM MambaStateDtypeCalculator.kda_state_dtype)",
        )
    } else if sglang {
        (4, "SGLang keeps the SSM state in fp32 (sglang/srt/configs/mamba_utils.py mamba2_state_dtype)")
    } else {
        (
            conv,
            "auto: the conv state dtype (vLLM MambaStateDtypeCalculator)",
        )
    };
    StateDtypes {
        conv,
        ssm,
        ssm_source,
    }
}

/// The state of one Mamba layer on one rank.
pub fn mamba_page(
    m: &MambaSpec,
    tp: u64,
    spec_tokens: u64,
    d: StateDtypes,
) -> MathResult<StatePage> {
    let rows = m.d_conv.saturating_sub(1);
    if m.version == 1 {
        // mamba1_state_shape: conv (I/tp, K - 1), ssm (I/tp, d_state).
        let inner = ceil_div(m.intermediate_size, tp)?;
        return Ok(StatePage {
            conv_bytes: mul(mul(rows, inner)?, d.conv)?,
            ssm_bytes: mul(mul(inner, m.d_state)?, d.ssm)?,
        });
    }
    let g = m.n_groups.unwrap_or(1).max(1);
    let groups = if g % tp == 0 { g } else { tp.max(g) };
    let conv_dim = add(m.intermediate_size, mul(2, mul(groups, m.d_state)?)?)?;
    let heads = m.heads.unwrap_or(1);
    let head_dim = m
        .head_dim
        .unwrap_or_else(|| m.intermediate_size.checked_div(heads).unwrap_or(0));
    Ok(StatePage {
        conv_bytes: mul(
            mul(add(rows, spec_tokens)?, ceil_div(conv_dim, tp)?)?,
            d.conv,
        )?,
        ssm_bytes: mul(mul(mul(ceil_div(heads, tp)?, head_dim)?, m.d_state)?, d.ssm)?,
    })
}

/// The state of one linear-attention layer on one rank.
pub fn linear_page(
    l: &LinearAttentionSpec,
    tp: u64,
    spec_tokens: u64,
    d: StateDtypes,
) -> MathResult<StatePage> {
    let rows = add(l.conv_kernel.unwrap_or(4).saturating_sub(1), spec_tokens)?;
    let v_heads = ceil_div(l.value_heads, tp)?;
    match l.kind {
        LinearKind::GatedDeltaNet => {
            let conv_dim = add(
                mul(2, mul(l.key_heads, l.key_head_dim)?)?,
                mul(l.value_heads, l.value_head_dim)?,
            )?;
            Ok(StatePage {
                conv_bytes: mul(mul(rows, ceil_div(conv_dim, tp)?)?, d.conv)?,
                ssm_bytes: mul(mul(mul(v_heads, l.value_head_dim)?, l.key_head_dim)?, d.ssm)?,
            })
        }
        LinearKind::Kda => {
            let conv_dim = add(
                mul(l.value_heads, l.value_head_dim)?,
                mul(2, mul(l.key_heads, l.key_head_dim)?)?,
            )?;
            Ok(StatePage {
                conv_bytes: mul(mul(rows, ceil_div(conv_dim, tp)?)?, d.conv)?,
                ssm_bytes: mul(
                    mul(mul(v_heads, l.value_head_dim)?, l.value_head_dim)?,
                    d.ssm,
                )?,
            })
        }
        LinearKind::Lightning => Ok(StatePage {
            conv_bytes: 0,
            ssm_bytes: mul(
                mul(mul(v_heads, l.value_head_dim)?, l.value_head_dim)?,
                d.ssm,
            )?,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BF16: StateDtypes = StateDtypes {
        conv: 2,
        ssm: 2,
        ssm_source: "",
    };

    fn gdn(nk: u64, nv: u64) -> LinearAttentionSpec {
        LinearAttentionSpec {
            kind: LinearKind::GatedDeltaNet,
            key_heads: nk,
            value_heads: nv,
            key_head_dim: 128,
            value_head_dim: 128,
            conv_kernel: Some(4),
        }
    }

    #[test]
    fn qwen3_next_gdn_page() {
        // shared/memory-math-v2 section 1d (vLLM 0.34 formulas, Qwen3-Next-80B-A3B
        // config.json: 16 key heads, 32 value heads, 128 wide, kernel 4):
        // conv 3 x 8192 x 2 = 49,152; ssm 32 x 128 x 128 x 2 = 1,048,576.
        let p = linear_page(&gdn(16, 32), 1, 0, BF16).unwrap_or(StatePage {
            conv_bytes: 0,
            ssm_bytes: 0,
        });
        assert_eq!((p.conv_bytes, p.ssm_bytes), (49_152, 1_048_576));
        assert_eq!(p.total(), Ok(1_097_728));
        // TP 4: 12,288 + 262,144.
        assert_eq!(
            linear_page(&gdn(16, 32), 4, 0, BF16).and_then(|p| p.total()),
            Ok(274_432)
        );
        // One speculative token adds a conv row: 4 x 8192 x 2.
        assert_eq!(
            linear_page(&gdn(16, 32), 1, 1, BF16).map(|p| p.conv_bytes),
            Ok(65_536)
        );
    }

    #[test]
    fn nemotron_nano_9b_mamba2_page_with_fp32_ssm() {
        // NVIDIA-Nemotron-Nano-9B-v2: 128 heads x 80, 8 groups, d_state 128,
        // kernel 4; vLLM's Nemotron-H SSM default fp32: 73,728 + 5,242,880.
        let m = MambaSpec {
            version: 2,
            d_state: 128,
            d_conv: 4,
            intermediate_size: 10_240,
            n_groups: Some(8),
            heads: Some(128),
            head_dim: Some(80),
        };
        let d = dtypes(None, None, Some(StateDtype::Fp32), 2, None, false);
        assert_eq!((d.conv, d.ssm), (2, 4));
        assert_eq!(
            mamba_page(&m, 1, 0, d).and_then(|p| p.total()),
            Ok(5_316_608)
        );
    }

    #[test]
    fn jamba_mamba1_page() {
        // Jamba-1.5-Mini: I = 8192, d_state 16, kernel 4, bf16: 49,152 + 262,144.
        let m = MambaSpec {
            version: 1,
            d_state: 16,
            d_conv: 4,
            intermediate_size: 8192,
            n_groups: None,
            heads: None,
            head_dim: None,
        };
        assert_eq!(
            mamba_page(&m, 1, 0, BF16).and_then(|p| p.total()),
            Ok(311_296)
        );
    }

    #[test]
    fn dtype_precedence() {
        // An explicit serving SSM dtype beats the model's override.
        let d = dtypes(
            Some(StateDtype::Bf16),
            Some(StateDtype::Bf16),
            Some(StateDtype::Fp32),
            2,
            None,
            false,
        );
        assert_eq!((d.conv, d.ssm), (2, 2));
        // KDA defaults to an fp32 recurrent state; SGLang to an fp32 SSM state.
        assert_eq!(
            dtypes(None, None, None, 2, Some(LinearKind::Kda), false).ssm,
            4
        );
        assert_eq!(dtypes(None, None, None, 2, None, true).ssm, 4);
        assert_eq!(dtypes(None, None, None, 2, None, false).ssm, 2);
    }
}
