//! `memmath check`: lint specs and print findings (design.md section 3).
//!
//! Exit status: 0 when nothing reaches `--fail-on`, 1 when a finding does (an
//! unparsable or schema-invalid spec is a finding), 2 when the tool failed (bad
//! flags, a missing path, an unreadable file, a bad memmath.toml).

use super::args::{CheckArgs, FailOn};
use super::config::ConfigCache;
use super::files::RealFiles;
use super::load::{load_spec, spec_dir, Loaded};
use super::walk::collect_specs;
use super::ExitStatus;
use memmath::diagnostics::{self, FileFindings, RenderOptions, Severity};
use memmath::pipeline::{analyze_with_hardware, AnalyzeOptions};
use memmath::rules::RulesConfig;
use std::path::Path;

pub fn run(args: CheckArgs) -> Result<ExitStatus, String> {
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
    let snapshot = super::verify::hardware_snapshot(args.hardware, args.probe_snapshot.as_deref())?;
    let mut configs = ConfigCache::new(args.config.as_deref(), &args.select, &args.ignore)?;
    let mut files = Vec::with_capacity(specs.len());
    for path in &specs {
        let rules = configs.for_spec(path)?;
        files.push(check_one(
            path,
            &rules,
            !args.no_inline_ignores,
            snapshot.as_ref(),
        )?);
    }

    let opts = RenderOptions {
        color: super::output::use_color(),
        ..RenderOptions::default()
    };
    let out = if args.statistics {
        diagnostics::statistics(&files, format == diagnostics::Format::Json)
    } else {
        diagnostics::render(format, &files, &opts)
    };
    super::output::stdout(&out)?;

    Ok(exit_status(&files, args.fail_on, args.exit_zero))
}

/// 1 when a finding reaches `fail_on` (unless `--exit-zero`), else 0.
fn exit_status(files: &[FileFindings], fail_on: FailOn, exit_zero: bool) -> ExitStatus {
    let threshold = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    let failed = files
        .iter()
        .flat_map(|f| &f.findings)
        .any(|f| f.severity >= threshold);
    if failed && !exit_zero {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    }
}

/// Read and analyze one spec. Too large or not UTF-8 are findings; a file that
/// cannot be read at all is a tool failure.
fn check_one(
    path: &Path,
    rules: &RulesConfig,
    inline_ignores: bool,
    snapshot: Option<&memmath::hardware::Snapshot>,
) -> Result<FileFindings, String> {
    let source = match load_spec(path)? {
        Loaded::Text(source) => source,
        Loaded::Rejected(source, finding) => return Ok(FileFindings::new(source, &[finding])),
    };
    let opts = AnalyzeOptions {
        files: &RealFiles,
        spec_dir: spec_dir(path),
        rules,
        inline_ignores,
    };
    let a = analyze_with_hardware(source, &opts, snapshot);
    Ok(FileFindings::new(a.source, &a.findings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use memmath::diagnostics::Finding;
    use memmath::source::SourceFile;

    fn with(severity: Severity) -> Vec<FileFindings> {
        let f = Finding::new("TST001", "test", severity, "", "m");
        vec![FileFindings::new(SourceFile::new("a.yaml", "a: 1\n"), &[f])]
    }

    #[test]
    fn fail_on_thresholds() {
        use ExitStatus::{Findings, Success};
        let cases = [
            (Severity::Info, FailOn::Error, Success),
            (Severity::Info, FailOn::Warning, Success),
            (Severity::Info, FailOn::Info, Findings),
            (Severity::Warning, FailOn::Error, Success),
            (Severity::Warning, FailOn::Warning, Findings),
            (Severity::Error, FailOn::Error, Findings),
            (Severity::Error, FailOn::Info, Findings),
        ];
        for (sev, fail_on, want) in cases {
            assert_eq!(
                exit_status(&with(sev), fail_on, false),
                want,
                "{sev:?} {fail_on:?}"
            );
        }
        assert_eq!(
            exit_status(&with(Severity::Error), FailOn::Error, true),
            Success
        );
        assert_eq!(exit_status(&[], FailOn::Info, false), Success);
    }
}
