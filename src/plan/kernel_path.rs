//! What vLLM's MXFP4 MoE kernel path allocates beyond the checkpoint's expert
//! bytes (docs/memory-math.md "Kernel padding"): the backend it picks for the
//! GPU generation and version, the padded expert matrices, the scales and
//! biases as that backend stores them. The result is `weights.padding_bytes`
//! on the most-loaded GPU, added to `per_gpu_bytes`.
//!
//! Read in the PyPI wheels' sources (vllm/model_executor/layers/quantization/
//! mxfp4.py up to 0.18; vllm/model_executor/layers/fused_moe/oracle/mxfp4.py
//! from 0.19; the vendored triton_kernels in vllm/third_party/ from 0.12):
//!
//! Backend (`get_mxfp4_backend`, later `select_gpt_oss_mxfp4_moe_backend`):
//! - 0.10.x-0.11.x: Marlin on every CUDA GPU a stock `pip install vllm` runs
//!   on. Triton needs torch >= 2.8 (0.10.1 pins torch 2.7.1) and the
//!   `triton_kernels` package, which no wheel before 0.12 depends on or ships;
//!   FlashInfer (TRT-LLM MoE on Blackwell) is only the `vllm[flashinfer]` extra.
//! - 0.12 on: Hopper (SM 9.x) Triton (`(9, 0) <= capability < (11, 0)` and the
//!   vendored triton_kernels); Blackwell SM 10.x FlashInfer TRT-LLM (flashinfer
//!   is a dependency from 0.12); Ampere/Ada (8.x) and SM 11.x/12.x Marlin.
//!
//! Padding (`create_weights`, later `mxfp4_round_up_hidden_size_and_
//! intermediate_size`), I = intermediate size per rank, H = hidden size:
//! Marlin I -> 128, H -> 256; TRT-LLM H -> 256 and I -> 256 up to 0.26, 128
//! from 0.27; Triton I -> 64, H unchanged.
//!
//! Bytes per expert (uint8 fp4 pairs, one uint8 E8M0 scale per 32):
//! weights 3 H' I' / 2, scales 3 H' I' / 32, biases (2 I' + H') x 2 (BF16;
//! TRT-LLM and Triton convert them to FP32: x 4). Marlin's repack
//! (`prepare_moe_fp4_layer_for_marlin`) and TRT-LLM's shuffle keep the byte
//! count. Triton on Hopper (`_swizzle_mxfp4`, mxfp4_utils.py) stores the
//! scales in `HopperMXScaleLayout`, rows padded to 2 x num_warps x 2 x 8 = 256,
//! groups to 2 (to 4 first from 0.26, "#47303"); the vendored
//! `HopperMXValueLayout` of 0.17-0.21 pads both weight dimensions to 64; and up
//! to 0.24 the loaded scale parameters stay registered next to the swizzled
//! copy (0.25 deletes them, 0.34 shares their storage).

use super::math::{add, ceil_div, mul, sum, MathResult};
use super::weights::Shard;
use crate::catalog::Architecture;

/// The MXFP4 MoE backend vLLM runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Marlin,
    Triton,
    TrtLlm,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Marlin => "Marlin",
            Backend::Triton => "Triton (OAI triton_kernels)",
            Backend::TrtLlm => "FlashInfer TRT-LLM",
        }
    }
}

/// `major.minor` of a compute capability string (`"9.0"`).
pub fn capability(cc: Option<&str>) -> Option<(u64, u64)> {
    let (a, b) = cc?.trim().split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// The backend vLLM `version` (major, minor) picks on a GPU of capability
/// `cc`, or `None` below SM 8.0 (`Mxfp4Config.get_min_capability` = 80).
pub fn backend(version: (u64, u64), cc: (u64, u64)) -> Option<Backend> {
    if cc.0 < 8 {
        return None;
    }
    if version < (0, 12) {
        return Some(Backend::Marlin);
    }
    Some(match cc.0 {
        9 => Backend::Triton,
        10 => Backend::TrtLlm,
        _ => Backend::Marlin,
    })
}

fn round_up(x: u64, m: u64) -> MathResult<u64> {
    mul(ceil_div(x, m)?, m)
}

/// Padded (H', I') for `backend` at `version`.
pub fn padded(backend: Backend, version: (u64, u64), h: u64, i: u64) -> MathResult<(u64, u64)> {
    Ok(match backend {
        Backend::Marlin => (round_up(h, 256)?, round_up(i, 128)?),
        Backend::TrtLlm => {
            let im = if version <= (0, 26) { 256 } else { 128 };
            (round_up(h, 256)?, round_up(i, im)?)
        }
        Backend::Triton => (h, round_up(i, 64)?),
    })
}

/// Bytes vLLM holds for `e` experts of one MoE layer on one rank after
/// loading, with hidden size `h` and per-rank intermediate size `i`.
pub fn engine_bytes(
    backend: Backend,
    version: (u64, u64),
    e: u64,
    h: u64,
    i: u64,
) -> MathResult<u64> {
    let (hp, ip) = padded(backend, version, h, i)?;
    let two_i = mul(2, ip)?;
    let bias_bytes = if backend == Backend::Marlin { 2 } else { 4 };
    let bias = mul(add(two_i, hp)?, bias_bytes)?;
    let per_expert = match backend {
        Backend::Marlin | Backend::TrtLlm => {
            // w13 [2I', H'/2] + w2 [H', I'/2]; scales [2I', H'/32] + [H', I'/32].
            let w = add(mul(two_i, hp / 2)?, mul(hp, ip / 2)?)?;
            let s = add(mul(two_i, ceil_div(hp, 32)?)?, mul(hp, ceil_div(ip, 32)?)?)?;
            sum([w, s, bias])?
        }
        Backend::Triton => {
            // Values: the transposed [H/2, 2I'] and [I'/2, H], padded to 64
            // by the vendored HopperMXValueLayout of 0.17-0.21.
            let v = |x: u64| -> MathResult<u64> {
                if ((0, 17)..=(0, 21)).contains(&version) {
                    round_up(x, 64)
                } else {
                    Ok(x)
                }
            };
            let w = add(mul(v(h / 2)?, v(two_i)?)?, mul(v(ip / 2)?, v(h)?)?)?;
            // Scales: groups per row padded to 4 from 0.26, then rows to 256
            // and groups to 2 (HopperMXScaleLayout, num_warps 8).
            let g = |x: u64| -> MathResult<u64> {
                let groups = ceil_div(x, 32)?;
                let groups = if version >= (0, 26) {
                    round_up(groups, 4)?
                } else {
                    groups
                };
                round_up(groups, 2)
            };
            let swizzled = add(
                mul(round_up(two_i, 256)?, g(h)?)?,
                mul(round_up(h, 256)?, g(ip)?)?,
            )?;
            // The loaded scales stay registered up to 0.24.
            let loaded = if version <= (0, 24) {
                add(mul(two_i, ceil_div(h, 32)?)?, mul(h, ceil_div(ip, 32)?)?)?
            } else {
                0
            };
            sum([w, swizzled, loaded, bias])?
        }
    };
    mul(e, per_expert)
}

/// The most-loaded GPU's MXFP4 expert allocation beyond what the checkpoint
/// format prices (`checkpoint_bytes`: the same experts at 4.25 bits).
pub struct Padding {
    pub backend: Backend,
    pub bytes: u64,
    /// Padded (H', I') per rank.
    pub padded: (u64, u64),
    pub per_rank_intermediate: u64,
}

/// `moe_layers` MoE layers of model `a` on one rank of `shard`; the
/// checkpoint's price of the same experts is `checkpoint_bytes`.
pub fn mxfp4_padding(
    a: &Architecture,
    shard: Shard,
    moe_layers: u64,
    version: (u64, u64),
    cc: (u64, u64),
    checkpoint_bytes: u64,
) -> MathResult<Option<Padding>> {
    let (Some(m), Some(b)) = (&a.moe, backend(version, cc)) else {
        return Ok(None);
    };
    let (experts, i) = if shard.ep > 1 {
        (ceil_div(m.experts, shard.ep)?, m.expert_intermediate_size)
    } else {
        (m.experts, ceil_div(m.expert_intermediate_size, shard.tp)?)
    };
    let per_layer = engine_bytes(b, version, experts, a.hidden_size, i)?;
    let engine = mul(per_layer, moe_layers)?;
    Ok(Some(Padding {
        backend: b,
        bytes: engine.saturating_sub(checkpoint_bytes),
        padded: padded(b, version, a.hidden_size, i)?,
        per_rank_intermediate: i,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    // gpt-oss-120b: H = I = 2880, 128 experts, 36 layers (config.json of
    // openai/gpt-oss-120b). Hand computations per expert, one rank at TP 1.

    #[test]
    fn backends_by_version_and_generation() {
        assert_eq!(backend((0, 10), (9, 0)), Some(Backend::Marlin));
        assert_eq!(backend((0, 11), (10, 0)), Some(Backend::Marlin));
        assert_eq!(backend((0, 14), (9, 0)), Some(Backend::Triton));
        assert_eq!(backend((0, 19), (10, 0)), Some(Backend::TrtLlm));
        assert_eq!(backend((0, 34), (8, 0)), Some(Backend::Marlin));
        assert_eq!(backend((0, 34), (12, 0)), Some(Backend::Marlin));
        assert_eq!(backend((0, 34), (7, 5)), None);
        assert_eq!(capability(Some("9.0")), Some((9, 0)));
        assert_eq!(capability(Some("x")), None);
    }

    #[test]
    fn marlin_pads_h_to_256_and_i_to_128() {
        // H' = 3072, I' = 2944: weights 3 x 3072 x 2944 / 2 = 13,565,952;
        // scales / 32 = 847,872; bf16 bias (5888 + 3072) x 2 = 17,920.
        assert_eq!(
            engine_bytes(Backend::Marlin, (0, 10), 1, 2880, 2880),
            Ok(13_565_952 + 847_872 + 17_920)
        );
        // x 128 experts x 36 layers = 66,501,476,352 (61.93 GiB).
        assert_eq!(
            engine_bytes(Backend::Marlin, (0, 10), 128, 2880, 2880).map(|b| b * 36),
            Ok(66_501_476_352)
        );
    }

    #[test]
    fn triton_0_14_keeps_loaded_scales_beside_the_swizzled_copy() {
        // I' = 2880 (a multiple of 64): weights 12,441,600; loaded scales
        // 5760 x 90 + 2880 x 90 = 777,600; swizzled: 5760 -> 5888 rows x 90 +
        // 2880 -> 3072 rows x 90 = 806,400; fp32 bias 8640 x 4 = 34,560.
        assert_eq!(
            engine_bytes(Backend::Triton, (0, 14), 1, 2880, 2880),
            Ok(12_441_600 + 777_600 + 806_400 + 34_560)
        );
    }

    #[test]
    fn triton_0_19_pads_values_to_64() {
        // gpt-oss-20b at TP 2: I = 1440 -> 1472. Values [1440 -> 1472, 2944]
        // + [736 -> 768, 2880] = 4,333,568 + 2,211,840; loaded scales 2944 x
        // 90 + 2880 x 46 = 397,440; swizzled 3072 x 90 + 3072 x 46 = 417,792;
        // fp32 bias (2944 + 2880) x 4 = 23,296.
        assert_eq!(
            engine_bytes(Backend::Triton, (0, 19), 1, 2880, 1440),
            Ok(4_333_568 + 2_211_840 + 397_440 + 417_792 + 23_296)
        );
    }

    #[test]
    fn triton_0_34_stores_one_scale_copy_with_groups_padded_to_4() {
        // No value padding, no loaded copy; groups 90 -> 92:
        // 5888 x 92 + 3072 x 92 = 824,320; weights 12,441,600; bias 34,560.
        assert_eq!(
            engine_bytes(Backend::Triton, (0, 34), 1, 2880, 2880),
            Ok(12_441_600 + 824_320 + 34_560)
        );
    }

    #[test]
    fn trtllm_intermediate_multiple_moved_in_0_27() {
        assert_eq!(
            padded(Backend::TrtLlm, (0, 26), 2880, 1440),
            Ok((3072, 1536))
        );
        assert_eq!(
            padded(Backend::TrtLlm, (0, 27), 2880, 1440),
            Ok((3072, 1536))
        );
        assert_eq!(
            padded(Backend::TrtLlm, (0, 26), 2880, 2880),
            Ok((3072, 3072))
        );
        assert_eq!(
            padded(Backend::TrtLlm, (0, 27), 2880, 2880),
            Ok((3072, 2944))
        );
    }
}
