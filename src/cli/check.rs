//! `memmath check`: lint specs and print findings (design.md section 3).
//!
//! Exit status: 0 when nothing reaches `--fail-on`, 1 when a finding does (an
//! unparsable or schema-invalid spec is a finding), 2 when the tool failed (bad
//! flags, a missing path, an unreadable file, a bad memmath.toml).

use super::args::{CheckArgs, FailOn};
use super::files::{read_text, RealFiles, CONFIG_LIMIT};
use super::load::{load_spec, spec_dir, Loaded};
use super::walk::collect_specs;
use super::ExitStatus;
use memmath::diagnostics::{self, FileFindings, RenderOptions, Severity};
use memmath::pipeline::{analyze, AnalyzeOptions};
use memmath::rules::{load_config, RulesConfig};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

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
            print!(
                "{}",
                diagnostics::render(format, &[], &RenderOptions::default())
            );
        }
        return Ok(ExitStatus::Success);
    }

    let mut configs = ConfigCache::new(&args)?;
    let mut files = Vec::with_capacity(specs.len());
    for path in &specs {
        let rules = configs.for_spec(path)?;
        files.push(check_one(path, &rules, !args.no_inline_ignores)?);
    }

    let opts = RenderOptions {
        color: use_color(),
        ..RenderOptions::default()
    };
    let out = if args.statistics {
        diagnostics::statistics(&files, format == diagnostics::Format::Json)
    } else {
        diagnostics::render(format, &files, &opts)
    };
    print!("{out}");

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
    let a = analyze(source, &opts);
    Ok(FileFindings::new(a.source, &a.findings))
}

/// Colour only on a terminal, and never when `NO_COLOR` is set (no-color.org).
fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Rule configuration per spec: `--config` for all, else the nearest
/// memmath.toml above each spec (each file parsed once); CLI flags on top.
struct ConfigCache {
    explicit: Option<RulesConfig>,
    by_dir: BTreeMap<PathBuf, RulesConfig>,
    select: Vec<String>,
    ignore: Vec<String>,
}

impl ConfigCache {
    fn new(args: &CheckArgs) -> Result<ConfigCache, String> {
        let explicit = match &args.config {
            Some(p) => Some(read_config(p)?),
            None => None,
        };
        Ok(ConfigCache {
            explicit,
            by_dir: BTreeMap::new(),
            select: args.select.clone(),
            ignore: args.ignore.clone(),
        })
    }

    fn for_spec(&mut self, spec: &Path) -> Result<RulesConfig, String> {
        let mut cfg = match &self.explicit {
            Some(c) => c.clone(),
            None => self.discover(spec)?,
        };
        if !self.select.is_empty() {
            cfg.select = self.select.clone();
        }
        cfg.ignore.extend(self.ignore.iter().cloned());
        Ok(cfg)
    }

    fn discover(&mut self, spec: &Path) -> Result<RulesConfig, String> {
        let dir =
            std::path::absolute(spec_dir(spec)).map_err(|e| format!("{}: {e}", spec.display()))?;
        if let Some(c) = self.by_dir.get(&dir) {
            return Ok(c.clone());
        }
        let found = dir
            .ancestors()
            .map(|d| d.join("memmath.toml"))
            .find(|p| p.is_file());
        let cfg = match found {
            Some(p) => read_config(&p)?,
            None => RulesConfig::default(),
        };
        self.by_dir.insert(dir, cfg.clone());
        Ok(cfg)
    }
}

fn read_config(path: &Path) -> Result<RulesConfig, String> {
    let text = read_text(path, CONFIG_LIMIT)?;
    load_config(&text).map_err(|e| format!("{}: {e}", path.display()))
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
