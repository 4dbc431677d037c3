//! `memmath diff BASE HEAD`: what a change to a spec costs, for a PR comment.
//!
//! Each side is a plan plus its findings, taken from an analyzed spec or from a
//! JSON plan printed by `report --format json`. The diff lists per-GPU
//! components and per-class capacity base -> head with deltas and percent, and
//! the findings added and resolved (compared by code, severity and message, never
//! by line: moving a key must not read as a new problem). The Markdown starts
//! with a hidden marker so a CI job can find and update its previous comment.

use super::env::{format_float, group_digits};
use crate::pipeline::Analysis;
use crate::plan::Plan;
use crate::text::{markdown_code, markdown_text};
use crate::units::{format_gib, format_kv_pool, plural};
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::BTreeSet;

/// The hidden first line of the Markdown diff.
pub const MARKER: &str = "<!-- memmath-diff -->";

/// One side of a diff.
#[derive(Clone, Debug)]
pub struct DiffSide {
    pub file: String,
    pub name: String,
    pub plan: Option<Plan>,
    pub findings: Vec<FindingKey>,
}

/// A finding without its location.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FindingKey {
    pub severity: String,
    pub code: String,
    pub name: String,
    pub message: String,
}

impl DiffSide {
    /// From a spec analyzed by the pipeline.
    pub fn from_analysis(a: &Analysis) -> DiffSide {
        let findings = a
            .findings
            .iter()
            .map(|f| a.locate(f))
            .map(|f| FindingKey {
                severity: f.severity.as_str().to_string(),
                code: f.code,
                name: f.name,
                message: f.message,
            })
            .collect();
        DiffSide {
            file: a.source.name.clone(),
            name: a
                .plan
                .as_ref()
                .map_or_else(|| a.source.name.clone(), |p| p.name.clone()),
            plan: a.plan.clone(),
            findings,
        }
    }

    /// From the text of `report --format json` (one object, or an array holding
    /// exactly one). `file` names the JSON file when the object has no `file`.
    pub fn from_json(file: &str, text: &str) -> Result<DiffSide, String> {
        let v: Json =
            serde_json::from_str(text).map_err(|e| format!("{file}: not a JSON plan: {e}"))?;
        let v = match v {
            Json::Array(mut items) if items.len() == 1 => items.remove(0),
            Json::Array(items) => {
                return Err(format!(
                    "{file}: holds {} plans; diff compares one plan with one plan",
                    items.len()
                ))
            }
            other => other,
        };
        if v.get("per_gpu").is_none() && v.get("findings").is_none() {
            return Err(format!(
                "{file}: not a memmath JSON plan (no `per_gpu` or `findings`); make one with `memmath report SPEC --format json`"
            ));
        }
        let plan = if v.get("per_gpu").is_some() {
            Some(
                serde_json::from_value::<Plan>(v.clone())
                    .map_err(|e| format!("{file}: not a memmath JSON plan: {e}"))?,
            )
        } else {
            None
        };
        let mut findings = Vec::new();
        for f in v
            .get("findings")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let s = |k: &str| {
                f.get(k)
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            findings.push(FindingKey {
                severity: s("severity"),
                code: s("code"),
                name: s("name"),
                message: s("message"),
            });
        }
        let shown = v
            .get("file")
            .and_then(Json::as_str)
            .unwrap_or(file)
            .to_string();
        Ok(DiffSide {
            name: plan
                .as_ref()
                .map_or_else(|| shown.clone(), |p| p.name.clone()),
            file: shown,
            plan,
            findings,
        })
    }
}

/// What a value measures, for formatting its delta.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Bytes,
    /// Small byte counts shown exactly (`40,960 B`), e.g. KV bytes per token.
    ByteCount,
    Tokens,
    Count,
}

/// One compared quantity.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub key: String,
    pub label: String,
    pub unit: Unit,
    pub base: Option<i64>,
    pub head: Option<i64>,
    pub delta: Option<i64>,
    /// delta / base, when both sides exist and base is not 0.
    pub change: Option<f64>,
}

/// One request class, base -> head.
#[derive(Clone, Debug, Serialize)]
pub struct ClassDiff {
    pub name: String,
    /// `changed`, `unchanged`, `added` or `removed`.
    pub status: String,
    pub tokens_per_sequence: [Option<u64>; 2],
    pub kv_bytes_per_sequence: [Option<u64>; 2],
    pub required_concurrency: [Option<u64>; 2],
    pub max_concurrency: [Option<u64>; 2],
    pub fits: [Option<bool>; 2],
}

/// The whole diff; serializes as `diff --format json`.
#[derive(Clone, Debug, Serialize)]
pub struct Diff {
    pub marker: String,
    pub headline: String,
    pub base: SideInfo,
    pub head: SideInfo,
    pub per_gpu: Vec<Row>,
    pub capacity: Vec<Row>,
    pub classes: Vec<ClassDiff>,
    pub findings_added: Vec<FindingKey>,
    pub findings_resolved: Vec<FindingKey>,
    /// Whether the head is still the cheapest feasible layout `memmath fit`
    /// finds for it (set by the caller from fit results; absent when the
    /// head is a JSON plan or does not plan).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cheapest: Option<Cheapest>,
}

/// The head against the cheapest feasible layout of its own search space
/// (its GPU type, no `--allow`, fewest GPUs: docs/fit.md).
#[derive(Clone, Debug, Serialize)]
pub struct Cheapest {
    /// Whether the base was the cheapest for its spec; None when the base is
    /// a JSON plan or does not plan.
    pub base_is_cheapest: Option<bool>,
    pub head_is_cheapest: bool,
    pub head_gpus: u64,
    /// GPUs of the best feasible layout (None: nothing is feasible).
    pub best_gpus: Option<u64>,
    /// The best layout's changes to the head spec.
    pub best_changes: serde_json::Map<String, Json>,
}

impl Cheapest {
    /// From the fit results of the base (None: not searched) and the head.
    pub fn from_fits(
        base: Option<&crate::fit::FitResult>,
        head: &crate::fit::FitResult,
    ) -> Cheapest {
        let cheapest = |f: &crate::fit::FitResult| f.spec.feasible && !f.spec.best_is_cheaper;
        Cheapest {
            base_is_cheapest: base.map(cheapest),
            head_is_cheapest: cheapest(head),
            head_gpus: head.spec.gpus,
            best_gpus: head.best().map(|b| b.gpus),
            best_changes: head.best().map(|b| b.changes.clone()).unwrap_or_default(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct SideInfo {
    pub file: String,
    pub name: String,
    pub planned: bool,
    pub fits: Option<bool>,
    /// The report's verdict status (JSON: `fits`, `does not fit`, `blocked`
    /// or `not planned`).
    pub status: super::verdict::Status,
}

fn row(key: &str, label: &str, unit: Unit, base: Option<i64>, head: Option<i64>) -> Row {
    let delta = match (base, head) {
        (Some(b), Some(h)) => Some(h.saturating_sub(b)),
        _ => None,
    };
    let change = match (base, delta) {
        (Some(b), Some(d)) if b != 0 => Some(d as f64 / b as f64),
        _ => None,
    };
    Row {
        key: key.into(),
        label: label.into(),
        unit,
        base,
        head,
        delta,
        change,
    }
}

fn b(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn per_gpu_rows(base: Option<&Plan>, head: Option<&Plan>) -> Vec<Row> {
    type Get = fn(&Plan) -> Option<i64>;
    let mut items: Vec<(&str, &str, Get)> = vec![
        ("per_gpu.total_bytes", "GPU total", |p| {
            Some(b(p.per_gpu.total_bytes.get()))
        }),
        ("per_gpu.budget_bytes", "Engine budget", |p| {
            Some(b(p.per_gpu.budget_bytes.get()))
        }),
        ("per_gpu.weights_bytes", "Weights", |p| {
            Some(b(p.per_gpu.weights_bytes.get()))
        }),
        ("per_gpu.activation_peak_bytes", "Activations (peak)", |p| {
            Some(b(p.per_gpu.activation_peak_bytes.get()))
        }),
        ("per_gpu.runtime_bytes", "Runtime", |p| {
            Some(b(p.per_gpu.runtime_bytes.get()))
        }),
        ("per_gpu.kv_cache_bytes", "KV cache", |p| {
            p.training.is_none().then_some(p.per_gpu.kv_cache_bytes)
        }),
        ("per_gpu.free_bytes", "Free (outside the budget)", |p| {
            Some(b(p.per_gpu.free_bytes.get()))
        }),
    ];
    let training =
        base.is_some_and(|p| p.training.is_some()) || head.is_some_and(|p| p.training.is_some());
    if training {
        items.extend([
            (
                "training.gradients_bytes",
                "Gradients",
                (|p| p.training.as_ref().map(|t| b(t.gradients_bytes.get()))) as Get,
            ),
            ("training.optimizer_bytes", "Optimizer states", |p| {
                p.training.as_ref().map(|t| b(t.optimizer_bytes.get()))
            }),
            ("training.activations_bytes", "Training activations", |p| {
                p.training.as_ref().map(|t| b(t.activations_bytes.get()))
            }),
            ("training.total_bytes", "Training total", |p| {
                p.training.as_ref().map(|t| b(t.total_bytes.get()))
            }),
        ]);
    }
    items
        .into_iter()
        .map(|(k, l, f)| {
            let (b, h) = (base.and_then(f), head.and_then(f));
            let mut r = row(k, l, Unit::Bytes, b, h);
            if k == "per_gpu.kv_cache_bytes" {
                // base and head stay the plan's signed figures (JSON); the
                // change compares the KV memory each side has, and a pool
                // below zero has none: 51.57 GiB -> short is -100%, never
                // -221%, and two short sides differ by 0.
                let usable = |v: Option<i64>| v.map(|x| x.max(0));
                let clamped = row(k, l, Unit::Bytes, usable(b), usable(h));
                r.delta = clamped.delta;
                r.change = clamped.change;
            }
            r
        })
        .filter(|r| r.base.is_some() || r.head.is_some())
        .collect()
}

fn capacity_rows(base: Option<&Plan>, head: Option<&Plan>) -> Vec<Row> {
    type Get = fn(&Plan) -> Option<i64>;
    let items: Vec<(&str, &str, Unit, Get)> = vec![
        ("gpu.total_gpus", "GPUs", Unit::Count, |p| {
            Some(b(p.gpu.total_gpus))
        }),
        ("gpu.replicas", "Replicas", Unit::Count, |p| {
            Some(b(p.gpu.replicas))
        }),
        (
            "kv_cache.bytes_per_token_per_gpu",
            "KV bytes per token (per GPU)",
            Unit::ByteCount,
            |p| p.kv_cache.as_ref().map(|k| b(k.bytes_per_token_per_gpu)),
        ),
        (
            "kv_cache.capacity_tokens",
            "KV capacity per instance (tokens)",
            Unit::Tokens,
            |p| p.kv_cache.as_ref().map(|k| b(k.capacity_tokens)),
        ),
        (
            "kv_cache.deployment_capacity_tokens",
            "KV capacity, whole deployment (tokens)",
            Unit::Tokens,
            |p| p.kv_cache.as_ref().map(|k| b(k.deployment_capacity_tokens)),
        ),
        (
            "kv_cache.max_model_len",
            "max_model_len (tokens)",
            Unit::Tokens,
            |p| p.kv_cache.as_ref().map(|k| b(k.max_model_len)),
        ),
    ];
    items
        .into_iter()
        .map(|(k, l, u, f)| row(k, l, u, base.and_then(f), head.and_then(f)))
        .filter(|r| r.base.is_some() || r.head.is_some())
        .collect()
}

fn class_diffs(base: Option<&Plan>, head: Option<&Plan>) -> Vec<ClassDiff> {
    let empty = Vec::new();
    let bc = base.map_or(&empty, |p| &p.classes);
    let hc = head.map_or(&empty, |p| &p.classes);
    let mut names: Vec<&str> = bc.iter().map(|c| c.name.as_str()).collect();
    for c in hc {
        if !names.contains(&c.name.as_str()) {
            names.push(&c.name);
        }
    }
    names
        .into_iter()
        .map(|name| {
            let x = bc.iter().find(|c| c.name == name);
            let y = hc.iter().find(|c| c.name == name);
            let pair = |f: fn(&crate::plan::ClassPlan) -> u64| [x.map(f), y.map(f)];
            let d = ClassDiff {
                name: name.to_string(),
                status: String::new(),
                tokens_per_sequence: pair(|c| c.tokens_per_sequence),
                kv_bytes_per_sequence: pair(|c| c.kv_bytes_per_sequence),
                required_concurrency: pair(|c| c.required_concurrency),
                max_concurrency: pair(|c| c.max_concurrency),
                fits: [x.map(|c| c.fits), y.map(|c| c.fits)],
            };
            let status = match (x, y) {
                (None, Some(_)) => "added",
                (Some(_), None) => "removed",
                _ if d.tokens_per_sequence[0] == d.tokens_per_sequence[1]
                    && d.kv_bytes_per_sequence[0] == d.kv_bytes_per_sequence[1]
                    && d.required_concurrency[0] == d.required_concurrency[1]
                    && d.max_concurrency[0] == d.max_concurrency[1]
                    && d.fits[0] == d.fits[1] =>
                {
                    "unchanged"
                }
                _ => "changed",
            };
            ClassDiff {
                status: status.to_string(),
                ..d
            }
        })
        .collect()
}

/// A side's verdict: the report's verdict policy (super::verdict) on its plan
/// and findings, so a diff and a report never disagree.
fn verdict(side: &DiffSide) -> super::verdict::Verdict {
    let findings: Vec<(&str, &str, &str)> = side
        .findings
        .iter()
        .map(|f| (f.severity.as_str(), f.code.as_str(), f.name.as_str()))
        .collect();
    match side.plan.as_ref() {
        Some(p) => super::verdict::judge(p, &crate::plan::derive(p, None), &findings),
        None => super::verdict::not_planned(findings.iter().filter(|f| f.0 == "error").count()),
    }
}

/// Compare two sides.
pub fn diff(base: &DiffSide, head: &DiffSide) -> Diff {
    let (bp, hp) = (base.plan.as_ref(), head.plan.as_ref());
    let per_gpu = per_gpu_rows(bp, hp);
    let capacity = capacity_rows(bp, hp);
    let classes = class_diffs(bp, hp);
    let bset: BTreeSet<&FindingKey> = base.findings.iter().collect();
    let hset: BTreeSet<&FindingKey> = head.findings.iter().collect();
    let findings_added: Vec<FindingKey> = hset.difference(&bset).map(|f| (*f).clone()).collect();
    let findings_resolved: Vec<FindingKey> = bset.difference(&hset).map(|f| (*f).clone()).collect();
    let info = |s: &DiffSide| {
        let v = verdict(s);
        SideInfo {
            file: s.file.clone(),
            name: s.name.clone(),
            planned: s.plan.is_some(),
            fits: s.plan.as_ref().map(|_| v.fits),
            status: v.status,
        }
    };
    let mut d = Diff {
        marker: MARKER.to_string(),
        headline: String::new(),
        base: info(base),
        head: info(head),
        per_gpu,
        capacity,
        classes,
        findings_added,
        findings_resolved,
        cheapest: None,
    };
    d.headline = headline(&d, bp, hp);
    d
}

/// A signed relative change: `+12%`, `-0.4%`; past +/-9999% it prints the
/// bound, as the report's shares do (`super::env::percent`), never a
/// ten-digit percentage.
fn signed_pct(change: f64) -> String {
    if change.is_nan() {
        return "-".to_string();
    }
    if change > 99.99 {
        return ">+9999%".to_string();
    }
    if change < -99.99 {
        return "<-9999%".to_string();
    }
    let p = (change * 100.0).round();
    if p == 0.0 {
        let p1 = (change * 1000.0).round() / 10.0;
        format!("{:+}%", p1)
    } else {
        format!("{:+}%", p as i64)
    }
}

fn headline(d: &Diff, bp: Option<&Plan>, hp: Option<&Plan>) -> String {
    let mut lead = Vec::new();
    match (bp, hp) {
        (Some(_), None) => lead.push("head could not be planned".to_string()),
        (None, Some(_)) => lead.push("base could not be planned, head can".to_string()),
        (None, None) => lead.push("neither side could be planned".to_string()),
        (Some(b), Some(h)) => {
            let training = b.training.is_some() || h.training.is_some();
            let key = if training {
                "training.total_bytes"
            } else {
                "kv_cache.deployment_capacity_tokens"
            };
            let label = if training {
                "training memory per GPU"
            } else {
                "KV capacity"
            };
            let rows = d.per_gpu.iter().chain(d.capacity.iter());
            if let Some(change) = rows.filter(|r| r.key == key).find_map(|r| r.change) {
                if change != 0.0 {
                    lead.push(format!("{label} {}", signed_pct(change)));
                }
            }
            // The report's verdict says the same (Plan::engine_starts).
            if h.training.is_none() && b.engine_starts() && !h.engine_starts() {
                lead.push(match h.kv_cache.as_ref() {
                    Some(k) if h.per_gpu.kv_cache_bytes > 0 => format!(
                        "the engine no longer starts (max_model_len {} no longer fits its KV cache)",
                        group_digits(k.max_model_len)
                    ),
                    _ => "the engine no longer starts".into(),
                });
            }
        }
    }
    let mut effects = Vec::new();
    let lost: Vec<&str> = d
        .classes
        .iter()
        .filter(|c| c.fits == [Some(true), Some(false)])
        .map(|c| c.name.as_str())
        .collect();
    let gained: Vec<&str> = d
        .classes
        .iter()
        .filter(|c| c.fits == [Some(false), Some(true)])
        .map(|c| c.name.as_str())
        .collect();
    let verb = |names: &[&str]| if names.len() == 1 { "fits" } else { "fit" };
    if !lost.is_empty() {
        effects.push(format!("{} no longer {}", lost.join(", "), verb(&lost)));
    }
    if !gained.is_empty() {
        effects.push(format!("{} now {}", gained.join(", "), verb(&gained)));
    }
    if d.base.planned
        && d.head.planned
        && lost.is_empty()
        && gained.is_empty()
        && d.base.status != d.head.status
    {
        use super::verdict::Status;
        effects.push(match d.head.status {
            Status::Fits => "now fits".to_string(),
            Status::Blocked => "now blocked".to_string(),
            _ if d.base.status == Status::Fits => "no longer fits".to_string(),
            other => format!("now {other}"),
        });
    }
    if !d.findings_added.is_empty() {
        effects.push(format!(
            "{} added",
            plural(d.findings_added.len() as u64, "finding")
        ));
    }
    if !d.findings_resolved.is_empty() {
        effects.push(format!(
            "{} resolved",
            plural(d.findings_resolved.len() as u64, "finding")
        ));
    }
    let changed_any = d
        .per_gpu
        .iter()
        .chain(d.capacity.iter())
        .any(|r| r.delta.is_some_and(|x| x != 0))
        || d.classes.iter().any(|c| c.status != "unchanged");
    match (lead.is_empty(), effects.is_empty()) {
        (true, true) if !changed_any => "no change in memory, capacity or findings".into(),
        (true, true) => format!("{}; every class keeps its verdict", what_changed(d, bp, hp)),
        (false, true) => lead.join(", "),
        (true, false) => effects.join("; "),
        (false, false) => format!("{}: {}", lead.join(", "), effects.join("; ")),
    }
}

/// What moved, when no headline figure or verdict did: each changed row
/// `label base → head` (the first three, then how many more), and the
/// maximum concurrency at max_model_len when it moved.
fn what_changed(d: &Diff, bp: Option<&Plan>, hp: Option<&Plan>) -> String {
    let changed: Vec<&Row> = d
        .capacity
        .iter()
        .chain(d.per_gpu.iter())
        .filter(|r| r.delta.is_some_and(|x| x != 0))
        .collect();
    let mut parts: Vec<String> = changed
        .iter()
        .take(3)
        .map(|r| {
            format!(
                "{} {} → {}",
                r.label,
                fmt_side(r, r.base),
                fmt_side(r, r.head)
            )
        })
        .collect();
    let conc = |p: Option<&Plan>| {
        p.and_then(|p| p.kv_cache.as_ref())
            .map(|k| k.max_concurrency)
    };
    if let (Some(b), Some(h)) = (conc(bp), conc(hp)) {
        if format_float(b) != format_float(h) {
            parts.push(format!(
                "max concurrency at max_model_len {} → {}",
                format_float(b),
                format_float(h)
            ));
        }
    }
    if changed.len() > 3 {
        parts.push(format!(
            "{} more",
            plural(changed.len() as u64 - 3, "change")
        ));
    }
    if parts.is_empty() {
        "per-class figures changed".into()
    } else {
        parts.join(", ")
    }
}

fn fmt_value(unit: Unit, v: Option<i64>) -> String {
    match v {
        None => "-".into(),
        Some(x) => match unit {
            Unit::Bytes => format_gib(x as i128),
            Unit::ByteCount => format!("{} B", group_digits(x as i128)),
            Unit::Tokens | Unit::Count => group_digits(x as i128),
        },
    }
}

/// One side's value of a row. The KV pool is never shown as a negative
/// amount: below zero it is `none (X short)`, as in the report.
fn fmt_side(r: &Row, v: Option<i64>) -> String {
    match v {
        Some(kv) if r.key == "per_gpu.kv_cache_bytes" => format_kv_pool(i128::from(kv)),
        _ => fmt_value(r.unit, v),
    }
}

fn fmt_delta(r: &Row) -> String {
    match r.delta {
        None => "-".into(),
        Some(0) => "=".into(),
        Some(d) => {
            let v = fmt_value(r.unit, Some(d));
            let v = if d > 0 { format!("+{v}") } else { v };
            match r.change {
                Some(c) => format!("{v} ({})", signed_pct(c)),
                None => v,
            }
        }
    }
}

fn arrow(pair: [Option<u64>; 2], f: fn(u64) -> String) -> String {
    match pair {
        [Some(a), Some(b)] if a == b => f(a),
        [Some(a), Some(b)] if a > 0 => format!(
            "{} → {} ({})",
            f(a),
            f(b),
            signed_pct((b as f64 - a as f64) / a as f64)
        ),
        [a, b] => format!("{} → {}", a.map_or("-".into(), f), b.map_or("-".into(), f)),
    }
}

/// The Markdown PR comment.
pub fn to_markdown(d: &Diff) -> String {
    let mut out = String::new();
    out.push_str(MARKER);
    out.push('\n');
    let name = if d.base.name == d.head.name {
        markdown_text(&d.head.name)
    } else {
        format!(
            "{} → {}",
            markdown_text(&d.base.name),
            markdown_text(&d.head.name)
        )
    };
    out.push_str(&format!("### memmath diff: {name}\n\n"));
    out.push_str(&format!("**{}**\n\n", markdown_text(&d.headline)));
    out.push_str(&format!(
        "Base {} ({}) → head {} ({}).\n\n",
        markdown_code(&d.base.file),
        d.base.status,
        markdown_code(&d.head.file),
        d.head.status
    ));
    if !d.per_gpu.is_empty() {
        out.push_str("| Per GPU | Base | Head | Change |\n|---|--:|--:|--:|\n");
        for r in &d.per_gpu {
            table_row(&mut out, r);
        }
        out.push('\n');
    }
    if !d.capacity.is_empty() {
        out.push_str("| Capacity | Base | Head | Change |\n|---|--:|--:|--:|\n");
        for r in &d.capacity {
            table_row(&mut out, r);
        }
        out.push('\n');
    }
    if !d.classes.is_empty() {
        out.push_str("| Class | Tokens per sequence | KV per sequence | Required | Supported | Fits | |\n|---|--:|--:|--:|--:|---|---|\n");
        for c in &d.classes {
            let fits = match c.fits {
                [Some(a), Some(b)] if a == b => yes_no(a).to_string(),
                [a, b] => format!("{} → {}", a.map_or("-", yes_no), b.map_or("-", yes_no)),
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                markdown_text(&c.name),
                arrow(c.tokens_per_sequence, |v| group_digits(v as i128)),
                arrow(c.kv_bytes_per_sequence, |v| format_gib(v as i128)),
                arrow(c.required_concurrency, |v| group_digits(v as i128)),
                arrow(c.max_concurrency, |v| group_digits(v as i128)),
                fits,
                c.status
            ));
        }
        out.push('\n');
    }
    if let Some(c) = d.cheapest.as_ref().filter(|c| !c.head_is_cheapest) {
        cheapest_note(&mut out, c);
    }
    findings_list(&mut out, "Findings added", &d.findings_added);
    findings_list(&mut out, "Findings resolved", &d.findings_resolved);
    out.push_str(
        "<sub>Memory in GiB (2^30 bytes); byte counts in `memmath diff --format json`.</sub>\n",
    );
    out
}

/// When the head is not the cheapest feasible layout of its search space.
fn cheapest_note(out: &mut String, c: &Cheapest) {
    let lead = match c.base_is_cheapest {
        Some(true) => "The head is no longer the cheapest feasible layout",
        Some(false) => "The head is not the cheapest feasible layout (the base was not either)",
        None => "The head is not the cheapest feasible layout",
    };
    match c.best_gpus {
        Some(best) => {
            let changes: Vec<String> = c
                .best_changes
                .iter()
                .map(|(k, v)| match v {
                    Json::String(s) => format!("{k}={s}"),
                    other => format!("{k}={other}"),
                })
                .collect();
            out.push_str(&format!(
                "**{lead}:** it uses {} GPUs; `memmath fit` finds a feasible layout with {best}: {}.\n\n",
                c.head_gpus,
                markdown_code(&changes.join(" "))
            ));
        }
        None => out.push_str(&format!(
            "**{lead}:** no layout of its GPU type within the search bound is feasible (`memmath fit` says what would help).\n\n"
        )),
    }
}

fn table_row(out: &mut String, r: &Row) {
    out.push_str(&format!(
        "| {} | {} | {} | {} |\n",
        markdown_text(&r.label),
        fmt_side(r, r.base),
        fmt_side(r, r.head),
        fmt_delta(r)
    ));
}

fn findings_list(out: &mut String, title: &str, list: &[FindingKey]) {
    if list.is_empty() {
        return;
    }
    out.push_str(&format!("**{title}**\n\n"));
    for f in list {
        out.push_str(&format!(
            "- **{} {}** {}: {}\n",
            markdown_text(&f.severity),
            markdown_text(&f.code),
            markdown_code(&f.name),
            markdown_text(&f.message)
        ));
    }
    out.push('\n');
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// `diff --format json`.
pub fn to_json(d: &Diff) -> Json {
    serde_json::to_value(d).unwrap_or(Json::Null)
}

#[cfg(test)]
mod tests {
    /// A base near zero makes any change a huge ratio: it prints the bound
    /// (before: `-205722231%`).
    #[test]
    fn huge_relative_changes_print_their_bound() {
        assert_eq!(super::signed_pct(-2_057_222.31), "<-9999%");
        assert_eq!(super::signed_pct(150.0), ">+9999%");
        assert_eq!(super::signed_pct(0.12), "+12%");
        assert_eq!(super::signed_pct(-0.004), "-0.4%");
        assert_eq!(super::signed_pct(f64::NAN), "-");
    }
}
