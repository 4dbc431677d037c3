//! The safetensors header reader on arbitrary file bytes (an in-memory
//! FileAccess): a lying length, a huge or malformed JSON header, absurd shapes
//! and offsets must be a CAT finding, never a panic, an overflow or a big
//! allocation. Also read as one shard of a folder next to a valid one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memmath::catalog::{safetensors, MemoryFiles};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let mut files = MemoryFiles::new();
    files.insert("m/model.safetensors", data);
    let _ = safetensors::read_header(&files, Path::new("m/model.safetensors"));
    let _ = safetensors::read_weights(&files, Path::new("m/model.safetensors"));
    let header = br#"{"a":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}"#;
    let mut ok = (header.len() as u64).to_le_bytes().to_vec();
    ok.extend_from_slice(header);
    ok.extend_from_slice(&[0u8; 8]);
    files.insert("m/model-00002-of-00002.safetensors", ok);
    let (exact, findings) = safetensors::read_weights(&files, Path::new("m"));
    assert!(exact.is_some() || !findings.is_empty());
});
