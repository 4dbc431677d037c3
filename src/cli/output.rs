//! Writing results: to a file with `-o`, else to stdout. A closed pipe
//! (`memmath rule --all | head`) ends the output quietly, as ripgrep does,
//! instead of panicking the way `println!` would.

use std::io::{ErrorKind, IsTerminal, Write};
use std::path::Path;

/// Write `text` to stdout; a reader that went away is not an error.
pub fn stdout(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => Err(format!("stdout: {e}")),
        _ => Ok(()),
    }
}

/// Write `text` to `path`, or to stdout when there is none.
pub fn write_output(path: Option<&Path>, text: &str) -> Result<(), String> {
    match path {
        Some(p) => std::fs::write(p, text).map_err(|e| format!("{}: {e}", p.display())),
        None => stdout(text),
    }
}

/// Colour only on a terminal, and never when `NO_COLOR` is set (no-color.org).
pub fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
