//! PAR004 pipeline-stages-unbalanced.

use super::util::{divisors, percent};

/// Beyond this a layer count is not a transformer (the schema has no maximum);
/// the stage arithmetic below allocates per stage, so it is bounded.
const MAX_LAYERS: u64 = 100_000;
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::spec::Engine;
use crate::units::Bytes;

declare_rule! {
    /// ## What it does
    /// Flags pipeline parallelism whose stages are uneven: the layer count is not
    /// divisible by `pipeline`, or a stage holds over 10% more weight memory than
    /// the mean (`[thresholds] stage-imbalance`). The first stage also holds the
    /// embedding and the last the LM head, so even layer counts can be uneven.
    ///
    /// ## Why is this bad?
    /// Every stage gets the same memory budget and the engine sizes the KV cache
    /// by the fullest one: the heaviest stage sets the capacity of all of them,
    /// and the pipeline runs at the pace of its slowest stage.
    ///
    /// ## Example
    /// ```yaml
    /// model: {preset: llama-3.1-8b}      # 32 layers, 1 GiB embedding, 1 GiB LM head
    /// parallelism: {pipeline: 4}
    /// ```
    ///
    /// ## How to fix
    /// Pick a pipeline size that divides the layers, and on vLLM set
    /// `VLLM_PP_LAYER_PARTITION` to the partition the finding computes, which
    /// gives the first and last stages fewer layers.
    pub struct PipelineStagesUnbalanced(PAR004);
}

/// vLLM `get_pp_indices`: layers // pp per stage, the remainder added to the
/// stages just before the last.
fn vllm_partition(layers: u64, pp: u64) -> Vec<u64> {
    let pp_usize = usize::try_from(pp).unwrap_or(1).max(1);
    let mut parts = vec![layers / pp; pp_usize];
    let rem = usize::try_from(layers % pp).unwrap_or(0);
    for i in 2..rem + 2 {
        if let Some(p) = parts.len().checked_sub(i).and_then(|j| parts.get_mut(j)) {
            *p += 1;
        }
    }
    parts
}

fn stage_bytes(parts: &[u64], layer: u64, embed: u64, head: u64) -> Vec<u64> {
    let last = parts.len().saturating_sub(1);
    parts
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            n.saturating_mul(layer)
                .saturating_add(if i == 0 { embed } else { 0 })
                .saturating_add(if i == last { head } else { 0 })
        })
        .collect()
}

/// The partition with the smallest largest stage: binary search on the bound,
/// each stage taking as many layers as fit under it.
fn balanced_partition(layers: u64, pp: u64, layer: u64, embed: u64, head: u64) -> Vec<u64> {
    let n = usize::try_from(pp).unwrap_or(1).max(1);
    let extra = |i: usize| {
        (if i == 0 { embed } else { 0 }).saturating_add(if i == n - 1 { head } else { 0 })
    };
    let fits = |bound: u64| -> Option<Vec<u64>> {
        let mut left = layers;
        let mut parts = Vec::with_capacity(n);
        for i in 0..n {
            let cap = bound
                .saturating_sub(extra(i))
                .checked_div(layer.max(1))
                .unwrap_or(0);
            let take = cap.min(left);
            parts.push(take);
            left -= take;
        }
        (left == 0).then_some(parts)
    };
    let (mut lo, mut hi) = (
        0u64,
        layers
            .saturating_mul(layer.max(1))
            .saturating_add(embed.saturating_add(head)),
    );
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if fits(mid).is_some() {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    fits(lo).unwrap_or_else(|| vllm_partition(layers, pp))
}

impl PipelineStagesUnbalanced {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let pp = ctx.spec.parallelism.pipeline;
        let arch = &ctx.resolved.model.architecture;
        let layers = arch.layers;
        if pp <= 1 || layers == 0 || layers > MAX_LAYERS {
            return Vec::new();
        }
        if pp > layers {
            return vec![self
                .finding(
                    "/parallelism/pipeline",
                    format!("pipeline {pp} has more stages than the model's {layers} layers: some stages hold no layer"),
                )
                .with_fix(format!("set parallelism.pipeline to at most {layers}"))];
        }
        let tp = ctx.spec.parallelism.tensor.max(1);
        // Embedding and LM head stay 16-bit; the last stage holds an LM head even
        // when it is tied to the embedding (it loads its own copy).
        let embed = arch
            .vocab_size
            .saturating_mul(arch.hidden_size)
            .saturating_mul(2)
            / tp;
        let head = embed;
        let total = ctx.plan.weights.total_bytes.0 / tp;
        let counted_head = if arch.tie_word_embeddings { 0 } else { head };
        let layer = total.saturating_sub(embed.saturating_add(counted_head)) / layers;
        let parts = vllm_partition(layers, pp);
        let bytes = stage_bytes(&parts, layer, embed, head);
        let mean = bytes.iter().map(|&b| b as f64).sum::<f64>() / bytes.len() as f64;
        let (worst, &max) = bytes
            .iter()
            .enumerate()
            .max_by_key(|(i, b)| (**b, std::cmp::Reverse(*i)))
            .unwrap_or((0, &0));
        let over = max as f64 / mean.max(1.0) - 1.0;
        let uneven = layers % pp != 0;
        if !uneven && over <= ctx.config.thresholds.stage_imbalance {
            return Vec::new();
        }
        let split: Vec<String> = parts.iter().map(u64::to_string).collect();
        let message = format!(
            "{layers} layers over pipeline {pp} split {} layers per stage; stage {worst} holds {} of weights per GPU, {} above the mean {}",
            split.join("/"),
            Bytes(max),
            percent(over),
            Bytes(mean as u64)
        );
        let best = balanced_partition(layers, pp, layer, embed, head);
        let best_max = stage_bytes(&best, layer, embed, head)
            .into_iter()
            .max()
            .unwrap_or(max);
        let best_s: Vec<String> = best.iter().map(u64::to_string).collect();
        let mut fixes = Vec::new();
        let engine = ctx.spec.serving.as_ref().map(|s| s.engine);
        if best_max < max {
            let how = if engine == Some(Engine::Vllm) {
                format!("set VLLM_PP_LAYER_PARTITION=\"{}\"", best_s.join(","))
            } else {
                format!("split the layers {}", best_s.join("/"))
            };
            fixes.push(format!(
                "{how}: the largest stage then holds {}",
                Bytes(best_max)
            ));
        }
        if uneven {
            let near: Vec<String> = divisors(layers, pp.saturating_mul(2))
                .into_iter()
                .filter(|&d| d > 1)
                .map(|d| d.to_string())
                .collect();
            if !near.is_empty() {
                fixes.push(format!(
                    "set parallelism.pipeline to a divisor of {layers}: {}",
                    near.join(", ")
                ));
            }
        }
        vec![self
            .finding("/parallelism/pipeline", message)
            .with_alternatives(&fixes)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    #[test]
    fn vllm_puts_the_remainder_before_the_last_stage() {
        assert_eq!(vllm_partition(80, 3), vec![27, 27, 26]);
        assert_eq!(vllm_partition(32, 4), vec![8, 8, 8, 8]);
        assert_eq!(vllm_partition(10, 4), vec![2, 3, 3, 2]);
    }

    #[test]
    fn fires_on_layers_not_divisible() {
        let fx = Fixture::edit(|v| {
            v["parallelism"]["tensor"] = 1.into();
            v["parallelism"]["pipeline"] = 3.into();
        });
        let f = fx.one(&PipelineStagesUnbalanced);
        assert_eq!(f.code, "PAR004");
        assert_eq!(f.pointer, "/parallelism/pipeline");
        assert!(f.message.contains("split 27/27/26 layers"), "{}", f.message);
        let fix = f.fix.expect("fix");
        assert!(fix.contains("VLLM_PP_LAYER_PARTITION="), "{fix}");
        assert!(fix.contains("divisor of 80: 2, 4, 5"), "{fix}");
    }

    #[test]
    fn fires_on_embedding_heavy_first_and_last_stages() {
        // Llama 3.1 8B in BF16: 32 layers of ~0.43 GiB, 0.98 GiB embedding
        // and head, pp 4.
        let fx = Fixture::edit(|v| {
            v["model"] =
                serde_json::json!({"preset": "llama-3.1-8b", "weights": {"dtype": "bf16"}});
            v["serving"]["kv_cache_dtype"] = "auto".into();
            v["parallelism"]["tensor"] = 1.into();
            v["parallelism"]["pipeline"] = 4.into();
        });
        let f = fx.one(&PipelineStagesUnbalanced);
        assert!(f.message.contains("stage 0"), "{}", f.message);
        let fix = f.fix.expect("fix");
        assert!(
            fix.starts_with("set VLLM_PP_LAYER_PARTITION=\"7,9,9,7\""),
            "{fix}"
        );
    }

    #[test]
    fn near_miss_even_and_balanced() {
        let fx = Fixture::edit(|v| {
            v["parallelism"]["tensor"] = 4.into();
            v["parallelism"]["pipeline"] = 2.into();
        });
        assert!(fx.run(&PipelineStagesUnbalanced).is_empty());
    }
}
