//! `full`: a miette code frame per finding, the offending key or value
//! underlined, the computed fix as a help line, then a summary line.

use super::{
    ordered, summary_line, terminal_safe, FileFindings, LocatedFinding, RenderOptions, Severity,
};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents,
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
        let named = NamedSource::new(
            terminal_safe(&file.source.name, &[]),
            terminal_safe(&file.source.text, &['\n', '\r', '\t']),
        );
        let source = CharColumns { named: &named };
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
    source: &'a CharColumns<'a>,
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

/// The source as miette sees it, but with the `file:line:col` header counting
/// columns in characters like every other format (design.md section 4); miette
/// itself counts bytes, so a line with "é" or CJK text would disagree.
struct CharColumns<'a> {
    named: &'a NamedSource<String>,
}

impl SourceCode for CharColumns<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let inner = self.named.read_span(span, before, after)?;
        if before != 0 {
            // Context reads start at a line start: column 0 either way.
            return Ok(inner);
        }
        let text = self.named.inner().as_str();
        let mut at = span.offset().min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..at].chars().count();
        Ok(Box::new(MietteSpanContents::new_named(
            inner.name().unwrap_or_default().to_string(),
            inner.data(),
            *inner.span(),
            inner.line(),
            column,
            inner.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes;
    use crate::source::{SourceFile, Span};

    #[test]
    fn header_column_counts_characters_not_bytes() {
        let text = "metadata: {description: \"ééé日本\", nmae: x}\n";
        let at = text.find("nmae").expect("key");
        let f = codes::SCH001
            .finding("/metadata/nmae", "m")
            .with_span(Span::new(at, at + 4));
        let files = [FileFindings::new(SourceFile::new("u.yaml", text), &[f])];
        let out = render(&files, &RenderOptions::default());
        // 33 characters (40 bytes) stand before `nmae`: column 34, not 41.
        assert!(out.contains("[u.yaml:1:34]"), "{out}");
    }
}
