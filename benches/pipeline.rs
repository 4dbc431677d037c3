//! `cargo bench`: time each stage of the pipeline (parse, validate, typed spec,
//! resolve + plan, rules, diagnostics, Markdown/HTML render) and the whole
//! `analyze`, on the example specs. std only (no criterion/divan: CI compiles
//! benches under `cargo clippy --all-targets` and build time matters).
//!
//! Each stage runs a warm-up, then `ITERS` timed iterations; the median, p95
//! and minimum per iteration are printed. docs/performance.md has the figures.
//! `cargo bench -- NAME` runs only the specs whose file name contains NAME.
#![allow(clippy::print_stdout)]

use memmath::catalog::{self, MemoryFiles};
use memmath::diagnostics::{self, FileFindings, RenderOptions};
use memmath::pipeline::{analyze, AnalyzeOptions};
use memmath::plan;
use memmath::report::{self, Format};
use memmath::rules::{self, RuleContext, RulesConfig};
use memmath::schema;
use memmath::source::SourceFile;
use memmath::spec;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const WARMUP: usize = 20;
const ITERS: usize = 300;

/// The example specs benchmarked: a dense serving spec, a long MoE/MLA one, a
/// config.json import and a training spec.
const SPECS: &[&str] = &[
    "llama-3.1-8b-h100.yaml",
    "deepseek-v3-8xh200.yaml",
    "llama-3.1-8b-hf-config.yaml",
    "llama-3.1-8b-full-zero3.yaml",
];

fn time<T>(label: &str, mut f: impl FnMut() -> T) {
    for _ in 0..WARMUP {
        black_box(f());
    }
    let mut samples: Vec<Duration> = (0..ITERS)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .collect();
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!(
        "  {label:<22} median {:>9.1} us   p95 {:>9.1} us   min {:>9.1} us",
        micros(at(0.5)),
        micros(at(0.95)),
        micros(samples[0])
    );
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// The example folder as an in-memory file system (config.json imports).
fn example_files(root: &Path) -> MemoryFiles {
    let mut files = MemoryFiles::new();
    let config = root.join("configs/llama-3.1-8b/config.json");
    if let Ok(bytes) = std::fs::read(&config) {
        files.insert(config, bytes);
    }
    files
}

fn bench_spec(root: &Path, files: &MemoryFiles, name: &str) -> Result<(), String> {
    let path = root.join(name);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let source = SourceFile::new(name, text);
    let rules_cfg = RulesConfig::default();
    let opts = AnalyzeOptions {
        files,
        spec_dir: root.to_path_buf(),
        rules: &rules_cfg,
        inline_ignores: true,
    };
    let doc = spec::parse(&source).map_err(|f| format!("{name}: {f:?}"))?;
    let typed = spec::to_typed(&doc).map_err(|f| format!("{name}: {f:?}"))?;
    let (resolved, _) = catalog::resolve(&typed, root, files);
    let resolved = resolved.ok_or_else(|| format!("{name}: does not resolve"))?;
    let planned = plan::compute(&typed, &resolved).map_err(|f| format!("{name}: {f:?}"))?;
    let analysis = analyze(source.clone(), &opts);
    let set = report::build_set(&[&analysis], "bench");

    println!(
        "{name} ({} bytes, {} findings)",
        source.text.len(),
        analysis.findings.len()
    );
    time("parse", || spec::parse(&source));
    time("validate (schema)", || schema::validate(&doc));
    time("typed + semantic", || {
        spec::to_typed(&doc).map(|s| spec::semantic_checks(&s))
    });
    time("resolve + plan", || {
        let (r, _) = catalog::resolve(&typed, root, files);
        r.map(|r| plan::compute(&typed, &r))
    });
    time("rules", || {
        let derived = plan::derive(&planned, Some(typed.parallelism.tensor));
        let ctx = RuleContext {
            spec: &typed,
            resolved: &resolved,
            plan: &planned,
            derived: &derived,
            config: &rules_cfg,
        };
        rules::run_all(&ctx, &rules_cfg)
    });
    time("analyze (end to end)", || analyze(source.clone(), &opts));
    time("diagnostics full", || {
        let ff = FileFindings::new(analysis.source.clone(), &analysis.findings);
        diagnostics::render(diagnostics::Format::Full, &[ff], &RenderOptions::default())
    });
    time("report model", || report::build_set(&[&analysis], "bench"));
    time("render markdown", || {
        report::render(&set, Format::Markdown, None)
    });
    time("render html", || report::render(&set, Format::Html, None));
    time("plan json", || report::plan_json(&analysis).to_string());
    Ok(())
}

fn main() {
    // `cargo bench` passes `--bench`; anything else is a name filter.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs");
    let files = example_files(&root);
    println!("memmath pipeline benchmark: {WARMUP} warm-up + {ITERS} timed iterations per stage");
    let mut failed = false;
    for name in SPECS {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        if let Err(e) = bench_spec(&root, &files, name) {
            println!("  skipped: {e}");
            failed = true;
        }
    }
    if failed {
        std::process::exit(1);
    }
}
