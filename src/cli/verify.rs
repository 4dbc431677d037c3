//! `memmath verify SPEC`: analyze a spec, probe the GPUs (NVML, or a snapshot
//! file with `--probe-snapshot`, see `cli/probe.rs`), print spec and HW
//! findings, and exit like `check` (`--fail-on`, `--exit-zero`).

use super::analyze::{analyze_file, Analyze};
use super::args::{VerifyArgs, VerifyFormat};
use super::config::ConfigCache;
use super::exit::findings_status;
use super::probe::acquire_snapshot;
use super::proctree;
use super::ExitStatus;
use memmath::diagnostics::{self, FileFindings, RenderOptions};
use memmath::hardware::{self, Observation, Snapshot};
use memmath::pipeline::Analysis;
use memmath::report;
use serde_json::json;

pub fn run(args: VerifyArgs) -> Result<ExitStatus, String> {
    // A spec that cannot be read is the first thing to report (exit 2).
    std::fs::metadata(&args.spec).map_err(|e| format!("{}: {e}", args.spec.display()))?;
    // Probe before analysing: without NVML there is nothing to verify, and the
    // failure must not hide behind spec findings.
    let snapshot = acquire_snapshot(args.probe_snapshot.as_deref())?;
    if let Some(out) = &args.save_snapshot {
        std::fs::write(out, snapshot.to_json())
            .map_err(|e| format!("{}: cannot write snapshot: {e}", out.display()))?;
    }
    // The nearest memmath.toml applies, as in `check`.
    let rules = ConfigCache::new(None, &[], &[])?.for_spec(&args.spec)?;
    let how = Analyze {
        rules: &rules,
        inline_ignores: true,
        snapshot: Some(&snapshot),
    };
    let analysis = analyze_file(&args.spec, &how)?;
    // The findings (HW ones included, suppressions applied) and the
    // measured-vs-planned section both come from the pipeline's one live report.
    let findings = &analysis.findings;
    let section = analysis.live.as_ref();
    let observed = observation(&args, &snapshot, &analysis);
    let files = FileFindings::split(
        analysis.source.clone(),
        analysis.deployment_source(),
        findings,
    );
    match args.format {
        VerifyFormat::Json => {
            let out = json!({
                "file": analysis.source.name,
                "findings": files[0].findings,
                "hardware": section,
                "observed": observed,
            });
            let text = serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?;
            super::output::stdout(&format!("{text}\n"))?;
        }
        VerifyFormat::Full => {
            let opts = RenderOptions {
                color: super::output::use_color(),
                ..RenderOptions::default()
            };
            let mut text = diagnostics::render(diagnostics::Format::Full, &files, &opts);
            if let Some(s) = section {
                // The report's live renderer; NVML and snapshot names are untrusted.
                let live = report::live_text(&report::live_view(&analysis, s));
                text.push('\n');
                text.push_str(&diagnostics::terminal_safe(&live, &['\n']));
            }
            if let Some(o) = &observed {
                text.push_str(&render_observation(o));
            }
            super::output::stdout(&text)?;
        }
    }
    Ok(findings_status(
        Some(args.fail_on),
        args.exit_zero,
        files[0].findings.iter().map(|f| f.severity),
    ))
}

/// `--observe`: the pids and, when probing NVML live, their descendants (a
/// snapshot from another machine has no process tree to read).
fn observation(args: &VerifyArgs, snapshot: &Snapshot, analysis: &Analysis) -> Option<Observation> {
    if args.observe.is_empty() {
        return None;
    }
    let pids = if args.probe_snapshot.is_some() {
        args.observe.clone()
    } else {
        proctree::with_descendants(&args.observe)
    };
    match &analysis.plan {
        Some(plan) => Some(hardware::observe(snapshot, &pids, plan)),
        None => {
            eprintln!("memmath: warning: --observe compares with the plan, and this spec could not be planned");
            None
        }
    }
}

fn render_observation(o: &Observation) -> String {
    let pids: Vec<String> = o.pids.iter().map(u32::to_string).collect();
    let mut out = format!("observed pid(s) {}:", pids.join(", "));
    if o.devices.is_empty() {
        out.push_str(" no GPU memory held (NVML lists none of them)\n");
        return out;
    }
    out.push('\n');
    for d in &o.devices {
        out.push_str(&format!(
            "  GPU {} holds {}, the plan predicted {} ({:+.1}%)",
            d.index, d.used_bytes, o.planned_bytes, d.error_percent
        ));
        if !d.unattributed_pids.is_empty() {
            let p: Vec<String> = d.unattributed_pids.iter().map(u32::to_string).collect();
            out.push_str(&format!(
                "; NVML could not attribute memory of pid(s) {}",
                p.join(", ")
            ));
        }
        out.push('\n');
    }
    out
}
