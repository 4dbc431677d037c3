//! `markdown`: a findings table for a PR comment or a job summary. User text is
//! escaped: `|` would split a cell, and HTML would be rendered by GitHub.

use super::{ordered, summary_line, terminal_safe, FileFindings};

pub(super) fn render(files: &[FileFindings]) -> String {
    let mut out = String::from("## memmath check\n\n");
    let all = ordered(files);
    if !all.is_empty() {
        out.push_str("| Severity | Code | Location | Message | Fix |\n");
        out.push_str("|---|---|---|---|---|\n");
        for f in all {
            out.push_str(&format!(
                "| {} | {} `{}` | {}:{}:{} | {} | {} |\n",
                f.severity,
                cell(&f.code),
                cell(&f.name),
                cell(&terminal_safe(&f.file, &[])),
                f.line,
                f.column,
                cell(&f.message),
                f.fix.as_deref().map(cell).unwrap_or_default()
            ));
        }
        out.push('\n');
    }
    out.push_str(&cell(&summary_line(files)));
    out.push('\n');
    out
}

/// Escape a table cell: HTML-significant characters, `|`, and line breaks.
fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '|' => out.push_str("\\|"),
            '\r' => {}
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_escaped() {
        assert_eq!(cell("a|b <script>\nx"), "a\\|b &lt;script&gt; x");
    }
}
