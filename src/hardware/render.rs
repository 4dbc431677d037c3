//! The "Live hardware" section of `report --hardware` as Markdown and HTML:
//! measured vs planned per GPU, the re-plan on measured memory, and who holds
//! memory. Every string from the machine or the spec is escaped (a GPU or
//! process name is untrusted text in a PR comment).

use super::live::LiveSection;
use super::ProcessSnapshot;
use crate::report::{escape_html, group_digits, markdown_code, markdown_text};
use crate::units::{format_gib, Bytes, MIB};

/// One row per device, already formatted (shared by both languages).
struct Row {
    cells: [String; 9],
    processes: Vec<String>,
}

const HEADERS: [&str; 9] = [
    "GPU",
    "Name",
    "Used by spec",
    "NVML total",
    "CUDA-visible (est.)",
    "Free",
    "Free - planned need",
    "Compute capability",
    "MIG",
];

fn mib(b: Bytes) -> String {
    format!("{} MiB", group_digits(i128::from(b.0 / MIB)))
}

fn rows(s: &LiveSection) -> Vec<Row> {
    s.devices
        .iter()
        .map(|d| Row {
            cells: [
                d.index.to_string(),
                d.name.clone(),
                if d.used_by_spec { "yes" } else { "no" }.into(),
                mib(d.nvml_total_bytes),
                d.cuda_total_bytes.to_string(),
                mib(d.free_bytes),
                d.free_minus_need_bytes
                    .map_or("-".into(), |x| format_gib(i128::from(x))),
                d.compute_capability.clone().unwrap_or_else(|| "-".into()),
                match d.mig_enabled {
                    Some(true) => "on".into(),
                    Some(false) => "off".into(),
                    None => "-".into(),
                },
            ],
            processes: processes(d.processes.as_deref()),
        })
        .collect()
}

fn processes(list: Option<&[ProcessSnapshot]>) -> Vec<String> {
    let mut list: Vec<&ProcessSnapshot> = list.unwrap_or_default().iter().collect();
    list.sort_by_key(|p| (std::cmp::Reverse(p.used_bytes), p.pid));
    list.iter()
        .map(|p| {
            let mem = p.used_bytes.map_or("memory unknown".into(), mib);
            format!(
                "pid {} {} ({mem})",
                p.pid,
                p.name.as_deref().unwrap_or("(name unavailable)")
            )
        })
        .collect()
}

/// The sentence above the table.
fn summary(s: &LiveSection) -> String {
    format!(
        "Probed from {} (driver {}, CUDA {}): {} GPU(s); the spec uses {} per node of {} ({} CUDA-visible{}).",
        s.source,
        s.driver_version.as_deref().unwrap_or("unknown"),
        s.cuda_driver_version.as_deref().unwrap_or("unknown"),
        s.device_count,
        s.gpus_needed_per_node,
        s.planned_gpu,
        s.planned_total_bytes,
        s.planned_need_bytes
            .map_or(String::new(), |n| format!("; needs {n} free per GPU")),
    )
}

/// The sentence below the table, when there is a re-plan.
fn replan(s: &LiveSection) -> Option<String> {
    let r = s.replan.as_ref()?;
    let result = match r.measured_kv_cache_bytes {
        Some(m) => {
            let mut t = format!(
                "KV cache {} per GPU (planned {})",
                format_gib(i128::from(m)),
                format_gib(i128::from(r.planned_kv_cache_bytes))
            );
            if let (Some(m), Some(p)) = (r.measured_capacity_tokens, r.planned_capacity_tokens) {
                t.push_str(&format!(
                    ", {} tokens per engine instance (planned {})",
                    group_digits(i128::from(m)),
                    group_digits(i128::from(p))
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

/// `## Live hardware: NAME` and its table, as Markdown.
pub fn live_markdown(title: &str, s: &LiveSection) -> String {
    let mut out = format!(
        "## Live hardware: {}\n\n{}\n\n",
        markdown_text(title),
        markdown_text(&summary(s))
    );
    out.push_str(&format!("| {} |\n", HEADERS.join(" | ")));
    out.push_str("|--:|---|---|--:|--:|--:|--:|---|---|\n");
    let rows = rows(s);
    for r in &rows {
        let cells: Vec<String> = r
            .cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 1 {
                    markdown_code(c)
                } else {
                    markdown_text(c)
                }
            })
            .collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out.push('\n');
    if let Some(t) = replan(s) {
        out.push_str(&format!("{}\n\n", markdown_text(&t)));
    }
    for r in rows.iter().filter(|r| !r.processes.is_empty()) {
        out.push_str(&format!(
            "- GPU {} memory held by: {}\n",
            r.cells[0],
            markdown_text(&r.processes.join(", "))
        ));
    }
    if rows.iter().any(|r| !r.processes.is_empty()) {
        out.push('\n');
    }
    out
}

/// The same section as an HTML `<section>`.
pub fn live_html(title: &str, s: &LiveSection) -> String {
    let mut out = format!(
        "<section class=\"live-hardware\">\n<h2>Live hardware: {}</h2>\n<p>{}</p>\n<table>\n<thead><tr>",
        escape_html(title),
        escape_html(&summary(s))
    );
    for h in HEADERS {
        out.push_str(&format!("<th>{}</th>", escape_html(h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let rows = rows(s);
    for r in &rows {
        out.push_str("<tr>");
        for c in &r.cells {
            out.push_str(&format!("<td>{}</td>", escape_html(c)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    if let Some(t) = replan(s) {
        out.push_str(&format!("<p>{}</p>\n", escape_html(&t)));
    }
    let held: Vec<&Row> = rows.iter().filter(|r| !r.processes.is_empty()).collect();
    if !held.is_empty() {
        out.push_str("<ul>\n");
        for r in held {
            out.push_str(&format!(
                "<li>GPU {} memory held by: {}</li>\n",
                escape_html(&r.cells[0]),
                escape_html(&r.processes.join(", "))
            ));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
    out
}
