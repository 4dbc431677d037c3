//! TensorRT-LLM's `trtllm-serve` command line and its extra-options YAML
//! (`--extra_llm_api_options FILE`, or `--config FILE` in newer releases).
//!
//! Source: `tensorrt_llm/commands/serve.py` (click options, TensorRT-LLM v0.20
//! to v1.0; click does not fold `-` and `_`, so `--tp-size` is unknown) and
//! `tensorrt_llm/llmapi/llm_args.py` (`TorchLlmArgs`, `KvCacheConfig`) for the
//! YAML keys. The YAML wins over the command line: serve.py updates the
//! argument dict with the file's contents after the flags are read.

use super::flags::{flag, Flag, Target::*, BOOL, FLOAT, INT, TEXT};

/// The second spelling of each row is Dynamo's `python -m dynamo.trtllm`
/// wrapper (argparse, dashes: ai-dynamo/dynamo
/// components/src/dynamo/trtllm/utils/trtllm_utils.py), which passes the same
/// settings to the same LLM API.
pub const FLAGS: &[Flag] = &[
    flag("model", TEXT, Model).alias(&["model-path"]),
    flag("tp_size", INT, Tensor).alias(&["tensor-parallel-size"]),
    flag("pp_size", INT, Pipeline).alias(&["pipeline-parallel-size"]),
    flag("ep_size", INT, ExpertSize).alias(&["expert-parallel-size"]),
    flag("max_seq_len", INT, MaxModelLen).alias(&["max-seq-len"]),
    flag("kv_cache_free_gpu_memory_fraction", FLOAT, MemFraction)
        .alias(&["free-gpu-memory-fraction"]),
    flag("max_batch_size", INT, MaxSeqs).alias(&["max-batch-size"]),
    flag("max_num_tokens", INT, BatchedTokens).alias(&["max-num-tokens"]),
    flag("gpus_per_node", INT, GpusPerNode).alias(&["gpus-per-node"]),
    flag("extra_llm_api_options", TEXT, ExtraOptionsFile).alias(&["config", "extra-engine-args"]),
    flag("kv-block-size", INT, BlockSize),
    flag("served-model-name", TEXT, Known),
    flag("endpoint", TEXT, Known),
    flag("disaggregation-mode", TEXT, Known),
    flag("disaggregation-strategy", TEXT, Known),
    flag("publish-events-and-metrics", BOOL, Known),
    flag("modality", TEXT, Known),
    flag("max_beam_width", INT, NotModelled("beam width")),
    flag("host", TEXT, Known),
    flag("port", INT, Known),
    flag("backend", TEXT, Known),
    flag("tokenizer", TEXT, Known),
    flag("log_level", TEXT, Known),
    flag("trust_remote_code", BOOL, Known),
    flag("num_postprocess_workers", INT, Known),
    flag("reasoning_parser", TEXT, Known),
    flag("tool_parser", TEXT, Known),
    flag("served_model_name", TEXT, Known),
    flag("metadata_server_config_file", TEXT, Known),
    flag("server_role", TEXT, Known),
    flag("cluster_size", INT, Known),
];

/// Keys of the extra-options YAML and the flag each stands for (dotted paths
/// for nested keys). `cuda_graph_config` is handled apart: present means
/// CUDA graphs on, `null` means off.
pub const YAML_KEYS: &[(&str, &str)] = &[
    ("tensor_parallel_size", "tp_size"),
    ("pipeline_parallel_size", "pp_size"),
    ("moe_expert_parallel_size", "ep_size"),
    ("max_seq_len", "max_seq_len"),
    ("max_batch_size", "max_batch_size"),
    ("max_num_tokens", "max_num_tokens"),
    (
        "kv_cache_config.free_gpu_memory_fraction",
        "kv_cache_free_gpu_memory_fraction",
    ),
];

/// TensorRT-LLM reads no `TRTLLM_`-prefixed variable named after a serve option.
pub const ENV_PREFIX: &str = "TRTLLM_";
