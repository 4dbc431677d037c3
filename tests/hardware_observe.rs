//! `--observe PID`: memory the engine's processes hold against the plan.

mod hardware_common;

use hardware_common::*;
use memmath::hardware::{observe, ProcessSnapshot};
use memmath::units::{Bytes, MIB};

#[test]
fn sums_the_observed_processes_per_device_and_reports_the_error() {
    let plan = plan_on(H100_CUDA, 2);
    // vLLM's per-GPU budget at any TP: floor(84,943,715,696 x 0.90).
    let budget = plan.per_gpu.budget_bytes;
    assert_eq!(budget, Bytes(76_449_344_126));
    let mut snap = snapshot(vec![h100(0), h100(1), h100(2)]);
    // Two workers of one engine on GPUs 0 and 1, a stranger on GPU 2.
    snap.devices[0].processes = Some(vec![process(101, "VllmWorker", 70_000)]);
    snap.devices[1].processes = Some(vec![
        process(102, "VllmWorker", 72_000),
        process(100, "vllm", 500),
    ]);
    snap.devices[2].processes = Some(vec![process(999, "python3", 10_000)]);
    let o = observe(&snap, &[102, 100, 101], &plan);
    assert_eq!(o.pids, [100, 101, 102]);
    assert_eq!(o.planned_bytes, budget);
    let idx: Vec<u32> = o.devices.iter().map(|d| d.index).collect();
    assert_eq!(idx, [0, 1]);
    assert_eq!(o.devices[0].used_bytes, Bytes(70_000 * MIB));
    assert_eq!(o.devices[1].used_bytes, Bytes(72_500 * MIB));
    let err = (70_000 * MIB) as i64 - budget.0 as i64;
    assert_eq!(o.devices[0].error_bytes, err);
    let pct = err as f64 / budget.0 as f64 * 100.0;
    assert!((o.devices[0].error_percent - pct).abs() < 1e-9);
}

#[test]
fn unknown_pids_and_unattributed_memory() {
    let plan = plan_on(H100_CUDA, 1);
    let mut snap = snapshot(vec![h100(0)]);
    snap.devices[0].processes = Some(vec![ProcessSnapshot {
        pid: 7,
        name: None,
        used_bytes: None,
    }]);
    assert!(observe(&snap, &[8], &plan).devices.is_empty());
    let o = observe(&snap, &[7], &plan);
    assert_eq!(o.devices[0].unattributed_pids, [7]);
    assert_eq!(o.devices[0].used_bytes, Bytes(0));
}

#[test]
fn absurd_sizes_saturate_instead_of_panicking() {
    let plan = plan_on(H100_CUDA, 1);
    let mut snap = snapshot(vec![h100(0)]);
    let huge = ProcessSnapshot {
        pid: 1,
        name: None,
        used_bytes: Some(Bytes(u64::MAX)),
    };
    let mut again = huge.clone();
    again.pid = 2;
    snap.devices[0].processes = Some(vec![huge, again]);
    let o = observe(&snap, &[1, 2], &plan);
    assert_eq!(o.devices[0].used_bytes, Bytes(u64::MAX));
}
