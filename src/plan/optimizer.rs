//! Training model states per GPU (issue 3 item 6): weights, gradients and
//! optimizer state per optimizer and precision, ZeRO stages 0-3 over
//! `parallelism.data`, CPU offload, and LoRA/QLoRA adapters.
//!
//! Bytes per trainable parameter (Rajbhandari et al. 2019, "ZeRO", section 3.1:
//! mixed-precision Adam = 2 + 2 + 12 = 16 B/param):
//!
//! | optimizer    | mixed (bf16/fp16) states | pure bf16 | fp32 |
//! |--------------|--------------------------|-----------|------|
//! | adam(w)      | 4 master + 4 m + 4 v = 12 | 2 + 2 = 4 | 8    |
//! | adamw-8bit   | 4 master + 1 m + 1 v = 6 (bitsandbytes 8-bit states, Dettmers et al. 2021) | 2 | 2 |
//! | sgd          | 4 master                 | 0         | 0    |
//! | sgd-momentum | 4 master + 4 momentum = 8 | 2        | 4    |
//! | adafactor    | 4 master (+ factored row/col moments, O(rows + cols), ~0) | ~0 | ~0 |
//! | lion         | 4 master + 4 m = 8 (Chen et al. 2023: one moment) | 2 | 4 |
//!
//! Weights and gradients are 2 B/param in 16-bit and mixed precision, 4 B in
//! fp32. ZeRO-1 shards the optimizer states over the data-parallel ranks,
//! ZeRO-2 also the gradients, ZeRO-3 also the weights (design.md section 5).

use super::math::{add, ceil_div, mul, MathResult};
use crate::catalog::Architecture;
use crate::spec::{Offload, Optimizer, TrainingPrecision};

/// Bytes per trainable parameter: (weights, gradients, optimizer states).
pub fn bytes_per_param(o: Optimizer, p: TrainingPrecision) -> (u64, u64, u64) {
    let mixed = matches!(
        p,
        TrainingPrecision::Bf16Mixed | TrainingPrecision::Fp16Mixed
    );
    let (w, g) = match p {
        TrainingPrecision::Fp32 => (4, 4),
        _ => (2, 2),
    };
    let states = match (o, mixed, p) {
        (Optimizer::Adam | Optimizer::Adamw, true, _) => 12,
        (Optimizer::Adamw8bit, true, _) => 6,
        (Optimizer::Sgd, true, _) => 4,
        (Optimizer::SgdMomentum | Optimizer::Lion, true, _) => 8,
        (Optimizer::Adafactor, true, _) => 4,
        (Optimizer::Adam | Optimizer::Adamw, false, TrainingPrecision::Fp32) => 8,
        (Optimizer::Adam | Optimizer::Adamw, false, _) => 4,
        (Optimizer::Adamw8bit, false, _) => 2,
        (Optimizer::Sgd | Optimizer::Adafactor, false, _) => 0,
        (Optimizer::SgdMomentum | Optimizer::Lion, false, TrainingPrecision::Fp32) => 4,
        (Optimizer::SgdMomentum | Optimizer::Lion, false, _) => 2,
    };
    (w, g, states)
}

/// Per-GPU model states for one ZeRO stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct States {
    pub weights: u64,
    pub gradients: u64,
    pub optimizer: u64,
    /// Offloaded to host RAM, per GPU.
    pub host: u64,
}

impl States {
    pub fn total(&self) -> MathResult<u64> {
        add(add(self.weights, self.gradients)?, self.optimizer)
    }
}

/// Model states on one GPU.
///
/// `trainable` parameters on this GPU (after TP/PP), `frozen_bytes` the frozen
/// base (LoRA/QLoRA: its stored bytes on this GPU; full training: 0), `dp` the
/// ZeRO shard degree.
pub fn states(
    trainable: u64,
    frozen_bytes: u64,
    o: Optimizer,
    p: TrainingPrecision,
    zero_stage: u64,
    dp: u64,
    offload: Offload,
) -> MathResult<States> {
    let (w, g, s) = bytes_per_param(o, p);
    let dp = dp.max(1);
    let shard = |bytes: u64, on: bool| -> MathResult<u64> {
        if on {
            ceil_div(bytes, dp)
        } else {
            Ok(bytes)
        }
    };
    let weights = shard(add(mul(trainable, w)?, frozen_bytes)?, zero_stage >= 3)?;
    let gradients = shard(mul(trainable, g)?, zero_stage >= 2)?;
    let optimizer = shard(mul(trainable, s)?, zero_stage >= 1)?;
    Ok(match offload {
        Offload::None => States {
            weights,
            gradients,
            optimizer,
            host: 0,
        },
        // ZeRO-Offload (Ren et al. 2021): optimizer states (incl. fp32 master)
        // live and step on the CPU.
        Offload::Optimizer => States {
            weights,
            gradients,
            optimizer: 0,
            host: optimizer,
        },
        // ZeRO-Infinity / FSDP CPU offload: parameters too; the GPU keeps only
        // the layer being gathered (counted as zero at this granularity).
        Offload::OptimizerAndParams => States {
            weights: 0,
            gradients,
            optimizer: 0,
            host: add(optimizer, weights)?,
        },
    })
}

/// LoRA adapter parameters: for each target module in each layer,
/// `rank x (d_in + d_out)` (Hu et al. 2021, A: r x d_in, B: d_out x r). Module
/// names follow Hugging Face Llama/Mistral/Qwen; unknown names count 0 (the
/// caller records them).
pub fn lora_params(
    a: &Architecture,
    rank: u64,
    modules: &[String],
) -> MathResult<(u64, Vec<String>)> {
    let h = a.hidden_size;
    let q = mul(a.attention_heads, a.head_dim)?;
    let kv = mul(a.kv_heads, a.head_dim)?;
    let i = a.intermediate_size;
    let mut per_layer = 0u64;
    let mut unknown = Vec::new();
    for m in modules {
        let dims = match m.as_str() {
            "q_proj" => Some((h, q)),
            "k_proj" | "v_proj" => Some((h, kv)),
            "o_proj" => Some((q, h)),
            "gate_proj" | "up_proj" => Some((h, i)),
            "down_proj" => Some((i, h)),
            _ => None,
        };
        match dims {
            Some((din, dout)) => per_layer = add(per_layer, mul(rank, add(din, dout)?)?)?,
            None => unknown.push(m.clone()),
        }
    }
    Ok((mul(per_layer, a.layers)?, unknown))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_paper_7_5b_on_64_gpus() {
        // ZeRO paper Figure 1: 7.5B params, N_d = 64, K = 12:
        // 120 GB, 31.4 GB, 16.6 GB, 1.9 GB.
        let p = 7_500_000_000;
        let gb = |s: &States| s.total().unwrap_or(0) as f64 / 1e9;
        let row = |z| {
            states(
                p,
                0,
                Optimizer::Adamw,
                TrainingPrecision::Bf16Mixed,
                z,
                64,
                Offload::None,
            )
        };
        let r: Vec<f64> = (0..4)
            .map(|z| row(z).map(|s| gb(&s)).unwrap_or(0.0))
            .collect();
        assert_eq!(r[0], 120.0);
        assert!((r[1] - 31.4).abs() < 0.05, "{}", r[1]);
        assert!((r[2] - 16.6).abs() < 0.05, "{}", r[2]);
        assert!((r[3] - 1.9).abs() < 0.05, "{}", r[3]);
    }
}
