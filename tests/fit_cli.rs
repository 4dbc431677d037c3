//! `memmath fit` end to end: every example spec gets ranked feasible layouts
//! (exit 0), the JSON contract's keys, an infeasible spec exits 1 with its
//! explanation, bad flags and price files exit 2 with located messages, and
//! the printed patch applies to the spec with `git apply`.

mod common;

use assert_cmd::Command;
use std::path::Path;

fn memmath() -> Command {
    Command::cargo_bin("memmath").unwrap()
}

fn spec_path(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("specs")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn every_example_spec_gets_ranked_feasible_layouts() {
    for name in &common::example_specs() {
        let out = memmath().args(["fit", &spec_path(name)]).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("feasible layout"), "{name}: {stdout}");
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with("1*") || l.starts_with("1 ")),
            "{name}: {stdout}"
        );
    }
}

#[test]
fn json_follows_the_contract() {
    let out = memmath()
        .args([
            "fit",
            &spec_path("llama-3.1-70b-fp8-4xh100.yaml"),
            "--format",
            "json",
            "--top",
            "3",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["feasible"], true);
    assert!(v["searched"].as_u64().unwrap() > 0);
    let c = v["candidates"].as_array().unwrap();
    assert_eq!(c.len(), 3);
    for (i, cand) in c.iter().enumerate() {
        assert_eq!(cand["rank"], i + 1);
        assert!(cand["gpus"].as_u64().unwrap() >= 1);
        assert!(cand["cost_per_hour"].is_null(), "no prices: null");
        let spare = cand["spare_fraction"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&spare));
        assert!(["weights", "kv", "concurrency", "none"].contains(&cand["limit"].as_str().unwrap()));
        assert!(cand["changes"].is_object());
    }
    assert!(v["patch"].as_str().unwrap().starts_with("--- a/"));
}

#[test]
fn prices_rank_by_cost_and_fill_cost_per_hour() {
    let dir = tempfile::tempdir().unwrap();
    let prices = dir.path().join("prices.toml");
    std::fs::write(
        &prices,
        "currency = \"USD\"\nh100-sxm-80gb = 2.50\na100-sxm-80gb = 1.00\n",
    )
    .unwrap();
    let out = memmath()
        .args([
            "fit",
            &spec_path("llama-3.1-8b-h100.yaml"),
            "--gpus",
            "h100-sxm-80gb,a100-sxm-80gb",
            "--objective",
            "cost",
            "--prices",
            prices.to_str().unwrap(),
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
    let c = v["candidates"].as_array().unwrap();
    let costs: Vec<f64> = c
        .iter()
        .map(|c| c["cost_per_hour"].as_f64().unwrap())
        .collect();
    assert!(costs.windows(2).all(|w| w[0] <= w[1]), "{costs:?}");
    assert_eq!(c[0]["changes"]["hardware.gpu"], "a100-sxm-80gb");
    assert_eq!(v["currency"], "USD");
}

#[test]
fn nothing_feasible_exits_one_and_says_what_would_help() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(spec_path("llama-3.1-70b-fp8-4xh100.yaml"))
        .unwrap()
        .replace("gpu: h100-sxm-80gb", "gpu: l4-24gb");
    let spec = dir.path().join("l4.yaml");
    std::fs::write(&spec, text).unwrap();
    let out = memmath()
        .args(["fit", spec.to_str().unwrap(), "--max-gpus", "4"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("No layout is feasible"), "{stdout}");
    assert!(stdout.contains("What would help"), "{stdout}");
    // 70B in fp8 needs more than four 24 GB cards; a larger GPU type helps.
    assert!(
        stdout.contains("`--gpus all`: 1 GPU with hardware.gpu="),
        "{stdout}"
    );
    let out = memmath()
        .args([
            "fit",
            spec.to_str().unwrap(),
            "--max-gpus",
            "4",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["feasible"], false);
    assert_eq!(v["candidates"].as_array().unwrap().len(), 0);
    assert!(!v["infeasible"]["helps"].as_array().unwrap().is_empty());
}

#[test]
fn bad_flags_and_price_files_exit_two_with_located_messages() {
    let spec = spec_path("llama-3.1-8b-h100.yaml");
    let run = |args: &[&str]| {
        let out = memmath().arg("fit").arg(&spec).args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, err) = run(&["--gpus", "h100-sxm"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("did you mean `h100-sxm-80gb`"), "{err}");
    let (code, err) = run(&["--objective", "cost"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--prices"), "{err}");
    let (code, _) = run(&["--max-gpus", "0"]);
    assert_eq!(code, Some(2));
    let (code, _) = run(&["--max-gpus", "-3"]);
    assert_eq!(code, Some(2));
    let (code, _) = run(&["--allow", "everything"]);
    assert_eq!(code, Some(2));
    let (code, err) = run(&["--gpus", "all,l4-24gb"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("alone"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let prices = dir.path().join("p.toml");
    std::fs::write(&prices, "h100-sxm-80gb = 2.5\nh100-sxm-80gb-typo = nan\n").unwrap();
    let (code, err) = run(&["--prices", prices.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(err.contains("p.toml: line 2, column 1"), "{err}");
    std::fs::write(&prices, "l4-24gb = 1.0\n").unwrap();
    let (code, err) = run(&["--prices", prices.to_str().unwrap(), "--objective", "cost"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no price for h100-sxm-80gb"), "{err}");

    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "apiVersion: memmath/v1\nkind: Serving\n").unwrap();
    let out = memmath()
        .args(["fit", broken.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SCH002"), "{err}");
}

#[test]
fn the_printed_patch_applies_with_git() {
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("git is not installed: the patch is checked by tests/fit_search.rs only");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(spec_path("llama-3.1-70b-fp8-4xh100.yaml")).unwrap();
    std::fs::write(dir.path().join("spec.yaml"), &text).unwrap();
    let out = memmath()
        .current_dir(dir.path())
        .args([
            "fit",
            "spec.yaml",
            "--format",
            "json",
            "--allow",
            "kv-fp8,max-model-len",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let patch = v["patch"].as_str().unwrap();
    std::fs::write(dir.path().join("best.patch"), patch).unwrap();
    let applied = std::process::Command::new("git")
        .current_dir(dir.path())
        .args(["apply", "best.patch"])
        .output()
        .unwrap();
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    // The patched spec passes check.
    let out = memmath()
        .current_dir(dir.path())
        .args(["check", "spec.yaml", "--output-format", "concise"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn report_alternatives_adds_the_top_k_in_every_format() {
    let spec = spec_path("llama-3.1-70b-fp8-4xh100.yaml");
    let run = |args: &[&str]| {
        let out = memmath()
            .arg("report")
            .arg(&spec)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let md = run(&["--alternatives", "3"]);
    let section = &md[md.find("## Alternatives").expect("section")..];
    let rows = section
        .lines()
        .take_while(|l| !l.starts_with("## Findings"))
        .filter(|l| l.starts_with("| 1") || l.starts_with("| 2") || l.starts_with("| 3"))
        .count();
    assert_eq!(rows, 3, "{section}");
    // The same numbers as `fit`.
    let fit: serde_json::Value = serde_json::from_slice(
        &memmath()
            .args(["fit", &spec, "--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let best_gpus = fit["candidates"][0]["gpus"].as_u64().unwrap();
    assert!(
        section.contains(&format!("the best layout uses {best_gpus} GPUs")),
        "{section}"
    );
    let html = run(&["--alternatives", "3", "--format", "html"]);
    assert!(html.contains("<h3>Alternatives</h3>"));
    assert!(html.contains("aria-label=\"GPUs vs spare KV of the alternative layouts\""));
    let json: serde_json::Value =
        serde_json::from_str(&run(&["--alternatives", "2", "--format", "json"])).unwrap();
    assert_eq!(
        json["alternatives"]["candidates"].as_array().unwrap().len(),
        2
    );
    assert_eq!(json["alternatives"]["candidates"][0], fit["candidates"][0]);
    // Without the flag, no section.
    assert!(!run(&[]).contains("Alternatives"));
    let out = memmath()
        .args(["report", &spec, "--alternatives", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn diff_says_when_the_head_is_no_longer_the_cheapest_layout() {
    let dir = tempfile::tempdir().unwrap();
    let base = spec_path("llama-3.1-8b-h100.yaml");
    let text = std::fs::read_to_string(&base).unwrap();
    assert!(text.contains("replicas: 2"));
    let head = dir.path().join("head.yaml");
    std::fs::write(&head, text.replace("replicas: 2", "replicas: 4")).unwrap();
    let out = memmath()
        .args(["diff", &base, head.to_str().unwrap()])
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("**The head is no longer the cheapest feasible layout:** it uses 4 GPUs; `memmath fit` finds a feasible layout with 2"),
        "{md}"
    );
    let out = memmath()
        .args(["diff", &base, head.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["cheapest"]["base_is_cheapest"], true);
    assert_eq!(v["cheapest"]["head_is_cheapest"], false);
    assert_eq!(v["cheapest"]["best_gpus"], 2);
    // A head that is the cheapest gets no note.
    let out = memmath().args(["diff", &base, &base]).output().unwrap();
    assert!(!String::from_utf8(out.stdout).unwrap().contains("cheapest"));
}
