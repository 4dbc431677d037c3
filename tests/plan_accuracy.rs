//! docs/accuracy.md, cell by cell. The page is read here (`include_str!`), its
//! tables are parsed, and every cell is compared with:
//! - the public log it quotes: each "log" cell must appear verbatim in the log
//!   excerpt below (copied from the GitHub issue named by the case's URL);
//! - what memmath computes for the committed spec of that case
//!   (tests/fixtures/accuracy/*.yaml), planned through the same pipeline as
//!   `memmath report --format json` (parse, schema, resolve, `plan::compute`);
//!   tokens for a *logged* KV memory come from `plan::capacity::blocks`, the
//!   function `plan::compute` sizes the cache with;
//! - the error, target, verdict and in-sample marks the page states;
//! - in the prose: the Targets sentence against `Quantity::target`, the
//!   in-sample paragraph against the rows marked in-sample, and each number
//!   under a case heading against that case's own rows and log (elsewhere,
//!   against any table or log).
//!
//! `editing_any_kind_of_cell_or_prose_number_fails` edits one cell of each
//! kind and one prose number of each kind in a copy of the page and expects
//! each edit to be reported.

mod common;

use memmath::catalog::Resolved;
use memmath::plan::{capacity, engine, hybrid, kv_cache, sharding, Plan};
use memmath::source::SourceFile;
use memmath::spec::{Spec, WeightDtype};
use memmath::units::group_digits;
use std::collections::BTreeSet;

const PAGE: &str = include_str!("../docs/accuracy.md");

const GIB: f64 = (1u64 << 30) as f64;

/// One public log: the case number the page uses, the issue that holds the
/// log, and the log lines, verbatim.
struct Case {
    id: &'static str,
    url: &'static str,
    log: &'static str,
    /// The CUDA total of the spec was back-computed from this log's own
    /// figures (the log does not print it).
    total_from_log: bool,
}

const CASES: &[Case] = &[
    Case {
        id: "1",
        url: "https://github.com/vllm-project/vllm/issues/10517",
        // kaspersiminski, 2024-12-02, "20k - OK".
        log: "Loading model weights took 14.9888 GB
Memory profiling results: total_gpu_memory=23.58GiB initial_memory_usage=15.34GiB peak_torch_memory=17.06GiB memory_usage_post_profile=15.35GiB non_torch_memory=0.35GiB kv_cache_size=3.81GiB gpu_memory_utilization=0.90
GPU blocks: 1952, # CPU blocks: 2048
Maximum concurrency for 20000 tokens per request: 1.56x",
        total_from_log: false,
    },
    Case {
        id: "2",
        url: "https://github.com/vllm-project/vllm/issues/10517",
        // Same comment, "29k - BAD".
        log: "Loading model weights took 14.9888 GB
Memory profiling results: total_gpu_memory=23.58GiB initial_memory_usage=15.34GiB peak_torch_memory=17.98GiB memory_usage_post_profile=15.35GiB non_torch_memory=0.35GiB kv_cache_size=2.89GiB gpu_memory_utilization=0.90
# GPU blocks: 1478, # CPU blocks: 2048
Maximum concurrency for 29000 tokens per request: 0.82x
The model's max seq len (29000) is larger than the maximum number of tokens that can be stored in KV cache (23648).",
        total_from_log: false,
    },
    Case {
        id: "3",
        url: "https://github.com/vllm-project/vllm/issues/13061",
        // Carried over from the page's earlier revision; not re-checked
        // against the issue (docs/accuracy.md says so).
        log: "Loading model weights took 13.9476 GB
the maximum number of tokens that can be stored in KV cache (81536)",
        total_from_log: true,
    },
    Case {
        id: "4",
        url: "https://github.com/vllm-project/vllm/issues/13882",
        // sancelot, the issue's description.
        log: "Loading model weights took 5.2032 GB
the current vLLM instance can use total_gpu_memory (8.00GiB) x gpu_memory_utilization (0.70) = 5.60GiB
model weights take 5.20GiB; non_torch_memory takes 0.03GiB; PyTorch activation peak memory takes 1.42GiB; the rest of the memory reserved for KV Cache is -1.05GiB.
# cuda blocks: 0, # CPU blocks: 4681
Maximum concurrency for 4096 tokens per request: 0.00x",
        total_from_log: false,
    },
    Case {
        id: "5",
        url: "https://github.com/vllm-project/vllm/issues/21348",
        // MMuzzammil1, the issue's description.
        log: "Available KV cache memory: 8.11 GiB
GPU KV cache size: 178,880 tokens",
        total_from_log: false,
    },
    Case {
        id: "6",
        url: "https://github.com/vllm-project/vllm/issues/6746",
        log: "Loading model weights took 57.7520 GB",
        total_from_log: false,
    },
    Case {
        id: "7",
        url: "https://github.com/LMCache/LMCache/issues/1739",
        // jaeyoun98, "I used Qwen3-14B for single GPU test".
        log: "Available KV cache memory: 6.51 GiB
GPU KV cache size: 42,656 tokens
Maximum concurrency for 32,768 tokens per request: 1.30x",
        total_from_log: false,
    },
    Case {
        id: "8",
        url: "https://github.com/vllm-project/recipes/pull/12",
        // Abirdcfly, the pull request's description (two runs).
        log: "To serve at least one request with the models's max seq len (262144), (62.00 GiB KV cache is needed, which is larger than the available KV cache memory (48.66 GiB). Based on the available memory, the estimated maximum model length is 205728.
To serve at least one request with the models's max seq len (262144), (62.00 GiB KV cache is needed, which is larger than the available KV cache memory (55.65 GiB). Based on the available memory, the estimated maximum model length is 235296.",
        total_from_log: false,
    },
    Case {
        id: "9",
        url: "https://github.com/vllm-project/vllm/issues/21348",
        // MMuzzammil1, the issue's description: the SGLang launch of case 5's model.
        log: "KV Cache is allocated. #tokens: 367404, K size: 8.23 GB, V size: 8.23 GB",
        total_from_log: false,
    },
    Case {
        id: "10",
        url: "https://github.com/vllm-project/vllm/issues/23278",
        // QichangZheng, the issue's description.
        log: "Your GPU does not have native support for FP4 computation but FP4 quantization is being used. Weight-only FP4 compression will be used leveraging the Marlin kernel.
Model loading took 65.9651 GiB and 12.799889 seconds
Available KV cache memory: -2.14 GiB",
        total_from_log: false,
    },
    Case {
        id: "11",
        url: "https://github.com/vllm-project/vllm/issues/33155",
        // tonyaw, the issue's description (v0.14.1, --max_num_seqs 1).
        log: "[mxfp4.py:165] Using Triton backend
Model loading took 64.38 GiB memory and 14.380607 seconds",
        total_from_log: false,
    },
    Case {
        id: "12",
        url: "https://github.com/NVIDIA/TensorRT-LLM/issues/2268",
        // w066650, the issue's description (engine version 0.13.0.dev2024082000).
        log: "[TensorRT-LLM][INFO] Memory usage when calculating max tokens in paged kv cache: total: 39.39 GiB, available: 21.89 GiB
[TensorRT-LLM][INFO] Number of blocks in KV cache primary pool: 631",
        total_from_log: false,
    },
    Case {
        id: "13",
        url: "https://github.com/NVIDIA/TensorRT-LLM/issues/224",
        // yunfeng-scale, the issue's description.
        log: "--max_batch_size 25                 --max_output_len 4096                 --use_inflight_batching                 --tokens_per_block 16
and use 0.95 for `kv_cache_free_gpu_mem_fraction`.
[TensorRT-LLM][INFO] Using 10718 tokens in paged KV cache.",
        total_from_log: false,
    },
    Case {
        id: "14",
        url: "https://github.com/vllm-project/vllm/pull/23066",
        // simon-mo, the pull request's description (TP 2, both ranks alike).
        log: "Initializing a V1 LLM engine (v0.10.1.dev680+g79899b63f.d20250817) with config: model='/mnt/localdisk/the-bloke-mixtral-8x7b-v0.1-gptq'
max_seq_len=1024, tensor_parallel_size=2, pipeline_parallel_size=1, quantization=gptq_marlin
[gptq_marlin.py:266] Using MacheteLinearKernel for GPTQMarlinLinearMethod
Model loading took 11.0802 GiB and 3.106979 seconds",
        total_from_log: false,
    },
    Case {
        id: "15",
        url: "https://github.com/vllm-project/vllm/pull/20665",
        // eicherseiji, the pull request's description: `vllm serve
        // deepseek-ai/DeepSeek-V2-Lite --max-model-len=1024 --enforce-eager
        // --tensor-parallel-size=2 --pipeline-parallel-size=2`.
        log: "vLLM API server version 0.1.dev7548+gbaba038
(VllmWorker rank=3 pid=19834) INFO 07-09 09:47:45 [gpu_worker.py:233] Available KV cache memory: 11.33 GiB
(VllmWorker rank=0 pid=19831) INFO 07-09 09:47:45 [gpu_worker.py:233] Available KV cache memory: 12.13 GiB
GPU KV cache size: 807,792 tokens
Maximum concurrency for 1,024 tokens per request: 788.86x",
        total_from_log: false,
    },
    Case {
        id: "16",
        url: "https://github.com/vllm-project/vllm/pull/4650",
        // pcmoritz, comment of 2024-06-28: `LLM(model=\"deepseek-ai/DeepSeek-V2-Lite\",
        // trust_remote_code=True, max_model_len=32000)`.
        log: "Initializing an LLM engine (v0.5.0.post1) with config: model='deepseek-ai/DeepSeek-V2-Lite'
max_seq_len=32000, tensor_parallel_size=1
Loading model weights took 29.3010 GB
# GPU blocks: 5549",
        total_from_log: false,
    },
    Case {
        id: "17",
        url: "https://github.com/ai-dynamo/dynamo/issues/516",
        // dimanzt, third comment (Dynamo's vLLM 0.7.2 worker).
        log: "Loading model weights took 14.9888 GB
the current vLLM instance can use total_gpu_memory (93.10GiB) x gpu_memory_utilization (0.90) = 83.79GiB
model weights take 14.99GiB; non_torch_memory takes 0.16GiB; PyTorch activation peak memory takes 1.72GiB; the rest of the memory reserved for KV Cache is 66.92GiB.
# CUDA blocks: 34264, # CPU blocks: 2048
Maximum concurrency for 16384 tokens per request: 33.46x",
        total_from_log: false,
    },
    Case {
        id: "18",
        url: "https://github.com/vllm-project/vllm/pull/12569",
        // mgoin, the pull request's description: `VLLM_USE_V1=1 vllm serve
        // neuralmagic/Meta-Llama-3.1-70B-Instruct-quantized.w8a8 --max-model-len
        // 2048 --gpu-memory-utilization 0.98`.
        log: "Loading model weights took 67.7229 GB
# GPU blocks: 1381
Maximum concurrency for 2048 tokens per request: 10.79x",
        total_from_log: false,
    },
    Case {
        id: "19",
        url: "https://github.com/vllm-project/vllm/pull/10511",
        // youkaichao, comment of 2024-12-14: `vllm serve meta-llama/Meta-Llama-3-8B`.
        log: "total_gpu_memory     79.22GiB
gpu_memory_utilization       0.90
the current vLLM instance can use    71.29GiB
model weights take   14.96GiB
non_torch_memory     1.79GiB
PyTorch activation peak memory       1.26GiB
available_kv_cache_memory    53.29GiB",
        total_from_log: false,
    },
    Case {
        id: "20",
        url: "https://github.com/vllm-project/vllm/pull/10511",
        // Same comment: `vllm serve meta-llama/Meta-Llama-3-8B -tp 2` (the
        // comment's excerpt ends before the KV figure).
        log: "total_gpu_memory     79.22GiB
gpu_memory_utilization       0.90
the current vLLM instance can use    71.29GiB
model weights take   7.48GiB
non_torch_memory     3.58GiB
PyTorch activation peak memory       1.26GiB",
        total_from_log: false,
    },
    Case {
        id: "21",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/meta-llama-llama-3-1-8b---h100-80gb--tp1pp1dp1--8192.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'meta-llama/Llama-3.1-8B-Instruct', 'model': 'meta-llama/Llama-3.1-8B-Instruct', 'max_model_len': 8192, 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}
Model loading took 14.99 GiB memory and 14.429680 seconds
Available KV cache memory: 58.11 GiB
GPU KV cache size: 476,016 tokens
Maximum concurrency for 8,192 tokens per request: 58.11x
Free memory on device (78.68/79.19 GiB) on startup. Desired GPU memory utilization is (0.95, 75.23 GiB). Actual usage is 14.99 GiB for weight, 1.89 GiB for peak activation, 0.25 GiB for non-torch memory, and 0.91 GiB for CUDAGraph memory.",
        total_from_log: false,
    },
    Case {
        id: "22",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/meta-llama---h100-80gb--tp1pp1dp1--8192-dtbf16-kvfp8.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'meta-llama/Llama-3.1-8B-Instruct', 'model': 'meta-llama/Llama-3.1-8B-Instruct', 'dtype': 'bfloat16', 'max_model_len': 8192, 'gpu_memory_utilization': 0.95, 'kv_cache_dtype': 'fp8', 'enable_prefix_caching': False}
Model loading took 14.99 GiB memory and 6.965058 seconds
Available KV cache memory: 58.11 GiB
GPU KV cache size: 952,032 tokens
Maximum concurrency for 8,192 tokens per request: 116.21x",
        total_from_log: false,
    },
    Case {
        id: "23",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/meta-llama-llama-3-1-8b---h100-80gb--tp4pp1dp1--8192.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'meta-llama/Llama-3.1-8B-Instruct', 'model': 'meta-llama/Llama-3.1-8B-Instruct', 'max_model_len': 8192, 'tensor_parallel_size': 4, 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}
Model loading took 3.77 GiB memory and 10.527112 seconds
Available KV cache memory: 67.44 GiB
GPU KV cache size: 2,209,792 tokens
Maximum concurrency for 8,192 tokens per request: 269.75x",
        total_from_log: false,
    },
    Case {
        id: "24",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/meta-llama-llama-3-1-8b---h100-80gb--tp1pp2dp1--8192.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'meta-llama/Llama-3.1-8B-Instruct', 'model': 'meta-llama/Llama-3.1-8B-Instruct', 'max_model_len': 8192, 'pipeline_parallel_size': 2, 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}
Model loading took 7.51 GiB memory and 3.992785 seconds
Available KV cache memory: 66.54 GiB
GPU KV cache size: 1,075,312 tokens
Maximum concurrency for 8,192 tokens per request: 131.26x",
        total_from_log: false,
    },
    Case {
        id: "25",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/meta-llama-llama-3---h100-80gb--tp1pp1dp1--8192-qfp8.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'meta-llama/Llama-3.1-8B-Instruct', 'model': 'meta-llama/Llama-3.1-8B-Instruct', 'max_model_len': 8192, 'quantization': 'fp8', 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}
Model loading took 8.49 GiB memory and 13.317222 seconds
Available KV cache memory: 64.61 GiB
GPU KV cache size: 529,248 tokens
Maximum concurrency for 8,192 tokens per request: 64.61x",
        total_from_log: false,
    },
    Case {
        id: "26",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/meta-llama-llama-3--h100-80gb--tp1pp1dp1--8192-dtf32.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'meta-llama/Llama-3.1-8B-Instruct', 'model': 'meta-llama/Llama-3.1-8B-Instruct', 'dtype': 'float32', 'max_model_len': 8192, 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}
Model loading took 29.98 GiB memory and 12.001322 seconds
Available KV cache memory: 42.8 GiB
GPU KV cache size: 175,296 tokens
Maximum concurrency for 8,192 tokens per request: 21.40x",
        total_from_log: false,
    },
    Case {
        id: "27",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/fp8dyn-llama-3-3-70b--h100-80gb--tp2pp1dp1--8192.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'RedHatAI/Llama-3.3-70B-Instruct-fp8-dynamic', 'model': 'RedHatAI/Llama-3.3-70B-Instruct-fp8-dynamic', 'max_model_len': 8192, 'tensor_parallel_size': 2, 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}
Model loading took 33.88 GiB memory and 54.254199 seconds
Available KV cache memory: 37.28 GiB
GPU KV cache size: 244,304 tokens
Maximum concurrency for 8,192 tokens per request: 29.82x",
        total_from_log: false,
    },
    Case {
        id: "28",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/redhatai-llama-3-3-70b-i--h100-80gb--tp2pp1dp1--8192.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'redhatai/Llama-3.3-70B-Instruct-quantized.w8a8', 'model': 'redhatai/Llama-3.3-70B-Instruct-quantized.w8a8', 'max_model_len': 8192, 'tensor_parallel_size': 2, 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}
Model loading took 33.88 GiB memory and 20.060388 seconds
Available KV cache memory: 37.28 GiB
GPU KV cache size: 244,304 tokens
Maximum concurrency for 8,192 tokens per request: 29.82x",
        total_from_log: false,
    },
    Case {
        id: "29",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/w4a16-redhatai-lla--h100-80gb--tp1pp1dp1--8192-dtf16.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16', 'model': 'RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16', 'dtype': 'float16', 'max_model_len': 8192, 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}
Model loading took 5.38 GiB memory and 8.884409 seconds
Available KV cache memory: 67.71 GiB
GPU KV cache size: 554,704 tokens
Maximum concurrency for 8,192 tokens per request: 67.71x",
        total_from_log: false,
    },
    Case {
        id: "30",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/qwen-qwen3-30b-a3b--h100-80gb--tp1pp1dp1--8192.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'Qwen/Qwen3-30B-A3B', 'model': 'Qwen/Qwen3-30B-A3B', 'max_model_len': 8192, 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}
Model loading took 56.88 GiB memory and 56.260796 seconds
Available KV cache memory: 15.41 GiB
GPU KV cache size: 168,288 tokens
Maximum concurrency for 8,192 tokens per request: 20.54x
Free memory on device (78.68/79.19 GiB) on startup. Desired GPU memory utilization is (0.95, 75.23 GiB). Actual usage is 56.88 GiB for weight, 2.68 GiB for peak activation, 0.27 GiB for non-torch memory, and 1.41 GiB for CUDAGraph memory.",
        total_from_log: false,
    },
    Case {
        id: "31",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/mistralai-mixtral-8x7b-i--h100-80gb--tp2pp1dp1--8192.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'mistralai/Mixtral-8x7B-Instruct-v0.1', 'model': 'mistralai/Mixtral-8x7B-Instruct-v0.1', 'max_model_len': 8192, 'tensor_parallel_size': 2, 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}
Model loading took 43.51 GiB memory and 65.717865 seconds
Available KV cache memory: 28.44 GiB
GPU KV cache size: 465,936 tokens
Maximum concurrency for 8,192 tokens per request: 56.88x",
        total_from_log: false,
    },
    Case {
        id: "32",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/qwen-qwen1-5-moe-a2-7b--h100-80gb--tp1pp1dp1--8192.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'Qwen/Qwen1.5-MoE-A2.7B', 'model': 'Qwen/Qwen1.5-MoE-A2.7B', 'max_model_len': 8192, 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}
Model loading took 26.67 GiB memory and 98.477608 seconds
Available KV cache memory: 45.83 GiB
GPU KV cache size: 250,304 tokens
Maximum concurrency for 8,192 tokens per request: 30.55x",
        total_from_log: false,
    },
    Case {
        id: "33",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/deepseek-ai-deepseek-v2---h100-80gb--tp1pp1dp1--8192.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'deepseek-ai/DeepSeek-V2-Lite-Chat', 'model': 'deepseek-ai/DeepSeek-V2-Lite-Chat', 'max_model_len': 8192, 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}
Model loading took 29.43 GiB memory and 28.446389 seconds
Available KV cache memory: 43.61 GiB
GPU KV cache size: 1,505,552 tokens
Maximum concurrency for 8,192 tokens per request: 183.78x",
        total_from_log: false,
    },
    Case {
        id: "34",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/openai-gpt-oss-20b--h100-80gb--tp2pp1dp1--8192.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'openai/gpt-oss-20b', 'model': 'openai/gpt-oss-20b', 'max_model_len': 8192, 'tensor_parallel_size': 2, 'enable_prefix_caching': False}
Model loading took 7.01 GiB memory and 12.429379 seconds
Available KV cache memory: 59.32 GiB
GPU KV cache size: 2,591,776 tokens
Maximum concurrency for 8,192 tokens per request: 316.07x
Free memory on device (77.18/79.19 GiB) on startup. Desired GPU memory utilization is (0.9, 71.27 GiB). Actual usage is 7.01 GiB for weight, 2.87 GiB for peak activation, 2.07 GiB for non-torch memory, and 1.55 GiB for CUDAGraph memory.",
        total_from_log: false,
    },
    Case {
        id: "35",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/google-gemma-2-9b-it--h100-80gb--tp1pp1dp1--8192.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'google/gemma-2-9b-it', 'model': 'google/gemma-2-9b-it', 'max_model_len': 8192, 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}
Model loading took 17.22 GiB memory and 42.298113 seconds
Available KV cache memory: 54.12 GiB
GPU KV cache size: 168,880 tokens
Maximum concurrency for 8,192 tokens per request: 20.60x",
        total_from_log: false,
    },
    Case {
        id: "36",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/qwen-qwen2-5-72b-instruc--h100-80gb--tp2pp1dp1--8192.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'Qwen/Qwen2.5-72B-Instruct', 'model': 'Qwen/Qwen2.5-72B-Instruct', 'max_model_len': 8192, 'tensor_parallel_size': 2, 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}
Model loading took 67.8 GiB memory and 101.493961 seconds
Available KV cache memory: 3.04 GiB
GPU KV cache size: 19,920 tokens
Maximum concurrency for 8,192 tokens per request: 2.43x
Free memory on device (77.66/79.19 GiB) on startup. Desired GPU memory utilization is (0.95, 75.23 GiB). Actual usage is 67.8 GiB for weight, 2.29 GiB for peak activation, 2.09 GiB for non-torch memory, and 1.61 GiB for CUDAGraph memory.",
        total_from_log: false,
    },
    Case {
        id: "37",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/qwen-qwen3-8b--h100-80gb--tp1pp1dp1--8192.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'Qwen/Qwen3-8B', 'model': 'Qwen/Qwen3-8B', 'max_model_len': 8192, 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}
Model loading took 15.27 GiB memory and 15.294531 seconds
Available KV cache memory: 57.5 GiB
GPU KV cache size: 418,688 tokens
Maximum concurrency for 8,192 tokens per request: 51.11x",
        total_from_log: false,
    },
    Case {
        id: "38",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/qwen-qwen2-5-7b-instruct--h100-80gb--tp4pp1dp1--8192.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'Qwen/Qwen2.5-7B-Instruct', 'model': 'Qwen/Qwen2.5-7B-Instruct', 'max_model_len': 8192, 'tensor_parallel_size': 4, 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}
Model loading took 3.55 GiB memory and 3.119120 seconds
Available KV cache memory: 67.34 GiB
GPU KV cache size: 5,043,280 tokens
Maximum concurrency for 8,192 tokens per request: 615.63x",
        total_from_log: false,
    },
    Case {
        id: "39",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/google-gemma-3-27b-it--h100-80gb--tp1pp1dp1--8192.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'google/gemma-3-27b-it', 'model': 'google/gemma-3-27b-it', 'max_model_len': 8192, 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}
Model loading took 51.45 GiB memory and 122.713348 seconds
Available KV cache memory: 19.53 GiB
GPU KV cache size: 36,560 tokens
Maximum concurrency for 8,192 tokens per request: 4.46x
Add 8 padding layers, may waste at most 15.38% KV cache memory",
        total_from_log: false,
    },
    Case {
        id: "40",
        url: "https://github.com/llm-d-incubation/llm-d-planner/blob/d3121e059da88662db39a926a3ead964be97359b/accuracy/results/v0.19.0/logs/microsoft-phi-4--h100-80gb--tp1pp1dp1--8192.log",
        // jgchn's vLLM 0.19.0 sweep on H100 80GB, commit d3121e0 ("Add logs").
        log: "non-default args: {'model_tag': 'microsoft/phi-4', 'model': 'microsoft/phi-4', 'max_model_len': 8192, 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}
Model loading took 27.39 GiB memory and 25.389797 seconds
Available KV cache memory: 46.08 GiB
GPU KV cache size: 241,568 tokens
Maximum concurrency for 8,192 tokens per request: 29.49x",
        total_from_log: false,
    },
];

fn case(id: &str) -> &'static Case {
    CASES
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("docs/accuracy.md names case {id:?}, which has no log here"))
}

// ---------------------------------------------------------------------------
// The page's tables.

/// Rows (cells, trimmed) of the table of `page` whose header starts with
/// `first_header`.
fn table(page: &str, first_header: &str) -> Vec<Vec<String>> {
    let lines: Vec<&str> = page.lines().collect();
    let start = lines
        .iter()
        .position(|l| {
            l.starts_with('|') && cells(l).first().is_some_and(|c| c.as_str() == first_header)
        })
        .unwrap_or_else(|| panic!("docs/accuracy.md has no table headed {first_header:?}"));
    lines[start + 2..]
        .iter()
        .take_while(|l| l.starts_with('|'))
        .map(|l| cells(l))
        .collect()
}

fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(|c| c.trim().to_string()).collect()
}

/// The text between the first pair of backticks.
fn quoted(cell: &str) -> Option<&str> {
    let (_, rest) = cell.split_once('`')?;
    rest.split_once('`').map(|(q, _)| q)
}

/// The last number in `s` (sign, digits, thousands commas, decimals) and its
/// count of decimals.
fn last_number(s: &str) -> Option<(f64, usize)> {
    let b = s.as_bytes();
    let mut end = b.len();
    while end > 0 && !b[end - 1].is_ascii_digit() {
        end -= 1;
    }
    if end == 0 {
        return None;
    }
    let mut start = end;
    while start > 0
        && (b[start - 1].is_ascii_digit() || b[start - 1] == b',' || b[start - 1] == b'.')
    {
        start -= 1;
    }
    while start < end && !b[start].is_ascii_digit() {
        start += 1;
    }
    let negative = start > 0 && b[start - 1] == b'-';
    let text: String = s[start..end].chars().filter(|c| *c != ',').collect();
    let decimals = text.split_once('.').map_or(0, |(_, d)| d.len());
    let v: f64 = text.parse().ok()?;
    Some((if negative { -v } else { v }, decimals))
}

// ---------------------------------------------------------------------------
// memmath's side: each case's committed spec through the pipeline.

struct Planned {
    spec: Spec,
    resolved: Resolved,
    plan: Plan,
}

fn planned(spec_cell: &str) -> Planned {
    let name = quoted(spec_cell).unwrap_or(spec_cell);
    let path = format!("{}/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let a = common::analyze_source(SourceFile::new(name, text));
    let errors: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.code.starts_with("SYN") || f.code.starts_with("SCH") || f.code == "MEM000")
        .map(|f| format!("{} {}", f.code, f.message))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:?}");
    match (a.spec, a.resolved, a.plan) {
        (Some(spec), Some(resolved), Some(plan)) => Planned {
            spec,
            resolved,
            plan,
        },
        _ => panic!("{name} was not planned"),
    }
}

/// Each case's spec, by the settings table's `spec` column.
fn plans(page: &str) -> Vec<(String, Planned)> {
    table(page, "#")
        .iter()
        .map(|r| (r[0].clone(), planned(&r[3])))
        .collect()
}

fn plan_of<'a>(plans: &'a [(String, Planned)], id: &str) -> &'a Planned {
    plans
        .iter()
        .find(|(i, _)| i == id)
        .map(|(_, p)| p)
        .unwrap_or_else(|| panic!("case {id} is not in the settings table"))
}

/// The KV cache `plan::compute` would size for `kv_bytes` of available memory
/// on this case's bottleneck GPU: the same engine settings, bottleneck rank
/// and `capacity::blocks` that compute uses, fed the logged memory.
fn blocks_for(p: &Planned, kv_bytes: i64) -> capacity::Blocks {
    blocks_for_stage(p, kv_bytes, None)
}

/// The pipeline stage whose figures the plan reports, from its "pipeline
/// stage" assumption ("s of pp"); None without pipeline parallelism.
fn plan_stage(p: &Planned) -> Option<u64> {
    p.plan
        .assumptions
        .iter()
        .find(|a| a.field == "pipeline stage")
        .and_then(|a| a.value.split(' ').next()?.parse().ok())
}

/// As [`blocks_for`], for the cache of pipeline stage `stage` (None: the
/// stage with the most layers, whose rank 0 logs first).
fn blocks_for_stage(p: &Planned, kv_bytes: i64, stage: Option<u64>) -> capacity::Blocks {
    let a = &p.resolved.model.architecture;
    let serving = p.spec.serving.as_ref().expect("a serving spec");
    let par = &p.spec.parallelism;
    let (tp, pp) = (par.tensor.max(1), par.pipeline.max(1));
    let longest = p.spec.traffic.as_ref().and_then(|t| {
        t.classes
            .iter()
            .map(|c| {
                c.prompt_tokens.at(t.plan_percentile).unwrap_or(0)
                    + c.output_tokens.at(t.plan_percentile).unwrap_or(0)
            })
            .max()
    });
    let e = engine::resolve(
        serving,
        a,
        &p.resolved.gpu,
        p.resolved.model.weights.dtype,
        engine::Layout {
            tp,
            pp,
            dp: par.data.max(1),
        },
        p.spec.capacity.headroom,
        longest,
        &mut Vec::new(),
    );
    let stages = match stage {
        Some(s) => vec![s],
        None => sharding::candidate_stages(a, pp),
    };
    if hybrid::applies(a, serving) {
        // The layer-kind plan, as plan::compute sizes those models' cache.
        let model_bytes = if p.resolved.model.weights.dtype == WeightDtype::Fp32 {
            4
        } else {
            2
        };
        let h = hybrid::plan(
            a,
            serving,
            &e,
            tp,
            pp,
            &stages,
            model_bytes,
            kv_bytes,
            &mut Vec::new(),
        )
        .expect("layer-kind plan");
        return capacity::Blocks {
            num_blocks: h.capacity.num_blocks,
            capacity_tokens: h.capacity.capacity_tokens,
            max_concurrency: h.capacity.max_concurrency,
            max_model_len_that_fits: h.capacity.max_model_len_that_fits,
            pool_bytes: h.capacity.pool_bytes,
        };
    }
    let rank = kv_cache::bottleneck_rank(a, e.kv_dtype, tp, pp, &stages).expect("bottleneck rank");
    capacity::blocks(a, &rank, &e, kv_bytes).expect("blocks")
}

#[test]
fn blocks_for_reproduces_the_plans_own_cache() {
    // The reconstruction above is plan::compute's: fed the plan's own KV
    // memory, it gives the plan's own blocks, tokens and max length.
    for (id, p) in plans(PAGE) {
        let kv = p.plan.kv_cache.as_ref().expect("kv cache");
        let b = blocks_for_stage(&p, p.plan.per_gpu.kv_cache_bytes, plan_stage(&p));
        assert_eq!(b.num_blocks, kv.num_blocks, "case {id}");
        assert_eq!(b.capacity_tokens, kv.capacity_tokens, "case {id}");
        assert_eq!(
            b.max_model_len_that_fits, kv.max_model_len_that_fits,
            "case {id}"
        );
        assert_eq!(b.max_concurrency, kv.max_concurrency, "case {id}");
    }
}

// ---------------------------------------------------------------------------
// Formatting, as the page prints numbers.

fn gib_text(bytes: f64, decimals: usize) -> String {
    format!("{:.*} GiB", decimals, bytes / GIB)
}

fn count_text(n: u64, unit: &str) -> String {
    format!("{} {unit}", group_digits(n))
}

fn pct_text(pct: f64) -> String {
    if pct.abs() < 1.0 {
        format!("{pct:+.2}%")
    } else {
        format!("{pct:+.1}%")
    }
}

/// Bytes of a GiB figure printed with `decimals` decimals: the interval it
/// was rounded from, [lo, hi].
fn rounding_interval(gib: f64, decimals: usize) -> (i64, i64) {
    let half = 0.5 / 10f64.powi(decimals as i32);
    (
        ((gib - half) * GIB).ceil() as i64,
        ((gib + half) * GIB).floor() as i64,
    )
}

// ---------------------------------------------------------------------------
// The results table.

/// What a results row compares, by the start of its `quantity` cell.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Quantity {
    Weights,
    PeakTorch,
    ActivationPeak,
    NonTorch,
    KvMemory,
    KvBlocks,
    KvTokens,
    MaxConcurrency,
    OneSequence,
    /// `... for the logged` memory: computed from the log's own KV memory.
    TokensForLogged,
    ConcurrencyForLogged,
    MaxLenForLogged,
}

const QUANTITIES: &[(&str, Quantity)] = &[
    ("weights per GPU", Quantity::Weights),
    ("weights + activation peak", Quantity::PeakTorch),
    ("activation peak", Quantity::ActivationPeak),
    ("non-torch memory", Quantity::NonTorch),
    ("KV cache memory", Quantity::KvMemory),
    ("KV cache blocks", Quantity::KvBlocks),
    ("KV cache tokens", Quantity::KvTokens),
    ("maximum concurrency", Quantity::MaxConcurrency),
    ("KV of one max_model_len sequence", Quantity::OneSequence),
    ("tokens held by the logged", Quantity::TokensForLogged),
    ("concurrency in the logged", Quantity::ConcurrencyForLogged),
    (
        "max model len that fits the logged",
        Quantity::MaxLenForLogged,
    ),
];

/// The quantity a `quantity` cell names, matched exactly: the name alone, or
/// for the rows computed from a logged memory, the name, a space and that
/// memory in backticks (its text is checked against the log).
fn quantity(cell: &str) -> Option<Quantity> {
    QUANTITIES.iter().find_map(|(name, q)| {
        let logged = matches!(
            q,
            Quantity::TokensForLogged | Quantity::ConcurrencyForLogged | Quantity::MaxLenForLogged
        );
        let exact = if logged {
            let rest = cell.strip_prefix(name)?.strip_prefix(" `")?;
            let inner = rest.strip_suffix('`')?;
            !inner.is_empty() && !inner.contains('`')
        } else {
            cell == *name
        };
        exact.then_some(*q)
    })
}

impl Quantity {
    /// The target the page must state for this quantity (issue 3's targets).
    fn target(self) -> &'static str {
        match self {
            Quantity::Weights => "within 3%",
            Quantity::KvMemory | Quantity::KvBlocks | Quantity::KvTokens => "within 10%",
            Quantity::OneSequence => "exact",
            Quantity::TokensForLogged
            | Quantity::ConcurrencyForLogged
            | Quantity::MaxLenForLogged => "bytes per token only: log inside the range",
            _ => "none",
        }
    }
    /// Depends on the non-torch constant (KV memory and all it sizes).
    fn uses_runtime(self) -> bool {
        matches!(
            self,
            Quantity::NonTorch
                | Quantity::KvMemory
                | Quantity::KvBlocks
                | Quantity::KvTokens
                | Quantity::MaxConcurrency
        )
    }
    /// Depends on the CUDA total.
    fn uses_total(self) -> bool {
        matches!(
            self,
            Quantity::KvMemory | Quantity::KvBlocks | Quantity::KvTokens | Quantity::MaxConcurrency
        )
    }
}

/// What memmath says for one results row.
struct Computed {
    /// The memmath cell, formatted as the page must print it.
    text: String,
    /// The unrounded value, in the log's unit.
    value: f64,
    /// For rows computed from a logged memory: the values over the interval
    /// that printed figure was rounded from.
    range: Option<(f64, f64)>,
}

fn compute_row(p: &Planned, q: Quantity, qcell: &str, case: &Case, decimals: usize) -> Computed {
    let plan = &p.plan;
    let kv = plan.kv_cache.as_ref().expect("kv cache");
    let bytes = |b: f64| Computed {
        text: gib_text(b, decimals),
        value: b / GIB,
        range: None,
    };
    match q {
        Quantity::Weights => bytes(plan.per_gpu.weights_bytes.get() as f64),
        Quantity::PeakTorch => bytes(
            (plan.per_gpu.weights_bytes.get() + plan.per_gpu.activation_peak_bytes.get()) as f64,
        ),
        Quantity::ActivationPeak => bytes(plan.per_gpu.activation_peak_bytes.get() as f64),
        Quantity::NonTorch => bytes(plan.per_gpu.runtime_bytes.get() as f64),
        Quantity::KvMemory => bytes(plan.per_gpu.kv_cache_bytes as f64),
        Quantity::KvBlocks => Computed {
            text: count_text(kv.num_blocks, "blocks"),
            value: kv.num_blocks as f64,
            range: None,
        },
        Quantity::KvTokens => Computed {
            text: count_text(kv.capacity_tokens, "tokens"),
            value: kv.capacity_tokens as f64,
            range: None,
        },
        Quantity::MaxConcurrency => Computed {
            text: format!("{:.*}x", decimals, kv.max_concurrency),
            value: kv.max_concurrency,
            range: None,
        },
        Quantity::OneSequence => {
            let c = plan.classes.first().expect("one class");
            bytes(c.kv_bytes_per_sequence as f64)
        }
        Quantity::TokensForLogged | Quantity::ConcurrencyForLogged | Quantity::MaxLenForLogged => {
            let logged = quoted(qcell)
                .unwrap_or_else(|| panic!("{qcell:?} quotes no logged memory in backticks"));
            assert!(
                case.log.contains(logged),
                "case {}: `{logged}` is not in the log",
                case.id
            );
            let (gib, d) = last_number(logged).expect("a GiB figure");
            let at = |b: i64| {
                let bl = blocks_for(p, b);
                match q {
                    Quantity::TokensForLogged => bl.capacity_tokens as f64,
                    Quantity::ConcurrencyForLogged => bl.max_concurrency,
                    _ => bl.max_model_len_that_fits as f64,
                }
            };
            let (lo, hi) = rounding_interval(gib, d);
            let point = at((gib * GIB) as i64);
            let (lo, hi) = (at(lo), at(hi));
            let show = |v: f64| {
                if q == Quantity::ConcurrencyForLogged {
                    format!("{v:.decimals$}x")
                } else {
                    group_digits(v as u64)
                }
            };
            let unit = if q == Quantity::ConcurrencyForLogged {
                ""
            } else {
                " tokens"
            };
            Computed {
                text: format!("{}{unit} ({} to {})", show(point), show(lo), show(hi)),
                value: point,
                range: Some((lo, hi)),
            }
        }
    }
}

/// The sample mark a row must carry.
fn sample_mark(p: &Planned, q: Quantity, case: &Case) -> &'static str {
    // The non-torch constant is fitted to the log its assumption cites.
    let issue = case.url.trim_start_matches("https://github.com/");
    let (repo, number) = issue
        .rsplit_once('/')
        .map(|(r, n)| (r.rsplit_once('/').map_or(r, |(r, _)| r), n))
        .unwrap_or((issue, ""));
    let cite = format!("{repo}#{number}");
    let fitted_here = p.plan.assumptions.iter().any(|a| {
        a.field == "runtime (non-torch)"
            && a.source.starts_with("calibrated constant")
            && (a.source.contains(&cite) || a.source.contains(case.url))
    });
    if q.uses_runtime() && fitted_here {
        "in-sample: non-torch constant fitted to this log"
    } else if q.uses_total() && case.total_from_log {
        "in-sample: CUDA total derived from this log"
    } else {
        "held out"
    }
}

/// What is wrong with the results table of `page`: every cell of every row
/// against the case's log and memmath's plan.
fn results_problems(page: &str) -> Vec<String> {
    let plans = plans(page);
    let rows = table(page, "case");
    let mut problems = Vec::new();
    if rows.is_empty() {
        problems.push("the results table has no rows".to_string());
    }
    let mut seen = BTreeSet::new();
    for r in &rows {
        let [id, qcell, log, mm, err, target, verdict, sample] = &r[..] else {
            problems.push(format!("results row has {} cells, not 8: {r:?}", r.len()));
            continue;
        };
        let c = case(id);
        let p = plan_of(&plans, id);
        let Some(q) = quantity(qcell) else {
            problems.push(format!("case {id}: unknown quantity {qcell:?}"));
            continue;
        };
        if !seen.insert((id.clone(), qcell.clone())) {
            problems.push(format!("row repeated: {id} {qcell}"));
        }
        // The log cell: verbatim from the log, in backticks.
        let logged = quoted(log)
            .unwrap_or_else(|| panic!("case {id} {qcell}: log cell {log:?} is not in backticks"));
        if !c.log.contains(logged) {
            problems.push(format!(
                "case {id} {qcell}: `{logged}` is not in the log at {}",
                c.url
            ));
            continue;
        }
        if let Some(memory) = quoted(qcell).filter(|m| !c.log.contains(*m)) {
            problems.push(format!(
                "case {id} {qcell}: `{memory}` is not in the log at {}",
                c.url
            ));
            continue;
        }
        let (lv, decimals) = last_number(logged).expect("a number in the log cell");
        let got = compute_row(p, q, qcell, c, decimals);
        if *mm != got.text {
            problems.push(format!(
                "case {id} {qcell}: memmath cell {mm:?}, computed {:?}",
                got.text
            ));
        }
        // Error: exact when memmath prints what the log prints.
        let shown = last_number(got.text.split(" (").next().unwrap_or(&got.text)).map(|x| x.0);
        let exact = shown == Some(lv);
        let pct = (got.value - lv) / lv.abs() * 100.0;
        let want_err = if exact {
            "exact".to_string()
        } else {
            pct_text(pct)
        };
        if *err != want_err {
            problems.push(format!(
                "case {id} {qcell}: error cell {err:?}, computed {want_err:?}"
            ));
        }
        if target != q.target() {
            problems.push(format!(
                "case {id} {qcell}: target {target:?}, the page's rule for this quantity is {:?}",
                q.target()
            ));
        }
        let met = match (q.target(), got.range) {
            // The logged figure is itself rounded to its last decimal.
            (_, Some((lo, hi))) => {
                let half = 0.5 / 10f64.powi(decimals as i32);
                Some(lo - half <= lv && lv <= hi + half)
            }
            ("exact", _) => Some(exact),
            (t, None) if t.starts_with("within ") => {
                let tol: f64 = t
                    .trim_start_matches("within ")
                    .trim_end_matches('%')
                    .parse()
                    .expect("a percentage");
                Some(pct.abs() <= tol)
            }
            _ => None,
        };
        let want_verdict = match met {
            Some(true) => "met",
            Some(false) => "missed",
            None => "n/a",
        };
        if verdict != want_verdict {
            problems.push(format!(
                "case {id} {qcell}: verdict {verdict:?}, computed {want_verdict:?}"
            ));
        }
        let want_sample = sample_mark(p, q, c);
        if sample != want_sample {
            problems.push(format!(
                "case {id} {qcell}: sample {sample:?}, computed {want_sample:?}"
            ));
        }
    }
    // Every case has at least one compared number.
    for c in CASES {
        if !seen.iter().any(|(id, _)| id == c.id) {
            problems.push(format!("case {} has no results row", c.id));
        }
    }
    problems
}

#[test]
fn every_results_cell_matches_the_log_and_the_plan() {
    assert_clean("results", results_problems(PAGE));
}

fn assert_clean(what: &str, problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "docs/accuracy.md, {what}:\n{}",
        problems.join("\n")
    );
}

// ---------------------------------------------------------------------------
// The settings and bytes-per-token tables.

/// `[owner/repo#N](url)`: the link text a case's URL must carry.
fn link_for(url: &str) -> String {
    let path = url.trim_start_matches("https://github.com/");
    let parts: Vec<&str> = path.split('/').collect();
    match parts[..] {
        [owner, repo, "issues" | "pull", n] => format!("[{owner}/{repo}#{n}]({url})"),
        // A log file committed to a repository, at a commit.
        [owner, repo, "blob", commit, .., file] if commit.len() >= 7 => {
            format!("[{owner}/{repo}@{}:{file}]({url})", &commit[..7])
        }
        _ => panic!("{url} is not a GitHub issue, pull request or file at a commit"),
    }
}

/// Whether `deployment` names the spec's GPU as the plan counts it: `one NAME`
/// for one GPU, `N x NAME` for N, where NAME is the inline GPU's name or the
/// catalogue's id, name or a name without its `NVIDIA ` prefix.
fn gpu_problem(deployment: &str, p: &Planned) -> Option<String> {
    let g = &p.resolved.gpu;
    let mut names = vec![g.name.clone()];
    if g.id != "inline" {
        names.push(g.id.clone());
        if let Some(short) = g.name.strip_prefix("NVIDIA ") {
            names.push(short.to_string());
        }
    }
    let n = p.plan.gpu.total_gpus;
    let count = if n == 1 {
        "one".to_string()
    } else {
        format!("{} x", group_digits(n))
    };
    let names_it = names.iter().any(|name| {
        let at = format!("{count} {name}");
        deployment.match_indices(&at).any(|(i, _)| {
            let next = deployment[i + at.len()..].chars().next();
            let prev = deployment[..i].chars().next_back();
            !next.is_some_and(|c| c.is_alphanumeric()) && !prev.is_some_and(|c| c.is_alphanumeric())
        })
    });
    (!names_it).then(|| {
        format!(
            "deployment {deployment:?} does not name the spec's GPU as `{count} {}`",
            g.name
        )
    })
}

/// What is wrong with the settings table of `page`, against each case's URL,
/// spec and plan.
fn settings_problems(page: &str) -> Vec<String> {
    let rows = table(page, "#");
    let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let want: Vec<&str> = CASES.iter().map(|c| c.id).collect();
    let mut problems = Vec::new();
    if ids != want {
        problems.push(format!(
            "one settings row per case, in order: {ids:?}, want {want:?}"
        ));
    }
    for r in &rows {
        let [id, log, deployment, spec, total, tp, dp, util, len, version] = &r[..] else {
            problems.push(format!("settings row has {} cells, not 10: {r:?}", r.len()));
            continue;
        };
        let c = case(id);
        let p = planned(spec);
        let s = &p.spec;
        let serving = s.serving.as_ref().expect("serving");
        let kv = p.plan.kv_cache.as_ref().expect("kv");
        let check = |what: &str, cell: &str, want: String, problems: &mut Vec<String>| {
            if cell != want {
                problems.push(format!(
                    "case {id} {what}: page {cell:?}, spec/plan {want:?}"
                ));
            }
        };
        check("log", log, link_for(c.url), &mut problems);
        check(
            "deployment",
            deployment,
            s.metadata.description.clone().unwrap_or_default(),
            &mut problems,
        );
        if let Some(g) = gpu_problem(deployment, &p) {
            problems.push(format!("case {id}: {g}"));
        }
        let derived = if c.total_from_log {
            " (derived from the log)"
        } else {
            ""
        };
        check(
            "CUDA total",
            total,
            format!(
                "{}{derived}",
                gib_text(p.plan.gpu.total_bytes.get() as f64, 2)
            ),
            &mut problems,
        );
        check(
            "TP",
            tp,
            s.parallelism.tensor.max(1).to_string(),
            &mut problems,
        );
        check(
            "DP",
            dp,
            s.parallelism.data.max(1).to_string(),
            &mut problems,
        );
        let dflt = |set: bool| if set { "" } else { " (default)" };
        check(
            "gpu_memory_utilization",
            util,
            format!(
                "{:.2}{}",
                p.plan.per_gpu.memory_fraction,
                dflt(serving.gpu_memory_utilization.is_some())
            ),
            &mut problems,
        );
        check(
            "max_model_len",
            len,
            format!(
                "{}{}",
                group_digits(kv.max_model_len),
                dflt(serving.max_model_len.is_some())
            ),
            &mut problems,
        );
        check(
            "vLLM version",
            version,
            serving
                .engine_version
                .clone()
                .unwrap_or_else(|| "not stated".into()),
            &mut problems,
        );
    }
    problems
}

#[test]
fn every_settings_cell_matches_the_spec_and_the_plan() {
    assert_clean("settings", settings_problems(PAGE));
}

/// What is wrong with the bytes-per-token table of `page`, against the plans.
fn bytes_per_token_problems(page: &str) -> Vec<String> {
    let plans = plans(page);
    let rows = table(page, "case #");
    let mut problems = Vec::new();
    if rows.is_empty() {
        problems.push("the bytes-per-token table has no rows".to_string());
    }
    for r in &rows {
        let [id, layers, heads, head_dim, width, per_token] = &r[..] else {
            problems.push(format!(
                "bytes-per-token row has {} cells, not 6: {r:?}",
                r.len()
            ));
            continue;
        };
        let p = plan_of(&plans, id);
        let a = &p.resolved.model.architecture;
        let kv = p.plan.kv_cache.as_ref().expect("kv");
        let bytes = match kv.dtype.as_str() {
            "fp8" | "int8" => 1,
            "fp32" => 4,
            _ => 2,
        };
        // What the plan's figure implies per layer and head.
        let per_head = 2 * a.layers * a.head_dim * bytes;
        let want = [
            a.layers.to_string(),
            (kv.bytes_per_token_per_gpu / per_head).to_string(),
            a.head_dim.to_string(),
            format!("{bytes} ({})", kv.dtype),
            format!("{} B", group_digits(kv.bytes_per_token_per_gpu)),
        ];
        let got = [layers, heads, head_dim, width, per_token];
        for (g, w) in got.iter().zip(&want) {
            if *g != w {
                problems.push(format!("case {id}: page {g:?}, plan {w:?}"));
            }
        }
        if kv.bytes_per_token_per_gpu % per_head != 0 {
            problems.push(format!(
                "case {id}: not 2 x layers x heads x head_dim x bytes"
            ));
        }
    }
    problems
}

#[test]
fn every_bytes_per_token_cell_matches_the_plan() {
    assert_clean("bytes per token", bytes_per_token_problems(PAGE));
}

// ---------------------------------------------------------------------------
// The prose.

/// Numbers as the page writes them (digits with inner `.` or `,`).
fn numbers(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in s.chars().chain(std::iter::once(' ')) {
        if ch.is_ascii_digit() || (!cur.is_empty() && (ch == '.' || ch == ',')) {
            cur.push(ch);
        } else if !cur.is_empty() {
            out.push(cur.trim_end_matches(['.', ',']).to_string());
            cur.clear();
        }
    }
    out
}

/// The cases a `### ` heading covers: `### 1-2. ...` -> 1, 2; `### 3. ...` -> 3.
fn heading_ids(heading: &str) -> Option<Vec<String>> {
    let (ids, _) = heading.trim_start_matches("### ").split_once(". ")?;
    let (a, b) = ids.split_once('-').unwrap_or((ids, ids));
    let (a, b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
    Some((a..=b).map(|i| i.to_string()).collect())
}

/// `case 3`, `cases 1-2` (consecutive) or `cases 1, 3`.
fn cases_phrase(ids: &[u32]) -> String {
    match ids {
        [one] => format!("case {one}"),
        [first, .., last] if ids.windows(2).all(|w| w[1] == w[0] + 1) => {
            format!("cases {first}-{last}")
        }
        _ => {
            let list: Vec<String> = ids.iter().map(u32::to_string).collect();
            format!("cases {}", list.join(", "))
        }
    }
}

/// The paragraph of `page` that starts with `start`, its lines joined by spaces.
fn paragraph(page: &str, start: &str) -> Option<String> {
    let lines: Vec<&str> = page.lines().collect();
    let at = lines.iter().position(|l| l.starts_with(start))?;
    let para: Vec<&str> = lines[at..]
        .iter()
        .take_while(|l| !l.trim().is_empty())
        .copied()
        .collect();
    Some(para.join(" "))
}

/// What is wrong with the page's prose:
/// - the Targets sentence must state the targets the results check applies
///   (`Quantity::target`);
/// - the in-sample paragraph must name the cases whose rows are marked
///   in-sample in the results table;
/// - under a case heading (`### 1-2. ...`), every number (heading included)
///   must be one that case's own rows state: its settings, results and
///   bytes-per-token rows, its log, or its number;
/// - elsewhere, every number must be one some table or log states.
fn prose_problems(page: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let rows: Vec<Vec<String>> = ["#", "case", "case #"]
        .iter()
        .flat_map(|h| table(page, h))
        .collect();
    let backed_by = |ids: &[String]| -> BTreeSet<String> {
        rows.iter()
            .filter(|r| r.first().is_some_and(|id| ids.contains(id)))
            .flat_map(|r| r.iter().flat_map(|c| numbers(c)))
            .chain(
                CASES
                    .iter()
                    .filter(|c| ids.iter().any(|i| i == c.id))
                    .flat_map(|c| numbers(c.log)),
            )
            .chain(ids.iter().cloned())
            .collect()
    };
    let all: Vec<String> = CASES.iter().map(|c| c.id.to_string()).collect();
    let everywhere = backed_by(&all);

    // The Targets sentence, from the targets the results rows are held to.
    assert_eq!(Quantity::KvBlocks.target(), Quantity::KvTokens.target());
    assert_eq!(Quantity::KvMemory.target(), Quantity::KvTokens.target());
    let targets = format!(
        "**Targets**: weights {}; KV cache memory, blocks or tokens {} where the log states the engine settings; KV bytes per token {}.",
        Quantity::Weights.target(),
        Quantity::KvBlocks.target(),
        Quantity::OneSequence.target()
    );
    match paragraph(page, "**Targets**") {
        Some(p) if p.starts_with(&targets) => {}
        p => problems.push(format!(
            "the Targets paragraph {p:?} does not start {targets:?}"
        )),
    }

    // The in-sample paragraph, from the results table's sample column.
    let marked = |mark: &str| -> Vec<u32> {
        let ids: BTreeSet<u32> = table(page, "case")
            .iter()
            .filter(|r| r.last().is_some_and(|s| s == mark))
            .filter_map(|r| r[0].parse().ok())
            .collect();
        ids.into_iter().collect()
    };
    let in_sample = paragraph(page, "**In-sample rows.**").unwrap_or_default();
    for (mark, phrase) in [
        (
            "in-sample: non-torch constant fitted to this log",
            "the log of",
        ),
        (
            "in-sample: CUDA total derived from this log",
            "the CUDA total of",
        ),
    ] {
        let want = format!("{phrase} {}", cases_phrase(&marked(mark)));
        if !in_sample.contains(&want) {
            problems.push(format!("the in-sample paragraph does not say {want:?}"));
        }
    }

    // Every number: its own case's under a case heading, any table's elsewhere.
    let mut section: Option<Vec<String>> = None;
    for l in page.lines().filter(|l| !l.starts_with('|')) {
        if l.starts_with("## ") {
            section = None;
        }
        if l.starts_with("### ") {
            section = heading_ids(l);
            if section.is_none() {
                problems.push(format!(
                    "heading {l:?} names no case as `### N.` or `### N-M.`"
                ));
            }
        }
        let backed = section
            .as_deref()
            .map_or_else(|| everywhere.clone(), backed_by);
        // Link targets are URLs, checked with the settings table; dtype names
        // (BF16, FP8) are names, not figures.
        let mut text = strip_link_targets(l);
        for dtype in ["BF16", "FP16", "FP32", "FP8", "FP4", "INT8", "INT4"] {
            text = text.replace(dtype, "");
        }
        for n in numbers(&text) {
            if !backed.contains(&n) {
                let whose = section
                    .as_ref()
                    .map_or("no table or log".to_string(), |ids| {
                        format!("no row or log of case {} ", ids.join("-"))
                    });
                problems.push(format!("{n} in {l:?}: {whose}states it"));
            }
        }
    }
    problems
}

#[test]
fn every_number_in_the_prose_is_backed_by_its_case() {
    assert_clean("prose", prose_problems(PAGE));
}

/// The cases of the page whose rows of the given quantities all lie within
/// 5% of their log, and those that do not, from the results table's error
/// cells (which `results_problems` checks against the plans).
fn within_five_percent(page: &str, quantities: &[Quantity]) -> (Vec<u32>, Vec<u32>) {
    let all: BTreeSet<u32> = CASES.iter().filter_map(|c| c.id.parse().ok()).collect();
    let mut missed = BTreeSet::new();
    for row in table(page, "case") {
        let (Some(id), Some(q), Some(err)) = (row.first(), row.get(1), row.get(4)) else {
            continue;
        };
        if !quantity(q).is_some_and(|q| quantities.contains(&q)) {
            continue;
        }
        let pct = if err == "exact" {
            0.0
        } else {
            err.trim_end_matches('%')
                .parse::<f64>()
                .unwrap_or(f64::INFINITY)
        };
        if pct.abs() > 5.0 {
            if let Ok(id) = id.parse() {
                missed.insert(id);
            }
        }
    }
    let met = all.difference(&missed).copied().collect();
    (met, missed.into_iter().collect())
}

/// The "**Within 5%.**" paragraph, as the results table makes it: weights
/// and available KV memory, then with the KV blocks and tokens as well.
fn within_five_paragraph(page: &str) -> String {
    let total = CASES.len();
    let (met, missed) = within_five_percent(page, &[Quantity::Weights, Quantity::KvMemory]);
    let (met_all, missed_all) = within_five_percent(
        page,
        &[
            Quantity::Weights,
            Quantity::KvMemory,
            Quantity::KvBlocks,
            Quantity::KvTokens,
        ],
    );
    format!(
        "**Within 5%.** Weights and available KV memory lie within 5% of the log in {} of {total} cases (misses: {}); with the KV blocks and tokens counted too, in {} of {total} (misses: {}).",
        met.len(),
        cases_phrase(&missed),
        met_all.len(),
        cases_phrase(&missed_all),
    )
}

#[test]
fn the_within_five_percent_tally_is_the_tables() {
    let want = within_five_paragraph(PAGE);
    assert_eq!(
        paragraph(PAGE, "**Within 5%.**").as_deref(),
        Some(want.as_str()),
        "docs/accuracy.md must state the tally the results table gives"
    );
}

/// Every check above, on a whole page.
fn page_problems(page: &str) -> Vec<String> {
    let mut all = results_problems(page);
    all.extend(settings_problems(page));
    all.extend(bytes_per_token_problems(page));
    all.extend(prose_problems(page));
    all
}

/// The claim "editing any number fails a test", tested: one edit of each kind
/// of cell and of prose number, each in a copy of the page, each reported.
#[test]
fn editing_any_kind_of_cell_or_prose_number_fails() {
    assert_clean("unedited", page_problems(PAGE));
    // One edit a line: what it edits ~ the text on the page ~ its replacement.
    let edits = r#"
results: quantity (now matched exactly) ~ | 1 | weights per GPU | ~ | 1 | weights per GPU, loaded |
results: log ~ `GPU blocks: 1952` ~ `GPU blocks: 1953`
results: memmath ~ | 1,973 blocks | ~ | 1,974 blocks |
results: error ~ | 1,973 blocks | +1.1% | ~ | 1,973 blocks | +1.2% |
results: target ~ | -1.4% | within 3% | ~ | -1.4% | within 5% |
results: verdict ~ | +48.1% | within 10% | missed | ~ | +48.1% | within 10% | met |
results: sample ~ | -4.1% | within 10% | met | in-sample: CUDA total derived from this log | ~ | -4.1% | within 10% | met | held out |
results: logged memory in the quantity ~ tokens held by the logged `Available KV cache memory: 6.51 GiB` ~ tokens held by the logged `Available KV cache memory: 6.52 GiB`
settings: link text ~ [vllm-project/vllm#6746]( ~ [vllm-project/vllm#6747](
settings: link owner ~ [LMCache/LMCache#1739]( ~ [LMCache#1739](
settings: deployment ~ Meta-Llama-3.1-405B-Instruct-FP8, 8 x H100 SXM ~ Meta-Llama-3.1-405B-Instruct-FP8, 8 x H200
settings: CUDA total ~ | 8.00 GiB | ~ | 8.01 GiB |
settings: TP ~ | 23.55 GiB (derived from the log) | 2 | ~ | 23.55 GiB (derived from the log) | 1 |
settings: gpu_memory_utilization ~ | 0.98 | 131,072 (default) | ~ | 0.97 | 131,072 (default) |
settings: max_model_len ~ | 29,000 | ~ | 29,001 |
settings: version ~ | 262,144 (default) | 0.10.1 | ~ | 262,144 (default) | 0.10.2 |
bytes per token: per token ~ | 98,304 B | ~ | 98,305 B |
bytes per token: heads ~ | 3 | 48 | 4 | ~ | 3 | 48 | 8 |
prose: Targets ~ weights within 3%; ~ weights within 5%;
prose: in-sample cases ~ the log of cases 1-2 ~ the log of cases 1-3
prose: case heading ~ on 8 x H100 (vllm#6746) ~ on 4 x H100 (vllm#6746)
prose: case text ~ vLLM 0.6.4 (V0) without chunked ~ vLLM 0.7 (V0) without chunked
"#;
    let mut unnoticed = Vec::new();
    let lines: Vec<&str> = edits.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 22, "every edit above is tried");
    for line in lines {
        let [what, from, to] = line.split(" ~ ").collect::<Vec<_>>()[..] else {
            panic!("edit {line:?} is not `what ~ from ~ to`");
        };
        if PAGE.matches(from).count() != 1 {
            unnoticed.push(format!("{what}: {from:?} does not occur once on the page"));
            continue;
        }
        let page = PAGE.replacen(from, to, 1);
        // A check that panics on the edit fails a test too.
        let found =
            std::panic::catch_unwind(|| page_problems(&page)).map_or(true, |p| !p.is_empty());
        if !found {
            unnoticed.push(format!("{what}: editing {from:?} to {to:?} fails no check"));
        }
    }
    assert!(unnoticed.is_empty(), "{}", unnoticed.join("\n"));
}

/// The deployment cell names the spec's GPU (count and name): each case's own
/// description does; the same text with another GPU or count does not.
#[test]
fn the_deployment_cell_names_the_specs_gpu() {
    for (id, p) in plans(PAGE) {
        let d = p.spec.metadata.description.clone().unwrap_or_default();
        assert_eq!(gpu_problem(&d, &p), None, "case {id}");
        let name = &p.resolved.gpu.name;
        assert!(
            gpu_problem(&d.replace(name.as_str(), "A100"), &p).is_some(),
            "case {id}"
        );
        let n = p.plan.gpu.total_gpus;
        let other = if n == 1 { "one " } else { "x " };
        let wrong = if n == 1 { "2 x " } else { "one " };
        assert!(
            gpu_problem(
                &d.replace(&format!("{other}{name}"), &format!("{wrong}{name}")),
                &p
            )
            .is_some(),
            "case {id}"
        );
    }
}

/// `[text](target)` -> `[text]`.
fn strip_link_targets(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some((before, after)) = rest.split_once("](") {
        out.push_str(before);
        out.push(']');
        rest = after.split_once(')').map_or("", |(_, r)| r);
    }
    out.push_str(rest);
    out
}

/// Every logged start failure is predicted, and no logged start is predicted
/// to fail: a case whose log shows the engine refusing to start (a negative KV
/// cache memory, or one `max_model_len` sequence larger than the cache) has a
/// plan whose engine does not start (MEM003), and every other case's plan
/// starts.
#[test]
fn start_failures_are_predicted_exactly_where_logged() {
    let refused = |log: &str| {
        log.contains("KV Cache is -")
            || log.contains("KV cache memory: -")
            || log.contains("is larger than the maximum number of tokens that can be stored")
            || log.contains("the maximum number of tokens that can be stored in KV cache (")
            || log.contains("which is larger than the available KV cache memory")
    };
    let plans = plans(PAGE);
    let mut logged = Vec::new();
    for case in CASES {
        let p = plan_of(&plans, case.id);
        let failed = refused(case.log);
        if failed {
            logged.push(case.id);
        }
        assert_eq!(
            !p.plan.engine_starts(),
            failed,
            "case {}: the log says the engine {}, memmath's plan says it {}",
            case.id,
            if failed {
                "refused to start"
            } else {
                "started"
            },
            if p.plan.engine_starts() {
                "starts"
            } else {
                "does not start"
            }
        );
    }
    assert_eq!(logged, ["2", "3", "4", "8", "10"]);
}
