//! Hostile inputs (issue 8): each has a defined outcome, a finding code and an
//! exit status, checked twice: through the library (`pipeline::analyze`, as an
//! embedder or a fuzzer calls it) and through the built binary (`memmath check`),
//! where the process must not panic (exit 101), must finish within a generous
//! hang guard and must stay under 100 MB of peak RSS. docs/reliability.md has
//! the same table in prose.

mod common;

use memmath::diagnostics::{Finding, Severity};
use memmath::pipeline::Analysis;
use memmath::rules::find_rule;
use memmath::source::SourceFile;
use memmath::spec::{decode_source, MAX_SPEC_BYTES};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Hang guard: a debug build on a busy 2-core machine; release takes milliseconds.
const HANG_GUARD: Duration = Duration::from_secs(5);
/// Peak RSS ceiling of one `memmath check` process.
const MAX_RSS_KB: u64 = 100 * 1024;

const BASE: &str = include_str!("fixtures/valid_base.yaml");

/// What a hostile input must produce.
#[derive(Clone, Copy, Debug)]
enum Outcome {
    /// This finding code (prefix match, e.g. "SCH") and exit status 1.
    Finding(&'static str),
    /// Analyzed normally: no error-level finding, exit status 0.
    Clean,
}

struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    outcome: Outcome,
}

fn replaced(from: &str, to: &str) -> Vec<u8> {
    assert!(BASE.contains(from), "fixture lacks {from:?}");
    BASE.replacen(from, to, 1).into_bytes()
}

fn billion_laughs() -> Vec<u8> {
    let mut t = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut prev = 'a';
    for n in 'b'..='j' {
        t.push_str(&format!(
            "{n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
        prev = n;
    }
    t.into_bytes()
}

/// Aliases to one big class list, repeated: few bytes, many expanded nodes.
fn alias_fanout() -> Vec<u8> {
    let mut t = String::from(BASE.split("traffic:").next().unwrap_or(BASE));
    t.push_str("x-classes: &c\n");
    for i in 0..200 {
        t.push_str(&format!(
            "  - {{name: c{i}, prompt_tokens: {{p99: 1}}, output_tokens: {{p99: 1}}, concurrency: 1}}\n"
        ));
    }
    t.push_str("traffic:\n  classes: [");
    t.push_str(&vec!["*c"; 500].join(", "));
    t.push_str("]\n");
    t.into_bytes()
}

/// `n` request classes in flow style, appended to the base spec's header.
fn classes(n: usize) -> Vec<u8> {
    let mut t = String::from(BASE.split("traffic:").next().unwrap_or(BASE));
    t.push_str("traffic:\n  classes:\n");
    for i in 0..n {
        t.push_str(&format!(
            "    - {{name: c{i}, prompt_tokens: {{p99: 100}}, output_tokens: {{p99: 100}}, concurrency: 1}}\n"
        ));
    }
    t.into_bytes()
}

/// A million classes in the most compact form YAML allows (`{}` each).
fn million_classes() -> Vec<u8> {
    let mut t = String::from(BASE.split("traffic:").next().unwrap_or(BASE));
    t.push_str("traffic:\n  classes: [");
    t.push_str(&"{},".repeat(1_000_000));
    t.push_str("]\n");
    t.into_bytes()
}

fn cases() -> Vec<Case> {
    use Outcome::{Clean, Finding as F};
    let crlf = BASE.replace('\n', "\r\n");
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend_from_slice(BASE.as_bytes());
    let mut bom_crlf = b"\xef\xbb\xbf".to_vec();
    bom_crlf.extend_from_slice(crlf.as_bytes());
    let mut deep_map = b"a: ".to_vec();
    deep_map.extend("{a: ".repeat(10_000).into_bytes());
    let mut too_big = BASE.as_bytes().to_vec();
    too_big.extend(std::iter::repeat_n(
        b'#',
        (MAX_SPEC_BYTES as usize) + 1 - BASE.len(),
    ));
    too_big.push(b'\n');
    let mut utf16 = vec![0xff, 0xfe];
    for b in BASE.bytes().take(40) {
        utf16.extend([b, 0]);
    }
    let mut bad_utf8 = BASE.as_bytes().to_vec();
    bad_utf8.extend(b"  description: caf\xe9\n");
    vec![
        Case {
            name: "valid",
            bytes: BASE.as_bytes().to_vec(),
            outcome: Clean,
        },
        Case {
            name: "billion_laughs",
            bytes: billion_laughs(),
            outcome: F("SYN003"),
        },
        Case {
            name: "alias_fanout",
            bytes: alias_fanout(),
            outcome: F("SYN003"),
        },
        Case {
            name: "self_alias",
            bytes: b"a: &x [*x]\n".to_vec(),
            outcome: F("SYN001"),
        },
        Case {
            name: "unknown_alias",
            bytes: b"a: *nope\n".to_vec(),
            outcome: F("SYN001"),
        },
        Case {
            name: "merge_key",
            bytes: b"b: &b {x: 1}\nc:\n  <<: *b\n".to_vec(),
            outcome: F("SYN001"),
        },
        Case {
            name: "nested_flow_seq_10000",
            bytes: "[".repeat(10_000).into_bytes(),
            outcome: F("SYN003"),
        },
        Case {
            name: "nested_flow_map_10000",
            bytes: deep_map,
            outcome: F("SYN003"),
        },
        Case {
            name: "nested_block_seq_10000",
            bytes: "- ".repeat(10_000).into_bytes(),
            outcome: F("SYN003"),
        },
        Case {
            name: "over_size_limit",
            bytes: too_big,
            outcome: F("SYN003"),
        },
        Case {
            name: "non_utf8_latin1",
            bytes: bad_utf8,
            outcome: F("SYN001"),
        },
        Case {
            name: "utf16_with_bom",
            bytes: utf16,
            outcome: F("SYN001"),
        },
        Case {
            name: "random_bytes",
            bytes: vec![0xff, 0xfe, 0x00, 0x12, 0x80, b'a', 0xc3],
            outcome: F("SYN001"),
        },
        Case {
            name: "nul_byte",
            bytes: b"apiVersion: memmath/v1\x00\n".to_vec(),
            outcome: F("SYN001"),
        },
        Case {
            name: "bom",
            bytes: bom,
            outcome: Clean,
        },
        Case {
            name: "crlf",
            bytes: crlf.clone().into_bytes(),
            outcome: Clean,
        },
        Case {
            name: "bom_crlf",
            bytes: bom_crlf,
            outcome: Clean,
        },
        Case {
            name: "tab_indentation",
            bytes: BASE.replace("\n  ", "\n\t").into_bytes(),
            outcome: F("SYN001"),
        },
        Case {
            name: "tab_before_comment",
            bytes: replaced("burst: 1.5", "burst: 1.5\t# tab"),
            outcome: Clean,
        },
        Case {
            name: "empty",
            bytes: Vec::new(),
            outcome: F("SYN001"),
        },
        Case {
            name: "whitespace_only",
            bytes: b"  \n\t\n\r\n".to_vec(),
            outcome: F("SYN001"),
        },
        Case {
            name: "comment_only",
            bytes: b"# nothing\n# here\n".to_vec(),
            outcome: F("SYN001"),
        },
        Case {
            name: "document_markers_only",
            bytes: b"---\n...\n".to_vec(),
            outcome: F("SYN001"),
        },
        Case {
            name: "multi_document",
            bytes: format!("{BASE}---\n{BASE}").into_bytes(),
            outcome: F("SYN001"),
        },
        Case {
            name: "duplicate_key",
            bytes: format!("{BASE}kind: Training\n").into_bytes(),
            outcome: F("SYN002"),
        },
        Case {
            name: "scalar_document",
            bytes: b"just a string\n".to_vec(),
            outcome: F("SCH003"),
        },
        Case {
            name: "python_tag",
            bytes: b"apiVersion: memmath/v1\nkind: !!python/object:os.system Serving\n".to_vec(),
            outcome: F("SCH002"),
        },
        Case {
            name: "nan",
            bytes: replaced(
                "gpu_memory_utilization: 0.90",
                "gpu_memory_utilization: .nan",
            ),
            outcome: F("SCH003"),
        },
        Case {
            name: "inf",
            bytes: replaced("burst: 1.5", "burst: .inf"),
            outcome: F("SCH003"),
        },
        Case {
            name: "minus_inf",
            bytes: replaced("burst: 1.5", "burst: -.inf"),
            outcome: F("SCH003"),
        },
        Case {
            name: "float_1e400",
            bytes: replaced("burst: 1.5", "burst: 1e400"),
            outcome: F("SCH003"),
        },
        Case {
            name: "subnormal",
            bytes: replaced("burst: 1.5", "burst: 1e-320"),
            outcome: F("SCH004"),
        },
        Case {
            name: "integer_past_u64",
            bytes: replaced("concurrency: 16", "concurrency: 18446744073709551616"),
            outcome: F("SCH004"),
        },
        Case {
            name: "negative_past_i64",
            bytes: replaced("concurrency: 16", "concurrency: -99999999999999999999"),
            outcome: F("SCH004"),
        },
        Case {
            name: "negative_concurrency",
            bytes: replaced("concurrency: 16", "concurrency: -5"),
            outcome: F("SCH004"),
        },
        Case {
            name: "layers_0",
            bytes: replaced("layers: 32", "layers: 0"),
            outcome: F("SCH004"),
        },
        Case {
            name: "kv_heads_over_heads",
            bytes: replaced("kv_heads: 8", "kv_heads: 64"),
            outcome: F("SCH004"),
        },
        Case {
            name: "head_dim_0",
            bytes: replaced("head_dim: 128", "head_dim: 0"),
            outcome: F("SCH004"),
        },
        Case {
            name: "tp_0",
            bytes: format!("{BASE}parallelism: {{tensor: 0}}\n").into_bytes(),
            outcome: F("SCH004"),
        },
        Case {
            name: "max_model_len_1e18",
            bytes: replaced("max_model_len: 32768", "max_model_len: 1000000000000000000"),
            outcome: F("MEM000"),
        },
        Case {
            name: "concurrency_u64_max",
            bytes: replaced("concurrency: 16", "concurrency: 18446744073709551615"),
            outcome: F("MEM000"),
        },
        Case {
            name: "tokens_u64_max",
            bytes: replaced("p99: 6000", "p99: 18446744073709551615"),
            outcome: F("MEM000"),
        },
        Case {
            name: "replicas_9e18",
            bytes: replaced(
                "engine: vllm",
                "engine: vllm\n  replicas: 9000000000000000000",
            ),
            outcome: F("MEM000"),
        },
        Case {
            name: "parameters_5e18",
            bytes: replaced(
                "vocab_size: 128256",
                "vocab_size: 128256\n    parameters: 5000000000000000000",
            ),
            outcome: F("MEM000"),
        },
        Case {
            name: "max_num_batched_tokens_1e14",
            bytes: replaced(
                "max_model_len: 32768",
                "max_model_len: 32768\n  max_num_batched_tokens: 100000000000000",
            ),
            outcome: F("MEM000"),
        },
        Case {
            // Block-wise FP8 with g x g = 2^64 used to saturate to 1 bit per weight.
            name: "group_size_2e32",
            bytes: replaced(
                "dtype: bf16",
                "dtype: fp8\n    quantization: fp8\n    group_size: 4294967296",
            ),
            outcome: F("SCH004"),
        },
        Case {
            name: "engine_version_banana",
            bytes: replaced("engine_version: \"0.11\"", "engine_version: \"banana\""),
            outcome: F("SCH005"),
        },
        Case {
            name: "gpu_memory_absurd",
            bytes: replaced("memory: 79.19GiB", "memory: 17179869184GiB"),
            outcome: F("SCH004"),
        },
        Case {
            name: "escape_sequences",
            bytes: format!("{BASE}\"\\e[2J\\u202e\": 1\n").into_bytes(),
            outcome: F("SCH001"),
        },
        Case {
            name: "classes_1000",
            bytes: classes(1_000),
            outcome: Clean,
        },
        Case {
            name: "classes_over_node_budget",
            bytes: classes(3_000),
            outcome: F("SYN003"),
        },
        Case {
            name: "classes_1000000",
            bytes: million_classes(),
            outcome: F("SYN003"),
        },
    ]
}

fn analyze_bytes(name: &str, bytes: Vec<u8>) -> Analysis {
    let (source, bad_utf8) = decode_source(name, bytes);
    match bad_utf8 {
        Some(f) => {
            let mut a = common::analyze_source(SourceFile::new(name, ""));
            a.findings = vec![f];
            a.source = source;
            a
        }
        None => common::analyze_source(source),
    }
}

fn has_error(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

fn check_outcome(name: &str, outcome: Outcome, findings: &[Finding]) {
    let codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
    match outcome {
        Outcome::Finding(code) => assert!(
            findings
                .iter()
                .any(|f| f.code.starts_with(code) && f.severity == Severity::Error),
            "{name}: expected an error {code}, got {codes:?}"
        ),
        Outcome::Clean => assert!(
            !has_error(findings),
            "{name}: expected no error, got {findings:?}"
        ),
    }
}

#[test]
fn library_gives_each_hostile_input_its_outcome() {
    for case in cases() {
        let start = Instant::now();
        let a = analyze_bytes(case.name, case.bytes);
        let took = start.elapsed();
        check_outcome(case.name, case.outcome, &a.findings);
        assert!(took < HANG_GUARD, "{}: took {took:?}", case.name);
        for f in &a.findings {
            if let Some(s) = f.span {
                assert!(
                    s.end <= a.source.text.len(),
                    "{}: span {s:?} past the text",
                    case.name
                );
            }
        }
    }
}

/// A `memmath` process's result, with its peak RSS when /usr/bin/time can say.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    peak_rss_kb: Option<u64>,
    took: Duration,
}

/// GNU time's `-v` report, when installed (`apt-get install time`).
fn gnu_time() -> Option<&'static Path> {
    let p = Path::new("/usr/bin/time");
    let ok = Command::new(p)
        .args(["-v", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(p)
}

fn run_memmath(args: &[&std::ffi::OsStr]) -> Run {
    let bin = assert_cmd::cargo::cargo_bin("memmath");
    let time = gnu_time();
    let mut cmd = match time {
        Some(t) => {
            let mut c = Command::new(t);
            c.arg("-v").arg(&bin);
            c
        }
        None => Command::new(&bin),
    };
    cmd.args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", bin.display()));
    let mut out_pipe = child.stdout.take().unwrap_or_else(|| panic!("stdout"));
    let mut err_pipe = child.stderr.take().unwrap_or_else(|| panic!("stderr"));
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
            break s;
        }
        if start.elapsed() > HANG_GUARD * 2 {
            let _ = child.kill();
            let _ = child.wait();
            panic!("memmath {args:?} hung past {:?}", HANG_GUARD * 2);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = start.elapsed();
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    let peak_rss_kb = time.and_then(|_| {
        stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
            .and_then(|v| v.trim().parse().ok())
    });
    Run {
        code: status.code(),
        stdout,
        stderr,
        peak_rss_kb,
        took,
    }
}

fn assert_well_behaved(name: &str, r: &Run) {
    assert_ne!(r.code, Some(101), "{name}: panicked: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{name}: {}", r.stderr);
    assert!(
        !r.stderr.contains("terminated by signal"),
        "{name}: killed: {}",
        r.stderr
    );
    assert!(r.took < HANG_GUARD, "{name}: took {:?}", r.took);
    if let Some(kb) = r.peak_rss_kb {
        assert!(kb < MAX_RSS_KB, "{name}: peak RSS {kb} KB");
    }
}

#[test]
fn cli_gives_each_hostile_input_its_outcome_without_panic_hang_or_bloat() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for case in cases() {
        let path = dir.path().join(format!("{}.yaml", case.name));
        std::fs::write(&path, &case.bytes).unwrap_or_else(|e| panic!("{e}"));
        let r = run_memmath(&[
            "check".as_ref(),
            "--output-format".as_ref(),
            "concise".as_ref(),
            path.as_os_str(),
        ]);
        assert_well_behaved(case.name, &r);
        match case.outcome {
            Outcome::Finding(code) => {
                assert_eq!(r.code, Some(1), "{}: {}{}", case.name, r.stdout, r.stderr);
                assert!(
                    r.stdout.contains(&format!(": {code}")),
                    "{}: expected {code}: {}",
                    case.name,
                    r.stdout
                );
            }
            Outcome::Clean => {
                assert_eq!(r.code, Some(0), "{}: {}{}", case.name, r.stdout, r.stderr)
            }
        }
        // No raw escape or bidi control reaches the terminal.
        assert!(
            !r.stdout.contains('\u{1b}') && !r.stdout.contains('\u{202e}'),
            "{}: control characters in output",
            case.name
        );
    }
}

#[test]
fn every_output_format_survives_hostile_input() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let picks = [
        "non_utf8_latin1",
        "escape_sequences",
        "crlf",
        "over_size_limit",
        "nested_flow_map_10000",
    ];
    let mut paths = Vec::new();
    for case in cases().into_iter().filter(|c| picks.contains(&c.name)) {
        let path = dir.path().join(format!("{}.yaml", case.name));
        std::fs::write(&path, &case.bytes).unwrap_or_else(|e| panic!("{e}"));
        paths.push(path);
    }
    for format in ["full", "concise", "json", "sarif", "github", "markdown"] {
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "check".as_ref(),
            "--output-format".as_ref(),
            format.as_ref(),
        ];
        args.extend(paths.iter().map(|p| p.as_os_str()));
        let r = run_memmath(&args);
        assert_well_behaved(format, &r);
        assert_eq!(r.code, Some(1), "{format}: {}", r.stderr);
        assert!(!r.stdout.contains('\u{1b}'), "{format}: ESC in output");
        if format == "json" || format == "sarif" {
            let v: Result<serde_json::Value, _> = serde_json::from_str(&r.stdout);
            assert!(v.is_ok(), "{format}: not JSON: {}", r.stdout);
        }
    }
}

#[test]
fn report_and_diff_survive_hostile_specs() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("{e}"));
        p
    };
    let bad = write("bad.yaml", &billion_laughs());
    let junk = write("junk.yaml", &[0xff, 0x00, 0xfe]);
    let esc = write(
        "esc.yaml",
        &replaced("name: chat", "name: \"\\e[31mred\\u202e<script>\""),
    );
    for format in ["md", "html", "json"] {
        for spec in [&bad, &junk, &esc] {
            let r = run_memmath(&[
                "report".as_ref(),
                spec.as_os_str(),
                "--format".as_ref(),
                format.as_ref(),
            ]);
            assert_well_behaved(&format!("report {format} {}", spec.display()), &r);
            assert_eq!(
                r.code,
                Some(0),
                "report {format} {}: {}",
                spec.display(),
                r.stderr
            );
            // JSON carries the name verbatim; Markdown and HTML must escape it
            // (Markdown as `\<script>`: a backslash-escaped `<` is a literal).
            assert!(
                format == "json" || !r.stdout.replace("\\<", "").contains("<script>"),
                "report {format}: unescaped HTML"
            );
        }
    }
    let r = run_memmath(&["diff".as_ref(), bad.as_os_str(), esc.as_os_str()]);
    assert_well_behaved("diff", &r);
    assert!(
        matches!(r.code, Some(0) | Some(2)),
        "diff: {:?} {}",
        r.code,
        r.stderr
    );
}

#[test]
fn hostile_probe_snapshots_exit_2_with_a_message() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let spec = dir.path().join("spec.yaml");
    std::fs::write(&spec, BASE).unwrap_or_else(|e| panic!("{e}"));
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("not_json", b"\xff\xfe garbage".to_vec()),
        ("deep", deep.into_bytes()),
        ("wrong_format", br#"{"format": "x", "version": 1}"#.to_vec()),
        (
            "huge_numbers",
            br#"{"format":"memmath-gpu-snapshot","version":1,"source":"t","devices":[{"index":4294967296,"name":"x","memory":{"total_bytes":1e400,"free_bytes":-1,"used_bytes":0}}]}"#.to_vec(),
        ),
    ];
    for (name, body) in bodies {
        let snap = dir.path().join(format!("{name}.json"));
        std::fs::write(&snap, &body).unwrap_or_else(|e| panic!("{e}"));
        let r = run_memmath(&[
            "verify".as_ref(),
            spec.as_os_str(),
            "--probe-snapshot".as_ref(),
            snap.as_os_str(),
        ]);
        assert_well_behaved(name, &r);
        assert_eq!(r.code, Some(2), "{name}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains("memmath: error"), "{name}: {}", r.stderr);
    }
}

#[test]
fn bom_and_crlf_keep_locations() {
    let broken = replaced("layers: 32", "layers: 0");
    let plain = analyze_bytes("a.yaml", broken.clone());
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend_from_slice(&broken);
    let crlf = String::from_utf8_lossy(&broken)
        .replace('\n', "\r\n")
        .into_bytes();
    let mut bom_crlf = b"\xef\xbb\xbf".to_vec();
    bom_crlf.extend_from_slice(&crlf);
    let at = |a: &Analysis| -> Vec<(String, (usize, usize))> {
        a.findings
            .iter()
            .map(|f| {
                (
                    f.code.clone(),
                    a.source.line_col(f.span.map_or(0, |s| s.start)),
                )
            })
            .collect()
    };
    let want = at(&plain);
    assert_eq!(want.first().map(|w| w.0.as_str()), Some("SCH004"));
    for bytes in [bom, crlf, bom_crlf] {
        assert_eq!(at(&analyze_bytes("a.yaml", bytes)), want);
    }
}

/// The base spec with `architecture.parameters: n`, and its plan (which must exist).
fn planned_with_parameters(n: &str) -> (Analysis, memmath::plan::Plan) {
    let a = analyze_bytes(
        "parameters.yaml",
        replaced(
            "vocab_size: 128256",
            &format!("vocab_size: 128256\n    parameters: {n}"),
        ),
    );
    let plan = a
        .plan
        .clone()
        .unwrap_or_else(|| panic!("{n} parameters: no plan: {:?}", a.findings));
    (a, plan)
}

#[test]
fn a_quadrillion_parameter_model_is_planned_not_crashed() {
    let (a, plan) = planned_with_parameters("1000000000000000");
    // 10^15 parameters in BF16: 2 PB, nowhere near one 80 GB GPU.
    assert!(
        plan.weights.total_bytes.get() >= 2_000_000_000_000_000,
        "{:?}",
        plan.weights
    );
    assert!(plan.per_gpu.kv_cache_bytes < 0, "{:?}", plan.per_gpu);
    // The weights-do-not-fit rule reports it once the rule set has it.
    if find_rule("MEM001").is_some() {
        check_outcome("p15", Outcome::Finding("MEM001"), &a.findings);
    }
}

#[test]
fn classes_up_to_the_node_budget_are_all_planned() {
    let a = analyze_bytes("c.yaml", classes(1_000));
    let plan = a
        .plan
        .as_ref()
        .unwrap_or_else(|| panic!("no plan: {:?}", a.findings));
    assert_eq!(plan.classes.len(), 1_000);
    assert!(plan.classes.iter().all(|c| c.tokens_per_sequence == 200));
}

/// Files whose length lies (`/dev/zero` reports 0 bytes and never ends): every
/// read is bounded, so each is a finding or exit 2, never a hang or an OOM.
#[cfg(unix)]
#[test]
fn endless_files_are_bounded() {
    let zero = Path::new("/dev/zero");
    if !zero.exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let spec = dir.path().join("spec.yaml");
    std::fs::write(&spec, BASE).unwrap_or_else(|e| panic!("{e}"));
    let hf = dir.path().join("hf.yaml");
    let hf_text = BASE.replacen(
        "model:\n  architecture:",
        "model:\n  hf_config: /dev/zero\n  architecture:",
        1,
    );
    std::fs::write(&hf, hf_text).unwrap_or_else(|e| panic!("{e}"));
    let z = zero.as_os_str();
    let runs: Vec<(&str, Vec<&std::ffi::OsStr>, i32, &str)> = vec![
        (
            "check",
            vec![
                "check".as_ref(),
                "--output-format".as_ref(),
                "concise".as_ref(),
                z,
            ],
            1,
            "SYN003",
        ),
        ("report", vec!["report".as_ref(), z], 0, "SYN003"),
        (
            "diff",
            vec!["diff".as_ref(), z, spec.as_os_str()],
            0,
            "memmath-diff",
        ),
        (
            "verify snapshot",
            vec![
                "verify".as_ref(),
                spec.as_os_str(),
                "--probe-snapshot".as_ref(),
                z,
            ],
            2,
            "",
        ),
        (
            "hf_config",
            vec![
                "check".as_ref(),
                "--output-format".as_ref(),
                "concise".as_ref(),
                hf.as_os_str(),
            ],
            1,
            "/dev/zero",
        ),
    ];
    for (name, args, code, needle) in runs {
        let r = run_memmath(&args);
        assert_well_behaved(name, &r);
        assert_eq!(r.code, Some(code), "{name}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stdout.contains(needle),
            "{name}: {}{}",
            r.stdout,
            r.stderr
        );
    }
}

/// Issue 12 item 3: an overflow is MEM000 on the field that caused it, not on
/// the stage that overflowed (replicas used to blame max_model_len) and never a
/// wrapped or clamped number in the plan.
#[test]
fn overflow_names_the_field_that_caused_it() {
    let cases = [
        (
            replaced(
                "engine: vllm",
                "engine: vllm\n  replicas: 9000000000000000000",
            ),
            "/serving/replicas",
        ),
        (
            replaced(
                "vocab_size: 128256",
                "vocab_size: 128256\n    parameters: 5000000000000000000",
            ),
            "/model/architecture/parameters",
        ),
        (
            replaced(
                "max_model_len: 32768",
                "max_model_len: 32768\n  max_num_batched_tokens: 100000000000000",
            ),
            "/serving/max_num_batched_tokens",
        ),
        (
            replaced(
                "max_model_len: 32768",
                "max_model_len: 32768\n  max_num_batched_tokens: 18446744073709551615",
            ),
            "/serving/max_num_batched_tokens",
        ),
        (
            replaced("max_model_len: 32768", "max_model_len: 1000000000000000000"),
            "/serving/max_model_len",
        ),
        (
            replaced("concurrency: 16", "concurrency: 18446744073709551615"),
            "/traffic/classes/0/concurrency",
        ),
        (
            replaced("burst: 1.5", "burst: 1.0e14"),
            "/traffic/classes/0/burst",
        ),
        (
            format!("{BASE}loading:\n  workers_per_node: 18446744073709551615\n").into_bytes(),
            "/loading/workers_per_node",
        ),
        (
            replaced("memory: 79.19GiB", "memory: 16000000000GiB"),
            "/hardware/gpu/memory",
        ),
    ];
    for (bytes, pointer) in cases {
        let a = analyze_bytes("overflow.yaml", bytes);
        let mem000: Vec<&Finding> = a.findings.iter().filter(|f| f.code == "MEM000").collect();
        assert_eq!(mem000.len(), 1, "{pointer}: {:?}", a.findings);
        assert_eq!(mem000[0].pointer, pointer, "{:?}", mem000[0]);
        assert!(mem000[0].span.is_some(), "{pointer}: no location");
        let label = pointer.trim_start_matches('/').replace('/', ".");
        let label = label.replace(".0.", "[0].");
        assert!(
            mem000[0].message.contains(&label),
            "{pointer}: {}",
            mem000[0].message
        );
        assert!(a.plan.is_none(), "{pointer}: planned anyway");
    }
}

/// The largest plan the math still represents is planned, with per-GPU
/// numbers that are not clamped: 4 x 10^18 parameters in BF16 is 8 x 10^18
/// bytes of weights, below 2^63.
#[test]
fn numbers_just_below_the_limit_are_planned_unclamped() {
    let (_, plan) = planned_with_parameters("4000000000000000000");
    let g = &plan.per_gpu;
    let others = g.weights_bytes.get() + g.activation_peak_bytes.get() + g.runtime_bytes.get();
    assert_eq!(
        i128::from(g.kv_cache_bytes),
        i128::from(g.budget_bytes.get()) - i128::from(others)
    );
}

/// A `memmath check` run with `toml` as memmath.toml in the folder eight levels
/// above the base spec.
fn check_with_config(toml: impl AsRef<[u8]>) -> Run {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let deep = dir.path().join("a/b/c/d/e/f/g/h");
    std::fs::create_dir_all(&deep).unwrap_or_else(|e| panic!("{e}"));
    let spec = deep.join("spec.yaml");
    std::fs::write(&spec, BASE).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("memmath.toml"), toml).unwrap_or_else(|e| panic!("{e}"));
    run_memmath(&[
        "check".as_ref(),
        "--output-format".as_ref(),
        "concise".as_ref(),
        spec.as_os_str(),
    ])
}

/// Issue 12 item 2: `[per-file-ignores]` globs that made the old backtracking
/// matcher run for minutes finish at once; invalid globs are a configuration
/// error (exit 2) naming the file and the key.
#[test]
fn hostile_memmath_toml_globs() {
    let many_stars = format!("{}z", "**/".repeat(40));
    let stars_in_segment = format!("{}b", "*a".repeat(60));
    for pattern in [
        "**/**/**/**/z",
        "**/**/**/**/**/**/z",
        many_stars.as_str(),
        stars_in_segment.as_str(),
        "a/**/b/**/c/**/d/**/e/**/zz/**",
    ] {
        let r = check_with_config(format!(
            "[per-file-ignores]\n\"{pattern}\" = [\"MEM004\"]\n"
        ));
        assert_well_behaved(pattern, &r);
        assert_eq!(r.code, Some(0), "{pattern}: {}{}", r.stdout, r.stderr);
        assert!(
            r.took < Duration::from_secs(2),
            "{pattern}: took {:?}",
            r.took
        );
    }
    // A glob that matches still ignores (the hostile ones above simply did not match).
    let r = check_with_config("[per-file-ignores]\n\"**/h/*.yaml\" = [\"ALL\"]\n");
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    let too_long = "*".repeat(5000);
    for pattern in ["specs/[a.yaml", "{a,b", too_long.as_str()] {
        let r = check_with_config(format!(
            "[per-file-ignores]\n\"{pattern}\" = [\"MEM004\"]\n"
        ));
        assert_well_behaved("bad glob", &r);
        assert_eq!(r.code, Some(2), "{pattern}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("memmath.toml") && r.stderr.contains("[per-file-ignores]"),
            "{pattern}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("not a valid glob"), "{}", r.stderr);
    }
    // Other hostile files: nesting past the TOML parser's depth limit and
    // invalid UTF-8 are configuration errors; thousands of globs still finish.
    let deep = format!("select = {}{}\n", "[".repeat(50_000), "]".repeat(50_000));
    let latin1 = b"select = [\"MEM\xff\"]\n".to_vec();
    for (name, toml) in [("deep", deep.into_bytes()), ("latin1", latin1)] {
        let r = check_with_config(toml);
        assert_well_behaved(name, &r);
        assert_eq!(r.code, Some(2), "{name}: {}", r.stderr);
        assert!(r.stderr.contains("memmath.toml"), "{name}: {}", r.stderr);
    }
    let many: String = (0..2_000)
        .map(|i| format!("\"d{i}/**/x{i}?.yaml\" = [\"MEM004\"]\n"))
        .collect();
    let r = check_with_config(format!("[per-file-ignores]\n{many}"));
    assert_well_behaved("2000 globs", &r);
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
}

/// A config.json whose FP8 block size is 2^32 is CAT003, not a plan whose
/// g x g scale overhead saturated to 1 bit per weight.
#[test]
fn absurd_quantization_block_in_config_json_is_a_finding() {
    let config = serde_json::json!({
        "model_type": "llama", "num_hidden_layers": 32, "hidden_size": 4096,
        "intermediate_size": 14336, "num_attention_heads": 32, "num_key_value_heads": 8,
        "vocab_size": 128256, "max_position_embeddings": 131072,
        "quantization_config": {"quant_method": "fp8", "weight_block_size": [4294967296u64, 4294967296u64]}
    });
    let mut files = memmath::catalog::MemoryFiles::new();
    files.insert("/specs/config.json", config.to_string().into_bytes());
    let spec: memmath::spec::Spec = serde_json::from_value(serde_json::json!({
        "apiVersion": "memmath/v1", "kind": "Serving", "metadata": {"name": "t"},
        "model": {"hf_config": "config.json", "weights": {}},
        "hardware": {"gpu": "h100-sxm-80gb"},
    }))
    .unwrap_or_else(|e| panic!("{e}"));
    let (resolved, findings) = memmath::catalog::resolve(&spec, Path::new("/specs"), &files);
    assert!(resolved.is_none(), "{findings:?}");
    assert!(
        findings.iter().any(|f| f.code == "CAT003"
            && f.pointer == "/model/hf_config"
            && f.message.contains("group size")),
        "{findings:?}"
    );
}
