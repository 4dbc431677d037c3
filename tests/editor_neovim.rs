//! A real editor's built-in LSP client against `memmath server`: Neovim,
//! headless (tests/editor/neovim.lua). It opens a spec with a misspelled key,
//! must show SCH001 where `check` puts it, show the hover of
//! `serving.max_model_len` with the plan's figures, and clear the diagnostic
//! once the key is fixed in the buffer. Skipped, with a message, when `nvim`
//! is not on PATH (Debian: `apt-get install neovim`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const EXAMPLE: &str = include_str!("../specs/llama-3.1-70b-fp8-4xh100.yaml");

fn nvim() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("nvim"))
            .find(|p| p.is_file())
    })
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle}"))
}

#[test]
fn neovim_shows_diagnostics_and_hovers() {
    let Some(nvim) = nvim() else {
        eprintln!("SKIPPED: neovim_shows_diagnostics_and_hovers: `nvim` is not on PATH (Debian: apt-get install neovim)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = EXAMPLE.replacen("  max_model_len: 131072", "  max_modle_len: 131072", 1);
    let spec = dir.path().join("chat.yaml");
    std::fs::write(&spec, &broken).expect("write");
    let out = dir.path().join("seen.txt");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/editor/neovim.lua");
    let fix_line = line_of(&broken, "max_modle_len");
    let mut child = Command::new(nvim)
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("MEMMATH_BIN", env!("CARGO_BIN_EXE_memmath"))
        .env("MEMMATH_SPEC", &spec)
        .env("MEMMATH_OUT", &out)
        // After the fix: the key that drives the KV figures.
        .env("MEMMATH_HOVER_LINE", fix_line.to_string())
        .env("MEMMATH_FIX_LINE", fix_line.to_string())
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nvim");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("nvim did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let seen = std::fs::read_to_string(&out)
        .unwrap_or_else(|e| panic!("nvim wrote nothing ({status}): {e}"));
    let lines: Vec<&str> = seen.lines().collect();
    assert_eq!(lines.first(), Some(&"diagnostics-arrived true"), "{seen}");
    let diags: Vec<&&str> = lines.iter().filter(|l| l.starts_with("diag ")).collect();
    assert_eq!(diags.len(), 1, "{seen}");
    let want =
        format!("diag {fix_line}:2-{fix_line}:15 SCH001 severity=1 unknown field `max_modle_len`");
    assert!(diags[0].starts_with(&want), "{seen}\nwanted {want}");
    let hover = lines
        .iter()
        .find(|l| l.starts_with("hover "))
        .unwrap_or_else(|| panic!("no hover: {seen}"));
    assert!(hover.contains("serving.max_model_len"), "{hover}");
    assert!(hover.contains("Longest sequence"), "{hover}");
    assert!(hover.contains("of KV cache per GPU"), "{hover}");
    assert!(hover.contains("Maximum concurrency"), "{hover}");
    assert!(lines.contains(&"cleared true 0"), "{seen}");
}
