//! The finding type (its JSON keys: docs/reports.md, "The JSON plan"); its severity lives in
//! [`crate::codes`] and is re-exported here.

use super::safe_text::terminal_safe;
use crate::codes::Code;
pub use crate::codes::Severity;
use crate::source::{SourceFile, Span};
use serde::Serialize;

/// One problem found in a spec. `pointer` is the JSON pointer of the field a user
/// would change (design.md section 4b); `span` is filled in from it by the
/// pipeline, or set directly by parsers that know the exact bytes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub message: String,
    /// A computed fix ("set max_model_len to 61,440 or lower"), when one exists.
    pub fix: Option<String>,
    /// JSON pointer into the spec (`/serving/max_model_len`); empty for the root.
    pub pointer: String,
    #[serde(skip)]
    pub span: Option<Span>,
    /// Where the finding is in the spec's `deployment` file, when it is
    /// about a value imported from there (docs/import.md): renderers report it
    /// at that file's line instead of the spec's.
    #[serde(skip)]
    pub deployment_span: Option<Span>,
    /// The fix as one field's new text, when the fix is exactly that (the
    /// language server offers it as a code action). Not part of the JSON output.
    #[serde(skip)]
    pub edit: Option<Box<FieldEdit>>,
}

/// A fix that rewrites one field: its value, or its key (a misspelled field name).
#[derive(Clone, Debug, PartialEq)]
pub struct FieldEdit {
    /// JSON pointer of the field whose key or value is rewritten.
    pub pointer: String,
    pub part: EditPart,
    /// The new YAML text (a plain scalar or a key).
    pub text: String,
}

/// Which part of a `key: value` pair a [`FieldEdit`] replaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditPart {
    Key,
    Value,
}

impl Finding {
    pub fn new(
        code: &str,
        name: &str,
        severity: Severity,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            code: code.to_string(),
            name: name.to_string(),
            severity,
            message: message.into(),
            fix: None,
            pointer: pointer.into(),
            span: None,
            deployment_span: None,
            edit: None,
        }
    }
    pub fn with_fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = Some(fix.into());
        self
    }
    /// Set the fix to alternative remedies ("a; or b"); none leaves it unset.
    pub fn with_alternatives(mut self, fixes: &[String]) -> Finding {
        if !fixes.is_empty() {
            self.fix = Some(fixes.join("; or "));
        }
        self
    }
    /// Attach a one-field fix: set the value at the finding's own pointer.
    pub fn with_value_edit(mut self, text: impl Into<String>) -> Finding {
        self.edit = Some(Box::new(FieldEdit {
            pointer: self.pointer.clone(),
            part: EditPart::Value,
            text: text.into(),
        }));
        self
    }
    pub fn with_span(mut self, span: Span) -> Finding {
        self.span = Some(span);
        self
    }
    /// Sort key: by position, then code, so output is deterministic.
    pub fn sort_key(&self) -> (usize, String, String) {
        (
            self.span.map_or(0, |s| s.start),
            self.code.clone(),
            self.message.clone(),
        )
    }
}

impl Code {
    /// A finding of this code at its default severity.
    pub fn finding(&self, pointer: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding::new(self.code, self.name, self.severity, pointer, message)
    }

    /// A finding of this code at `severity` instead of its default: only for
    /// the documented cases where a check deliberately reports a code lower or
    /// higher (HW003 on TensorRT-LLM, a pending MIG change); the caller says why.
    pub fn finding_at(
        &self,
        severity: Severity,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding::new(self.code, self.name, severity, pointer, message)
    }
}

/// A finding with its file and 1-based line/column resolved: what renderers and
/// the JSON output (`file`, `line`, `column`) consume.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LocatedFinding {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub message: String,
    pub fix: Option<String>,
    pub file: String,
    pub pointer: String,
    pub line: usize,
    pub column: usize,
    #[serde(skip)]
    pub span: Option<Span>,
}

impl LocatedFinding {
    /// The short label under the underlined span: the field path when known.
    pub fn pointer_label(&self) -> String {
        if self.pointer.is_empty() {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, terminal_safe(&self.pointer, &[]))
        }
    }

    /// Locate in the spec, or in its deployment file when the finding is
    /// about an imported value and that file is known.
    pub fn locate_in(
        finding: &Finding,
        source: &SourceFile,
        deployment: Option<&SourceFile>,
    ) -> LocatedFinding {
        match (finding.deployment_span, deployment) {
            (Some(span), Some(file)) => {
                let moved = Finding {
                    span: Some(span),
                    deployment_span: None,
                    ..finding.clone()
                };
                LocatedFinding::locate(&moved, file)
            }
            _ => LocatedFinding::locate(finding, source),
        }
    }

    pub fn locate(finding: &Finding, source: &SourceFile) -> LocatedFinding {
        let (line, column) = finding.span.map_or((1, 1), |s| source.line_col(s.start));
        LocatedFinding {
            code: finding.code.clone(),
            name: finding.name.clone(),
            severity: finding.severity,
            // Messages quote user text (keys, class names): never let it drive
            // the terminal or reorder what a reviewer reads.
            message: terminal_safe(&finding.message, &['\n']),
            fix: finding.fix.as_deref().map(|f| terminal_safe(f, &['\n'])),
            file: source.name.clone(),
            pointer: finding.pointer.clone(),
            line,
            column,
            span: finding.span,
        }
    }
}
