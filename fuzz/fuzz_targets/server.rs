//! `memmath server` on arbitrary JSON-RPC sequences: the fuzz input is one
//! message body per line, each sent in its own `Content-Length` frame after
//! an `initialize` the target sends first, so the mutations reach the
//! handlers (didOpen/didChange/hover/completion/codeAction with any params)
//! instead of dying in the framing. A line that starts with `!` is written
//! raw, without a frame, so the framing itself is fuzzed as well. Whatever
//! the server writes must be well-formed frames of JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memmath::catalog::{FileAccess, MemoryFiles};
use memmath::rules::RulesConfig;
use memmath::server::transport::{read_frame, Frame};
use memmath::server::{serve, Host};
use std::path::Path;

const CONFIG: &str = include_str!("../../specs/configs/llama-3.1-8b/config.json");

struct FuzzHost {
    files: MemoryFiles,
}

impl Host for FuzzHost {
    fn files(&self) -> &dyn FileAccess {
        &self.files
    }
    fn rules_for(&self, _path: Option<&Path>) -> Result<RulesConfig, String> {
        Ok(RulesConfig::default())
    }
}

fn frame(out: &mut Vec<u8>, body: &[u8]) {
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
}

fuzz_target!(|data: &[u8]| {
    let mut stream = Vec::new();
    frame(
        &mut stream,
        br#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"capabilities":{}}}"#,
    );
    for line in data.split(|b| *b == b'\n') {
        match line.strip_prefix(b"!") {
            Some(raw) => stream.extend_from_slice(raw),
            None => frame(&mut stream, line),
        }
    }
    let mut files = MemoryFiles::new();
    files.insert("config.json", CONFIG.as_bytes());
    let host = FuzzHost { files };
    let mut out = Vec::new();
    // Err is an I/O error on a stream that cannot be resynchronised: fine.
    let _ = serve(&mut &stream[..], &mut out, &host);
    // Every reply the server wrote reads back as a frame holding a message.
    let mut replies = &out[..];
    loop {
        match read_frame(&mut replies) {
            Ok(Frame::Eof) => break,
            Ok(Frame::Message(_)) => {}
            Ok(Frame::Malformed { reason, .. }) => panic!("server wrote a malformed frame: {reason}"),
            Err(e) => panic!("server output does not frame: {e}"),
        }
    }
});
