//! `verify --observe PID`: the GPU memory a running engine actually holds,
//! per device, against what the plan predicted, and the prediction error.
//!
//! An engine is several processes (vLLM's API server, engine core and one
//! worker per GPU), so the caller passes every pid of the process tree; only
//! the CLI can read `/proc`, the library just sums what NVML attributes to them.

use super::checks::needed_per_gpu;
use super::Snapshot;
use crate::plan::Plan;
use crate::units::Bytes;
use serde::Serialize;
use std::collections::BTreeSet;

/// What the observed processes hold, device by device.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Observation {
    /// The pids looked for (the process tree of the pids given).
    pub pids: Vec<u32>,
    /// What the plan predicts the engine holds on each GPU: its budget (vLLM
    /// and SGLang allocate the KV cache up to it), or the training total.
    pub planned_bytes: Bytes,
    /// Devices where an observed process holds memory, in index order.
    pub devices: Vec<ObservedDevice>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObservedDevice {
    pub index: u32,
    /// Sum over the observed processes on this device.
    pub used_bytes: Bytes,
    /// used - planned: positive means the plan under-estimated.
    pub error_bytes: i64,
    /// error / planned x 100.
    pub error_percent: f64,
    /// Observed processes whose memory NVML could not attribute.
    pub unattributed_pids: Vec<u32>,
}

/// Sum the memory of `pids` per device and compare with the plan.
pub fn observe(snapshot: &Snapshot, pids: &[u32], plan: &Plan) -> Observation {
    let wanted: BTreeSet<u32> = pids.iter().copied().collect();
    let planned = needed_per_gpu(plan);
    let devices = snapshot
        .devices
        .iter()
        .filter_map(|d| {
            let mine: Vec<_> = d
                .processes
                .as_deref()
                .unwrap_or_default()
                .iter()
                .filter(|p| wanted.contains(&p.pid))
                .collect();
            if mine.is_empty() {
                return None;
            }
            // Saturating: a hand-edited snapshot must not overflow into a panic.
            let used = Bytes(
                mine.iter()
                    .filter_map(|p| p.used_bytes)
                    .fold(0u64, |acc, b| acc.saturating_add(b.0)),
            );
            let error = used.signed_sub(planned);
            Some(ObservedDevice {
                index: d.index,
                used_bytes: used,
                error_bytes: error,
                error_percent: error as f64 / planned.0.max(1) as f64 * 100.0,
                unattributed_pids: mine
                    .iter()
                    .filter(|p| p.used_bytes.is_none())
                    .map(|p| p.pid)
                    .collect(),
            })
        })
        .collect();
    Observation {
        pids: wanted.into_iter().collect(),
        planned_bytes: planned,
        devices,
    }
}
