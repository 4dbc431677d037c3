//! `memmath report`: the capacity report of one or more specs, as Markdown, HTML
//! or the JSON plan. Exit 0 once written (findings are content here) unless
//! `--fail-on` is given; 2 for unreadable input or a template error.

use super::args::{FailOn, ReportArgs, ReportFormat};
use super::files::{read_spec, read_text, RealFiles};
use super::ExitStatus;
use memmath::diagnostics::{Finding, Severity};
use memmath::pipeline::{analyze, Analysis, AnalyzeOptions};
use memmath::report::{build_set, render, Format};
use memmath::rules::RulesConfig;
use memmath::source::SourceFile;
use std::path::{Path, PathBuf};

pub fn run(args: ReportArgs) -> Result<ExitStatus, String> {
    let files = spec_files(&args.paths)?;
    let rules = RulesConfig::default();
    let analyses = files
        .iter()
        .map(|p| analyze_file(p, &rules))
        .collect::<Result<Vec<_>, _>>()?;
    let out = match args.format {
        ReportFormat::Json => json(&analyses)?,
        ReportFormat::Md => rendered(&analyses, Format::Markdown, args.template_dir.as_deref())?,
        ReportFormat::Html => rendered(&analyses, Format::Html, args.template_dir.as_deref())?,
    };
    write_output(args.output.as_deref(), &out)?;
    Ok(exit_for(
        args.fail_on,
        analyses
            .iter()
            .flat_map(|a| a.findings.iter().map(|f| f.severity)),
    ))
}

/// The files to report on. Folders need the spec walk (`cli/walk.rs`); until it
/// is part of this build, a folder is refused rather than silently skipped.
fn spec_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    for p in paths {
        if p.is_dir() {
            return Err(format!(
                "{}: is a folder; name the spec files (folder walking is not in this build)",
                p.display()
            ));
        }
    }
    Ok(paths.to_vec())
}

/// Read and analyze one spec file.
pub(super) fn analyze_file(path: &Path, rules: &RulesConfig) -> Result<Analysis, String> {
    let (source, early) = read_spec(path)?;
    Ok(analyze_source(path, source, early, rules))
}

/// Analyze a spec read by `read_spec`; a too-large or non-UTF-8 file is a
/// report whose only content is that finding.
pub(super) fn analyze_source(
    path: &Path,
    source: SourceFile,
    early: Option<Finding>,
    rules: &RulesConfig,
) -> Analysis {
    if let Some(f) = early {
        return Analysis {
            source,
            doc: None,
            spec: None,
            resolved: None,
            plan: None,
            findings: vec![f],
        };
    }
    let opts = AnalyzeOptions {
        files: &RealFiles,
        spec_dir: path.parent().unwrap_or(Path::new(".")).to_path_buf(),
        rules,
        inline_ignores: true,
    };
    analyze(source, &opts)
}

fn json(analyses: &[Analysis]) -> Result<String, String> {
    let mut values: Vec<_> = analyses.iter().map(memmath::report::plan_json).collect();
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

fn rendered(analyses: &[Analysis], format: Format, dir: Option<&Path>) -> Result<String, String> {
    let template = match dir {
        Some(d) => {
            let path = d.join(format.template_name());
            Some(read_text(&path, TEMPLATE_LIMIT)?)
        }
        None => None,
    };
    let refs: Vec<&Analysis> = analyses.iter().collect();
    let set = build_set(&refs, env!("CARGO_PKG_VERSION"));
    render(&set, format, template.as_deref()).map_err(|e| e.to_string())
}

/// Write to `-o FILE` or stdout.
pub(super) fn write_output(path: Option<&Path>, out: &str) -> Result<(), String> {
    match path {
        Some(p) => std::fs::write(p, out).map_err(|e| format!("{}: {e}", p.display())),
        None => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(out.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|e| format!("stdout: {e}"))
        }
    }
}

/// 0 unless `--fail-on` is given and a finding reaches it.
pub(super) fn exit_for(
    fail_on: Option<FailOn>,
    severities: impl Iterator<Item = Severity>,
) -> ExitStatus {
    let Some(fail_on) = fail_on else {
        return ExitStatus::Success;
    };
    let threshold = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    let mut severities = severities;
    if severities.any(|s| s >= threshold) {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    }
}
