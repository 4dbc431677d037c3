//! `memmath diff BASE HEAD`: each side is a spec file or a JSON plan from
//! `report --format json`, told apart by content (a JSON plan is an object or a
//! one-element array). Exit 0 once written unless `--fail-on` is given.

use super::args::{DiffArgs, DiffFormat};
use super::files::read_bounded;
use super::report::{analyze_source, exit_for, write_output};
use super::ExitStatus;
use memmath::diagnostics::Severity;
use memmath::report::diff::{diff, to_json, to_markdown, DiffSide};
use memmath::rules::RulesConfig;
use memmath::source::SourceFile;
use memmath::spec::{decode_source, too_large};
use std::path::Path;

pub fn run(args: DiffArgs) -> Result<ExitStatus, String> {
    let rules = RulesConfig::default();
    let base = side(&args.base, &rules)?;
    let head = side(&args.head, &rules)?;
    let d = diff(&base, &head);
    let out = match args.format {
        DiffFormat::Md => to_markdown(&d),
        DiffFormat::Json => {
            let mut s = serde_json::to_string_pretty(&to_json(&d)).map_err(|e| e.to_string())?;
            s.push('\n');
            s
        }
    };
    write_output(args.output.as_deref(), &out)?;
    Ok(exit_for(
        args.fail_on,
        head.findings
            .iter()
            .filter_map(|f| Severity::parse(&f.severity)),
    ))
}

/// A JSON plan of many specs can outgrow a spec; 16 MiB is far past any real one.
const PLAN_LIMIT: u64 = 16 << 20;

fn side(path: &Path, rules: &RulesConfig) -> Result<DiffSide, String> {
    let name = path.display().to_string();
    let (source, early) =
        match read_bounded(path, PLAN_LIMIT).map_err(|e| format!("{name}: {e}"))? {
            Ok(bytes) => decode_source(name.clone(), bytes),
            Err(limit) => (
                SourceFile::new(name.clone(), ""),
                Some(too_large(limit.saturating_add(1))),
            ),
        };
    if early.is_none() {
        let text = &source.text;
        let trimmed = text.trim_start();
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            if let Ok(side) = DiffSide::from_json(&name, text) {
                return Ok(side);
            }
            // A YAML flow mapping also starts with `{`: fall through to the spec
            // parser, unless it parses as JSON (then the JSON error is the answer).
            if serde_json::from_str::<serde_json::Value>(text).is_ok() {
                return DiffSide::from_json(&name, text);
            }
        }
    }
    let a = analyze_source(path, source, early, rules);
    Ok(DiffSide::from_analysis(&a))
}
