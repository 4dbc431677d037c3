//! `memmath fit` against brute force: on small spaces (a few GPU types, a
//! low `--max-gpus`), every candidate is evaluated with no pruning, and the
//! search must find, for every instance layout, the same smallest feasible
//! replica count, and a best candidate no brute-force candidate beats. Every
//! listed candidate, written into the spec's own text, must pass `check`
//! (the full pipeline: parse, schema, plan, rules, suppressions) with no
//! error.

mod common;

use common::Disk;
use memmath::fit::{self, search, space, Allow, Evaluator, FitOptions, GpuChoice, Objective};
use memmath::pipeline::{analyze, Analysis, AnalyzeOptions};
use memmath::rules::RulesConfig;
use memmath::source::SourceFile;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn specs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("specs")
}

fn analyze_text(name: &str, text: &str) -> Analysis {
    let rules = RulesConfig::default();
    let opts = AnalyzeOptions {
        files: &Disk::new(),
        spec_dir: specs_dir(),
        rules: &rules,
        inline_ignores: true,
    };
    analyze(SourceFile::new(name, text), &opts)
}

fn load(name: &str) -> Analysis {
    let text = std::fs::read_to_string(specs_dir().join(name)).unwrap();
    let a = analyze_text(name, &text);
    assert!(a.plan.is_some(), "{name} plans");
    a
}

/// The ranking key of docs/fit.md: objective, then more spare, then fewer
/// changed fields.
fn key(
    gpus: u64,
    cost: Option<f64>,
    spare: f64,
    changes: usize,
    objective: Objective,
) -> (i64, u64, i64, usize) {
    let primary = match objective {
        Objective::Gpus => 0,
        Objective::Cost => (cost.unwrap_or(f64::MAX) * 1e6).round() as i64,
    };
    (primary, gpus, -((spare * 1e12).round() as i64), changes)
}

/// Search and brute force agree on one spec and options.
fn agree(name: &str, opts: &FitOptions) {
    let a = load(name);
    let (spec, resolved) = (a.spec.as_ref().unwrap(), a.resolved.as_ref().unwrap());
    let rules = RulesConfig::default();
    let max_gpus = opts.max_gpus.unwrap();
    let sp = space::build(spec, resolved, &opts.gpus, opts.allow, max_gpus).unwrap();

    let mut ev = Evaluator::new(spec, resolved, &sp, &rules);
    let all = search::brute_force(&mut ev, &sp);
    assert_eq!(
        all.len() as u64,
        sp.size(&sp.instance_layouts()),
        "{name}: space size"
    );
    let mut ev = Evaluator::new(spec, resolved, &sp, &rules);
    let found = search::search(&mut ev, &sp);
    assert!(found.evaluated <= all.len() as u64);

    // Per instance layout: the smallest feasible replica count.
    let mut smallest: BTreeMap<_, u64> = BTreeMap::new();
    for (l, o) in &all {
        if o.feasible() {
            let e = smallest.entry(l.instance).or_insert(l.replicas);
            *e = (*e).min(l.replicas);
        }
    }
    let searched: BTreeMap<_, u64> = found
        .feasible
        .iter()
        .map(|f| (f.layout.instance, f.layout.replicas))
        .collect();
    assert_eq!(searched, smallest, "{name}: smallest replicas per layout");

    // The best candidate is optimal over every feasible candidate.
    let result = fit::fit(spec, resolved, &rules, opts).unwrap();
    let price = |l: &fit::Layout| {
        opts.prices
            .as_ref()
            .and_then(|p| p.per_gpu_hour(&sp.gpus[l.instance.gpu].info.id))
            .map(|p| p * l.gpus() as f64)
    };
    let brute_best = all
        .iter()
        .filter(|(_, o)| o.feasible())
        .map(|(l, o)| {
            let n = fit::changes::changes(spec, resolved, &sp, l).len();
            key(l.gpus(), price(l), o.spare_fraction, n, opts.objective)
        })
        .min();
    match (result.best(), brute_best) {
        (Some(b), Some(k)) => {
            let bk = key(
                b.gpus,
                b.cost_per_hour,
                b.spare_fraction,
                b.changes.len(),
                opts.objective,
            );
            assert_eq!(bk, k, "{name}: best candidate vs brute force");
        }
        (None, None) => assert!(!result.feasible),
        (b, k) => panic!("{name}: search best {b:?}, brute force {k:?}"),
    }
    // Ranked in order, and `searched` is the space.
    assert_eq!(result.searched, all.len() as u64);
    for w in result.candidates.windows(2) {
        let k0 = key(
            w[0].gpus,
            w[0].cost_per_hour,
            w[0].spare_fraction,
            w[0].changes.len(),
            opts.objective,
        );
        let k1 = key(
            w[1].gpus,
            w[1].cost_per_hour,
            w[1].spare_fraction,
            w[1].changes.len(),
            opts.objective,
        );
        assert!(k0 <= k1, "{name}: ranking order {k0:?} > {k1:?}");
    }
}

fn small(gpus: &[&str], max_gpus: u64, allow: Allow) -> FitOptions {
    FitOptions {
        gpus: if gpus.is_empty() {
            GpuChoice::Spec
        } else {
            GpuChoice::List(gpus.iter().map(|s| s.to_string()).collect())
        },
        max_gpus: Some(max_gpus),
        objective: Objective::Gpus,
        prices: None,
        allow,
    }
}

const EVERYTHING: Allow = Allow {
    kv_fp8: true,
    quantize: true,
    max_model_len: true,
};

#[test]
fn search_matches_brute_force_on_dense_specs() {
    agree("llama-3.1-8b-h100.yaml", &small(&[], 8, Allow::default()));
    agree(
        "llama-3.1-70b-fp8-4xh100.yaml",
        &small(
            &["h100-sxm-80gb", "a100-sxm-40gb", "l4-24gb"],
            8,
            Allow::default(),
        ),
    );
    agree(
        "llama-3.1-70b-fp8-4xh100.yaml",
        &small(&["a100-sxm-80gb", "l40s-48gb"], 6, EVERYTHING),
    );
    agree(
        "gemma-3-27b-2xh100.yaml",
        &small(&["h100-sxm-80gb", "rtx-4090-24gb"], 6, EVERYTHING),
    );
    agree("qwen2.5-32b-awq-a100.yaml", &small(&[], 8, EVERYTHING));
    agree(
        "llama-3.1-8b-awq-l4.yaml",
        &small(&["l4-24gb", "t4-16gb", "v100-16gb"], 6, EVERYTHING),
    );
}

#[test]
fn search_matches_brute_force_on_moe_and_training_specs() {
    agree("mixtral-8x7b-2xh100.yaml", &small(&[], 8, Allow::default()));
    agree(
        "deepseek-v3-8xh200.yaml",
        &small(&["h200-141gb", "b200-180gb"], 8, EVERYTHING),
    );
    agree(
        "llama-3.1-8b-full-zero3.yaml",
        &small(&["h100-sxm-80gb", "a100-sxm-40gb"], 8, Allow::default()),
    );
    agree(
        "llama-3.1-8b-lora.yaml",
        &small(&["l4-24gb"], 4, Allow::default()),
    );
}

#[test]
fn search_matches_brute_force_when_ranked_by_cost() {
    let prices = fit::prices::parse(
        "h100-sxm-80gb = 2.49\na100-sxm-80gb = 1.60\nl40s-48gb = 0.95\nl4-24gb = 0.45\n",
    )
    .unwrap();
    let mut opts = small(
        &["h100-sxm-80gb", "a100-sxm-80gb", "l40s-48gb", "l4-24gb"],
        8,
        EVERYTHING,
    );
    opts.objective = Objective::Cost;
    opts.prices = Some(prices);
    agree("llama-3.1-70b-fp8-4xh100.yaml", &opts);
    agree("llama-3.1-8b-h100.yaml", &opts);
}

/// A spec whose traffic needs more than one replica of anything: the
/// concurrency skip (replicas_needed) is exercised, and brute force agrees.
#[test]
fn search_matches_brute_force_when_replicas_carry_the_traffic() {
    let a = load("llama-3.1-8b-h100.yaml");
    let text = a.source.text.replace("concurrency: 48", "concurrency: 700");
    assert_ne!(text, a.source.text, "the fixture edit applies");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("heavy.yaml"), &text).unwrap();
    let heavy = analyze_text("heavy.yaml", &text);
    let (spec, resolved) = (
        heavy.spec.as_ref().unwrap(),
        heavy.resolved.as_ref().unwrap(),
    );
    let rules = RulesConfig::default();
    let opts = small(&["h100-sxm-80gb", "l40s-48gb"], 16, EVERYTHING);
    let sp = space::build(spec, resolved, &opts.gpus, opts.allow, 16).unwrap();
    let mut ev = Evaluator::new(spec, resolved, &sp, &rules);
    let found = search::search(&mut ev, &sp);
    assert!(
        found.feasible.iter().any(|f| f.layout.replicas > 2),
        "some layout needs several replicas"
    );
    assert!(
        found.evaluated < sp.size(&sp.instance_layouts()),
        "pruning skipped candidates"
    );
    let mut ev = Evaluator::new(spec, resolved, &sp, &rules);
    let all = search::brute_force(&mut ev, &sp);
    let best_brute = all
        .iter()
        .filter(|(_, o)| o.feasible())
        .map(|(l, _)| l.gpus())
        .min();
    let result = fit::fit(spec, resolved, &rules, &opts).unwrap();
    assert_eq!(result.best().map(|b| b.gpus), best_brute);
}

/// Write a candidate into the spec text and check it like `memmath check`.
fn passes_check(
    a: &Analysis,
    changes: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), String> {
    let doc = a.doc.as_ref().unwrap();
    let text = fit::patch::apply_changes(&a.source, doc, changes)?;
    let checked = analyze_text(&a.source.name, &text);
    let errors: Vec<String> = checked
        .findings
        .iter()
        .filter(|f| f.severity == memmath::diagnostics::Severity::Error)
        .map(|f| format!("{} {} {}", f.code, f.pointer, f.message))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{errors:#?}\n--- spec ---\n{text}"))
    }
}

#[test]
fn every_listed_candidate_passes_check_when_written_out() {
    let rules = RulesConfig::default();
    for name in &common::example_specs() {
        let a = load(name);
        let (spec, resolved) = (a.spec.as_ref().unwrap(), a.resolved.as_ref().unwrap());
        for opts in [
            FitOptions::default(),
            small(
                &["h100-sxm-80gb", "a100-sxm-40gb", "l40s-48gb", "h200-141gb"],
                16,
                EVERYTHING,
            ),
        ] {
            let result = fit::fit(spec, resolved, &rules, &opts).unwrap();
            assert!(result.feasible, "{name}: a feasible layout");
            // The example specs are layouts built from public deployment
            // guides and model cards (each names its source): judged like
            // any candidate, each is feasible, and the best layout uses no
            // more GPUs.
            assert!(result.spec.feasible, "{name}: {:?}", result.spec);
            if opts.gpus == GpuChoice::Spec {
                let best = result.best().unwrap();
                assert!(best.gpus <= result.spec.gpus, "{name}");
                assert_eq!(
                    result.spec.best_is_cheaper,
                    best.gpus < result.spec.gpus,
                    "{name}"
                );
            }
            // The first 10 (what `fit` lists by default) and every 7th after.
            for c in result
                .candidates
                .iter()
                .enumerate()
                .filter(|(i, _)| *i < 10 || i % 7 == 0)
                .map(|(_, c)| c)
            {
                if let Err(e) = passes_check(&a, &c.changes) {
                    panic!(
                        "{name}: candidate #{} {:?} fails check: {e}",
                        c.rank, c.changes
                    );
                }
            }
        }
    }
}

#[test]
fn a_spec_that_fits_nowhere_explains_why_and_what_helps() {
    // 70B in bf16 on 24 GB cards within 4 GPUs: the weights leave no room.
    let a = load("llama-3.1-70b-fp8-4xh100.yaml");
    let text = a
        .source
        .text
        .replace(
            "    dtype: fp8\n    quantization: fp8\n",
            "    dtype: bf16\n    quantization: none\n",
        )
        .replace("gpu: h100-sxm-80gb", "gpu: l4-24gb");
    let bad = analyze_text("bad.yaml", &text);
    let (spec, resolved) = (bad.spec.as_ref().unwrap(), bad.resolved.as_ref().unwrap());
    let rules = RulesConfig::default();
    let opts = small(&[], 4, Allow::default());
    let result = fit::fit(spec, resolved, &rules, &opts).unwrap();
    assert!(!result.feasible);
    let e = result.infeasible.as_ref().unwrap();
    assert_eq!(e.every.as_deref(), Some("weights"), "{e:?}");
    assert!(!e.helps.is_empty(), "{e:?}");
    // Every suggested change finds a layout that passes check.
    for h in &e.helps {
        passes_check(&bad, &h.changes).unwrap();
    }
    let smallest = &e.helps[0];
    assert!(e.helps.iter().all(|h| h.gpus >= smallest.gpus));
}
