//! Build a [`SpannedDoc`] straight from the YAML parser's events, bounded.
//!
//! One pass over granit-parser's events (the parser serde-saphyr runs on) builds
//! the JSON value and the pointer -> span map together: no intermediate tree, no
//! serde visitors per node. That pass was 60% of `check`'s instructions through
//! serde-saphyr's `Spanned` deserializer (docs/performance.md "10,000 specs").
//!
//! Every bound of the spec loader is enforced here, before anything is copied:
//! nesting depth, node count, events replayed through aliases (an alias bomb
//! stops after [`MAX_ALIAS_EVENTS`], never expands), one document, no duplicate
//! keys, no merge keys, scalar keys only.

use super::scalar::{self, Scalar};
use super::{
    escape_pointer_token, printable, NodeSpans, SpannedDoc, MAX_ALIAS_EVENTS, MAX_DEPTH, MAX_NODES,
};
use crate::codes;
use crate::diagnostics::Finding;
use crate::source::{SourceFile, Span};
use crate::spec::load::{syn001, syn003};
use granit_parser::{ErrorKind, Event, Parser, ScanError};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// 2^64 and 2^63 as floats: integral floats below them convert exactly.
const U64_LIMIT: f64 = 18_446_744_073_709_551_616.0;
const I64_LIMIT: f64 = 9_223_372_036_854_775_808.0;

/// Parse `source` (already checked for size and content) into a document.
pub(super) fn build(source: &SourceFile) -> Result<SpannedDoc, Vec<Finding>> {
    let mut options = granit_parser::Options::default();
    // One level past ours, so our own SYN003 (with its message) fires first.
    options.flow_nesting_limit = MAX_DEPTH + 1;
    options.block_nesting_limit = MAX_DEPTH + 1;
    options.set_emit_comments(false);
    let mut parser = Parser::new_from_str_with_options(&source.text, options);
    let mut builder = Builder::new(source);
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| vec![scan_error(&e, source)])?;
        let span = builder.span(&span);
        builder.event(event, span).map_err(|f| vec![*f])?;
    }
    builder.finish()
}

/// A collection being built.
struct Frame {
    pointer: String,
    key: Option<Span>,
    value: Span,
    anchor: usize,
    /// Events inside it so far (for anchors: what an alias would replay).
    events: usize,
    /// Deepest collection nesting below it (0: only scalars).
    height: usize,
    body: Body,
}

enum Body {
    Seq(Vec<Value>),
    /// The entries so far, and the key waiting for its value.
    Map(Map<String, Value>, Option<(String, Span)>),
}

/// A finished anchored node, ready to be copied where an alias names it.
struct Anchored {
    value: Value,
    /// Spans below the node, pointers relative to it.
    spans: Vec<(String, NodeSpans)>,
    events: usize,
    height: usize,
}

/// Where the next node goes.
struct Slot {
    pointer: String,
    key: Option<Span>,
}

struct Builder<'s> {
    source: &'s SourceFile,
    stack: Vec<Frame>,
    spans: BTreeMap<String, NodeSpans>,
    anchors: HashMap<usize, Rc<Anchored>>,
    /// Range findings (SCH004) found on the way; the parse still completes.
    findings: Vec<Finding>,
    root: Option<Value>,
    nodes: usize,
    replayed: usize,
    documents: usize,
}

type Step = Result<(), Box<Finding>>;

impl<'s> Builder<'s> {
    fn new(source: &'s SourceFile) -> Self {
        Builder {
            source,
            stack: Vec::new(),
            spans: BTreeMap::new(),
            anchors: HashMap::new(),
            findings: Vec::new(),
            root: None,
            nodes: 0,
            replayed: 0,
            documents: 0,
        }
    }

    fn finish(self) -> Result<SpannedDoc, Vec<Finding>> {
        if !self.findings.is_empty() {
            return Err(self.findings);
        }
        Ok(SpannedDoc {
            value: self.root.unwrap_or(Value::Null),
            spans: self.spans,
        })
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Step {
        match event {
            Event::DocumentStart(..) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(Box::new(syn001(
                        "more than one YAML document (`---`) in one file; a memmath spec is a single document",
                        span,
                    )));
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.count_node(span)?;
                if self.awaits_key() {
                    let plain = style == granit_parser::ScalarStyle::Plain && tag.is_none();
                    if plain && text == "<<" {
                        return Err(Box::new(syn001(
                            "merge keys (`<<`) are not allowed in a memmath spec; write the fields out so each value has one location",
                            span,
                        )));
                    }
                    // A key is a field name: its text as written (`0x10`, not 16).
                    let key = text.into_owned();
                    if anchor != 0 {
                        self.anchor_scalar(anchor, Value::String(key.clone()));
                    }
                    return self.set_key(key, span);
                }
                let slot = self.slot();
                let typed = scalar::resolve(text, style, tag.as_deref())
                    .map_err(|ty| self.tag_mismatch(ty, span))?;
                let value = self.json(typed, span, &slot.pointer);
                if anchor != 0 {
                    self.anchor_scalar(anchor, value.clone());
                }
                self.place(slot, value, span, 1, 0);
            }
            Event::SequenceStart(_, anchor, _) => self.open(span, anchor, Body::Seq(Vec::new()))?,
            Event::MappingStart(_, anchor, _) => {
                self.open(span, anchor, Body::Map(Map::new(), None))?;
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            Event::Alias(id) => self.alias(id, span)?,
            _ => {}
        }
        Ok(())
    }

    /// True when the innermost collection is a mapping waiting for a key.
    fn awaits_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                body: Body::Map(_, None),
                ..
            })
        )
    }

    fn count_node(&mut self, span: Span) -> Step {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(Box::new(too_big(
                &format!("more than {MAX_NODES} nodes"),
                span,
            )));
        }
        Ok(())
    }

    fn set_key(&mut self, key: String, span: Span) -> Step {
        let Some(Frame {
            body: Body::Map(map, pending),
            ..
        }) = self.stack.last_mut()
        else {
            return Ok(());
        };
        if map.contains_key(&key) {
            return Err(Box::new(
                codes::SYN002
                    .finding(
                        "",
                        format!(
                            "duplicate key `{}`: YAML keeps only one of them, so one setting is silently lost",
                            printable(&key)
                        ),
                    )
                    .with_fix("remove one of the two entries")
                    .with_span(span),
            ));
        }
        *pending = Some((key, span));
        Ok(())
    }

    /// The pointer and key span of the node about to be placed.
    fn slot(&mut self) -> Slot {
        match self.stack.last_mut() {
            None => Slot {
                pointer: String::new(),
                key: None,
            },
            Some(frame) => match &mut frame.body {
                Body::Seq(items) => Slot {
                    pointer: format!("{}/{}", frame.pointer, items.len()),
                    key: None,
                },
                Body::Map(_, pending) => {
                    // `awaits_key` routed keys elsewhere, so a key is pending here.
                    let (key, span) = pending.as_ref().map_or(("", None), |(k, s)| (k, Some(*s)));
                    Slot {
                        pointer: format!("{}/{}", frame.pointer, escape_pointer_token(key)),
                        key: span,
                    }
                }
            },
        }
    }

    fn open(&mut self, span: Span, anchor: usize, body: Body) -> Step {
        self.count_node(span)?;
        if self.awaits_key() {
            return Err(Box::new(syn001(
                "a mapping key must be a plain value (a field name), not a list or a mapping",
                span,
            )));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(Box::new(too_deep(span)));
        }
        let slot = self.slot();
        self.stack.push(Frame {
            pointer: slot.pointer,
            key: slot.key,
            value: span,
            anchor,
            events: 0,
            height: 0,
            body,
        });
        Ok(())
    }

    fn close(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let value = match frame.body {
            Body::Seq(items) => Value::Array(items),
            Body::Map(map, _) => Value::Object(map),
        };
        let events = frame.events + 2;
        let height = frame.height + 1;
        if frame.anchor != 0 {
            let prefix = format!("{}/", frame.pointer);
            let mut end = prefix.clone();
            end.pop();
            end.push('0'); // '0' follows '/': the keys under `prefix` sort before it.
            let spans = self
                .spans
                .range(prefix.clone()..end)
                .map(|(p, s)| (p[frame.pointer.len()..].to_string(), *s))
                .collect();
            let anchored = Anchored {
                value: value.clone(),
                spans,
                events,
                height,
            };
            self.anchors.insert(frame.anchor, Rc::new(anchored));
        }
        let slot = Slot {
            pointer: frame.pointer,
            key: frame.key,
        };
        self.place(slot, value, frame.value, events, height);
    }

    /// Record `value` at `slot` and hand it to its parent (or make it the root).
    fn place(&mut self, slot: Slot, value: Value, span: Span, events: usize, height: usize) {
        let spans = NodeSpans {
            key: slot.key,
            value: span,
        };
        self.spans.insert(slot.pointer, spans);
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(parent) => {
                parent.events += events;
                parent.height = parent.height.max(height);
                match &mut parent.body {
                    Body::Seq(items) => items.push(value),
                    Body::Map(map, pending) => {
                        if let Some((key, _)) = pending.take() {
                            map.insert(key, value);
                        }
                    }
                }
            }
        }
    }

    /// Remember an anchored scalar (a key or a value) for the aliases that name it.
    fn anchor_scalar(&mut self, anchor: usize, value: Value) {
        let anchored = Anchored {
            value,
            spans: Vec::new(),
            events: 1,
            height: 0,
        };
        self.anchors.insert(anchor, Rc::new(anchored));
    }

    /// Copy an anchored node where `*name` stands. The copy's root is located at
    /// the alias (where the value enters the spec); the nodes below it keep the
    /// anchor's locations (where their text is).
    fn alias(&mut self, id: usize, span: Span) -> Step {
        // Shared, so the node is not copied before the budget allows it.
        let Some(anchored) = self.anchors.get(&id).map(Rc::clone) else {
            // The parser resolves names; an id without a finished node is an
            // alias inside its own anchor.
            return Err(Box::new(syn001(
                "this alias refers to the node it is inside of (a recursive alias); a spec is a tree",
                span,
            )));
        };
        self.replayed = self.replayed.saturating_add(anchored.events);
        self.nodes = self.nodes.saturating_add(anchored.events);
        if self.replayed > MAX_ALIAS_EVENTS || self.nodes > MAX_NODES {
            return Err(Box::new(too_big(
                &format!("aliases replay more than {MAX_ALIAS_EVENTS} events"),
                span,
            )));
        }
        if self.stack.len() + anchored.height > MAX_DEPTH {
            return Err(Box::new(too_deep(span)));
        }
        if self.awaits_key() {
            if anchored.value.is_array() || anchored.value.is_object() {
                return Err(Box::new(syn001(
                    "a mapping key must be a plain value (a field name), not a list or a mapping",
                    span,
                )));
            }
            return self.set_key(key_text(&anchored.value), span);
        }
        let slot = self.slot();
        for (rel, s) in &anchored.spans {
            self.spans.insert(format!("{}{rel}", slot.pointer), *s);
        }
        let value = anchored.value.clone();
        self.place(slot, value, span, anchored.events, anchored.height);
        Ok(())
    }

    /// A scalar as JSON. Integral floats that fit become integers (JSON Schema
    /// counts 32.0 as an integer, so the typed spec must too); whole numbers past
    /// u64 are SCH004 at the value.
    fn json(&mut self, scalar: Scalar, span: Span, pointer: &str) -> Value {
        match scalar {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::U64(n) => Value::from(n),
            Scalar::I64(n) => Value::from(n),
            Scalar::Str(s) => Value::String(s),
            Scalar::F64(f) => {
                if f.fract() == 0.0 && (0.0..U64_LIMIT).contains(&f) {
                    Value::from(f as u64)
                } else if f.fract() == 0.0 && (-I64_LIMIT..0.0).contains(&f) {
                    Value::from(f as i64)
                } else if f.fract() == 0.0 {
                    let raw = self.source.text.get(span.start..span.end).unwrap_or("");
                    self.findings.push(
                        codes::SCH004
                            .finding(
                                pointer.to_string(),
                                format!(
                                    "`{}` is larger than the largest whole number memmath accepts ({}, 2^64 - 1); no field of a spec needs one that large",
                                    printable(raw.trim()),
                                    u64::MAX
                                ),
                            )
                            .with_span(span),
                    );
                    Value::Null
                } else {
                    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
                }
            }
        }
    }

    fn tag_mismatch(&self, ty: &str, span: Span) -> Box<Finding> {
        Box::new(syn001(
            format!("this value's YAML tag asks for a {ty}, and its text is not one"),
            span,
        ))
    }

    /// A parser span as byte offsets into the source, clamped.
    fn span(&self, span: &granit_parser::Span) -> Span {
        let start = byte_offset(self.source, &span.start);
        let end = byte_offset(self.source, &span.end).max(start);
        Span::new(start, end)
    }
}

/// A mapping key named through an alias: the anchored scalar's text.
fn key_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "null".to_string(),
        other => other.to_string(),
    }
}

/// The byte offset of a parser marker, clamped to the text.
fn byte_offset(source: &SourceFile, marker: &granit_parser::Marker) -> usize {
    let len = source.text.len();
    match marker.byte_offset() {
        Some(b) => b.min(len),
        // The parser counts characters when it has no byte offsets.
        None => source
            .text
            .char_indices()
            .nth(marker.index())
            .map_or(len, |(i, _)| i),
    }
}

fn too_big(what: &str, span: Span) -> Finding {
    syn003(
        format!(
            "the YAML is too large for a spec ({what}); memmath stops at {MAX_NODES} nodes, {MAX_ALIAS_EVENTS} alias-replayed events and {MAX_DEPTH} levels"
        ),
        span,
    )
}

fn too_deep(span: Span) -> Finding {
    syn003(
        format!("the YAML is nested too deeply for a spec; memmath stops at {MAX_DEPTH} levels"),
        span,
    )
}

/// A parser error as SYN001 (or SYN003 when it is the nesting limit) at its place.
fn scan_error(err: &ScanError, source: &SourceFile) -> Finding {
    let at = byte_offset(source, err.marker());
    let span = Span::new(at, at);
    if matches!(err.kind(), ErrorKind::RecursionLimitExceeded) {
        return too_deep(span);
    }
    syn001(format!("invalid YAML: {}", printable(&err.info())), span)
}
