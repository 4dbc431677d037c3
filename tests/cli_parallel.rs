//! Many specs are analyzed in parallel; the output must not show it: every
//! format of `check` and `report` is byte-identical across thread counts
//! (`RAYON_NUM_THREADS`) and from one run to the next, and a spec tree with
//! errors reports them in the order of a serial run.

use assert_cmd::Command;
use std::path::Path;

/// A tree of specs: the examples over and over with distinct names, plus
/// specs with findings of every stage (syntax, schema, rules), in two
/// folders, one with its own memmath.toml.
fn tree(dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut examples: Vec<_> = std::fs::read_dir(root.join("specs"))
        .expect("specs/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    examples.sort();
    for sub in ["a", "b"] {
        let d = dir.join(sub);
        copy_dir(&root.join("specs/configs"), &d.join("configs"));
        for i in 0..30 {
            let text = std::fs::read_to_string(&examples[i % examples.len()]).expect("reads");
            let text = text.replacen("  name: ", &format!("  name: n{i}-"), 1);
            std::fs::write(d.join(format!("spec-{i:02}.yaml")), text).expect("writes");
        }
        std::fs::write(
            d.join("broken-syntax.yaml"),
            "apiVersion: memmath/v1\nkind: [\n",
        )
        .expect("writes");
        std::fs::write(
            d.join("broken-schema.yaml"),
            "apiVersion: memmath/v1\nkind: Serving\nmetadata: {name: x}\nmodel: {preset: nope}\n",
        )
        .expect("writes");
    }
    std::fs::write(dir.join("b/memmath.toml"), "ignore = [\"HST001\"]\n").expect("writes");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("reads folder") {
        let p = e.expect("entry").path();
        let dest = to.join(p.file_name().expect("name"));
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).expect("copies");
        }
    }
}

fn run(dir: &Path, threads: &str, args: &[&str]) -> (Option<i32>, Vec<u8>) {
    let out = Command::cargo_bin("memmath")
        .expect("binary builds")
        .current_dir(dir)
        .env("RAYON_NUM_THREADS", threads)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("runs");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), out.stdout)
}

#[test]
fn every_output_is_byte_identical_across_thread_counts_and_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    tree(dir.path());
    let commands: &[&[&str]] = &[
        &["check", ".", "--output-format", "full"],
        &["check", ".", "--output-format", "concise"],
        &["check", ".", "--output-format", "json"],
        &["check", ".", "--output-format", "sarif"],
        &["check", ".", "--output-format", "github"],
        &["check", ".", "--output-format", "markdown"],
        &["check", ".", "--statistics"],
        &["check", "b", "a/spec-03.yaml", "a"],
        &["report", ".", "--format", "json"],
        &["report", "a", "--format", "md"],
        &["report", "b", "--format", "html"],
    ];
    for args in commands {
        let serial = run(dir.path(), "1", args);
        assert!(!serial.1.is_empty(), "{args:?} printed nothing");
        for threads in ["1", "2", "3", "8"] {
            let parallel = run(dir.path(), threads, args);
            assert!(
                parallel == serial,
                "{args:?} with {threads} threads differs from the serial run"
            );
        }
    }
}

#[test]
fn findings_come_in_path_order_whatever_the_threads() {
    let dir = tempfile::tempdir().expect("tempdir");
    tree(dir.path());
    let (code, out) = run(
        dir.path(),
        "4",
        &["check", ".", "--output-format", "concise"],
    );
    assert_eq!(code, Some(1));
    let text = String::from_utf8(out).expect("utf-8");
    let files: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split(':').next())
        .filter(|f| f.ends_with(".yaml"))
        .collect();
    let mut sorted = files.clone();
    sorted.sort_by(|a, b| Path::new(a).cmp(Path::new(b)));
    assert_eq!(files, sorted);
    assert!(files.contains(&"a/broken-syntax.yaml") && files.contains(&"b/broken-schema.yaml"));
}
