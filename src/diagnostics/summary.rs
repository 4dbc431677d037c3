//! Counting findings: the summary line of text formats and `--statistics`.

use super::{FileFindings, Severity};
use std::collections::BTreeMap;

/// Findings by severity, and files checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Counts {
    pub fn of(files: &[FileFindings]) -> Counts {
        let mut c = Counts {
            files: files.len(),
            ..Counts::default()
        };
        for f in files.iter().flat_map(|f| &f.findings) {
            match f.severity {
                Severity::Error => c.errors += 1,
                Severity::Warning => c.warnings += 1,
                Severity::Info => c.infos += 1,
                Severity::Off => {}
            }
        }
        c
    }
    pub fn total(&self) -> usize {
        self.errors + self.warnings + self.infos
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `Found 2 errors and 1 warning in 3 files.` or `All checks passed (3 files).`
pub fn summary_line(files: &[FileFindings]) -> String {
    let c = Counts::of(files);
    let checked = plural(c.files, "file");
    if c.total() == 0 {
        return format!("All checks passed ({checked}).");
    }
    let mut parts = Vec::new();
    if c.errors > 0 {
        parts.push(plural(c.errors, "error"));
    }
    if c.warnings > 0 {
        parts.push(plural(c.warnings, "warning"));
    }
    if c.infos > 0 {
        parts.push(plural(c.infos, "info"));
    }
    let joined = match parts.as_slice() {
        [a, b, c] => format!("{a}, {b} and {c}"),
        [a, b] => format!("{a} and {b}"),
        [a] => a.clone(),
        _ => String::new(),
    };
    format!("Found {joined} in {checked}.")
}

/// `--statistics`: one line per code, most frequent first, then by code.
/// `json` gives a JSON array of `{code, name, count}` instead of a table.
pub fn statistics(files: &[FileFindings], json: bool) -> String {
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for f in files.iter().flat_map(|f| &f.findings) {
        *counts
            .entry((f.code.as_str(), f.name.as_str()))
            .or_default() += 1;
    }
    let mut rows: Vec<((&str, &str), usize)> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if json {
        let v: Vec<serde_json::Value> = rows
            .iter()
            .map(|((code, name), n)| serde_json::json!({"code": code, "name": name, "count": n}))
            .collect();
        let mut s = serde_json::to_string_pretty(&v).unwrap_or_else(|_| "[]".to_string());
        s.push('\n');
        return s;
    }
    let width = rows
        .iter()
        .map(|(_, n)| n.to_string().len())
        .max()
        .unwrap_or(1);
    let mut out = String::new();
    for ((code, name), n) in rows {
        out.push_str(&format!("{n:>width$}\t{code}\t{name}\n"));
    }
    out
}
