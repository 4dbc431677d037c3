//! TensorRT-LLM's `trtllm-serve` command line and its extra-options YAML
//! (`--extra_llm_api_options FILE`, or `--config FILE` in newer releases).
//!
//! Source: `tensorrt_llm/commands/serve.py` (click options, TensorRT-LLM v0.20
//! to v1.0; click does not fold `-` and `_`, so `--tp-size` is unknown) and
//! `tensorrt_llm/llmapi/llm_args.py` (`TorchLlmArgs`, `KvCacheConfig`) for the
//! YAML keys. The YAML wins over the command line: serve.py updates the
//! argument dict with the file's contents after the flags are read.

use super::flags::{flag, Flag, Target::*, BOOL, FLOAT, INT, TEXT};

pub const FLAGS: &[Flag] = &[
    flag("model", TEXT, Model),
    flag("tp_size", INT, Tensor),
    flag("pp_size", INT, Pipeline),
    flag("ep_size", INT, ExpertSize),
    flag("max_seq_len", INT, MaxModelLen),
    flag("kv_cache_free_gpu_memory_fraction", FLOAT, MemFraction),
    flag("max_batch_size", INT, MaxSeqs),
    flag("max_num_tokens", INT, BatchedTokens),
    flag("gpus_per_node", INT, GpusPerNode),
    flag("extra_llm_api_options", TEXT, ExtraOptionsFile).alias(&["config"]),
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
