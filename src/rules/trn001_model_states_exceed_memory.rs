//! TRN001 model-states-exceed-memory.

use super::replan::{fit_nodes, replan, training_fits};
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::plan::optimizer;
use crate::spec::Offload;
use crate::units::Bytes;

declare_rule! {
    /// ## What it does
    /// Checks that the training model states per GPU (weights + gradients +
    /// optimizer state, after ZeRO sharding and offload) fit what the GPU's
    /// budget leaves after the runtime (CUDA context, NCCL).
    ///
    /// ## Why is this bad?
    /// Mixed-precision Adam keeps 16 bytes per parameter (2 weights + 2 gradients
    /// + 12 fp32 master weights, momentum and variance): an 8B model needs 128 GB
    /// of model states before one activation. The job fails at the first
    /// optimizer step, or at initialization.
    ///
    /// ## Example
    /// ```yaml
    /// model: {preset: llama-3.1-8b}
    /// parallelism: {data: 8}
    /// training: {method: full, optimizer: adamw, zero_stage: 0}
    /// ```
    ///
    /// ## How to fix
    /// Shard the states with a higher ZeRO stage (FSDP full shard = 3), offload
    /// the optimizer to host RAM, or add data-parallel ranks; the finding gives
    /// the ZeRO stage and the smallest `parallelism.data` (computed with the
    /// plan's own ZeRO formulas) that fit with the activations and runtime
    /// (the multi-GPU runtime, NCCL included, even when the job is one GPU now).
    pub struct ModelStatesExceedMemory(TRN001);
}

/// Largest ZeRO shard degree the fix searches (a job this wide is a cluster,
/// not a fix).
const MAX_DATA: u64 = 1 << 16;

/// The smallest `parallelism.data` (ZeRO shard degree) at which the model
/// states, at `zero_stage`, plus `rest` (activations and runtime) fit `budget`,
/// computed with the plan's own [`optimizer::states`]. The per-GPU trainable
/// parameters and frozen bytes come back out of the plan's ZeRO-0 row (its
/// gradients are never sharded or offloaded). `None` when no degree up to
/// [`MAX_DATA`] fits, or sharding cannot help (ZeRO-0).
fn smallest_data(
    t: &crate::plan::TrainingPlan,
    spec: &crate::spec::TrainingSpec,
    zero_stage: u64,
    rest: u64,
    budget: u64,
) -> Option<(u64, u64)> {
    if zero_stage == 0 {
        return None;
    }
    let (w, g, _) = optimizer::bytes_per_param(spec.optimizer, spec.precision);
    let row0 = t.per_zero_stage.iter().find(|r| r.stage == 0)?;
    let trainable = row0.gradients_bytes.0.checked_div(g)?;
    let frozen = row0
        .weights_bytes
        .0
        .saturating_sub(trainable.saturating_mul(w));
    let states_at = |dp: u64| -> Option<u64> {
        optimizer::states(
            trainable,
            frozen,
            spec.optimizer,
            spec.precision,
            zero_stage,
            dp,
            spec.offload,
        )
        .ok()?
        .total()
        .ok()
    };
    let fits = |dp: u64| states_at(dp).is_some_and(|s| s.saturating_add(rest) <= budget);
    if !fits(MAX_DATA) {
        return None;
    }
    // States shrink monotonically with the shard degree: binary search.
    let (mut lo, mut hi) = (1u64, MAX_DATA);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if fits(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Some((lo, states_at(lo)?))
}

impl ModelStatesExceedMemory {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let (Some(t), Some(spec)) = (&ctx.plan.training, &ctx.spec.training) else {
            return Vec::new();
        };
        let budget = ctx.plan.per_gpu.budget_bytes;
        // The plan subtracts the runtime (CUDA context, NCCL) from the budget
        // too (plan/compute.rs): the states must fit what it leaves.
        let runtime = ctx.plan.per_gpu.runtime_bytes;
        let states = Bytes(
            t.weights_bytes
                .0
                .saturating_add(t.gradients_bytes.0)
                .saturating_add(t.optimizer_bytes.0),
        );
        if states.0.saturating_add(runtime.0) <= budget.0 {
            return Vec::new();
        }
        let message = format!(
            "model states need {states} per GPU (weights {} + gradients {} + optimizer {}) at ZeRO stage {}, more than the {budget} budget leaves after {runtime} of runtime ({})",
            t.weights_bytes,
            t.gradients_bytes,
            t.optimizer_bytes,
            spec.zero_stage,
            Bytes(budget.0.saturating_sub(runtime.0))
        );
        let act = t.activations_bytes;
        let rest = act.0.saturating_add(runtime.0);
        let fits = |b: u64| b.saturating_add(rest) <= budget.0;
        let row_states = |r: &crate::plan::ZeroStageRow| {
            r.weights_bytes
                .0
                .saturating_add(r.gradients_bytes.0)
                .saturating_add(r.optimizer_bytes.0)
        };
        let with_rest = |b: u64| Bytes(b.saturating_add(rest));
        let mut fixes = Vec::new();
        // Each proposal is re-planned (rules/replan.rs): offered only when
        // the job then fits its budget.
        let fits_with = |stage: u64, data: u64| {
            replan(ctx, |s, _| {
                if let Some(tr) = s.training.as_mut() {
                    tr.zero_stage = stage;
                }
                s.parallelism.data = data;
                let p = &s.parallelism;
                let gpus = p.tensor.saturating_mul(p.pipeline).saturating_mul(data);
                fit_nodes(s, gpus);
            })
            .is_some_and(|p| training_fits(&p))
        };
        let data_now = ctx.spec.parallelism.data.max(1);
        if let Some(r) = t
            .per_zero_stage
            .iter()
            .filter(|r| r.stage > spec.zero_stage && spec.offload == Offload::None)
            .find(|r| fits(row_states(r)) && fits_with(r.stage, data_now))
        {
            fixes.push(format!(
                "set training.zero_stage: {} ({} of model states per GPU, {} with activations and runtime)",
                r.stage,
                Bytes(row_states(r)),
                with_rest(row_states(r))
            ));
        }
        // More ZeRO shards: at the spec's stage when it shards anything,
        // else at stage 3.
        let stage = if spec.zero_stage == 0 {
            3
        } else {
            spec.zero_stage.min(3)
        };
        let dp_now = ctx.spec.parallelism.data.max(1);
        // Any proposed data degree is at least 2 ranks, so the job runs NCCL:
        // its runtime is the multi-GPU figure even when today's is one GPU's.
        let rest_multi = act.0.saturating_add(crate::plan::runtime::training(2));
        if let Some((dp, s)) = smallest_data(t, spec, stage, rest_multi, budget.0)
            .filter(|(dp, _)| *dp > dp_now && fits_with(stage, *dp))
        {
            let p = &ctx.spec.parallelism;
            let gpus = dp
                .saturating_mul(p.tensor.max(1))
                .saturating_mul(p.pipeline.max(1));
            let stage_part = if stage == spec.zero_stage {
                String::new()
            } else {
                format!("training.zero_stage: {stage} with ")
            };
            fixes.push(format!(
                "set {stage_part}parallelism.data: {dp} ({} of model states per GPU, {} with activations and runtime; {gpus} GPUs per replica)",
                Bytes(s),
                Bytes(s.saturating_add(rest_multi))
            ));
        }
        if fixes.is_empty()
            && fits(t.weights_bytes.0.saturating_add(t.gradients_bytes.0))
            && spec.offload == Offload::None
        {
            fixes.push(format!(
                "set training.offload: optimizer (moves {} to host RAM; {} stays per GPU with activations and runtime)",
                t.optimizer_bytes,
                with_rest(t.weights_bytes.0.saturating_add(t.gradients_bytes.0))
            ));
        }
        let fix = if fixes.is_empty() {
            if rest > budget.0 {
                "activations and runtime alone exceed the budget: see TRN002/TRN003".to_string()
            } else {
                "offload optimizer and parameters (training.offload: optimizer-and-params), or use a GPU with more memory".to_string()
            }
        } else {
            fixes.join("; or ")
        };
        vec![self.finding("/training/zero_stage", message).with_fix(fix)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    fn stage(s: u64) -> Fixture {
        Fixture::training_edit(|v| v["training"]["zero_stage"] = s.into())
    }

    #[test]
    fn fires_at_zero_stage_0_and_picks_the_stage_that_fits() {
        let f = stage(0).one(&ModelStatesExceedMemory);
        assert_eq!(f.code, "TRN001");
        assert_eq!(f.pointer, "/training/zero_stage");
        // 16 x 8,030,261,248 = 128,484,179,968 B = 119.66 GiB.
        assert!(f.message.contains("need 119.66 GiB"), "{}", f.message);
        assert!(
            f.message.contains("after 2.00 GiB of runtime (69.28 GiB)"),
            "{}",
            f.message
        );
        // The plan's activations (~44.94 GiB at 8,192 tokens, no
        // checkpointing) + 2 GiB runtime leave room for ZeRO-3's 2p = 14.96
        // GiB only: stage 2's 3.75p = 28.05 GiB is over 71.28 GiB.
        assert_eq!(
            f.fix.as_deref(),
            Some("set training.zero_stage: 3 (14.96 GiB of model states per GPU, 61.90 GiB with activations and runtime)")
        );
    }

    #[test]
    fn runtime_counts_against_the_budget() {
        // Stage 1 over 8: 41.13 GiB of states fit the 71.28 GiB budget alone,
        // not with 10 GiB of activations and 31 GiB of runtime; stage 2
        // (28.05 + 10 + 31) does.
        // An impossible plan on purpose (the runtime is a constant): 31 GiB
        // of runtime shows that the fix counts it.
        let mut fx = stage(1);
        let t = fx.plan.training.as_mut().expect("training");
        t.activations_bytes = Bytes(10 * crate::units::GIB);
        fx.plan.per_gpu.runtime_bytes = Bytes(31 * crate::units::GIB);
        let f = fx.one(&ModelStatesExceedMemory);
        // Stage 2 fits the edited plan's arithmetic (28.05 + 10 + 31 = 69.05
        // GiB), but every proposal is re-planned from the spec (rules/
        // replan.rs), whose real plan has 44.94 GiB of activations and 2 GiB
        // of runtime: stage 2 (74.99 GiB) does not fit it, stage 3 does. The
        // printed total still counts the 31 GiB runtime (14.96 + 10 + 31).
        assert_eq!(
            f.fix.as_deref(),
            Some("set training.zero_stage: 3 (14.96 GiB of model states per GPU, 55.96 GiB with activations and runtime)")
        );
    }

    /// Llama-3.1-8B under full-precision Adam with every state on one rank
    /// (16 bytes per parameter, 119.66 GiB), whatever the ZeRO stage: only
    /// more data ranks can help.
    fn unsharded_states_on_one_rank() -> Fixture {
        Fixture::training_edit(|v| v["parallelism"]["data"] = 1.into())
    }

    const FIVE_RANKS: &str = "set parallelism.data: 5 (23.93 GiB of model states per GPU, 70.88 GiB with activations and runtime; 5 GPUs per replica)";

    #[test]
    fn smallest_data_parallel_degree_that_fits() {
        // ZeRO-3 over one GPU: 16p = 119.66 GiB. 16p / dp + ~44.9 GiB of
        // activations + 2 GiB of NCCL runtime <= 71.28 GiB needs dp >= 4.9: 5
        // ranks, 3.2p = 23.93 GiB of states.
        let f = unsharded_states_on_one_rank().one(&ModelStatesExceedMemory);
        assert_eq!(f.fix.as_deref(), Some(FIVE_RANKS));
    }

    #[test]
    fn data_fix_from_one_gpu_counts_nccl() {
        // The one-GPU job plans 0.5 GiB of runtime, but the multi-GPU job the
        // fix proposes runs NCCL (2 GiB, plan/runtime.rs): the fix counts that.
        let fx = unsharded_states_on_one_rank();
        assert_eq!(
            fx.plan.per_gpu.runtime_bytes,
            Bytes(crate::plan::runtime::training(1))
        );
        let f = fx.one(&ModelStatesExceedMemory);
        assert_eq!(f.fix.as_deref(), Some(FIVE_RANKS));
    }

    #[test]
    fn near_miss_zero_3() {
        assert!(Fixture::training().run(&ModelStatesExceedMemory).is_empty());
    }
}
