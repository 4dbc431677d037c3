//! Where a cursor is in a YAML document, read from the text's indentation
//! alone, so it works on half-typed documents the parser rejects: the path of
//! mapping keys and sequence indexes above the cursor, and whether the cursor
//! is on a key or on a value.
//!
//! It reads block style (`key:` lines, `- ` items), which is how specs are
//! written; inside a flow collection (`{p50: 800, ...}`) it gives up (None)
//! rather than guess. Hover uses the parser's spans when the document parses
//! and this only as a fallback; completion always uses this.

/// The cursor's place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// Pointer tokens of the mapping that holds the key being typed (Key), or
    /// of the key whose value is being typed (Value).
    pub path: Vec<String>,
    pub slot: Slot,
    /// What is typed so far (a key's or value's first characters).
    pub prefix: String,
    /// Byte offset where `prefix` starts (the range a completion replaces).
    pub prefix_start: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Key,
    Value,
}

/// One line's structure: the columns of its `- ` markers and of its content,
/// and its key when the content is `key:` or `key: value`.
struct Line<'a> {
    dashes: Vec<usize>,
    content_col: usize,
    content: &'a str,
    key: Option<&'a str>,
}

fn split_line(line: &str) -> Option<Line<'_>> {
    let line = line.trim_end_matches('\r');
    let mut col = line.len() - line.trim_start_matches(' ').len();
    let mut rest = &line[col..];
    if rest.is_empty() || rest.starts_with('#') || rest.starts_with("---") || rest.starts_with('\t')
    {
        return None;
    }
    let mut dashes = Vec::new();
    while rest == "-" || rest.starts_with("- ") {
        dashes.push(col);
        let after = &rest[1..];
        let spaces = after.len() - after.trim_start_matches(' ').len();
        col += 1 + spaces;
        rest = &after[spaces..];
    }
    Some(Line {
        dashes,
        content_col: col,
        content: rest,
        key: key_of(rest),
    })
}

/// The key of `key:` / `key: value` / `"key": value`; None for a scalar.
fn key_of(content: &str) -> Option<&str> {
    let colon = content
        .find(": ")
        .or_else(|| content.strip_suffix(':').map(|k| k.len()))?;
    let key = content[..colon].trim().trim_matches(['"', '\'']);
    let plain = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    plain.then_some(key)
}

/// Where the cursor at byte `offset` of `text` is; None in a comment, inside
/// a flow collection or a quoted key, or on anything else this does not read.
pub fn at(text: &str, offset: usize) -> Option<Cursor> {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let typed = &text[line_start..offset];
    if typed.contains('#') || typed.contains('{') || typed.contains('[') || typed.contains('\t') {
        return None;
    }
    let above: Vec<&str> = text[..line_start].lines().collect();
    let indent = typed.len() - typed.trim_start_matches(' ').len();
    let line = split_line(typed).unwrap_or(Line {
        dashes: Vec::new(),
        content_col: indent,
        content: "",
        key: None,
    });
    let mut tokens = Vec::new();
    let (slot, prefix, key) = match line.content.find(": ") {
        Some(colon) => {
            let value = line.content[colon + 1..].trim_start();
            let value = value.trim_start_matches(['"', '\'']);
            (
                Slot::Value,
                value,
                Some(key_of(&line.content[..colon + 1])?),
            )
        }
        None => {
            let word = line.content;
            let ok = word
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'));
            if !ok {
                return None;
            }
            (Slot::Key, word, None)
        }
    };
    // The current line's own `- ` markers: the cursor is in that item.
    let mut limit = line.content_col;
    for &d in line.dashes.iter().rev() {
        let first = line.dashes.first() == Some(&d);
        tokens.push(if first { item_index(&above, d) } else { 0 }.to_string());
        limit = d;
    }
    ancestors(&above, limit, &mut tokens);
    tokens.reverse();
    if let Some(k) = key {
        tokens.push(k.to_string());
    }
    Some(Cursor {
        path: tokens,
        slot,
        prefix: prefix.to_string(),
        prefix_start: offset - prefix.len(),
    })
}

/// Push (innermost first) the keys and item indexes of the collections that
/// hold a line indented at `limit`, reading `above` from the nearest line up.
fn ancestors(above: &[&str], mut limit: usize, tokens: &mut Vec<String>) {
    for (i, raw) in above.iter().enumerate().rev() {
        if limit == 0 {
            return;
        }
        let Some(line) = split_line(raw) else {
            continue;
        };
        if line.key.is_some() && line.content_col < limit {
            tokens.push(line.key.unwrap_or_default().to_string());
            limit = line.content_col;
        }
        if let Some(&d) = line.dashes.first().filter(|&&d| d < limit) {
            for &inner in line.dashes[1..].iter().rev() {
                if inner < limit {
                    tokens.push("0".to_string());
                }
            }
            tokens.push(item_index(&above[..i], d).to_string());
            limit = d;
        }
    }
}

/// The index of the sequence item whose `- ` is at column `col` on the line
/// after `above`: its earlier siblings are the `- ` lines at that column
/// before a line indented less.
fn item_index(above: &[&str], col: usize) -> usize {
    let mut n = 0;
    for raw in above.iter().rev() {
        let Some(line) = split_line(raw) else {
            continue;
        };
        let start = line.dashes.first().copied().unwrap_or(line.content_col);
        if start < col {
            break;
        }
        if start == col && !line.dashes.is_empty() {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = "apiVersion: memmath/v1\nserving:\n  engine: vl\n  max_model_len: 4096\n  kv\ntraffic:\n  classes:\n    - name: chat\n      prompt_tokens:\n        p9\n    - name: long\n      conc\n";

    fn cursor_after(needle: &str) -> Cursor {
        let at_end = SPEC.find(needle).expect("needle") + needle.len();
        at(SPEC, at_end).expect("cursor")
    }

    #[test]
    fn keys_and_values_in_mappings() {
        let c = cursor_after("  kv");
        assert_eq!(
            (c.path.clone(), c.slot, c.prefix.as_str()),
            (vec!["serving".to_string()], Slot::Key, "kv")
        );
        assert_eq!(&SPEC[c.prefix_start..c.prefix_start + 2], "kv");
        let c = cursor_after("engine: vl");
        assert_eq!(
            (c.path, c.slot, c.prefix.as_str()),
            (
                vec!["serving".to_string(), "engine".to_string()],
                Slot::Value,
                "vl"
            )
        );
        let c = cursor_after("apiVersion: ");
        assert_eq!(
            (c.path, c.slot),
            (vec!["apiVersion".to_string()], Slot::Value)
        );
    }

    #[test]
    fn sequence_items_get_their_index() {
        let c = cursor_after("        p9");
        assert_eq!(c.path, ["traffic", "classes", "0", "prompt_tokens"]);
        let c = cursor_after("      conc");
        assert_eq!(c.path, ["traffic", "classes", "1"]);
        let text = "traffic:\n  classes:\n    - name: a\n    - na";
        let c = at(text, text.len()).expect("cursor");
        assert_eq!(
            (c.path, c.prefix.as_str()),
            (
                vec![
                    "traffic".to_string(),
                    "classes".to_string(),
                    "1".to_string()
                ],
                "na"
            )
        );
    }

    #[test]
    fn gives_up_where_it_cannot_read() {
        assert!(at("a: {b: 1, c", 11).is_none());
        assert!(at("a: 1 # comm", 11).is_none());
        // A top-level key on an empty document, and offsets past the end.
        let c = at("", 99).expect("cursor");
        assert!(c.path.is_empty() && c.slot == Slot::Key);
        assert!(at("a: é", 4).is_some());
    }
}
