//! Turning a file's bytes into a [`SourceFile`]: the size limit and UTF-8 check.
//!
//! The CLI reads files; this module decides what a too-large or non-UTF-8 file
//! means (a finding, never a crash), so every front end reports it the same way.

use crate::codes;
use crate::diagnostics::Finding;
use crate::source::{SourceFile, Span};

/// Largest spec file memmath reads: 1 MiB. A real spec is a few KiB; anything
/// bigger is a mistake or hostile, and is SYN003 before it is read in full.
pub const MAX_SPEC_BYTES: u64 = 1 << 20;

/// SYN001 invalid-yaml at `span`.
pub fn syn001(message: impl Into<String>, span: Span) -> Finding {
    codes::SYN001.finding("", message).with_span(span)
}

/// SYN003 input-too-large-or-too-deep at `span`.
pub fn syn003(message: impl Into<String>, span: Span) -> Finding {
    codes::SYN003.finding("", message).with_span(span)
}

/// The SYN003 finding for a file of `len` bytes over [`MAX_SPEC_BYTES`].
pub fn too_large(len: u64) -> Finding {
    syn003(
        format!(
            "the file is {len} bytes; memmath reads specs of at most {MAX_SPEC_BYTES} bytes (1 MiB)"
        ),
        Span::new(0, 0),
    )
    .with_fix("split the file, or check that this is really a memmath spec")
}

/// Decode a file's bytes. Invalid UTF-8 is SYN001 at the first bad byte; the
/// returned source then holds the text with bad bytes replaced (offsets before
/// the first bad byte are unchanged, so the finding's location is exact).
pub fn decode_source(name: impl Into<String>, bytes: Vec<u8>) -> (SourceFile, Option<Finding>) {
    let name = name.into();
    match String::from_utf8(bytes) {
        Ok(text) => {
            let text = match text.strip_prefix('\u{feff}') {
                // A UTF-8 byte-order mark is legal YAML but would shift every
                // column by one in editors that hide it; drop it.
                Some(rest) => rest.to_string(),
                None => text,
            };
            (SourceFile::new(name, text), None)
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let finding = syn001(
                format!("the file is not valid UTF-8 (first bad byte at offset {at}); a spec must be UTF-8 text"),
                Span::new(at, at.saturating_add(1).min(text.len())),
            );
            (SourceFile::new(name, text), Some(finding))
        }
    }
}

/// True when `text` holds an `apiVersion` key whose value starts with
/// "memmath" (block, quoted or flow style): how a folder walk and the language
/// server tell a memmath spec from other YAML.
pub fn mentions_memmath_api_version(text: &str) -> bool {
    const KEY: &str = "apiVersion";
    text.match_indices(KEY).any(|(at, _)| {
        let starts_word = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let value = text[at + KEY.len()..]
            .trim_start_matches(['"', '\''])
            .trim_start_matches([' ', '\t'])
            .strip_prefix(':')
            .map(|v| v.trim_start_matches([' ', '\t', '"', '\'']));
        starts_word && value.is_some_and(|v| v.starts_with("memmath"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_passes_and_bom_is_dropped() {
        let (s, f) = decode_source("a", b"\xef\xbb\xbfa: 1\n".to_vec());
        assert!(f.is_none());
        assert_eq!(s.text, "a: 1\n");
    }

    #[test]
    fn bad_byte_is_located() {
        let (s, f) = decode_source("a", b"a: 1\nb: \xff\n".to_vec());
        let f = f.expect("finding");
        assert_eq!(f.code, "SYN001");
        assert_eq!(s.line_col(f.span.expect("span").start), (2, 4));
    }

    #[test]
    fn too_large_is_syn003() {
        assert_eq!(too_large(MAX_SPEC_BYTES + 1).code, "SYN003");
    }
}
