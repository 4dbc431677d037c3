//! The snapshot file format: round trip, the fixtures, and the errors a
//! hand-edited file gets.

mod hardware_common;

use hardware_common::*;
use memmath::hardware::{GpuProbe, Snapshot, SnapshotProbe, SNAPSHOT_FORMAT, SNAPSHOT_VERSION};
use serde_json::json;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/snapshots/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn save_then_load_is_identity() {
    let mut snap = snapshot((0..3).map(h100).collect());
    snap.devices[1].processes = Some(vec![process(4242, "python3", 1024)]);
    snap.devices[2].processes = None;
    snap.devices[2].mig = None;
    let text = snap.to_json();
    assert!(text.ends_with("}\n"));
    let back = Snapshot::from_json(&text).expect("round trip");
    assert_eq!(back, snap);
    // Writing again gives the same bytes (deterministic output).
    assert_eq!(back.to_json(), text);
}

#[test]
fn fixtures_parse_and_rewrite_byte_identical() {
    for name in [
        "h100x8-idle.json",
        "h100x1-busy.json",
        "a100x4-mig.json",
        "h200x8-idle.json",
    ] {
        let text = fixture(name);
        let snap = Snapshot::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(snap.format, SNAPSHOT_FORMAT);
        assert_eq!(snap.version, SNAPSHOT_VERSION);
        assert_eq!(snap.to_json(), text, "{name}");
    }
}

#[test]
fn snapshot_probe_replays_the_file() {
    let probe = SnapshotProbe::from_json(&fixture("h100x8-idle.json")).expect("parses");
    let snap = probe.snapshot().expect("replays");
    assert_eq!(snap.devices.len(), 8);
    assert_eq!(snap.devices[7].index, 7);
}

fn err(text: &str) -> String {
    match Snapshot::from_json(text) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn rejects_what_is_not_a_snapshot() {
    assert!(err("{").contains("not valid JSON"));
    assert!(err("[]").contains("JSON object"));
    assert!(err(r#"{"apiVersion": "memmath/v1"}"#).contains("`format` is missing"));
    assert!(err(r#"{"format": "other", "version": 1}"#).contains("\"other\""));
    let v2 = json!({"format": SNAPSHOT_FORMAT, "version": 2});
    assert!(err(&v2.to_string()).contains("version 2 is not supported"));
    let nover = json!({"format": SNAPSHOT_FORMAT});
    assert!(err(&nover.to_string()).contains("`version`"));
}

#[test]
fn rejects_bad_fields_with_a_location() {
    let mut v = serde_json::to_value(snapshot(vec![h100(0)])).expect("value");
    v["devices"][0]["memory"]["free"] = json!(1);
    let text = serde_json::to_string_pretty(&v).expect("text");
    let e = err(&text);
    assert!(e.contains("unknown field `free`"), "{e}");
    assert!(e.contains("line"), "{e}");
}

#[test]
fn rejects_inconsistent_devices() {
    let mut snap = snapshot(vec![h100(0), h100(0)]);
    assert!(err(&snap.to_json()).contains("index 0 appears twice"));
    snap.devices.pop();
    snap.devices[0].memory.free_bytes.0 = snap.devices[0].memory.total_bytes.0 + 1;
    assert!(err(&snap.to_json()).contains("must not exceed total_bytes"));
    let mut snap = snapshot(vec![h100(0)]);
    snap.devices[0].compute_capability = Some("nine".into());
    assert!(err(&snap.to_json()).contains("not MAJOR.MINOR"));
}
