//! Exact weight bytes from safetensors headers: an 8-byte little-endian header
//! length, then a JSON object of `{name: {dtype, shape, data_offsets}}` (plus an
//! optional `__metadata__` of strings), then the tensor data, which is never read.
//! Format: https://github.com/huggingface/safetensors (README "Format").
//!
//! Headers are hostile input: the length is capped, checked against the file,
//! and every tensor's dtype x shape must equal its offsets span and lie inside
//! the data, without overlapping another.

use super::codes;
use super::{ExactWeights, FileAccess};
use crate::diagnostics::Finding;
use crate::units::{Bytes, MIB};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const POINTER: &str = "/model/safetensors";
/// The safetensors crate refuses headers over 100 MB; a real one is well under
/// 10 MiB even for 1,000+ tensors.
pub const MAX_HEADER_BYTES: u64 = 100 * MIB;
/// model.safetensors.index.json files are a few hundred KiB.
pub const MAX_INDEX_BYTES: u64 = 64 * MIB;
const INDEX_NAME: &str = "model.safetensors.index.json";

/// One tensor's entry, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorInfo {
    pub dtype: String,
    pub elements: u64,
    pub bytes: u64,
}

/// A checked header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub tensors: BTreeMap<String, TensorInfo>,
}

/// Bits per element of each safetensors dtype (safetensors `Dtype`).
fn dtype_bits(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" | "E8M0" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" | "C64" => 64,
        _ => return None,
    })
}

/// Read and check one file's header. `Err` is the sentence for a CAT004 finding.
pub fn read_header(files: &dyn FileAccess, path: &Path) -> Result<Header, String> {
    let shown = path.display();
    let len = files
        .file_len(path)
        .map_err(|e| format!("{shown}: cannot read: {e}"))?;
    if len < 8 {
        return Err(format!(
            "{shown}: truncated: {len} bytes, but a safetensors file starts with an 8-byte header length"
        ));
    }
    let prefix = files
        .read_range(path, 0, 8)
        .map_err(|e| format!("{shown}: cannot read: {e}"))?;
    let prefix: [u8; 8] = prefix
        .as_slice()
        .try_into()
        .map_err(|_| format!("{shown}: truncated inside the 8-byte header length"))?;
    let n = u64::from_le_bytes(prefix);
    if n > MAX_HEADER_BYTES {
        return Err(format!(
            "{shown}: header length {n} bytes exceeds the {MAX_HEADER_BYTES}-byte limit (not a safetensors file, or corrupt)"
        ));
    }
    let available = len - 8;
    if n > available {
        return Err(format!(
            "{shown}: header length says {n} bytes, but only {available} bytes follow it (truncated file or lying length)"
        ));
    }
    let raw = files
        .read_range(path, 8, n)
        .map_err(|e| format!("{shown}: cannot read: {e}"))?;
    if raw.len() as u64 != n {
        return Err(format!(
            "{shown}: truncated: read {} of the {n} header bytes",
            raw.len()
        ));
    }
    let json: Map<String, Value> = serde_json::from_slice(&raw)
        .map_err(|e| format!("{shown}: header is not a JSON object: {e}"))?;
    check_tensors(&json, available - n).map_err(|why| format!("{shown}: {why}"))
}

fn check_tensors(json: &Map<String, Value>, data_len: u64) -> Result<Header, String> {
    let mut tensors = BTreeMap::new();
    let mut spans: Vec<(u64, u64, &str)> = Vec::with_capacity(json.len());
    for (name, v) in json {
        if name == "__metadata__" {
            continue;
        }
        let entry = v
            .as_object()
            .ok_or_else(|| format!("tensor `{name}` is not an object"))?;
        let dtype = entry
            .get("dtype")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("tensor `{name}` has no string `dtype`"))?;
        let bits = dtype_bits(dtype)
            .ok_or_else(|| format!("tensor `{name}` has unknown dtype `{dtype}`"))?;
        let shape = entry
            .get("shape")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("tensor `{name}` has no `shape` array"))?;
        let mut elements: u64 = 1;
        for d in shape {
            let d = d.as_u64().ok_or_else(|| {
                format!("tensor `{name}` has a shape entry that is not a non-negative integer")
            })?;
            elements = elements
                .checked_mul(d)
                .ok_or_else(|| format!("tensor `{name}` has a shape whose size overflows"))?;
        }
        let offsets = entry
            .get("data_offsets")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("tensor `{name}` has no `data_offsets`"))?;
        let (start, end) = match offsets.as_slice() {
            [a, b] => match (a.as_u64(), b.as_u64()) {
                (Some(a), Some(b)) => (a, b),
                _ => return Err(format!("tensor `{name}` has non-integer data_offsets")),
            },
            _ => return Err(format!("tensor `{name}` needs exactly two data_offsets")),
        };
        if end < start {
            return Err(format!(
                "tensor `{name}` ends ({end}) before it starts ({start})"
            ));
        }
        if end > data_len {
            return Err(format!(
                "tensor `{name}` ends at byte {end} of a {data_len}-byte data section (offsets out of range)"
            ));
        }
        let bits_total = elements
            .checked_mul(bits)
            .ok_or_else(|| format!("tensor `{name}` is too large"))?;
        if bits_total % 8 != 0 {
            return Err(format!(
                "tensor `{name}`: {elements} x {bits}-bit elements is not a whole number of bytes"
            ));
        }
        let bytes = bits_total / 8;
        if bytes != end - start {
            return Err(format!(
                "tensor `{name}`: {dtype} x {elements} elements = {bytes} bytes, but its offsets span {} bytes",
                end - start
            ));
        }
        spans.push((start, end, name));
        tensors.insert(
            name.clone(),
            TensorInfo {
                dtype: dtype.to_string(),
                elements,
                bytes,
            },
        );
    }
    spans.sort_unstable();
    for pair in spans.windows(2) {
        if let [(_, prev_end, prev), (start, end, name)] = pair {
            if start < prev_end && start != end {
                return Err(format!(
                    "tensors `{prev}` and `{name}` overlap (offsets {start} < {prev_end})"
                ));
            }
        }
    }
    Ok(Header { tensors })
}

/// Add one header to the running totals.
fn accumulate(total: &mut ExactWeights, header: &Header) -> Result<(), String> {
    for t in header.tensors.values() {
        total.total_bytes = total
            .total_bytes
            .checked_add(Bytes(t.bytes))
            .map_err(|e| e.to_string())?;
        total.parameters = total
            .parameters
            .checked_add(t.elements)
            .ok_or("parameter count overflows")?;
        let slot = total
            .bytes_by_dtype
            .entry(t.dtype.clone())
            .or_insert(Bytes::ZERO);
        *slot = slot
            .checked_add(Bytes(t.bytes))
            .map_err(|e| e.to_string())?;
    }
    total.files += 1;
    Ok(())
}

fn empty() -> ExactWeights {
    ExactWeights {
        total_bytes: Bytes::ZERO,
        parameters: 0,
        bytes_by_dtype: BTreeMap::new(),
        files: 0,
    }
}

fn header_finding(why: String) -> Finding {
    codes::INVALID_SAFETENSORS_HEADER
        .finding(POINTER, why)
        .with_fix("re-download the file (compare its size and hash with the model repository)")
}

/// `model.safetensors` -> exact weights, or the findings that prevent them.
/// `target` is the spec's path joined to the spec's folder.
pub fn read_weights(files: &dyn FileAccess, target: &Path) -> (Option<ExactWeights>, Vec<Finding>) {
    let is_index = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".index.json"))
    };
    if files.is_dir(target) {
        let entries = match files.list_dir(target) {
            Ok(e) => e,
            Err(e) => {
                return not_found(format!("{}: cannot list the folder: {e}", target.display()))
            }
        };
        if let Some(index) = entries
            .iter()
            .find(|p| p.file_name().and_then(|n| n.to_str()) == Some(INDEX_NAME))
        {
            return read_index(files, index);
        }
        let shards: Vec<PathBuf> = entries
            .into_iter()
            .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("safetensors"))
            .collect();
        if shards.is_empty() {
            return not_found(format!(
                "{}: the folder has no .safetensors files and no {INDEX_NAME}",
                target.display()
            ));
        }
        return read_files(files, &shards);
    }
    if is_index(target) {
        return read_index(files, target);
    }
    if files.file_len(target).is_err() {
        return not_found(format!("{}: no such file or folder", target.display()));
    }
    read_files(files, &[target.to_path_buf()])
}

fn not_found(message: String) -> (Option<ExactWeights>, Vec<Finding>) {
    (
        None,
        vec![codes::SAFETENSORS_NOT_FOUND
            .finding(POINTER, message)
            .with_fix("point `model.safetensors` (relative to the spec) at a .safetensors file, the model folder, or its model.safetensors.index.json")],
    )
}

fn read_files(files: &dyn FileAccess, paths: &[PathBuf]) -> (Option<ExactWeights>, Vec<Finding>) {
    let mut total = empty();
    let mut findings = Vec::new();
    for p in paths {
        match read_header(files, p).and_then(|h| accumulate(&mut total, &h)) {
            Ok(()) => {}
            Err(why) => findings.push(header_finding(why)),
        }
    }
    if findings.is_empty() {
        (Some(total), findings)
    } else {
        (None, findings)
    }
}

fn read_index(files: &dyn FileAccess, index: &Path) -> (Option<ExactWeights>, Vec<Finding>) {
    let shown = index.display();
    let bad_index = |why: String| {
        (
            None,
            vec![codes::INVALID_SAFETENSORS_INDEX
                .finding(POINTER, format!("{shown}: {why}"))
                .with_fix(
                    "re-download model.safetensors.index.json from the same revision as the shards",
                )],
        )
    };
    match files.file_len(index) {
        Ok(len) if len > MAX_INDEX_BYTES => {
            return bad_index(format!(
                "{len} bytes is over the {MAX_INDEX_BYTES}-byte limit for an index"
            ))
        }
        Ok(_) => {}
        Err(e) => return not_found(format!("{shown}: cannot read: {e}")),
    }
    let text = match files.read_to_string(index) {
        Ok(t) => t,
        Err(e) => return not_found(format!("{shown}: cannot read: {e}")),
    };
    let json: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return bad_index(format!("not valid JSON: {e}")),
    };
    let Some(map) = json.get("weight_map").and_then(Value::as_object) else {
        return bad_index("no `weight_map` object".to_string());
    };
    // shard file name -> tensors the index places in it
    let mut by_shard: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (tensor, shard) in map {
        let Some(shard) = shard.as_str() else {
            return bad_index(format!("`weight_map[{tensor}]` is not a file name"));
        };
        // Shards live next to the index; a path would let an index point the
        // reader anywhere on disk.
        if shard.is_empty() || shard.contains('/') || shard.contains('\\') || shard == ".." {
            return bad_index(format!("shard `{shard}` is not a plain file name"));
        }
        by_shard.entry(shard).or_default().insert(tensor.as_str());
    }
    let folder = index.parent().unwrap_or(Path::new(""));
    let mut total = empty();
    let mut findings = Vec::new();
    for (shard, wanted) in &by_shard {
        let path = folder.join(shard);
        if files.file_len(&path).is_err() {
            findings.push(mismatch(format!(
                "{shown} names shard `{shard}` ({} tensors), which is missing",
                wanted.len()
            )));
            continue;
        }
        let header = match read_header(files, &path) {
            Ok(h) => h,
            Err(why) => {
                findings.push(header_finding(why));
                continue;
            }
        };
        let absent: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|t| !header.tensors.contains_key(*t))
            .collect();
        if let Some(first) = absent.first() {
            findings.push(mismatch(format!(
                "{shown} places {} tensor(s) in `{shard}` that it lacks (first: `{first}`)",
                absent.len()
            )));
            continue;
        }
        if let Err(why) = accumulate(&mut total, &header) {
            findings.push(header_finding(format!("{}: {why}", path.display())));
        }
    }
    if findings.is_empty() {
        (Some(total), findings)
    } else {
        (None, findings)
    }
}

fn mismatch(message: String) -> Finding {
    codes::SHARD_INDEX_MISMATCH
        .finding(POINTER, message)
        .with_fix("download the index and every shard from one revision of the model repository")
}
