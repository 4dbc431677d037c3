//! `memmath import` on arbitrary text: the shell splitter, the YAML carriers
//! and the engine parsers must return specs or findings for any input, never
//! panic, and keep every finding's span inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memmath::catalog::MemoryFiles;
use memmath::import::{import, ImportOptions};
use memmath::source::SourceFile;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = SourceFile::new("f", text);
    let got = import(&source, &ImportOptions::default(), &MemoryFiles::new(), Path::new("."));
    for f in &got.findings {
        if let Some(s) = f.span {
            assert!(s.end <= text.len(), "span past the end");
        }
    }
});
