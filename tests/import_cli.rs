//! The `memmath import` command: output formats, exit statuses, stdin,
//! `--out-dir`, `--env`, and the never-executed guarantee at the CLI level.

use assert_cmd::Command;
use std::path::Path;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
        .display()
        .to_string()
}

fn memmath() -> Command {
    Command::cargo_bin("memmath").unwrap()
}

#[test]
fn json_output_has_specs_findings_and_provenance() {
    let out = memmath()
        .args([
            "import",
            &fixture("kubeai-qwen2.5-7b-l4.yaml"),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["specs"][0]["serving"]["max_model_len"], 8192);
    assert_eq!(v["specs"][0]["hardware"]["gpu"], "l4-24gb");
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["severity"] == "info"));
    let prov = v["provenance"][0].as_array().unwrap();
    let len = prov
        .iter()
        .find(|p| p["pointer"] == "/serving/max_model_len")
        .unwrap();
    assert_eq!(len["line"], 12);
    assert!(len["source"]
        .as_str()
        .unwrap()
        .starts_with("--max-model-len 8192"));
}

#[test]
fn exit_statuses_follow_the_findings() {
    // An error finding (no GPU named): 1, the spec still printed.
    let out = memmath()
        .args(["import", &fixture("gpt-oss-alignment-vllm.sh")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("preset: \"gpt-oss-20b\""));
    assert!(String::from_utf8_lossy(&out.stderr).contains("IMP002 [error]"));
    // --gpu supplies it: 0.
    let out = memmath()
        .args([
            "import",
            &fixture("gpt-oss-alignment-vllm.sh"),
            "--gpu",
            "h100-sxm-80gb",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // An unreadable file or a bad flag: 2.
    let out = memmath()
        .args(["import", "/no/such/file.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = memmath()
        .args([
            "import",
            &fixture("gpt-oss-alignment-vllm.sh"),
            "--env",
            "NOEQUALS",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn stdin_takes_multi_document_streams_and_out_dir_writes_one_file_per_pool() {
    let stream = std::fs::read_to_string(fixture("dynamo-vllm-disagg.yaml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = memmath()
        .args(["import", "-", "--gpu", "h100-sxm-80gb", "--out-dir"])
        .arg(dir.path())
        .write_stdin(format!(
            "{stream}---\n{}",
            std::fs::read_to_string(fixture("sglang-k8s-service.yaml")).unwrap()
        ))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "VllmDecodeWorker.yaml",
            "VllmPrefillWorker.yaml",
            "meta-llama-31-8b-instruct-sglang.yaml"
        ]
    );
    // Each written spec passes `check` as far as input and catalogue go.
    for n in &names {
        let out = memmath()
            .args(["check", "--output-format", "concise"])
            .arg(dir.path().join(n))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !text.contains("SCH") && !text.contains("SYN") && !text.contains("CAT"),
            "{n}: {text}"
        );
    }
}

#[test]
fn env_resolves_and_templates_are_never_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("serve.sh");
    std::fs::write(&script, "vllm serve meta-llama/Llama-3.1-8B --tensor-parallel-size $TP --max-model-len ${LEN:-8192}\n").unwrap();
    let out = memmath()
        .arg("import")
        .arg(&script)
        .args(["--gpu", "h100-sxm-80gb", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"][0]["code"], "IMP001");
    assert!(v["findings"][0]["fix"]
        .as_str()
        .unwrap()
        .contains("--env TP=VALUE"));
    assert_eq!(v["specs"][0]["serving"]["max_model_len"], 8192);
    let out = memmath()
        .arg("import")
        .arg(&script)
        .args([
            "--gpu",
            "h100-sxm-80gb",
            "--env",
            "TP=2",
            "--env",
            "LEN=4096",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["specs"][0]["parallelism"]["tensor"], 2);
    assert_eq!(v["specs"][0]["serving"]["max_model_len"], 4096);

    let tpl = dir.path().join("deployment.yaml");
    std::fs::write(
        &tpl,
        "{{- if .Values.vllm.enable }}\napiVersion: apps/v1\nkind: Deployment\n{{- end }}\n",
    )
    .unwrap();
    let out = memmath().arg("import").arg(&tpl).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("IMP006"));
}

#[test]
fn traffic_classes_are_copied_into_every_spec() {
    let dir = tempfile::tempdir().unwrap();
    let traffic = dir.path().join("traffic.yaml");
    std::fs::write(
        &traffic,
        "traffic:\n  plan_percentile: p99\n  classes:\n    - name: chat\n      prompt_tokens: {p95: 3000, p99: 6000}\n      output_tokens: {p95: 1000, p99: 2000}\n      concurrency: 16\n      burst: 1.5\n",
    )
    .unwrap();
    let out = memmath()
        .args([
            "import",
            &fixture("production-stack-multiple-models.yaml"),
            "--gpu",
            "l4-24gb",
            "--format",
            "json",
            "--traffic",
        ])
        .arg(&traffic)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for spec in v["specs"].as_array().unwrap() {
        assert_eq!(spec["traffic"]["classes"][0]["name"], "chat");
        assert_eq!(spec["traffic"]["classes"][0]["concurrency"], 16);
    }
    // A file without classes is refused (exit 2), with the reason.
    std::fs::write(&traffic, "traffic: {plan_percentile: p99}\n").unwrap();
    let out = memmath()
        .args([
            "import",
            &fixture("production-stack-multiple-models.yaml"),
            "--traffic",
        ])
        .arg(&traffic)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no `classes:` list"));
}

#[test]
fn secrets_are_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("serve.sh");
    std::fs::write(
        &script,
        "export HF_TOKEN=hf_SECRETVALUE1\nHUGGING_FACE_HUB_TOKEN=hf_SECRETVALUE2 vllm serve meta-llama/Llama-3.1-8B \\\n  --api-key sk-SECRETVALUE3 --hf-token hf_SECRETVALUE4 --max-model-len $HF_TOKEN\ndocker run -e HF_TOKEN=hf_SECRETVALUE5 vllm/vllm-openai:v0.9.0 --model m --api-key=sk-SECRETVALUE6\n",
    )
    .unwrap();
    for format in ["yaml", "json"] {
        let out = memmath()
            .arg("import")
            .arg(&script)
            .args(["--format", format])
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains("SECRETVALUE"), "{format}: {all}");
        // A token variable used as a memory flag's value stays unresolved.
        assert!(all.contains("IMP001"), "{all}");
    }
}
