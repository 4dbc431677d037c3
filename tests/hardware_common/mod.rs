//! Shared builders for the hardware tests: the committed spec
//! tests/fixtures/hardware/llama-8b-h100.yaml (as its JSON value, so a test can
//! edit a field), the model and GPU the catalogue resolves it to, the plan
//! `plan::compute` gives, and NVML-like devices.
#![allow(dead_code)]

use memmath::catalog::{self, MemoryFiles, Resolved};
use memmath::hardware::{DeviceMemory, DeviceSnapshot, MigState, ProcessSnapshot, Snapshot};
use memmath::plan::{self, Plan};
use memmath::source::SourceFile;
use memmath::spec::{self, Spec};
use memmath::units::{Bytes, MIB};
use serde_json::Value;
use std::path::Path;

/// NVML's total of an H100 SXM 80GB (81,559 MiB), the catalogue's figure.
pub const H100_NVML: u64 = 81_559 * MIB;
/// CUDA-visible total of the same board, the catalogue's measured 79.11 GiB
/// floored to bytes: floor(79.11 x 2^30) = 84,943,715,696 (catalog/gpus.yaml,
/// torch's "total capacity" in vllm-project/vllm#27508).
pub const H100_CUDA: u64 = 84_943_715_696;

const BASE: &str = include_str!("../fixtures/hardware/llama-8b-h100.yaml");

/// The base spec's value with `parallelism.tensor` set to `tp`.
pub fn spec_json(tp: u64) -> Value {
    let source = SourceFile::new("llama-8b-h100.yaml", BASE);
    let mut v = spec::parse(&source).expect("the fixture parses").value;
    v["parallelism"]["tensor"] = Value::from(tp);
    v
}

pub fn spec(v: Value) -> Spec {
    serde_json::from_value(v).expect("test spec deserializes")
}

/// What the catalogue resolves the base spec to (Llama 3.1 8B, BF16; the
/// H100 SXM with both totals known), as a value a test can edit.
pub fn resolved_json() -> Value {
    let (r, findings) = catalog::resolve(&spec(spec_json(1)), Path::new("."), &MemoryFiles::new());
    let r = r.unwrap_or_else(|| panic!("the fixture resolves: {findings:#?}"));
    assert_eq!(r.gpu.memory_bytes, Bytes(H100_CUDA));
    assert_eq!(r.gpu.nvml_memory_bytes, Some(Bytes(H100_NVML)));
    serde_json::to_value(r).expect("resolved serializes")
}

pub fn resolved(v: Value) -> Resolved {
    serde_json::from_value(v).expect("test resolved deserializes")
}

/// `plan::compute` on the spec and the resolved model and GPU.
pub fn plan_of(spec: &Spec, resolved: &Resolved) -> Plan {
    plan::compute(spec, resolved).expect("the fixture plans")
}

/// The base spec at tensor `tp` planned on a GPU of `total` CUDA-visible bytes.
pub fn plan_on(total: u64, tp: u64) -> Plan {
    let mut r = resolved(resolved_json());
    r.gpu.memory_bytes = Bytes(total);
    plan_of(&spec(spec_json(tp)), &r)
}

/// An idle H100 as NVML reports it.
pub fn h100(index: u32) -> DeviceSnapshot {
    let reserved = H100_NVML - H100_CUDA;
    let used = 4 * MIB;
    DeviceSnapshot {
        index,
        name: "NVIDIA H100 80GB HBM3".into(),
        uuid: Some(format!("GPU-00000000-0000-0000-0000-00000000000{index}")),
        memory: DeviceMemory {
            total_bytes: Bytes(H100_NVML),
            free_bytes: Bytes(H100_NVML - reserved - used),
            used_bytes: Bytes(used),
            reserved_bytes: Some(Bytes(reserved)),
        },
        compute_capability: Some("9.0".into()),
        mig: Some(MigState {
            current: false,
            pending: false,
        }),
        processes: Some(Vec::new()),
    }
}

/// A process holding `mib` MiB.
pub fn process(pid: u32, name: &str, mib: u64) -> ProcessSnapshot {
    ProcessSnapshot {
        pid,
        name: Some(name.into()),
        used_bytes: Some(Bytes(mib * MIB)),
    }
}

pub fn snapshot(devices: Vec<DeviceSnapshot>) -> Snapshot {
    let mut s = Snapshot::new("test");
    s.driver_version = Some("550.54.15".into());
    s.cuda_driver_version = Some("12.4".into());
    s.devices = devices;
    s
}
