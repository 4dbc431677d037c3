//! The GPUs to compare a spec with, for `verify`, `check --hardware` and
//! `report --hardware`: a snapshot file's (`--probe-snapshot`), or NVML's. All
//! three fail the same way without NVML (exit 2 with a message naming
//! libnvidia-ml), never silently skipping the hardware.

use super::files::read_text;
use memmath::hardware::{self, GpuProbe, NvmlProbe, Snapshot, SnapshotProbe};
use std::path::Path;

/// Environment variable naming the NVML library file to load instead of the
/// loader's `libnvidia-ml.so.1` (unusual driver installs; tests).
pub const NVML_LIBRARY_ENV: &str = "MEMMATH_NVML_LIBRARY";

/// A snapshot of even a 64-GPU machine is a few hundred KiB.
const SNAPSHOT_LIMIT: u64 = 16 << 20;

/// The GPUs to compare with: a snapshot file's, or NVML's. Errors are the
/// tool failing (exit 2) and name the file or libnvidia-ml.
pub fn acquire_snapshot(probe_snapshot: Option<&Path>) -> Result<Snapshot, String> {
    let probe_result = match probe_snapshot {
        Some(path) => {
            let text = read_text(path, SNAPSHOT_LIMIT)
                .map_err(|e| format!("cannot read snapshot: {e}"))?;
            let probe = SnapshotProbe::from_json(&text)
                .map_err(|e| format!("{}: invalid GPU snapshot: {e}", path.display()))?;
            probe.snapshot()
        }
        None => {
            let probed = match std::env::var_os(NVML_LIBRARY_ENV) {
                Some(lib) => NvmlProbe::with_library(lib).snapshot(),
                None => NvmlProbe::new().snapshot(),
            };
            // An engine started from this shell sees only these GPUs. A
            // replayed snapshot is another machine's: the variable is not
            // applied to it.
            match std::env::var("CUDA_VISIBLE_DEVICES") {
                Ok(v) => probed.map(|s| hardware::apply_cuda_visible_devices(s, &v)),
                Err(_) => probed,
            }
        }
    };
    probe_result.map_err(|e| e.to_string())
}

/// For `check` and `report`: a snapshot when `--hardware` or
/// `--probe-snapshot` was given (the latter implies the former), else None.
pub fn hardware_snapshot(
    hardware: bool,
    probe_snapshot: Option<&Path>,
) -> Result<Option<Snapshot>, String> {
    if hardware || probe_snapshot.is_some() {
        acquire_snapshot(probe_snapshot).map(Some)
    } else {
        Ok(None)
    }
}
