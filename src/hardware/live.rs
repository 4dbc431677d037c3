//! The "Live hardware" data for reports (measured vs planned per GPU), built
//! by the HW checks (`hardware::check`) that `verify`, `check --hardware` and
//! `report --hardware` reach through `pipeline::Analysis`.

use super::checks::{needed_per_gpu, Ctx};
use super::replan::cuda_visible_estimate;
use super::ProcessSnapshot;
use crate::units::Bytes;
use serde::Serialize;

/// Measured vs planned, for the report's "Live hardware" section and for
/// `verify --format json` (key `hardware`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LiveSection {
    /// The snapshot's `source` (`nvml`, or a saved file's).
    pub source: String,
    pub driver_version: Option<String>,
    pub cuda_driver_version: Option<String>,
    /// Devices NVML sees.
    pub device_count: usize,
    /// GPUs the spec places on one node (the devices compared are the first
    /// this many).
    pub gpus_needed_per_node: u64,
    /// The GPU the spec plans for.
    pub planned_gpu: String,
    /// CUDA-visible total the plan uses.
    pub planned_total_bytes: Bytes,
    /// The catalogue's NVML total, when known.
    pub planned_nvml_total_bytes: Option<Bytes>,
    /// Free memory the plan needs per GPU (the engine's budget; training total).
    pub planned_need_bytes: Option<Bytes>,
    pub devices: Vec<LiveDevice>,
    /// The plan re-run on the smallest measured device.
    pub replan: Option<ReplanSummary>,
}

/// One device, measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LiveDevice {
    pub index: u32,
    pub name: String,
    pub uuid: Option<String>,
    /// Whether the deployment uses this device (the first `gpus_needed_per_node`).
    pub used_by_spec: bool,
    pub compute_capability: Option<String>,
    pub mig_enabled: Option<bool>,
    pub nvml_total_bytes: Bytes,
    /// Estimated from NVML (see `cuda_visible_estimate`).
    pub cuda_total_bytes: Bytes,
    pub free_bytes: Bytes,
    pub used_bytes: Bytes,
    /// free - planned need: negative means HW003.
    pub free_minus_need_bytes: Option<i64>,
    pub processes: Option<Vec<ProcessSnapshot>>,
}

/// The plan on measured memory next to the plan on catalogue memory.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReplanSummary {
    pub device_index: u32,
    pub cuda_total_bytes: Bytes,
    /// How the CUDA-visible total was estimated.
    pub basis: String,
    /// True when HW004 fired (the measured total is outside the tolerance).
    pub differs_from_plan: bool,
    pub planned_kv_cache_bytes: i64,
    /// None when the re-plan failed (`error` says why).
    pub measured_kv_cache_bytes: Option<i64>,
    pub planned_capacity_tokens: Option<u64>,
    pub measured_capacity_tokens: Option<u64>,
    pub error: Option<String>,
}

pub(crate) fn build_section(ctx: &Ctx<'_>, memory_differs: bool) -> LiveSection {
    let gpu = &ctx.inputs.resolved.gpu;
    let need = ctx.inputs.plan.map(needed_per_gpu);
    let devices = ctx
        .snap
        .devices
        .iter()
        .map(|d| LiveDevice {
            index: d.index,
            name: d.name.clone(),
            uuid: d.uuid.clone(),
            used_by_spec: ctx.used.iter().any(|u| u.index == d.index),
            compute_capability: d.compute_capability.clone(),
            mig_enabled: d.mig.map(|m| m.current),
            nvml_total_bytes: d.memory.total_bytes,
            cuda_total_bytes: cuda_visible_estimate(d, gpu).bytes,
            free_bytes: d.memory.free_bytes,
            used_bytes: d.memory.used_bytes,
            free_minus_need_bytes: need.map(|n| d.memory.free_bytes.signed_sub(n)),
            processes: d.processes.clone(),
        })
        .collect();
    let replan = match (&ctx.replan, ctx.inputs.plan) {
        (Some(r), Some(planned)) => {
            let (measured, error) = match &r.plan {
                Ok(p) => (Some(p), None),
                Err(f) => (None, Some(f.message.clone())),
            };
            Some(ReplanSummary {
                device_index: r.device_index,
                cuda_total_bytes: r.estimate.bytes,
                basis: r.estimate.basis.clone(),
                differs_from_plan: memory_differs,
                planned_kv_cache_bytes: planned.per_gpu.kv_cache_bytes,
                measured_kv_cache_bytes: measured.map(|p| p.per_gpu.kv_cache_bytes),
                planned_capacity_tokens: planned.kv_cache.as_ref().map(|k| k.capacity_tokens),
                measured_capacity_tokens: measured
                    .and_then(|p| p.kv_cache.as_ref())
                    .map(|k| k.capacity_tokens),
                error,
            })
        }
        _ => None,
    };
    LiveSection {
        source: ctx.snap.source.clone(),
        driver_version: ctx.snap.driver_version.clone(),
        cuda_driver_version: ctx.snap.cuda_driver_version.clone(),
        device_count: ctx.snap.devices.len(),
        gpus_needed_per_node: ctx.per_node,
        planned_gpu: gpu.name.clone(),
        planned_total_bytes: ctx
            .inputs
            .plan
            .map_or(gpu.memory_bytes, |p| p.per_gpu.total_bytes),
        planned_nvml_total_bytes: gpu.nvml_memory_bytes,
        planned_need_bytes: need,
        devices,
        replan,
    }
}
