//! `full`: a miette code frame per finding, the offending key or value
//! underlined, the computed fix as a help line, then a summary line.

use super::{
    ordered, summary_line, terminal_safe, FileFindings, LocatedFinding, RenderOptions, Severity,
};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};
use std::fmt;

pub(super) fn render(files: &[FileFindings], opts: &RenderOptions) -> String {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(opts.width)
        .with_links(false)
        .with_urls(false);
    let mut out = String::new();
    for file in files {
        // Same byte length as the source, so spans still point at the right text.
        let source = NamedSource::new(
            terminal_safe(&file.source.name, &[]),
            terminal_safe(&file.source.text, &['\n', '\r', '\t']),
        );
        for f in ordered(std::slice::from_ref(file)) {
            let diag = FindingDiagnostic {
                finding: f,
                source: &source,
                text_len: file.source.text.len(),
            };
            let mut one = String::new();
            if handler.render_report(&mut one, &diag).is_err() {
                // A frame that cannot be drawn still gets its one-line form.
                one = format!(
                    "{}:{}:{}: {} {}\n",
                    terminal_safe(&f.file, &[]),
                    f.line,
                    f.column,
                    f.code,
                    f.message
                );
            }
            out.push_str(&one);
            out.push('\n');
        }
    }
    out.push_str(&summary_line(files));
    out.push('\n');
    out
}

/// A located finding seen through miette's `Diagnostic` trait.
struct FindingDiagnostic<'a> {
    finding: &'a LocatedFinding,
    source: &'a NamedSource<String>,
    text_len: usize,
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FindingDiagnostic")
            .field("code", &self.finding.code)
            .finish()
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{}[{}] {}",
            self.finding.severity, self.finding.code, self.finding.name
        )))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info | Severity::Off => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.finding
            .fix
            .as_ref()
            .map(|h| Box::new(h.clone()) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.finding.span?;
        // Clamp so a span can never point past the text miette slices.
        let start = span.start.min(self.text_len);
        let len = span.end.min(self.text_len).saturating_sub(start);
        let label =
            LabeledSpan::new_primary_with_span(Some(self.finding.pointer_label()), (start, len));
        Some(Box::new(std::iter::once(label)))
    }
}
