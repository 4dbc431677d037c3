//! HST004 shard-index-mismatch: documented here, emitted by the catalogue.

use super::RuleContext;
use crate::diagnostics::Finding;

declare_rule! {
    /// ## What it does
    /// Flags a safetensors index (`model.safetensors.index.json`) that names a
    /// shard file that is missing, or maps a tensor to a shard whose header does
    /// not contain it.
    ///
    /// The catalogue's safetensors reader emits this finding while it reads the
    /// headers (it is the only code that sees the files); the rule is registered
    /// here so that `memmath rule HST004`, `select`/`ignore`, severities and
    /// suppressions work for it like for every other rule. Its lint check is a
    /// no-op.
    ///
    /// ## Why is this bad?
    /// The files do not belong to one revision of the model (a partial download,
    /// shards from two commits). The engine fails at load with a missing-tensor
    /// error, or worse, loads mismatched weights; and the exact weight bytes
    /// memmath reads from the headers are wrong.
    ///
    /// ## Example
    /// ```yaml
    /// model:
    ///   safetensors: ./weights/   # index lists model-00004-of-00004.safetensors; the folder has 3 shards
    /// ```
    ///
    /// ## How to fix
    /// Download the checkpoint again at one revision (`huggingface-cli download
    /// --revision <sha>`), and point `model.safetensors` at that folder.
    pub struct ShardIndexMismatch(HST004);
}

impl ShardIndexMismatch {
    /// Emitted by `catalog`'s safetensors reader, never by the lint pass.
    fn run(&self, _ctx: &RuleContext<'_>) -> Vec<Finding> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;
    use crate::rules::Rule;

    #[test]
    fn the_lint_pass_never_emits_it() {
        assert!(Fixture::new().run(&ShardIndexMismatch).is_empty());
        assert!(ShardIndexMismatch.doc().contains("no-op"));
    }
}
