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
    // Every reply the server wrote is a `Content-Length` frame whose body is a
    // JSON-RPC 2.0 message: a request or notification (`method`), or a
    // response with `result` or `error` (its id may be null: the reply to a
    // frame that did not parse, which lsp_server's Message cannot represent,
    // so the check is written out here).
    let mut rest = &out[..];
    while !rest.is_empty() {
        let Some(end) = rest.windows(4).position(|w| w == b"\r\n\r\n") else {
            panic!("server output has an unterminated header: {:?}", String::from_utf8_lossy(rest));
        };
        let header = std::str::from_utf8(&rest[..end]).expect("header is UTF-8");
        let length: usize = header
            .strip_prefix("Content-Length: ")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("server wrote a header without a length: {header:?}"));
        let body = rest
            .get(end + 4..end + 4 + length)
            .unwrap_or_else(|| panic!("server wrote a frame shorter than its length"));
        let msg: serde_json::Value = serde_json::from_slice(body).expect("frame body is JSON");
        assert_eq!(msg["jsonrpc"], "2.0", "{msg}");
        let is_request = msg["method"].is_string();
        let is_response = msg.get("id").is_some() && (msg.get("result").is_some() != msg.get("error").is_some());
        assert!(is_request || is_response, "not a JSON-RPC message: {msg}");
        rest = &rest[end + 4 + length..];
    }
});
