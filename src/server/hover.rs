//! Hover: the key under the cursor, its schema description, and the figure it
//! drives in the current plan (`figures.rs`).

use super::document::Document;
use super::{figures, outline, schema_nav};
use crate::schema::display_path;

/// The Markdown hover for byte `offset` of `doc`, or None off any key.
pub fn hover(doc: &Document, offset: usize) -> Option<String> {
    let tokens = key_at(doc, offset)?;
    let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let pointer: String = refs.iter().map(|t| format!("/{t}")).collect();
    let mut parts = vec![format!("**{}**", display_path(&pointer))];
    match schema_nav::node(&refs) {
        Some(node) => {
            if let Some(d) = schema_nav::description(node) {
                parts.push(d.to_string());
            }
            let values = schema_nav::enum_values(node);
            if values.len() > 1 {
                parts.push(format!(
                    "One of: {}",
                    values
                        .iter()
                        .map(|v| format!("`{v}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        None => parts.push("Not a field of the memmath/v1 schema.".to_string()),
    }
    let analysis = doc.analysis.as_ref();
    match analysis.and_then(|a| Some((a.spec.as_ref()?, a.plan.as_ref()?))) {
        Some((spec, plan)) => parts.extend(figures::figures(&refs, spec, plan)),
        None if doc.analysis.is_some() => parts
            .push("_No computed figures: the spec has errors (see its diagnostics)._".to_string()),
        None => {}
    }
    Some(parts.join("\n\n"))
}

/// Pointer tokens of the key at `offset`: from the parser's spans when the
/// document parsed (the deepest key or scalar value containing the offset),
/// else from the text's indentation.
fn key_at(doc: &Document, offset: usize) -> Option<Vec<String>> {
    if let Some(parsed) = doc.analysis.as_ref().and_then(|a| a.doc.as_ref()) {
        let mut best: Option<&str> = None;
        for (ptr, spans) in &parsed.spans {
            let on_key = spans
                .key
                .is_some_and(|k| k.start <= offset && offset <= k.end);
            let scalar = parsed
                .value
                .pointer(ptr)
                .is_some_and(|v| !(v.is_object() || v.is_array()));
            let on_value = scalar && spans.value.start <= offset && offset <= spans.value.end;
            let deeper = best.is_none_or(|b| ptr.len() > b.len());
            if (on_key || on_value) && !ptr.is_empty() && deeper {
                best = Some(ptr);
            }
        }
        if let Some(ptr) = best {
            return Some(
                ptr.split('/')
                    .skip(1)
                    .map(|t| t.replace("~1", "/").replace("~0", "~"))
                    .collect(),
            );
        }
    }
    // Fallback: the key on the cursor's line, found by indentation.
    let text = &doc.text;
    let offset = offset.min(text.len());
    let line_start = text[..floor(text, offset)].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let line = &text[line_start..line_end];
    let colon = line
        .find(": ")
        .or_else(|| line.trim_end().strip_suffix(':').map(str::len))?;
    let c = outline::at(text, line_start + colon)?;
    (c.slot == outline::Slot::Key && !c.prefix.is_empty()).then(|| {
        let mut path = c.path;
        path.push(c.prefix);
        path
    })
}

fn floor(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}
