//! Ranking the feasible layouts: the objective (GPU count, or cost per hour
//! from the user's prices), ties broken by spare KV capacity, then by fewer
//! changed fields, then by the space's order (so output is deterministic);
//! the Pareto front of GPUs vs spare fraction; and each candidate's `limit`.

use super::eval::Broke;
use super::prices::Prices;
use super::search::{Found, Searched};
use super::space::{Layout, Space};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// What the ranking minimises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Objective {
    /// Total GPUs (replicas x tensor x pipeline x data).
    Gpus,
    /// GPUs x the price per GPU-hour of their type.
    Cost,
}

impl Objective {
    pub fn as_str(self) -> &'static str {
        match self {
            Objective::Gpus => "gpus",
            Objective::Cost => "cost",
        }
    }
}

/// What stops a feasible layout from being smaller (docs/fit.md "Limit").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// A smaller instance leaves no memory for the KV cache (serving) or
    /// cannot hold the model states (training).
    Weights,
    /// A smaller instance cannot hold one sequence of the longest class.
    Kv,
    /// Fewer replicas (or a smaller instance) hold too few sequences.
    Concurrency,
    /// Training: a smaller instance runs out on activations.
    Activations,
    /// Nothing: no smaller layout of the space exists, or a smaller one is
    /// feasible too.
    None,
}

impl Limit {
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::Weights => "weights",
            Limit::Kv => "kv",
            Limit::Concurrency => "concurrency",
            Limit::Activations => "activations",
            Limit::None => "none",
        }
    }
}

/// One ranked candidate.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranked {
    pub found: Found,
    pub gpus: u64,
    pub cost_per_hour: Option<f64>,
    pub limit: Limit,
    /// On the Pareto front of GPUs vs spare fraction.
    pub pareto: bool,
    /// How many spec fields the layout changes (a tie-breaker).
    pub changed_fields: usize,
}

impl Ranked {
    pub fn layout(&self) -> &Layout {
        &self.found.layout
    }
    pub fn spare_fraction(&self) -> f64 {
        self.found.outcome.spare_fraction
    }
}

/// The verdicts at one replica, keyed by options (GPU, weights, KV dtype,
/// max_model_len): (GPUs per replica, why it failed; None = feasible).
type ByOptions<'a> = BTreeMap<(usize, usize, usize, usize), Vec<(u64, Option<&'a Broke>)>>;

/// Rank the feasible layouts. `changed` counts a layout's changed fields.
pub fn rank(
    searched: &Searched,
    space: &Space,
    objective: Objective,
    prices: Option<&Prices>,
    changed: impl Fn(&Layout) -> usize,
) -> Vec<Ranked> {
    // The verdicts at one replica by options, for the limits.
    let mut by_options: ByOptions<'_> = BTreeMap::new();
    for (i, b) in &searched.at_one_replica {
        by_options
            .entry((i.gpu, i.weights, i.kv, i.max_model_len))
            .or_default()
            .push((i.gpus_per_replica(), b.as_ref()));
    }
    let mut ranked: Vec<Ranked> = searched
        .feasible
        .iter()
        .map(|f| {
            let gpus = f.layout.gpus();
            let gpu = &space.gpus[f.layout.instance.gpu].info;
            Ranked {
                gpus,
                cost_per_hour: prices
                    .and_then(|p| p.per_gpu_hour(&gpu.id))
                    .map(|price| price * gpus as f64),
                limit: limit(f, &by_options),
                pareto: false,
                changed_fields: changed(&f.layout),
                found: f.clone(),
            }
        })
        .collect();
    // Stable sort: equal keys keep the space order.
    ranked.sort_by(|a, b| compare(a, b, objective));
    mark_pareto(&mut ranked);
    ranked
}

fn compare(a: &Ranked, b: &Ranked, objective: Objective) -> Ordering {
    let by_cost = || match (a.cost_per_hour, b.cost_per_hour) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        // Unpriced candidates are not ranked by cost (cli refuses
        // `--objective cost` when a searched GPU has no price).
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    let primary = match objective {
        Objective::Gpus => a.gpus.cmp(&b.gpus),
        Objective::Cost => by_cost().then(a.gpus.cmp(&b.gpus)),
    };
    primary
        .then_with(|| b.spare_fraction().total_cmp(&a.spare_fraction()))
        .then(a.changed_fields.cmp(&b.changed_fields))
}

/// Mark the layouts no other beats on both GPUs (fewer or equal) and spare
/// fraction (more or equal), one strictly; of equal points only the best
/// ranked. One sweep in (GPUs ascending, spare descending) order: a point is
/// on the front when its spare beats every point before it.
fn mark_pareto(ranked: &mut [Ranked]) {
    let mut order: Vec<usize> = (0..ranked.len()).collect();
    order.sort_by(|&a, &b| {
        ranked[a]
            .gpus
            .cmp(&ranked[b].gpus)
            .then_with(|| {
                ranked[b]
                    .spare_fraction()
                    .total_cmp(&ranked[a].spare_fraction())
            })
            .then(a.cmp(&b))
    });
    let mut best = f64::NEG_INFINITY;
    for i in order {
        let s = ranked[i].spare_fraction();
        ranked[i].pareto = s > best;
        best = best.max(s);
    }
}

/// The limit of a feasible layout: more than one replica means one fewer
/// does not carry the traffic (concurrency); at one replica, what the
/// nearest smaller instance of the same options breaks at one replica (the
/// one with the most GPUs below this one's, first in space order); `none`
/// when there is no smaller instance or one of them is feasible.
fn limit(f: &Found, by_options: &ByOptions<'_>) -> Limit {
    let l = &f.layout;
    if l.replicas > 1 {
        return Limit::Concurrency;
    }
    let i = &l.instance;
    let g = i.gpus_per_replica();
    let same = by_options
        .get(&(i.gpu, i.weights, i.kv, i.max_model_len))
        .map_or(&[][..], Vec::as_slice);
    let smaller = || same.iter().filter(|(n, _)| *n < g);
    if smaller().any(|(_, b)| b.is_none()) {
        return Limit::None;
    }
    // The nearest smaller instance that failed on memory; the first in
    // space order among equals.
    let nearest = smaller()
        .filter_map(|(n, b)| b.map(|b| (*n, b)))
        .filter(|(_, b)| !matches!(b, Broke::Rule(_)))
        .min_by_key(|(n, _)| std::cmp::Reverse(*n));
    match nearest.map(|(_, b)| b) {
        Some(Broke::Weights) => Limit::Weights,
        Some(Broke::Kv) => Limit::Kv,
        Some(Broke::Concurrency) => Limit::Concurrency,
        Some(Broke::Activations) => Limit::Activations,
        Some(Broke::Rule(_)) | None => Limit::None,
    }
}
