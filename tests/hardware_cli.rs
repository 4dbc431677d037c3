//! `memmath verify` end to end: the no-NVML path (this project's machines have
//! no NVIDIA driver), snapshot files in and out, and their errors.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

const SPEC: &str = "tests/fixtures/hardware/inline-h100.yaml";
const IDLE: &str = "tests/fixtures/snapshots/h100x8-idle.json";

fn memmath() -> Command {
    let mut cmd = Command::cargo_bin("memmath").expect("binary builds");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd.env_remove("MEMMATH_NVML_LIBRARY");
    cmd
}

/// True on a machine with an NVIDIA driver, where NVML may load.
fn has_driver() -> bool {
    Path::new("/dev/nvidiactl").exists()
}

#[test]
fn verify_without_nvml_exits_2_naming_libnvidia_ml() {
    if has_driver() {
        return;
    }
    memmath()
        .args(["verify", SPEC])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("libnvidia-ml.so.1"))
        .stderr(predicate::str::contains("--probe-snapshot"))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn verify_with_an_unloadable_nvml_library_exits_2() {
    // Forces the no-NVML path even on a machine with a driver.
    memmath()
        .env("MEMMATH_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1")
        .args(["verify", SPEC, "--format", "json"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("libnvidia-ml"))
        .stderr(predicate::str::contains("NVML is not available"));
}

#[test]
fn missing_spec_exits_2_before_probing() {
    memmath()
        .args(["verify", "tests/fixtures/hardware/no-such.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such.yaml"));
}

#[test]
fn missing_snapshot_file_exits_2_naming_it() {
    memmath()
        .args(["verify", SPEC, "--probe-snapshot", "no-such-snapshot.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-snapshot.json"))
        .stderr(predicate::str::contains("cannot read snapshot"));
}

#[test]
fn invalid_snapshot_exits_2_naming_the_file_and_the_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"format": "memmath-gpu-snapshot", "version": 9}"#).expect("write");
    memmath()
        .args(["verify", SPEC, "--probe-snapshot"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.json: invalid GPU snapshot"))
        .stderr(predicate::str::contains("version 9 is not supported"));
}

#[test]
fn save_snapshot_round_trips_a_probed_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let saved = dir.path().join("saved.json");
    let out = memmath()
        .args(["verify", SPEC, "--probe-snapshot", IDLE, "--save-snapshot"])
        .arg(&saved)
        .output()
        .expect("runs");
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let original = std::fs::read_to_string(IDLE).expect("fixture");
    let written = std::fs::read_to_string(&saved).expect("saved");
    assert_eq!(written, original);
    // And the saved file is accepted as a probe in turn.
    let again = memmath()
        .args(["verify", SPEC, "--probe-snapshot"])
        .arg(&saved)
        .output()
        .expect("runs");
    assert_ne!(again.status.code(), Some(2));
}

#[test]
fn json_output_is_one_object_with_findings() {
    let out = memmath()
        .args(["verify", SPEC, "--probe-snapshot", IDLE, "--format", "json"])
        .output()
        .expect("runs");
    assert_ne!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["file"], SPEC);
    assert!(v["findings"].is_array());
    assert!(v.get("hardware").is_some());
}

#[test]
fn unwritable_save_path_exits_2() {
    memmath()
        .args([
            "verify",
            SPEC,
            "--probe-snapshot",
            IDLE,
            "--save-snapshot",
            "/nonexistent-dir/snap.json",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot write snapshot"));
}

const H100_SPEC: &str = "specs/llama-3.1-8b-h100.yaml";
const BUSY: &str = "tests/fixtures/snapshots/h100x1-busy.json";

fn json_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn verify_example_spec_on_an_idle_matching_machine_passes() {
    memmath()
        .args(["verify", H100_SPEC, "--probe-snapshot", IDLE])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Live hardware: "))
        .stdout(predicate::str::contains("Probed from nvml"))
        .stdout(predicate::str::contains("Re-planned on GPU 0"));
}

#[test]
fn verify_busy_machine_reports_hw003_located_in_the_spec() {
    let out = memmath()
        .args([
            "verify",
            H100_SPEC,
            "--probe-snapshot",
            BUSY,
            "--format",
            "json",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let v = json_of(&out);
    let f = v["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == "HW003"))
        .cloned()
        .expect("HW003");
    assert_eq!(f["file"], H100_SPEC);
    assert_eq!(f["pointer"], "/serving/gpu_memory_utilization");
    assert!(f["line"].as_u64().is_some_and(|l| l > 1));
    assert!(f["message"]
        .as_str()
        .is_some_and(|m| m.contains("pid 4242 `python3` (38,912 MiB)")));
    assert_eq!(v["hardware"]["device_count"], 1);
}

#[test]
fn verify_observe_reports_what_the_pid_holds() {
    let out = memmath()
        .args([
            "verify",
            H100_SPEC,
            "--probe-snapshot",
            BUSY,
            "--observe",
            "4242",
        ])
        .args(["--format", "json"])
        .output()
        .expect("runs");
    let v = json_of(&out);
    assert_eq!(v["observed"]["pids"], serde_json::json!([4242]));
    assert_eq!(v["observed"]["devices"][0]["index"], 0);
    assert_eq!(
        v["observed"]["devices"][0]["used_bytes"],
        38_912u64 * 1024 * 1024
    );
}

#[test]
fn check_hardware_adds_hw_findings_and_fails_cleanly_without_nvml() {
    memmath()
        .args(["check", H100_SPEC, "--probe-snapshot", BUSY])
        .args(["--output-format", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("HW003"));
    memmath()
        .args(["check", H100_SPEC, "--probe-snapshot", IDLE])
        .assert()
        .code(0);
    memmath()
        .env("MEMMATH_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1")
        .args(["check", H100_SPEC, "--hardware"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("libnvidia-ml"));
}

#[test]
fn report_hardware_adds_the_live_section_in_every_format() {
    let md = memmath()
        .args([
            "report",
            H100_SPEC,
            "--probe-snapshot",
            BUSY,
            "--format",
            "md",
        ])
        .output()
        .expect("runs");
    assert_eq!(md.status.code(), Some(0));
    let text = String::from_utf8_lossy(&md.stdout);
    let live = text.find("## Live hardware: ").expect("live section");
    let footer = text.rfind("\n---\n").expect("footer");
    assert!(live < footer, "section goes before the footer");
    assert!(text.contains("HW003"));
    assert!(text.contains("pid 4242 python3 (38,912 MiB)"));

    let html = memmath()
        .args([
            "report",
            H100_SPEC,
            "--probe-snapshot",
            BUSY,
            "--format",
            "html",
        ])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&html.stdout);
    let live = text
        .find("<section class=\"live-hardware\">")
        .expect("live");
    assert!(live < text.rfind("</body>").expect("body"));

    let json = memmath()
        .args([
            "report",
            H100_SPEC,
            "--probe-snapshot",
            BUSY,
            "--format",
            "json",
        ])
        .output()
        .expect("runs");
    let v = json_of(&json);
    assert_eq!(v["hardware"]["devices"][0]["name"], "NVIDIA H100 80GB HBM3");
    assert!(v["findings"]
        .as_array()
        .is_some_and(|a| a.iter().any(|f| f["code"] == "HW003")));

    memmath()
        .env("MEMMATH_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1")
        .args(["report", H100_SPEC, "--hardware"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("libnvidia-ml"));
}

const GEMMA_SPEC: &str = "specs/gemma-3-27b-2xh100.yaml";
const HOSTILE_GPU: &str = "<img src=x onerror=alert(1)>|[x](javascript:alert(1))";
const HOSTILE_PROCESS: &str = "<script>alert(1)</script>|*x*";

/// A two-GPU snapshot whose device and process names are markup.
fn hostile_snapshot(dir: &Path) -> String {
    let device = |index: u32, processes: serde_json::Value| {
        serde_json::json!({
            "index": index,
            "name": HOSTILE_GPU,
            "memory": {
                "total_bytes": 85_520_809_984u64,
                "free_bytes": 43_686_821_888u64,
                "used_bytes": 41_833_988_096u64
            },
            "processes": processes
        })
    };
    let snap = serde_json::json!({
        "format": "memmath-gpu-snapshot",
        "version": 1,
        "source": "nvml",
        "devices": [
            device(0, serde_json::json!([
                { "pid": 4242, "name": HOSTILE_PROCESS, "used_bytes": 40_802_189_312u64 }
            ])),
            device(1, serde_json::json!([])),
        ]
    });
    let path = dir.join("hostile.json");
    std::fs::write(&path, snap.to_string()).expect("write snapshot");
    path.to_string_lossy().into_owned()
}

/// Byte ranges of each spec's part of a rendered report: from its start
/// marker to the next spec's, the last one to `end`.
fn parts(text: &str, starts: &[&str], end: &str) -> Vec<std::ops::Range<usize>> {
    let mut at: Vec<usize> = starts
        .iter()
        .map(|s| text.find(s).unwrap_or_else(|| panic!("{s} in the report")))
        .collect();
    at.push(text.rfind(end).expect("end marker"));
    let mut sorted = at.clone();
    sorted.sort_unstable();
    at[..starts.len()]
        .iter()
        .map(|&a| {
            let next = sorted.iter().copied().find(|&b| b > a).expect("next part");
            a..next
        })
        .collect()
}

fn report_two_specs(snapshot: &str, format: &str) -> String {
    let out = memmath()
        .args([
            "report",
            H100_SPEC,
            GEMMA_SPEC,
            "--probe-snapshot",
            snapshot,
        ])
        .args(["--format", format])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn report_hardware_puts_each_live_section_in_its_own_spec_and_escapes_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = hostile_snapshot(dir.path());
    let titles = [
        format!("Live hardware: chat-8b ({H100_SPEC})"),
        format!("Live hardware: gemma3-27b ({GEMMA_SPEC})"),
    ];

    let md = report_two_specs(&snap, "md");
    let ranges = parts(&md, &["\n## chat-8b\n", "\n## gemma3-27b\n"], "\n---\n");
    for (title, range) in titles.iter().zip(&ranges) {
        let heading = format!("\n### {title}\n");
        assert_eq!(md.matches(&heading).count(), 1, "{heading}");
        let at = md.find(&heading).expect("live section");
        assert!(range.contains(&at), "{title} inside its spec's part");
        let findings = md[range.clone()].find("### Findings").expect("findings");
        assert!(at < range.start + findings, "{title} before the findings");
    }
    // `\<` is a literal `<` in Markdown: only an unescaped one starts a tag.
    let tags = md.replace("\\<", "");
    assert!(!tags.contains("<script") && !md.contains("<img src=x onerror=alert(1)>|"));
    // The device name is a code span (GFM prints its `<` literally; `|` cannot
    // split the table row); the process name is escaped text.
    assert!(md.contains("| 0 | `<img src=x onerror=alert(1)>\\|[x](javascript:alert(1))` | yes |"));
    assert!(md.contains(
        "- GPU 0 memory held by: pid 4242 \\<script>alert(1)\\</script>\\|\\*x\\* (38,912 MiB)"
    ));

    let html = report_two_specs(&snap, "html");
    let ranges = parts(
        &html,
        &[
            "<section class=\"spec\" id=\"spec-chat-8b\">",
            "<section class=\"spec\" id=\"spec-gemma3-27b\">",
        ],
        "<footer>",
    );
    for (title, range) in titles.iter().zip(&ranges) {
        let escaped = title.replace('/', "&#x2f;");
        let heading = format!("<section class=\"live-hardware\">\n<h3>{escaped}</h3>");
        assert_eq!(html.matches(&heading).count(), 1, "{heading}");
        let at = html.find(&heading).expect("live section");
        assert!(range.contains(&at), "{title} inside its spec's part");
    }
    assert_eq!(html.matches("<section class=\"live-hardware\">").count(), 2);
    assert!(!html.contains("<script") && !html.contains("<img"));
    assert!(html.contains("<td>&lt;img src=x onerror=alert(1)&gt;|[x](javascript:alert(1))</td>"));
    assert!(html.contains("pid 4242 &lt;script&gt;alert(1)&lt;&#x2f;script&gt;|*x* (38,912 MiB)"));
}

#[test]
fn report_hardware_with_a_template_that_omits_the_section_prints_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = hostile_snapshot(dir.path());
    std::fs::write(
        dir.path().join("report.md.j2"),
        "{% for r in reports %}{{ r.name }}: {{ r.verdict.status }}\n{% endfor %}",
    )
    .expect("write template");
    let out = memmath()
        .args([
            "report",
            H100_SPEC,
            "--probe-snapshot",
            &snap,
            "--template-dir",
        ])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // GPU 0 has 38 GiB held by another process: an HW error finding, which
    // blocks the verdict (docs/reports.md, "What a report contains").
    assert_eq!(String::from_utf8_lossy(&out.stdout), "chat-8b: blocked\n");
}

#[test]
fn hardware_output_is_deterministic() {
    let run = || {
        memmath()
            .args([
                "report",
                H100_SPEC,
                "--probe-snapshot",
                BUSY,
                "--format",
                "md",
            ])
            .output()
            .expect("runs")
            .stdout
    };
    assert_eq!(run(), run());
}

#[test]
fn hw_names_are_known_to_suppressions_with_or_without_hardware() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(H100_SPEC).expect("spec");
    let suppressed = text.replacen(
        "  gpu_memory_utilization:",
        "  # memmath: ignore[free-memory-below-plan] a notebook shares this GPU\n  gpu_memory_utilization:",
        1,
    );
    let spec = dir.path().join("by-name.yaml");
    std::fs::write(&spec, suppressed).expect("write");
    for extra in [&[][..], &["--probe-snapshot", BUSY][..]] {
        let out = memmath()
            .arg("check")
            .arg(&spec)
            .args(["--output-format", "concise"])
            .args(extra)
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains("SUP00"), "{extra:?}: {stdout}");
        assert!(!stdout.contains("HW003"), "{extra:?}: {stdout}");
    }
}

#[test]
fn hw_findings_honour_inline_suppressions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(H100_SPEC).expect("spec");
    let suppressed = text.replacen(
        "  gpu_memory_utilization:",
        "  # memmath: ignore[HW003] a notebook shares this GPU on purpose\n  gpu_memory_utilization:",
        1,
    );
    assert_ne!(
        suppressed, text,
        "the example spec sets gpu_memory_utilization"
    );
    let spec = dir.path().join("suppressed.yaml");
    std::fs::write(&spec, suppressed).expect("write");
    for cmd in ["check", "verify"] {
        let out = memmath()
            .arg(cmd)
            .arg(&spec)
            .args(["--probe-snapshot", BUSY])
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains("HW003"), "{cmd}: {stdout}");
        assert!(!stdout.contains("SUP001"), "{cmd}: {stdout}");
        // The one-GPU machine still fails the two-GPU spec: HW002 is not suppressed.
        assert!(stdout.contains("HW002"), "{cmd}: {stdout}");
        assert_eq!(out.status.code(), Some(1), "{cmd}: {stdout}");
    }
}

#[test]
fn rule_documents_hw_codes() {
    memmath()
        .args(["rule", "HW003"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("# HW003 free-memory-below-plan"))
        .stdout(predicate::str::contains("## How to fix"));
    memmath()
        .args(["rule", "mig-enabled", "--output-format", "json"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"code\": \"HW005\""));
    memmath()
        .args(["rule", "--all"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "# HW006 dtype-unsupported-on-device",
        ));
}

#[test]
fn catalogue_gpu_spec_matches_its_own_board_only() {
    let spec = "specs/deepseek-v3-8xh200.yaml";
    memmath()
        .args(["verify", spec, "--probe-snapshot"])
        .arg("tests/fixtures/snapshots/h200x8-idle.json")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("All checks passed"));
    memmath()
        .args(["verify", spec, "--probe-snapshot", IDLE])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("HW001"))
        .stdout(predicate::str::contains("HW004"));
}

#[test]
fn gpu_check_script_runs_every_example_spec_from_a_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = assert_cmd::cargo::cargo_bin("memmath");
    let out = std::process::Command::new("bash")
        .arg("scripts/gpu-check.sh")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("MEMMATH_BIN", &bin)
        .env("MEMMATH_PROBE_SNAPSHOT", IDLE)
        .env("MEMMATH_GPU_CHECK_OUT", dir.path())
        .env_remove("MEMMATH_NVML_LIBRARY")
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let specs = std::fs::read_dir("specs")
        .expect("specs/")
        .filter_map(Result::ok)
        .filter(|e| {
            e.path()
                .extension()
                .is_some_and(|x| x == "yaml" || x == "yml")
        })
        .count();
    assert!(specs > 0);
    assert_eq!(stdout.matches("== verify ").count(), specs);
    assert_eq!(stdout.matches("== report --hardware ").count(), specs);
    assert!(dir.path().join("snapshot.json").is_file());
}

#[test]
fn hw_findings_follow_select_ignore_and_memmath_toml() {
    let concise = |extra: &[&str]| {
        let out = memmath()
            .args(["check", H100_SPEC, "--probe-snapshot", BUSY])
            .args(["--output-format", "concise"])
            .args(extra)
            .output()
            .expect("runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let ignored = concise(&["--ignore", "HW003"]);
    assert!(
        !ignored.contains("HW003") && ignored.contains("HW002"),
        "{ignored}"
    );
    let selected = concise(&["--select", "free-memory-below-plan"]);
    assert!(
        selected.contains("HW003") && !selected.contains("HW002"),
        "{selected}"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let spec = dir.path().join("spec.yaml");
    std::fs::copy(H100_SPEC, &spec).expect("copy spec");
    std::fs::write(
        dir.path().join("memmath.toml"),
        "[severity]\nHW003 = \"warning\"\nHW002 = \"off\"\n",
    )
    .expect("write config");
    let out = memmath()
        .arg("check")
        .arg(&spec)
        .args(["--probe-snapshot", BUSY, "--output-format", "concise"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("HW003 [warning]"), "{text}");
    assert!(!text.contains("HW002"), "{text}");
    assert_eq!(out.status.code(), Some(0), "{text}");
}

#[test]
fn verify_reads_the_nearest_memmath_toml() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = dir.path().join("spec.yaml");
    std::fs::copy(H100_SPEC, &spec).expect("copy spec");
    std::fs::write(
        dir.path().join("memmath.toml"),
        "[severity]\nHW002 = \"off\"\nHW003 = \"info\"\n",
    )
    .expect("write config");
    memmath()
        .arg("verify")
        .arg(&spec)
        .args(["--probe-snapshot", BUSY])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("HW003"))
        .stdout(predicate::str::contains("HW002").not());
}
