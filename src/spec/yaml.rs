//! YAML with spans: parse bounded, keep every node's location, convert to a JSON
//! value plus a JSON-pointer -> span map.
//!
//! Parsing goes through serde-saphyr (design.md section 8): a private [`RawNode`]
//! tree whose mapping keys and values are wrapped in `serde_saphyr::Spanned`, so
//! every key and value keeps its byte offsets. The tree is then flattened into a
//! `serde_json::Value` (what the schema validates) and a map from JSON pointer to
//! the key and value spans (what findings underline). docs/spec.md records why.

use super::load::{syn001, syn003, too_large, MAX_SPEC_BYTES};
use crate::codes;
use crate::diagnostics::Finding;
use crate::source::{SourceFile, Span};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::options::{DuplicateKeyPolicy, MergeKeyPolicy, NonFiniteFloatPolicy};
use serde_saphyr::{Location, Spanned};
use std::collections::BTreeMap;
use std::fmt;

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

/// 2^64 and 2^63 as floats: integral floats below them convert exactly.
const U64_LIMIT: f64 = 18_446_744_073_709_551_616.0;
const I64_LIMIT: f64 = 9_223_372_036_854_775_808.0;

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
    let root: Spanned<RawNode> = serde_saphyr::from_str_with_options(text, options())
        .map_err(|e| vec![error_to_finding(&e, source)])?;
    let mut doc = SpannedDoc {
        value: serde_json::Value::Null,
        spans: BTreeMap::new(),
    };
    let mut findings = Vec::new();
    let root_span = node_span(&root.referenced, source);
    doc.value = convert(
        root.value,
        root_span,
        None,
        String::new(),
        &mut doc.spans,
        &mut findings,
        source,
    );
    if findings.is_empty() {
        Ok(doc)
    } else {
        Err(findings)
    }
}

/// True when the text has anything besides whitespace, comments and document
/// markers (an empty or comment-only file is a finding, not an empty spec).
fn has_content(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim_start_matches('\u{feff}').trim();
        !(t.is_empty() || t.starts_with('#') || t == "---" || t == "...")
    })
}

/// The bounded parser configuration (design.md section 8).
fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_nodes: MAX_NODES,
            max_events: MAX_NODES * 2,
            max_documents: 2,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_EVENTS,
            max_replay_stack_depth: MAX_DEPTH,
        },
        // `yes`/`no`/`on`/`off` stay strings, so `cuda_graphs: yes` is a type error
        // instead of silently meaning true.
        strict_booleans: true,
        duplicate_keys: DuplicateKeyPolicy::Error,
        // `<<` would make a key's value come from somewhere else in the file, and
        // spans would point at the merge site: not supported in a spec.
        merge_keys: MergeKeyPolicy::Error,
        // `.nan`/`.inf` arrive as strings, so a numeric field reports SCH003 at
        // the value instead of the parse failing or a NaN reaching the math.
        non_finite_float_policy: NonFiniteFloatPolicy::AsString,
        with_snippet: false,
    }
}

/// A YAML node before conversion; every child keeps its spans.
enum RawNode {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(String),
    Seq(Vec<Spanned<RawNode>>),
    Map(Vec<(Spanned<RawKey>, Spanned<RawNode>)>),
}

/// A mapping key: any scalar, as text. Collection keys are rejected.
struct RawKey(String);

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = RawNode;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawNode, E> {
        Ok(RawNode::Bool(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawNode, E> {
        Ok(RawNode::U64(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawNode, E> {
        Ok(match u64::try_from(v) {
            Ok(u) => RawNode::U64(u),
            Err(_) => RawNode::I64(v),
        })
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawNode, E> {
        Ok(RawNode::F64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawNode, E> {
        Ok(RawNode::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<RawNode, E> {
        Ok(RawNode::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawNode, D::Error> {
        RawNode::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawNode, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<RawNode>>()? {
            items.push(item);
        }
        Ok(RawNode::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawNode, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<RawKey>>()? {
            let value = map.next_value::<Spanned<RawNode>>()?;
            entries.push((key, value));
        }
        Ok(RawNode::Map(entries))
    }
}

impl<'de> Deserialize<'de> for RawKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = RawKey;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scalar mapping key (a field name)")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawKey, E> {
        Ok(RawKey(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawKey, E> {
        Ok(RawKey(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawKey, E> {
        Ok(RawKey(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawKey, E> {
        Ok(RawKey(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawKey, E> {
        Ok(RawKey(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<RawKey, E> {
        Ok(RawKey(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<RawKey, E> {
        Ok(RawKey("null".to_string()))
    }
    fn visit_none<E: de::Error>(self) -> Result<RawKey, E> {
        Ok(RawKey("null".to_string()))
    }
}

/// Byte span of a saphyr location; when byte offsets are missing, fall back to
/// the line/column (1-based, in characters) resolved against the source.
fn node_span(loc: &Location, source: &SourceFile) -> Span {
    let span = loc.span();
    if let (Some(off), Some(len)) = (span.byte_offset(), span.byte_len()) {
        let start = usize::try_from(off)
            .unwrap_or(usize::MAX)
            .min(source.text.len());
        let end = start
            .saturating_add(usize::try_from(len).unwrap_or(0))
            .min(source.text.len());
        return Span::new(start, end);
    }
    let start = offset_of_line_col(source, loc.line(), loc.column());
    Span::new(start, start)
}

/// Byte offset of 1-based `line`/`column` (column in characters), clamped.
fn offset_of_line_col(source: &SourceFile, line: u64, column: u64) -> usize {
    let line = usize::try_from(line).unwrap_or(usize::MAX);
    let start = source.line_start(line);
    let col = usize::try_from(column.saturating_sub(1)).unwrap_or(usize::MAX);
    let rest = source.text.get(start..).unwrap_or("");
    let within = rest
        .char_indices()
        .take_while(|&(_, c)| c != '\n')
        .nth(col)
        .map_or_else(|| rest.find('\n').unwrap_or(rest.len()), |(i, _)| i);
    start + within
}

/// Flatten a raw node into JSON, recording spans under `pointer`. Depth is bounded
/// by the parser's `max_depth`, so the recursion is too.
fn convert(
    node: RawNode,
    value_span: Span,
    key_span: Option<Span>,
    pointer: String,
    spans: &mut BTreeMap<String, NodeSpans>,
    findings: &mut Vec<Finding>,
    source: &SourceFile,
) -> serde_json::Value {
    use serde_json::Value;
    let value = match node {
        RawNode::Null => Value::Null,
        RawNode::Bool(b) => Value::Bool(b),
        RawNode::U64(n) => Value::from(n),
        RawNode::I64(n) => Value::from(n),
        RawNode::F64(f) => {
            let raw = source
                .text
                .get(value_span.start..value_span.end)
                .unwrap_or("");
            // JSON Schema counts 32.0 as an integer, so the typed spec must too:
            // integral floats that fit become integers (f64 fields accept them).
            if f.fract() == 0.0 && (0.0..U64_LIMIT).contains(&f) {
                Value::from(f as u64)
            } else if f.fract() == 0.0 && (-I64_LIMIT..0.0).contains(&f) {
                Value::from(f as i64)
            } else if looks_like_integer(raw) || (f.fract() == 0.0 && f.is_finite()) {
                // saphyr turns integers past u64 into floats; a spec never wants that.
                findings.push(
                    codes::SCH004
                        .finding(
                            pointer.clone(),
                            format!(
                                "`{}` is larger than the largest whole number memmath accepts ({}, 2^64 - 1); no field of a spec needs one that large",
                                raw.trim(),
                                u64::MAX
                            ),
                        )
                        .with_span(value_span),
                );
                Value::Null
            } else {
                serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
            }
        }
        RawNode::Str(s) => Value::String(s),
        RawNode::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let span = node_span(&item.referenced, source);
                out.push(convert(
                    item.value,
                    span,
                    None,
                    format!("{pointer}/{i}"),
                    spans,
                    findings,
                    source,
                ));
            }
            Value::Array(out)
        }
        RawNode::Map(entries) => {
            let mut out = serde_json::Map::with_capacity(entries.len());
            for (key, val) in entries {
                let kspan = node_span(&key.referenced, source);
                let vspan = node_span(&val.referenced, source);
                let child = format!("{pointer}/{}", escape_pointer_token(&key.value.0));
                let v = convert(
                    val.value,
                    vspan,
                    Some(kspan),
                    child,
                    spans,
                    findings,
                    source,
                );
                out.insert(key.value.0, v);
            }
            Value::Object(out)
        }
    };
    spans.insert(
        pointer,
        NodeSpans {
            key: key_span,
            value: value_span,
        },
    );
    value
}

/// A plain decimal integer literal (optionally signed, with `_` separators).
fn looks_like_integer(raw: &str) -> bool {
    let t = raw.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '_')
}

/// Map a saphyr error to SYN001/SYN002/SYN003 at its location.
fn error_to_finding(err: &serde_saphyr::Error, source: &SourceFile) -> Finding {
    use serde_saphyr::{Error as E, MessageFormatter};
    let mut err = err.without_snippet();
    while let E::AliasError { error, .. } = err {
        err = error.without_snippet();
    }
    let span = err
        .location()
        .filter(|l| *l != Location::UNKNOWN)
        .map_or(Span::new(0, 0), |l| {
            let s = node_span(&l, source);
            Span::new(s.start, s.end)
        });
    let message = printable(&serde_saphyr::DefaultMessageFormatter.format_message(err));
    match err {
        E::Budget { .. }
        | E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. }
        | E::AliasReplayCounterOverflow { .. } => syn003(
            format!(
                "the YAML is too large or too deeply nested for a spec ({message}); memmath stops at {MAX_NODES} nodes, {MAX_ALIAS_EVENTS} alias-replayed events and {MAX_DEPTH} levels"
            ),
            span,
        ),
        E::DuplicateMappingKey { key, .. } => {
            let what = key.as_deref().map_or_else(
                || "a key".to_string(),
                |k| format!("`{}`", printable(k)),
            );
            codes::SYN002.finding(
                "",
                format!("duplicate key {what}: YAML keeps only one of them, so one setting is silently lost"),
            )
            .with_fix("remove one of the two entries")
            .with_span(span)
        }
        E::MergeKeyNotAllowed { .. } => syn001(
            "merge keys (`<<`) are not allowed in a memmath spec; write the fields out so each value has one location",
            span,
        ),
        E::MultipleDocuments { .. } => syn001(
            "more than one YAML document (`---`) in one file; a memmath spec is a single document",
            span,
        ),
        // The scanner's own nesting guard (flow collections) reports as a parse
        // error; it is the same "too deep" condition as the depth budget.
        _ if message.contains("recursion limit") || message.contains("nesting limit") => syn003(
            format!(
                "the YAML is nested too deeply for a spec ({message}); memmath stops at {MAX_DEPTH} levels"
            ),
            span,
        ),
        _ => syn001(format!("invalid YAML: {message}"), span),
    }
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
}
