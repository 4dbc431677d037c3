//! `memmath fit` output: a terminal table, Markdown for a PR comment, and
//! the JSON contract (`feasible`, `searched`, `candidates[]` with `rank`,
//! `gpus`, `cost_per_hour`, `spare_fraction`, `limit`, `changes`). Every
//! number comes from the [`FitResult`]; this file only formats.

use super::{Candidate, FitResult};
use crate::text::{markdown_code, markdown_text};
use crate::units::{group_digits, percent, plural};
use serde_json::Value;

/// What to print besides the result.
pub struct RenderInput<'a> {
    pub spec_name: &'a str,
    /// Candidates to list (`--top`).
    pub top: usize,
    /// The best candidate's unified diff against the spec file, if any.
    pub patch: Option<&'a str>,
}

/// The JSON contract, with `patch` (the best candidate's diff, or null) and
/// `spec` (the spec as written, judged) added.
pub fn json(result: &FitResult, input: &RenderInput<'_>) -> Result<String, String> {
    let mut v = serde_json::to_value(result).map_err(|e| e.to_string())?;
    if let Value::Object(map) = &mut v {
        if let Some(Value::Array(c)) = map.get_mut("candidates") {
            c.truncate(input.top);
        }
        map.insert("patch".into(), input.patch.map_or(Value::Null, Value::from));
    }
    let mut s = serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?;
    s.push('\n');
    Ok(s)
}

fn cost(c: Option<f64>, currency: Option<&str>) -> String {
    match (c, currency) {
        (Some(x), Some(cur)) => format!("{x:.2} {cur}"),
        (Some(x), None) => format!("{x:.2}"),
        (None, _) => "-".to_string(),
    }
}

fn parallel(c: &Candidate) -> String {
    let l = &c.layout;
    let mut s = format!("TP{} PP{}", l.tensor, l.pipeline);
    if l.data > 1 {
        s.push_str(&format!(" DP{}", l.data));
    }
    if l.expert {
        s.push_str(" EP");
    }
    s
}

fn changes_text(c: &Candidate) -> String {
    if c.changes.is_empty() {
        return "(none: the spec as written)".to_string();
    }
    c.changes
        .iter()
        .map(|(k, v)| format!("{k}={}", scalar(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn headline(result: &FitResult, input: &RenderInput<'_>) -> String {
    let ranked_by = match result.objective {
        "cost" => "cost per hour",
        _ => "GPU count",
    };
    format!(
        "{}: {} feasible layout{} among {} candidates ({} evaluated, the rest pruned), up to {} GPUs, ranked by {ranked_by}",
        input.spec_name,
        group_digits(result.candidates.len() as u64),
        if result.candidates.len() == 1 { "" } else { "s" },
        group_digits(result.searched),
        group_digits(result.evaluated),
        group_digits(result.max_gpus),
    )
}

fn spec_line(result: &FitResult) -> String {
    let s = &result.spec;
    let pool = if result.kind == "Training" {
        "of the GPU budget"
    } else {
        "of the KV pool"
    };
    let verdict = match &s.broke {
        None => format!("feasible, {} {pool} spare", percent(s.spare_fraction)),
        Some(b) => format!("not feasible ({b})"),
    };
    let best = match (result.best(), s.best_is_cheaper, result.objective) {
        (Some(b), true, "cost") => format!(
            "; the best layout costs {} per hour",
            cost(b.cost_per_hour, result.currency.as_deref())
        ),
        (Some(b), true, _) => format!("; the best layout uses {}", plural(b.gpus, "GPU")),
        (Some(_), false, "cost") => "; no feasible layout costs less".to_string(),
        (Some(_), false, _) => "; no feasible layout uses fewer GPUs".to_string(),
        (None, _, _) => String::new(),
    };
    format!(
        "spec as written: {}, {verdict}{best}",
        plural(s.gpus, "GPU")
    )
}

/// The terminal table.
pub fn table(result: &FitResult, input: &RenderInput<'_>) -> String {
    let mut out = format!("{}\n{}\n\n", headline(result, input), spec_line(result));
    if let Some(e) = &result.infeasible {
        out.push_str(&infeasible_text(result, e, false));
        return out;
    }
    let cur = result.currency.as_deref();
    let header = [
        "#", "GPUs", "cost/h", "GPU", "parallel", "replicas", "KV", "weights", "max_len", "spare",
        "limit", "changes",
    ];
    let rows: Vec<Vec<String>> = result
        .candidates
        .iter()
        .take(input.top)
        .map(|c| {
            vec![
                format!("{}{}", c.rank, if c.pareto { "*" } else { "" }),
                c.gpus.to_string(),
                cost(c.cost_per_hour, cur),
                c.layout.gpu.clone(),
                parallel(c),
                c.layout.replicas.to_string(),
                c.layout.kv_cache_dtype.clone(),
                c.layout.weights.clone(),
                c.layout
                    .max_model_len
                    .map_or("-".to_string(), |n| n.to_string()),
                percent(c.spare_fraction),
                c.limit.to_string(),
                changes_text(c),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain(std::iter::once(header[i].len()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    out.push_str(&line(header.to_vec()));
    for r in &rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    if result.candidates.len() > input.top {
        out.push_str(&format!(
            "... {} more (--top N lists more)\n",
            result.candidates.len() - input.top
        ));
    }
    out.push_str(&format!("\n{}\n", pareto_line(result, input.top)));
    out.push_str("limit: what one GPU or replica fewer would break (docs/fit.md#limit)\n");
    if let Some(p) = input.patch {
        out.push_str("\nThe best layout as a patch of the spec (git apply, or patch -p1):\n\n");
        out.push_str(p);
    }
    out
}

/// The Pareto front: its members among the listed candidates, and how many
/// more there are.
fn pareto_line(result: &FitResult, top: usize) -> String {
    let front: Vec<&Candidate> = result.candidates.iter().filter(|c| c.pareto).collect();
    let shown: Vec<String> = front
        .iter()
        .filter(|c| c.rank <= top)
        .map(|c| {
            format!(
                "#{} ({}, {} spare)",
                c.rank,
                plural(c.gpus, "GPU"),
                percent(c.spare_fraction)
            )
        })
        .collect();
    let more = front.len() - shown.len();
    let tail = if more > 0 {
        format!(", and {more} more with more GPUs")
    } else {
        String::new()
    };
    format!(
        "Pareto front of GPUs vs spare KV (* in the table): {}{tail}",
        shown.join(", ")
    )
}

fn infeasible_text(result: &FitResult, e: &super::Explanation, md: bool) -> String {
    let code = |s: &str| {
        if md {
            markdown_code(s)
        } else {
            format!("`{s}`")
        }
    };
    let mut out = String::new();
    let reasons: Vec<String> = e
        .broke
        .iter()
        .map(|(why, n)| format!("{} ({})", why, group_digits(*n)))
        .collect();
    match &e.every {
        Some(why) => out.push_str(&format!(
            "No layout is feasible: every one of the {} layouts searched broke {} ({}).\n",
            group_digits(e.layouts),
            code(why),
            reason_words(why)
        )),
        None => out.push_str(&format!(
            "No layout is feasible among the {} layouts searched; they broke: {}.\n",
            group_digits(e.layouts),
            reasons.join(", ")
        )),
    }
    if e.helps.is_empty() {
        out.push_str(&format!(
            "Nothing the search may change helps within {} GPUs: change the traffic or the model (see the findings of `memmath check`).\n",
            group_digits(result.max_gpus)
        ));
        return out;
    }
    out.push_str("\nWhat would help (the smallest first):\n");
    for h in &e.helps {
        let changes: Vec<String> = h
            .changes
            .iter()
            .map(|(k, v)| format!("{k}={}", scalar(v)))
            .collect();
        out.push_str(&format!(
            "{} {}: {} with {}\n",
            if md { "-" } else { " " },
            code(&h.flag),
            plural(h.gpus, "GPU"),
            if md {
                markdown_text(&changes.join(" "))
            } else {
                changes.join(" ")
            }
        ));
    }
    out
}

/// What a failure word means, for the infeasible message.
fn reason_words(why: &str) -> &'static str {
    match why {
        "weights" => "the weights, activations and runtime leave no memory for the KV cache",
        "kv" => "one sequence of the longest class or of max_model_len does not fit an engine instance's KV cache",
        "concurrency" => "the replicas within the GPU bound hold too few sequences",
        "activations" => "the activations of the micro-batch do not fit",
        _ => "an error finding; `memmath rule CODE` explains it",
    }
}

/// Markdown for a PR comment.
pub fn markdown(result: &FitResult, input: &RenderInput<'_>) -> String {
    let mut out = format!(
        "<!-- memmath-fit -->\n### memmath fit\n\n{}\n\n{}\n\n",
        markdown_text(&headline(result, input)),
        markdown_text(&spec_line(result))
    );
    if let Some(e) = &result.infeasible {
        out.push_str(&infeasible_text(result, e, true));
        return out;
    }
    let cur = result.currency.as_deref();
    out.push_str("| # | GPUs | cost/h | GPU | parallel | replicas | KV | weights | max_len | spare | limit | changes |\n");
    out.push_str("|---:|---:|---:|---|---|---:|---|---|---:|---:|---|---|\n");
    for c in result.candidates.iter().take(input.top) {
        out.push_str(&format!(
            "| {}{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            c.rank,
            if c.pareto { "\\*" } else { "" },
            c.gpus,
            markdown_text(&cost(c.cost_per_hour, cur)),
            markdown_code(&c.layout.gpu),
            markdown_text(&parallel(c)),
            c.layout.replicas,
            markdown_text(&c.layout.kv_cache_dtype),
            markdown_text(&c.layout.weights),
            c.layout
                .max_model_len
                .map_or("-".to_string(), |n| n.to_string()),
            percent(c.spare_fraction),
            c.limit,
            markdown_code(&changes_text(c)),
        ));
    }
    if result.candidates.len() > input.top {
        out.push_str(&format!(
            "\n{} more feasible layouts not shown.\n",
            result.candidates.len() - input.top
        ));
    }
    out.push_str(&format!(
        "\n{}\n",
        markdown_text(&pareto_line(result, input.top))
    ));
    if let Some(p) = input.patch {
        // A fence longer than any backtick run in the patch, so the spec's
        // text cannot close it.
        let longest = p.split(|c| c != '`').map(str::len).max().unwrap_or(0);
        let fence = "`".repeat(longest.max(2) + 1);
        out.push_str(&format!(
            "\n<details><summary>The best layout as a patch of the spec</summary>\n\n{fence}diff\n{p}{fence}\n\n</details>\n"
        ));
    }
    out
}
