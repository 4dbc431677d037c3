//! The real file system behind the library's `FileAccess` trait, and reading
//! spec files with a size limit.
//!
//! Every read is bounded: a file's length from `metadata` can lie (`/dev/zero`,
//! a FIFO, `/proc` files report 0), so reads stop one byte past their limit.

use memmath::catalog::{FileAccess, MAX_HF_CONFIG_BYTES};
use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// memmath.toml is a few lines; 1 MiB is far past any real one.
pub const CONFIG_LIMIT: u64 = 1 << 20;

pub struct RealFiles;

impl FileAccess for RealFiles {
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        let bytes = read_bounded(path, MAX_HF_CONFIG_BYTES)?
            .map_err(|len| io::Error::other(format!("more than {len} bytes")))?;
        String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
    fn read_range(&self, path: &Path, offset: u64, len: u64) -> io::Result<Vec<u8>> {
        let mut f = fs::File::open(path)?;
        f.seek(SeekFrom::Start(offset))?;
        let mut buf = Vec::new();
        f.take(len).read_to_end(&mut buf)?;
        Ok(buf)
    }
    fn file_len(&self, path: &Path) -> io::Result<u64> {
        Ok(fs::metadata(path)?.len())
    }
    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }
    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let mut v: Vec<PathBuf> = fs::read_dir(path)?
            .map(|e| e.map(|e| e.path()))
            .collect::<io::Result<_>>()?;
        v.sort();
        Ok(v)
    }
}

/// Up to `limit` bytes of `path`; `Err(limit)` inside `Ok` when there are more.
pub fn read_bounded(path: &Path, limit: u64) -> io::Result<Result<Vec<u8>, u64>> {
    let mut bytes = Vec::new();
    fs::File::open(path)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(if bytes.len() as u64 > limit {
        Err(limit)
    } else {
        Ok(bytes)
    })
}

/// A non-spec input file (snapshot, JSON plan, template) as text, at most `limit` bytes.
pub fn read_text(path: &Path, limit: u64) -> Result<String, String> {
    let shown = path.display();
    let bytes = read_bounded(path, limit)
        .map_err(|e| format!("{shown}: {e}"))?
        .map_err(|l| format!("{shown}: larger than the {l}-byte limit"))?;
    String::from_utf8(bytes).map_err(|e| format!("{shown}: not UTF-8 text: {e}"))
}
