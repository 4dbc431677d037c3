//! The one file-system `FileAccess` of the integration tests (the in-memory
//! one is the library's `memmath::catalog::MemoryFiles`): reads real files as
//! the CLI's `RealFiles` does, and counts the bytes it read, so a test can
//! prove that a reader stopped at a header.

use memmath::catalog::FileAccess;
use std::cell::Cell;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

#[derive(Default)]
pub struct Disk {
    read: Cell<u64>,
}

impl Disk {
    pub fn new() -> Disk {
        Disk::default()
    }
    /// Bytes returned by `read_to_string` and `read_range` so far.
    pub fn bytes_read(&self) -> u64 {
        self.read.get()
    }
    fn count(&self, n: usize) {
        self.read.set(self.read.get() + n as u64);
    }
}

impl FileAccess for Disk {
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        let s = std::fs::read_to_string(path)?;
        self.count(s.len());
        Ok(s)
    }
    fn read_range(&self, path: &Path, offset: u64, len: u64) -> io::Result<Vec<u8>> {
        let mut f = std::fs::File::open(path)?;
        f.seek(SeekFrom::Start(offset))?;
        let mut buf = Vec::new();
        f.take(len).read_to_end(&mut buf)?;
        self.count(buf.len());
        Ok(buf)
    }
    fn file_len(&self, path: &Path) -> io::Result<u64> {
        Ok(std::fs::metadata(path)?.len())
    }
    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }
    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(path)?
            .map(|e| e.map(|e| e.path()))
            .collect::<io::Result<_>>()?;
        v.sort();
        Ok(v)
    }
}
