//! The per-GPU memory sections: the serving breakdown of the bottleneck GPU and
//! the training table with its ZeRO comparison. Every byte count and share is
//! the plan's or its [`Derived`] figure; this file only labels them.
//!
//! Bytes are `i128` so that any plan, however extreme, prints its true value
//! (a `u64` never turns negative here).

use super::env::{format_float, percent};
use crate::plan::derived::Component;
use crate::plan::{Derived, Plan, TrainingPlan};
use crate::units::{format_gib, wide};
use serde::Serialize;

/// One GPU of one engine instance (the bottleneck rank), as stacked segments.
#[derive(Clone, Debug, Serialize)]
pub struct Breakdown {
    pub gpu_name: String,
    pub gpus_label: String,
    pub total_bytes: i128,
    pub budget_bytes: i128,
    pub weights_bytes: i128,
    pub activation_bytes: i128,
    pub runtime_bytes: i128,
    /// Signed: negative means the engine will not start.
    pub kv_bytes: i128,
    /// The part of the KV pool the planned traffic occupies (None: no traffic).
    pub kv_used_bytes: Option<i128>,
    pub free_bytes: i128,
    pub rows: Vec<BreakdownRow>,
    /// What the rows add up to, and its share of the GPU (the Total row).
    pub accounted_bytes: i128,
    pub accounted_fraction: Option<f64>,
    /// How much more KV the planned traffic wants than the pool holds.
    pub kv_short_bytes: Option<i128>,
    /// The sentence that says so (empty when nothing is short).
    pub kv_short_note: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct BreakdownRow {
    /// The plan's component key (`weights`, `kv_spare`, ...).
    pub key: String,
    pub component: String,
    pub bytes: i128,
    /// Share of the GPU's total (None: a zero total).
    pub fraction: Option<f64>,
    pub note: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct TrainingSection {
    pub weights_bytes: i128,
    pub gradients_bytes: i128,
    pub optimizer_bytes: i128,
    pub activations_bytes: i128,
    pub total_bytes: i128,
    /// CUDA context, cuBLAS workspace, NCCL: counted against the budget.
    pub runtime_bytes: i128,
    /// `total_bytes` + `runtime_bytes`: what the budget must hold.
    pub total_with_runtime_bytes: i128,
    pub budget_bytes: i128,
    pub trainable_parameters: u64,
    pub host_offload_bytes: i128,
    pub zero_stage: Option<u64>,
    pub per_zero_stage: Vec<ZeroRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ZeroRow {
    pub stage: u64,
    pub weights_bytes: i128,
    pub gradients_bytes: i128,
    pub optimizer_bytes: i128,
    pub total_bytes: i128,
    /// Model states plus this spec's activations: what the GPU must hold.
    pub with_activations_bytes: i128,
    pub fits: bool,
    pub current: bool,
}

fn label(key: &str, plan: &Plan, pool_share: Option<f64>) -> (&'static str, String) {
    let p = &plan.per_gpu;
    let graphs_outside = p.cuda_graphs_outside_budget_bytes.get() > 0;
    match key {
        "weights" => ("Weights", plan.weights.sharding.clone()),
        "activations" => (
            "Activations (peak)",
            "peak of the engine's profiling run (forward pass or sampler warm-up)".into(),
        ),
        // vLLM before 0.21 and SGLang capture CUDA graphs after sizing the
        // KV cache, outside the budget: the Free row says so instead.
        "runtime" if graphs_outside => ("Runtime", "CUDA context, NCCL, workspace".into()),
        "runtime" => (
            "Runtime",
            "CUDA context, NCCL, CUDA graphs, workspace".into(),
        ),
        "kv_planned" => (
            "KV cache (planned traffic)",
            match pool_share.filter(|s| *s > 1.0) {
                Some(s) => format!(
                    "the whole pool: the planned traffic needs {} of it",
                    percent(s)
                ),
                None => "KV blocks the classes hold at required concurrency".into(),
            },
        ),
        "kv_spare" => (
            "KV cache (spare)",
            "KV pool left for bursts beyond the plan".into(),
        ),
        "kv_cache" if p.kv_cache_bytes < 0 => (
            "KV cache",
            "none: the engine will not start (see below)".into(),
        ),
        "kv_cache" => ("KV cache", "what the engine allocates for KV blocks".into()),
        "free" if graphs_outside => (
            "Free (outside the engine budget)",
            format!(
                "total x (1 - {}); CUDA graphs ({}) captured outside the budget",
                format_float(p.memory_fraction),
                p.cuda_graphs_outside_budget_bytes
            ),
        ),
        "free" => (
            "Free (outside the engine budget)",
            format!("total x (1 - {})", format_float(p.memory_fraction)),
        ),
        _ => ("Other", String::new()),
    }
}

fn bytes_of(components: &[Component], key: &str) -> Option<i128> {
    components.iter().find(|c| c.key == key).map(|c| c.bytes)
}

/// The serving breakdown of the bottleneck GPU.
pub(super) fn breakdown(plan: &Plan, d: &Derived) -> Breakdown {
    let p = &plan.per_gpu;
    let acc = &d.per_gpu;
    let pool_share = d.kv_cache.as_ref().and_then(|k| k.pool_share_total);
    let rows = acc
        .components
        .iter()
        .map(|c| {
            let (component, note) = label(&c.key, plan, pool_share);
            BreakdownRow {
                key: c.key.clone(),
                component: component.into(),
                bytes: c.bytes,
                fraction: c.share,
                note,
            }
        })
        .collect();
    let g = &plan.gpu;
    Breakdown {
        gpu_name: g.name.clone(),
        gpus_label: format!(
            "bottleneck GPU of one engine instance; {} per replica, {} in all",
            crate::units::plural(g.gpus_per_replica, "GPU"),
            crate::units::group_digits(g.total_gpus)
        ),
        total_bytes: i128::from(p.total_bytes.get()),
        budget_bytes: i128::from(p.budget_bytes.get()),
        weights_bytes: i128::from(p.weights_bytes.get()),
        activation_bytes: i128::from(p.activation_peak_bytes.get()),
        runtime_bytes: i128::from(p.runtime_bytes.get()),
        kv_bytes: i128::from(p.kv_cache_bytes),
        kv_used_bytes: acc.kv_planned_bytes,
        free_bytes: bytes_of(&acc.components, "free").unwrap_or(0),
        rows,
        accounted_bytes: acc.accounted_bytes,
        accounted_fraction: acc.accounted_share,
        kv_short_bytes: acc.kv_short_bytes,
        kv_short_note: match (acc.over_budget_bytes, acc.kv_short_bytes, pool_share) {
            (Some(over), _, _) => format!(
                "Weights, activation peak and runtime need {}{} more than the engine budget of {}: no memory is left for the KV cache and the engine will not start.",
                if acc.kv_cache_saturated { "more than " } else { "" },
                format_gib(over),
                plan.per_gpu.budget_bytes
            ),
            (None, Some(short), Some(s)) => format!(
                "The planned traffic needs {} of the KV pool: {} more KV cache per GPU than the pool holds.",
                percent(s),
                format_gib(short)
            ),
            _ => String::new(),
        },
    }
}

/// The training table of one GPU and the same job at each ZeRO stage.
pub(super) fn training_section(
    plan: &Plan,
    t: &TrainingPlan,
    d: &Derived,
    zero_stage: Option<u64>,
) -> TrainingSection {
    let td = d.training.as_ref();
    let row = |(i, z): (usize, &crate::plan::ZeroStageRow)| {
        let zd = td.and_then(|td| td.per_zero_stage.get(i));
        ZeroRow {
            stage: z.stage,
            weights_bytes: i128::from(z.weights_bytes.get()),
            gradients_bytes: i128::from(z.gradients_bytes.get()),
            optimizer_bytes: i128::from(z.optimizer_bytes.get()),
            total_bytes: i128::from(z.total_bytes.get()),
            with_activations_bytes: zd.map_or(0, |zd| wide(zd.with_activations_bytes)),
            fits: zd.is_some_and(|zd| zd.fits),
            current: zero_stage == Some(z.stage),
        }
    };
    TrainingSection {
        weights_bytes: i128::from(t.weights_bytes.get()),
        gradients_bytes: i128::from(t.gradients_bytes.get()),
        optimizer_bytes: i128::from(t.optimizer_bytes.get()),
        activations_bytes: i128::from(t.activations_bytes.get()),
        total_bytes: i128::from(t.total_bytes.get()),
        runtime_bytes: i128::from(plan.per_gpu.runtime_bytes.get()),
        total_with_runtime_bytes: td.map_or(0, |td| wide(td.total_with_runtime_bytes)),
        budget_bytes: i128::from(plan.per_gpu.budget_bytes.get()),
        trainable_parameters: t.trainable_parameters,
        host_offload_bytes: i128::from(t.host_offload_bytes.get()),
        zero_stage,
        per_zero_stage: t.per_zero_stage.iter().enumerate().map(row).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::derive;
    use crate::rules::testutil::Fixture;
    use crate::units::Bytes;

    fn note(b: &Breakdown, key: &str) -> String {
        b.rows
            .iter()
            .find(|r| r.key == key)
            .expect("row")
            .note
            .clone()
    }

    #[test]
    fn cuda_graphs_outside_the_budget_are_in_the_free_row() {
        let mut plan = Fixture::new().plan;
        let b = breakdown(&plan, &derive(&plan, None));
        assert_eq!(note(&b, "runtime"), "CUDA context, NCCL, workspace");
        assert_eq!(
            note(&b, "free"),
            "total x (1 - 0.9); CUDA graphs (0.50 GiB) captured outside the budget"
        );
        plan.per_gpu.cuda_graphs_outside_budget_bytes = Bytes::ZERO;
        let b = breakdown(&plan, &derive(&plan, None));
        assert_eq!(
            note(&b, "runtime"),
            "CUDA context, NCCL, CUDA graphs, workspace"
        );
        assert_eq!(note(&b, "free"), "total x (1 - 0.9)");
    }

    #[test]
    fn the_total_row_is_what_the_rows_add_up_to() {
        let mut plan = Fixture::new().plan;
        let b = breakdown(&plan, &derive(&plan, None));
        assert_eq!(b.accounted_bytes, b.total_bytes);
        assert_eq!(b.accounted_fraction, Some(1.0));
        // A plan whose parts do not add up to the GPU (a hand-edited JSON plan)
        // shows its real sum, never a literal 100%.
        plan.per_gpu.free_bytes = Bytes(0);
        let b = breakdown(&plan, &derive(&plan, None));
        assert!(b.accounted_bytes < b.total_bytes);
        assert!(b.accounted_fraction.unwrap() < 1.0);
    }

    #[test]
    fn over_committed_traffic_says_how_much_is_short() {
        let mut plan = Fixture::new().plan;
        plan.classes[0].pool_share = 1.0;
        plan.classes[1].pool_share = 0.5;
        let b = breakdown(&plan, &derive(&plan, None));
        let kv = i128::from(plan.per_gpu.kv_cache_bytes);
        assert_eq!(b.kv_used_bytes, Some(kv));
        assert!((b.kv_short_bytes.unwrap() - kv / 2).abs() <= 1);
        assert!(
            b.kv_short_note
                .starts_with("The planned traffic needs 150.0% of the KV pool: "),
            "{}",
            b.kv_short_note
        );
        assert_eq!(b.accounted_bytes, b.total_bytes);
    }
}
