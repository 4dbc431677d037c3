//! When no layout of the space is feasible: which constraint the layouts
//! broke (every one, or how many each), and the smallest change to the
//! search that gives a feasible layout, each found by searching again, so
//! what it prints is a layout that `check` passes.
//!
//! The changes tried: a larger `--max-gpus` (for layouts short only on
//! concurrency, their own replica count), each `--allow` not given, and
//! every catalogue GPU when the search had fewer. They are listed cheapest
//! first (by GPU count of the layout each finds).

use super::eval::{Broke, Evaluator};
use super::rank::Objective;
use super::search::Searched;
use super::space::{self, Layout};
use super::{FitOptions, GpuChoice};
use crate::catalog::Resolved;
use crate::rules::RulesConfig;
use crate::spec::Spec;
use serde::Serialize;
use std::collections::BTreeMap;

/// Why nothing fits, and what would.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    /// Instance layouts searched.
    pub layouts: u64,
    /// Why they failed (`weights`, `kv`, `concurrency`, `activations`, or a
    /// code) -> how many layouts.
    pub broke: BTreeMap<String, u64>,
    /// The one reason, when every layout failed for it.
    pub every: Option<String>,
    /// Changes that give a feasible layout, fewest GPUs first.
    pub helps: Vec<Help>,
}

/// A change to the search and the best layout it gives.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Help {
    /// The flag to add (`--max-gpus 96`, `--allow kv-fp8`, `--gpus all`).
    pub flag: String,
    /// GPUs of the best layout it gives.
    pub gpus: u64,
    /// That layout's changes to the spec.
    pub changes: serde_json::Map<String, serde_json::Value>,
}

/// Explain an empty result.
pub fn explain(
    spec: &Spec,
    resolved: &Resolved,
    config: &RulesConfig,
    opts: &FitOptions,
    max_gpus: u64,
    searched: &Searched,
) -> Explanation {
    let mut broke: BTreeMap<String, u64> = BTreeMap::new();
    for d in &searched.dead {
        *broke.entry(d.broke.as_str().to_string()).or_default() += 1;
    }
    let every = if broke.len() == 1 {
        broke.keys().next().cloned()
    } else {
        None
    };
    let mut helps = Vec::new();
    if let Some(h) = more_gpus(spec, resolved, config, opts, max_gpus, searched) {
        helps.push(h);
    }
    let allow = opts.allow;
    let widened = [
        ("--allow kv-fp8", !allow.kv_fp8, {
            let mut a = allow;
            a.kv_fp8 = true;
            a
        }),
        ("--allow quantize", !allow.quantize, {
            let mut a = allow;
            a.quantize = true;
            a
        }),
        ("--allow max-model-len", !allow.max_model_len, {
            let mut a = allow;
            a.max_model_len = true;
            a
        }),
    ];
    for (flag, applies, a) in widened {
        if !applies {
            continue;
        }
        let o = FitOptions {
            allow: a,
            max_gpus: Some(max_gpus),
            objective: Objective::Gpus,
            ..opts.clone()
        };
        if let Some(h) = best_of(spec, resolved, config, &o, flag) {
            helps.push(h);
        }
    }
    if opts.gpus != GpuChoice::All {
        let o = FitOptions {
            gpus: GpuChoice::All,
            max_gpus: Some(max_gpus),
            objective: Objective::Gpus,
            ..opts.clone()
        };
        if let Some(h) = best_of(spec, resolved, config, &o, "--gpus all") {
            helps.push(h);
        }
    }
    helps.sort_by_key(|h| h.gpus);
    Explanation {
        layouts: (searched.dead.len() + searched.feasible.len()) as u64,
        broke,
        every,
        helps,
    }
}

/// The best layout of a search with other options, as a [`Help`].
fn best_of(
    spec: &Spec,
    resolved: &Resolved,
    config: &RulesConfig,
    opts: &FitOptions,
    flag: &str,
) -> Option<Help> {
    let space = space::build(spec, resolved, &opts.gpus, opts.allow, opts.max_gpus?).ok()?;
    let mut ev = Evaluator::new(spec, resolved, &space, config);
    let found = super::search::search(&mut ev, &space);
    let best = found.feasible.iter().min_by_key(|f| f.layout.gpus())?;
    Some(Help {
        flag: flag.to_string(),
        gpus: best.layout.gpus(),
        changes: super::changes::changes(spec, resolved, &space, &best.layout),
    })
}

/// Layouts short only on concurrency become feasible at their own replica
/// count past the bound: the smallest such layout that is feasible there.
fn more_gpus(
    spec: &Spec,
    resolved: &Resolved,
    config: &RulesConfig,
    opts: &FitOptions,
    max_gpus: u64,
    searched: &Searched,
) -> Option<Help> {
    let space = space::build(spec, resolved, &opts.gpus, opts.allow, max_gpus).ok()?;
    let mut ev = Evaluator::new(spec, resolved, &space, config);
    let mut tries: Vec<Layout> = searched
        .dead
        .iter()
        .filter(|d| d.broke == Broke::Concurrency)
        .filter_map(|d| {
            d.replicas_needed.map(|replicas| Layout {
                instance: d.instance,
                replicas,
            })
        })
        .filter(|l| l.gpus() <= space::MAX_GPUS_LIMIT)
        .collect();
    tries.sort_by_key(|l| (l.gpus(), *l));
    // The first few by GPU count: a rule may still fail at that count.
    for l in tries.into_iter().take(64) {
        if ev.evaluate(&l).feasible() {
            return Some(Help {
                flag: format!("--max-gpus {}", l.gpus()),
                gpus: l.gpus(),
                changes: super::changes::changes(spec, resolved, &space, &l),
            });
        }
    }
    None
}
