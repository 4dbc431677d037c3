//! One open document: its text as the client last sent it, and the analysis
//! of that text (kept for hover and code actions until the next change).

use super::position::{Encoding, LineIndex};
use crate::pipeline::Analysis;
use lsp_types::TextDocumentContentChangeEvent;
use std::path::PathBuf;

pub struct Document {
    pub version: i32,
    pub text: String,
    /// The file's path for a `file:` URI: where memmath.toml is looked for
    /// and relative `hf_config` / `safetensors` paths start.
    pub path: Option<PathBuf>,
    /// None until analysed, and for documents that are not memmath specs.
    pub analysis: Option<Analysis>,
}

impl Document {
    /// Apply the client's changes in order: a change with a range replaces
    /// that range (clamped, see `position.rs`), one without replaces the text.
    pub fn apply(&mut self, changes: Vec<TextDocumentContentChangeEvent>, enc: Encoding) {
        for change in changes {
            match change.range {
                Some(r) => {
                    let idx = LineIndex::new(&self.text, enc);
                    let start = idx.offset(r.start);
                    let end = idx.offset(r.end).max(start);
                    self.text.replace_range(start..end, &change.text);
                }
                None => self.text = change.text,
            }
        }
        self.analysis = None;
    }
}

/// The path of a `file://` URI (percent-decoded); None for other schemes
/// (`untitled:`) and for URIs that do not decode to UTF-8.
pub fn file_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file://host/path`: only the local host (empty or `localhost`).
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    if !path.starts_with('/') {
        return None;
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    #[test]
    fn applies_ranged_and_full_changes() {
        let mut d = Document {
            version: 1,
            text: "a: 1\nb: 2\n".to_string(),
            path: None,
            analysis: None,
        };
        let change = |r: Option<Range>, t: &str| TextDocumentContentChangeEvent {
            range: r,
            range_length: None,
            text: t.to_string(),
        };
        let r = Range::new(Position::new(1, 3), Position::new(1, 4));
        d.apply(vec![change(Some(r), "22")], Encoding::Utf16);
        assert_eq!(d.text, "a: 1\nb: 22\n");
        // A hostile range (end before start, past the end) is clamped.
        let r = Range::new(Position::new(9, 9), Position::new(0, 0));
        d.apply(vec![change(Some(r), "c: 3\n")], Encoding::Utf16);
        assert_eq!(d.text, "a: 1\nb: 22\nc: 3\n");
        d.apply(vec![change(None, "x: 1\n")], Encoding::Utf8);
        assert_eq!(d.text, "x: 1\n");
    }

    #[test]
    fn decodes_file_uris() {
        assert_eq!(
            file_path("file:///tmp/a%20b/spec.yaml"),
            Some(PathBuf::from("/tmp/a b/spec.yaml"))
        );
        assert_eq!(
            file_path("file://localhost/x.yaml"),
            Some(PathBuf::from("/x.yaml"))
        );
        assert_eq!(file_path("untitled:Untitled-1"), None);
        assert_eq!(file_path("file:///bad%ZZ"), None);
        assert_eq!(file_path("file:///cut%2"), Some(PathBuf::from("/cut%2")));
        assert_eq!(file_path("file:///%FF"), None);
    }
}
