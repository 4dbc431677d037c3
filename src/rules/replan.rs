//! Fixes that propose a new layout or format are re-planned before they are
//! printed: the spec with the fix's fields changed goes through
//! `plan::compute` (the evaluator `memmath fit` uses), and the fix is offered
//! only when that plan no longer has the problem. The helper arithmetic in
//! the rules picks the candidate; the plan decides whether it works.

use super::RuleContext;
use crate::catalog::{Resolved, ResolvedWeights};
use crate::plan::{self, Plan};
use crate::spec::{Quantization, Spec, WeightDtype};

/// The plan of the rule's spec with `edit` applied to a copy of the spec and
/// its resolved model; None when it cannot be planned (MEM000).
pub fn replan(ctx: &RuleContext<'_>, edit: impl FnOnce(&mut Spec, &mut Resolved)) -> Option<Plan> {
    let mut spec = ctx.spec.clone();
    let mut resolved = ctx.resolved.clone();
    edit(&mut spec, &mut resolved);
    plan::compute(&spec, &resolved).ok()
}

/// A serving engine starts (memory for the KV cache, one max_model_len
/// sequence fits it).
pub fn starts(plan: &Plan) -> bool {
    plan.engine_starts()
}

/// A serving plan starts and every class that holds sequences fits.
pub fn carries_traffic(plan: &Plan) -> bool {
    starts(plan)
        && plan
            .classes
            .iter()
            .filter(|c| c.holds_sequences())
            .all(|c| c.fits)
}

/// A training plan's job fits its budget: model states, activations and
/// runtime (`per_gpu.kv_cache_bytes`, the signed memory left, is not negative).
pub fn training_fits(plan: &Plan) -> bool {
    plan.training.is_some() && plan.per_gpu.kv_cache_bytes >= 0
}

/// Store the weights in another format: the resolved weights change with
/// the spec (the safetensors headers describe the old checkpoint).
pub fn set_weights(
    spec: &mut Spec,
    resolved: &mut Resolved,
    dtype: WeightDtype,
    quantization: Quantization,
    group_size: Option<u64>,
) {
    spec.model.weights.dtype = Some(dtype);
    spec.model.weights.quantization = quantization;
    spec.model.weights.group_size = group_size;
    spec.model.safetensors = None;
    resolved.model.weights = ResolvedWeights {
        dtype,
        quantization,
        group_size,
        // A new scheme: the checkpoint's skip list no longer applies, the
        // spec's own `unquantized` list still does.
        unquantized: spec.model.weights.unquantized.clone(),
    };
    resolved.model.exact_weights = None;
}

/// Raise `hardware.nodes` (when the spec sets it) to what `total` GPUs need.
pub fn fit_nodes(spec: &mut Spec, total: u64) {
    if let Some(n) = spec.hardware.nodes {
        let per_node = spec.hardware.gpus_per_node.unwrap_or(8).max(1);
        spec.hardware.nodes = Some(n.max(total.div_ceil(per_node)));
    }
}
