//! `memmath check`: lint specs and print findings (design.md section 3).
//!
//! Exit status: 0 when nothing reaches `--fail-on`, 1 when a finding does (an
//! unparsable or schema-invalid spec is a finding), 2 when the tool failed (bad
//! flags, a missing path, an unreadable file, a bad memmath.toml).

use super::analyze::analyze_all;
use super::args::CheckArgs;
use super::config::ConfigCache;
use super::exit::findings_status;
use super::probe::hardware_snapshot;
use super::walk::collect_specs;
use super::ExitStatus;
use memmath::diagnostics::{self, FileFindings, RenderOptions};

pub fn run(args: CheckArgs) -> Result<ExitStatus, String> {
    // Bad selectors are a configuration error (exit 2) before anything runs.
    let mut configs = ConfigCache::new(args.config.as_deref(), &args.select, &args.ignore)?;
    let specs = collect_specs(&args.paths)?;
    let format: diagnostics::Format = args.output_format.into();
    let text_format = matches!(
        format,
        diagnostics::Format::Full | diagnostics::Format::Concise | diagnostics::Format::Markdown
    );
    if specs.is_empty() {
        eprintln!("memmath: warning: no memmath specs found (looked for *.yaml/*.yml with `apiVersion: memmath/...`)");
        if !text_format {
            super::output::stdout(&diagnostics::render(format, &[], &RenderOptions::default()))?;
        }
        return Ok(ExitStatus::Success);
    }

    // Probed once for all specs; without NVML this fails (exit 2), never skips.
    let snapshot = hardware_snapshot(args.hardware, args.probe_snapshot.as_deref())?;
    // Only what the output needs is kept of each analysis, so 10,000 specs
    // hold 10,000 sources and their findings, not 10,000 plans.
    let files: Vec<FileFindings> = analyze_all(
        &specs,
        &mut configs,
        !args.no_inline_ignores,
        snapshot.as_ref(),
        |a| {
            let deployment = a.deployment.as_ref().map(|d| d.source.clone());
            FileFindings::split(a.source, deployment.as_ref(), &a.findings)
        },
    )?
    .into_iter()
    .flatten()
    .collect();

    let opts = RenderOptions {
        color: super::output::use_color(),
        // SARIF URIs are relative to the working directory.
        base_dir: std::env::current_dir().ok(),
        ..RenderOptions::default()
    };
    let out = if args.statistics {
        diagnostics::statistics(&files, format == diagnostics::Format::Json)
    } else {
        diagnostics::render(format, &files, &opts)
    };
    super::output::stdout(&out)?;

    Ok(findings_status(
        Some(args.fail_on),
        args.exit_zero,
        files
            .iter()
            .flat_map(|f| f.findings.iter().map(|f| f.severity)),
    ))
}
