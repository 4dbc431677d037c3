//! Read and analyze one spec file, the same way in every command (`check`,
//! `report`, `diff`, `verify`): through `cli/load.rs` (a file over the size
//! limit or not UTF-8 is a finding; one that cannot be read is a tool failure)
//! and `pipeline::analyze_with_hardware`.

use super::files::RealFiles;
use super::load::{load_spec, spec_dir, Loaded};
use memmath::fit::{FitOptions, FitResult};
use memmath::hardware::Snapshot;
use memmath::pipeline::{analyze_with_hardware, Analysis, AnalyzeOptions};
use memmath::rules::RulesConfig;
use std::path::Path;

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
