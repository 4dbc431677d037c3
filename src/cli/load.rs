//! Reading one spec file the same way in every command: the 1 MiB limit is
//! checked before the file is read, and too-large or non-UTF-8 files become
//! findings (SYN003, SYN001) instead of errors. Only an unreadable file is an
//! error (exit 2).

use memmath::diagnostics::Finding;
use memmath::source::SourceFile;
use memmath::spec::{decode_source, too_large, MAX_SPEC_BYTES};
use std::io::Read;
use std::path::{Path, PathBuf};

/// A spec's text, or the finding that says why it cannot be analyzed.
pub(crate) enum Loaded {
    /// UTF-8 text within the size limit: ready for `pipeline::analyze`.
    Text(SourceFile),
    /// Too large or not UTF-8; the source holds what can be shown of it.
    Rejected(SourceFile, Finding),
}

/// Read `path` as a spec (named as the user wrote it in findings).
pub(crate) fn load_spec(path: &Path) -> Result<Loaded, String> {
    let name = path.display().to_string();
    let fail = |e: std::io::Error| format!("{name}: {e}");
    let file = std::fs::File::open(path).map_err(fail)?;
    let len = file.metadata().map_err(fail)?.len();
    if len > MAX_SPEC_BYTES {
        return Ok(Loaded::Rejected(SourceFile::new(name, ""), too_large(len)));
    }
    // Read at most one byte past the limit: the file may grow after `metadata`.
    // Room for the whole file up front: one read for the bytes, one for EOF.
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    file.take(MAX_SPEC_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(fail)?;
    if bytes.len() as u64 > MAX_SPEC_BYTES {
        let f = too_large(bytes.len() as u64);
        return Ok(Loaded::Rejected(SourceFile::new(name, ""), f));
    }
    Ok(match decode_source(name, bytes) {
        (source, Some(f)) => Loaded::Rejected(source, f),
        (source, None) => Loaded::Text(source),
    })
}

/// The folder a spec's relative paths (`hf_config`, `safetensors`) start from.
pub(crate) fn spec_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
