//! Lint rules: one file per rule, a registry, and configuration (severity
//! overrides, select/ignore, thresholds). Each rule's doc comment is its user doc.

mod config;
mod registry;

pub use config::{load_config, RulesConfig};
pub use registry::{all_rules, find_rule, run_all};

use crate::catalog::Resolved;
use crate::diagnostics::{Finding, Severity};
use crate::plan::Plan;
use crate::spec::Spec;

/// Everything a rule may look at. Rules are pure: no I/O.
pub struct RuleContext<'a> {
    pub spec: &'a Spec,
    pub resolved: &'a Resolved,
    pub plan: &'a Plan,
    pub config: &'a RulesConfig,
}

/// A lint rule. Findings carry a JSON pointer; the pipeline attaches the span.
pub trait Rule: Sync {
    fn code(&self) -> &'static str;
    fn name(&self) -> &'static str;
    fn default_severity(&self) -> Severity;
    /// User documentation (What it does / Why is this bad? / Example / How to fix).
    fn doc(&self) -> &'static str;
    fn check(&self, ctx: &RuleContext<'_>) -> Vec<Finding>;
}
