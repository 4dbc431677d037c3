//! The exhaustive search: every instance layout of the space, each at the
//! smallest replica count that makes it feasible within `--max-gpus`.
//!
//! Pruning (docs/fit.md "Pruning", proved by the brute-force tests in
//! tests/fit_search.rs): for one instance layout, replicas change only how
//! many sequences each instance carries (ceil(required / replicas), never
//! more with more replicas) and the node count; the per-instance memory
//! (weights, activations, runtime, KV pool, the longest sequence) does not
//! move. So
//! - below the plan's `replicas_needed` some class does not fit: those counts
//!   are skipped, not evaluated;
//! - a failure that reads only the instance ([`Broke::replica_independent`])
//!   fails at every replica count: the layout is dropped;
//! - any other failure tries the next count, up to the bound.
//!
//! Larger replica counts of a feasible layout are feasible too, and cost
//! more GPUs for more spare; the candidates are each layout's smallest.

use super::eval::{Broke, Evaluator, Outcome};
use super::space::{InstanceLayout, Layout, Space};
use crate::spec::Kind;

/// A feasible layout and its verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    pub layout: Layout,
    pub outcome: Outcome,
}

/// An instance layout no replica count within the bound makes feasible.
#[derive(Clone, Debug, PartialEq)]
pub struct Dead {
    pub instance: InstanceLayout,
    /// The failure at the last replica count tried.
    pub broke: Broke,
    /// Serving, failing on concurrency: the replicas the plan says every
    /// class needs, beyond the bound.
    pub replicas_needed: Option<u64>,
}

/// What the search saw.
#[derive(Clone, Debug, Default)]
pub struct Searched {
    /// One per feasible instance layout, at its smallest replica count, in
    /// space order.
    pub feasible: Vec<Found>,
    /// Every other instance layout, with why.
    pub dead: Vec<Dead>,
    /// The verdict at one replica, per instance layout (what a smaller
    /// instance would break: the candidates' `limit`).
    pub at_one_replica: Vec<(InstanceLayout, Option<Broke>)>,
    /// Candidates in the space (every layout x every replica count within
    /// the bound).
    pub space_size: u64,
    /// Candidates evaluated (the rest were pruned).
    pub evaluated: u64,
}

/// Search the whole space.
pub fn search(ev: &mut Evaluator<'_>, space: &Space) -> Searched {
    let layouts = space.instance_layouts();
    let start = ev.evaluations;
    let mut out = Searched {
        space_size: space.size(&layouts),
        ..Searched::default()
    };
    for instance in layouts {
        search_instance(ev, space, instance, &mut out);
    }
    out.evaluated = ev.evaluations - start;
    out
}

fn search_instance(
    ev: &mut Evaluator<'_>,
    space: &Space,
    instance: InstanceLayout,
    out: &mut Searched,
) {
    let per_replica = instance.gpus_per_replica();
    let max_replicas = match space.kind {
        Kind::Training => 1,
        Kind::Serving => space.max_gpus / per_replica.max(1),
    };
    let mut replicas = 1;
    let mut outcome = ev.evaluate(&Layout { instance, replicas });
    out.at_one_replica.push((instance, outcome.broke.clone()));
    loop {
        let Some(broke) = outcome.broke.clone() else {
            out.feasible.push(Found {
                layout: Layout { instance, replicas },
                outcome,
            });
            return;
        };
        let next = match &broke {
            // Below replicas_needed some class does not fit: skip to it.
            Broke::Concurrency => outcome
                .replicas_needed
                .unwrap_or(replicas + 1)
                .max(replicas + 1),
            b if b.replica_independent() => max_replicas + 1,
            _ => replicas + 1,
        };
        if next > max_replicas {
            out.dead.push(Dead {
                instance,
                replicas_needed: match broke {
                    Broke::Concurrency => outcome.replicas_needed,
                    _ => None,
                },
                broke,
            });
            return;
        }
        replicas = next;
        outcome = ev.evaluate(&Layout { instance, replicas });
    }
}

/// Every candidate of the space evaluated, no pruning: the reference the
/// tests compare [`search`] with. Returns each layout with its verdict.
pub fn brute_force(ev: &mut Evaluator<'_>, space: &Space) -> Vec<(Layout, Outcome)> {
    let mut all = Vec::new();
    for instance in space.instance_layouts() {
        let max_replicas = match space.kind {
            Kind::Training => 1,
            Kind::Serving => space.max_gpus / instance.gpus_per_replica().max(1),
        };
        for replicas in 1..=max_replicas {
            let layout = Layout { instance, replicas };
            let outcome = ev.evaluate(&layout);
            all.push((layout, outcome));
        }
    }
    all
}
