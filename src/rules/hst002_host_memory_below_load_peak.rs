//! HST002 host-memory-below-load-peak.

use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::spec::LoadFormat;
use crate::units::{Bytes, GIB};

declare_rule! {
    /// ## What it does
    /// Checks that the host RAM needed while loading the weights (per node: what
    /// each loading rank stages, times the ranks loading at once) fits
    /// `hardware.host_memory`.
    ///
    /// ## Why is this bad?
    /// The loader runs out of host RAM before the model reaches the GPUs: the
    /// kernel's OOM killer ends the process, often as a bare "Killed" or a
    /// restarting pod, with nothing in the engine's log.
    ///
    /// ## Example
    /// ```yaml
    /// hardware: {gpus_per_node: 8, host_memory: 256GiB}
    /// loading: {format: pytorch, workers_per_node: 8}   # 8 x a 140 GiB state dict
    /// ```
    ///
    /// ## How to fix
    /// Load fewer ranks at once, mmap safetensors, or provision more host RAM;
    /// the finding computes each.
    pub struct HostMemoryBelowLoadPeak(HST002);
}

impl HostMemoryBelowLoadPeak {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let host = &ctx.plan.host;
        let Some(avail) = host.available_bytes else {
            return Vec::new();
        };
        if host.load_peak_bytes <= avail {
            return Vec::new();
        }
        let peak = host.load_peak_bytes;
        let workers = host.workers_per_node.max(1);
        let message = format!(
            "loading needs {peak} of host RAM per node ({}), {} more than hardware.host_memory {avail}",
            host.staging,
            peak.saturating_sub(avail)
        );
        let mut fixes = Vec::new();
        // The peak is per loading rank times the ranks loading at once.
        let per_rank = peak.0 / workers;
        if let Some(n) = avail
            .0
            .checked_div(per_rank)
            .filter(|&n| n >= 1 && n < workers)
        {
            fixes.push(format!(
                "set loading.workers_per_node: {n} (about {} peak)",
                Bytes(per_rank.saturating_mul(n))
            ));
        }
        let loading = ctx.spec.loading.as_ref();
        let format = loading.map_or(LoadFormat::Safetensors, |l| l.format);
        if format == LoadFormat::Safetensors && loading.and_then(|l| l.mmap) == Some(false) {
            fixes.push("set loading.mmap: true (safetensors pages map in from the page cache instead of being copied)".to_string());
        }
        fixes.push(format!(
            "set hardware.host_memory to at least {}GiB",
            peak.0.div_ceil(GIB)
        ));
        vec![self
            .finding("/hardware/host_memory", message)
            .with_alternatives(&fixes)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    #[test]
    fn fires_when_loading_outgrows_host_ram() {
        // Without mmap, 8 loading ranks each stage whole shards.
        let fx = Fixture::edit(|v| {
            v["hardware"]["host_memory"] = "32GiB".into();
            v["loading"]["mmap"] = false.into();
        });
        let f = fx.one(&HostMemoryBelowLoadPeak);
        assert_eq!(f.code, "HST002");
        assert_eq!(f.pointer, "/hardware/host_memory");
        // 8 x one 5 GB shard = 37.25 GiB; 6 workers stage 27.94 GiB.
        assert!(f.message.contains("needs 37.25 GiB"), "{}", f.message);
        assert_eq!(
            f.fix.as_deref(),
            Some("set loading.workers_per_node: 6 (about 27.94 GiB peak); or set loading.mmap: true (safetensors pages map in from the page cache instead of being copied); or set hardware.host_memory to at least 38GiB")
        );
    }

    #[test]
    fn near_miss() {
        // A peak of exactly the host RAM fits.
        let fx = Fixture::edit(|v| v["loading"]["mmap"] = false.into());
        let peak = fx.plan.host.load_peak_bytes;
        let fx = Fixture::edit(|v| {
            v["loading"]["mmap"] = false.into();
            v["hardware"]["host_memory"] = peak.0.into();
        });
        assert!(fx.run(&HostMemoryBelowLoadPeak).is_empty());
    }
}
