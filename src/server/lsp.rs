//! The protocol side of each feature: LSP params in, LSP results out, with
//! byte offsets converted in the negotiated encoding. The features themselves
//! (analysis, hover text, completion items, edits) know nothing of LSP.

use super::document::Document;
use super::position::{Encoding, LineIndex};
use super::{actions, completion, hover, Host};
use crate::diagnostics::{Finding, Severity};
use crate::pipeline::{self, AnalyzeOptions};
use crate::source::SourceFile;
use crate::spec::mentions_memmath_api_version;
use lsp_server::{Message, Notification};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOptions, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, CompletionItem, CompletionItemKind, CompletionOptions,
    CompletionParams, CompletionTextEdit, Diagnostic, DiagnosticSeverity, Documentation, Hover,
    HoverContents, HoverParams, HoverProviderCapability, InitializeResult, MarkupContent,
    MarkupKind, NumberOrString, PositionEncodingKind, Range, SaveOptions, ServerCapabilities,
    ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, TextEdit, WorkspaceEdit,
};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

type Docs = BTreeMap<String, Document>;

/// The server's capabilities, and the position encoding: UTF-8 when the
/// client lists it (no conversion), else the protocol's UTF-16. Only that one
/// field of the client's params is read, so odd params never fail it.
pub fn initialize_result(params: &Value) -> (InitializeResult, Encoding) {
    let utf8 = params
        .pointer("/capabilities/general/positionEncodings")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|e| e.as_str() == Some("utf-8")));
    let (enc, kind) = if utf8 {
        (Encoding::Utf8, PositionEncodingKind::UTF8)
    } else {
        (Encoding::Utf16, PositionEncodingKind::UTF16)
    };
    let caps = ServerCapabilities {
        position_encoding: Some(kind),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![":".to_string()]),
            ..CompletionOptions::default()
        }),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    };
    let result = InitializeResult {
        capabilities: caps,
        server_info: Some(ServerInfo {
            name: "memmath".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    (result, enc)
}

/// Analyse `doc` as `check` would (same pipeline, its memmath.toml, inline
/// suppressions honoured) and return its diagnostics. A document that is not
/// a memmath spec (no `apiVersion: memmath...`) gets none, as a folder walk
/// skips it.
pub fn analyze(doc: &mut Document, host: &dyn Host, enc: Encoding) -> Vec<Diagnostic> {
    doc.analysis = None;
    if !mentions_memmath_api_version(&doc.text) {
        return Vec::new();
    }
    let rules = match host.rules_for(doc.path.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            return vec![Diagnostic {
                range: Range::default(),
                severity: Some(DiagnosticSeverity::ERROR),
                source: Some("memmath".to_string()),
                message: format!(
                    "memmath configuration: {e}; this spec is not analysed until it is fixed"
                ),
                ..Diagnostic::default()
            }];
        }
    };
    let name = doc
        .path
        .as_ref()
        .map_or_else(|| "<unsaved>".to_string(), |p| p.display().to_string());
    let spec_dir = doc
        .path
        .as_ref()
        .and_then(|p| p.parent())
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    let opts = AnalyzeOptions {
        files: host.files(),
        spec_dir,
        rules: &rules,
        inline_ignores: true,
    };
    let analysis = pipeline::analyze(SourceFile::new(name, doc.text.clone()), &opts);
    let idx = LineIndex::new(&doc.text, enc);
    let diags = analysis
        .findings
        .iter()
        .filter_map(|f| diagnostic(f, &idx, analysis.deployment_source()))
        .collect();
    doc.analysis = Some(analysis);
    diags
}

/// One finding as a diagnostic: its code, severity, span (a finding without
/// one sits at the start, where `check` prints line 1 column 1), message and
/// fix. A finding about a value imported from the spec's `deployment:` file,
/// which `check` prints at that file's line, stays on the spec (the document
/// the editor shows) and names the file and line in its message.
fn diagnostic(
    f: &Finding,
    idx: &LineIndex<'_>,
    deployment: Option<&SourceFile>,
) -> Option<Diagnostic> {
    let severity = match f.severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
        Severity::Off => return None,
    };
    let range = f.span.map_or_else(Range::default, |s| {
        Range::new(idx.position(s.start), idx.position(s.end))
    });
    let mut message = f.message.clone();
    if let (Some(span), Some(dep)) = (f.deployment_span, deployment) {
        let (line, col) = dep.line_col(span.start);
        message.push_str(&format!("\n(at {}:{line}:{col})", dep.name));
    }
    if let Some(fix) = &f.fix {
        message.push_str("\nfix: ");
        message.push_str(fix);
    }
    Some(Diagnostic {
        range,
        severity: Some(severity),
        code: Some(NumberOrString::String(f.code.clone())),
        source: Some("memmath".to_string()),
        message,
        ..Diagnostic::default()
    })
}

pub fn publish(uri: &str, version: Option<i32>, diagnostics: Vec<Diagnostic>) -> Message {
    let mut params = serde_json::json!({"uri": uri, "diagnostics": diagnostics});
    if let Some(v) = version {
        params["version"] = v.into();
    }
    Notification::new("textDocument/publishDiagnostics".to_string(), params).into()
}

fn parse<T: serde::de::DeserializeOwned>(params: Value) -> Result<T, String> {
    serde_json::from_value(params).map_err(|e| format!("invalid params: {e}"))
}

pub fn hover(docs: &Docs, enc: Encoding, params: Value) -> Result<Value, String> {
    let p: HoverParams = parse(params)?;
    let pos = p.text_document_position_params;
    let Some(doc) = docs.get(pos.text_document.uri.as_str()) else {
        return Ok(Value::Null);
    };
    if !mentions_memmath_api_version(&doc.text) {
        return Ok(Value::Null);
    }
    let offset = LineIndex::new(&doc.text, enc).offset(pos.position);
    let result = hover::hover(doc, offset).map(|text| Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: None,
    });
    serde_json::to_value(result).map_err(|e| e.to_string())
}

pub fn completion(docs: &Docs, enc: Encoding, params: Value) -> Result<Value, String> {
    let p: CompletionParams = parse(params)?;
    let pos = p.text_document_position;
    let Some(doc) = docs.get(pos.text_document.uri.as_str()) else {
        return Ok(Value::Null);
    };
    let idx = LineIndex::new(&doc.text, enc);
    let offset = idx.offset(pos.position);
    let items: Vec<CompletionItem> = completion::complete(&doc.text, offset)
        .into_iter()
        .map(|i| CompletionItem {
            label: i.label,
            kind: Some(if i.is_key {
                CompletionItemKind::PROPERTY
            } else {
                CompletionItemKind::ENUM_MEMBER
            }),
            detail: i.detail,
            documentation: i.documentation.map(|d| {
                Documentation::MarkupContent(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: d,
                })
            }),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range: Range::new(idx.position(i.start), idx.position(offset)),
                new_text: i.insert,
            })),
            ..CompletionItem::default()
        })
        .collect();
    serde_json::to_value(items).map_err(|e| e.to_string())
}

// `WorkspaceEdit.changes` is lsp-types' `HashMap<Uri, _>`; its Uri caches
// parsed parts inside (the lint's "interior mutability"), never mutated here.
#[allow(clippy::mutable_key_type)]
pub fn code_actions(docs: &Docs, enc: Encoding, params: Value) -> Result<Value, String> {
    let p: CodeActionParams = parse(params)?;
    let uri = p.text_document.uri;
    let Some(doc) = docs.get(uri.as_str()) else {
        return Ok(Value::Null);
    };
    let Some(analysis) = &doc.analysis else {
        return Ok(serde_json::json!([]));
    };
    let idx = LineIndex::new(&doc.text, enc);
    let want = (idx.offset(p.range.start), idx.offset(p.range.end));
    let mut out = Vec::new();
    for f in &analysis.findings {
        let Some(edit) = actions::edit_for(f, analysis, want) else {
            continue;
        };
        let text_edit = TextEdit {
            range: Range::new(idx.position(edit.span.start), idx.position(edit.span.end)),
            new_text: edit.text,
        };
        let changes = HashMap::from([(uri.clone(), vec![text_edit])]);
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: edit.title,
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: diagnostic(f, &idx, analysis.deployment_source()).map(|d| vec![d]),
            edit: Some(WorkspaceEdit {
                changes: Some(changes),
                ..WorkspaceEdit::default()
            }),
            is_preferred: Some(true),
            ..CodeAction::default()
        }));
    }
    serde_json::to_value(out).map_err(|e| e.to_string())
}
