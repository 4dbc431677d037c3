//! A reader that closes the pipe early (`memmath report specs/ | head`) must end
//! the output quietly, never panic with exit 101 the way `println!` would.

use std::process::{Command, Stdio};

#[test]
fn closed_stdout_is_not_a_panic() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut child = Command::new(env!("CARGO_BIN_EXE_memmath"))
        .args(["report", "specs/", "--format", "html"])
        .current_dir(root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn memmath");
    // Close the read end before the child writes: the report (several hundred
    // KB) is larger than a pipe buffer, so the write is sure to hit EPIPE.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
}
