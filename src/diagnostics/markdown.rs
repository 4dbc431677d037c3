//! `markdown`: a findings table for a PR comment or a job summary. User text is
//! escaped with the shared Markdown escaper ([`crate::text::markdown_text`]):
//! `|` would split a cell, HTML would be rendered by GitHub, and `[x](...)`
//! would become a link.

use super::{ordered, summary_line, terminal_safe, FileFindings};
use crate::text::{markdown_code, markdown_text as cell};

pub(super) fn render(files: &[FileFindings]) -> String {
    let mut out = String::from("## memmath check\n\n");
    let all = ordered(files);
    if !all.is_empty() {
        out.push_str("| Severity | Code | Location | Message | Fix |\n");
        out.push_str("|---|---|---|---|---|\n");
        for f in all {
            out.push_str(&format!(
                "| {} | {} {} | {}:{}:{} | {} | {} |\n",
                f.severity,
                cell(&f.code),
                markdown_code(&f.name),
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

#[cfg(test)]
mod tests {
    use super::*;

    use crate::codes;
    use crate::source::SourceFile;

    #[test]
    fn cells_are_escaped() {
        assert_eq!(cell("a|b <script>\nx"), "a\\|b \\<script> x");
        assert_eq!(cell("TP>=2"), "TP>=2");
    }

    #[test]
    fn a_link_in_a_class_name_stays_text() {
        let source = SourceFile::new("specs/x.yaml", "apiVersion: memmath/v1\n");
        let finding = codes::TRF004
            .finding(
                "/traffic/classes/0".to_string(),
                "class [x](javascript:alert(1)) has no burst margin".to_string(),
            )
            .with_fix("set burst for [x](javascript:alert(1))");
        let files = [FileFindings::new(source, &[finding])];
        let md = render(&files);
        // `\](` is an escaped bracket, not a link.
        assert!(!md.replace("\\]", "").contains("](javascript:"), "{md}");
        assert!(md.contains("class \\[x\\](javascript:alert(1))"), "{md}");
        assert!(md.contains("`no-burst-margin`"), "{md}");
    }
}
