//! HST020 host-memory-below-serving-caches.

use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::units::{Bytes, GIB};

declare_rule! {
    /// ## What it does
    /// Checks that the host RAM the serving caches hold on each node once the
    /// model is loaded fits `hardware.host_memory`: the KV offload tier
    /// (`serving.kv_offload`), the pinned LoRA adapter cache
    /// (`serving.lora.max_cpu_loras`) and the multimodal processor caches,
    /// once per engine instance on the node (the plan's `host.*_bytes`).
    ///
    /// ## Why is this bad?
    /// These caches are allocated while serving, not while loading: the node
    /// runs out of RAM under load, the offload connector fails to pin its
    /// buffers, or the OOM killer ends the engine hours after a clean start.
    ///
    /// ## Example
    /// ```yaml
    /// hardware: {gpus_per_node: 8, host_memory: 256GiB}
    /// parallelism: {tensor: 1}
    /// serving: {engine: vllm, kv_offload: {host_memory: 64GiB}}   # 8 instances x 64 GiB
    /// ```
    ///
    /// ## How to fix
    /// Shrink the offload tier to what the node holds (the finding computes
    /// it), cache fewer adapters, or provision more host RAM.
    pub struct HostMemoryBelowServingCaches(HST020);
}

impl HostMemoryBelowServingCaches {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let host = &ctx.plan.host;
        let Some(avail) = host.available_bytes else {
            return Vec::new();
        };
        let need = host.serving_bytes();
        if need <= avail.get() {
            return Vec::new();
        }
        let parts: Vec<String> = [
            ("KV offload", host.kv_offload_bytes),
            ("LoRA adapter cache", host.lora_cache_bytes),
            ("multimodal processor cache", host.mm_processor_cache_bytes),
        ]
        .into_iter()
        .filter_map(|(what, b)| b.map(|b| format!("{what} {b}")))
        .collect();
        let message = format!(
            "the serving caches need {} of host RAM per node ({}), {} more than hardware.host_memory {avail}",
            Bytes(need),
            parts.join(", "),
            Bytes(need - avail.get())
        );
        let mut fixes = Vec::new();
        let (pointer, offload) = match (
            host.kv_offload_bytes,
            ctx.spec
                .serving
                .as_ref()
                .and_then(|s| s.kv_offload.as_ref()),
        ) {
            (Some(total), Some(per_instance)) => (
                "/serving/kv_offload/host_memory",
                Some((total, per_instance.host_memory)),
            ),
            _ => ("/hardware/host_memory", None),
        };
        if let Some((total, per_instance)) = offload {
            // The offload tier scales with the instances on the node; the
            // rest stays.
            let instances = (total.get() / per_instance.get().max(1)).max(1);
            let other = need - total.get();
            if let Some(room) = avail.get().checked_sub(other).filter(|r| *r >= instances) {
                let each = room / instances / GIB;
                if each > 0 {
                    fixes.push(format!("set serving.kv_offload.host_memory: {each}GiB"));
                }
            }
        }
        fixes.push(format!(
            "set hardware.host_memory to at least {}GiB",
            need.div_ceil(GIB)
        ));
        vec![self.finding(pointer, message).with_alternatives(&fixes)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    #[test]
    fn fires_when_the_offload_tier_outgrows_host_ram() {
        // 2 TP-4 instances on the node, 1.5 TiB each: 3 TiB of 2 TiB.
        let fx = Fixture::edit(|v| {
            v["serving"]["kv_offload"] = serde_json::json!({"host_memory": "1536GiB"});
        });
        let f = fx.one(&HostMemoryBelowServingCaches);
        assert_eq!(f.pointer, "/serving/kv_offload/host_memory");
        assert!(f.message.contains("need 3072.00 GiB"), "{}", f.message);
        assert_eq!(
            f.fix.as_deref(),
            Some("set serving.kv_offload.host_memory: 1024GiB; or set hardware.host_memory to at least 3072GiB")
        );
    }

    #[test]
    fn near_miss() {
        // Exactly the host RAM: 2 x 1 TiB fits 2 TiB.
        let fx = Fixture::edit(|v| {
            v["serving"]["kv_offload"] = serde_json::json!({"host_memory": "1TiB"});
        });
        assert!(fx.run(&HostMemoryBelowServingCaches).is_empty());
    }
}
