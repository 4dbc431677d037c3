//! The "Live hardware" part of a spec's report (`report --hardware`) and of
//! `memmath verify`'s terminal output: a [`LiveSection`] (measured vs planned
//! per GPU) formatted once here, so the Markdown and HTML templates and the
//! plain text ([`text`]) lay out the same sentences and cells.
//!
//! Strings stay raw, like the rest of the model: a GPU or process name from
//! NVML or a snapshot file is untrusted text, and the templates' autoescape
//! escapes it for the output language.

use crate::hardware::{LiveSection, ProcessSnapshot};
use crate::pipeline::Analysis;
use crate::units::{format_spare, plural, Bytes, MIB};
use serde::Serialize;

/// Measured vs planned on this machine, for one spec.
#[derive(Clone, Debug, Serialize)]
pub struct LiveView {
    /// `metadata.name (file)`, printed after "Live hardware: ".
    pub title: String,
    /// The sentence above the table: probe, driver, GPUs, what the spec needs.
    pub summary: String,
    /// One row per device NVML sees, in index order.
    pub devices: Vec<LiveRow>,
    /// The sentence below the table: the plan re-run on measured memory.
    pub replan: Option<String>,
    /// Devices with processes holding memory (largest first).
    pub held: Vec<HeldRow>,
}

/// One device, its cells formatted.
#[derive(Clone, Debug, Serialize)]
pub struct LiveRow {
    pub index: u32,
    pub name: String,
    /// Whether the deployment uses this device.
    pub used_by_spec: bool,
    pub nvml_total: String,
    pub cuda_total: String,
    pub free: String,
    /// Free memory minus the plan's per-GPU need (`-` when not planned).
    pub free_minus_need: String,
    pub compute_capability: String,
    /// `on`, `off` or `-`.
    pub mig: String,
}

/// Who holds memory on one device.
#[derive(Clone, Debug, Serialize)]
pub struct HeldRow {
    pub index: u32,
    /// `pid 4242 python3 (38,912 MiB)`, largest first.
    pub processes: Vec<String>,
}

/// The view of `s` for the spec analyzed in `a`.
pub fn view(a: &Analysis, s: &LiveSection) -> LiveView {
    let title = match &a.spec {
        Some(spec) => format!("{} ({})", spec.metadata.name, a.source.name),
        None => a.source.name.clone(),
    };
    let devices = s
        .devices
        .iter()
        .map(|d| LiveRow {
            index: d.index,
            name: d.name.clone(),
            used_by_spec: d.used_by_spec,
            nvml_total: mib(d.nvml_total_bytes),
            cuda_total: d.cuda_total_bytes.to_string(),
            free: mib(d.free_bytes),
            free_minus_need: d
                .free_minus_need_bytes
                .map_or_else(|| "-".into(), |x| format_spare(i128::from(x))),
            compute_capability: d.compute_capability.clone().unwrap_or_else(|| "-".into()),
            mig: match d.mig_enabled {
                Some(true) => "on",
                Some(false) => "off",
                None => "-",
            }
            .into(),
        })
        .collect();
    let held = s
        .devices
        .iter()
        .map(|d| HeldRow {
            index: d.index,
            processes: processes(d.processes.as_deref()),
        })
        .filter(|h| !h.processes.is_empty())
        .collect();
    LiveView {
        title,
        summary: summary(s),
        devices,
        replan: replan(s),
        held,
    }
}

/// The view as plain text (`memmath verify`): the title, the summary, one
/// line per device with the report table's cells, the re-plan sentence and who
/// holds memory. Strings stay raw: the caller makes them terminal-safe.
pub fn text(v: &LiveView) -> String {
    let mut out = format!(
        "Live hardware: {}
{}
",
        v.title, v.summary
    );
    for d in &v.devices {
        out.push_str(&format!(
            "  GPU {} `{}`{}: NVML total {}, ~{} CUDA-visible, {} free, free - planned need {}, compute capability {}, MIG {}\n",
            d.index,
            d.name,
            if d.used_by_spec { "" } else { " (not used)" },
            d.nvml_total,
            d.cuda_total,
            d.free,
            d.free_minus_need,
            d.compute_capability,
            d.mig,
        ));
    }
    if let Some(r) = &v.replan {
        out.push_str(&format!("{r}\n"));
    }
    for g in &v.held {
        out.push_str(&format!(
            "  GPU {} memory held by: {}\n",
            g.index,
            g.processes.join(", ")
        ));
    }
    out
}

fn mib(b: Bytes) -> String {
    format!("{} MiB", super::group_digits(i128::from(b.0 / MIB)))
}

fn processes(list: Option<&[ProcessSnapshot]>) -> Vec<String> {
    let mut list: Vec<&ProcessSnapshot> = list.unwrap_or_default().iter().collect();
    list.sort_by_key(|p| (std::cmp::Reverse(p.used_bytes), p.pid));
    list.iter()
        .map(|p| {
            let mem = p.used_bytes.map_or_else(|| "memory unknown".into(), mib);
            format!(
                "pid {} {} ({mem})",
                p.pid,
                p.name.as_deref().unwrap_or("(name unavailable)")
            )
        })
        .collect()
}

fn summary(s: &LiveSection) -> String {
    format!(
        "Probed from {} (driver {}, CUDA {}): {}; the spec uses {} per node of {} ({} CUDA-visible{}).",
        s.source,
        s.driver_version.as_deref().unwrap_or("unknown"),
        s.cuda_driver_version.as_deref().unwrap_or("unknown"),
        plural(s.device_count as u64, "GPU"),
        s.gpus_needed_per_node,
        s.planned_gpu,
        s.planned_total_bytes,
        s.planned_need_bytes
            .map_or(String::new(), |n| format!("; needs {n} free per GPU")),
    )
}

fn replan(s: &LiveSection) -> Option<String> {
    let r = s.replan.as_ref()?;
    let result = match r.measured_kv_cache_bytes {
        Some(m) => {
            let mut t = format!(
                "KV cache {} per GPU (planned {})",
                crate::units::format_kv_pool(i128::from(m)),
                crate::units::format_kv_pool(i128::from(r.planned_kv_cache_bytes))
            );
            if let (Some(m), Some(p)) = (r.measured_capacity_tokens, r.planned_capacity_tokens) {
                t.push_str(&format!(
                    ", {} tokens per engine instance (planned {})",
                    super::group_digits(i128::from(m)),
                    super::group_digits(i128::from(p))
                ));
            }
            t
        }
        None => format!("the re-plan failed ({})", r.error.as_deref().unwrap_or("")),
    };
    Some(format!(
        "Re-planned on GPU {}'s measured {} CUDA-visible ({}): {result}.",
        r.device_index, r.cuda_total_bytes, r.basis
    ))
}
