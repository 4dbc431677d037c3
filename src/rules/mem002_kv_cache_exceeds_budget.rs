//! MEM002 kv-cache-exceeds-budget.

use super::replan::{carries_traffic, fit_nodes, replan};
use super::util::{
    class_index, gib128, group_digits, instances_per_replica, kv_demand_per_gpu, kv_is_16bit,
    largest_class,
};
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::plan::math::{mul_ratio_floor, to_ppm, PPM};
use crate::spec::KvCacheDtype;
use crate::units::plural;

declare_rule! {
    /// ## What it does
    /// Checks that the traffic classes, at `plan_percentile` tokens x
    /// concurrency x burst, fit the KV cache of the replicas.
    ///
    /// ## Why is this bad?
    /// When the sequences in flight need more KV blocks than the cache holds,
    /// the engine preempts and recomputes requests (vLLM) or queues them: latency
    /// climbs exactly at peak load, and the capacity plan was wrong.
    ///
    /// ## Example
    /// ```yaml
    /// serving: {replicas: 1, kv_cache_dtype: bf16}
    /// traffic:
    ///   classes:
    ///     - name: chat
    ///       prompt_tokens: {p99: 6000}
    ///       output_tokens: {p99: 2000}
    ///       concurrency: 400          # more sequences than one replica's cache holds
    ///       burst: 1.5
    /// ```
    ///
    /// ## How to fix
    /// Add replicas (the finding gives the smallest count at which every class
    /// fits), lower the largest class's concurrency, or store the KV cache in fp8.
    pub struct KvCacheExceedsBudget(MEM002);
}

impl KvCacheExceedsBudget {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let plan = ctx.plan;
        // No KV memory at all, or a single sequence larger than the cache, is
        // MEM003's (or TRF006's) finding: no replica count fixes it.
        // An unsized class (no p99/p95) "does not fit" only because it cannot
        // be sized: that is TRF001's finding, not a KV shortfall; a class
        // longer than max_model_len is rejected by the engine (TRF006).
        let kv_bytes = plan.per_gpu.kv_cache_bytes;
        let held = || plan.classes.iter().filter(|c| c.holds_sequences());
        if kv_bytes <= 0
            || held().all(|c| c.fits)
            || held().any(|c| c.kv_bytes_per_sequence as i128 > kv_bytes as i128)
        {
            return Vec::new();
        }
        let Some((li, largest)) = largest_class(plan) else {
            return Vec::new();
        };
        let kv = plan.per_gpu.kv_cache_bytes as u128;
        let demand = kv_demand_per_gpu(plan);
        let short: Vec<String> = plan
            .classes
            .iter()
            .filter(|c| c.holds_sequences() && !c.fits)
            .map(|c| {
                format!(
                    "{} needs {} sequences of {} tokens, the deployment holds {}",
                    c.name,
                    group_digits(c.required_concurrency),
                    group_digits(c.tokens_per_sequence),
                    group_digits(c.max_concurrency)
                )
            })
            .collect();
        let pct = plan
            .classes
            .first()
            .map_or("p99", |c| c.percentile.as_str());
        let message = format!(
            "at {pct} x concurrency x burst the classes need {} of KV cache per GPU in each engine instance, which holds {} ({} x {} each): {}",
            gib128(demand),
            gib128(kv),
            plural(plan.gpu.replicas, "replica"),
            plural(instances_per_replica(plan), "engine instance"),
            short.join("; ")
        );
        let idx = class_index(ctx.spec, &largest.name, li);
        let mut fixes = Vec::new();
        // The plan's replica count, re-planned (rules/replan.rs): the first
        // count from it at which every class fits, a few further at most.
        let carried = |n: u64| {
            replan(ctx, |s, _| {
                if let Some(sv) = s.serving.as_mut() {
                    sv.replicas = Some(n);
                }
                fit_nodes(s, n.saturating_mul(plan.gpu.gpus_per_replica));
            })
            .is_some_and(|p| carries_traffic(&p))
        };
        let needed = plan
            .classes
            .iter()
            .filter_map(|c| c.replicas_needed)
            .max()
            .and_then(|n| (n..n.saturating_add(8)).find(|&n| carried(n)));
        match needed {
            Some(n) if plan.classes.iter().all(|c| c.replicas_needed.is_some()) => {
                let g = &plan.gpu;
                let need = n.saturating_mul(g.gpus_per_replica);
                let note = if g.gpus_per_node > 0 && need > g.nodes.saturating_mul(g.gpus_per_node) {
                    format!(" and hardware.nodes to {}", need.div_ceil(g.gpus_per_node))
                } else {
                    String::new()
                };
                fixes.push(format!("set serving.replicas to {n}{note}"));
            }
            _ => fixes.push(
                "no replica count fits: one sequence of some class is larger than an instance's KV cache (see MEM003/TRF006)".to_string(),
            ),
        }
        let burst = ctx
            .spec
            .traffic
            .as_ref()
            .and_then(|t| t.classes.get(idx))
            .and_then(|c| c.burst)
            .unwrap_or(1.0);
        // The largest concurrency c with ceil(c x burst) <= max_concurrency, in
        // the plan's parts-per-million arithmetic (plan/math.rs): c =
        // floor(m x PPM / ppm(burst)), and then ceil(c x ppm / PPM) <= m exactly.
        let conc = mul_ratio_floor(largest.max_concurrency, PPM, to_ppm(burst)).unwrap_or(0);
        let carried_at = |c: u64| {
            replan(ctx, |s, _| {
                if let Some(class) = s.traffic.as_mut().and_then(|t| t.classes.get_mut(idx)) {
                    class.concurrency = c;
                }
            })
            .is_some_and(|p| carries_traffic(&p))
        };
        if conc > 0 && carried_at(conc) {
            fixes.push(format!(
                "lower traffic.classes[{idx}] ({}) concurrency to {}",
                largest.name,
                group_digits(conc)
            ));
        }
        if let Some(k) = &plan.kv_cache {
            let fp8_carries = || {
                replan(ctx, |s, _| {
                    if let Some(sv) = s.serving.as_mut() {
                        sv.kv_cache_dtype = Some(KvCacheDtype::Fp8);
                    }
                })
                .is_some_and(|p| carries_traffic(&p))
            };
            if kv_is_16bit(&k.dtype) && demand <= kv * 2 && fp8_carries() {
                fixes.push(format!(
                    "set serving.kv_cache_dtype: fp8, which halves the demand to {}",
                    gib128(demand.div_ceil(2))
                ));
            }
        }
        vec![self
            .finding(&format!("/traffic/classes/{idx}/concurrency"), message)
            .with_alternatives(&fixes)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    fn overloaded() -> Fixture {
        // chat at 400 x 1.5 = 600 sequences, 300 per replica.
        Fixture::edit(|v| v["traffic"]["classes"][0]["concurrency"] = 400.into())
    }

    #[test]
    fn fires_at_the_largest_class_concurrency() {
        let f = overloaded().one(&KvCacheExceedsBudget);
        assert_eq!(f.code, "MEM002");
        assert_eq!(f.pointer, "/traffic/classes/0/concurrency");
        // 300 x 327,680,000 + 3 x 5,079,040,000 = 113,541,120,000 B = 105.74 GiB.
        assert!(f.message.contains("105.74 GiB"), "{}", f.message);
        assert!(f.message.contains("50.85 GiB"), "{}", f.message);
        assert!(
            f.message.contains("chat needs 600 sequences"),
            "{}",
            f.message
        );
        let fix = f.fix.expect("fix");
        assert!(
            fix.contains("set serving.replicas to 5 and hardware.nodes to 3"),
            "{fix}"
        );
        // floor(240 / 1.5) = 160, and ceil(160 x 1.5) = 240 fits.
        assert!(fix.contains("concurrency to 160"), "{fix}");
    }

    #[test]
    fn concurrency_fix_rounds_like_the_plan() {
        // 33 / 1.1 is 29.999999999999996 in f64; the plan's parts-per-million
        // arithmetic gives 30, and ceil(30 x 1.1) = 33 fits.
        // An impossible plan on purpose: max_concurrency 33 (no small spec
        // edit gives exactly 33) exercises the f64 rounding of 33 / 1.1.
        let mut fx = overloaded();
        fx.plan.classes[0].max_concurrency = 33;
        for t in fx.spec.traffic.iter_mut() {
            t.classes[0].burst = Some(1.1);
        }
        let fix = fx.one(&KvCacheExceedsBudget).fix.expect("fix");
        assert!(fix.contains("concurrency to 30"), "{fix}");
        assert_eq!(crate::plan::math::ceil_times(30, 1.1), Ok(33));
    }

    #[test]
    fn near_miss_everything_fits() {
        assert!(Fixture::new().run(&KvCacheExceedsBudget).is_empty());
        // No memory left for the KV cache at all is MEM003's finding.
        let fx = Fixture::edit(|v| {
            v["traffic"]["classes"][0]["concurrency"] = 400.into();
            v["serving"]["gpu_memory_utilization"] = 0.2.into();
        });
        assert!(fx.plan.per_gpu.kv_cache_bytes < 0);
        assert!(fx.run(&KvCacheExceedsBudget).is_empty(), "MEM003's case");
    }
}
