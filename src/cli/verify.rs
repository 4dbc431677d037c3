//! `memmath verify SPEC`: analyze a spec, probe the GPUs (NVML, or a snapshot
//! file with `--probe-snapshot`), print spec and HW findings, exit like `check`.
//!
//! [`hardware_snapshot`] is shared with `check --hardware` and
//! `report --hardware`: all three fail the same way without NVML (exit 2 with a
//! message naming libnvidia-ml), never silently skipping the hardware.

use super::args::{VerifyArgs, VerifyFormat};
use super::config::ConfigCache;
use super::files::read_text;
use super::proctree;
use super::ExitStatus;
use memmath::diagnostics::{self, FileFindings, RenderOptions, Severity};
use memmath::hardware::{
    self, GpuProbe, LiveSection, NvmlProbe, Observation, Snapshot, SnapshotProbe,
};
use memmath::pipeline::Analysis;
use memmath::units::{Bytes, MIB};
use serde_json::json;
use std::path::Path;

/// Environment variable naming the NVML library file to load instead of the
/// loader's `libnvidia-ml.so.1` (unusual driver installs; tests).
pub const NVML_LIBRARY_ENV: &str = "MEMMATH_NVML_LIBRARY";

/// A snapshot of even a 64-GPU machine is a few hundred KiB.
const SNAPSHOT_LIMIT: u64 = 16 << 20;

/// The GPUs to compare with: a snapshot file's, or NVML's. Errors are the
/// tool failing (exit 2) and name the file or libnvidia-ml.
pub fn acquire_snapshot(probe_snapshot: Option<&Path>) -> Result<Snapshot, String> {
    let probe_result = match probe_snapshot {
        Some(path) => {
            let text = read_text(path, SNAPSHOT_LIMIT)
                .map_err(|e| format!("cannot read snapshot: {e}"))?;
            let probe = SnapshotProbe::from_json(&text)
                .map_err(|e| format!("{}: invalid GPU snapshot: {e}", path.display()))?;
            probe.snapshot()
        }
        None => {
            let probed = match std::env::var_os(NVML_LIBRARY_ENV) {
                Some(lib) => NvmlProbe::with_library(lib).snapshot(),
                None => NvmlProbe::new().snapshot(),
            };
            // An engine started from this shell sees only these GPUs. A
            // replayed snapshot is another machine's: the variable is not
            // applied to it.
            match std::env::var("CUDA_VISIBLE_DEVICES") {
                Ok(v) => probed.map(|s| hardware::apply_cuda_visible_devices(s, &v)),
                Err(_) => probed,
            }
        }
    };
    probe_result.map_err(|e| e.to_string())
}

/// For `check` and `report`: a snapshot when `--hardware` or
/// `--probe-snapshot` was given (the latter implies the former), else None.
pub fn hardware_snapshot(
    hardware: bool,
    probe_snapshot: Option<&Path>,
) -> Result<Option<Snapshot>, String> {
    if hardware || probe_snapshot.is_some() {
        acquire_snapshot(probe_snapshot).map(Some)
    } else {
        Ok(None)
    }
}

pub fn run(args: VerifyArgs) -> Result<ExitStatus, String> {
    // A spec that cannot be read is the first thing to report (exit 2).
    std::fs::metadata(&args.spec).map_err(|e| format!("{}: {e}", args.spec.display()))?;
    // Probe before analysing: without NVML there is nothing to verify, and the
    // failure must not hide behind spec findings.
    let snapshot = acquire_snapshot(args.probe_snapshot.as_deref())?;
    if let Some(out) = &args.save_snapshot {
        std::fs::write(out, snapshot.to_json())
            .map_err(|e| format!("{}: cannot write snapshot: {e}", out.display()))?;
    }
    // The nearest memmath.toml applies, as in `check`.
    let rules = ConfigCache::new(None, &[], &[])?.for_spec(&args.spec)?;
    let analysis = super::report::analyze_file_with(&args.spec, &rules, Some(&snapshot))?;
    // The findings (HW ones included, suppressions applied) come from the
    // pipeline; the live report adds the measured-vs-planned section.
    let findings = &analysis.findings;
    let section = hardware::live_report(&analysis, &snapshot).map(|l| l.section);
    let observed = observation(&args, &snapshot, &analysis);
    let files = [FileFindings::new(analysis.source.clone(), findings)];
    match args.format {
        VerifyFormat::Json => {
            let out = json!({
                "file": analysis.source.name,
                "findings": files[0].findings,
                "hardware": section,
                "observed": observed,
            });
            let text = serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?;
            super::output::stdout(&format!("{text}\n"))?;
        }
        VerifyFormat::Full => {
            let opts = RenderOptions {
                color: super::output::use_color(),
                ..RenderOptions::default()
            };
            let mut text = diagnostics::render(diagnostics::Format::Full, &files, &opts);
            if let Some(s) = &section {
                text.push_str(&render_section(s));
            }
            if let Some(o) = &observed {
                text.push_str(&render_observation(o));
            }
            super::output::stdout(&text)?;
        }
    }
    let failed = files[0]
        .findings
        .iter()
        .any(|f| f.severity >= Severity::Error);
    Ok(if failed {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}

/// `--observe`: the pids and, when probing NVML live, their descendants (a
/// snapshot from another machine has no process tree to read).
fn observation(args: &VerifyArgs, snapshot: &Snapshot, analysis: &Analysis) -> Option<Observation> {
    if args.observe.is_empty() {
        return None;
    }
    let pids = if args.probe_snapshot.is_some() {
        args.observe.clone()
    } else {
        proctree::with_descendants(&args.observe)
    };
    match &analysis.plan {
        Some(plan) => Some(hardware::observe(snapshot, &pids, plan)),
        None => {
            eprintln!("memmath: warning: --observe compares with the plan, and this spec could not be planned");
            None
        }
    }
}

fn render_observation(o: &Observation) -> String {
    let pids: Vec<String> = o.pids.iter().map(u32::to_string).collect();
    let mut out = format!("observed pid(s) {}:", pids.join(", "));
    if o.devices.is_empty() {
        out.push_str(" no GPU memory held (NVML lists none of them)\n");
        return out;
    }
    out.push('\n');
    for d in &o.devices {
        out.push_str(&format!(
            "  GPU {} holds {}, the plan predicted {} ({:+.1}%)",
            d.index, d.used_bytes, o.planned_bytes, d.error_percent
        ));
        if !d.unattributed_pids.is_empty() {
            let p: Vec<String> = d.unattributed_pids.iter().map(u32::to_string).collect();
            out.push_str(&format!(
                "; NVML could not attribute memory of pid(s) {}",
                p.join(", ")
            ));
        }
        out.push('\n');
    }
    out
}

/// The measured-vs-planned table after the findings.
fn render_section(s: &LiveSection) -> String {
    let mut out = format!(
        "\nLive hardware ({}; driver {}, CUDA {}): {} GPU(s); the spec uses {} per node of `{}` ({} CUDA-visible{})\n",
        s.source,
        s.driver_version.as_deref().unwrap_or("unknown"),
        s.cuda_driver_version.as_deref().unwrap_or("unknown"),
        s.device_count,
        s.gpus_needed_per_node,
        s.planned_gpu,
        s.planned_total_bytes,
        s.planned_need_bytes
            .map_or(String::new(), |n| format!(", needs {n} free per GPU")),
    );
    for d in &s.devices {
        out.push_str(&format!(
            "  GPU {} `{}`{}: NVML total {}, ~{} CUDA-visible, {} free, {} used{}\n",
            d.index,
            d.name,
            if d.used_by_spec { "" } else { " (not used)" },
            mib(d.nvml_total_bytes),
            d.cuda_total_bytes,
            mib(d.free_bytes),
            mib(d.used_bytes),
            d.compute_capability
                .as_deref()
                .map_or(String::new(), |cc| format!(", compute capability {cc}")),
        ));
    }
    if let Some(r) = &s.replan {
        let kv = match r.measured_kv_cache_bytes {
            Some(m) => format!(
                "KV cache {} per GPU (planned {})",
                memmath::units::format_gib(i128::from(m)),
                memmath::units::format_gib(i128::from(r.planned_kv_cache_bytes))
            ),
            None => format!(
                "re-plan failed: {}",
                r.error.as_deref().unwrap_or("unknown")
            ),
        };
        let tokens = match (r.measured_capacity_tokens, r.planned_capacity_tokens) {
            (Some(m), Some(p)) => format!(
                ", {} tokens per engine instance (planned {})",
                group(m),
                group(p)
            ),
            _ => String::new(),
        };
        out.push_str(&format!(
            "  Re-planned on GPU {}'s {}: {kv}{tokens}\n",
            r.device_index, r.cuda_total_bytes
        ));
    }
    out
}

/// NVML figures in MiB, as nvidia-smi prints them.
fn mib(b: Bytes) -> String {
    format!("{} MiB", group(b.0 / MIB))
}

fn group(n: u64) -> String {
    memmath::report::group_digits(i128::from(n))
}
