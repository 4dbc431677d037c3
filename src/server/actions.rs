//! Code actions: a finding whose fix is one field's new key or value
//! (`Finding::edit`) becomes an edit of that key's or value's bytes.

use crate::diagnostics::{EditPart, Finding};
use crate::pipeline::Analysis;
use crate::schema::display_path;
use crate::source::Span;

/// One text replacement with the title the editor shows.
pub struct Edit {
    pub title: String,
    pub span: Span,
    pub text: String,
}

/// The edit for `f` when it has one and its span touches `[start, end]`.
pub fn edit_for(f: &Finding, analysis: &Analysis, (start, end): (usize, usize)) -> Option<Edit> {
    let fe = f.edit.as_ref()?;
    let span = f.span?;
    if span.end < start || span.start > end {
        return None;
    }
    let spans = analysis.doc.as_ref()?.spans.get(&fe.pointer)?;
    let field = display_path(&fe.pointer);
    let (target, title) = match fe.part {
        EditPart::Key => (
            spans.key?,
            format!("{}: rename `{}` to `{}`", f.code, field, fe.text),
        ),
        EditPart::Value => (
            spans.value,
            format!("{}: set `{}` to {}", f.code, field, fe.text),
        ),
    };
    Some(Edit {
        title,
        span: target,
        text: fe.text.clone(),
    })
}
