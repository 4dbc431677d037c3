//! `memmath server`: a Language Server over one byte stream pair (stdio in
//! the binary). It reads each open spec's text from the client, runs the same
//! pipeline as `check` on it, and answers with diagnostics, hovers,
//! completions and code actions (docs/editor.md).
//!
//! It is single-threaded and synchronous: analysing a spec takes well under a
//! millisecond to a few milliseconds (benches/server.rs), so each change is
//! analysed before the next message is read and no result is ever stale.
//! Everything the client sends is untrusted: framing is bounded
//! (`transport.rs`), positions are clamped (`position.rs`), bad params get a
//! JSON-RPC error, and a handler that panicked answers `InternalError` and
//! the server goes on.
//!
//! Files are read only through [`Host`] (memmath.toml and the files a spec
//! names): the binary's `cli/server.rs` provides the real file system.

mod actions;
mod completion;
mod document;
mod figures;
mod hover;
mod lsp;
mod outline;
pub mod position;
mod schema_nav;
pub mod transport;

use crate::catalog::FileAccess;
use crate::rules::RulesConfig;
use document::Document;
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use position::Encoding;
use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};
use std::path::Path;
use transport::Frame;

/// What the server needs from the machine it runs on.
pub trait Host {
    /// Reads the files a spec names (`hf_config`, `safetensors`).
    fn files(&self) -> &dyn FileAccess;
    /// The rule configuration for a spec at `path` (None: a document with no
    /// file, such as an unsaved buffer): the nearest memmath.toml, as `check`
    /// finds it. Err is a broken configuration, shown on the document.
    fn rules_for(&self, path: Option<&Path>) -> Result<RulesConfig, String>;
}

/// How the session ended: the client sent `exit` after `shutdown` (exit
/// status 0) or without it, or closed the stream (status 1, as the protocol
/// asks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    Clean,
    WithoutShutdown,
}

/// Serve one client until `exit` or end of input.
pub fn serve(
    input: &mut impl BufRead,
    output: &mut impl Write,
    host: &dyn Host,
) -> io::Result<Ended> {
    let mut server = Server::new(host);
    loop {
        let msg = match transport::read_frame(input)? {
            Frame::Eof => return Ok(Ended::WithoutShutdown),
            Frame::Malformed { reason, id } => {
                let code = if id.is_some() {
                    ErrorCode::InvalidRequest
                } else {
                    ErrorCode::ParseError
                };
                let reply = serde_json::json!({
                    "jsonrpc": "2.0",
                    "id": id.unwrap_or(serde_json::Value::Null),
                    "error": {"code": code as i32, "message": reason},
                });
                transport::write_value(output, &reply)?;
                continue;
            }
            Frame::Message(m) => m,
        };
        if let Message::Notification(n) = &msg {
            if n.method == "exit" {
                return Ok(if server.shutdown {
                    Ended::Clean
                } else {
                    Ended::WithoutShutdown
                });
            }
        }
        for out in server.handle_guarded(msg) {
            transport::write_message(output, &out)?;
        }
    }
}

/// The session's state.
pub struct Server<'h> {
    host: &'h dyn Host,
    enc: Encoding,
    initialized: bool,
    shutdown: bool,
    docs: BTreeMap<String, Document>,
}

impl<'h> Server<'h> {
    pub fn new(host: &'h dyn Host) -> Server<'h> {
        Server {
            host,
            enc: Encoding::Utf16,
            initialized: false,
            shutdown: false,
            docs: BTreeMap::new(),
        }
    }

    /// Handle one message; a panic inside becomes an `InternalError` reply
    /// (for a request) and the session goes on.
    pub fn handle_guarded(&mut self, msg: Message) -> Vec<Message> {
        let id = match &msg {
            Message::Request(r) => Some(r.id.clone()),
            _ => None,
        };
        let run = std::panic::AssertUnwindSafe(|| self.handle(msg));
        match std::panic::catch_unwind(run) {
            Ok(out) => out,
            Err(_) => id
                .map(|id| {
                    vec![error(
                        id,
                        ErrorCode::InternalError,
                        "memmath server: internal error handling this request".into(),
                    )]
                })
                .unwrap_or_default(),
        }
    }

    fn handle(&mut self, msg: Message) -> Vec<Message> {
        match msg {
            Message::Request(r) => vec![self.request(r)],
            Message::Notification(n) => self.notification(n),
            // Replies to requests we never send: nothing to do.
            Message::Response(_) => Vec::new(),
        }
    }

    fn request(&mut self, r: Request) -> Message {
        let Request { id, method, params } = r;
        if method == "initialize" {
            if self.initialized {
                return error(
                    id,
                    ErrorCode::InvalidRequest,
                    "initialize was already received".into(),
                );
            }
            self.initialized = true;
            let (result, enc) = lsp::initialize_result(&params);
            self.enc = enc;
            return Response::new_ok(id, result).into();
        }
        if !self.initialized {
            return error(
                id,
                ErrorCode::ServerNotInitialized,
                "initialize first".into(),
            );
        }
        if self.shutdown {
            return error(
                id,
                ErrorCode::InvalidRequest,
                "the server is shutting down".into(),
            );
        }
        let result = match method.as_str() {
            "shutdown" => {
                self.shutdown = true;
                Ok(serde_json::Value::Null)
            }
            "textDocument/hover" => lsp::hover(&self.docs, self.enc, params),
            "textDocument/completion" => lsp::completion(&self.docs, self.enc, params),
            "textDocument/codeAction" => lsp::code_actions(&self.docs, self.enc, params),
            _ => {
                return error(
                    id,
                    ErrorCode::MethodNotFound,
                    format!("unknown method `{method}`"),
                );
            }
        };
        match result {
            Ok(v) => Response::new_ok(id, v).into(),
            Err(e) => error(id, ErrorCode::InvalidParams, e),
        }
    }

    fn notification(&mut self, n: Notification) -> Vec<Message> {
        if !self.initialized || self.shutdown {
            return Vec::new();
        }
        // Every notification handled here names its document; one without
        // a string URI is ignored (a notification has no error reply).
        let Some(uri) = n
            .params
            .pointer("/textDocument/uri")
            .and_then(|u| u.as_str())
        else {
            return Vec::new();
        };
        let uri = uri.to_string();
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let Ok(item) = serde_json::from_value::<lsp_types::TextDocumentItem>(
                    n.params["textDocument"].clone(),
                ) else {
                    return Vec::new();
                };
                let doc = Document {
                    version: item.version,
                    text: item.text,
                    path: document::file_path(&uri),
                    analysis: None,
                };
                self.docs.insert(uri.clone(), doc);
                self.publish(&uri)
            }
            "textDocument/didChange" => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params)
                else {
                    return Vec::new();
                };
                let Some(doc) = self.docs.get_mut(&uri) else {
                    return Vec::new();
                };
                doc.version = p.text_document.version;
                doc.apply(p.content_changes, self.enc);
                self.publish(&uri)
            }
            // memmath.toml or a file the spec names may have changed on disk.
            "textDocument/didSave" => self.publish(&uri),
            // Clear what the client shows for a closed file.
            "textDocument/didClose" => match self.docs.remove(&uri) {
                Some(_) => vec![lsp::publish(&uri, None, Vec::new())],
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// Analyse the document and publish its diagnostics.
    fn publish(&mut self, uri: &str) -> Vec<Message> {
        let Some(doc) = self.docs.get_mut(uri) else {
            return Vec::new();
        };
        let diags = lsp::analyze(doc, self.host, self.enc);
        vec![lsp::publish(uri, Some(doc.version), diags)]
    }
}

fn error(id: RequestId, code: ErrorCode, message: String) -> Message {
    Response::new_err(id, code as i32, message).into()
}
