//! An in-memory [`FileAccess`] for tests and embedders: files are byte vectors
//! keyed by path, folders are implied by the paths under them.

use super::FileAccess;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default)]
pub struct MemoryFiles {
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl MemoryFiles {
    pub fn new() -> MemoryFiles {
        MemoryFiles::default()
    }
    /// Add (or replace) a file.
    pub fn insert(&mut self, path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) -> &mut Self {
        self.files.insert(path.into(), bytes.into());
        self
    }
    fn get(&self, path: &Path) -> io::Result<&Vec<u8>> {
        self.files.get(path).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("{}: no such file", path.display()),
            )
        })
    }
}

impl FileAccess for MemoryFiles {
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        String::from_utf8(self.get(path)?.clone())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
    fn read_range(&self, path: &Path, offset: u64, len: u64) -> io::Result<Vec<u8>> {
        let bytes = self.get(path)?;
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        let end = usize::try_from(offset.saturating_add(len))
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        Ok(bytes
            .get(start..end)
            .map(<[u8]>::to_vec)
            .unwrap_or_default())
    }
    fn file_len(&self, path: &Path) -> io::Result<u64> {
        Ok(self.get(path)?.len() as u64)
    }
    fn is_dir(&self, path: &Path) -> bool {
        !self.files.contains_key(path) && self.files.keys().any(|p| p.starts_with(path))
    }
    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let mut out: Vec<PathBuf> = self
            .files
            .keys()
            .filter_map(|p| {
                let rest = p.strip_prefix(path).ok()?;
                let first = rest.components().next()?;
                Some(path.join(first))
            })
            .collect();
        out.dedup();
        if out.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{}: no such folder", path.display()),
            ));
        }
        Ok(out)
    }
}
