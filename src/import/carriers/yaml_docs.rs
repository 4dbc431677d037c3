//! YAML documents with spans for the carriers: a file (or stdin) is split at
//! `---` lines into documents, each parsed by the spec's bounded parser
//! (src/spec/yaml.rs: node, depth and alias budgets, duplicate keys rejected),
//! with every span shifted back to its place in the whole file. [`At`]
//! walks a document and knows each node's pointer and span.

use crate::diagnostics::Finding;
use crate::source::{SourceFile, Span};
use crate::spec::{escape_pointer_token, NodeSpans};
use serde_json::Value;
use std::collections::BTreeMap;

/// One YAML document of the file.
#[derive(Clone, Debug)]
pub struct Doc {
    pub value: Value,
    spans: BTreeMap<String, NodeSpans>,
    /// Byte offset of the document in the file.
    offset: usize,
}

impl Doc {
    pub fn root(&self) -> At<'_> {
        At {
            v: &self.value,
            doc: self,
            ptr: String::new(),
        }
    }

    fn shift(&self, s: Span) -> Span {
        Span::new(s.start + self.offset, s.end + self.offset)
    }
}

/// A node with its pointer in the document (children get new pointers).
#[derive(Clone, Debug)]
pub struct At<'a> {
    pub v: &'a Value,
    pub doc: &'a Doc,
    pub ptr: String,
}

impl<'a> At<'a> {
    pub fn get(&self, key: &str) -> Option<At<'a>> {
        let v = self.v.get(key)?;
        Some(At {
            v,
            doc: self.doc,
            ptr: format!("{}/{}", self.ptr, escape_pointer_token(key)),
        })
    }
    /// Follow a dotted path of keys (`spec.template.spec`).
    pub fn path(&self, keys: &str) -> Option<At<'a>> {
        let mut cur = self.clone();
        for k in keys.split('.') {
            cur = cur.get(k)?;
        }
        Some(cur)
    }
    pub fn items(&self) -> Vec<At<'a>> {
        match self.v {
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| At {
                    v,
                    doc: self.doc,
                    ptr: format!("{}/{i}", self.ptr),
                })
                .collect(),
            _ => Vec::new(),
        }
    }
    pub fn entries(&self) -> Vec<(String, At<'a>)> {
        match self.v {
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        At {
                            v,
                            doc: self.doc,
                            ptr: format!("{}/{}", self.ptr, escape_pointer_token(k)),
                        },
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    }
    pub fn str(&self) -> Option<&'a str> {
        self.v.as_str()
    }
    /// A scalar as text (numbers and booleans too).
    pub fn text(&self) -> Option<String> {
        match self.v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    pub fn u64(&self) -> Option<u64> {
        match self.v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
    /// The text at a dotted path (`metadata.name`), if it is a scalar.
    pub fn text_at(&self, keys: &str) -> Option<String> {
        self.path(keys).and_then(|n| n.text())
    }
    /// A count at a dotted path (`spec.replicas`) and where it is.
    pub fn count_at(&self, keys: &str) -> Option<(u64, Span)> {
        self.path(keys).and_then(|n| n.u64().map(|v| (v, n.span())))
    }
    /// The value's span in the file (falls back to the nearest ancestor).
    pub fn span(&self) -> Span {
        let mut p = self.ptr.as_str();
        loop {
            if let Some(s) = self.doc.spans.get(p) {
                return self.doc.shift(s.value);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return self.doc.shift(Span::new(0, 0)),
            }
        }
    }
    /// The key's span for a mapping entry (else the value's).
    pub fn key_span(&self) -> Span {
        match self.doc.spans.get(&self.ptr).and_then(|s| s.key) {
            Some(k) => self.doc.shift(k),
            None => self.span(),
        }
    }
}

/// Whether a line starts a new YAML document.
fn is_marker(line: &str) -> bool {
    let l = line.trim_end_matches(['\n', '\r']);
    l == "---" || l.starts_with("--- ") || l.starts_with("---\t")
}

/// Split and parse. Documents that are not mappings are skipped (a shell
/// script parses as one plain scalar); `CustomResourceDefinition`s in
/// `helm template` output are skipped unread (their schemas are large and
/// launch nothing). A document that fails to parse gives its SYN finding.
pub fn documents(source: &SourceFile) -> (Vec<Doc>, Vec<Finding>) {
    let text = source.text.as_str();
    let mut starts = vec![0usize];
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        if is_marker(line) && pos != 0 {
            starts.push(pos);
        }
        pos += line.len();
    }
    let mut docs = Vec::new();
    let mut findings = Vec::new();
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let mut body_start = start;
        // Drop the marker line itself.
        if let Some(first) = text[start..end].split_inclusive('\n').next() {
            if is_marker(first) {
                body_start += first.len();
            }
        }
        let body = &text[body_start..end];
        if body.trim().is_empty() || !has_content(body) {
            continue;
        }
        if body
            .lines()
            .any(|l| l.trim_end() == "kind: CustomResourceDefinition")
        {
            continue;
        }
        let one = SourceFile::new(source.name.clone(), body);
        match crate::spec::parse(&one) {
            Ok(d) => {
                if d.value.is_object() {
                    docs.push(Doc {
                        value: d.value,
                        spans: d.spans,
                        offset: body_start,
                    });
                }
            }
            Err(fs) => findings.extend(fs.into_iter().map(|mut f| {
                f.span = f
                    .span
                    .map(|s| Span::new(s.start + body_start, s.end + body_start));
                f
            })),
        }
    }
    (docs, findings)
}

fn has_content(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim();
        !(t.is_empty() || t.starts_with('#') || t == "...")
    })
}
