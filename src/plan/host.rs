//! Host RAM per node while weights load (issue 3 item 7).
//!
//! - safetensors with mmap (vLLM's default loader, `safetensors.safe_open`):
//!   tensors are paged in from the file and copied to the GPU one at a time;
//!   the resident anonymous memory per loading worker is about one tensor, the
//!   largest being the (padded) embedding or lm_head. Page cache is reclaimable
//!   and not counted.
//! - safetensors without mmap: each worker reads whole shard files into RAM;
//!   Hugging Face `save_pretrained` writes shards of at most 5 GB
//!   (`max_shard_size="5GB"`), so one shard per worker.
//! - pickle (`pytorch_model*.bin`, `torch.load`): the whole state dict is
//!   materialized in RAM by every loading worker (design.md section 5).
//! - GGUF: memory-mapped like safetensors.

use super::math::{mul, MathResult};
use crate::spec::LoadFormat;
use crate::units::GB;

/// Hugging Face's default maximum shard size.
pub const HF_SHARD_BYTES: u64 = 5 * GB;

/// (peak bytes per node, staging description).
pub fn load_peak(
    format: LoadFormat,
    mmap: bool,
    workers: u64,
    checkpoint_bytes: u64,
    largest_tensor_bytes: u64,
) -> MathResult<(u64, String)> {
    let (per_worker, how) = match (format, mmap) {
        (LoadFormat::Pytorch, _) => (
            checkpoint_bytes,
            "pickle: whole state dict per loading worker",
        ),
        (LoadFormat::Safetensors | LoadFormat::Gguf, true) => (
            largest_tensor_bytes.min(checkpoint_bytes),
            "mmap: about one tensor resident per loading worker (page cache not counted)",
        ),
        (LoadFormat::Safetensors | LoadFormat::Gguf, false) => (
            HF_SHARD_BYTES.min(checkpoint_bytes),
            "no mmap: one whole 5 GB shard per loading worker",
        ),
    };
    Ok((
        mul(per_worker, workers)?,
        format!("{how}, {}", crate::units::plural(workers, "worker")),
    ))
}
