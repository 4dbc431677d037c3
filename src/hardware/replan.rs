//! Re-plan on measured memory: turn NVML's total into the CUDA-visible total a
//! plan uses (design.md section 4b), and run the plan again with it.

use super::DeviceSnapshot;
use crate::catalog::{GpuInfo, Resolved};
use crate::diagnostics::Finding;
use crate::plan::Plan;
use crate::spec::Spec;
use crate::units::Bytes;
use serde::Serialize;

/// The CUDA-visible total estimated from one device's NVML figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CudaVisibleEstimate {
    pub bytes: Bytes,
    /// How it was obtained, for the report and the HW004 message.
    pub basis: String,
    /// True when nothing was subtracted: the figure is NVML's total, which is
    /// above the CUDA-visible total by the driver's unknown reservation.
    pub upper_bound: bool,
}

/// NVML's total includes driver-reserved memory that CUDA never shows. In order
/// of preference: subtract the catalogue's own NVML-minus-CUDA difference for
/// this GPU (measured on real hardware, so the re-plan lands on the figure CUDA
/// will report), else NVML's `reserved` (v2 API), else take NVML's total as is
/// (over-estimates by about 0.5%).
pub fn cuda_visible_estimate(device: &DeviceSnapshot, gpu: &GpuInfo) -> CudaVisibleEstimate {
    let total = device.memory.total_bytes;
    if let Some(diff) = gpu
        .nvml_memory_bytes
        .and_then(|nvml| nvml.checked_sub(gpu.memory_bytes))
    {
        return CudaVisibleEstimate {
            bytes: total.saturating_sub(diff),
            basis: format!(
                "NVML total minus the catalogue's NVML-CUDA difference for {} ({})",
                gpu.id, diff
            ),
            upper_bound: false,
        };
    }
    if let Some(reserved) = device.memory.reserved_bytes.filter(|r| r.0 > 0) {
        return CudaVisibleEstimate {
            bytes: total.saturating_sub(reserved),
            basis: format!("NVML total minus NVML's driver-reserved {reserved}"),
            upper_bound: false,
        };
    }
    CudaVisibleEstimate {
        bytes: total,
        basis: "NVML total (no catalogue difference or reserved figure known)".into(),
        upper_bound: true,
    }
}

/// Run `compute` (normally `plan::compute`) on the spec with the GPU's
/// CUDA-visible memory replaced by a measured figure. Passing the function in
/// keeps this testable against a plan the test constructs.
pub fn replan_with<F>(
    spec: &Spec,
    resolved: &Resolved,
    cuda_total: Bytes,
    compute: F,
) -> Result<Plan, Box<Finding>>
where
    F: Fn(&Spec, &Resolved) -> Result<Plan, Box<Finding>>,
{
    let mut measured = resolved.clone();
    measured.gpu.memory_bytes = cuda_total;
    compute(spec, &measured)
}
