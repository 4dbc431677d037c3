//! `memmath report`: the capacity report of one or more specs, as Markdown, HTML
//! or the JSON plan. Exit 0 once written (findings are content here) unless
//! `--fail-on` is given; 2 for unreadable input or a template error.

use super::args::{FailOn, ReportArgs, ReportFormat};
use super::files::{read_text, RealFiles, CONFIG_LIMIT};
use super::load::{load_spec, Loaded};
use super::walk::collect_specs;
use super::ExitStatus;
use memmath::diagnostics::Severity;
use memmath::pipeline::{analyze, Analysis, AnalyzeOptions};
use memmath::report::{build_set, render, Format};
use memmath::rules::{load_config, RulesConfig};
use memmath::source::SourceFile;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn run(args: ReportArgs) -> Result<ExitStatus, String> {
    let files = collect_specs(&args.paths)?;
    if files.is_empty() {
        eprintln!("memmath: warning: no memmath specs found (looked for *.yaml/*.yml with `apiVersion: memmath/...`)");
        return Ok(ExitStatus::Success);
    }
    let mut configs = Configs::default();
    let mut analyses = Vec::with_capacity(files.len());
    for path in &files {
        let rules = configs.for_spec(path)?;
        analyses.push(analyze_file(path, &rules)?);
    }
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

/// Read and analyze one spec file. As in `check`, a file over the size limit
/// or not UTF-8 is a finding; a file that cannot be read is a tool failure.
pub(super) fn analyze_file(path: &Path, rules: &RulesConfig) -> Result<Analysis, String> {
    match load_spec(path)? {
        Loaded::Text(source) => Ok(analyze_source(path, source, rules)),
        Loaded::Rejected(source, f) => Ok(findings_only(source, vec![f])),
    }
}

fn findings_only(source: SourceFile, findings: Vec<memmath::diagnostics::Finding>) -> Analysis {
    Analysis {
        source,
        doc: None,
        spec: None,
        resolved: None,
        plan: None,
        findings,
    }
}

pub(super) fn analyze_source(path: &Path, source: SourceFile, rules: &RulesConfig) -> Analysis {
    let spec_dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let opts = AnalyzeOptions {
        files: &RealFiles,
        spec_dir,
        rules,
        inline_ignores: true,
    };
    analyze(source, &opts)
}

/// The nearest memmath.toml above each spec, parsed once per folder, so a
/// report shows the same findings as `check` does.
#[derive(Default)]
pub(super) struct Configs {
    by_dir: BTreeMap<PathBuf, RulesConfig>,
}

impl Configs {
    pub(super) fn for_spec(&mut self, spec: &Path) -> Result<RulesConfig, String> {
        let parent = match spec.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let dir = std::path::absolute(parent).map_err(|e| format!("{}: {e}", spec.display()))?;
        if let Some(c) = self.by_dir.get(&dir) {
            return Ok(c.clone());
        }
        let found = dir
            .ancestors()
            .map(|d| d.join("memmath.toml"))
            .find(|p| p.is_file());
        let cfg = match found {
            Some(p) => {
                let text = read_text(&p, CONFIG_LIMIT)?;
                load_config(&text).map_err(|e| format!("{}: {e}", p.display()))?
            }
            None => RulesConfig::default(),
        };
        self.by_dir.insert(dir, cfg.clone());
        Ok(cfg)
    }
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
