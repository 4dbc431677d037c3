//! `CUDA_VISIBLE_DEVICES` applied to a probed snapshot.

mod hardware_common;

use hardware_common::*;
use memmath::hardware::apply_cuda_visible_devices;

fn indices(v: &str) -> Vec<u32> {
    let snap = snapshot((0..4).map(h100).collect());
    apply_cuda_visible_devices(snap, v)
        .devices
        .iter()
        .map(|d| d.index)
        .collect()
}

#[test]
fn indices_and_uuids_in_the_variables_order() {
    assert_eq!(indices("2,3"), [2, 3]);
    assert_eq!(indices("3, 1"), [3, 1]);
    // h100(i) has uuid GPU-00000000-0000-0000-0000-00000000000{i}.
    assert_eq!(
        indices("GPU-00000000-0000-0000-0000-000000000002,0"),
        [2, 0]
    );
}

#[test]
fn the_list_ends_at_the_first_entry_naming_no_device() {
    assert_eq!(indices("1,7,2"), [1]);
    assert_eq!(indices(""), Vec::<u32>::new());
    assert_eq!(indices("-1"), Vec::<u32>::new());
    assert_eq!(indices("0,0,1"), [0]);
    // A prefix all four UUIDs share is ambiguous.
    assert_eq!(indices("GPU-0000"), Vec::<u32>::new());
    assert_eq!(indices("MIG-abc"), Vec::<u32>::new());
}

#[test]
fn source_records_the_variable() {
    let snap = apply_cuda_visible_devices(snapshot(vec![h100(0)]), "0");
    assert_eq!(snap.source, "test (CUDA_VISIBLE_DEVICES=0)");
}

#[test]
fn hw002_counts_only_visible_devices() {
    use memmath::hardware::{check_with, LiveInputs};
    let snap = apply_cuda_visible_devices(snapshot((0..8).map(h100).collect()), "4,5,6");
    let spec = spec(spec_json(4));
    let resolved = resolved(resolved_json());
    let plan = plan_on(H100_CUDA, 4);
    let r = check_with(
        LiveInputs {
            spec: &spec,
            resolved: &resolved,
            plan: Some(&plan),
        },
        &snap,
        memmath::plan::compute,
    );
    let f: Vec<_> = r.findings.iter().filter(|f| f.code == "HW002").collect();
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message
            .contains("3 are visible here (CUDA_VISIBLE_DEVICES)"),
        "{}",
        f[0].message
    );
    let used: Vec<u32> = r.section.devices.iter().map(|d| d.index).collect();
    assert_eq!(used, [4, 5, 6]);
}
