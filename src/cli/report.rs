//! `memmath report`: the capacity report of one or more specs, as Markdown, HTML
//! or the JSON plan. Exit 0 once written (findings are content here) unless
//! `--fail-on` is given; 2 for unreadable input or a template error.

use super::analyze::{analyze_file, default_fit, Analyze};
use super::args::{ReportArgs, ReportFormat};
use super::config::ConfigCache;
use super::exit::findings_status;
use super::files::read_text;
use super::output::write_output;
use super::probe::hardware_snapshot;
use super::walk::collect_specs;
use super::ExitStatus;
use memmath::fit::FitResult;
use memmath::pipeline::Analysis;
use memmath::report::{alternatives, build_set, render, Format};
use std::path::Path;

pub fn run(args: ReportArgs) -> Result<ExitStatus, String> {
    let files = collect_specs(&args.paths)?;
    if files.is_empty() {
        eprintln!("memmath: warning: no memmath specs found (looked for *.yaml/*.yml with `apiVersion: memmath/...`)");
        return Ok(ExitStatus::Success);
    }
    // Probed before any analysis: without NVML this fails (exit 2), never skips.
    let snapshot = hardware_snapshot(args.hardware, args.probe_snapshot.as_deref())?;
    let mut configs = ConfigCache::new(None, &[], &[])?;
    if args.alternatives == Some(0) {
        return Err("--alternatives must be at least 1".to_string());
    }
    let mut analyses = Vec::with_capacity(files.len());
    let mut fits = Vec::with_capacity(files.len());
    for path in &files {
        let rules = configs.for_spec(path)?;
        let how = Analyze {
            rules: &rules,
            inline_ignores: true,
            snapshot: snapshot.as_ref(),
        };
        let analysis = analyze_file(path, &how)?;
        fits.push(match args.alternatives {
            Some(_) => default_fit(&analysis, &rules)?,
            None => None,
        });
        analyses.push(analysis);
    }
    let k = args.alternatives.unwrap_or(0);
    // Each analysis carries its live section (`Analysis.live`, None for a
    // spec that could not be resolved); the HW findings themselves came
    // through the suppression pass above.
    let dir = args.template_dir.as_deref();
    let out = match args.format {
        ReportFormat::Json => json(&analyses, snapshot.is_some(), &fits, k)?,
        ReportFormat::Md => rendered(&analyses, Format::Markdown, dir, &fits, k)?,
        ReportFormat::Html => rendered(&analyses, Format::Html, dir, &fits, k)?,
    };
    write_output(args.output.as_deref(), &out)?;
    Ok(findings_status(
        args.fail_on,
        false,
        analyses
            .iter()
            .flat_map(|a| a.findings.iter().map(|f| f.severity)),
    ))
}

/// The JSON plan of each spec, with its live section under `hardware` (null
/// for a spec that could not be resolved) when `--hardware` is given.
fn json(
    analyses: &[Analysis],
    hardware: bool,
    fits: &[Option<FitResult>],
    k: usize,
) -> Result<String, String> {
    let mut values = Vec::with_capacity(analyses.len());
    for (a, fit) in analyses.iter().zip(fits) {
        let mut v = memmath::report::plan_json(a);
        if let (Some(fit), serde_json::Value::Object(map)) = (fit, &mut v) {
            // The `fit --format json` contract, top K candidates.
            let mut section = serde_json::to_value(fit).map_err(|e| e.to_string())?;
            if let Some(serde_json::Value::Array(c)) = section.get_mut("candidates") {
                c.truncate(k);
            }
            map.insert("alternatives".into(), section);
        }
        if let (true, serde_json::Value::Object(map)) = (hardware, &mut v) {
            let section = serde_json::to_value(&a.live).map_err(|e| e.to_string())?;
            map.insert("hardware".into(), section);
        }
        values.push(v);
    }
    let v = if values.len() == 1 {
        values.remove(0)
    } else {
        serde_json::Value::Array(values)
    };
    let mut s = serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?;
    s.push('\n');
    Ok(s)
}

/// A report template is a few KiB; 16 MiB is far past any real one.
const TEMPLATE_LIMIT: u64 = 16 << 20;

fn rendered(
    analyses: &[Analysis],
    format: Format,
    dir: Option<&Path>,
    fits: &[Option<FitResult>],
    k: usize,
) -> Result<String, String> {
    let template = match dir {
        Some(d) => {
            let path = d.join(format.template_name());
            Some(read_text(&path, TEMPLATE_LIMIT)?)
        }
        None => None,
    };
    let refs: Vec<&Analysis> = analyses.iter().collect();
    let mut set = build_set(&refs, env!("CARGO_PKG_VERSION"));
    for (model, fit) in set.reports.iter_mut().zip(fits) {
        model.alternatives = fit.as_ref().map(|f| alternatives::view(f, k));
    }
    render(&set, format, template.as_deref()).map_err(|e| e.to_string())
}
