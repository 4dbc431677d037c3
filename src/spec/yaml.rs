//! YAML with spans: parse bounded, keep every node's location, convert to a JSON
//! value plus a JSON-pointer -> span map.
//!
//! The document is built from the events of granit-parser, the YAML parser under
//! serde-saphyr (`build`): each key and value keeps its byte offsets, and the
//! result is a `serde_json::Value` (what the schema validates) plus a map from
//! JSON pointer to the key and value spans (what findings underline). Scalars are
//! typed by YAML 1.2's Core schema as serde-saphyr typed them (`scalar`).
//! docs/spec.md records why.

mod build;
mod scalar;

use super::load::{syn001, too_large, MAX_SPEC_BYTES};
use crate::diagnostics::Finding;
use crate::source::{SourceFile, Span};
use std::collections::BTreeMap;

/// Deepest nesting a spec may have. A real spec nests 5 levels
/// (`/traffic/classes/0/prompt_tokens/p99`); 32 leaves room for `lint` lists and
/// keeps the recursive conversion far from the stack limit.
pub const MAX_DEPTH: usize = 32;

/// Most YAML nodes (scalars + collections) in one spec, aliases expanded. The
/// biggest example spec has ~150; 20,000 stops alias bombs long before they cost.
pub const MAX_NODES: usize = 20_000;

/// Most YAML events aliases may replay (`*name` re-reads its anchor's events).
/// Specs rarely use aliases at all; 5,000 stops an alias bomb after a few
/// milliseconds of work instead of expanding it.
pub const MAX_ALIAS_EVENTS: usize = 5_000;

/// Locations of one node: its key (for mapping entries) and its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeSpans {
    pub key: Option<Span>,
    pub value: Span,
}

/// A parsed spec document: the JSON value the schema sees, and where each node is.
#[derive(Clone, Debug)]
pub struct SpannedDoc {
    pub value: serde_json::Value,
    /// JSON pointer (`/serving/max_model_len`) -> spans. The root is `""`.
    pub spans: BTreeMap<String, NodeSpans>,
}

impl SpannedDoc {
    /// The span to underline for a pointer: the key when there is one, else the
    /// value; falls back to the nearest ancestor that exists.
    pub fn span_of(&self, pointer: &str) -> Option<Span> {
        let mut p = pointer;
        loop {
            if let Some(s) = self.spans.get(p) {
                return Some(s.key.unwrap_or(s.value));
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }

    /// The value span of exactly this pointer (no ancestor fallback).
    pub fn value_span(&self, pointer: &str) -> Option<Span> {
        self.spans.get(pointer).map(|s| s.value)
    }
}

/// Escape one JSON-pointer reference token (RFC 6901: `~` -> `~0`, `/` -> `~1`).
pub fn escape_pointer_token(token: &str) -> std::borrow::Cow<'_, str> {
    // Nearly every key needs no escape: skip the two allocating `replace`s.
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1").into()
    } else {
        token.into()
    }
}

/// Parse YAML source into a [`SpannedDoc`], or SYN findings.
pub fn parse(source: &SourceFile) -> Result<SpannedDoc, Vec<Finding>> {
    let text = source.text.as_str();
    // The CLI refuses big files before reading them; embedders, fuzzers and
    // `report`/`diff` callers that build a SourceFile themselves get the same bound.
    if text.len() as u64 > MAX_SPEC_BYTES {
        return Err(vec![too_large(text.len() as u64)]);
    }
    if !has_content(text) {
        return Err(vec![syn001(
            "the file has no YAML content; a memmath spec is a mapping that starts with `apiVersion: memmath/v1`",
            Span::new(0, 0),
        )]);
    }
    build::build(source)
}

/// True when the text has anything besides whitespace, comments and document
/// markers (an empty or comment-only file is a finding, not an empty spec).
fn has_content(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim_start_matches('\u{feff}').trim();
        !(t.is_empty() || t.starts_with('#') || t == "---" || t == "...")
    })
}

/// Text from the parser or the file, safe to print: control characters (which
/// could drive a terminal) become spaces, and it is cut to a sane length.
fn printable(s: &str) -> String {
    s.chars()
        .take(200)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> SpannedDoc {
        match parse(&SourceFile::new("t.yaml", text)) {
            Ok(d) => d,
            Err(f) => panic!("unexpected findings: {f:?}"),
        }
    }

    fn err(text: &str) -> Vec<Finding> {
        match parse(&SourceFile::new("t.yaml", text)) {
            Ok(d) => panic!("expected findings, got {:?}", d.value),
            Err(f) => f,
        }
    }

    fn at(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    #[test]
    fn keeps_key_and_value_spans() {
        let text = "a: 1\nb:\n  c: [x, \"y\"]\n  d: true\n";
        let d = doc(text);
        assert_eq!(
            d.value,
            serde_json::json!({"a": 1, "b": {"c": ["x", "y"], "d": true}})
        );
        let c = d.spans["/b/c"];
        assert_eq!(at(text, c.key.unwrap()), "c");
        let x = d.spans["/b/c/1"];
        assert!(at(text, x.value).contains('y'));
        assert_eq!(at(text, d.spans["/b/d"].value), "true");
        assert_eq!(at(text, d.span_of("/b/zzz").unwrap()), "b");
    }

    #[test]
    fn strict_booleans_and_floats() {
        let d = doc("a: yes\nb: 0.9\nc: .nan\nd: -3\n");
        assert_eq!(d.value["a"], "yes");
        assert_eq!(d.value["b"], 0.9);
        assert_eq!(d.value["c"], ".nan");
        assert_eq!(d.value["d"], -3);
    }

    #[test]
    fn duplicate_key_is_syn002_at_second_key() {
        let text = "a: 1\nb: 2\na: 3\n";
        let f = err(text);
        assert_eq!(f[0].code, "SYN002");
        let s = f[0].span.unwrap();
        assert_eq!(SourceFile::new("t", text).line_col(s.start), (3, 1));
    }

    #[test]
    fn syntax_error_is_syn001() {
        let f = err("a: [1, 2\nb: 3\n");
        assert_eq!(f[0].code, "SYN001");
    }

    #[test]
    fn empty_and_comment_only_are_findings() {
        assert_eq!(err("")[0].code, "SYN001");
        assert_eq!(err("# just a comment\n\n")[0].code, "SYN001");
    }

    #[test]
    fn multi_document_is_syn001() {
        let f = err("a: 1\n---\nb: 2\n");
        assert_eq!(f[0].code, "SYN001");
    }

    #[test]
    fn merge_keys_are_rejected() {
        let f = err("base: &b {x: 1}\nc:\n  <<: *b\n");
        assert_eq!(f[0].code, "SYN001");
        assert!(f[0].message.contains("merge"));
    }

    #[test]
    fn billion_laughs_is_syn003() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
        let mut prev = "a";
        for n in names {
            text.push_str(&format!(
                "{n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
            ));
            prev = n;
        }
        let f = err(&text);
        assert_eq!(f[0].code, "SYN003", "{f:?}");
    }

    #[test]
    fn deep_nesting_is_syn003() {
        let text = "[".repeat(10_000);
        let f = err(&text);
        assert_eq!(f[0].code, "SYN003", "{f:?}");
        let mut block = String::new();
        for i in 0..200 {
            block.push_str(&" ".repeat(i));
            block.push_str("a:\n");
        }
        assert_eq!(err(&block)[0].code, "SYN003");
    }

    #[test]
    fn oversized_text_is_syn003_without_parsing() {
        let mut text = String::from("a: [");
        text.push_str(&"{}, ".repeat(300_000));
        text.push(']');
        let f = err(&text);
        assert_eq!(f[0].code, "SYN003", "{f:?}");
        assert!(f[0].message.contains("bytes"), "{f:?}");
    }

    #[test]
    fn huge_integer_is_out_of_range() {
        let f = err("a: 99999999999999999999999\n");
        assert_eq!(f[0].code, "SCH004");
        assert_eq!(err("a: 1e30\n")[0].code, "SCH004");
    }

    #[test]
    fn integral_floats_become_integers() {
        let d = doc("a: 32.0\nb: -2.0\nc: 0.5\n");
        assert_eq!(d.value, serde_json::json!({"a": 32, "b": -2, "c": 0.5}));
    }

    #[test]
    fn non_string_keys_become_text() {
        let d = doc("1: a\ntrue: b\n");
        assert_eq!(d.value, serde_json::json!({"1": "a", "true": "b"}));
    }

    #[test]
    fn pointer_tokens_are_escaped() {
        let d = doc("\"a/b\": 1\n\"c~d\": 2\n");
        assert!(d.spans.contains_key("/a~1b"));
        assert!(d.spans.contains_key("/c~0d"));
    }

    #[test]
    fn aliases_copy_the_anchored_node_with_its_spans() {
        let text = "base: &b {x: 1, y: [2, 3]}\ncopy: *b\nname: &n chat\n*n : 4\n";
        let d = doc(text);
        assert_eq!(d.value["copy"], serde_json::json!({"x": 1, "y": [2, 3]}));
        assert_eq!(d.value["chat"], 4);
        // The copy's root is at the alias; the nodes below keep the anchor's text.
        assert_eq!(at(text, d.spans["/copy"].value), "*b");
        assert_eq!(at(text, d.spans["/copy/y/1"].value), "3");
        assert_eq!(d.spans["/copy/y/1"], d.spans["/base/y/1"]);
    }

    #[test]
    fn structural_mistakes_are_syn001() {
        // A list as a key, an alias inside its own anchor, a tag its text
        // contradicts.
        assert_eq!(err("? [a, b]\n: 1\n")[0].code, "SYN001");
        assert_eq!(err("a: &x [1, *x]\n")[0].code, "SYN001");
        let f = err("a: !!int nine\n");
        assert_eq!(f[0].code, "SYN001");
        assert!(f[0].message.contains("integer"), "{f:?}");
    }

    #[test]
    fn alias_depth_counts_toward_the_limit() {
        // 20 levels anchored, then aliased 20 levels deep: 40 > 32.
        let mut text = String::from("a: &deep ");
        text.push_str(&"[".repeat(20));
        text.push_str(&"]".repeat(20));
        text.push_str("\nb: ");
        text.push_str(&"[".repeat(20));
        text.push_str("*deep");
        text.push_str(&"]".repeat(20));
        text.push('\n');
        assert_eq!(err(&text)[0].code, "SYN003");
    }
}
