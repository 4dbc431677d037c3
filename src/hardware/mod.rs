//! Live hardware: the [`GpuProbe`] trait and the [`Snapshot`] it returns, its
//! NVML implementation ([`NvmlProbe`]), a snapshot (fake) probe fed from JSON
//! ([`SnapshotProbe`], for tests and for reproducing another machine's state),
//! and the comparison of a machine with a spec and its plan (HW001-HW006).
//!
//! Everything here except `nvml.rs` is pure: the CLI reads snapshot files and
//! passes their text in; only NVML talks to the driver (design.md section 1).
//! The snapshot's JSON is a user-facing, versioned format (docs/hardware.md):
//! its keys are a contract like the JSON plan's.

mod checks;
mod codes;
mod live;
mod names;
mod nvml;
mod observe;
mod replan;
mod snapshot;
mod visible;

pub use checks::{check, check_with, LiveInputs, LiveReport, NVML_TOLERANCE_BASIS_POINTS};
pub use codes::hardware_doc;
pub use live::{LiveDevice, LiveSection, ReplanSummary};
pub use names::{gpu_names_equal, gpu_names_match, normalize_gpu_name, NormalizedGpuName};
pub use nvml::NvmlProbe;
pub use observe::{observe, Observation, ObservedDevice};
pub use replan::{cuda_visible_estimate, replan_with, CudaVisibleEstimate};
pub use snapshot::{SnapshotError, SnapshotProbe, SNAPSHOT_FORMAT, SNAPSHOT_VERSION};
pub use visible::apply_cuda_visible_devices;

use crate::units::Bytes;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Something that can describe the GPUs of this machine.
pub trait GpuProbe {
    fn snapshot(&self) -> Result<Snapshot, ProbeError>;
}

/// Why a probe could not describe the machine: the tool failing (exit 2), never
/// a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProbeError {
    /// libnvidia-ml could not be loaded or initialised (no driver, no GPU,
    /// no permission). The text is NVML's own reason.
    NvmlUnavailable(String),
    /// NVML loaded but a query the snapshot needs failed.
    Query(String),
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeError::NvmlUnavailable(why) => write!(
                f,
                "NVML is not available: cannot load or initialise libnvidia-ml.so.1 ({why}); \
                 `verify` and `--hardware` need an NVIDIA driver; \
                 use --probe-snapshot FILE to check against a saved snapshot"
            ),
            ProbeError::Query(why) => write!(f, "NVML query failed: {why}"),
        }
    }
}

impl std::error::Error for ProbeError {}

/// The state of one machine's GPUs at one moment: what every HW check reads.
/// Serialized as the snapshot file (format `memmath-gpu-snapshot`, version 1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Always [`SNAPSHOT_FORMAT`]; lets a reader reject an unrelated JSON file.
    pub format: String,
    /// Always [`SNAPSHOT_VERSION`] when written by this memmath.
    pub version: u32,
    /// Where the snapshot came from: `nvml`, or whatever a hand-written file says.
    pub source: String,
    /// NVIDIA driver version (`550.54.15`).
    pub driver_version: Option<String>,
    /// Highest CUDA version the driver supports (`12.4`).
    pub cuda_driver_version: Option<String>,
    /// Devices in NVML index order.
    pub devices: Vec<DeviceSnapshot>,
}

/// One GPU as NVML reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceSnapshot {
    /// NVML index (PCI bus order; CUDA's default order may differ).
    pub index: u32,
    /// NVML's product name (`NVIDIA H100 80GB HBM3`).
    pub name: String,
    pub uuid: Option<String>,
    pub memory: DeviceMemory,
    /// `major.minor` (`9.0`).
    pub compute_capability: Option<String>,
    /// None when the device has no MIG support (NVML says "not supported").
    pub mig: Option<MigState>,
    /// Processes holding memory on this device; None when NVML could not list
    /// them (another user's processes, MIG without permission).
    pub processes: Option<Vec<ProcessSnapshot>>,
}

/// NVML memory figures (`nvmlDeviceGetMemoryInfo_v2`). NVML's total includes
/// memory the driver reserves, so it is larger than what CUDA reports as total
/// (design.md section 4b).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceMemory {
    pub total_bytes: Bytes,
    pub free_bytes: Bytes,
    pub used_bytes: Bytes,
    /// Driver-reserved memory, when NVML reports it (v2 API).
    pub reserved_bytes: Option<Bytes>,
}

/// MIG mode now and after the next GPU reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigState {
    pub current: bool,
    pub pending: bool,
}

/// A process with memory on a device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessSnapshot {
    pub pid: u32,
    /// Process name when NVML could read it.
    pub name: Option<String>,
    /// None when NVML cannot attribute memory (Windows WDDM, some MIG setups).
    pub used_bytes: Option<Bytes>,
}
