//! `concise`: one line per finding, `file:line:col: CODE [severity] message`,
//! then a summary line (the shape editors and `grep` expect).

use super::{ordered, summary_line, terminal_safe, FileFindings};

pub(super) fn render(files: &[FileFindings]) -> String {
    let mut out = String::new();
    for f in ordered(files) {
        out.push_str(&format!(
            "{}:{}:{}: {} [{}] {}\n",
            terminal_safe(&f.file, &[]),
            f.line,
            f.column,
            f.code,
            f.severity,
            one_line(&f.message)
        ));
    }
    out.push_str(&summary_line(files));
    out.push('\n');
    out
}

/// Messages are single lines by construction; make sure of it.
fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}
