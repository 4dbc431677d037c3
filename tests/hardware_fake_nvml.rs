//! The NVML success path, end to end: the real `memmath` binary loads the fake
//! `libnvidia-ml.so.1` (tools/fake-nvml, built by scripts/fake-nvml.sh) from
//! `LD_LIBRARY_PATH` and probes a machine described by a snapshot file. Every
//! HW code fires from the real probe, and `verify SPEC` through the library
//! gives exactly the findings of `verify SPEC --probe-snapshot` on the same
//! file.

use assert_cmd::Command;
use memmath::codes::{self, Kind};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const SPEC: &str = "tests/fixtures/hardware/llama-8b-h100.yaml";
const SNAPSHOTS: &str = "tests/fixtures/snapshots";

/// The folder holding the fake libnvidia-ml.so.1, built once per test binary.
fn fake_nvml_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = std::process::Command::new("bash")
            .arg("scripts/fake-nvml.sh")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("CARGO", env!("CARGO"))
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "scripts/fake-nvml.sh failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dir = PathBuf::from(String::from_utf8(out.stdout).expect("utf-8 path").trim());
        assert!(dir.join("libnvidia-ml.so.1").is_file(), "{dir:?}");
        dir
    })
}

fn snapshot_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(SNAPSHOTS)
        .join(format!("{name}.json"))
}

/// `memmath` with NVML answering from `snapshot` (and nothing else steering
/// the probe: no library override, no CUDA_VISIBLE_DEVICES, no failures).
fn through_fake(snapshot: &Path) -> Command {
    let mut cmd = Command::cargo_bin("memmath").expect("binary builds");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("LD_LIBRARY_PATH", fake_nvml_dir())
        .env("MEMMATH_FAKE_NVML", snapshot)
        .env_remove("MEMMATH_FAKE_NVML_FAIL")
        .env_remove("MEMMATH_NVML_LIBRARY")
        .env_remove("CUDA_VISIBLE_DEVICES");
    cmd
}

fn from_file() -> Command {
    let mut cmd = Command::cargo_bin("memmath").expect("binary builds");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("memmath runs");
    let run = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

fn json(r: &Run) -> Value {
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\nstderr: {}", r.stdout, r.stderr))
}

fn codes_of(v: &Value) -> BTreeSet<String> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().expect("code").to_string())
        .collect()
}

/// A snapshot the way the NVML probe reports it: from source `nvml`, with
/// processes in pid order (NVML's lists are merged by pid), which a
/// hand-written fixture need not follow.
fn nvml_order(mut snap: Value) -> Value {
    snap["source"] = json!("nvml");
    for d in snap["devices"].as_array_mut().into_iter().flatten() {
        if let Some(list) = d["processes"].as_array_mut() {
            list.sort_by_key(|p| p["pid"].as_u64());
        }
    }
    snap
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("reads")).expect("JSON")
}

/// `verify --format json` of `spec` through the fake NVML on `snapshot`.
fn verify_fake(spec: &str, snapshot: &Path, extra: &[&str]) -> (Run, Value) {
    let r = run(through_fake(snapshot)
        .args(["verify", spec, "--format", "json"])
        .args(extra));
    assert_ne!(r.code, Some(2), "{}", r.stderr);
    let v = json(&r);
    (r, v)
}

/// A fixture snapshot with `edit` applied, written to `dir`.
fn edited(dir: &Path, fixture: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let mut v = read_json(&snapshot_path(fixture));
    edit(&mut v);
    let path = dir.join(format!("{fixture}-edited.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&v).expect("serializes")).expect("writes");
    path
}

/// The hardware fixture spec with `from` replaced by `to`, written to `dir`.
fn spec_with(dir: &Path, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(SPEC))
        .expect("fixture spec");
    assert!(text.contains(from), "{from:?} not in the fixture spec");
    let path = dir.join("spec.yaml");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("writes");
    path.to_str().expect("utf-8 temp path").to_string()
}

#[test]
fn verify_through_the_library_gives_the_findings_of_the_snapshot_file() {
    let specs = [
        SPEC,
        "tests/fixtures/hardware/inline-h100.yaml",
        "specs/deepseek-v3-8xh200.yaml",
        "specs/llama-3.1-70b-fp8-4xh100.yaml",
    ];
    for fixture in ["h100x8-idle", "h100x1-busy", "a100x4-mig", "h200x8-idle"] {
        let file = snapshot_path(fixture);
        for spec in specs {
            let fake = run(through_fake(&file).args(["verify", spec, "--format", "json"]));
            let replay = run(from_file()
                .args(["verify", spec, "--format", "json", "--probe-snapshot"])
                .arg(&file));
            assert_eq!(
                fake.code, replay.code,
                "{spec} on {fixture}: {}",
                fake.stderr
            );
            let (f, r) = (json(&fake), json(&replay));
            assert_eq!(f["findings"], r["findings"], "{spec} on {fixture}");
            assert_eq!(f["observed"], r["observed"], "{spec} on {fixture}");
            assert_eq!(
                f["hardware"],
                nvml_order(r["hardware"].clone()),
                "{spec} on {fixture}"
            );
        }
    }
}

#[test]
fn save_snapshot_through_the_library_writes_the_file_it_answered_from() {
    let dir = tempfile::tempdir().expect("tempdir");
    for fixture in ["h100x8-idle", "h100x1-busy", "a100x4-mig", "h200x8-idle"] {
        let saved = dir.path().join(format!("{fixture}.json"));
        let r = run(through_fake(&snapshot_path(fixture))
            .args(["verify", SPEC, "--save-snapshot"])
            .arg(&saved));
        assert_ne!(r.code, Some(2), "{}", r.stderr);
        assert_eq!(
            read_json(&saved),
            nvml_order(read_json(&snapshot_path(fixture))),
            "{fixture}"
        );
    }
}

#[test]
fn matching_machine_passes() {
    for (spec, machine) in [
        (SPEC, "h100x8-idle"),
        ("specs/deepseek-v3-8xh200.yaml", "h200x8-idle"),
    ] {
        let (r, v) = verify_fake(spec, &snapshot_path(machine), &[]);
        assert_eq!(r.code, Some(0), "{spec} on {machine}: {}", r.stdout);
        let hw: Vec<String> = codes_of(&v)
            .into_iter()
            .filter(|c| c.starts_with("HW"))
            .collect();
        assert!(hw.is_empty(), "{spec} on {machine}: {hw:?}");
        assert_eq!(v["hardware"]["source"], "nvml");
    }
}

/// Each HW code from a scenario the issue names; together they cover the
/// registry's HW codes, so a new HW code without a scenario here fails.
#[test]
fn every_hw_code_fires_from_the_real_probe() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut seen = BTreeSet::new();
    let mut expect = |spec: &str, snapshot: &Path, code: &str| {
        let (_, v) = verify_fake(spec, snapshot, &[]);
        let got = codes_of(&v);
        assert!(
            got.contains(code),
            "{code} from {spec} on {snapshot:?}: {got:?}"
        );
        seen.extend(got.into_iter().filter(|c| c.starts_with("HW")));
        v
    };

    // Wrong GPU: an H200 spec on H100s (HW001), whose NVML total also differs
    // from the catalogue's H200 (HW004).
    let v = expect(
        "specs/deepseek-v3-8xh200.yaml",
        &snapshot_path("h100x8-idle"),
        "HW001",
    );
    assert!(codes_of(&v).contains("HW004"));

    // Fewer GPUs: two tensor-parallel ranks on a one-GPU machine.
    let one = edited(dir.path(), "h100x8-idle", |v| {
        v["devices"].as_array_mut().expect("devices").truncate(1)
    });
    let tp2 = spec_with(dir.path(), "  tensor: 1", "  tensor: 2");
    expect(&tp2, &one, "HW002");

    // Less free memory, held by other processes (names from
    // nvmlSystemGetProcessName).
    let v = expect(SPEC, &snapshot_path("h100x1-busy"), "HW003");
    let hw003 = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == "HW003")
        .expect("HW003");
    let message = hw003["message"].as_str().expect("message");
    assert!(message.contains("pid 4242 `python3`"), "{message}");
    assert!(message.contains("pid 977 `jupyter-lab`"), "{message}");

    // Less free memory with no process attributed: the memory is simply gone.
    let squeezed = edited(dir.path(), "h100x8-idle", |v| {
        let m = &mut v["devices"][0]["memory"];
        m["free_bytes"] = json!(10u64 << 30);
        m["used_bytes"] = json!(m["total_bytes"].as_u64().expect("total") - (10u64 << 30));
    });
    expect(SPEC, &squeezed, "HW003");

    // A board with more memory than the catalogue's (an H100 NVL's 94 GB).
    let nvl = edited(dir.path(), "h100x8-idle", |v| {
        for d in v["devices"].as_array_mut().expect("devices") {
            d["memory"]["total_bytes"] = json!(95_830u64 << 20);
        }
    });
    expect(SPEC, &nvl, "HW004");

    // MIG enabled.
    expect(SPEC, &snapshot_path("a100x4-mig"), "HW005");

    // An FP8 KV cache on an Ampere-class compute capability.
    let ampere = edited(dir.path(), "h100x8-idle", |v| {
        for d in v["devices"].as_array_mut().expect("devices") {
            d["compute_capability"] = json!("8.6");
        }
    });
    let fp8 = spec_with(
        dir.path(),
        "  max_model_len: 8192",
        "  max_model_len: 8192\n  kv_cache_dtype: fp8",
    );
    expect(&fp8, &ampere, "HW006");

    let registry: BTreeSet<String> = codes::all()
        .iter()
        .filter(|c| c.kind == Kind::Hardware)
        .map(|c| c.code.to_string())
        .collect();
    assert_eq!(seen, registry);
}

#[test]
fn processes_nvml_cannot_list_are_said_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hidden = edited(dir.path(), "h100x1-busy", |v| {
        v["devices"][0]["processes"] = Value::Null;
    });
    let saved = dir.path().join("saved.json");
    let (_, v) = verify_fake(SPEC, &hidden, &["--save-snapshot", path_str(&saved)]);
    let text = v["findings"].to_string();
    assert!(text.contains("NVML could not list the processes"), "{text}");
    assert_eq!(read_json(&saved)["devices"][0]["processes"], Value::Null);
}

#[test]
fn check_and_report_hardware_run_through_the_library() {
    let busy = snapshot_path("h100x1-busy");
    for format in ["concise", "json", "full"] {
        let fake =
            run(through_fake(&busy).args(["check", SPEC, "--hardware", "--output-format", format]));
        let replay = run(from_file()
            .args(["check", SPEC, "--output-format", format, "--probe-snapshot"])
            .arg(&busy));
        assert_eq!(fake.code, Some(1), "{}", fake.stderr);
        assert!(fake.stdout.contains("HW003"), "{}", fake.stdout);
        if format != "json" {
            assert_eq!(fake.stdout, replay.stdout, "check --output-format {format}");
        }
    }
    for format in ["md", "json", "html"] {
        let fake =
            run(through_fake(&busy).args(["report", SPEC, "--hardware", "--format", format]));
        assert_ne!(fake.code, Some(2), "{}", fake.stderr);
        assert!(fake.stdout.contains("HW003"), "report --format {format}");
        assert!(fake.stdout.contains("4242"), "report --format {format}");
    }
}

#[test]
fn observe_sums_what_a_running_process_holds() {
    // A real process, so the pid exists when memmath walks /proc for it.
    let mut child = std::process::Command::new("sleep")
        .arg("60")
        .spawn()
        .expect("sleep starts");
    let pid = child.id();
    let dir = tempfile::tempdir().expect("tempdir");
    let held: u64 = 61_000 << 20;
    let snap = edited(dir.path(), "h100x8-idle", |v| {
        let d = &mut v["devices"][1];
        d["processes"] = json!([{"pid": pid, "name": "python3", "used_bytes": held}]);
        let total = d["memory"]["total_bytes"].as_u64().expect("total");
        d["memory"]["used_bytes"] = json!(held);
        d["memory"]["free_bytes"] = json!(total - held);
    });
    let (_, v) = verify_fake(SPEC, &snap, &["--observe", &pid.to_string()]);
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        v["observed"]["pids"]
            .as_array()
            .expect("pids")
            .contains(&json!(pid)),
        "{v}"
    );
    let devices = v["observed"]["devices"].as_array().expect("devices");
    assert_eq!(devices.len(), 1, "{v}");
    assert_eq!(devices[0]["index"], 1);
    assert_eq!(devices[0]["used_bytes"], held);
}

#[test]
fn an_nvml_call_failing_midway_is_a_tool_failure_naming_it() {
    let idle = snapshot_path("h100x8-idle");
    // GPU_IS_LOST (15) on the fourth device's memory query, after three
    // devices answered.
    let r = run(through_fake(&idle)
        .env("MEMMATH_FAKE_NVML_FAIL", "nvmlDeviceGetMemoryInfo_v2@3=15")
        .args(["verify", SPEC]));
    assert_eq!(r.code, Some(2), "{}", r.stdout);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.contains("NVML query failed: device 3 memory"),
        "{}",
        r.stderr
    );
    for (call, says) in [
        ("nvmlDeviceGetCount_v2", "device count"),
        ("nvmlDeviceGetHandleByIndex_v2@2", "device 2"),
        ("nvmlDeviceGetName@0", "device 0 name"),
    ] {
        let r = run(through_fake(&idle)
            .env("MEMMATH_FAKE_NVML_FAIL", call)
            .args(["check", SPEC, "--hardware"]));
        assert_eq!(r.code, Some(2), "{call}: {}", r.stdout);
        assert!(r.stderr.contains(says), "{call}: {}", r.stderr);
    }
    // Init failing is "NVML is not available", as on a machine without a driver.
    let r = run(through_fake(&idle)
        .env("MEMMATH_FAKE_NVML_FAIL", "nvmlInit_v2=9")
        .args(["report", SPEC, "--hardware"]));
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("NVML is not available"), "{}", r.stderr);
}

#[test]
fn optional_queries_failing_leave_their_fields_unknown() {
    // MIG mode, UUID, compute capability and the process lists are optional:
    // a failure there is "NVML could not say", never a tool failure.
    let dir = tempfile::tempdir().expect("tempdir");
    let saved = dir.path().join("saved.json");
    let r = run(through_fake(&snapshot_path("a100x4-mig"))
        .env(
            "MEMMATH_FAKE_NVML_FAIL",
            "nvmlDeviceGetMigMode=3,nvmlDeviceGetUUID@0=3,nvmlDeviceGetCudaComputeCapability=3,\
             nvmlDeviceGetComputeRunningProcesses_v3@1=4,nvmlDeviceGetGraphicsRunningProcesses_v3@1=4,\
             nvmlDeviceGetComputeRunningProcesses_v3@2=4",
        )
        .args(["verify", SPEC, "--format", "json", "--save-snapshot"])
        .arg(&saved));
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(!codes_of(&json(&r)).contains("HW005"), "{}", r.stdout);
    let devices = &read_json(&saved)["devices"];
    assert_eq!(devices[0]["uuid"], Value::Null);
    let fixture = read_json(&snapshot_path("a100x4-mig"));
    assert_eq!(devices[1]["uuid"], fixture["devices"][1]["uuid"]);
    assert!(devices[1]["uuid"].is_string());
    assert_eq!(devices[0]["mig"], Value::Null);
    assert_eq!(devices[0]["compute_capability"], Value::Null);
    // Both lists failing: unknown. One failing: what the other said.
    assert_eq!(devices[1]["processes"], Value::Null);
    assert_eq!(devices[2]["processes"], json!([]));
}

#[test]
fn cuda_visible_devices_narrows_the_probed_gpus() {
    // The engine started from this shell sees only GPU 0 of the one-GPU-per-
    // replica spec at tensor 2: HW002 from the real probe's narrowing.
    let dir = tempfile::tempdir().expect("tempdir");
    let tp2 = spec_with(dir.path(), "  tensor: 1", "  tensor: 2");
    let r = run(through_fake(&snapshot_path("h100x8-idle"))
        .env("CUDA_VISIBLE_DEVICES", "0")
        .args(["verify", &tp2, "--format", "json"]));
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(codes_of(&json(&r)).contains("HW002"));
}

#[test]
fn output_through_the_library_is_deterministic() {
    let busy = snapshot_path("h100x1-busy");
    let a = run(through_fake(&busy).args(["verify", SPEC]));
    let b = run(through_fake(&busy).args(["verify", SPEC]));
    assert_eq!(a.stdout, b.stdout);
    assert!(!a.stdout.is_empty());
}
