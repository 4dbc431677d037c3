//! HST003 pickle-checkpoint.

use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::spec::LoadFormat;

declare_rule! {
    /// ## What it does
    /// Flags `loading.format: pytorch`: weights in PyTorch pickle files
    /// (`.bin`, `.pt`).
    ///
    /// ## Why is this bad?
    /// Unpickling runs code from the file (`torch.load` with `weights_only=False`
    /// executes arbitrary Python), and a pickle cannot be memory-mapped tensor by
    /// tensor: each loading rank stages the whole state dict in host RAM, so the
    /// load peak is the checkpoint size times the ranks per node.
    ///
    /// ## Example
    /// ```yaml
    /// loading: {format: pytorch, workers_per_node: 8}
    /// ```
    ///
    /// ## How to fix
    /// Convert the checkpoint to safetensors once (`safetensors.torch.save_file`,
    /// or use the hub's converted revision) and load it with `format:
    /// safetensors, mmap: true`.
    pub struct PickleCheckpoint(HST003);
}

impl PickleCheckpoint {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let Some(loading) = &ctx.spec.loading else {
            return Vec::new();
        };
        if loading.format != LoadFormat::Pytorch {
            return Vec::new();
        }
        let host = &ctx.plan.host;
        let message = format!(
            "pytorch pickle weights: loading executes code from the file, and each of the {} loading ranks per node stages the whole state dict ({} of host RAM per node at load)",
            host.workers_per_node, host.load_peak_bytes
        );
        vec![self
            .finding("/loading/format", message)
            .with_fix("convert the checkpoint to safetensors and set loading.format: safetensors with loading.mmap: true")]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    #[test]
    fn fires_on_pytorch_format() {
        let f = Fixture::edit(|v| v["loading"]["format"] = "pytorch".into()).one(&PickleCheckpoint);
        assert_eq!(f.code, "HST003");
        assert_eq!(f.pointer, "/loading/format");
        assert!(
            f.message.contains("8 loading ranks per node"),
            "{}",
            f.message
        );
        assert!(f.message.contains("541.58 GiB"), "{}", f.message);
    }

    #[test]
    fn near_miss_safetensors() {
        assert!(Fixture::new().run(&PickleCheckpoint).is_empty());
    }
}
