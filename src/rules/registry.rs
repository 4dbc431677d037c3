//! The registry of every rule, and running them under a configuration.

use super::{Rule, RuleContext, RulesConfig};
use crate::diagnostics::Finding;

/// Every rule, in code order.
pub fn all_rules() -> Vec<&'static dyn Rule> {
    Vec::new()
}

/// A rule by code (`MEM003`) or name (`max-model-len-does-not-fit`).
pub fn find_rule(code_or_name: &str) -> Option<&'static dyn Rule> {
    all_rules()
        .into_iter()
        .find(|r| r.code().eq_ignore_ascii_case(code_or_name) || r.name() == code_or_name)
}

/// Run every selected rule.
pub fn run_all(ctx: &RuleContext<'_>, _config: &RulesConfig) -> Vec<Finding> {
    all_rules().iter().flat_map(|r| r.check(ctx)).collect()
}
