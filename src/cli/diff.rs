//! `memmath diff BASE HEAD`: each side is a spec file or a JSON plan from
//! `report --format json`, told apart by content (a JSON plan is an object or a
//! one-element array). Exit 0 once written unless `--fail-on` is given.

use super::analyze::{analyze_file, default_fit, Analyze};
use super::args::{DiffArgs, DiffFormat};
use super::config::ConfigCache;
use super::exit::findings_status;
use super::files::read_bounded;
use super::output::write_output;
use super::ExitStatus;
use memmath::diagnostics::Severity;
use memmath::fit::FitResult;
use memmath::report::diff::{diff, to_json, to_markdown, Cheapest, DiffSide};
use std::path::Path;

pub fn run(args: DiffArgs) -> Result<ExitStatus, String> {
    let mut configs = ConfigCache::new(None, &[], &[])?;
    let (base, base_fit) = side(&args.base, &mut configs)?;
    let (head, head_fit) = side(&args.head, &mut configs)?;
    let mut d = diff(&base, &head);
    // Is the head still the cheapest feasible layout of its search space?
    d.cheapest = head_fit
        .as_ref()
        .map(|h| Cheapest::from_fits(base_fit.as_ref(), h));
    let out = match args.format {
        DiffFormat::Md => to_markdown(&d),
        DiffFormat::Json => {
            let mut s = serde_json::to_string_pretty(&to_json(&d)).map_err(|e| e.to_string())?;
            s.push('\n');
            s
        }
    };
    write_output(args.output.as_deref(), &out)?;
    Ok(findings_status(
        args.fail_on,
        false,
        head.findings
            .iter()
            .filter_map(|f| Severity::parse(&f.severity)),
    ))
}

/// Largest JSON plan or spec `diff` reads.
const PLAN_LIMIT: u64 = 16 << 20;

/// One side, and for a spec that plans, the layouts `memmath fit` ranks for it.
fn side(path: &Path, configs: &mut ConfigCache) -> Result<(DiffSide, Option<FitResult>), String> {
    // Bounded: a JSON plan of many specs can outgrow a spec, but not 16 MiB;
    // anything larger goes to the spec reader, which reports SYN003.
    let bytes = read_bounded(path, PLAN_LIMIT)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .unwrap_or_default();
    // Not UTF-8: not a JSON plan; the spec reader reports it as a finding.
    if let Ok(text) = std::str::from_utf8(&bytes) {
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            let name = path.display().to_string();
            if let Ok(side) = DiffSide::from_json(&name, text) {
                return Ok((side, None));
            }
            // A YAML flow mapping also starts with `{`: fall through to the
            // spec reader, unless the text is JSON (then the JSON error stands).
            if serde_json::from_str::<serde_json::Value>(text).is_ok() {
                return DiffSide::from_json(&name, text).map(|s| (s, None));
            }
        }
    }
    let rules = configs.for_spec(path)?;
    let how = Analyze {
        rules: &rules,
        inline_ignores: true,
        snapshot: None,
    };
    let a = analyze_file(path, &how)?;
    let fit = default_fit(&a, &rules)?;
    Ok((DiffSide::from_analysis(&a), fit))
}
