//! JSON-RPC framing over a byte stream (the LSP base protocol:
//! `Content-Length: N\r\n\r\n` then N bytes of JSON), bounded so that a hostile
//! or broken client cannot make the server allocate without limit or stop.
//!
//! `lsp-server`'s own stdio transport trusts `Content-Length` (a header of
//! 2^60 allocates that much) and ends the connection on the first malformed
//! payload; this reader caps headers and bodies and reports each bad frame as
//! a [`Frame::Malformed`], which the server answers with a JSON-RPC
//! `ParseError` and then goes on reading.

use lsp_server::Message;
use std::io::{self, BufRead, Read, Write};

/// Largest message body accepted. A spec is at most 1 MiB
/// (`spec::MAX_SPEC_BYTES`); JSON escaping can grow it up to 6x (`\u0001`),
/// so 8 MiB of body holds any spec memmath would analyze.
pub const MAX_BODY_BYTES: usize = 8 << 20;
/// Longest header line accepted; real clients send under 100 bytes.
const MAX_HEADER_LINE: usize = 4096;
/// Most header lines in one frame (real clients send one or two).
const MAX_HEADERS: usize = 32;

/// One frame read from the client.
#[derive(Debug)]
pub enum Frame {
    Message(Message),
    /// A frame that was read whole but is not a JSON-RPC message: the reason,
    /// and the request id when the body was JSON with one (for the error reply).
    Malformed {
        reason: String,
        id: Option<serde_json::Value>,
    },
    /// The client closed the stream.
    Eof,
}

/// Read the next frame. `Err` only for I/O errors or a stream that cannot be
/// resynchronised (a header block that never ends, a body over the limit that
/// would have to be skipped byte by byte is skipped, not stored).
pub fn read_frame(r: &mut impl BufRead) -> io::Result<Frame> {
    let mut length: Option<usize> = None;
    let mut bad_length: Option<String> = None;
    let mut headers = 0;
    loop {
        let Some(line) = read_header_line(r)? else {
            return Ok(Frame::Eof);
        };
        if line.is_empty() {
            if headers == 0 {
                // Stray blank line between frames: skip it.
                continue;
            }
            break;
        }
        headers += 1;
        if headers > MAX_HEADERS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "more than 32 header lines in one frame",
            ));
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("Content-Length") {
                match value.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(_) => bad_length = Some(format!("bad Content-Length `{}`", value.trim())),
                }
            }
        }
    }
    if let Some(reason) = bad_length {
        return Err(io::Error::new(io::ErrorKind::InvalidData, reason));
    }
    let Some(length) = length else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "a frame without Content-Length",
        ));
    };
    if length > MAX_BODY_BYTES {
        // Skip the body without storing it, so the next frame still parses.
        let skipped = io::copy(&mut Read::take(&mut *r, length as u64), &mut io::sink())?;
        if skipped < length as u64 {
            return Ok(Frame::Eof);
        }
        return Ok(Frame::Malformed {
            reason: format!("message of {length} bytes is over the {MAX_BODY_BYTES}-byte limit"),
            id: None,
        });
    }
    let mut body = vec![0u8; length];
    if let Err(e) = r.read_exact(&mut body) {
        return if e.kind() == io::ErrorKind::UnexpectedEof {
            Ok(Frame::Eof)
        } else {
            Err(e)
        };
    }
    Ok(parse_body(&body))
}

fn parse_body(body: &[u8]) -> Frame {
    let value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Frame::Malformed {
                reason: format!("not JSON: {e}"),
                id: None,
            }
        }
    };
    let id = value.get("id").cloned();
    match serde_json::from_value::<Message>(value) {
        // An id that is neither a number nor a string fails the request
        // shape, and the untagged parse falls through to a notification:
        // it is an invalid request, and is answered as one.
        Ok(Message::Notification(_)) if id.is_some() => Frame::Malformed {
            reason: "a request id must be a number or a string".to_string(),
            id,
        },
        Ok(m) => Frame::Message(m),
        Err(e) => Frame::Malformed {
            reason: format!("not a JSON-RPC message: {e}"),
            id,
        },
    }
}

/// One header line without its line ending; None at end of stream.
fn read_header_line(r: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    let n = Read::take(&mut *r, MAX_HEADER_LINE as u64 + 1).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if !line.ends_with(b"\n") {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            if n > MAX_HEADER_LINE {
                "a header line over 4096 bytes"
            } else {
                "the stream ended inside a header"
            },
        ));
    }
    line.pop();
    if line.ends_with(b"\r") {
        line.pop();
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

/// Write one message as a frame and flush it.
pub fn write_message(w: &mut impl Write, msg: &Message) -> io::Result<()> {
    let body = serde_json::to_string(&Jsonrpc {
        jsonrpc: "2.0",
        msg,
    })?;
    write!(w, "Content-Length: {}\r\n\r\n", body.len())?;
    w.write_all(body.as_bytes())?;
    w.flush()
}

/// Write a raw JSON value as a frame (the error reply to a malformed frame,
/// whose id may be null, which `lsp_server::Response` cannot carry).
pub fn write_value(w: &mut impl Write, value: &serde_json::Value) -> io::Result<()> {
    let body = value.to_string();
    write!(w, "Content-Length: {}\r\n\r\n", body.len())?;
    w.write_all(body.as_bytes())?;
    w.flush()
}

/// A message with its `"jsonrpc": "2.0"` member.
#[derive(serde::Serialize)]
struct Jsonrpc<'a> {
    jsonrpc: &'static str,
    #[serde(flatten)]
    msg: &'a Message,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<String> {
        let mut r = io::BufReader::new(input);
        let mut out = Vec::new();
        loop {
            match read_frame(&mut r) {
                Ok(Frame::Eof) => break,
                Ok(Frame::Message(m)) => out.push(format!("msg {m:?}").chars().take(40).collect()),
                Ok(Frame::Malformed { reason, .. }) => out.push(format!("bad {reason}")),
                Err(e) => {
                    out.push(format!("err {e}"));
                    break;
                }
            }
        }
        out
    }

    fn frame(body: &str) -> Vec<u8> {
        format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
    }

    #[test]
    fn reads_messages_and_survives_bad_bodies() {
        let mut input = frame(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#);
        input.extend(frame("{not json"));
        input.extend(frame(r#"{"jsonrpc":"2.0","id":2}"#));
        input.extend(frame(r#"{"jsonrpc":"2.0","method":"exit"}"#));
        let got = frames(&input);
        assert_eq!(got.len(), 4, "{got:?}");
        assert!(got[0].starts_with("msg Request"), "{got:?}");
        assert!(got[1].starts_with("bad not JSON"), "{got:?}");
        assert!(got[2].starts_with("bad not a JSON-RPC"), "{got:?}");
        assert!(got[3].starts_with("msg Notification"), "{got:?}");
    }

    #[test]
    fn huge_lengths_are_skipped_not_allocated() {
        let mut input = b"Content-Length: 18446744073709551615\r\n\r\n".to_vec();
        input.extend(b"short");
        // The declared body never arrives: end of stream, no allocation.
        assert_eq!(frames(&input), Vec::<String>::new());
        let big = MAX_BODY_BYTES + 1;
        let mut input = format!("Content-Length: {big}\r\n\r\n").into_bytes();
        input.resize(input.len() + big, b' ');
        input.extend(frame(r#"{"jsonrpc":"2.0","method":"exit"}"#));
        let got = frames(&input);
        assert!(got[0].starts_with("bad message of"), "{got:?}");
        assert!(got[1].starts_with("msg Notification"), "{got:?}");
    }

    #[test]
    fn broken_headers_are_errors_not_hangs() {
        assert!(frames(b"Content-Length: ten\r\n\r\n")[0].starts_with("err bad Content-Length"));
        assert!(frames(b"X-Other: 1\r\n\r\n{}")[0].starts_with("err a frame without"));
        let long = vec![b'a'; 10_000];
        assert!(frames(&long)[0].starts_with("err a header line"));
    }
}
