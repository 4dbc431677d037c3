//! PAR001 tensor-parallel-does-not-divide-heads.

use super::{Rule, RuleContext};
use crate::catalog::Architecture;
use crate::diagnostics::Finding;
use crate::spec::Quantization;

declare_rule! {
    /// ## What it does
    /// Checks that the tensor-parallel size splits the model evenly: attention
    /// heads % tp == 0; KV heads and tp divide one another (one is a multiple of
    /// the other); `intermediate_size / tp` (and, without expert parallelism,
    /// each expert's intermediate size / tp) is whole and, for group-quantized
    /// weights (AWQ, GPTQ), a multiple of the group size.
    ///
    /// vLLM pads the vocabulary to a multiple of tp and splits MoE experts along
    /// their intermediate dimension, so the vocabulary and the expert count are
    /// not checked.
    ///
    /// ## Why is this bad?
    /// The engine asserts these divisions when it builds the model ("Total number
    /// of attention heads must be divisible by tensor parallel size", "The input
    /// size is not aligned with the quantized weight shape") and refuses to start.
    ///
    /// ## Example
    /// ```yaml
    /// model: {preset: llama-3.1-70b}     # 64 heads, 8 KV heads
    /// parallelism: {tensor: 6}
    /// ```
    ///
    /// ## How to fix
    /// Use one of the tensor sizes the finding lists, and scale with pipeline
    /// parallelism or replicas instead.
    pub struct TensorParallelDoesNotDivideHeads(PAR001);
}

/// Why tensor size `tp` does not split `arch` (empty: it does).
fn problems(
    arch: &Architecture,
    tp: u64,
    group: Option<u64>,
    expert_parallel: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    if tp == 0 {
        return out;
    }
    if arch.attention_heads % tp != 0 {
        out.push(format!(
            "{} attention heads do not split over {tp} GPUs",
            arch.attention_heads
        ));
    }
    if arch.mla.is_none() && arch.kv_heads > 0 && arch.kv_heads % tp != 0 && tp % arch.kv_heads != 0
    {
        out.push(format!(
            "{} KV heads and tensor {tp} do not divide one another",
            arch.kv_heads
        ));
    }
    let mut dims = vec![("intermediate_size", arch.intermediate_size)];
    if let Some(moe) = &arch.moe {
        if !expert_parallel {
            dims.push(("expert_intermediate_size", moe.expert_intermediate_size));
        }
    }
    for (name, dim) in dims {
        if dim == 0 {
            continue;
        }
        if dim % tp != 0 {
            out.push(format!("{name} {dim} does not split over {tp} GPUs"));
        } else if let Some(g) = group.filter(|&g| g > 0) {
            if (dim / tp) % g != 0 {
                out.push(format!(
                    "{name} / tp = {} is not a multiple of the quantization group size {g}",
                    dim / tp
                ));
            }
        }
    }
    out
}

impl TensorParallelDoesNotDivideHeads {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let arch = &ctx.resolved.model.architecture;
        let w = &ctx.resolved.model.weights;
        let group = match w.quantization {
            Quantization::Awq | Quantization::Gptq => w.group_size.or(Some(128)),
            _ => w.group_size,
        };
        let expert = ctx.spec.parallelism.expert;
        let tp = ctx.spec.parallelism.tensor;
        let found = problems(arch, tp, group, expert);
        if found.is_empty() {
            return Vec::new();
        }
        let limit = ctx
            .plan
            .gpu
            .gpus_per_node
            .max(tp)
            .min(super::util::MAX_DEGREE);
        let valid: Vec<u64> = (1..=limit)
            .filter(|&t| problems(arch, t, group, expert).is_empty())
            .collect();
        let below = valid.iter().copied().filter(|&t| t < tp).max();
        let above = valid.iter().copied().find(|&t| t > tp);
        let pick = match (below, above) {
            (Some(b), Some(a)) => format!("{b} or {a}"),
            (Some(b), None) => b.to_string(),
            (None, Some(a)) => a.to_string(),
            (None, None) => "1".to_string(),
        };
        let list: Vec<String> = valid.iter().map(u64::to_string).collect();
        let fix = format!(
            "set parallelism.tensor to {pick} (sizes that split this model, up to {limit}: {})",
            list.join(", ")
        );
        vec![self
            .finding(
                "/parallelism/tensor",
                format!("tensor parallel {tp}: {}", found.join("; ")),
            )
            .with_fix(fix)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    #[test]
    fn fires_on_tp6() {
        let fx = Fixture::edit(|v| v["parallelism"]["tensor"] = 6.into());
        let f = fx.one(&TensorParallelDoesNotDivideHeads);
        assert_eq!(f.code, "PAR001");
        assert_eq!(f.pointer, "/parallelism/tensor");
        assert!(
            f.message
                .contains("64 attention heads do not split over 6 GPUs"),
            "{}",
            f.message
        );
        assert!(
            f.message.contains("8 KV heads and tensor 6"),
            "{}",
            f.message
        );
        assert_eq!(
            f.fix.as_deref(),
            Some("set parallelism.tensor to 4 or 8 (sizes that split this model, up to 8: 1, 2, 4, 8)")
        );
    }

    #[test]
    fn group_size_alignment() {
        let awq = |intermediate: u64| {
            Fixture::edit(|v| {
                v["parallelism"]["tensor"] = 8.into();
                v["model"]["weights"] =
                    serde_json::json!({"dtype": "int4", "quantization": "awq", "group_size": 128});
                v["model"]["architecture"] = serde_json::json!({"intermediate_size": intermediate});
            })
        };
        // 15,360 / 8 = 1,920 = 15 x 128.
        assert!(awq(15_360)
            .run(&TensorParallelDoesNotDivideHeads)
            .is_empty());
        // 13,824 / 8 = 1,728, not a multiple of 128.
        let f = awq(13_824).one(&TensorParallelDoesNotDivideHeads);
        assert!(
            f.message
                .contains("1728 is not a multiple of the quantization group size 128"),
            "{}",
            f.message
        );
    }

    #[test]
    fn near_miss_kv_heads_below_tp_divide() {
        // 8 KV heads under TP 16 replicate (PAR002), but divide: not PAR001.
        let mut fx = Fixture::edit(|v| v["parallelism"]["tensor"] = 16.into());
        fx.plan.gpu.gpus_per_node = 16;
        assert!(fx.run(&TensorParallelDoesNotDivideHeads).is_empty());
        assert!(Fixture::new()
            .run(&TensorParallelDoesNotDivideHeads)
            .is_empty());
    }
}
