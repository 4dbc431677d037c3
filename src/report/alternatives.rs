//! The "Alternatives" section of `report --alternatives K`: the top K layouts
//! `memmath fit` ranks for the spec (its GPU type, no `--allow`), the spec as
//! written judged beside them, and a chart of GPUs vs spare KV for the HTML
//! report. Every number comes from the [`FitResult`]; this file arranges it
//! (and draws the chart, like svg.rs: plain SVG, fixed coordinates, rounded
//! to 0.1 so output is byte-stable).

use super::env::percent;
use crate::fit::{Candidate, FitResult};
use crate::text::html;
use crate::units::plural;
use serde::Serialize;
use std::fmt::Write;

/// One alternative layout, as the templates print it.
#[derive(Clone, Debug, Serialize)]
pub struct AltRow {
    pub rank: usize,
    pub pareto: bool,
    pub gpus: u64,
    /// `2.50 USD` or `-` without a price.
    pub cost: String,
    pub gpu: String,
    /// `TP4 PP1`, `TP1 PP2 DP4 EP`.
    pub parallel: String,
    pub replicas: u64,
    pub kv_cache_dtype: String,
    pub weights: String,
    pub spare_fraction: f64,
    pub limit: String,
    /// `parallelism.tensor=1 serving.replicas=1`, or `none (the spec as written)`.
    pub changes: String,
}

/// The section.
#[derive(Clone, Debug, Serialize)]
pub struct AlternativesView {
    /// One line: how many layouts are feasible, and the spec against the best.
    pub summary: String,
    pub rows: Vec<AltRow>,
    /// What nothing-feasible means, when it is so.
    pub infeasible: Option<String>,
    /// GPUs vs spare KV of the rows (HTML only; already escaped).
    pub svg: String,
}

/// The section for the top `k` candidates of `result`.
pub fn view(result: &FitResult, k: usize) -> AlternativesView {
    let rows: Vec<AltRow> = result
        .candidates
        .iter()
        .take(k)
        .map(|c| row(c, result.currency.as_deref()))
        .collect();
    let s = &result.spec;
    let spec = match &s.broke {
        None => format!(
            "The spec as written uses {} with {} of the KV pool spare",
            plural(s.gpus, "GPU"),
            percent(s.spare_fraction)
        ),
        Some(b) => format!(
            "The spec as written ({}) is not feasible ({b})",
            plural(s.gpus, "GPU")
        ),
    };
    let best = match (result.best(), s.best_is_cheaper) {
        (Some(b), true) => format!("; the best layout uses {}.", plural(b.gpus, "GPU")),
        (Some(_), false) => "; no feasible layout is cheaper.".to_string(),
        (None, _) => ".".to_string(),
    };
    let summary = format!(
        "{} feasible layouts on this GPU type among {} candidates searched (memmath fit, docs/fit.md). {spec}{best}",
        result.candidates.len(),
        result.searched
    );
    let infeasible = result.infeasible.as_ref().map(|e| match &e.every {
        Some(why) => format!(
            "No layout within {} is feasible: every one broke {why}. `memmath fit` lists what would help.",
            plural(result.max_gpus, "GPU")
        ),
        None => format!(
            "No layout within {} is feasible. `memmath fit` lists what would help.",
            plural(result.max_gpus, "GPU")
        ),
    });
    AlternativesView {
        svg: chart(&rows),
        summary,
        rows,
        infeasible,
    }
}

fn row(c: &Candidate, currency: Option<&str>) -> AltRow {
    let l = &c.layout;
    let mut parallel = format!("TP{} PP{}", l.tensor, l.pipeline);
    if l.data > 1 {
        let _ = write!(parallel, " DP{}", l.data);
    }
    if l.expert {
        parallel.push_str(" EP");
    }
    let changes = if c.changes.is_empty() {
        "none (the spec as written)".to_string()
    } else {
        c.changes
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}={s}"),
                other => format!("{k}={other}"),
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    AltRow {
        rank: c.rank,
        pareto: c.pareto,
        gpus: c.gpus,
        cost: match (c.cost_per_hour, currency) {
            (Some(x), Some(cur)) => format!("{x:.2} {cur}"),
            (Some(x), None) => format!("{x:.2}"),
            (None, _) => "-".to_string(),
        },
        gpu: l.gpu.clone(),
        parallel,
        replicas: l.replicas,
        kv_cache_dtype: l.kv_cache_dtype.clone(),
        weights: l.weights.clone(),
        spare_fraction: c.spare_fraction,
        limit: c.limit.to_string(),
        changes,
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A scatter of the rows: GPUs across, spare KV fraction up; each point
/// labelled with its rank, the Pareto points filled and joined.
fn chart(rows: &[AltRow]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let (w, h) = (640.0, 260.0);
    let (left, right, top, bottom) = (48.0, 16.0, 12.0, 36.0);
    let max_gpus = rows.iter().map(|r| r.gpus).max().unwrap_or(1).max(1) as f64;
    let x = |g: u64| round1(left + (g as f64 / max_gpus) * (w - left - right));
    let y = |s: f64| round1(top + (1.0 - s.clamp(0.0, 1.0)) * (h - top - bottom));
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="bar" viewBox="0 0 {w} {h}" role="img" aria-label="GPUs vs spare KV of the alternative layouts" xmlns="http://www.w3.org/2000/svg"><title>GPUs vs spare KV of the alternative layouts</title>"#
    );
    // Axes, with 0/50/100% and 0/max GPU ticks.
    let (x0, y0, x1, y1) = (x(0), y(0.0), x(max_gpus as u64), y(1.0));
    let _ = write!(
        out,
        r#"<line class="cap" x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke-dasharray="0"/><line class="cap" x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke-dasharray="0"/>"#
    );
    for s in [0.0, 0.5, 1.0] {
        let _ = write!(
            out,
            r#"<text x="0" y="{ty}" class="lg">{label}</text>"#,
            ty = round1(y(s) + 4.0),
            label = percent(s)
        );
    }
    let _ = write!(
        out,
        r#"<text x="{x0}" y="{ty}" class="lg">0</text><text x="{xm}" y="{ty}" class="lg">{max} GPUs</text><text x="{xc}" y="{tb}" class="lg">GPUs (x), spare KV at planned load (y); filled: Pareto front</text>"#,
        ty = round1(y0 + 14.0),
        xm = round1(x1 - 40.0),
        max = max_gpus as u64,
        xc = round1(left + 60.0),
        tb = round1(h - 4.0),
    );
    let mut front: Vec<&AltRow> = rows.iter().filter(|r| r.pareto).collect();
    front.sort_by_key(|r| r.gpus);
    if front.len() > 1 {
        let points: Vec<String> = front
            .iter()
            .map(|r| format!("{},{}", x(r.gpus), y(r.spare_fraction)))
            .collect();
        let _ = write!(
            out,
            r#"<polyline points="{}" fill="none" class="cap" stroke-dasharray="0"/>"#,
            points.join(" ")
        );
    }
    for r in rows {
        let (cx, cy) = (x(r.gpus), y(r.spare_fraction));
        let cls = if r.pareto { "k" } else { "track" };
        let _ = write!(
            out,
            r#"<circle class="{cls}" cx="{cx}" cy="{cy}" r="5" stroke="currentColor"/><text x="{tx}" y="{ty}" class="lbl">{rank}</text>"#,
            tx = round1(cx + 7.0),
            ty = round1(cy - 6.0),
            rank = html(&r.rank.to_string()),
        );
    }
    out.push_str("</svg>");
    out
}
