//! `github`: GitHub Actions workflow commands (`::error file=..,line=..,col=..,title=..::msg`),
//! errors first so the annotations GitHub keeps (it caps them) are the important ones.

use super::{ordered, terminal_safe, FileFindings, Severity};

pub(super) fn render(files: &[FileFindings]) -> String {
    let mut all = ordered(files);
    all.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let mut out = String::new();
    for f in all {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info | Severity::Off => "notice",
        };
        let mut message = f.message.clone();
        if let Some(fix) = &f.fix {
            message.push_str("\nhelp: ");
            message.push_str(fix);
        }
        out.push_str(&format!(
            "::{level} file={},line={},col={},title={}::{}\n",
            escape_property(&terminal_safe(&f.file, &[])),
            f.line,
            f.column,
            escape_property(&format!("{} {}", f.code, f.name)),
            escape_data(&message)
        ));
    }
    out
}

/// Workflow-command data escaping (actions/toolkit `escapeData`).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow-command property escaping (actions/toolkit `escapeProperty`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_toolkit() {
        assert_eq!(escape_data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
