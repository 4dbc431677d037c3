//! No output carries this machine's absolute paths unless the user typed one:
//! every command run from a folder on relative paths prints only relative
//! paths, including the memmath.toml it discovered above the spec.

use assert_cmd::Command;
use std::path::Path;

fn memmath(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("memmath").expect("binary builds");
    cmd.current_dir(dir).env("NO_COLOR", "1");
    cmd
}

fn spec_text() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hardware/llama-8b-h100.yaml"),
    )
    .expect("fixture")
}

/// Whether `text` names the temporary folder (as created, or canonical).
fn leaks(text: &str, dir: &Path) -> bool {
    let canonical = dir.canonicalize().expect("canonical");
    text.contains(&*dir.to_string_lossy()) || text.contains(&*canonical.to_string_lossy())
}

#[test]
fn relative_runs_print_no_absolute_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::create_dir_all(d.join("specs")).expect("mkdir");
    std::fs::write(d.join("specs/a.yaml"), spec_text()).expect("writes");
    std::fs::write(
        d.join("specs/bad.yaml"),
        "apiVersion: memmath/v1\nkind: Serving\nmodel: {preset: nope}\n",
    )
    .expect("writes");
    std::fs::write(d.join("memmath.toml"), "ignore = [\"HST001\"]\n").expect("writes");
    let snapshot =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/snapshots/h100x1-busy.json");
    std::fs::copy(snapshot, d.join("gpus.json")).expect("copies");
    let runs: &[&[&str]] = &[
        &["check", "specs"],
        &["check", "specs", "--output-format", "json"],
        &["check", "specs", "--output-format", "sarif"],
        &["check", "specs", "--output-format", "github"],
        &["check", "specs/a.yaml", "--probe-snapshot", "gpus.json"],
        &["report", "specs/a.yaml", "--format", "md"],
        &["report", "specs/a.yaml", "--format", "json"],
        &["report", "specs/a.yaml", "--format", "html"],
        &["verify", "specs/a.yaml", "--probe-snapshot", "gpus.json"],
        &[
            "verify",
            "specs/a.yaml",
            "--probe-snapshot",
            "gpus.json",
            "--format",
            "json",
        ],
        &["diff", "specs/a.yaml", "specs/bad.yaml"],
        &["check", "specs/missing.yaml"],
    ];
    for args in runs {
        let out = memmath(d).args(*args).output().expect("runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!text.is_empty(), "{args:?} printed nothing");
        assert!(
            !leaks(&text, d),
            "{args:?} printed an absolute path:\n{text}"
        );
    }
}

#[test]
fn a_bad_discovered_memmath_toml_is_named_relatively() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::create_dir_all(d.join("team/specs")).expect("mkdir");
    std::fs::write(d.join("team/specs/a.yaml"), spec_text()).expect("writes");
    std::fs::write(d.join("team/memmath.toml"), "select = 3\n").expect("writes");
    let out = memmath(d)
        .args(["check", "team/specs"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("team/memmath.toml"), "{err}");
    assert!(!leaks(&err, d), "{err}");
    // From inside the spec folder the file is above: `../memmath.toml`.
    let out = memmath(&d.join("team/specs"))
        .args(["check", "a.yaml"])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("../memmath.toml"), "{err}");
    assert!(!leaks(&err, d), "{err}");
    // A user who names the spec absolutely gets absolute paths back.
    let abs = d.join("team/specs/a.yaml");
    let out = memmath(d).arg("check").arg(&abs).output().expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("memmath.toml"), "{err}");
}
