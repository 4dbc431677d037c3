//! Write a candidate's changes into the spec's own text (comments, order and
//! layout kept), and the unified diff between the two: the patch a user
//! applies with `git apply` or `patch -p1`.
//!
//! Edits use the document's spans: a value that exists is replaced in
//! place; a key that is missing is added as a line under its section (or
//! inside its `{...}`), a missing section is appended at the end; a `null`
//! change removes the key.

use crate::source::SourceFile;
use crate::spec::SpannedDoc;
use serde_json::Value;

/// One edit: replace `start..end` with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

/// The spec text with `changes` (dotted field -> new value, `null` removes)
/// applied. Errors name a field the text cannot take an edit for.
pub fn apply_changes(
    source: &SourceFile,
    doc: &SpannedDoc,
    changes: &serde_json::Map<String, Value>,
) -> Result<String, String> {
    let text = source.text.as_str();
    let mut edits: Vec<Edit> = Vec::new();
    // Keys added to a section that does not exist yet, per section.
    let mut new_sections: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for (field, value) in changes {
        let pointer = format!("/{}", field.replace('.', "/"));
        match (doc.spans.get(&pointer), value) {
            (Some(spans), Value::Null) => {
                let key = spans
                    .key
                    .ok_or_else(|| format!("`{field}` has no key to remove"))?;
                edits.push(remove_entry(text, key.start, spans.value.end));
            }
            (Some(spans), v) => match (doc.value.pointer(&pointer), spans.key) {
                // A mapping or list replaced by a scalar (an inline GPU by a
                // catalogue id): everything after the key's colon goes.
                (Some(Value::Object(_) | Value::Array(_)), Some(key)) => {
                    let end = subtree_end(doc, &pointer, spans.value.end).min(text.len());
                    let colon = text[key.end..end]
                        .find(':')
                        .map(|i| key.end + i + 1)
                        .ok_or_else(|| format!("`{field}`: no colon after its key"))?;
                    edits.push(Edit {
                        start: colon,
                        end,
                        text: format!(" {}", scalar(v)),
                    });
                }
                _ => edits.push(Edit {
                    start: spans.value.start,
                    end: spans.value.end,
                    text: scalar(v),
                }),
            },
            (None, Value::Null) => {}
            (None, v) => {
                let (parent, key) = pointer
                    .rsplit_once('/')
                    .ok_or_else(|| format!("`{field}` is not a field"))?;
                if doc.spans.contains_key(parent) && !parent.is_empty() {
                    edits.push(insert_into(text, doc, parent, key, &scalar(v))?);
                } else if parent.matches('/').count() == 1 {
                    let section = parent.trim_start_matches('/').to_string();
                    match new_sections.iter_mut().find(|(s, _)| *s == section) {
                        Some((_, keys)) => keys.push((key.to_string(), scalar(v))),
                        None => new_sections.push((section, vec![(key.to_string(), scalar(v))])),
                    }
                } else {
                    return Err(format!(
                        "`{field}`: its section is missing from the spec; add the section first"
                    ));
                }
            }
        }
    }
    if !new_sections.is_empty() {
        let mut block = String::new();
        if !text.is_empty() && !text.ends_with('\n') {
            block.push('\n');
        }
        for (section, keys) in &new_sections {
            block.push_str(section);
            block.push_str(":\n");
            for (k, v) in keys {
                block.push_str(&format!("  {k}: {v}\n"));
            }
        }
        edits.push(Edit {
            start: text.len(),
            end: text.len(),
            text: block,
        });
    }
    edits.sort_by_key(|e| (e.start, e.end));
    if edits.windows(2).any(|w| w[0].end > w[1].start) {
        return Err("two changes touch the same text".to_string());
    }
    let mut out = text.to_string();
    for e in edits.iter().rev() {
        out.replace_range(e.start..e.end, &e.text);
    }
    Ok(out)
}

/// Where the node at `pointer` ends: the furthest end of it and its
/// descendants.
fn subtree_end(doc: &SpannedDoc, pointer: &str, own_end: usize) -> usize {
    let prefix = format!("{pointer}/");
    doc.spans
        .iter()
        .filter(|(p, _)| p.starts_with(&prefix))
        .map(|(_, s)| s.value.end)
        .fold(own_end, usize::max)
}

/// A YAML scalar for a JSON value: plain when it reads back as the same
/// string, else double-quoted (JSON string syntax is YAML's too).
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let plain = !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                && s.starts_with(|c: char| c.is_ascii_alphabetic())
                && !matches!(
                    s.to_ascii_lowercase().as_str(),
                    "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
                );
            if plain {
                s.clone()
            } else {
                Value::String(s.clone()).to_string()
            }
        }
        other => other.to_string(),
    }
}

/// Remove `key: value`: the whole line(s) when the entry has its lines to
/// itself, else the entry and one adjacent comma inside `{...}`.
fn remove_entry(text: &str, key_start: usize, value_end: usize) -> Edit {
    let line_start = text[..key_start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[value_end..]
        .find('\n')
        .map_or(text.len(), |i| value_end + i + 1);
    let before = &text[line_start..key_start];
    let after = text[value_end..line_end].trim();
    if before.trim().is_empty() && (after.is_empty() || after.starts_with('#')) {
        return Edit {
            start: line_start,
            end: line_end,
            text: String::new(),
        };
    }
    // Inside a flow mapping: take the comma after (or, for the last entry,
    // the one before) with its spaces.
    let rest = &text[value_end..];
    let trimmed = rest.trim_start_matches([' ', '\t']);
    if let Some(after_comma) = trimmed.strip_prefix(',') {
        let spaces = after_comma.len() - after_comma.trim_start_matches([' ', '\t']).len();
        let end = value_end + (rest.len() - trimmed.len()) + 1 + spaces;
        return Edit {
            start: key_start,
            end,
            text: String::new(),
        };
    }
    let head = &text[..key_start];
    let start = head
        .trim_end_matches([' ', '\t'])
        .strip_suffix(',')
        .map_or(key_start, |h| h.len());
    Edit {
        start,
        end: value_end,
        text: String::new(),
    }
}

/// Add `key: value` to the mapping at `parent`: a line after its last line,
/// indented like its entries, or `, key: value` before the `}` of a flow
/// mapping.
fn insert_into(
    text: &str,
    doc: &SpannedDoc,
    parent: &str,
    key: &str,
    value: &str,
) -> Result<Edit, String> {
    let prefix = format!("{parent}/");
    let children: Vec<&crate::spec::NodeSpans> = doc
        .spans
        .iter()
        .filter(|(p, _)| p.starts_with(&prefix))
        .map(|(_, s)| s)
        .collect();
    let own = doc
        .spans
        .get(parent)
        .ok_or_else(|| format!("`{parent}` is not in the spec"))?;
    let start = own.value.start.min(text.len());
    if text[start..].starts_with('{') {
        // Flow mapping: before its closing brace.
        // Collection spans mark only their start: the brace closing this
        // mapping is the first one after its last entry.
        let last = subtree_end(doc, parent, own.value.end).min(text.len());
        let close = text[last..]
            .find('}')
            .map(|i| last + i)
            .ok_or_else(|| format!("`{parent}`: no closing brace"))?;
        let inner = text[start + 1..close].trim();
        let sep = if inner.is_empty() { "" } else { ", " };
        let at = text[..close].trim_end().len();
        return Ok(Edit {
            start: at,
            end: at,
            text: format!("{sep}{key}: {value}"),
        });
    }
    // Block mapping: the indentation of its entries' keys.
    let first_key = children
        .iter()
        .filter_map(|s| s.key)
        .map(|k| k.start)
        .min()
        .ok_or_else(|| format!("`{parent}` is empty; write the key by hand"))?;
    let line_start = text[..first_key].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line_start..first_key];
    if !indent.chars().all(|c| c == ' ') {
        return Err(format!("`{parent}`: cannot tell its indentation"));
    }
    let last = children
        .iter()
        .map(|s| s.value.end)
        .chain(std::iter::once(own.value.end))
        .max()
        .unwrap_or(start)
        .min(text.len());
    // After the line holding the mapping's last value (its comment kept).
    let end_of_line = text[last..].find('\n').map(|i| last + i + 1);
    Ok(match end_of_line {
        Some(at) => Edit {
            start: at,
            end: at,
            text: format!("{indent}{key}: {value}\n"),
        },
        None => Edit {
            start: text.len(),
            end: text.len(),
            text: format!("\n{indent}{key}: {value}\n"),
        },
    })
}

/// A unified diff of `old` -> `new` (3 lines of context), with `a/` and
/// `b/` prefixes on `path` so `git apply` and `patch -p1` take it. Empty
/// when the texts are equal.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let ops = diff_lines(&a, &b);
    if ops.iter().all(|o| matches!(o, Op::Same(..))) {
        return String::new();
    }
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    const CONTEXT: usize = 3;
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, o)| !matches!(o, Op::Same(..)))
        .map(|(i, _)| i)
        .collect();
    // Group changes whose contexts touch into hunks.
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for &i in &changed {
        let lo = i.saturating_sub(CONTEXT);
        let hi = (i + CONTEXT + 1).min(ops.len());
        match hunks.last_mut() {
            Some((_, end)) if lo <= *end => *end = hi,
            _ => hunks.push((lo, hi)),
        }
    }
    for (lo, hi) in hunks {
        let (mut a_start, mut b_start) = (None, None);
        let (mut a_len, mut b_len) = (0, 0);
        let mut body = String::new();
        for op in &ops[lo..hi] {
            let (prefix, line) = match op {
                Op::Same(i, j, l) => {
                    a_start.get_or_insert(*i);
                    b_start.get_or_insert(*j);
                    a_len += 1;
                    b_len += 1;
                    (' ', *l)
                }
                Op::Del(i, j, l) => {
                    a_start.get_or_insert(*i);
                    b_start.get_or_insert(*j);
                    a_len += 1;
                    ('-', *l)
                }
                Op::Add(i, j, l) => {
                    a_start.get_or_insert(*i);
                    b_start.get_or_insert(*j);
                    b_len += 1;
                    ('+', *l)
                }
            };
            body.push(prefix);
            body.push_str(line);
            if !line.ends_with('\n') {
                body.push_str("\n\\ No newline at end of file\n");
            }
        }
        // Line numbers are 1-based; an empty side starts at the line before.
        let a0 = a_start.unwrap_or(0) + usize::from(a_len > 0);
        let b0 = b_start.unwrap_or(0) + usize::from(b_len > 0);
        out.push_str(&format!("@@ -{a0},{a_len} +{b0},{b_len} @@\n"));
        out.push_str(&body);
    }
    out
}

/// One line of an edit script, with the 0-based line numbers on each side
/// where it stands.
enum Op<'t> {
    Same(usize, usize, &'t str),
    Del(usize, usize, &'t str),
    Add(usize, usize, &'t str),
}

/// Longest-common-subsequence line diff: specs are at most a few thousand
/// lines and the search edits a handful, so the common prefix and suffix
/// are stripped first and the quadratic table covers only the middle.
fn diff_lines<'t>(a: &[&'t str], b: &[&'t str]) -> Vec<Op<'t>> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let (n, m) = (am.len(), bm.len());
    // lcs[i][j] = LCS length of am[i..], bm[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if am[i] == bm[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops: Vec<Op<'t>> = (0..prefix).map(|i| Op::Same(i, i, a[i])).collect();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && am[i] == bm[j] {
            ops.push(Op::Same(prefix + i, prefix + j, am[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // Deletions first, as diff(1) prints them.
            ops.push(Op::Del(prefix + i, prefix + j, am[i]));
            i += 1;
        } else {
            ops.push(Op::Add(prefix + i, prefix + j, bm[j]));
            j += 1;
        }
    }
    for k in 0..suffix {
        let (ia, ib) = (a.len() - suffix + k, b.len() - suffix + k);
        ops.push(Op::Same(ia, ib, a[ia]));
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec;

    fn patched(text: &str, changes: Value) -> String {
        let source = SourceFile::new("s.yaml", text);
        let doc = spec::parse(&source).unwrap();
        let Value::Object(map) = changes else {
            panic!("object")
        };
        apply_changes(&source, &doc, &map).unwrap()
    }

    #[test]
    fn replaces_inserts_removes_and_appends() {
        let text = "a:\n  b: 1   # keep\n  c: x\nd: {e: 1, f: 2}\n";
        let out = patched(
            text,
            serde_json::json!({"a.b": 4, "a.g": "h200-141gb", "d.f": null, "d.k": true, "z.y": 2}),
        );
        assert_eq!(
            out,
            "a:\n  b: 4   # keep\n  c: x\n  g: h200-141gb\nd: {e: 1, k: true}\nz:\n  y: 2\n"
        );
        let out = patched(
            "a:\n  b: 1\n  c: 2\n",
            serde_json::json!({"a.b": null, "a.c": "0.11"}),
        );
        assert_eq!(out, "a:\n  c: \"0.11\"\n");
        let out = patched(
            "h:\n  gpu:\n    name: X\n    memory: 80GiB   # measured\n  nodes: 1\n",
            serde_json::json!({"h.gpu": "h200-141gb"}),
        );
        assert_eq!(out, "h:\n  gpu: h200-141gb   # measured\n  nodes: 1\n");
    }

    #[test]
    fn diff_is_a_valid_unified_patch() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\nten\n";
        let d = unified_diff("s.yaml", old, new);
        assert_eq!(
            d,
            "--- a/s.yaml\n+++ b/s.yaml\n@@ -2,8 +2,9 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n 9\n+ten\n"
        );
        assert_eq!(unified_diff("s.yaml", old, old), "");
    }
}
