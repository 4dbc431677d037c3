//! `cargo bench --bench server`: what the language server spends per
//! keystroke on a 100-line spec: one incremental `didChange` -> analysis ->
//! `publishDiagnostics` (the whole handler, JSON included), and a hover and a
//! completion. The target (docs/performance.md): re-analysis under 5 ms.
//! std only, like benches/pipeline.rs.
#![allow(clippy::print_stdout)]

use lsp_server::{Message, Notification, Request, RequestId};
use memmath::catalog::{FileAccess, MemoryFiles};
use memmath::rules::RulesConfig;
use memmath::server::{Host, Server};
use serde_json::json;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

const WARMUP: usize = 20;
const ITERS: usize = 300;

struct BenchHost(MemoryFiles);

impl Host for BenchHost {
    fn files(&self) -> &dyn FileAccess {
        &self.0
    }
    fn rules_for(&self, _: Option<&Path>) -> Result<RulesConfig, String> {
        Ok(RulesConfig::default())
    }
}

/// The 70B example with nine more traffic classes: 101 lines, clean.
fn spec_100_lines() -> String {
    let mut text = include_str!("../specs/llama-3.1-70b-fp8-4xh100.yaml").to_string();
    let at = text.find("loading:").unwrap_or(text.len());
    let mut classes = String::new();
    for i in 0..9 {
        classes.push_str(&format!(
            "    - name: batch-{i}\n      prompt_tokens: {{p95: {}, p99: {}}}\n      output_tokens: {{p95: 500, p99: 800}}\n      concurrency: 2\n      burst: 1.25\n",
            1000 + i * 100,
            2000 + i * 100
        ));
    }
    text.insert_str(at, &classes);
    text
}

fn time(label: &str, mut f: impl FnMut(usize)) {
    for i in 0..WARMUP {
        f(i);
    }
    let mut samples: Vec<Duration> = (0..ITERS)
        .map(|i| {
            let start = Instant::now();
            f(WARMUP + i);
            start.elapsed()
        })
        .collect();
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "  {label:<34} median {:>7.3} ms   p95 {:>7.3} ms   max {:>7.3} ms",
        ms(at(0.5)),
        ms(at(0.95)),
        ms(samples[samples.len() - 1])
    );
}

fn main() {
    let host = BenchHost(MemoryFiles::new());
    let mut server = Server::new(&host);
    let text = spec_100_lines();
    let lines = text.lines().count();
    let uri = "file:///bench/chat.yaml";
    let request = |id: i32, method: &str, params: serde_json::Value| -> Message {
        Request::new(RequestId::from(id), method.to_string(), params).into()
    };
    let notify = |method: &str, params: serde_json::Value| -> Message {
        Notification::new(method.to_string(), params).into()
    };
    server.handle_guarded(request(0, "initialize", json!({"capabilities": {}})));
    let out = server.handle_guarded(notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
    ));
    let first = serde_json::to_value(&out).unwrap_or_default();
    let findings = first[0]["params"]["diagnostics"]
        .as_array()
        .map_or(0, Vec::len);
    println!("memmath server benchmark: {lines}-line spec, {findings} findings; {WARMUP} warm-up + {ITERS} timed iterations");
    assert!(lines >= 100, "the spec has {lines} lines");

    // Retype the last digit of `concurrency: 32` (0-9): a real edit each time.
    let line = text
        .lines()
        .position(|l| l.contains("concurrency: 32"))
        .unwrap_or(0);
    let col = text.lines().nth(line).map_or(0, |l| l.len() - 1);
    time("didChange -> publishDiagnostics", |i| {
        let change = json!({
            "textDocument": {"uri": uri, "version": i + 2},
            "contentChanges": [{"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col + 1}}, "text": (i % 10).to_string()}]
        });
        black_box(server.handle_guarded(notify("textDocument/didChange", change)));
    });
    let mml = text
        .lines()
        .position(|l| l.contains("max_model_len"))
        .unwrap_or(0);
    time("hover (max_model_len)", |i| {
        let p = json!({"textDocument": {"uri": uri}, "position": {"line": mml, "character": 4}});
        black_box(server.handle_guarded(request(i as i32, "textDocument/hover", p)));
    });
    time("completion (serving keys)", |i| {
        let p = json!({"textDocument": {"uri": uri}, "position": {"line": mml, "character": 6}});
        black_box(server.handle_guarded(request(i as i32, "textDocument/completion", p)));
    });
}
