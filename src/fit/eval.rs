//! Evaluate one candidate layout: the spec with the layout's fields changed,
//! through `plan::compute` and the rules, exactly as `check` plans it.
//!
//! Feasible (docs/fit.md "Feasible") = the engine starts, every class that
//! holds sequences fits at its required concurrency (the plan's own `fits`,
//! which already counts the headroom through the engine budget), and the
//! rules give no error under the spec's rule configuration and its
//! `lint.ignore`. The plan conditions are checked first: a candidate they
//! reject is infeasible whatever the rules say, so the rules (the slower
//! half) run only for candidates that could be feasible.

use super::space::{InstanceLayout, Layout, Space};
use crate::catalog::Resolved;
use crate::diagnostics::Severity;
use crate::plan::{self, Plan};
use crate::rules::{self, Rule, RuleContext, RulesConfig};
use crate::spec::{GpuSpec, Kind, Spec};
use std::collections::BTreeSet;

/// Why a candidate is not feasible.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Broke {
    /// Weights, activations and runtime leave no memory for the KV cache
    /// (serving), or the model states exceed the budget (training, TRN001).
    Weights,
    /// One sequence of the longest class, or of max_model_len, is larger
    /// than an engine instance's KV cache: no replica count helps.
    Kv,
    /// The classes need more sequences than the replicas hold.
    Concurrency,
    /// Training: activations at the micro-batch push the job over (TRN003).
    Activations,
    /// Another error finding (its code), or MEM000 from the plan.
    Rule(String),
}

impl Broke {
    /// The word docs/fit.md and the JSON use.
    pub fn as_str(&self) -> &str {
        match self {
            Broke::Weights => "weights",
            Broke::Kv => "kv",
            Broke::Concurrency => "concurrency",
            Broke::Activations => "activations",
            Broke::Rule(code) => code,
        }
    }

    /// Whether adding replicas can never cure it: per-instance memory, or a
    /// rule that reads only the instance (docs/fit.md "Pruning").
    pub fn replica_independent(&self) -> bool {
        match self {
            Broke::Weights | Broke::Kv | Broke::Activations => true,
            Broke::Concurrency => false,
            Broke::Rule(code) => REPLICA_INDEPENDENT_RULES.contains(&code.as_str()),
        }
    }
}

/// Error rules whose verdict reads only one engine instance (weights,
/// dtypes, heads, the longest sequence, the model's context limit), never
/// `serving.replicas`, the GPU count or the per-replica load. Any other
/// error makes the search try the next replica count.
const REPLICA_INDEPENDENT_RULES: &[&str] = &[
    "MEM000", "MEM001", "MEM003", "PAR001", "QNT002", "QNT003", "TRF001", "TRF005", "TRF006",
    "TRN001", "TRN003",
];

/// The verdict on one candidate.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// None when feasible.
    pub broke: Option<Broke>,
    /// Fraction of the KV pool free at planned load (serving), or of the
    /// budget left after the job (training); 0 when nothing is left.
    pub spare_fraction: f64,
    /// Smallest replica count at which every class fits, when the plan knows
    /// one (serving).
    pub replicas_needed: Option<u64>,
}

impl Outcome {
    pub fn feasible(&self) -> bool {
        self.broke.is_none()
    }
}

/// Evaluates candidates against one base spec. Keeps one working copy of the
/// spec and one resolved model per (GPU, weights) pair, so an evaluation
/// allocates only what `plan::compute` and the rules do.
pub struct Evaluator<'a> {
    base: &'a Spec,
    base_resolved: &'a Resolved,
    space: &'a Space,
    config: &'a RulesConfig,
    ignored: BTreeSet<String>,
    /// The rules the configuration enables, chosen once.
    rules: Vec<&'static dyn Rule>,
    work: Spec,
    resolved: Vec<Option<Resolved>>,
    /// Candidates evaluated so far.
    pub evaluations: u64,
}

impl<'a> Evaluator<'a> {
    pub fn new(
        base: &'a Spec,
        base_resolved: &'a Resolved,
        space: &'a Space,
        config: &'a RulesConfig,
    ) -> Evaluator<'a> {
        // `lint.ignore` names rules by code or name; it applies to the whole
        // spec, so it applies to every candidate written from it.
        let ignored = base
            .lint
            .iter()
            .flat_map(|l| &l.ignore)
            .filter_map(|i| rules::find_rule(&i.rule).map(|r| r.code().to_string()))
            .collect();
        Evaluator {
            base,
            base_resolved,
            space,
            config,
            ignored,
            rules: rules::enabled_rules(config),
            work: base.clone(),
            resolved: vec![None; space.gpus.len() * space.weights.len()],
            evaluations: 0,
        }
    }

    /// The spec a layout describes (the base with the layout's fields set).
    pub fn spec_for(&self, layout: &Layout) -> Spec {
        let mut s = self.base.clone();
        apply(&mut s, self.base, self.space, layout);
        s
    }

    /// Evaluate one layout, and return its plan too (for callers that
    /// print figures from it).
    pub fn evaluate_with_plan(&mut self, layout: &Layout) -> (Outcome, Option<Plan>) {
        self.evaluations += 1;
        apply(&mut self.work, self.base, self.space, layout);
        let resolved = resolved_for(
            &mut self.resolved,
            self.space,
            self.base_resolved,
            &layout.instance,
        );
        let judge_with = Judge {
            config: self.config,
            rules: &self.rules,
            ignored: &self.ignored,
        };
        judge_with.judge(&self.work, resolved)
    }

    /// Evaluate one layout.
    pub fn evaluate(&mut self, layout: &Layout) -> Outcome {
        self.evaluate_with_plan(layout).0
    }
}

/// The resolved model and GPU of a layout, built once per (GPU, weights).
fn resolved_for<'r>(
    cache: &'r mut [Option<Resolved>],
    space: &Space,
    base: &Resolved,
    l: &InstanceLayout,
) -> &'r Resolved {
    let i = l.gpu * space.weights.len() + l.weights;
    cache[i].get_or_insert_with(|| {
        let mut r = base.clone();
        r.gpu = space.gpus[l.gpu].info.clone();
        if l.weights != 0 {
            r.model.weights = space.weights[l.weights].weights.clone();
            // The headers describe the spec's checkpoint, not this one.
            r.model.exact_weights = None;
        }
        r
    })
}

/// Set the layout's fields on `s` (a copy of `base`, possibly with another
/// layout's fields set: every field a layout may change is written).
pub(crate) fn apply(s: &mut Spec, base: &Spec, space: &Space, layout: &Layout) {
    let l = &layout.instance;
    s.hardware.gpu = match &space.gpus[l.gpu].id {
        Some(id) => GpuSpec::Id(id.clone()),
        None => base.hardware.gpu.clone(),
    };
    s.parallelism.tensor = l.tensor;
    s.parallelism.pipeline = l.pipeline;
    s.parallelism.data = l.data;
    s.parallelism.expert = l.expert;
    s.hardware.nodes = nodes_for(base, layout);
    if l.weights == 0 {
        s.model.weights = base.model.weights.clone();
        s.model.safetensors = base.model.safetensors.clone();
    } else {
        let w = &space.weights[l.weights].weights;
        s.model.weights.dtype = Some(w.dtype);
        s.model.weights.quantization = w.quantization;
        s.model.weights.group_size = w.group_size;
        s.model.safetensors = None;
    }
    if let (Some(serving), Some(own)) = (s.serving.as_mut(), base.serving.as_ref()) {
        serving.replicas = if layout.replicas == 1 && own.replicas.is_none() {
            None
        } else {
            Some(layout.replicas)
        };
        serving.kv_cache_dtype = space.kv_dtypes[l.kv];
        serving.max_model_len = space.max_model_lens[l.max_model_len];
    }
}

/// `hardware.nodes` for a layout: the spec's, raised to the nodes the
/// layout's GPUs need when the spec names too few (PAR005); absent stays
/// absent (the plan then derives it).
pub(crate) fn nodes_for(base: &Spec, layout: &Layout) -> Option<u64> {
    let own = base.hardware.nodes?;
    let total = layout.gpus();
    // The plan's GPUs per node: the spec's, else the GPUs used, at most 8.
    let per_node = base
        .hardware
        .gpus_per_node
        .unwrap_or(total.clamp(1, 8))
        .max(1);
    let need = total.div_ceil(per_node);
    Some(own.max(need))
}

/// What judges a candidate besides its spec and resolved model.
struct Judge<'j> {
    config: &'j RulesConfig,
    rules: &'j [&'static dyn Rule],
    ignored: &'j BTreeSet<String>,
}

impl Judge<'_> {
    /// The verdict on a spec already set to a layout.
    fn judge(&self, spec: &Spec, resolved: &Resolved) -> (Outcome, Option<Plan>) {
        let plan = match plan::compute(spec, resolved) {
            Ok(p) => p,
            Err(f) => {
                let outcome = Outcome {
                    broke: Some(Broke::Rule(f.code)),
                    spare_fraction: 0.0,
                    replicas_needed: None,
                };
                return (outcome, None);
            }
        };
        let (plan_verdict, replicas_needed) = plan_verdict(&plan);
        let spare_fraction = spare(&plan);
        if plan_verdict.is_some() {
            let outcome = Outcome {
                broke: plan_verdict,
                spare_fraction,
                replicas_needed,
            };
            return (outcome, Some(plan));
        }
        let derived = plan::derive(&plan, Some(spec.parallelism.tensor));
        let ctx = RuleContext {
            spec,
            resolved,
            plan: &plan,
            derived: &derived,
            config: self.config,
        };
        let broke = rules::run_enabled(&ctx, self.rules, self.config)
            .into_iter()
            .filter(|f| f.severity == Severity::Error && !self.ignored.contains(&f.code))
            .map(|f| match f.code.as_str() {
                "MEM001" => Broke::Weights,
                "MEM002" => Broke::Concurrency,
                "MEM003" => Broke::Kv,
                "TRN001" => Broke::Weights,
                "TRN003" => Broke::Activations,
                _ => Broke::Rule(f.code),
            })
            .min();
        let outcome = Outcome {
            broke,
            spare_fraction,
            replicas_needed,
        };
        (outcome, Some(plan))
    }
}

/// What the plan alone says, before the rules: serving engines must start
/// and every class that holds sequences must fit (training: the rules judge).
fn plan_verdict(plan: &Plan) -> (Option<Broke>, Option<u64>) {
    if plan.training.is_some() {
        return (None, None);
    }
    let held = || plan.classes.iter().filter(|c| c.holds_sequences());
    let needed = held()
        .map(|c| c.replicas_needed)
        .try_fold(1u64, |acc, n| n.map(|n| acc.max(n)));
    if plan.per_gpu.kv_cache_bytes <= 0 {
        return (Some(Broke::Weights), None);
    }
    if !plan.engine_starts() || needed.is_none() {
        return (Some(Broke::Kv), None);
    }
    if held().any(|c| !c.fits) {
        return (Some(Broke::Concurrency), needed);
    }
    (None, needed)
}

/// Spare fraction: serving, 1 - the share of one instance's KV pool the
/// classes take at required load (the plan's `pool_share`, summed);
/// training, the budget left after the job over the budget.
fn spare(plan: &Plan) -> f64 {
    if plan.training.is_some() {
        let budget = plan.per_gpu.budget_bytes.get();
        let left = plan.per_gpu.kv_cache_bytes;
        if budget == 0 || left <= 0 {
            return 0.0;
        }
        return (left as f64 / budget as f64).clamp(0.0, 1.0);
    }
    if plan.per_gpu.kv_cache_bytes <= 0 {
        return 0.0;
    }
    let used: f64 = plan
        .classes
        .iter()
        .filter(|c| c.holds_sequences())
        .map(|c| c.pool_share)
        .sum();
    if used.is_finite() {
        (1.0 - used).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// Whether a spec is a serving spec (fit's replica axis applies).
pub fn is_serving(spec: &Spec) -> bool {
    spec.kind == Kind::Serving
}
