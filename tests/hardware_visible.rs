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
