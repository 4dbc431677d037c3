//! SUP001 unused-suppression: documented here, emitted by `suppress::apply`.

use super::RuleContext;
use crate::diagnostics::Finding;

declare_rule! {
    /// ## What it does
    /// Flags a suppression that suppresses nothing: a `# memmath: ignore[CODE]`
    /// comment, or a `lint.ignore` entry, whose rule gives no finding at that
    /// place (or in that file). Codes that cannot be suppressed (SYN, SCH) are
    /// reported here too.
    ///
    /// Suppressions are matched after every rule has run, so this finding comes
    /// from the suppression pass, not from a lint check of its own. It is not
    /// reported for rules the configuration turned off, nor when inline ignores
    /// are disabled (`--no-inline-ignores`).
    ///
    /// ## Why is this bad?
    /// A stale suppression hides the next real finding at that line: the spec
    /// changed, the problem went away, and the exemption stayed.
    ///
    /// ## Example
    /// ```yaml
    /// serving:
    ///   gpu_memory_utilization: 0.90  # memmath: ignore[MEM004] tuned on prod
    /// ```
    ///
    /// ## How to fix
    /// Delete the suppression, or move it to the line the finding points at.
    pub struct UnusedSuppression(SUP001);
}

impl UnusedSuppression {
    /// Emitted by `rules::suppress::apply`, never by the lint pass.
    fn run(&self, _ctx: &RuleContext<'_>) -> Vec<Finding> {
        Vec::new()
    }
}
