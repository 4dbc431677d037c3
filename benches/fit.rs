//! `cargo bench --bench fit`: how fast `memmath fit` searches.
//!
//! 1. Candidates per second on one core: every candidate of a space (no
//!    pruning: `search::brute_force`) through `plan::compute` and the rules,
//!    for a dense, an MoE/MLA and a training spec over every catalogue GPU
//!    (target: at least 100,000 per second).
//! 2. `fit` of every example spec over every catalogue GPU (`--gpus all`,
//!    default `--max-gpus`), end to end in process (target: under 1 s each).
//!
//! std only, like benches/pipeline.rs. docs/performance.md has the figures.
//! `cargo bench --bench fit -- NAME` runs only the specs whose name contains NAME.
#![allow(clippy::print_stdout)]

use memmath::catalog::{self, MemoryFiles};
use memmath::fit::{self, search, space, Evaluator, FitOptions, GpuChoice};
use memmath::rules::RulesConfig;
use memmath::source::SourceFile;
use memmath::spec;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Every example spec (specs/*.yaml), in name order.
fn example_specs(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".yaml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Specs whose every candidate is timed (part 1).
const THROUGHPUT: &[&str] = &[
    "llama-3.1-70b-fp8-4xh100.yaml",
    "deepseek-v3-8xh200.yaml",
    "llama-3.1-8b-full-zero3.yaml",
];

/// `--max-gpus` of the throughput runs: every candidate up to 16 GPUs.
const THROUGHPUT_MAX_GPUS: u64 = 16;

fn example_files(root: &Path) -> MemoryFiles {
    let mut files = MemoryFiles::new();
    let config = root.join("configs/llama-3.1-8b/config.json");
    if let Ok(bytes) = std::fs::read(&config) {
        files.insert(config, bytes);
    }
    files
}

fn load(
    root: &Path,
    files: &MemoryFiles,
    name: &str,
) -> Result<(spec::Spec, catalog::Resolved), String> {
    let text = std::fs::read_to_string(root.join(name)).map_err(|e| format!("{name}: {e}"))?;
    let source = SourceFile::new(name, text);
    let doc = spec::parse(&source).map_err(|f| format!("{name}: {f:?}"))?;
    let typed = spec::to_typed(&doc).map_err(|f| format!("{name}: {f:?}"))?;
    let (resolved, _) = catalog::resolve(&typed, root, files);
    let resolved = resolved.ok_or_else(|| format!("{name}: does not resolve"))?;
    Ok((typed, resolved))
}

/// CPU time this thread has run, in seconds (Linux `/proc/thread-self/schedstat`,
/// first field: ns on a CPU). The machine is shared: CPU time counts the work
/// done on one core, where wall time also counts waiting for one. None
/// elsewhere: wall time is used then.
fn cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 / 1e9)
}

/// Time `f`: (CPU seconds, or wall seconds where CPU time is unknown; wall seconds).
fn timed<T>(f: impl FnOnce() -> T) -> (f64, f64, T) {
    let cpu0 = cpu_seconds();
    let start = Instant::now();
    let out = f();
    let wall = start.elapsed().as_secs_f64();
    let cpu = match (cpu0, cpu_seconds()) {
        (Some(a), Some(b)) => b - a,
        _ => wall,
    };
    (cpu, wall, out)
}

fn throughput(root: &Path, files: &MemoryFiles, name: &str) -> Result<(), String> {
    let (spec, resolved) = load(root, files, name)?;
    let rules = RulesConfig::default();
    let sp = space::build(
        &spec,
        &resolved,
        &GpuChoice::All,
        fit::Allow::default(),
        THROUGHPUT_MAX_GPUS,
    )?;
    let (mut best, mut best_wall) = (f64::MAX, f64::MAX);
    let mut n = 0;
    let mut feasible = 0;
    // Best of 3 runs: the machine is shared.
    for _ in 0..3 {
        let mut ev = Evaluator::new(&spec, &resolved, &sp, &rules);
        let (cpu, wall, all) = timed(|| black_box(search::brute_force(&mut ev, &sp)));
        best = best.min(cpu);
        best_wall = best_wall.min(wall);
        n = all.len();
        feasible = all.iter().filter(|(_, o)| o.feasible()).count();
    }
    println!(
        "  {name:<32} {n:>7} candidates ({feasible:>5} feasible) in {:>7.1} ms CPU ({:>7.1} ms wall): {:>9.0} candidates/s",
        best * 1e3,
        best_wall * 1e3,
        n as f64 / best
    );
    Ok(())
}

fn fit_all_gpus(root: &Path, files: &MemoryFiles, name: &str) -> Result<(), String> {
    let (spec, resolved) = load(root, files, name)?;
    let rules = RulesConfig::default();
    let opts = FitOptions {
        gpus: GpuChoice::All,
        ..FitOptions::default()
    };
    let (mut best, mut best_wall) = (f64::MAX, f64::MAX);
    let mut result = None;
    for _ in 0..3 {
        let (cpu, wall, r) = timed(|| black_box(fit::fit(&spec, &resolved, &rules, &opts)));
        best = best.min(cpu);
        best_wall = best_wall.min(wall);
        result = Some(r?);
    }
    let r = result.ok_or("no run")?;
    println!(
        "  {name:<32} {:>7} candidates, {:>6} evaluated, {:>5} feasible: {:>7.1} ms CPU ({:>7.1} ms wall)",
        r.searched,
        r.evaluated,
        r.candidates.len(),
        best * 1e3,
        best_wall * 1e3
    );
    Ok(())
}

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs");
    let files = example_files(&root);
    let mut failed = false;
    println!("fit: every candidate up to {THROUGHPUT_MAX_GPUS} GPUs over every catalogue GPU, no pruning (one core, best of 3)");
    for name in THROUGHPUT.iter().filter(|n| wanted(n)) {
        if let Err(e) = throughput(&root, &files, name) {
            println!("  skipped: {e}");
            failed = true;
        }
    }
    println!("fit --gpus all (default --max-gpus), search + rank + explain (best of 3)");
    for name in example_specs(&root).iter().filter(|n| wanted(n)) {
        if let Err(e) = fit_all_gpus(&root, &files, name) {
            println!("  skipped: {e}");
            failed = true;
        }
    }
    if failed {
        std::process::exit(1);
    }
}
