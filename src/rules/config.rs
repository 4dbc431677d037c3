//! Rule configuration: which rules run, at which severity, with which thresholds.

use crate::diagnostics::Severity;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub struct RulesConfig {
    /// Codes or names to run (empty: all).
    pub select: Vec<String>,
    /// Codes or names to skip.
    pub ignore: Vec<String>,
    /// Per-rule severity overrides, keyed by code.
    pub severity: BTreeMap<String, Severity>,
}
