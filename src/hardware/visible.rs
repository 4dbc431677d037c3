//! `CUDA_VISIBLE_DEVICES`: an engine started in this environment sees only
//! those GPUs, in that order, so the checks must compare those (the CLI reads
//! the variable and passes its value in).
//!
//! Entries are NVML indices or UUIDs (`GPU-8f6c...`, any unique prefix), as
//! CUDA accepts them; like CUDA, the list ends at the first entry that names
//! no device. An index is CUDA's device number, which equals NVML's when
//! `CUDA_DEVICE_ORDER=PCI_BUS_ID` or on a node of identical GPUs (CUDA's
//! default fastest-first order breaks ties by PCI bus).

use super::{DeviceSnapshot, Snapshot};

/// The devices `CUDA_VISIBLE_DEVICES=value` leaves visible, in its order, with
/// the variable recorded in `source`.
pub fn apply_cuda_visible_devices(snapshot: Snapshot, value: &str) -> Snapshot {
    let mut chosen: Vec<DeviceSnapshot> = Vec::new();
    for entry in value.split(',').map(str::trim) {
        let Some(device) = resolve(&snapshot.devices, entry) else {
            break;
        };
        // A device named twice makes CUDA fail to initialise; keep it once.
        if chosen.iter().any(|d| d.index == device.index) {
            break;
        }
        chosen.push(device.clone());
    }
    Snapshot {
        source: format!("{} (CUDA_VISIBLE_DEVICES={value})", snapshot.source),
        devices: chosen,
        ..snapshot
    }
}

fn resolve<'a>(devices: &'a [DeviceSnapshot], entry: &str) -> Option<&'a DeviceSnapshot> {
    if entry.is_empty() {
        return None;
    }
    if let Ok(index) = entry.parse::<u32>() {
        return devices.iter().find(|d| d.index == index);
    }
    if entry.starts_with("GPU-") {
        let mut hits = devices
            .iter()
            .filter(|d| d.uuid.as_deref().is_some_and(|u| u.starts_with(entry)));
        let first = hits.next()?;
        // An ambiguous prefix names no device.
        return hits.next().is_none().then_some(first);
    }
    // `MIG-...` instances and anything else: not a whole device.
    None
}
