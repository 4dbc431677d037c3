//! Read and analyze spec files, the same way in every command (`check`,
//! `report`, `diff`, `verify`): through `cli/load.rs` (a file over the size
//! limit or not UTF-8 is a finding; one that cannot be read is a tool failure)
//! and `pipeline::analyze_with_hardware`. Many specs are analyzed in parallel
//! ([`analyze_all`]) with results in input order, so the output is the same
//! byte for byte whatever the thread count (docs/performance.md).

use super::config::ConfigCache;
use super::files::RealFiles;
use super::load::{load_spec, spec_dir, Loaded};
use memmath::fit::{FitOptions, FitResult};
use memmath::hardware::Snapshot;
use memmath::pipeline::{analyze_with_hardware, Analysis, AnalyzeOptions};
use memmath::rules::RulesConfig;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// How to analyze: the spec's rule configuration, whether to honour inline
/// suppressions, and the GPUs to compare with (`--hardware`, `verify`).
pub(crate) struct Analyze<'a> {
    pub rules: &'a RulesConfig,
    pub inline_ignores: bool,
    pub snapshot: Option<&'a Snapshot>,
}

/// Load and analyze the spec at `path`.
pub(crate) fn analyze_file(path: &Path, how: &Analyze<'_>) -> Result<Analysis, String> {
    Ok(match load_spec(path)? {
        Loaded::Rejected(source, finding) => Analysis::rejected(source, finding),
        Loaded::Text(source) => {
            let opts = AnalyzeOptions {
                files: &RealFiles,
                spec_dir: spec_dir(path),
                rules: how.rules,
                inline_ignores: how.inline_ignores,
            };
            analyze_with_hardware(source, &opts, how.snapshot)
        }
    })
}

/// The layouts `memmath fit` ranks for an analyzed spec, with the default
/// search (its own GPU type, no `--allow`): `report --alternatives` and
/// `diff`. None for a spec that does not plan (its findings say why).
pub(crate) fn default_fit(a: &Analysis, rules: &RulesConfig) -> Result<Option<FitResult>, String> {
    let (Some(spec), Some(resolved), Some(_)) = (&a.spec, &a.resolved, &a.plan) else {
        return Ok(None);
    };
    memmath::fit::fit(spec, resolved, rules, &FitOptions::default()).map(Some)
}

/// Analyze every spec of `specs` (in parallel when there are several) and
/// `keep` what the caller needs of each analysis, in the order of `specs`.
///
/// Errors are those of a serial run, in the same order: the rule
/// configuration of each spec is looked up serially (memmath.toml discovery
/// caches by folder), and when several specs fail, the error reported is the
/// first one a serial loop would have met.
pub(crate) fn analyze_all<R: Send>(
    specs: &[PathBuf],
    configs: &mut ConfigCache,
    inline_ignores: bool,
    snapshot: Option<&Snapshot>,
    keep: impl Fn(Analysis) -> R + Sync,
) -> Result<Vec<R>, String> {
    let mut rules = Vec::with_capacity(specs.len());
    let mut config_error = None;
    for path in specs {
        match configs.for_spec(path) {
            Ok(r) => rules.push(r),
            Err(e) => {
                config_error = Some(e);
                break;
            }
        }
    }
    let one = |(path, rules): (&PathBuf, &RulesConfig)| {
        let how = Analyze {
            rules,
            inline_ignores,
            snapshot,
        };
        analyze_file(path, &how).map(&keep)
    };
    let jobs = specs.iter().zip(&rules);
    // One spec (the common editor and pre-commit case) never starts the
    // thread pool: starting it costs more than it saves.
    let results: Vec<Result<R, String>> = if rules.len() > 1 {
        jobs.collect::<Vec<_>>().into_par_iter().map(one).collect()
    } else {
        jobs.map(one).collect()
    };
    let analyzed: Vec<R> = results.into_iter().collect::<Result<_, _>>()?;
    match config_error {
        Some(e) => Err(e),
        None => Ok(analyzed),
    }
}
