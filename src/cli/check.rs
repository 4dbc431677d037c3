//! `memmath check`: lint specs and print findings.

use super::args::{CheckArgs, CheckFormat, FailOn};
use super::files::RealFiles;
use super::ExitStatus;
use memmath::diagnostics::{LocatedFinding, Severity};
use memmath::pipeline::{analyze, AnalyzeOptions};
use memmath::rules::RulesConfig;
use memmath::source::SourceFile;
use std::path::Path;

pub fn run(args: CheckArgs) -> Result<ExitStatus, String> {
    let rules = RulesConfig::default();
    let mut all: Vec<LocatedFinding> = Vec::new();
    for path in &args.paths {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let source = SourceFile::new(path.display().to_string(), text);
        let opts = AnalyzeOptions {
            files: &RealFiles,
            spec_dir: path.parent().unwrap_or(Path::new(".")).to_path_buf(),
            rules: &rules,
            inline_ignores: true,
        };
        let a = analyze(source, &opts);
        all.extend(
            a.findings
                .iter()
                .map(|f| LocatedFinding::locate(f, &a.source)),
        );
    }
    match args.output_format {
        CheckFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?
        ),
        _ => {
            for f in &all {
                println!(
                    "{}:{}:{}: {} {}",
                    f.file, f.line, f.column, f.code, f.message
                );
            }
        }
    }
    let threshold = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    let failed = all.iter().any(|f| f.severity >= threshold);
    Ok(if failed && !args.exit_zero {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}
