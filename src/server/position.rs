//! Byte offsets <-> LSP positions (line, character) in the encoding the client
//! and server agreed on at `initialize`: UTF-16 code units (the protocol's
//! default) or UTF-8 bytes when the client offers them.
//!
//! Positions from the client are untrusted: a line past the end clamps to the
//! end of the text, a character past the end of its line to the line's end,
//! and a character inside a multi-unit character to that character's start.

use lsp_types::Position;

/// How `Position.character` counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// Where each line starts in one text; built once per text and reused for all
/// the conversions one reply needs.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    enc: Encoding,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str, enc: Encoding) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts, enc }
    }

    /// The byte offset of `pos`, clamped into the text (see the module doc).
    pub fn offset(&self, pos: Position) -> usize {
        let line = pos.line as usize;
        let Some(&start) = self.starts.get(line) else {
            return self.text.len();
        };
        let end = self.line_end(line);
        let mut units = pos.character as usize;
        for (i, c) in self.text[start..end].char_indices() {
            let w = self.width(c);
            if units < w {
                return start + i;
            }
            units -= w;
        }
        end
    }

    /// The position of byte `offset` (clamped to the text and back to a
    /// character boundary).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let character: usize = self.text[start..offset]
            .chars()
            .map(|c| self.width(c))
            .sum();
        Position::new(to_u32(line), to_u32(character))
    }

    /// The end of `line`'s content: before its `\n` (and a `\r` before that).
    fn line_end(&self, line: usize) -> usize {
        let end = self
            .starts
            .get(line + 1)
            .map_or(self.text.len(), |&next| next - 1);
        let start = self.starts[line];
        if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end - 1
        } else {
            end
        }
    }

    fn width(&self, c: char) -> usize {
        match self.enc {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        }
    }
}

/// Saturating: a text of 1 MiB has far fewer than 2^32 lines or characters.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_utf16_units_and_utf8_bytes() {
        // "é" is 2 UTF-8 bytes and 1 UTF-16 unit; "𝄞" is 4 bytes, 2 units.
        let text = "a: é𝄞x\nb: 1\r\nc";
        let u16 = LineIndex::new(text, Encoding::Utf16);
        let x = text.find('x').expect("x");
        assert_eq!(u16.position(x), Position::new(0, 6));
        assert_eq!(u16.offset(Position::new(0, 6)), x);
        let u8i = LineIndex::new(text, Encoding::Utf8);
        assert_eq!(u8i.position(x), Position::new(0, 9));
        assert_eq!(u8i.offset(Position::new(0, 9)), x);
        assert_eq!(u16.position(text.len()), Position::new(2, 1));
    }

    #[test]
    fn clamps_hostile_positions() {
        let text = "a: 𝄞\nbb: 2\r\n";
        let idx = LineIndex::new(text, Encoding::Utf16);
        // Past the last line: end of text.
        assert_eq!(idx.offset(Position::new(99, 0)), text.len());
        // Past the end of a line: before its line break (and the `\r`).
        assert_eq!(
            idx.offset(Position::new(1, 99)),
            text.find('\r').expect("cr")
        );
        // Inside the surrogate pair: the character's start.
        assert_eq!(idx.offset(Position::new(0, 4)), 3);
        assert_eq!(idx.offset(Position::new(u32::MAX, u32::MAX)), text.len());
        // An offset inside a character goes back to its start.
        assert_eq!(idx.position(5), Position::new(0, 3));
    }
}
