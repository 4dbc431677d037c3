//! Entry point of the memory math: assembles the plan from the per-quantity files.

use super::Plan;
use crate::catalog::Resolved;
use crate::diagnostics::{Finding, Severity};
use crate::spec::Spec;

/// Compute the plan. An arithmetic overflow (absurd input) is a finding, not a panic.
pub fn compute(_spec: &Spec, _resolved: &Resolved) -> Result<Plan, Box<Finding>> {
    Err(Box::new(Finding::new(
        "MEM000",
        "plan-unavailable",
        Severity::Error,
        "",
        "memory math not built yet",
    )))
}
