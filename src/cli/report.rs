//! `memmath report`: the capacity report of one or more specs.

use super::args::{ReportArgs, ReportFormat};
use super::files::RealFiles;
use super::ExitStatus;
use memmath::pipeline::{analyze, AnalyzeOptions};
use memmath::rules::RulesConfig;
use memmath::source::SourceFile;
use std::path::Path;

pub fn run(args: ReportArgs) -> Result<ExitStatus, String> {
    let rules = RulesConfig::default();
    let mut out = String::new();
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
        match args.format {
            ReportFormat::Json => {
                let v = memmath::report::plan_json(&a);
                out.push_str(&serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
                out.push('\n');
            }
        }
    }
    match &args.output {
        Some(p) => std::fs::write(p, out).map_err(|e| format!("{}: {e}", p.display()))?,
        None => print!("{out}"),
    }
    Ok(ExitStatus::Success)
}
