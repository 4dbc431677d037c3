//! The NVML probe: asks the NVIDIA driver through `nvml-wrapper`, which loads
//! `libnvidia-ml.so.1` at run time, so the binary builds and starts anywhere
//! and only this probe fails (cleanly) on a machine without a driver.

use super::{
    DeviceMemory, DeviceSnapshot, GpuProbe, MigState, ProbeError, ProcessSnapshot, Snapshot,
};
use crate::units::Bytes;
use nvml_wrapper::enums::device::UsedGpuMemory;
use nvml_wrapper::error::NvmlError;
use nvml_wrapper::struct_wrappers::device::ProcessInfo;
use nvml_wrapper::{cuda_driver_version_major, cuda_driver_version_minor, Device, Nvml};
use std::collections::BTreeMap;
use std::ffi::OsString;

/// Longest process name NVML is asked for (its own examples use 64; paths of
/// Python interpreters in virtual environments are longer).
const PROCESS_NAME_LEN: usize = 256;

/// Probe the GPUs of this machine through NVML.
#[derive(Clone, Debug, Default)]
pub struct NvmlProbe {
    /// Load NVML from this path instead of the loader's `libnvidia-ml.so.1`.
    library: Option<OsString>,
}

impl NvmlProbe {
    pub fn new() -> NvmlProbe {
        NvmlProbe::default()
    }
    /// Use a specific NVML library file (the CLI's `MEMMATH_NVML_LIBRARY`).
    pub fn with_library(path: impl Into<OsString>) -> NvmlProbe {
        NvmlProbe {
            library: Some(path.into()),
        }
    }

    fn init(&self) -> Result<Nvml, ProbeError> {
        let mut builder = Nvml::builder();
        if let Some(lib) = &self.library {
            builder.lib_path(lib);
        }
        builder
            .init()
            .map_err(|e| ProbeError::NvmlUnavailable(e.to_string()))
    }
}

impl GpuProbe for NvmlProbe {
    fn snapshot(&self) -> Result<Snapshot, ProbeError> {
        let nvml = self.init()?;
        let mut snap = Snapshot::new("nvml");
        snap.driver_version = nvml.sys_driver_version().ok();
        snap.cuda_driver_version = nvml.sys_cuda_driver_version().ok().map(|v| {
            format!(
                "{}.{}",
                cuda_driver_version_major(v),
                cuda_driver_version_minor(v)
            )
        });
        let count = nvml.device_count().map_err(query("device count"))?;
        for index in 0..count {
            let device = nvml
                .device_by_index(index)
                .map_err(query(&format!("device {index}")))?;
            snap.devices.push(device_snapshot(&nvml, &device, index)?);
        }
        Ok(snap)
    }
}

fn query(what: &str) -> impl Fn(NvmlError) -> ProbeError + '_ {
    move |e| ProbeError::Query(format!("{what}: {e}"))
}

fn device_snapshot(
    nvml: &Nvml,
    device: &Device<'_>,
    index: u32,
) -> Result<DeviceSnapshot, ProbeError> {
    let name = device
        .name()
        .map_err(query(&format!("device {index} name")))?;
    let mem = device
        .memory_info()
        .map_err(query(&format!("device {index} memory")))?;
    Ok(DeviceSnapshot {
        index,
        name,
        uuid: device.uuid().ok(),
        memory: DeviceMemory {
            total_bytes: Bytes(mem.total),
            free_bytes: Bytes(mem.free),
            used_bytes: Bytes(mem.used),
            reserved_bytes: Some(Bytes(mem.reserved)),
        },
        compute_capability: device
            .cuda_compute_capability()
            .ok()
            .map(|cc| format!("{}.{}", cc.major, cc.minor)),
        // NotSupported (no MIG on this GPU) and any other failure read as "no
        // MIG information"; HW005 only fires on a positive answer.
        mig: device.mig_mode().ok().map(|m| MigState {
            current: m.current != 0,
            pending: m.pending != 0,
        }),
        processes: processes(nvml, device),
    })
}

/// Compute and graphics processes, merged by pid (a process can be both).
fn processes(nvml: &Nvml, device: &Device<'_>) -> Option<Vec<ProcessSnapshot>> {
    let compute = device.running_compute_processes();
    let graphics = device.running_graphics_processes();
    if compute.is_err() && graphics.is_err() {
        return None;
    }
    let mut by_pid: BTreeMap<u32, Option<u64>> = BTreeMap::new();
    let all: Vec<ProcessInfo> = compute
        .unwrap_or_default()
        .into_iter()
        .chain(graphics.unwrap_or_default())
        .collect();
    for p in all {
        let used = match p.used_gpu_memory {
            UsedGpuMemory::Used(b) => Some(b),
            UsedGpuMemory::Unavailable => None,
        };
        let entry = by_pid.entry(p.pid).or_insert(None);
        *entry = match (*entry, used) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
    Some(
        by_pid
            .into_iter()
            .map(|(pid, used)| ProcessSnapshot {
                pid,
                name: nvml
                    .sys_process_name(pid, PROCESS_NAME_LEN)
                    .ok()
                    .filter(|n| !n.is_empty()),
                used_bytes: used.map(Bytes),
            })
            .collect(),
    )
}
