//! GPU probe snapshot files (`verify --probe-snapshot`): parse arbitrary text,
//! then run every HW check against a planned spec, observe pids, and round-trip
//! the snapshot through its own JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memmath::catalog::MemoryFiles;
use memmath::hardware::{self, Snapshot};
use memmath::pipeline::{analyze_with_hardware, AnalyzeOptions};
use memmath::rules::RulesConfig;
use memmath::source::SourceFile;
use std::path::PathBuf;

const SPEC: &str = include_str!("../../specs/llama-3.1-8b-h100.yaml");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(snap) = Snapshot::from_json(text) else {
        return;
    };
    let again = Snapshot::from_json(&snap.to_json());
    assert_eq!(again.as_ref().ok(), Some(&snap), "snapshot does not round-trip");
    let files = MemoryFiles::new();
    let rules = RulesConfig::default();
    let opts = AnalyzeOptions {
        files: &files,
        spec_dir: PathBuf::from("."),
        rules: &rules,
        inline_ignores: true,
    };
    // The HW checks run inside the pipeline, once, against the snapshot.
    let a = analyze_with_hardware(SourceFile::new("spec.yaml", SPEC), &opts, Some(&snap));
    if let Some(plan) = &a.plan {
        let pids: Vec<u32> = snap
            .devices
            .iter()
            .flat_map(|d| d.processes.iter().flatten().map(|p| p.pid))
            .collect();
        let _ = hardware::observe(&snap, &pids, plan);
    }
});
