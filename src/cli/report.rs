//! `memmath report`: the capacity report of one or more specs, as Markdown, HTML
//! or the JSON plan. Exit 0 once written (findings are content here) unless
//! `--fail-on` is given; 2 for unreadable input or a template error.

use super::analyze::{analyze_file, Analyze};
use super::args::{ReportArgs, ReportFormat};
use super::config::ConfigCache;
use super::exit::findings_status;
use super::files::read_text;
use super::output::write_output;
use super::probe::hardware_snapshot;
use super::walk::collect_specs;
use super::ExitStatus;
use memmath::hardware::LiveSection;
use memmath::pipeline::Analysis;
use memmath::report::{build_set_with_live, render, Format};
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
    let mut analyses = Vec::with_capacity(files.len());
    for path in &files {
        let rules = configs.for_spec(path)?;
        let how = Analyze {
            rules: &rules,
            inline_ignores: true,
            snapshot: snapshot.as_ref(),
        };
        analyses.push(analyze_file(path, &how)?);
    }
    // Each spec's live section (None for a spec that could not be resolved);
    // the HW findings themselves came through the suppression pass above.
    let live: Option<Vec<Option<LiveSection>>> = snapshot
        .as_ref()
        .map(|_| analyses.iter().map(|a| a.live.clone()).collect());
    let live = live.as_deref().unwrap_or_default();
    let dir = args.template_dir.as_deref();
    let out = match args.format {
        ReportFormat::Json => json(&analyses, live)?,
        ReportFormat::Md => rendered(&analyses, live, Format::Markdown, dir)?,
        ReportFormat::Html => rendered(&analyses, live, Format::Html, dir)?,
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

/// The JSON plan of each spec, with its live section under `hardware` when
/// `--hardware` is given.
fn json(analyses: &[Analysis], live: &[Option<LiveSection>]) -> Result<String, String> {
    let mut values: Vec<_> = analyses.iter().map(memmath::report::plan_json).collect();
    if !live.is_empty() {
        for (v, s) in values.iter_mut().zip(live) {
            if let serde_json::Value::Object(map) = v {
                let section = serde_json::to_value(s).map_err(|e| e.to_string())?;
                map.insert("hardware".into(), section);
            }
        }
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
    live: &[Option<LiveSection>],
    format: Format,
    dir: Option<&Path>,
) -> Result<String, String> {
    let template = match dir {
        Some(d) => {
            let path = d.join(format.template_name());
            Some(read_text(&path, TEMPLATE_LIMIT)?)
        }
        None => None,
    };
    let refs: Vec<&Analysis> = analyses.iter().collect();
    let set = build_set_with_live(&refs, live, env!("CARGO_PKG_VERSION"));
    render(&set, format, template.as_deref()).map_err(|e| e.to_string())
}
