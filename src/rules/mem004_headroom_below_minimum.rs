//! MEM004 headroom-below-minimum.

use super::util::{below_fraction, decimal_ratio, frac2, percent};
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::spec::Engine;
use crate::units::Bytes;

declare_rule! {
    /// ## What it does
    /// Checks that each GPU keeps at least `capacity.headroom` of its memory free
    /// (default 10%), and that `capacity.headroom` itself is not set below the
    /// minimum (10%, `[thresholds] min-headroom` in memmath.toml). The comparison
    /// is exact: `gpu_memory_utilization: 0.90` leaves exactly 10% and passes.
    ///
    /// TensorRT-LLM's `free_gpu_memory_fraction` is a fraction of the memory
    /// left after weights and activations, so its default 0.9 leaves less than
    /// 10% of the whole GPU: the finding computes the fraction that keeps the
    /// headroom. For `engine: generic` the budget is `1 - headroom` by definition.
    ///
    /// ## Why is this bad?
    /// Memory outside the engine's budget absorbs what the plan does not model:
    /// CUDA graphs captured outside the budget, NCCL buffers, fragmentation, a
    /// second process, a newer driver. At 0.97 a 79.2 GiB GPU keeps 2.4 GiB, and
    /// an out-of-memory error under load is one upgrade away.
    ///
    /// ## Example
    /// ```yaml
    /// serving: {engine: vllm, gpu_memory_utilization: 0.97}
    /// capacity: {headroom: 0.10}
    /// ```
    ///
    /// ## How to fix
    /// Lower `serving.gpu_memory_utilization` to the value the finding computes
    /// (0.90 for a 10% headroom on vLLM or SGLang), or raise `capacity.headroom`
    /// back to the minimum.
    pub struct HeadroomBelowMinimum(MEM004);
}

impl HeadroomBelowMinimum {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        let headroom = ctx.spec.capacity.headroom;
        let min = ctx.config.thresholds.min_headroom;
        let total = ctx.plan.per_gpu.total_bytes;
        if let (Some((hn, hd)), Some((mn, md))) = (decimal_ratio(headroom), decimal_ratio(min)) {
            if hn.saturating_mul(md) < mn.saturating_mul(hd) {
                out.push(
                    self.finding(
                        "/capacity/headroom",
                        format!(
                            "capacity.headroom {headroom} keeps {} of {total} free per GPU, below the minimum {} ({})",
                            percent(headroom),
                            percent(min),
                            Bytes(total.mul_ratio(mn as u64, md as u64).unwrap_or(total).0),
                        ),
                    )
                    .with_fix(format!("set capacity.headroom to {} or more", frac2(min))),
                );
            }
        }
        let Some(serving) = &ctx.spec.serving else {
            return out;
        };
        // A generic engine's budget is (1 - headroom) x total: it leaves exactly
        // the headroom by construction.
        if serving.engine == Engine::Generic {
            return out;
        }
        let free = ctx.plan.per_gpu.free_bytes;
        if !below_fraction(free, total, headroom) {
            return out;
        }
        let frac = ctx.plan.per_gpu.memory_fraction;
        let how = match serving.gpu_memory_utilization {
            Some(u) => format!("gpu_memory_utilization {u}"),
            None => format!(
                "the {} default fraction {}",
                serving.engine.as_str(),
                frac2(frac)
            ),
        };
        let needed = total
            .mul_ratio(
                decimal_ratio(headroom).map_or(1, |r| r.0 as u64),
                decimal_ratio(headroom).map_or(10, |r| r.1 as u64),
            )
            .unwrap_or(total);
        let message = format!(
            "{how} leaves {free} of {total} free per GPU ({}), below capacity.headroom {} ({needed})",
            percent(free.0 as f64 / total.0.max(1) as f64),
            percent(headroom),
        );
        let fix = match (serving.engine, decimal_ratio(headroom)) {
            (Engine::TensorrtLlm, _) => {
                // TensorRT-LLM's fraction is of what is free after weights,
                // activations and runtime (B0): budget = B0 + f x (total - B0).
                let g = &ctx.plan.per_gpu;
                let b0 = g.weights_bytes.0 as f64
                    + g.activation_peak_bytes.0 as f64
                    + g.runtime_bytes.0 as f64;
                let target = total.0 as f64 - needed.0 as f64;
                let f = ((target - b0) / (total.0 as f64 - b0).max(1.0) * 100.0).floor() / 100.0;
                if f > 0.0 {
                    format!("set serving.gpu_memory_utilization (free_gpu_memory_fraction) to {} or lower", frac2(f))
                } else {
                    "the weights alone leave less than the headroom: shard over more GPUs"
                        .to_string()
                }
            }
            (_, Some((hn, hd))) => {
                // Largest utilization u (two decimals) with total - floor(u x total) >= headroom x total.
                let u = (hd - hn.min(hd)) * 100 / hd;
                let left = total.saturating_sub(total.mul_ratio(u as u64, 100).unwrap_or(total));
                format!(
                    "set serving.gpu_memory_utilization to 0.{u:02} or lower (leaves {left} free)"
                )
            }
            (_, None) => "lower serving.gpu_memory_utilization".to_string(),
        };
        out.push(
            self.finding("/serving/gpu_memory_utilization", message)
                .with_fix(fix),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    fn at(util: f64) -> Fixture {
        Fixture::edit(|v| v["serving"]["gpu_memory_utilization"] = util.into())
    }

    #[test]
    fn fires_at_0_97() {
        let f = at(0.97).one(&HeadroomBelowMinimum);
        assert_eq!(f.code, "MEM004");
        assert_eq!(f.pointer, "/serving/gpu_memory_utilization");
        // 79.2 GiB x 0.03 = 2.38 GiB free; 10% is 7.92 GiB.
        assert!(
            f.message
                .contains("leaves 2.38 GiB of 79.20 GiB free per GPU (3.0%)"),
            "{}",
            f.message
        );
        assert!(f.message.contains("(7.92 GiB)"), "{}", f.message);
        assert_eq!(
            f.fix.as_deref(),
            Some("set serving.gpu_memory_utilization to 0.90 or lower (leaves 7.92 GiB free)")
        );
    }

    #[test]
    fn near_miss_0_90_is_exactly_ten_percent() {
        assert!(at(0.90).run(&HeadroomBelowMinimum).is_empty());
        assert!(Fixture::new().run(&HeadroomBelowMinimum).is_empty());
        assert_eq!(at(0.91).run(&HeadroomBelowMinimum).len(), 1);
    }

    #[test]
    fn fires_when_headroom_is_set_below_the_minimum() {
        let mut fx = Fixture::edit(|v| v["capacity"]["headroom"] = 0.05.into());
        let f = fx.one(&HeadroomBelowMinimum);
        assert_eq!(f.pointer, "/capacity/headroom");
        assert_eq!(
            f.fix.as_deref(),
            Some("set capacity.headroom to 0.10 or more")
        );
        fx.config.thresholds.min_headroom = 0.05;
        assert!(fx.run(&HeadroomBelowMinimum).is_empty());
    }
}
