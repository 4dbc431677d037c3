//! Re-planning on measured memory: the CUDA-visible estimate from NVML and the
//! plan re-run with it.

mod hardware_common;

use hardware_common::*;
use memmath::hardware::{cuda_visible_estimate, replan_with};
use memmath::units::{Bytes, MIB};

#[test]
fn estimate_prefers_the_catalogue_difference() {
    let r = resolved(resolved_json());
    let mut d = h100(0);
    d.memory.total_bytes = Bytes(95_830 * MIB);
    d.memory.reserved_bytes = Some(Bytes(1000 * MIB));
    let e = cuda_visible_estimate(&d, &r.gpu);
    // The catalogue's H100 SXM difference: 81,559 MiB - 84,943,715,696 bytes
    // (79.11 GiB) = 577,094,288 bytes, taken from the NVL's 95,830 MiB.
    assert_eq!(H100_NVML - H100_CUDA, 577_094_288);
    assert_eq!(e.bytes, Bytes(95_830 * MIB - 577_094_288));
    assert!(e.basis.contains("catalogue"), "{}", e.basis);
}

#[test]
fn estimate_falls_back_to_reserved_then_total() {
    let mut r = resolved(resolved_json());
    r.gpu.nvml_memory_bytes = None;
    let mut d = h100(0);
    d.memory.reserved_bytes = Some(Bytes(500 * MIB));
    let e = cuda_visible_estimate(&d, &r.gpu);
    assert_eq!(e.bytes, Bytes(H100_NVML - 500 * MIB));
    assert!(e.basis.contains("reserved"));
    d.memory.reserved_bytes = None;
    let e = cuda_visible_estimate(&d, &r.gpu);
    assert_eq!(e.bytes, Bytes(H100_NVML));
    assert!(e.basis.starts_with("NVML total"));
}

#[test]
fn replan_runs_the_plan_on_the_measured_memory_only() {
    let s = spec(spec_json(1));
    let r = resolved(resolved_json());
    let measured = Bytes(93 * 1024 * MIB);
    let seen = std::cell::RefCell::new(None);
    let plan = replan_with(&s, &r, measured, |spec, res| {
        *seen.borrow_mut() = Some(res.clone());
        memmath::plan::compute(spec, res)
    })
    .expect("re-plan");
    assert_eq!(plan.per_gpu.total_bytes, measured);
    let seen = seen.into_inner().expect("called");
    assert_eq!(seen.gpu.memory_bytes, measured);
    // Everything else is the resolved input, unchanged.
    let mut expect = r.clone();
    expect.gpu.memory_bytes = measured;
    assert_eq!(seen, expect);
    let planned = plan_on(H100_CUDA, 1);
    assert!(plan.per_gpu.kv_cache_bytes > planned.per_gpu.kv_cache_bytes);
}
