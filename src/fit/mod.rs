//! `memmath fit`: the cheapest layout that carries a spec's traffic. PURE,
//! like `plan/`: a typed spec, its resolved model and GPU and the rule
//! configuration in, a ranked [`FitResult`] out; no I/O.
//!
//! - `space`: the axes (GPU type, tensor/pipeline/data/expert degrees, and
//!   with `--allow` the KV dtype, weight format and max_model_len);
//! - `eval`: one candidate through `plan::compute` and the rules;
//! - `search`: every instance layout at its smallest feasible replica count
//!   (exhaustive; the pruning keeps the optimum);
//! - `rank`: objective, tie-breaks, Pareto front, limits;
//! - `changes` / `patch`: the candidate as dotted spec fields, and as an
//!   edit of the spec's own text with its unified diff;
//! - `explain`: when nothing is feasible, what every candidate broke and
//!   the smallest change that helps;
//! - `prices`: the user's price file; `render`: table, Markdown and JSON.
//!
//! docs/fit.md is the user documentation.

pub mod changes;
pub mod eval;
pub mod explain;
pub mod patch;
pub mod prices;
pub mod rank;
pub mod render;
pub mod search;
pub mod space;

pub use eval::{Broke, Evaluator, Outcome};
pub use explain::{Explanation, Help};
pub use prices::Prices;
pub use rank::{Limit, Objective};
pub use space::{Allow, GpuChoice, InstanceLayout, Layout, Space};

use crate::catalog::Resolved;
use crate::rules::RulesConfig;
use crate::spec::Spec;
use serde::Serialize;
use serde_json::{Map, Value};

/// What to search and how to rank.
#[derive(Clone, Debug)]
pub struct FitOptions {
    pub gpus: GpuChoice,
    /// Most GPUs a layout may use; None: [`space::DEFAULT_MAX_GPUS`] or the
    /// spec's own count, whichever is larger.
    pub max_gpus: Option<u64>,
    pub objective: Objective,
    pub prices: Option<Prices>,
    pub allow: Allow,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            gpus: GpuChoice::Spec,
            max_gpus: None,
            objective: Objective::Gpus,
            prices: None,
            allow: Allow::default(),
        }
    }
}

/// One ranked feasible layout, as `fit --format json` prints it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Candidate {
    /// 1 = best.
    pub rank: usize,
    pub gpus: u64,
    /// GPUs x price per GPU-hour; null without a price for the GPU.
    pub cost_per_hour: Option<f64>,
    pub spare_fraction: f64,
    pub limit: &'static str,
    pub pareto: bool,
    /// Dotted spec field -> new value (`null`: remove the field).
    pub changes: Map<String, Value>,
    pub layout: LayoutSummary,
    #[serde(skip)]
    pub raw: Layout,
}

/// The layout in words, for tables.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayoutSummary {
    pub gpu: String,
    pub gpu_name: String,
    pub tensor: u64,
    pub pipeline: u64,
    pub data: u64,
    pub expert: bool,
    pub replicas: u64,
    pub gpus_per_replica: u64,
    pub kv_cache_dtype: String,
    pub weights: String,
    pub max_model_len: Option<u64>,
}

/// The spec's own layout, judged like every candidate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BaseVerdict {
    pub gpus: u64,
    pub cost_per_hour: Option<f64>,
    pub feasible: bool,
    /// Why not, when infeasible (`weights`, `kv`, `concurrency`, or a code).
    pub broke: Option<String>,
    pub spare_fraction: f64,
    /// Whether the best candidate is strictly cheaper (by the objective).
    pub best_is_cheaper: bool,
}

/// The result of a fit.
#[derive(Clone, Debug, Serialize)]
pub struct FitResult {
    pub feasible: bool,
    /// `Serving` or `Training`.
    pub kind: &'static str,
    /// Candidates in the space (layouts x replica counts within the bound).
    pub searched: u64,
    /// Candidates evaluated through plan + rules (the rest were pruned).
    pub evaluated: u64,
    pub objective: &'static str,
    pub max_gpus: u64,
    pub currency: Option<String>,
    /// Every feasible layout at its smallest replica count, best first.
    pub candidates: Vec<Candidate>,
    /// The spec as written.
    pub spec: BaseVerdict,
    /// When nothing is feasible.
    pub infeasible: Option<Explanation>,
}

impl FitResult {
    pub fn best(&self) -> Option<&Candidate> {
        self.candidates.first()
    }
}

/// Search, rank and explain.
pub fn fit(
    spec: &Spec,
    resolved: &Resolved,
    config: &RulesConfig,
    opts: &FitOptions,
) -> Result<FitResult, String> {
    let own = own_gpus(spec);
    let max_gpus = opts
        .max_gpus
        .unwrap_or(space::DEFAULT_MAX_GPUS.max(own))
        .clamp(1, space::MAX_GPUS_LIMIT);
    let space = space::build(spec, resolved, &opts.gpus, opts.allow, max_gpus)?;
    let mut ev = Evaluator::new(spec, resolved, &space, config);
    let searched = search::search(&mut ev, &space);
    let ranked = rank::rank(
        &searched,
        &space,
        opts.objective,
        opts.prices.as_ref(),
        |l| changes::changes(spec, resolved, &space, l).len(),
    );
    let candidates: Vec<Candidate> = ranked
        .iter()
        .enumerate()
        .map(|(i, r)| Candidate {
            rank: i + 1,
            gpus: r.gpus,
            cost_per_hour: r.cost_per_hour,
            spare_fraction: r.spare_fraction(),
            limit: r.limit.as_str(),
            pareto: r.pareto,
            changes: changes::changes(spec, resolved, &space, r.layout()),
            layout: summary(&space, resolved, r.layout()),
            raw: *r.layout(),
        })
        .collect();
    let base = base_verdict(spec, resolved, &space, config, opts, candidates.first());
    let infeasible = if candidates.is_empty() {
        Some(explain::explain(
            spec, resolved, config, opts, max_gpus, &searched,
        ))
    } else {
        None
    };
    Ok(FitResult {
        feasible: !candidates.is_empty(),
        kind: if eval::is_serving(spec) {
            "Serving"
        } else {
            "Training"
        },
        searched: searched.space_size,
        evaluated: searched.evaluated,
        objective: opts.objective.as_str(),
        max_gpus,
        currency: opts.prices.as_ref().and_then(|p| p.currency.clone()),
        candidates,
        spec: base,
        infeasible,
    })
}

/// GPUs the spec itself uses (replicas x tensor x pipeline x data).
fn own_gpus(spec: &Spec) -> u64 {
    let p = &spec.parallelism;
    let replicas = spec
        .serving
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1)
        .max(1);
    let replicas = if eval::is_serving(spec) { replicas } else { 1 };
    p.tensor
        .saturating_mul(p.pipeline)
        .saturating_mul(p.data)
        .saturating_mul(replicas)
}

fn summary(space: &Space, resolved: &Resolved, l: &Layout) -> LayoutSummary {
    let i = &l.instance;
    let gpu = &space.gpus[i.gpu].info;
    let w = &space.weights[i.weights].weights;
    let serving = space.kind == crate::spec::Kind::Serving;
    LayoutSummary {
        gpu: gpu.id.clone(),
        gpu_name: gpu.name.clone(),
        tensor: i.tensor,
        pipeline: i.pipeline,
        data: i.data,
        expert: i.expert,
        replicas: l.replicas,
        gpus_per_replica: i.gpus_per_replica(),
        kv_cache_dtype: match (serving, space.kv_dtypes[i.kv]) {
            (false, _) => "-".to_string(),
            (true, None) => "auto".to_string(),
            (true, Some(d)) => d.as_str().to_string(),
        },
        weights: if w.quantization == crate::spec::Quantization::None {
            w.dtype.as_str().to_string()
        } else {
            format!("{} ({})", w.quantization.as_str(), w.dtype.as_str())
        },
        // Absent: the model's own limit, as the plan resolves it.
        max_model_len: space.max_model_lens[i.max_model_len]
            .or(resolved.model.architecture.max_position_embeddings)
            .filter(|_| serving),
    }
}

/// The spec's own layout judged like a candidate, and whether the best
/// candidate beats it.
fn base_verdict(
    spec: &Spec,
    resolved: &Resolved,
    space: &Space,
    config: &RulesConfig,
    opts: &FitOptions,
    best: Option<&Candidate>,
) -> BaseVerdict {
    let gpus = own_gpus(spec);
    let price = opts
        .prices
        .as_ref()
        .and_then(|p| p.per_gpu_hour(&resolved.gpu.id))
        .map(|p| p * gpus as f64);
    // Judge the spec exactly as written: a space of its own values only.
    let own_space = space::Space {
        gpus: vec![space::GpuOption {
            id: None,
            info: resolved.gpu.clone(),
        }],
        ..space.clone()
    };
    let layout = Layout {
        instance: InstanceLayout {
            gpu: 0,
            weights: 0,
            kv: 0,
            max_model_len: 0,
            tensor: spec.parallelism.tensor,
            pipeline: spec.parallelism.pipeline,
            data: spec.parallelism.data,
            expert: spec.parallelism.expert,
        },
        replicas: if eval::is_serving(spec) {
            spec.serving
                .as_ref()
                .and_then(|s| s.replicas)
                .unwrap_or(1)
                .max(1)
        } else {
            1
        },
    };
    let mut own_ev = Evaluator::new(spec, resolved, &own_space, config);
    let outcome = own_ev.evaluate(&layout);
    let best_is_cheaper = match best {
        Some(b) if outcome.feasible() => match opts.objective {
            Objective::Gpus => b.gpus < gpus,
            Objective::Cost => match (b.cost_per_hour, price) {
                (Some(x), Some(y)) => x < y,
                _ => b.gpus < gpus,
            },
        },
        Some(_) => true,
        None => false,
    };
    BaseVerdict {
        gpus,
        cost_per_hour: price,
        feasible: outcome.feasible(),
        broke: outcome.broke.as_ref().map(|b| b.as_str().to_string()),
        spare_fraction: outcome.spare_fraction,
        best_is_cheaper,
    }
}
