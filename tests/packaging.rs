//! `pip install memmath`: pyproject.toml builds the binary as a maturin wheel
//! (`bindings = "bin"`), and the pre-commit hooks include the `language:
//! python` variant. The wheel itself is built, installed into a fresh venv
//! and run by scripts/wheel-test.sh: `cargo test --test packaging -- --ignored`
//! (needs PyPI for maturin and a release build; docs/ci.md says why it is not
//! in .ci/run).

use std::path::Path;
use std::process::Command;

fn read(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).expect(name)
}

#[test]
fn pyproject_builds_the_binary_with_maturin() {
    let p: toml::Value = toml::from_str(&read("pyproject.toml")).expect("pyproject.toml is TOML");
    assert_eq!(p["build-system"]["build-backend"].as_str(), Some("maturin"));
    assert_eq!(p["tool"]["maturin"]["bindings"].as_str(), Some("bin"));
    assert_eq!(p["project"]["name"].as_str(), Some("memmath"));
    // The version comes from Cargo.toml, never a second copy.
    let dynamic = p["project"]["dynamic"].as_array().expect("dynamic");
    assert!(dynamic.iter().any(|v| v.as_str() == Some("version")));
    assert!(p["project"].get("version").is_none());
}

#[test]
fn pre_commit_has_a_python_hook() {
    let hooks = read(".pre-commit-hooks.yaml");
    let python = hooks
        .split("- id: ")
        .find(|h| h.starts_with("memmath-python"))
        .expect("memmath-python hook");
    assert!(python.contains("language: python"), "{python}");
    assert!(python.contains("entry: memmath check"), "{python}");
}

#[test]
#[ignore = "builds a release wheel and needs PyPI: run with --ignored"]
fn wheel_installs_and_checks_the_examples() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/wheel-test.sh");
    let out = Command::new("bash").arg(script).output().expect("bash");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("wheel-test: ok"), "{text}");
    assert!(text.contains("All checks passed"), "{text}");
}
