//! `memmath verify SPEC`: analyze a spec, probe the GPUs (NVML, or a snapshot
//! file with `--probe-snapshot`), print spec and HW findings, exit like `check`.
//!
//! [`acquire_snapshot`] is shared with `check --hardware` and
//! `report --hardware`: all three fail the same way without NVML (exit 2 with a
//! message naming libnvidia-ml), never silently skipping the hardware.

use super::args::{VerifyArgs, VerifyFormat};
use super::files::{read_text, RealFiles};
use super::load::{load_spec, Loaded};
use super::proctree;
use super::ExitStatus;
use memmath::diagnostics::{LocatedFinding, Severity};
use memmath::hardware::{
    self, GpuProbe, LiveSection, NvmlProbe, Observation, Snapshot, SnapshotProbe,
};
use memmath::pipeline::{analyze, Analysis, AnalyzeOptions};
use memmath::rules::RulesConfig;
use memmath::units::Bytes;
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
        None => match std::env::var_os(NVML_LIBRARY_ENV) {
            Some(lib) => NvmlProbe::with_library(lib).snapshot(),
            None => NvmlProbe::new().snapshot(),
        },
    };
    probe_result.map_err(|e| e.to_string())
}

pub fn run(args: VerifyArgs) -> Result<ExitStatus, String> {
    let path = &args.spec;
    let loaded = load_spec(path)?;
    // Probe before analysing: without NVML there is nothing to verify, and the
    // failure must not hide behind spec findings.
    let snapshot = acquire_snapshot(args.probe_snapshot.as_deref())?;
    if let Some(out) = &args.save_snapshot {
        std::fs::write(out, snapshot.to_json())
            .map_err(|e| format!("{}: cannot write snapshot: {e}", out.display()))?;
    }
    let rules = RulesConfig::default();
    let opts = AnalyzeOptions {
        files: &RealFiles,
        spec_dir: path.parent().unwrap_or(Path::new(".")).to_path_buf(),
        rules: &rules,
        inline_ignores: true,
    };
    let analysis = match loaded {
        Loaded::Rejected(source, f) => Analysis {
            source,
            doc: None,
            spec: None,
            resolved: None,
            plan: None,
            findings: vec![f],
        },
        Loaded::Text(source) => analyze(source, &opts),
    };
    let live = hardware::live_report(&analysis, &snapshot);
    let mut findings = analysis.findings.clone();
    let section = live.map(|l| {
        findings.extend(l.findings);
        l.section
    });
    findings.sort_by_key(|f| f.sort_key());
    let observed = observation(&args, &snapshot, &analysis);
    let located: Vec<LocatedFinding> = findings
        .iter()
        .map(|f| LocatedFinding::locate(f, &analysis.source))
        .collect();
    match args.format {
        VerifyFormat::Json => {
            let out = json!({
                "file": analysis.source.name,
                "findings": located,
                "hardware": section,
                "observed": observed,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
            );
        }
        VerifyFormat::Full => {
            print!("{}", render_full(&located, section.as_ref()));
            if let Some(o) = &observed {
                print!("{}", render_observation(o));
            }
        }
    }
    let failed = located.iter().any(|f| f.severity >= Severity::Error);
    Ok(if failed {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}

/// `--observe`: the pids and, when probing NVML live, their descendants (a
/// snapshot from another machine has no process tree to read).
fn observation(
    args: &VerifyArgs,
    snapshot: &Snapshot,
    analysis: &memmath::pipeline::Analysis,
) -> Option<Observation> {
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

/// Findings one per line (`file:line:col: severity[CODE] name: message`), then
/// the measured-vs-planned table and a count.
fn render_full(findings: &[LocatedFinding], section: Option<&LiveSection>) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!(
            "{}:{}:{}: {}[{}] {}: {}\n",
            f.file, f.line, f.column, f.severity, f.code, f.name, f.message
        ));
        if let Some(fix) = &f.fix {
            out.push_str(&format!("  fix: {fix}\n"));
        }
    }
    if let Some(s) = section {
        out.push_str(&render_section(s));
    }
    let count = |sev: Severity| findings.iter().filter(|f| f.severity == sev).count();
    out.push_str(&format!(
        "{} error(s), {} warning(s), {} info\n",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    ));
    out
}

fn render_section(s: &LiveSection) -> String {
    let mut out = format!(
        "live hardware ({}; driver {}, CUDA {}): {} GPU(s), the spec uses {} per node of `{}` ({} CUDA-visible{})\n",
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
            (Some(m), Some(p)) => format!(", {m} tokens per engine instance (planned {p})"),
            _ => String::new(),
        };
        out.push_str(&format!(
            "  re-planned on GPU {}'s {}: {kv}{tokens}\n",
            r.device_index, r.cuda_total_bytes
        ));
    }
    out
}

/// NVML figures in MiB, as nvidia-smi prints them.
fn mib(b: Bytes) -> String {
    format!("{} MiB", b.0 / memmath::units::MIB)
}
