//! Inline SVG bars for the HTML report: one stacked bar per GPU against its
//! capacity, and one bar per request class against the KV pool.
//!
//! Plain SVG with fixed coordinates (no script, no fonts to fetch); widths are
//! rounded to 0.1 so output is byte-stable. Every text is HTML-escaped here
//! because the result is inserted into the template as a safe string.

use super::env::percent;
use super::escape::html;
use super::model::{Breakdown, ClassRow, TrainingSection};
use crate::units::format_gib;
use std::fmt::Write;

const WIDTH: f64 = 640.0;
const BAR_X: f64 = 0.0;
const BAR_H: f64 = 28.0;

struct Segment {
    label: &'static str,
    bytes: i64,
    class: &'static str,
}

/// A segment: its legend label, its size and its CSS class.
fn seg(label: &'static str, bytes: i64, class: &'static str) -> Segment {
    Segment {
        label,
        bytes,
        class,
    }
}

/// Stacked bar of the bottleneck GPU: weights, activations, runtime, KV, free.
pub fn gpu_bar(b: &Breakdown) -> String {
    let mut segs = vec![
        seg("weights", b.weights_bytes as i64, "w"),
        seg("activations", b.activation_bytes as i64, "a"),
        seg("runtime", b.runtime_bytes as i64, "r"),
    ];
    match b.kv_used_bytes {
        Some(used) => {
            segs.push(seg("KV planned", used as i64, "k"));
            // The breakdown's last KV row is the spare, or the shortfall when
            // the traffic needs more than the pool (then only in the legend).
            let last_kv = b
                .rows
                .iter()
                .rev()
                .find(|r| r.component.starts_with("KV cache ("));
            let (label, class) = match last_kv {
                Some(r) if r.component == "KV cache (short)" => ("KV short", "x"),
                _ => ("KV spare", "s"),
            };
            segs.push(Segment {
                label,
                bytes: last_kv.map_or(b.kv_bytes - used as i64, |r| r.bytes),
                class,
            });
        }
        None => segs.push(seg("KV cache", b.kv_bytes, "k")),
    }
    segs.push(seg("free", b.free_bytes as i64, "f"));
    let title = format!(
        "{}: {} total",
        b.gpu_name,
        format_gib(b.total_bytes as i128)
    );
    stacked(&title, &segs, b.total_bytes)
}

/// Stacked bar of one training GPU: weights, gradients, optimizer, activations.
pub fn training_bar(t: &TrainingSection, gpu_name: &str, total: u64) -> String {
    let used = t.total_with_runtime_bytes as i64;
    let segs = vec![
        seg("weights", t.weights_bytes as i64, "w"),
        seg("gradients", t.gradients_bytes as i64, "g"),
        seg("optimizer", t.optimizer_bytes as i64, "o"),
        seg("activations", t.activations_bytes as i64, "a"),
        seg("runtime", t.runtime_bytes as i64, "r"),
        seg("free", total as i64 - used, "f"),
    ];
    let title = format!("{gpu_name}: {} total", format_gib(total as i128));
    stacked(&title, &segs, total)
}

fn stacked(title: &str, segs: &[Segment], total: u64) -> String {
    // Scale to the larger of the capacity and the positive sum, so an
    // over-committed GPU shows its overflow past the capacity line.
    let sum: i64 = segs.iter().map(|s| s.bytes.max(0)).sum();
    let scale_bytes = (total as i64).max(sum).max(1) as f64;
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
    for s in segs.iter().filter(|s| s.bytes > 0) {
        let w = round1(s.bytes as f64 / scale_bytes * WIDTH);
        let _ = write!(
            out,
            r#"<rect class="{c}" x="{x:.1}" y="20" width="{w:.1}" height="{BAR_H}"><title>{l}: {g}</title></rect>"#,
            c = s.class,
            l = s.label,
            g = format_gib(s.bytes as i128)
        );
        x = round1(x + w);
    }
    let cap_x = round1(total as f64 / scale_bytes * WIDTH);
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
            g = format_gib(s.bytes as i128)
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
    let max_share = classes.iter().map(|c| c.pool_share).fold(1.0_f64, f64::max);
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
        let w = round1((c.pool_share / max_share).clamp(0.0, 1.0) * bar_w);
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
