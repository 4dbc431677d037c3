//! `memmath verify` end to end: the no-NVML path (this project's machines have
//! no NVIDIA driver), snapshot files in and out, and their errors.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

const SPEC: &str = "tests/fixtures/hardware/inline-h100.yaml";
const IDLE: &str = "tests/fixtures/snapshots/h100x8-idle.json";

fn memmath() -> Command {
    let mut cmd = Command::cargo_bin("memmath").expect("binary builds");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd.env_remove("MEMMATH_NVML_LIBRARY");
    cmd
}

/// True on a machine with an NVIDIA driver, where NVML may load.
fn has_driver() -> bool {
    Path::new("/dev/nvidiactl").exists()
}

#[test]
fn verify_without_nvml_exits_2_naming_libnvidia_ml() {
    if has_driver() {
        return;
    }
    memmath()
        .args(["verify", SPEC])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("libnvidia-ml.so.1"))
        .stderr(predicate::str::contains("--probe-snapshot"))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn verify_with_an_unloadable_nvml_library_exits_2() {
    // Forces the no-NVML path even on a machine with a driver.
    memmath()
        .env("MEMMATH_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1")
        .args(["verify", SPEC, "--format", "json"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("libnvidia-ml"))
        .stderr(predicate::str::contains("NVML is not available"));
}

#[test]
fn missing_spec_exits_2_before_probing() {
    memmath()
        .args(["verify", "tests/fixtures/hardware/no-such.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such.yaml"));
}

#[test]
fn missing_snapshot_file_exits_2_naming_it() {
    memmath()
        .args(["verify", SPEC, "--probe-snapshot", "no-such-snapshot.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-snapshot.json"))
        .stderr(predicate::str::contains("cannot read snapshot"));
}

#[test]
fn invalid_snapshot_exits_2_naming_the_file_and_the_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"format": "memmath-gpu-snapshot", "version": 9}"#).expect("write");
    memmath()
        .args(["verify", SPEC, "--probe-snapshot"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.json: invalid GPU snapshot"))
        .stderr(predicate::str::contains("version 9 is not supported"));
}

#[test]
fn save_snapshot_round_trips_a_probed_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let saved = dir.path().join("saved.json");
    let out = memmath()
        .args(["verify", SPEC, "--probe-snapshot", IDLE, "--save-snapshot"])
        .arg(&saved)
        .output()
        .expect("runs");
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let original = std::fs::read_to_string(IDLE).expect("fixture");
    let written = std::fs::read_to_string(&saved).expect("saved");
    assert_eq!(written, original);
    // And the saved file is accepted as a probe in turn.
    let again = memmath()
        .args(["verify", SPEC, "--probe-snapshot"])
        .arg(&saved)
        .output()
        .expect("runs");
    assert_ne!(again.status.code(), Some(2));
}

#[test]
fn json_output_is_one_object_with_findings() {
    let out = memmath()
        .args(["verify", SPEC, "--probe-snapshot", IDLE, "--format", "json"])
        .output()
        .expect("runs");
    assert_ne!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["file"], SPEC);
    assert!(v["findings"].is_array());
    assert!(v.get("hardware").is_some());
}

#[test]
fn unwritable_save_path_exits_2() {
    memmath()
        .args([
            "verify",
            SPEC,
            "--probe-snapshot",
            IDLE,
            "--save-snapshot",
            "/nonexistent-dir/snap.json",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot write snapshot"));
}
