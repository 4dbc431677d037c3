//! SGLang's command line (`python -m sglang.launch_server`, Dynamo's
//! `python -m dynamo.sglang`).
//!
//! Source: `python/sglang/srt/server_args.py` (`ServerArgs.add_cli_args`),
//! SGLang v0.4.0 to v0.5.x. Plain argparse: no `_`/`-` folding, so
//! `--tp_size` is an unknown flag there.

use super::flags::{flag, Flag, Target::*, BOOL, FLOAT, INT, JSON, TEXT};

pub const FLAGS: &[Flag] = &[
    flag("model-path", TEXT, Model).alias(&["model"]),
    flag("tp-size", INT, Tensor).alias(&["tp", "tensor-parallel-size"]),
    flag("pp-size", INT, Pipeline).alias(&["pipeline-parallel-size"]),
    flag("dp-size", INT, SglangDp).alias(&["dp", "data-parallel-size"]),
    flag("enable-dp-attention", BOOL, DpAttention),
    flag("ep-size", INT, ExpertSize).alias(&["ep", "expert-parallel-size"]),
    flag("context-length", INT, MaxModelLen),
    flag("mem-fraction-static", FLOAT, MemFraction),
    flag("kv-cache-dtype", TEXT, KvDtype),
    flag("page-size", INT, BlockSize),
    flag("max-running-requests", INT, MaxSeqs),
    flag("chunked-prefill-size", INT, BatchedTokens),
    flag("disable-cuda-graph", BOOL, NoCudaGraph),
    flag("quantization", TEXT, Quantization),
    flag("dtype", TEXT, Dtype),
    flag("nnodes", INT, Nodes),
    flag(
        "max-total-tokens",
        INT,
        NotModelled("KV pool size override"),
    ),
    flag(
        "max-prefill-tokens",
        INT,
        NotModelled("prefill token budget"),
    ),
    flag(
        "cuda-graph-max-bs",
        INT,
        NotModelled("largest CUDA-graph batch"),
    ),
    flag(
        "cpu-offload-gb",
        FLOAT,
        NotModelled("weights offloaded to host RAM"),
    ),
    flag(
        "enable-hierarchical-cache",
        BOOL,
        NotModelled("KV cache offloaded to host RAM"),
    ),
    flag(
        "hicache-ratio",
        FLOAT,
        NotModelled("KV cache offloaded to host RAM"),
    ),
    flag(
        "hicache-size",
        INT,
        NotModelled("KV cache offloaded to host RAM"),
    ),
    flag(
        "speculative-algorithm",
        TEXT,
        NotModelled("speculative decoding drafter"),
    ),
    flag(
        "speculative-draft-model-path",
        TEXT,
        NotModelled("speculative decoding drafter"),
    ),
    flag(
        "speculative-num-steps",
        INT,
        NotModelled("speculative decoding drafter"),
    ),
    flag(
        "speculative-eagle-topk",
        INT,
        NotModelled("speculative decoding drafter"),
    ),
    flag(
        "speculative-num-draft-tokens",
        INT,
        NotModelled("speculative decoding drafter"),
    ),
    flag("enable-lora", BOOL, NotModelled("LoRA adapter slots")),
    flag(
        "max-loras-per-batch",
        INT,
        NotModelled("LoRA adapter slots"),
    ),
    flag("max-lora-rank", INT, NotModelled("LoRA adapter slots")),
    flag(
        "max-mamba-cache-size",
        INT,
        NotModelled("Mamba state slots"),
    ),
    // Known, no effect on the memory math.
    flag("host", TEXT, Known),
    flag("port", INT, Known),
    flag("served-model-name", TEXT, Known),
    flag("api-key", TEXT, Known),
    flag("trust-remote-code", BOOL, Known),
    flag("tokenizer-path", TEXT, Known),
    flag("tokenizer-mode", TEXT, Known),
    flag("load-format", TEXT, Known),
    flag("download-dir", TEXT, Known),
    flag("revision", TEXT, Known),
    flag("chat-template", TEXT, Known),
    flag("random-seed", INT, Known),
    flag("log-level", TEXT, Known),
    flag("log-requests", BOOL, Known),
    flag("enable-metrics", BOOL, Known),
    flag("device", TEXT, Known),
    flag("attention-backend", TEXT, Known),
    flag("sampling-backend", TEXT, Known),
    flag("grammar-backend", TEXT, Known),
    flag("disable-radix-cache", BOOL, Known),
    flag("disable-overlap-schedule", BOOL, Known),
    flag("enable-mixed-chunk", BOOL, Known),
    flag("enable-torch-compile", BOOL, Known),
    flag("torch-compile-max-bs", INT, Known),
    flag("schedule-policy", TEXT, Known),
    flag("schedule-conservativeness", FLOAT, Known),
    flag("dist-init-addr", TEXT, Known),
    flag("node-rank", INT, Known),
    flag("tool-call-parser", TEXT, Known),
    flag("reasoning-parser", TEXT, Known),
    flag("json-model-override-args", JSON, Known),
    flag("enable-memory-saver", BOOL, Known),
    flag("disaggregation-mode", TEXT, Known),
    flag("disaggregation-transfer-backend", TEXT, Known),
    flag("disaggregation-ib-device", TEXT, Known),
    flag("moe-a2a-backend", TEXT, Known),
    flag("enable-deepep-moe", BOOL, Known),
    flag("deepep-mode", TEXT, Known),
    flag("watchdog-timeout", FLOAT, Known),
    flag("skip-server-warmup", BOOL, Known),
    flag("decode-log-interval", INT, Known),
    flag("num-continuous-decode-steps", INT, Known),
    flag("model-impl", TEXT, Known),
];

/// Environment variables named like a flag (`SGLANG_` + the flag's name):
/// SGLang reads its settings from the command line, not from these.
pub const ENV_PREFIX: &str = "SGLANG_";
