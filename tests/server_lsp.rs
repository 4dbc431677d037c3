//! `memmath server` driven by a scripted JSON-RPC client over stdio: the
//! session an editor runs (initialize, open a broken spec, see SCH001 where
//! `check` puts it, apply the code action, see the list empty, hover,
//! complete, shut down), diagnostics identical to `check` (memmath.toml and
//! inline suppressions honoured), and hostile input that must not stop it.
//!
//! The specs are the repository's own example (specs/llama-3.1-70b-fp8-4xh100.yaml)
//! with one field changed per case.

mod server_support;

use serde_json::{json, Value};
use server_support::{file_uri, Client};
use std::path::Path;
use std::process::Command;

const EXAMPLE: &str = include_str!("../specs/llama-3.1-70b-fp8-4xh100.yaml");

fn variant(from: &str, to: &str) -> String {
    assert!(EXAMPLE.contains(from), "{from}");
    EXAMPLE.replacen(from, to, 1)
}

fn open(c: &mut Client, uri: &str, text: &str) -> Value {
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
    );
    c.diagnostics(uri)
}

/// (code, severity, line, column) of `memmath check --output-format json`,
/// 0-based like LSP (ASCII files: characters are UTF-16 units).
fn check_findings(dir: &Path, file: &str) -> Vec<(String, u64, u64, u64)> {
    let out = Command::new(env!("CARGO_BIN_EXE_memmath"))
        .args(["check", file, "--output-format", "json"])
        .current_dir(dir)
        .output()
        .expect("run check");
    let v: Value = serde_json::from_slice(&out.stdout).expect("check JSON");
    let sev = |s: &str| match s {
        "error" => 1,
        "warning" => 2,
        _ => 3,
    };
    let mut rows: Vec<_> = v
        .as_array()
        .expect("array")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap_or_default().to_string(),
                sev(f["severity"].as_str().unwrap_or_default()),
                f["line"].as_u64().unwrap_or(0) - 1,
                f["column"].as_u64().unwrap_or(0) - 1,
            )
        })
        .collect();
    rows.sort();
    rows
}

fn lsp_findings(params: &Value) -> Vec<(String, u64, u64, u64)> {
    let mut rows: Vec<_> = params["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["severity"].as_u64().unwrap_or(0),
                d["range"]["start"]["line"].as_u64().unwrap_or(0),
                d["range"]["start"]["character"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn hover_text(c: &mut Client, uri: &str, line: usize, character: usize) -> String {
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
    );
    r["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle}"))
}

#[test]
fn an_editor_session_from_broken_to_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("chat.yaml");
    let broken = variant("  max_model_len: 131072", "  max_modle_len: 131072");
    std::fs::write(&path, &broken).expect("write");
    let uri = file_uri(&path);

    let mut c = Client::start(&[], dir.path());
    let init = c.initialize(json!({}));
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["hoverProvider"], true);
    assert_eq!(init["result"]["serverInfo"]["name"], "memmath");

    // didOpen a broken spec: SCH001 on the misspelled key, where check puts it.
    let d = open(&mut c, &uri, &broken);
    let diags = d["diagnostics"].as_array().expect("list");
    assert_eq!(diags.len(), 1, "{d}");
    assert_eq!(diags[0]["code"], "SCH001");
    assert_eq!(diags[0]["severity"], 1);
    let line = line_of(&broken, "max_modle_len");
    assert_eq!(
        diags[0]["range"],
        json!({"start": {"line": line, "character": 2}, "end": {"line": line, "character": 15}})
    );
    assert_eq!(lsp_findings(&d), check_findings(dir.path(), "chat.yaml"));

    // The code action renames the key.
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": diags[0]["range"], "context": {"diagnostics": [diags[0]]}}),
    );
    let actions = r["result"].as_array().expect("actions");
    assert_eq!(actions.len(), 1, "{r}");
    assert_eq!(actions[0]["kind"], "quickfix");
    let edit = &actions[0]["edit"]["changes"][&uri][0];
    assert_eq!(edit["newText"], "max_model_len");
    assert_eq!(edit["range"], diags[0]["range"]);

    // didChange applying it: the list is empty.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"range": edit["range"], "text": "max_model_len"}]}),
    );
    let d = c.diagnostics(&uri);
    assert_eq!(d["version"], 2);
    assert_eq!(d["diagnostics"], json!([]), "{d}");

    // Hover on max_model_len: the description and the figures of the plan.
    let plan = report_json(&variant("x", "x"));
    let kv = &plan["kv_cache"];
    let text = hover_text(&mut c, &uri, line, 4);
    assert!(text.contains("serving.max_model_len"), "{text}");
    assert!(text.contains("Longest sequence"), "{text}");
    let concurrency = format!(
        "{:.2}",
        kv["max_concurrency"].as_f64().expect("max_concurrency")
    );
    assert!(text.contains(&concurrency), "{text} lacks {concurrency}");
    assert!(text.contains("KV cache per GPU"), "{text}");
    // By hand, from the model's config.json (huggingface.co/meta-llama/Llama-3.1-70B-Instruct):
    // 80 layers x (K + V) x 8 KV heads / tensor 4 x head_dim 128 x 1 byte (fp8)
    // = 40,960 bytes per token per GPU; x 131,072 tokens = 5.00 GiB.
    assert_eq!(kv["bytes_per_token_per_gpu"], 40_960);
    assert!(text.contains("40,960 bytes per token"), "{text}");
    assert!(text.contains("**5.00 GiB** of KV cache per GPU"), "{text}");
    assert!(text.contains("docs/memory-math.md, section 6"), "{text}");

    // Hover on a class's concurrency: its share of the KV pool.
    let cline = line_of(&broken, "concurrency: 32");
    let text = hover_text(&mut c, &uri, cline, 8);
    assert!(text.contains("traffic.classes[0].concurrency"), "{text}");
    let share = plan["classes"][0]["pool_share"]
        .as_f64()
        .expect("pool_share");
    let shown = format!("{:.1}%", share * 100.0);
    assert!(text.contains(&shown), "{text} lacks {shown}");

    // Completion: keys under `serving`, enum values after `kv_cache_dtype: `.
    let kv_line = line_of(&broken, "kv_cache_dtype");
    let r = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": kv_line, "character": 18}}),
    );
    let labels: Vec<&str> = r["result"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(
        labels.contains(&"fp8") && labels.contains(&"bf16"),
        "{labels:?}"
    );

    let r = c.request("shutdown", Value::Null);
    assert_eq!(r["result"], Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.finish(), Some(0));
}

fn report_json(spec: &str) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("s.yaml"), spec).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_memmath"))
        .args(["report", "s.yaml", "--format", "json"])
        .current_dir(dir.path())
        .output()
        .expect("report");
    serde_json::from_slice(&out.stdout).expect("plan JSON")
}

#[test]
fn diagnostics_match_check_with_config_and_suppressions() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("memmath.toml"), "ignore = [\"TRF002\"]\n").expect("toml");
    let traffic = EXAMPLE.find("traffic:").expect("traffic");
    let loading = EXAMPLE.find("loading:").expect("loading");
    let cases = [
        ("no-traffic.yaml", format!("{}{}", &EXAMPLE[..traffic], &EXAMPLE[loading..])),
        ("mem003.yaml", variant("gpu_memory_utilization: 0.90", "gpu_memory_utilization: 0.30")),
        (
            "suppressed.yaml",
            variant("gpu_memory_utilization: 0.90", "gpu_memory_utilization: 0.30").replacen(
                "    - name: long-doc",
                "    # memmath: ignore[TRF003] long documents share the pool on purpose\n    - name: long-doc",
                1,
            ),
        ),
        ("too-long.yaml", variant("max_model_len: 131072", "max_model_len: 1310720")),
        ("bad-enum.yaml", variant("kv_cache_dtype: fp8", "kv_cache_dtype: fp9")),
        ("half-typed.yaml", format!("{}  kv_cache_dtype: [\n", &EXAMPLE[..loading])),
    ];
    let mut c = Client::start(&[], dir.path());
    c.initialize(json!({}));
    for (name, text) in &cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        let d = open(&mut c, &file_uri(&path), text);
        assert_eq!(
            lsp_findings(&d),
            check_findings(dir.path(), name),
            "{name}: {d}"
        );
    }
    // The configuration's ignore and the inline suppression took effect.
    let codes = |name: &str| {
        check_findings(dir.path(), name)
            .into_iter()
            .map(|f| f.0)
            .collect::<Vec<_>>()
    };
    assert!(codes("no-traffic.yaml").is_empty());
    assert!(codes("mem003.yaml").contains(&"TRF003".to_string()));
    assert_eq!(codes("suppressed.yaml"), ["MEM003"]);

    // MEM003's code action sets max_model_len to the longest that fits.
    let uri = file_uri(&dir.path().join("mem003.yaml"));
    let text = &cases[1].1;
    let line = line_of(text, "max_model_len");
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 30}}, "context": {"diagnostics": []}}),
    );
    let fits = report_json(text)["kv_cache"]["max_model_len_that_fits"]
        .as_u64()
        .expect("fits");
    let actions = r["result"].as_array().expect("actions");
    assert_eq!(actions.len(), 1, "{r}");
    assert_eq!(
        actions[0]["edit"]["changes"][&uri][0]["newText"],
        fits.to_string()
    );
    // The enum typo's action picks the nearest value.
    let uri = file_uri(&dir.path().join("bad-enum.yaml"));
    let line = line_of(&cases[4].1, "kv_cache_dtype");
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": line, "character": 20}, "end": {"line": line, "character": 20}}, "context": {"diagnostics": []}}),
    );
    assert_eq!(
        r["result"][0]["edit"]["changes"][&uri][0]["newText"], "fp8",
        "{r}"
    );

    // A broken memmath.toml is shown on the spec, not a crash.
    std::fs::write(dir.path().join("memmath.toml"), "ignore = [\"NOPE999\"]\n").expect("toml");
    let uri = file_uri(&dir.path().join("no-traffic.yaml"));
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}}),
    );
    let d = c.diagnostics(&uri);
    assert!(
        d["diagnostics"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("memmath configuration"),
        "{d}"
    );
}

#[test]
fn hostile_input_never_stops_the_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = Client::start(&[], dir.path());
    // Before initialize: an error reply, not a crash.
    let r = c.request("textDocument/hover", json!({}));
    assert_eq!(r["error"]["code"], -32002);
    c.initialize(json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}}));
    // Garbage frames: parse errors, and the session goes on.
    c.send_raw(b"Content-Length: 9\r\n\r\n{not json");
    let e = c.wait(|m| m.get("error").is_some());
    assert_eq!(e["error"]["code"], -32700);
    // A body over the 8 MiB limit is skipped, not stored, and answered.
    let big = memmath::server::transport::MAX_BODY_BYTES + 1;
    c.send_raw(format!("Content-Length: {big}\r\n\r\n").as_bytes());
    c.send_raw(&vec![b' '; big]);
    let e = c.wait(|m| m.get("error").is_some());
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("limit"),
        "{e}"
    );
    for bad in [json!(null), json!([1, 2]), json!({"textDocument": 5})] {
        let r = c.request("textDocument/hover", bad.clone());
        assert_eq!(r["error"]["code"], -32602, "{bad}");
        let r = c.request("textDocument/completion", bad);
        assert_eq!(r["error"]["code"], -32602);
    }
    let r = c.request("workspace/nonsense", json!({}));
    assert_eq!(r["error"]["code"], -32601);
    c.send(&json!({"jsonrpc": "2.0", "id": {"nested": true}, "method": "shutdown"}));
    let e = c.wait(|m| m.get("error").is_some());
    assert_eq!(e["error"]["code"], -32600);

    // Every prefix of a spec, typed character by character into one
    // document, with hovers and completions at the cursor and past the end.
    let uri = "untitled:Untitled-1";
    open(&mut c, uri, "");
    let text = variant("concurrency: 32", "concurrency: 32 # é𝄞 ünïcode");
    let mut line = 0;
    let mut character = 0;
    let mut version = 1;
    for ch in text.chars().take(1200) {
        version += 1;
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"range": {"start": {"line": line, "character": character}, "end": {"line": line, "character": character}}, "text": ch.to_string()}]}),
        );
        c.diagnostics(uri);
        if ch == '\n' {
            line += 1;
            character = 0;
        } else {
            character += ch.len_utf16();
        }
        if version % 7 == 0 {
            let pos = json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}});
            assert!(c
                .request("textDocument/hover", pos.clone())
                .get("error")
                .is_none());
            assert!(c
                .request("textDocument/completion", pos)
                .get("error")
                .is_none());
            let far = json!({"textDocument": {"uri": uri}, "position": {"line": 4_000_000_000u64, "character": 4_000_000_000u64}});
            assert!(c.request("textDocument/hover", far).get("error").is_none());
        }
    }
    // Out-of-range and reversed edits are clamped.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 99999}, "contentChanges": [{"range": {"start": {"line": 999, "character": 0}, "end": {"line": 0, "character": 3}}, "text": "x"}]}),
    );
    c.diagnostics(uri);
    let r = c.request("shutdown", Value::Null);
    assert!(r.get("error").is_none());
    let r = c.request("textDocument/hover", json!({}));
    assert_eq!(r["error"]["code"], -32600);
    c.notify("exit", Value::Null);
    assert_eq!(c.finish(), Some(0));
}

#[test]
fn exit_without_shutdown_is_status_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = Client::start(&[], dir.path());
    c.initialize(json!({}));
    c.notify("exit", Value::Null);
    assert_eq!(c.finish(), Some(1));
    // End of input without exit: status 1 too.
    let c = Client::start(&[], dir.path());
    assert_eq!(c.finish(), Some(1));
}
