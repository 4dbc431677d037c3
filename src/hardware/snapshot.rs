//! The snapshot file: parse (with checks a hand-edited file needs), write, and
//! the [`SnapshotProbe`] that replays one instead of asking NVML.
//!
//! A bad snapshot file is the tool's input failing, like a bad `memmath.toml`:
//! an error (exit 2 naming the file), never a finding about the spec.

use super::{GpuProbe, ProbeError, Snapshot};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt;

/// The `format` key every snapshot carries.
pub const SNAPSHOT_FORMAT: &str = "memmath-gpu-snapshot";
/// The snapshot version this memmath reads and writes.
pub const SNAPSHOT_VERSION: u32 = 1;

/// Why a snapshot's text was rejected; the CLI prefixes the file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotError(pub String);

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SnapshotError {}

impl Snapshot {
    /// An empty snapshot of the current version (a probe fills `devices`).
    pub fn new(source: impl Into<String>) -> Snapshot {
        Snapshot {
            format: SNAPSHOT_FORMAT.to_string(),
            version: SNAPSHOT_VERSION,
            source: source.into(),
            driver_version: None,
            cuda_driver_version: None,
            devices: Vec::new(),
        }
    }

    /// Parse a snapshot file's text.
    pub fn from_json(text: &str) -> Result<Snapshot, SnapshotError> {
        // Check the envelope first so an unrelated JSON file or a newer version
        // gets a sentence about that, not a missing-field error from deep inside.
        let value: Value = serde_json::from_str(text)
            .map_err(|e| SnapshotError(format!("not valid JSON: {e}")))?;
        let Value::Object(map) = &value else {
            return Err(SnapshotError("a snapshot is a JSON object".into()));
        };
        match map.get("format").and_then(Value::as_str) {
            Some(SNAPSHOT_FORMAT) => {}
            other => {
                return Err(SnapshotError(format!(
                    "`format` is {}, expected \"{SNAPSHOT_FORMAT}\" (write one with `memmath verify SPEC --save-snapshot FILE`)",
                    other.map_or("missing".to_string(), |s| format!("\"{s}\""))
                )))
            }
        }
        match map.get("version").and_then(Value::as_u64) {
            Some(v) if v == u64::from(SNAPSHOT_VERSION) => {}
            Some(v) => {
                return Err(SnapshotError(format!(
                    "snapshot version {v} is not supported; this memmath reads version {SNAPSHOT_VERSION}"
                )))
            }
            None => {
                return Err(SnapshotError(
                    "`version` is missing or not an integer".into(),
                ))
            }
        }
        // Deserialize from the text (not the value) so errors carry line/column.
        let snap: Snapshot =
            serde_json::from_str(text).map_err(|e| SnapshotError(e.to_string()))?;
        validate(&snap)?;
        Ok(snap)
    }

    /// The snapshot file's text: pretty JSON with a trailing newline, keys in a
    /// fixed order, so a saved snapshot diffs cleanly.
    pub fn to_json(&self) -> String {
        // Serializing plain structs of strings and integers cannot fail; fall
        // back to an empty object rather than panic if that ever changes.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into());
        text.push('\n');
        text
    }
}

/// Checks serde cannot express; a hand-edited file is the usual culprit.
fn validate(snap: &Snapshot) -> Result<(), SnapshotError> {
    let mut seen = BTreeSet::new();
    for d in &snap.devices {
        if !seen.insert(d.index) {
            return Err(SnapshotError(format!(
                "device index {} appears twice",
                d.index
            )));
        }
        let m = &d.memory;
        if m.free_bytes > m.total_bytes || m.used_bytes > m.total_bytes {
            return Err(SnapshotError(format!(
                "device {}: free_bytes ({}) and used_bytes ({}) must not exceed total_bytes ({})",
                d.index, m.free_bytes.0, m.used_bytes.0, m.total_bytes.0
            )));
        }
        if let Some(cc) = &d.compute_capability {
            if super::checks::parse_compute_capability(cc).is_none() {
                return Err(SnapshotError(format!(
                    "device {}: compute_capability \"{cc}\" is not MAJOR.MINOR",
                    d.index
                )));
            }
        }
    }
    Ok(())
}

/// A probe that replays a snapshot: the fake for tests, and how a user checks a
/// spec against a machine they are not on.
#[derive(Clone, Debug)]
pub struct SnapshotProbe {
    snapshot: Snapshot,
}

impl SnapshotProbe {
    pub fn new(snapshot: Snapshot) -> SnapshotProbe {
        SnapshotProbe { snapshot }
    }
    /// Parse a snapshot file's text (read by the caller).
    pub fn from_json(text: &str) -> Result<SnapshotProbe, SnapshotError> {
        Snapshot::from_json(text).map(SnapshotProbe::new)
    }
}

impl GpuProbe for SnapshotProbe {
    fn snapshot(&self) -> Result<Snapshot, ProbeError> {
        Ok(self.snapshot.clone())
    }
}
