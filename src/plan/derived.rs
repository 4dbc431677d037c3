//! Figures that follow from a [`Plan`]'s own numbers and that reports print:
//! how the GPU's memory adds up, how much of the KV pool the planned traffic
//! takes and what is spare or short, what one `max_model_len` sequence costs,
//! the training totals with runtime, and whether the host RAM holds the load.
//!
//! They are computed here, once, so the Markdown, HTML, diff and JSON outputs
//! print the same figure and the report code only formats. The inputs may be
//! any plan, including one read back from a hand-edited JSON file, so every
//! sum and product runs in 128 bits (`i128` / `u128`): no figure can wrap. The
//! JSON plan carries them next to the keys they derive from (docs/reports.md,
//! "The JSON plan").

use super::kv_cache::kv_heads_per_rank;
use super::types::Plan;
use serde::Serialize;

/// Everything derived from one plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Derived {
    pub per_gpu: GpuAccounting,
    /// Serving only.
    pub kv_cache: Option<KvDerived>,
    /// One entry per `plan.classes`, same order.
    pub classes: Vec<ClassDerived>,
    /// Training only.
    pub training: Option<TrainingDerived>,
    pub host: HostDerived,
}

/// One GPU of one engine instance, accounted component by component.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GpuAccounting {
    /// The components in report order; they partition the GPU's total.
    pub components: Vec<Component>,
    /// The sum of `components` (equal to `total_bytes` for a consistent plan).
    pub accounted_bytes: i128,
    /// `accounted_bytes / total_bytes` (None: a zero total).
    pub accounted_share: Option<f64>,
    /// The part of the KV pool the planned traffic holds: pool x min(sum of the
    /// classes' `pool_share`, 1). None without classes or without a pool.
    pub kv_planned_bytes: Option<i128>,
    /// What the KV pool needs beyond its size at planned load (sum of shares
    /// over 1); None when the traffic fits the pool.
    pub kv_short_bytes: Option<i128>,
    /// Spare memory per GPU at the planned load, signed (negative: short by):
    /// pool - planned traffic; the pool itself without classes; for training,
    /// budget - training total - runtime.
    pub spare_bytes: i128,
    /// `spare_bytes / total_bytes` (None: a zero total).
    pub spare_share: Option<f64>,
    /// How far weights + activations + runtime overrun the engine budget
    /// (-`per_gpu.kv_cache_bytes` when that is negative: the engine will not
    /// start); None when they fit. The `kv_cache` component is then 0, never
    /// negative, and `accounted_bytes` is the real sum, above the total.
    pub over_budget_bytes: Option<i128>,
    /// True when `per_gpu.kv_cache_bytes` sits at the end of its signed 64-bit
    /// range (-2^63 or 2^63 - 1): the true figure is at least that far out,
    /// and a report says "more than".
    pub kv_cache_saturated: bool,
}

/// One row of the per-GPU accounting.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Component {
    /// `weights`, `activations`, `runtime`, `kv_planned`, `kv_spare`,
    /// `kv_cache` (no traffic classes) or `free`; training: `weights`,
    /// `gradients`, `optimizer`, `activations`, `runtime`, `free`.
    pub key: String,
    /// Signed: the KV cache is negative when the engine will not start.
    pub bytes: i128,
    /// `bytes / total_bytes` (None: a zero total).
    pub share: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KvDerived {
    /// KV heads cached on one GPU: `ceil(kv_heads / tp)` (plan/kv_cache.rs);
    /// None for MLA models or when the tensor-parallel degree is unknown.
    pub kv_heads_per_gpu: Option<u64>,
    /// KV bytes of one `max_model_len` sequence on the bottleneck GPU:
    /// max_model_len x bytes_per_token_per_gpu (what rule MEM003 compares).
    pub max_model_len_sequence_bytes: u128,
    /// per_gpu.kv_cache_bytes - max_model_len_sequence_bytes (negative: one
    /// such sequence does not fit).
    pub max_model_len_spare_bytes: i128,
    /// Sum of the classes' `pool_share` (None without classes).
    pub pool_share_total: Option<f64>,
    /// The lower median of the classes' tokens per sequence, the reference
    /// of `classes[].tokens_over_median` (None without classes).
    pub median_class_tokens: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassDerived {
    /// ceil(tokens_per_sequence / block_size).
    pub blocks_per_sequence: u64,
    /// blocks x block_size x bytes_per_token_per_gpu: the sequence's KV with
    /// every layer holding every token (above `kv_bytes_per_sequence` when
    /// sliding-window layers cap their share).
    pub full_length_bytes: u128,
    /// tokens_per_sequence over the median class's (TRF003's ratio).
    pub tokens_over_median: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrainingDerived {
    /// training.total_bytes + per_gpu.runtime_bytes: what the budget must hold.
    pub total_with_runtime_bytes: u128,
    /// One entry per `training.per_zero_stage`, same order.
    pub per_zero_stage: Vec<ZeroStageDerived>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ZeroStageDerived {
    /// Model states plus this job's activations.
    pub with_activations_bytes: u128,
    /// with_activations + runtime <= budget.
    pub fits: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HostDerived {
    /// load_peak <= available (None: host memory not given).
    pub fits: Option<bool>,
}

/// `bytes` as a share of `total`, or None for a zero total.
pub fn share(bytes: i128, total: u64) -> Option<f64> {
    (total > 0).then(|| bytes as f64 / total as f64)
}

/// `x * s` rounded, in 128 bits; a non-finite or huge factor saturates.
fn scale(x: i128, s: f64) -> i128 {
    let v = (x as f64 * s).round();
    if v.is_nan() {
        0
    } else if v >= i128::MAX as f64 {
        i128::MAX
    } else if v <= i128::MIN as f64 {
        i128::MIN
    } else {
        v as i128
    }
}

/// Every derived figure of `plan`; `tp` is the tensor-parallel degree when the
/// spec is at hand (it sizes `kv_heads_per_gpu`).
pub fn derive(plan: &Plan, tp: Option<u64>) -> Derived {
    let kv_share = plan
        .kv_cache
        .as_ref()
        .filter(|_| !plan.classes.is_empty())
        .map(|_| plan.classes.iter().map(|c| c.pool_share).sum::<f64>());
    Derived {
        per_gpu: match &plan.training {
            Some(_) => training_accounting(plan),
            None => serving_accounting(plan, kv_share),
        },
        kv_cache: plan.kv_cache.as_ref().map(|k| {
            let seq = u128::from(k.max_model_len) * u128::from(k.bytes_per_token_per_gpu);
            KvDerived {
                kv_heads_per_gpu: tp
                    .filter(|_| plan.model.attention != "mla")
                    .and_then(|tp| kv_heads_per_rank(plan.model.kv_heads, tp).ok()),
                max_model_len_sequence_bytes: seq,
                max_model_len_spare_bytes: i128::from(plan.per_gpu.kv_cache_bytes)
                    .saturating_sub(crate::units::wide(seq)),
                pool_share_total: kv_share,
                median_class_tokens: median_class_tokens(plan),
            }
        }),
        classes: classes(plan),
        training: plan.training.as_ref().map(|t| {
            let runtime = u128::from(plan.per_gpu.runtime_bytes.get());
            let budget = u128::from(plan.per_gpu.budget_bytes.get());
            let acts = u128::from(t.activations_bytes.get());
            TrainingDerived {
                total_with_runtime_bytes: u128::from(t.total_bytes.get()) + runtime,
                per_zero_stage: t
                    .per_zero_stage
                    .iter()
                    .map(|z| {
                        let with = u128::from(z.total_bytes.get()) + acts;
                        ZeroStageDerived {
                            with_activations_bytes: with,
                            fits: with + runtime <= budget,
                        }
                    })
                    .collect(),
            }
        }),
        host: HostDerived {
            fits: plan
                .host
                .available_bytes
                .map(|avail| plan.host.load_peak_bytes <= avail),
        },
    }
}

fn component(key: &str, bytes: i128, total: u64) -> Component {
    Component {
        key: key.into(),
        bytes,
        share: share(bytes, total),
    }
}

fn accounting(components: Vec<Component>, total: u64, spare: i128) -> GpuAccounting {
    let accounted = components
        .iter()
        .fold(0i128, |acc, c| acc.saturating_add(c.bytes));
    GpuAccounting {
        accounted_share: share(accounted, total),
        accounted_bytes: accounted,
        components,
        kv_planned_bytes: None,
        kv_short_bytes: None,
        over_budget_bytes: None,
        spare_bytes: spare,
        spare_share: share(spare, total),
        kv_cache_saturated: false,
    }
}

/// weights + activations + runtime + KV (planned + spare, or the whole pool)
/// + free: the partition of the GPU's total a serving plan makes.
fn serving_accounting(plan: &Plan, kv_share: Option<f64>) -> GpuAccounting {
    let p = &plan.per_gpu;
    let total = p.total_bytes.get();
    let kv = i128::from(p.kv_cache_bytes);
    let mut rows = vec![
        component("weights", i128::from(p.weights_bytes.get()), total),
        component(
            "activations",
            i128::from(p.activation_peak_bytes.get()),
            total,
        ),
        component("runtime", i128::from(p.runtime_bytes.get()), total),
    ];
    // With no pool (the engine will not start) there is nothing to split.
    // A negative share (a hand-edited plan) counts as none.
    let split = kv_share
        .filter(|s| kv > 0 && !s.is_nan())
        .map(|s| s.max(0.0));
    let (planned, short, spare) = match split {
        Some(s) => {
            let wanted = scale(kv, s);
            let planned = wanted.min(kv);
            rows.push(component("kv_planned", planned, total));
            rows.push(component("kv_spare", kv - planned, total));
            let short = (wanted > kv).then(|| wanted.saturating_sub(kv));
            (Some(planned), short, kv.saturating_sub(wanted))
        }
        None => {
            // No pool is no memory: the row shows 0 and the overrun is said
            // apart (`over_budget_bytes`), so no row of the table is negative.
            rows.push(component("kv_cache", kv.max(0), total));
            (None, None, kv)
        }
    };
    rows.push(component("free", i128::from(p.free_bytes.get()), total));
    GpuAccounting {
        kv_planned_bytes: planned,
        kv_short_bytes: short,
        over_budget_bytes: (kv < 0).then(|| -kv),
        kv_cache_saturated: matches!(p.kv_cache_bytes, i64::MIN | i64::MAX),
        ..accounting(rows, total, spare)
    }
}

/// weights + gradients + optimizer + activations + runtime + what the GPU
/// has left (signed: negative when the job needs more than the GPU).
fn training_accounting(plan: &Plan) -> GpuAccounting {
    let total = plan.per_gpu.total_bytes.get();
    let Some(t) = &plan.training else {
        return accounting(Vec::new(), total, 0);
    };
    let parts = [
        ("weights", t.weights_bytes.get()),
        ("gradients", t.gradients_bytes.get()),
        ("optimizer", t.optimizer_bytes.get()),
        ("activations", t.activations_bytes.get()),
        ("runtime", plan.per_gpu.runtime_bytes.get()),
    ];
    let used = parts.iter().map(|(_, b)| i128::from(*b)).sum::<i128>();
    let mut rows: Vec<Component> = parts
        .iter()
        .map(|(k, b)| component(k, i128::from(*b), total))
        .collect();
    rows.push(component("free", i128::from(total) - used, total));
    accounting(rows, total, i128::from(plan.per_gpu.kv_cache_bytes))
}

/// The lower median of the classes' tokens per sequence (with two classes,
/// the shorter one): the reference of TRF003's length ratio. None without
/// classes.
fn median_class_tokens(plan: &Plan) -> Option<u64> {
    let mut tokens: Vec<u64> = plan.classes.iter().map(|c| c.tokens_per_sequence).collect();
    tokens.sort_unstable();
    tokens.get(tokens.len().saturating_sub(1) / 2).copied()
}

fn classes(plan: &Plan) -> Vec<ClassDerived> {
    let kv = plan.kv_cache.as_ref();
    let block = kv.map_or(1, |k| k.block_size.max(1));
    let per_tok = kv.map_or(0, |k| k.bytes_per_token_per_gpu);
    let median = median_class_tokens(plan).unwrap_or(0).max(1);
    plan.classes
        .iter()
        .map(|c| {
            let blocks = c.tokens_per_sequence.div_ceil(block);
            ClassDerived {
                blocks_per_sequence: blocks,
                full_length_bytes: (u128::from(blocks) * u128::from(block))
                    .saturating_mul(u128::from(per_tok)),
                tokens_over_median: c.tokens_per_sequence as f64 / median as f64,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Bytes;

    /// The committed Llama-3.1-70B FP8 example (TP 4, two traffic classes),
    /// planned by `plan::compute` as `memmath report` plans it.
    fn base_plan() -> Plan {
        plan_with_tensor(4)
    }

    /// The same example with `parallelism.tensor` set to `tp` before planning.
    fn plan_with_tensor(tp: u64) -> Plan {
        let source = crate::source::SourceFile::new(
            "llama-3.1-70b-fp8-4xh100.yaml",
            include_str!("../../specs/llama-3.1-70b-fp8-4xh100.yaml"),
        );
        let doc = crate::spec::parse(&source).expect("the example parses");
        let mut spec = crate::spec::to_typed(&doc).expect("the example is typed");
        spec.parallelism.tensor = tp;
        let files = crate::catalog::MemoryFiles::new();
        let (resolved, _) = crate::catalog::resolve(&spec, std::path::Path::new("specs"), &files);
        super::super::compute(&spec, &resolved.expect("the preset resolves")).expect("it plans")
    }

    #[test]
    fn the_components_partition_the_gpu() {
        let plan = base_plan();
        let d = derive(&plan, Some(4));
        assert_eq!(
            d.per_gpu.accounted_bytes,
            i128::from(plan.per_gpu.total_bytes.get())
        );
        let keys: Vec<&str> = d
            .per_gpu
            .components
            .iter()
            .map(|c| c.key.as_str())
            .collect();
        assert_eq!(
            keys,
            [
                "weights",
                "activations",
                "runtime",
                "kv_planned",
                "kv_spare",
                "free"
            ]
        );
        assert_eq!(d.kv_cache.as_ref().unwrap().kv_heads_per_gpu, Some(2));
    }

    #[test]
    fn kv_heads_per_gpu_is_the_ceil_the_bytes_use() {
        // Llama 3.1 70B (the preset, from its published config.json): 80 layers,
        // 8 KV heads of dim 128; the example's KV cache is fp8 (1 byte). At TP 3
        // the plan caches ceil(8 / 3) = 3 heads per GPU, not floor's 2.
        let plan = plan_with_tensor(3);
        let d = derive(&plan, Some(3));
        let heads = d.kv_cache.unwrap().kv_heads_per_gpu;
        assert_eq!(heads, Some(3));
        let m = &plan.model;
        assert_eq!((m.layers, m.kv_heads, m.head_dim), (80, 8, 128));
        let kv = plan
            .kv_cache
            .as_ref()
            .expect("a serving plan has a KV cache");
        assert_eq!(kv.dtype, "fp8");
        let fp8_bytes = 1;
        // K and V (x 2) x heads x head_dim x bytes x layers = 3 x 2 x 128 x 1 x 80.
        assert_eq!(
            heads.unwrap() * 2 * m.head_dim * fp8_bytes * m.layers,
            kv.bytes_per_token_per_gpu
        );
        assert_eq!(kv.bytes_per_token_per_gpu, 61_440);
    }

    #[test]
    fn over_committed_traffic_is_short_and_the_rows_still_add_up() {
        let mut plan = base_plan();
        plan.classes[0].pool_share = 1.5;
        plan.classes[1].pool_share = 0.5;
        let d = derive(&plan, None);
        let kv = i128::from(plan.per_gpu.kv_cache_bytes);
        assert_eq!(d.per_gpu.kv_planned_bytes, Some(kv));
        assert_eq!(d.per_gpu.kv_short_bytes, Some(kv));
        assert_eq!(d.per_gpu.spare_bytes, -kv);
        assert_eq!(
            d.per_gpu.accounted_bytes,
            i128::from(plan.per_gpu.total_bytes.get())
        );
    }

    #[test]
    fn extreme_plans_never_wrap() {
        let mut plan = base_plan();
        plan.per_gpu.weights_bytes = Bytes(u64::MAX);
        plan.per_gpu.free_bytes = Bytes(u64::MAX);
        plan.per_gpu.kv_cache_bytes = i64::MIN;
        plan.classes[0].pool_share = f64::INFINITY;
        let kv = plan.kv_cache.as_mut().unwrap();
        kv.max_model_len = u64::MAX;
        kv.bytes_per_token_per_gpu = u64::MAX;
        let d = derive(&plan, Some(0));
        assert!(d.per_gpu.kv_cache_saturated);
        assert!(d.per_gpu.accounted_bytes > i128::from(u64::MAX));
        assert!(
            d.per_gpu
                .components
                .iter()
                .find(|c| c.key == "weights")
                .unwrap()
                .bytes
                > 0
        );
        let k = d.kv_cache.unwrap();
        assert_eq!(
            k.max_model_len_sequence_bytes,
            u128::from(u64::MAX) * u128::from(u64::MAX)
        );
        assert!(k.max_model_len_spare_bytes < 0);
        assert_eq!(k.kv_heads_per_gpu, None);
    }
}
