//! Every command prints the same bytes (stdout and stderr, and the same exit
//! status) when run twice, and with one thread or several: the determinism
//! sweep of docs/reliability.md "Determinism". `check` and `report` over many
//! specs have their own, larger test (tests/cli_parallel.rs); this one covers
//! each command once, on the repository's examples and fixtures.

use assert_cmd::Command;
use std::path::Path;

type Output = (Option<i32>, Vec<u8>, Vec<u8>);

fn run(threads: &str, args: &[&str]) -> Output {
    let out = Command::cargo_bin("memmath")
        .expect("binary builds")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RAYON_NUM_THREADS", threads)
        .env("NO_COLOR", "1")
        .env_remove("MEMMATH_FAKE_NVML")
        .args(args)
        .output()
        .expect("runs");
    (out.status.code(), out.stdout, out.stderr)
}

#[test]
fn every_command_prints_the_same_bytes_twice_and_on_any_thread_count() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out_dir = tempfile::tempdir().expect("temp dir");
    let init_out = out_dir.path().join("init.yaml");
    let init_out = init_out.to_str().expect("utf-8 temp path");
    let commands: Vec<Vec<&str>> = vec![
        vec!["check", "specs"],
        vec![
            "check",
            "--output-format",
            "json",
            "specs",
            "tests/fixtures/rules",
        ],
        vec![
            "report",
            "specs/deepseek-v3-8xh200.yaml",
            "--format",
            "html",
        ],
        vec![
            "report",
            "specs/mixtral-8x7b-2xh100.yaml",
            "--format",
            "json",
            "--alternatives",
            "3",
        ],
        vec![
            "diff",
            "specs/llama-3.1-8b-h100.yaml",
            "specs/llama-3.1-8b-hf-config.yaml",
        ],
        vec![
            "diff",
            "--format",
            "json",
            "specs/llama-3.1-8b-h100.yaml",
            "specs/llama-3.1-8b-awq-l4.yaml",
        ],
        vec!["schema"],
        vec!["catalog", "gpus"],
        vec!["catalog", "models", "--format", "json"],
        vec!["rule", "--all"],
        vec!["fit", "specs/deepseek-v3-8xh200.yaml", "--gpus", "all"],
        vec![
            "fit",
            "specs/qwen3-next-80b-4xh100.yaml",
            "--format",
            "json",
        ],
        vec![
            "import",
            "tests/fixtures/import/lws-vllm-gpu.yaml",
            "--format",
            "json",
        ],
        vec![
            "import",
            "tests/fixtures/import/gpt-oss-alignment-vllm.sh",
            "--gpu",
            "h100-sxm-80gb",
        ],
        vec![
            "verify",
            "specs/llama-3.1-8b-h100.yaml",
            "--probe-snapshot",
            "tests/fixtures/snapshots/h100x1-busy.json",
        ],
        vec!["init", "--preset", "llama-3.1-8b", "--gpu", "l4-24gb"],
    ];
    assert!(root.join("specs").is_dir());
    for args in &commands {
        let first = run("1", args);
        assert!(
            !String::from_utf8_lossy(&first.2).contains("panicked"),
            "{args:?}: {}",
            String::from_utf8_lossy(&first.2)
        );
        assert!(
            !first.1.is_empty() || !first.2.is_empty(),
            "{args:?} printed nothing"
        );
        for threads in ["1", "3"] {
            let again = run(threads, args);
            assert!(
                first == again,
                "{args:?} differs on a rerun with {threads} thread(s)"
            );
        }
    }
    // `init -o` writes the same file as `init` prints.
    let printed = run(
        "1",
        &["init", "--preset", "llama-3.1-8b", "--gpu", "l4-24gb"],
    )
    .1;
    let written = run(
        "1",
        &[
            "init",
            "--preset",
            "llama-3.1-8b",
            "--gpu",
            "l4-24gb",
            "-o",
            init_out,
        ],
    );
    assert_eq!(
        written.0,
        Some(0),
        "{}",
        String::from_utf8_lossy(&written.2)
    );
    assert_eq!(std::fs::read(init_out).ok(), Some(printed));
}
