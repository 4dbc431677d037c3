//! `memmath import` on real public serving configs (tests/fixtures/import/,
//! each file's first line names its repository, path and commit): every file
//! gives the specs and the IMP findings listed here, every spec is valid
//! against the schema, and with the GPU (and, where the catalogue lacks the
//! model, a preset) supplied, every spec runs through `check` with no input
//! or catalogue error.

mod common;

use common::Disk;
use memmath::import::{import, ImportOptions, Imported};
use memmath::pipeline::{analyze, AnalyzeOptions};
use memmath::rules::RulesConfig;
use memmath::source::SourceFile;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

fn run(name: &str, opts: &ImportOptions) -> (SourceFile, Imported) {
    let path = dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let source = SourceFile::new(name, text);
    let imported = import(&source, opts, &Disk::new(), &dir());
    (source, imported)
}

/// (fixture, specs, codes of error and warning findings, field checks).
type Expect = (
    &'static str,
    usize,
    &'static [&'static str],
    &'static [(usize, &'static str, fn() -> Value)],
);

const EXPECT: &[Expect] = &[
    (
        "kubeai-llama-3.1-8b-fp8-l4.yaml",
        1,
        &["IMP007"],
        &[
            (0, "/hardware/gpu", || json!("l4-24gb")),
            (0, "/serving/max_model_len", || json!(16384)),
            // `--max-num-batched-token`: an argparse abbreviation vLLM accepts.
            (0, "/serving/max_num_batched_tokens", || json!(16384)),
        ],
    ),
    (
        "kubeai-llama-3.1-405b-fp8-h100.yaml",
        1,
        &["IMP007"],
        &[
            (0, "/hardware/gpu", || json!("h100-sxm-80gb")),
            (0, "/hardware/gpus_per_node", || json!(8)),
            (0, "/parallelism/tensor", || json!(8)),
            (0, "/serving/kv_cache_dtype", || json!("fp8")),
        ],
    ),
    (
        "kubeai-qwen2.5-7b-l4.yaml",
        1,
        &[],
        &[
            (0, "/model/preset", || json!("qwen2.5-7b")),
            (0, "/serving/gpu_memory_utilization", || json!(0.95)),
            (0, "/serving/max_num_seqs", || json!(256)),
        ],
    ),
    (
        "lws-vllm-gpu.yaml",
        1,
        &["IMP002"],
        &[
            (0, "/model/preset", || json!("llama-3.1-405b")),
            (0, "/parallelism/pipeline", || json!(2)),
            (0, "/hardware/nodes", || json!(4)),
            (0, "/serving/engine_version", || json!("0.8")),
        ],
    ),
    (
        "lws-sglang.yaml",
        1,
        &["IMP002"],
        &[
            (0, "/serving/engine", || json!("sglang")),
            (0, "/parallelism/tensor", || json!(2)),
            (0, "/hardware/nodes", || json!(4)),
        ],
    ),
    (
        "production-stack-multiple-models.yaml",
        2,
        &["IMP002", "IMP007"],
        &[
            (0, "/model/preset", || json!("llama-3.1-8b")),
            (1, "/model/source", || {
                json!("mistralai/Mistral-7B-Instruct-v0.2")
            }),
            (1, "/serving/max_model_len", || json!(4096)),
        ],
    ),
    (
        "production-stack-cpu-offloading.yaml",
        1,
        &["IMP002", "IMP007"],
        &[(0, "/serving/max_model_len", || json!(16384))],
    ),
    (
        "sglang-compose.yaml",
        1,
        &["IMP002"],
        &[
            (0, "/serving/engine", || json!("sglang")),
            (0, "/hardware/gpus_per_node", || json!(1)),
        ],
    ),
    (
        "sglang-k8s-service.yaml",
        1,
        &["IMP002"],
        &[(0, "/model/preset", || json!("llama-3.1-8b"))],
    ),
    (
        "dynamo-vllm-disagg.yaml",
        2,
        // Qwen/Qwen3-0.6B is a catalogue preset (catalog/models.yaml): no IMP007.
        &["IMP002"],
        &[
            (0, "/metadata/name", || json!("VllmDecodeWorker")),
            (1, "/metadata/name", || json!("VllmPrefillWorker")),
        ],
    ),
    (
        "trtllm-deepseek-r1-decode.yaml",
        1,
        &["IMP002", "IMP007"],
        &[
            (0, "/serving/engine", || json!("tensorrt-llm")),
            (0, "/serving/max_model_len", || json!(8448)),
            (0, "/serving/gpu_memory_utilization", || json!(0.85)),
            (0, "/serving/kv_cache_dtype", || json!("fp8")),
            (0, "/parallelism/expert", || json!(true)),
        ],
    ),
    (
        "gpt-oss-alignment-vllm.sh",
        1,
        &["IMP002"],
        &[
            (0, "/model/preset", || json!("gpt-oss-20b")),
            (0, "/parallelism/tensor", || json!(8)),
        ],
    ),
    (
        "synth-data-run_vllm_small.sh",
        1,
        &["IMP002"],
        &[
            (0, "/model/preset", || json!("gemma-2-9b")),
            (0, "/serving/gpu_memory_utilization", || json!(1.0)),
        ],
    ),
    (
        "password-locking-serve.sh",
        1,
        &["IMP001", "IMP002", "IMP003"],
        &[
            (0, "/hardware/gpus_per_node", || json!(4)),
            (0, "/serving/max_model_len", || json!(2048)),
        ],
    ),
    (
        "openreinforcedagent-start_vllm.sh",
        1,
        &["IMP002", "IMP007"],
        &[
            (0, "/serving/engine_version", || json!("0.7")),
            (0, "/model/weights/quantization", || json!("bnb-nf4")),
            (0, "/serving/max_model_len", || json!(8192)),
            (0, "/hardware/gpus_per_node", || json!(1)),
        ],
    ),
    (
        "coding-tasks-run.sh",
        1,
        &["IMP002", "IMP007"],
        &[(0, "/serving/max_model_len", || json!(1024))],
    ),
    (
        "lsmcache-server.sh",
        1,
        &["IMP002", "IMP007"],
        &[(0, "/serving/gpu_memory_utilization", || json!(0.6))],
    ),
    (
        "sglang-ms-start_server.sh",
        1,
        &["IMP002"],
        &[(0, "/model/preset", || json!("qwen3-8b"))],
    ),
    (
        "kserve-llmisvc-pd-qwen2-7b.yaml",
        2,
        &["IMP002"],
        &[
            (0, "/metadata/name", || {
                json!("qwen2-7b-instruct-pd-prefill")
            }),
            (0, "/serving/replicas", || json!(2)),
            (1, "/metadata/name", || json!("qwen2-7b-instruct-pd-decode")),
        ],
    ),
    (
        "kserve-llmisvc-eagle3.yaml",
        2,
        &["IMP002", "IMP007"],
        &[
            (1, "/parallelism/tensor", || json!(2)),
            (1, "/hardware/gpus_per_node", || json!(2)),
        ],
    ),
];

fn pointer<'a>(v: &'a Value, p: &str) -> Option<&'a Value> {
    v.pointer(p)
}

#[test]
fn every_fixture_names_its_public_source() {
    let mut n = 0;
    for e in std::fs::read_dir(dir()).unwrap().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap();
        let first = text.lines().next().unwrap_or_default();
        let ok = first.starts_with("# source: https://github.com/")
            && first.contains("/blob/")
            && first
                .split("/blob/")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
                .is_some_and(|c| c.len() == 40 && c.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(
            ok,
            "{}: first line must be `# source: https://github.com/OWNER/REPO/blob/COMMIT/PATH`",
            e.path().display()
        );
        n += 1;
    }
    assert!(n >= 20, "only {n} fixtures");
    assert_eq!(n, EXPECT.len(), "every fixture has an expectation row");
}

#[test]
fn fixtures_import_to_the_expected_specs_and_findings() {
    for (name, specs, codes, checks) in EXPECT {
        let (_, got) = run(name, &ImportOptions::default());
        assert_eq!(got.pools.len(), *specs, "{name}: specs");
        let found: BTreeSet<&str> = got
            .findings
            .iter()
            .filter(|f| f.severity >= memmath::diagnostics::Severity::Warning)
            .map(|f| f.code.as_str())
            .collect();
        let want: BTreeSet<&str> = codes.iter().copied().collect();
        assert_eq!(found, want, "{name}: {:#?}", got.findings);
        for (i, ptr, value) in *checks {
            assert_eq!(
                pointer(&got.pools[*i].spec, ptr),
                Some(&value()),
                "{name} spec {i} {ptr}"
            );
        }
        // Every finding points into the imported file.
        for f in &got.findings {
            assert!(
                f.span.is_some(),
                "{name}: {} has no place in the file",
                f.code
            );
        }
    }
}

#[test]
fn fixtures_give_specs_check_accepts_once_gpu_and_model_are_known() {
    let rules = RulesConfig::default();
    for (name, ..) in EXPECT {
        let mut opts = ImportOptions {
            gpu: Some("h100-sxm-80gb".to_string()),
            env: [("HOME".to_string(), "/home/u".to_string())]
                .into_iter()
                .collect(),
            ..ImportOptions::default()
        };
        let (_, first) = run(name, &opts);
        if first.findings.iter().any(|f| f.code == "IMP007") {
            opts.model = Some("llama-3.1-8b".to_string());
        }
        let (_, got) = run(name, &opts);
        assert!(
            !got.findings
                .iter()
                .any(|f| matches!(f.code.as_str(), "IMP001" | "IMP002" | "IMP006" | "IMP007")),
            "{name}: {:#?}",
            got.findings
        );
        for pool in &got.pools {
            let yaml = serde_json::to_string(&pool.spec).unwrap();
            let a = analyze(
                SourceFile::new(format!("{name}.spec.json"), yaml),
                &AnalyzeOptions {
                    files: &Disk::new(),
                    spec_dir: dir(),
                    rules: &rules,
                    inline_ignores: true,
                },
            );
            let bad: Vec<_> = a
                .findings
                .iter()
                .filter(|f| ["SYN", "SCH", "CAT"].iter().any(|c| f.code.starts_with(c)))
                .collect();
            assert!(bad.is_empty(), "{name} / {}: {bad:#?}", pool.name);
            assert!(a.plan.is_some(), "{name} / {}: no plan", pool.name);
        }
    }
}

#[test]
fn importing_never_runs_anything() {
    // A script whose every line would leave a trace if run: importing it
    // must leave none (and still read the launch).
    let marker = std::env::temp_dir().join(format!("memmath-import-ran-{}", std::process::id()));
    let _ = std::fs::remove_file(&marker);
    let m = marker.display();
    let text = format!(
        "touch {m}\nTP=$(touch {m}; echo 2)\nvllm serve meta-llama/Llama-3.1-8B --tensor-parallel-size `touch {m}` --max-model-len $((4096 * 2)) > {m}\n"
    );
    let source = SourceFile::new("run.sh", text);
    let got = import(&source, &ImportOptions::default(), &Disk::new(), &dir());
    assert!(!marker.exists(), "importing ran a command");
    assert_eq!(got.pools.len(), 1);
    let codes: Vec<&str> = got.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(
        codes.iter().filter(|c| **c == "IMP001").count(),
        2,
        "{codes:?}"
    );
}
