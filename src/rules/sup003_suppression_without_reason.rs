//! SUP003 suppression-without-reason: documented here, emitted by `suppress::apply`.

use super::RuleContext;
use crate::diagnostics::Finding;

declare_rule! {
    /// ## What it does
    /// Flags an inline suppression with no reason after the codes:
    /// `# memmath: ignore[TRF003]` alone. The suppression still applies.
    ///
    /// Emitted by the suppression pass, not by a lint check of its own.
    /// (`lint.ignore` entries in the spec require a `reason` by schema.)
    ///
    /// ## Why is this bad?
    /// A capacity exemption without a reason cannot be reviewed or retired: six
    /// months later nobody knows whether the long-context pool was ever split.
    ///
    /// ## Example
    /// ```yaml
    ///     # memmath: ignore[TRF003]
    ///     - name: long-doc
    /// ```
    ///
    /// ## How to fix
    /// Write why after the bracket:
    /// `# memmath: ignore[TRF003] long-doc shares the pool until the Q3 split`.
    pub struct SuppressionWithoutReason(SUP003);
}

impl SuppressionWithoutReason {
    /// Emitted by `rules::suppress::apply`, never by the lint pass.
    fn run(&self, _ctx: &RuleContext<'_>) -> Vec<Finding> {
        Vec::new()
    }
}
