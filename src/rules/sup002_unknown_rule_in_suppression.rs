//! SUP002 unknown-rule-in-suppression: documented here, emitted by `suppress::apply`.

use super::RuleContext;
use crate::diagnostics::Finding;

declare_rule! {
    /// ## What it does
    /// Flags a suppression that names no rule: neither a rule code (`TRF003`) nor
    /// a rule name (`long-context-needs-separate-pool`). The finding suggests the
    /// closest rule when there is one.
    ///
    /// Emitted by the suppression pass, not by a lint check of its own.
    ///
    /// ## Why is this bad?
    /// A typo in a suppression suppresses nothing, and the reviewer who reads
    /// `ignore[TRF03]` believes the finding was looked at.
    ///
    /// ## Example
    /// ```yaml
    /// traffic:
    ///   classes:
    ///     # memmath: ignore[TRF03] long-doc shares the pool on purpose
    ///     - name: long-doc
    /// ```
    ///
    /// ## How to fix
    /// Spell the code or name as `memmath rule --all` lists it.
    pub struct UnknownRuleInSuppression(SUP002);
}

impl UnknownRuleInSuppression {
    /// Emitted by `rules::suppress::apply`, never by the lint pass.
    fn run(&self, _ctx: &RuleContext<'_>) -> Vec<Finding> {
        Vec::new()
    }
}
