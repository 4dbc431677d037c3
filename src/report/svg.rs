//! Inline SVG bars for the HTML report: one stacked bar per GPU against its
//! capacity, and one bar per request class against the KV pool.
//!
//! Plain SVG with fixed coordinates (no script, no fonts to fetch); widths are
//! rounded to 0.1 so output is byte-stable. Every text is HTML-escaped here
//! because the result is inserted into the template as a safe string.

use super::env::percent;
use super::gpu_memory::Breakdown;
use super::model::ClassRow;
use crate::plan::derived::Component;
use crate::text::html;
use crate::units::format_gib;
use std::fmt::Write;

const WIDTH: f64 = 640.0;
const BAR_X: f64 = 0.0;
const BAR_H: f64 = 28.0;

struct Segment {
    label: &'static str,
    bytes: i128,
    class: &'static str,
    /// False for a legend-only entry (what the KV pool is short by).
    drawn: bool,
}

/// A drawn segment: its legend label, its size and its CSS class.
fn seg(label: &'static str, bytes: i128, class: &'static str) -> Segment {
    Segment {
        label,
        bytes,
        class,
        drawn: true,
    }
}

/// Legend label and CSS class of a breakdown component.
fn style(key: &str) -> (&'static str, &'static str) {
    match key {
        "weights" => ("weights", "w"),
        "gradients" => ("gradients", "g"),
        "optimizer" => ("optimizer", "o"),
        "activations" => ("activations", "a"),
        "runtime" => ("runtime", "r"),
        "kv_planned" => ("KV planned", "k"),
        "kv_spare" => ("KV spare", "s"),
        "kv_cache" => ("KV cache", "k"),
        "free" => ("free", "f"),
        _ => ("other", "f"),
    }
}

/// Stacked bar of the bottleneck GPU: weights, activations, runtime, KV, free
/// (the breakdown's rows), and what the KV pool is short by in the legend.
pub fn gpu_bar(b: &Breakdown) -> String {
    let mut segs: Vec<Segment> = b
        .rows
        .iter()
        .map(|r| {
            let (label, class) = style(&r.key);
            seg(label, r.bytes, class)
        })
        .collect();
    if let Some(short) = b.kv_short_bytes {
        segs.push(Segment {
            label: "KV short",
            bytes: short,
            class: "x",
            drawn: false,
        });
    }
    let title = format!("{}: {} total", b.gpu_name, format_gib(b.total_bytes));
    stacked(&title, &segs, b.total_bytes)
}

/// Stacked bar of one training GPU: weights, gradients, optimizer,
/// activations, runtime and what is left (the plan's derived components).
pub fn training_bar(components: &[Component], gpu_name: &str, total: u64) -> String {
    let segs: Vec<Segment> = components
        .iter()
        .map(|c| {
            let (label, class) = style(&c.key);
            seg(label, c.bytes, class)
        })
        .collect();
    let title = format!("{gpu_name}: {} total", format_gib(i128::from(total)));
    stacked(&title, &segs, i128::from(total))
}

fn stacked(title: &str, segs: &[Segment], total: i128) -> String {
    // Scale to the larger of the capacity and the positive sum, so an
    // over-committed GPU shows its overflow past the capacity line. In f64:
    // a sum of any byte counts is finite, so no width can wrap.
    let sum: f64 = segs
        .iter()
        .filter(|s| s.drawn)
        .map(|s| s.bytes.max(0) as f64)
        .sum();
    let scale_bytes = (total as f64).max(sum).max(1.0);
    let legend_rows = segs.len().div_ceil(3);
    let height = 20.0 + BAR_H + 12.0 + legend_rows as f64 * 18.0;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="bar" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = html(title)
    );
    let _ = write!(
        out,
        r#"<text x="0" y="13" class="lbl">{}</text>"#,
        html(title)
    );
    let mut x = BAR_X;
    for s in segs.iter().filter(|s| s.drawn && s.bytes > 0) {
        let w = round1(s.bytes as f64 / scale_bytes * WIDTH);
        let _ = write!(
            out,
            r#"<rect class="{c}" x="{x:.1}" y="20" width="{w:.1}" height="{BAR_H}"><title>{l}: {g}</title></rect>"#,
            c = s.class,
            l = s.label,
            g = format_gib(s.bytes)
        );
        x = round1(x + w);
    }
    let cap_x = round1(total.max(0) as f64 / scale_bytes * WIDTH);
    let _ = write!(
        out,
        r#"<line class="cap" x1="{cap_x:.1}" x2="{cap_x:.1}" y1="16" y2="{y2}"/>"#,
        y2 = 20.0 + BAR_H + 4.0
    );
    for (i, s) in segs.iter().enumerate() {
        let lx = (i % 3) as f64 * (WIDTH / 3.0);
        let ly = 20.0 + BAR_H + 12.0 + (i / 3) as f64 * 18.0;
        let _ = write!(
            out,
            r#"<rect class="{c}" x="{lx:.1}" y="{ry:.1}" width="10" height="10"/><text x="{tx:.1}" y="{ty:.1}" class="lg">{l} {g}</text>"#,
            c = s.class,
            ry = ly + 2.0,
            tx = lx + 14.0,
            ty = ly + 11.0,
            l = s.label,
            g = format_gib(s.bytes)
        );
    }
    out.push_str("</svg>");
    out
}

/// One horizontal bar per class: its share of the KV pool at required load.
pub fn class_bars(classes: &[ClassRow]) -> String {
    if classes.is_empty() {
        return String::new();
    }
    // A share that is not finite (no pool at all) draws as a full bar.
    let finite = |s: f64| if s.is_finite() { s.max(0.0) } else { f64::MAX };
    let max_share = classes
        .iter()
        .map(|c| finite(c.pool_share))
        .fold(1.0_f64, f64::max)
        .min(1e6);
    let row_h = 34.0;
    let height = classes.len() as f64 * row_h + 6.0;
    let label_w = 200.0;
    let bar_w = WIDTH - label_w;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="bar" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="KV pool share per request class" xmlns="http://www.w3.org/2000/svg"><title>KV pool share per request class</title>"#
    );
    for (i, c) in classes.iter().enumerate() {
        let y = i as f64 * row_h + 4.0;
        let w = round1((finite(c.pool_share) / max_share).clamp(0.0, 1.0) * bar_w);
        let cls = if c.fits { "k" } else { "x" };
        if !c.sized {
            let _ = write!(
                out,
                r#"<text x="0" y="{ty:.1}" class="lbl">{name}</text><rect class="track" x="{label_w}" y="{y:.1}" width="{bar_w}" height="18"/><text x="{label_w}" y="{sy:.1}" class="lg">not sized: no {pct} token lengths; cannot be judged (does not fit)</text>"#,
                ty = y + 13.0,
                name = html(&truncate(&c.name, 28)),
                sy = y + 29.0,
                pct = html(&c.percentile),
            );
            continue;
        }
        let _ = write!(
            out,
            r#"<text x="0" y="{ty:.1}" class="lbl">{name}</text><rect class="track" x="{label_w}" y="{y:.1}" width="{bar_w}" height="18"/><rect class="{cls}" x="{label_w}" y="{y:.1}" width="{w:.1}" height="18"/><text x="{label_w}" y="{sy:.1}" class="lg">{pct} of the KV pool; {req} needed, {max} supported{verdict}</text>"#,
            ty = y + 13.0,
            name = html(&truncate(&c.name, 28)),
            sy = y + 29.0,
            pct = percent(c.pool_share),
            req = c.required_concurrency,
            max = c.max_concurrency,
            verdict = if c.fits { "" } else { " (does not fit)" },
        );
    }
    let full_x = round1(label_w + bar_w / max_share);
    let _ = write!(
        out,
        r#"<line class="cap" x1="{full_x:.1}" x2="{full_x:.1}" y1="0" y2="{height}"/>"#
    );
    out.push_str("</svg>");
    out
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_never_underflows() {
        assert_eq!(truncate("abc", 0), "…");
        assert_eq!(truncate("abc", 1), "…");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 3), "abc");
    }
}
