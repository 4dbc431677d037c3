//! Rule configuration: which rules run, at which severity, with which thresholds.
//! Loaded from `memmath.toml` (found by the CLI) and overridden by CLI flags.

use crate::diagnostics::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub struct RulesConfig {
    /// Codes or names to run (empty: all).
    pub select: Vec<String>,
    /// Codes or names to skip.
    pub ignore: Vec<String>,
    /// Per-rule severity overrides, keyed by code or name.
    pub severity: BTreeMap<String, Severity>,
}

/// The `memmath.toml` file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<String, String>,
}

/// Parse the text of a `memmath.toml`. An error names what is wrong (exit 2).
pub fn load_config(text: &str) -> Result<RulesConfig, String> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut severity = BTreeMap::new();
    for (rule, level) in file.severity {
        let level = Severity::parse(&level).ok_or_else(|| {
            format!("severity `{level}` for `{rule}`: expected error, warning, info or off")
        })?;
        severity.insert(rule, level);
    }
    Ok(RulesConfig {
        select: file.select,
        ignore: file.ignore,
        severity,
    })
}
