//! vLLM V1's sampler warm-up: the last step of the profiling run, whose peak
//! is often larger than the forward pass's.
//!
//! `GPUModelRunner.profile_run` (vllm/v1/worker/gpu_model_runner.py) runs the
//! dummy forward pass of `max_num_batched_tokens` (T) tokens, keeps its hidden
//! states (`T x hidden`), and calls `_dummy_sampler_run` on the last hidden
//! state of each of `max_num_seqs` (S) dummy requests (`hidden_states[logit_
//! indices]`, and in later releases, 0.19.0 for one, a `torch.rand_like` copy
//! of it; both counted, `S x hidden` is small). The sampler gets dummy
//! metadata with temperature 0.5, `top_k = vocab - 1` and `top_p = 0.9`, so it
//! takes its random path with both filters. With V = the vocabulary (logits
//! are all-gathered to the full vocabulary on every TP rank,
//! vllm/model_executor/layers/logits_processor.py) and b the model's bytes per
//! element, what is live at the sampler's peak:
//!
//! - the model-dtype logits `S V b` (`compute_logits`), kept by the caller;
//!   `Sampler.forward` makes an fp32 copy `S V 4` (`logits.to(torch.float32)`,
//!   vllm/v1/sample/sampler.py; no copy when the model runs in fp32);
//! - [`SamplerPath::SortTopKTopP`] (vLLM 0.8-0.16, read at 0.8.5, 0.11.1,
//!   0.14.0 and 0.16.0): `apply_top_k_top_p` in
//!   vllm/v1/sample/ops/topk_topp_sampler.py sorts the fp32 logits
//!   (`logits_sort` 4 B + `logits_idx` int64 8 B per element), builds the
//!   top-k mask (bool, 1 B), the softmax of the sorted logits (`probs_sort`,
//!   4 B, cumsum in place), the top-p mask (1 B) and returns
//!   `logits_sort.scatter(...)`, a new fp32 tensor (4 B): 22 B per element on
//!   top of the fp32 logits, all live at the scatter. The sort itself peaks
//!   higher, while only its outputs exist: PyTorch's CUDA sort of rows longer
//!   than 2048 (`launch_stable_sort_kernel`, aten/src/ATen/native/cuda/
//!   SortStable.cu, read at pytorch/pytorch 061531e) takes, for 128 or more
//!   rows (and for one row), `segmented_sort_pairs`: an int64 iota of every
//!   element (`reverse_indices`, 8 B) and CUB's non-double-buffer
//!   `DeviceSegmentedRadixSort::SortPairs` (through `CUB_WRAPPER`,
//!   aten/src/ATen/cuda/cub.cuh), whose temporary storage holds a third key
//!   and value buffer (`allocation_sizes` in CUB's dispatch_segmented_radix_
//!   sort: 4 + 8 B). With the outputs (4 + 8 B) that is 32 B per element. For
//!   2 to 127 rows, `segmented_sort_pairs_by_full_sort` allocates two int2
//!   (index, segment) arrays (8 + 8 B), an fp32 key output (4 B) and the
//!   radix sort's third key and int2 value buffers (4 + 8 B): 44 B with the
//!   outputs. The filter's peak is the larger of the sort and the scatter.
//!   Where FlashInfer (>= 0.2.3) is installed, 0.9.2's `TopKTopPSampler`
//!   takes it instead unless `VLLM_USE_FLASHINFER_SAMPLER=0` (read at
//!   0.9.2): memmath assumes the PyTorch path of a pip install without
//!   FlashInfer, which the log of docs/accuracy.md case 5 agrees with.
//! - [`SamplerPath::TritonTopKTopP`] (vLLM 0.17-0.20, read at 0.17.0, 0.18.0,
//!   0.19.0 and 0.20.0): `apply_top_k_top_p_triton`
//!   (vllm/v1/sample/ops/topk_topp_triton.py) masks the fp32 logits in place
//!   with a cached per-program buffer of `min(SMs, S)` rows x V fp32;
//!   `forward_native` then takes `softmax` (`probs`, 4 B) and
//!   `random_sample` draws `q = torch.empty_like(probs)` (4 B).
//! - [`SamplerPath::FlashInfer`] (vLLM 0.26-0.33, read at 0.26.0, 0.28.0 and
//!   0.33.0, where `VLLM_USE_FLASHINFER_SAMPLER` defaults to True in
//!   vllm/envs.py): `flashinfer_sample` calls FlashInfer's
//!   `top_k_top_p_sampling_from_logits`, which masks into a new fp32 tensor
//!   and takes its softmax (4 B + 4 B per element).
//!
//! vLLM 0.21-0.25 were not read and 0.34's rewritten runner
//! (vllm/v1/worker/gpu/model_runner.py) was not re-derived: those versions,
//! V0, SGLang and TensorRT-LLM keep the fp32-logits estimate of
//! docs/memory-math.md section 4 (see `plan::activations`).

use super::math::{add, mul, sum, MathResult};

/// How the profiled sampler filters top-k/top-p (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SamplerPath {
    /// PyTorch sort + scatter (`apply_top_k_top_p`), vLLM 0.8-0.16.
    SortTopKTopP,
    /// Triton masking in place with a cached per-SM buffer, vLLM 0.17-0.20.
    TritonTopKTopP,
    /// FlashInfer's fused top-k/top-p sampling from logits, vLLM 0.26-0.33.
    FlashInfer,
}

/// One version range of vLLM and the sampler path its profiling run takes.
struct Range {
    first: (u64, u64),
    last: (u64, u64),
    path: SamplerPath,
}

/// The ranges read (see the module doc for each release's file).
const RANGES: &[Range] = &[
    Range {
        first: (0, 8),
        last: (0, 16),
        path: SamplerPath::SortTopKTopP,
    },
    Range {
        first: (0, 17),
        last: (0, 20),
        path: SamplerPath::TritonTopKTopP,
    },
    Range {
        first: (0, 26),
        last: (0, 33),
        path: SamplerPath::FlashInfer,
    },
];

/// The sampler path of vLLM `version`, or None where it was not read.
pub fn vllm_path(version: (u64, u64)) -> Option<SamplerPath> {
    RANGES
        .iter()
        .find(|r| r.first <= version && version <= r.last)
        .map(|r| r.path)
}

/// Streaming multiprocessors of the GPU, for the Triton buffer's rows
/// (NVIDIA's datasheets: A100 108, H100 SXM/H200 132, H100 PCIe 114,
/// L4 58, L40S 142, A10G 80, A10 72, B200 148). Unknown GPUs take 132 (the buffer
/// is at most 132 x V x 4 B, tens of MB).
pub fn sm_count(gpu_name: &str) -> u64 {
    let n = gpu_name.to_ascii_lowercase();
    let table: &[(&str, u64)] = &[
        ("a100", 108),
        ("h100 pcie", 114),
        ("h100", 132),
        ("h200", 132),
        ("h20", 78),
        ("l40s", 142),
        ("l4", 58),
        ("a10g", 80),
        ("a10", 72),
        ("b200", 148),
    ];
    table
        .iter()
        .find(|(k, _)| n.contains(k))
        .map_or(132, |&(_, v)| v)
}

/// Inputs of the sampler warm-up peak.
#[derive(Clone, Copy, Debug)]
pub struct SamplerRun {
    pub path: SamplerPath,
    /// `max_num_seqs`: dummy requests, one logits row each.
    pub seqs: u64,
    pub vocab: u64,
    pub hidden: u64,
    /// `max_num_batched_tokens`: the forward pass's hidden states stay live.
    pub batched_tokens: u64,
    /// Bytes per activation element in the model dtype.
    pub act_bytes: u64,
    /// Streaming multiprocessors (Triton buffer rows).
    pub sms: u64,
}

/// Peak bytes on one rank while `_dummy_sampler_run` runs (module doc).
pub fn peak(r: &SamplerRun) -> MathResult<u64> {
    let sv = mul(r.seqs, r.vocab)?;
    // Forward hidden states (T x h) + last hidden states and their
    // rand_like copy (2 x S x h), model dtype.
    let hidden = mul(
        add(r.batched_tokens, mul(2, r.seqs)?)?,
        mul(r.hidden, r.act_bytes)?,
    )?;
    // Model-dtype logits, plus the fp32 copy when the model is not fp32.
    let logits = if r.act_bytes == 4 {
        mul(sv, 4)?
    } else {
        mul(sv, add(r.act_bytes, 4)?)?
    };
    let filter = match r.path {
        SamplerPath::SortTopKTopP => mul(sv, sort_path_bytes_per_element(r.seqs))?,
        // probs 4 + q 4, plus the cached buffer min(SMs, S) x V x 4.
        SamplerPath::TritonTopKTopP => add(mul(sv, 8)?, mul(mul(r.sms.min(r.seqs), r.vocab)?, 4)?)?,
        // masked logits 4 + probs 4.
        SamplerPath::FlashInfer => mul(sv, 8)?,
    };
    sum([hidden, logits, filter])
}

/// Bytes per logits element the sort path holds on top of the logits at its
/// peak, for `rows` dummy requests (module doc): the larger of the sort
/// (outputs + PyTorch's and CUB's scratch) and the scatter (logits_sort 4 +
/// logits_idx 8 + top-k mask 1 + probs_sort 4 + top-p mask 1 + output 4 =
/// 22).
fn sort_path_bytes_per_element(rows: u64) -> u64 {
    const AT_SCATTER: u64 = 22;
    let at_sort = if (2..128).contains(&rows) {
        // values 4 + indices 8 + two int2 arrays 16 + key output 4 + CUB's
        // third key and int2 value buffers 12.
        44
    } else {
        // values 4 + indices 8 + reverse_indices 8 + CUB's third key and
        // value buffers 12.
        32
    };
    at_sort.max(AT_SCATTER)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Llama-3.1-8B on an H100 SXM with vLLM 0.19's defaults: 1024 sequences,
    /// vocabulary 128,256, hidden 4096, 8192 batched tokens, bf16.
    fn llama(path: SamplerPath) -> SamplerRun {
        SamplerRun {
            path,
            seqs: 1024,
            vocab: 128_256,
            hidden: 4096,
            batched_tokens: 8192,
            act_bytes: 2,
            sms: 132,
        }
    }

    #[test]
    fn triton_path_by_hand() {
        // S V = 1024 x 128,256 = 131,334,144.
        // logits bf16 + fp32 = 6 S V = 788,004,864; probs + q = 8 S V =
        // 1,050,673,152; buffer 132 x 128,256 x 4 = 67,719,168;
        // hidden (8192 + 2048) x 4096 x 2 = 83,886,080.
        // Sum 1,990,283,264 B = 1.854 GiB (vLLM 0.19.0 logs 1.89 GiB of
        // torch peak for this deployment, docs/accuracy.md case 21).
        assert_eq!(peak(&llama(SamplerPath::TritonTopKTopP)), Ok(1_990_283_264));
    }

    #[test]
    fn sort_path_by_hand() {
        // 1024 rows peak in the sort: 6 S V + 32 S V = 38 x 131,334,144 =
        // 4,990,697,472; + hidden 83,886,080 = 5,074,583,552.
        assert_eq!(peak(&llama(SamplerPath::SortTopKTopP)), Ok(5_074_583_552));
        // 64 rows take the full-sort path: 6 + 44 B per element; hidden
        // (8192 + 128) x 4096 x 2.
        let few = SamplerRun {
            seqs: 64,
            ..llama(SamplerPath::SortTopKTopP)
        };
        assert_eq!(peak(&few), Ok(50 * 64 * 128_256 + (8192 + 128) * 4096 * 2));
        assert_eq!(sort_path_bytes_per_element(1), 32);
        assert_eq!(sort_path_bytes_per_element(127), 44);
        assert_eq!(sort_path_bytes_per_element(128), 32);
    }

    #[test]
    fn flashinfer_path_and_fp32_models() {
        // 14 S V + hidden = 1,838,678,016 + 83,886,080.
        assert_eq!(peak(&llama(SamplerPath::FlashInfer)), Ok(1_922_564_096));
        // fp32 model: no copy, 4 S V + 8 S V + buffer + hidden x 2.
        let r = SamplerRun {
            act_bytes: 4,
            ..llama(SamplerPath::TritonTopKTopP)
        };
        assert_eq!(
            peak(&r),
            Ok(12 * 131_334_144 + 67_719_168 + 10_240 * 4096 * 4)
        );
        // The Triton buffer never has more rows than sequences.
        let few = SamplerRun {
            seqs: 8,
            ..llama(SamplerPath::TritonTopKTopP)
        };
        assert_eq!(
            peak(&few),
            Ok(14 * 8 * 128_256 + 8 * 128_256 * 4 + (8192 + 16) * 4096 * 2)
        );
    }

    #[test]
    fn version_ranges() {
        assert_eq!(vllm_path((0, 8)), Some(SamplerPath::SortTopKTopP));
        assert_eq!(vllm_path((0, 16)), Some(SamplerPath::SortTopKTopP));
        assert_eq!(vllm_path((0, 17)), Some(SamplerPath::TritonTopKTopP));
        assert_eq!(vllm_path((0, 19)), Some(SamplerPath::TritonTopKTopP));
        assert_eq!(vllm_path((0, 23)), None);
        assert_eq!(vllm_path((0, 28)), Some(SamplerPath::FlashInfer));
        assert_eq!(vllm_path((0, 34)), None);
        assert_eq!(vllm_path((0, 7)), None);
    }

    #[test]
    fn sm_counts() {
        assert_eq!(sm_count("NVIDIA H100 80GB HBM3"), 132);
        assert_eq!(sm_count("NVIDIA H100 PCIe"), 114);
        assert_eq!(sm_count("NVIDIA A100-SXM4-80GB"), 108);
        assert_eq!(sm_count("NVIDIA L4"), 58);
        assert_eq!(sm_count("something else"), 132);
    }
}
