//! HST001 host-memory-not-specified.

use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::units::GIB;

declare_rule! {
    /// ## What it does
    /// Flags a spec without `hardware.host_memory`, so the host RAM needed while
    /// loading the weights is computed but checked against nothing.
    ///
    /// ## Why is this bad?
    /// Loaders that do not mmap stage shards (or a whole pickle state dict) in
    /// host RAM, once per loading rank on the node. Eight ranks each staging a
    /// 20 GiB shard need 160 GiB of RAM before the GPUs see a byte; the kernel's
    /// OOM killer ends the pod with no CUDA error to explain it.
    ///
    /// ## Example
    /// ```yaml
    /// hardware: {gpu: h100-sxm-80gb, gpus_per_node: 8}   # no host_memory
    /// ```
    ///
    /// ## How to fix
    /// Add `hardware.host_memory` (per node, with a unit: `2TiB`); the finding
    /// gives the load peak it must cover.
    pub struct HostMemoryNotSpecified(HST001);
}

impl HostMemoryNotSpecified {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        if ctx.spec.hardware.host_memory.is_some() {
            return Vec::new();
        }
        let peak = ctx.plan.host.load_peak_bytes;
        let message = format!(
            "hardware.host_memory is not set: the load peak of {peak} of host RAM per node ({}) is unchecked",
            ctx.plan.host.staging
        );
        let fix = format!(
            "add hardware.host_memory (per node) of at least {}GiB",
            peak.0.div_ceil(GIB)
        );
        vec![self.finding("/hardware/host_memory", message).with_fix(fix)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    #[test]
    fn fires_without_host_memory() {
        let fx = Fixture::edit(|v| {
            v["hardware"]
                .as_object_mut()
                .map(|o| o.remove("host_memory"));
        });
        let f = fx.one(&HostMemoryNotSpecified);
        assert_eq!(f.code, "HST001");
        assert_eq!(f.severity, crate::diagnostics::Severity::Info);
        assert_eq!(f.pointer, "/hardware/host_memory");
        assert_eq!(
            f.fix.as_deref(),
            Some("add hardware.host_memory (per node) of at least 16GiB")
        );
    }

    #[test]
    fn near_miss() {
        assert!(Fixture::new().run(&HostMemoryNotSpecified).is_empty());
    }
}
