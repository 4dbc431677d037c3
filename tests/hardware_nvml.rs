//! The NVML probe's failure path, which every machine without a driver takes:
//! a clean error naming libnvidia-ml, never a panic.

use memmath::hardware::{GpuProbe, NvmlProbe, ProbeError};

#[test]
fn unloadable_library_is_nvml_unavailable() {
    let err = NvmlProbe::with_library("/nonexistent/libnvidia-ml.so.1")
        .snapshot()
        .expect_err("no library at that path");
    assert!(matches!(err, ProbeError::NvmlUnavailable(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("libnvidia-ml.so.1"), "{text}");
    assert!(text.contains("--probe-snapshot"), "{text}");
}

#[test]
fn default_probe_without_a_driver_fails_cleanly() {
    if std::path::Path::new("/dev/nvidiactl").exists() {
        return; // a GPU machine: NVML may load, which is not this test's subject
    }
    match NvmlProbe::new().snapshot() {
        Err(ProbeError::NvmlUnavailable(why)) => assert!(!why.is_empty()),
        other => panic!("expected NvmlUnavailable, got {other:?}"),
    }
}
