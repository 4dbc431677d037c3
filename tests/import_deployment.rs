//! `deployment:` in a spec: `check` and `report` import the serving config on
//! every run, the spec's fields win, drift is IMP005, and findings about
//! imported values are reported at the manifest's line in every format.

use assert_cmd::Command;
use std::path::Path;

const MANIFEST: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: llama
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.10.1
          args:
            - --model=meta-llama/Llama-3.1-8B-Instruct
            - --max-model-len=$(MAX_LEN)
            - --gpu-memory-utilization=0.90
            - --max-num-seqs=64
          env:
            - name: MAX_LEN
              value: \"131072\"
          resources:
            limits:
              nvidia.com/gpu: 1
";

const SPEC: &str = "apiVersion: memmath/v1
kind: Serving
metadata:
  name: llama-8b
model:
  preset: llama-3.1-8b
hardware:
  gpu: l4-24gb
  host_memory: 64GiB
serving:
  engine: vllm
  max_num_seqs: 32
deployment:
  file: deploy/vllm.yaml
";

fn setup(manifest: &str, spec: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("deploy")).unwrap();
    std::fs::write(dir.path().join("deploy/vllm.yaml"), manifest).unwrap();
    std::fs::write(dir.path().join("spec.yaml"), spec).unwrap();
    dir
}

fn check(dir: &Path, format: &str) -> (i32, String) {
    let out = Command::cargo_bin("memmath")
        .unwrap()
        .current_dir(dir)
        .args(["check", "spec.yaml", "--output-format", format])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_max_model_len_that_no_longer_fits_is_reported_at_the_manifest_line() {
    let dir = setup(MANIFEST, SPEC);
    let (code, out) = check(dir.path(), "concise");
    assert_eq!(code, 1, "{out}");
    // Line 14 of the manifest holds `--max-model-len=$(MAX_LEN)`.
    assert!(
        out.contains("deploy/vllm.yaml:14:15: MEM003 [error]"),
        "{out}"
    );
    // The spec's own max_num_seqs wins; the manifest's differs: IMP005 there.
    assert!(out.contains("deploy/vllm.yaml:16:15: IMP005 [warning] `serving.max_num_seqs` is 32 in the spec but 64"), "{out}");

    let (_, gh) = check(dir.path(), "github");
    assert!(
        gh.contains("::error file=deploy/vllm.yaml,line=14,col=15,title=MEM003"),
        "{gh}"
    );
    // The fix names the spec field and where the value really is.
    assert!(gh.contains("(it comes from `--max-model-len 131072, $MAX_LEN set in the file` in deploy/vllm.yaml)"), "{gh}");
    let (_, sarif) = check(dir.path(), "sarif");
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let mem003 = results.iter().find(|r| r["ruleId"] == "MEM003").unwrap();
    let loc = &mem003["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "deploy/vllm.yaml");
    assert_eq!(loc["region"]["startLine"], 14);
    let (_, json) = check(dir.path(), "json");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let f = v
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "MEM003")
        .unwrap();
    assert_eq!(
        (f["file"].as_str(), f["line"].as_u64()),
        (Some("deploy/vllm.yaml"), Some(14))
    );
}

#[test]
fn editing_the_manifest_changes_the_verdict() {
    let dir = setup(
        &MANIFEST
            .replace("\"131072\"", "\"8192\"")
            .replace("max-num-seqs=64", "max-num-seqs=32"),
        SPEC,
    );
    let (code, out) = check(dir.path(), "concise");
    assert!(!out.contains("MEM003"), "{out}");
    assert!(!out.contains("IMP005"), "{out}");
    assert_eq!(code, 0, "{out}");
}

#[test]
fn report_json_locates_imported_findings_in_the_manifest() {
    let dir = setup(MANIFEST, SPEC);
    let out = Command::cargo_bin("memmath")
        .unwrap()
        .current_dir(dir.path())
        .args(["report", "spec.yaml", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "MEM003")
        .unwrap();
    assert_eq!(f["file"], "deploy/vllm.yaml");
    assert_eq!(f["line"], 14);
    // The imported value is the one the plan used.
    assert_eq!(
        v["kv_cache"]["max_model_len_that_fits"]
            .as_u64()
            .map(|n| n < 131_072),
        Some(true)
    );
}

#[test]
fn unreadable_or_ambiguous_deployment_files_are_findings() {
    let dir = setup(
        MANIFEST,
        &SPEC.replace("deploy/vllm.yaml", "deploy/missing.yaml"),
    );
    let (code, out) = check(dir.path(), "concise");
    assert_eq!(code, 1);
    assert!(out.contains("spec.yaml:14:3: IMP006 [error] the deployment file `deploy/missing.yaml` cannot be read"), "{out}");

    let two = format!(
        "{MANIFEST}---\n{}",
        MANIFEST.replace("name: llama", "name: other")
    );
    let dir = setup(&two, SPEC);
    let (code, out) = check(dir.path(), "concise");
    assert_eq!(code, 1);
    assert!(
        out.contains(
            "IMP006 [error] `deploy/vllm.yaml` holds 2 engine pools (llama-vllm, other-vllm)"
        ),
        "{out}"
    );
    let dir = setup(&two, &format!("{SPEC}  container: other-vllm\n"));
    let (_, out) = check(dir.path(), "concise");
    assert!(out.contains("MEM003"), "{out}");
}

#[test]
fn deployment_env_resolves_variables() {
    let manifest = MANIFEST.replace(
        "              value: \"131072\"\n",
        "              valueFrom: {configMapKeyRef: {name: c, key: len}}\n",
    );
    let dir = setup(&manifest, SPEC);
    let (_, out) = check(dir.path(), "concise");
    assert!(
        out.contains("IMP001 [error] `--max-model-len` is set from `$MAX_LEN`"),
        "{out}"
    );
    let dir = setup(&manifest, &format!("{SPEC}  env: {{MAX_LEN: 4096}}\n"));
    let (code, out) = check(dir.path(), "concise");
    assert!(!out.contains("IMP001") && !out.contains("MEM003"), "{out}");
    assert_eq!(code, 0, "{out}");
}
