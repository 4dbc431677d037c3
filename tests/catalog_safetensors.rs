//! Exact weights from safetensors headers: the tests write the files themselves
//! (in memory and on disk) and assert exact bytes and finding codes.

mod common;

use memmath::catalog::safetensors::{read_header, read_weights};
use memmath::catalog::{ExactWeights, MemoryFiles};
use memmath::diagnostics::Finding;
use memmath::units::Bytes;
use serde_json::{json, Value};
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

/// A safetensors file: 8-byte LE header length, JSON header, then `data_len`
/// zero bytes of tensor data.
fn file(header: &Value, data_len: usize) -> Vec<u8> {
    let h = header.to_string().into_bytes();
    let mut out = (h.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&h);
    out.resize(out.len() + data_len, 0);
    out
}

/// Two tensors: a 4x8 bf16 weight (64 bytes) and an 8-element f32 norm (32 bytes).
fn two_tensors() -> (Value, usize) {
    (
        json!({
            "__metadata__": {"format": "pt"},
            "model.w": {"dtype": "BF16", "shape": [4, 8], "data_offsets": [0, 64]},
            "model.norm": {"dtype": "F32", "shape": [8], "data_offsets": [64, 96]},
        }),
        96,
    )
}

fn one(findings: &[Finding]) -> &Finding {
    match findings {
        [f] => f,
        other => panic!("expected one finding, got {other:?}"),
    }
}

#[test]
fn single_file_sums_bytes_per_dtype() {
    let (h, n) = two_tensors();
    let mut fs = MemoryFiles::new();
    fs.insert("/m/model.safetensors", file(&h, n));
    let (w, f) = read_weights(&fs, Path::new("/m/model.safetensors"));
    assert!(f.is_empty(), "{f:?}");
    let Some(w) = w else { panic!("no weights") };
    assert_eq!(w.total_bytes, Bytes(96));
    assert_eq!(w.parameters, 40);
    assert_eq!(w.files, 1);
    assert_eq!(w.bytes_by_dtype.get("BF16"), Some(&Bytes(64)));
    assert_eq!(w.bytes_by_dtype.get("F32"), Some(&Bytes(32)));
}

fn sharded() -> MemoryFiles {
    let mut fs = MemoryFiles::new();
    fs.insert(
        "/m/model-00001-of-00002.safetensors",
        file(
            &json!({"a": {"dtype": "BF16", "shape": [10], "data_offsets": [0, 20]}}),
            20,
        ),
    );
    fs.insert(
        "/m/model-00002-of-00002.safetensors",
        file(
            &json!({"b": {"dtype": "F8_E4M3", "shape": [2, 5], "data_offsets": [0, 10]},
                     "b_scale": {"dtype": "F32", "shape": [1], "data_offsets": [10, 14]}}),
            14,
        ),
    );
    fs.insert(
        "/m/model.safetensors.index.json",
        json!({"metadata": {"total_size": 34}, "weight_map": {
            "a": "model-00001-of-00002.safetensors",
            "b": "model-00002-of-00002.safetensors",
            "b_scale": "model-00002-of-00002.safetensors"}})
        .to_string(),
    );
    fs
}

#[test]
fn multi_shard_index_and_folder_agree() {
    let fs = sharded();
    let expect = |w: Option<ExactWeights>| {
        let Some(w) = w else { panic!("no weights") };
        assert_eq!(w.total_bytes, Bytes(34));
        assert_eq!(w.parameters, 21);
        assert_eq!(w.files, 2);
        assert_eq!(w.bytes_by_dtype.get("F8_E4M3"), Some(&Bytes(10)));
        assert_eq!(w.bytes_by_dtype.get("BF16"), Some(&Bytes(20)));
        assert_eq!(w.bytes_by_dtype.get("F32"), Some(&Bytes(4)));
    };
    let (w, f) = read_weights(&fs, Path::new("/m/model.safetensors.index.json"));
    assert!(f.is_empty(), "{f:?}");
    expect(w);
    let (w, f) = read_weights(&fs, Path::new("/m"));
    assert!(f.is_empty(), "{f:?}");
    expect(w);
}

#[test]
fn missing_shard_is_hst004() {
    let mut fs = sharded();
    fs.insert(
        "/m/model.safetensors.index.json",
        json!({"weight_map": {"a": "model-00001-of-00002.safetensors", "c": "model-00003-of-00003.safetensors"}}).to_string(),
    );
    let (w, f) = read_weights(&fs, Path::new("/m"));
    assert!(w.is_none());
    let f = one(&f);
    assert_eq!(
        (f.code.as_str(), f.name.as_str(), f.pointer.as_str()),
        ("HST004", "shard-index-mismatch", "/model/safetensors")
    );
    assert!(
        f.message.contains("model-00003-of-00003.safetensors"),
        "{}",
        f.message
    );
}

#[test]
fn tensor_missing_from_its_shard_is_hst004() {
    let mut fs = sharded();
    fs.insert(
        "/m/model.safetensors.index.json",
        json!({"weight_map": {"a": "model-00001-of-00002.safetensors", "z": "model-00001-of-00002.safetensors"}}).to_string(),
    );
    let (w, f) = read_weights(&fs, Path::new("/m/model.safetensors.index.json"));
    assert!(w.is_none());
    let f = one(&f);
    assert_eq!(f.code, "HST004");
    assert!(f.message.contains("`z`"), "{}", f.message);
}

fn header_error(bytes: Vec<u8>) -> Finding {
    let mut fs = MemoryFiles::new();
    fs.insert("/x.safetensors", bytes);
    let (w, f) = read_weights(&fs, Path::new("/x.safetensors"));
    assert!(w.is_none());
    let f = one(&f).clone();
    assert_eq!(
        (f.code.as_str(), f.name.as_str(), f.pointer.as_str()),
        ("CAT004", "invalid-safetensors-header", "/model/safetensors")
    );
    f
}

#[test]
fn truncated_header() {
    let (h, n) = two_tensors();
    let full = file(&h, n);
    assert!(header_error(full[..5].to_vec())
        .message
        .contains("truncated"));
    // Length says the header is longer than what is left: cut inside the JSON.
    assert!(header_error(full[..20].to_vec())
        .message
        .contains("only 12 bytes follow"));
}

#[test]
fn lying_length() {
    let (h, n) = two_tensors();
    let mut bytes = file(&h, n);
    bytes[..8].copy_from_slice(&(1u64 << 40).to_le_bytes());
    assert!(header_error(bytes.clone()).message.contains("exceeds"));
    let real = h.to_string().len() as u64;
    // Shorter than the JSON: the header no longer parses.
    bytes[..8].copy_from_slice(&(real - 3).to_le_bytes());
    assert!(header_error(bytes).message.contains("not a JSON object"));
}

#[test]
fn overlapping_offsets() {
    let h = json!({
        "a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
        "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]},
    });
    let f = header_error(file(&h, 24));
    assert!(f.message.contains("overlap"), "{}", f.message);
}

#[test]
fn offsets_out_of_range_and_size_mismatch() {
    let h = json!({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}});
    assert!(header_error(file(&h, 8)).message.contains("out of range"));
    let h = json!({"a": {"dtype": "BF16", "shape": [4], "data_offsets": [0, 16]}});
    let f = header_error(file(&h, 16));
    assert!(
        f.message.contains("= 8 bytes") && f.message.contains("span 16"),
        "{}",
        f.message
    );
    let h = json!({"a": {"dtype": "Q9", "shape": [4], "data_offsets": [0, 16]}});
    assert!(header_error(file(&h, 16)).message.contains("unknown dtype"));
    let h = json!({"a": {"dtype": "F32", "shape": [u64::MAX, 4], "data_offsets": [0, 16]}});
    assert!(header_error(file(&h, 16)).message.contains("overflow"));
}

#[test]
fn missing_path_and_empty_folder_are_cat005() {
    let mut fs = MemoryFiles::new();
    fs.insert("/m/README.md", b"hi".to_vec());
    let (_, f) = read_weights(&fs, Path::new("/nowhere.safetensors"));
    assert_eq!(one(&f).code, "CAT005");
    let (_, f) = read_weights(&fs, Path::new("/m"));
    assert_eq!(one(&f).code, "CAT005");
}

#[test]
fn index_that_is_not_json_or_escapes_is_cat006() {
    let mut fs = sharded();
    fs.insert("/m/model.safetensors.index.json", b"{".to_vec());
    assert_eq!(one(&read_weights(&fs, Path::new("/m")).1).code, "CAT006");
    fs.insert(
        "/m/model.safetensors.index.json",
        json!({"weight_map": {"a": "../etc/x"}}).to_string(),
    );
    assert_eq!(one(&read_weights(&fs, Path::new("/m")).1).code, "CAT006");
}

#[test]
fn sparse_multi_gigabyte_file_reads_only_the_header() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("model.safetensors");
    // One 4 GiB bf16 tensor (2^31 elements); the data is a hole in a sparse file.
    let data: u64 = 4 << 30;
    let h = json!({"big": {"dtype": "BF16", "shape": [1u64 << 31], "data_offsets": [0, data]}});
    let head = file(&h, 0);
    std::fs::write(&path, &head)?;
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)?
        .set_len(head.len() as u64 + data)?;
    let files = common::Disk::new();
    let start = Instant::now();
    let (w, f) = read_weights(&files, dir.path());
    let took = start.elapsed();
    assert!(f.is_empty(), "{f:?}");
    assert_eq!(w.map(|w| w.total_bytes), Some(Bytes(data)));
    assert_eq!(
        files.bytes_read(),
        head.len() as u64,
        "only the length prefix and header are read"
    );
    assert!(took < Duration::from_secs(2), "took {took:?}");
    // The header reader alone, on the same file.
    let header = read_header(&files, &path).map_err(io::Error::other)?;
    assert_eq!(header.tensors.get("big").map(|t| t.bytes), Some(data));
    Ok(())
}
