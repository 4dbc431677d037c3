//! The table itself: one row per code. Kept apart from the types and lookups
//! so that adding a code is one row here (and its docs section).

use super::{Code, Kind, Policy, Severity};

/// Where each kind of code is documented (a docs/*.md section a user can open).
const RULES_DOC: &str = "docs/rules.md#rules-and-default-severities";
const INPUT_DOC: &str = "docs/diagnostics.md#input-codes-syn-sch";
const PLAN_DOC: &str = "docs/diagnostics.md#plan-codes-mem000";
const CATALOG_DOC: &str = "docs/catalog.md#codes";
const HARDWARE_DOC: &str = "docs/hardware.md#the-hw-codes";
const IMPORT_DOC: &str = "docs/import.md#the-imp-codes";

/// Neither suppressible nor configurable: the spec cannot be planned.
const LOCKED: Policy = Policy {
    suppressible: false,
    configurable: false,
};
/// Suppressible in the spec and configurable in memmath.toml / on the CLI.
const OPEN: Policy = Policy {
    suppressible: true,
    configurable: true,
};
/// Configurable but not suppressible (a suppression cannot silence itself).
const CONFIG_ONLY: Policy = Policy {
    suppressible: false,
    configurable: true,
};

macro_rules! codes {
    ($($id:ident: $name:literal, $sev:ident, $kind:ident, $policy:ident, $docs:ident, $summary:literal;)*) => {
        $(
            #[doc = $summary]
            pub const $id: Code = Code {
                code: stringify!($id),
                name: $name,
                severity: Severity::$sev,
                kind: Kind::$kind,
                suppressible: $policy.suppressible,
                configurable: $policy.configurable,
                docs: $docs,
                summary: $summary,
            };
        )*
        /// Every code, in code order.
        pub const ALL: &[Code] = &[$($id),*];
    };
}

codes! {
    CAT001: "unknown-preset", Error, Catalog, LOCKED, CATALOG_DOC,
        "`model.preset` or `hardware.gpu` names no catalogue entry.";
    CAT002: "unknown-model-type", Error, Catalog, LOCKED, CATALOG_DOC,
        "config.json's `model_type` is not one the importer maps.";
    CAT003: "invalid-hf-config", Error, Catalog, LOCKED, CATALOG_DOC,
        "config.json is unreadable, not JSON, or lacks or mistypes a required field.";
    CAT004: "invalid-safetensors-header", Error, Catalog, LOCKED, CATALOG_DOC,
        "A safetensors header is truncated, lies about its length, or describes tensors that do not fit the file.";
    CAT005: "safetensors-not-found", Error, Catalog, LOCKED, CATALOG_DOC,
        "`model.safetensors` names nothing readable, or a folder without shards.";
    CAT006: "invalid-safetensors-index", Error, Catalog, LOCKED, CATALOG_DOC,
        "model.safetensors.index.json is not valid JSON or has no `weight_map`.";
    CAT007: "invalid-architecture", Error, Catalog, LOCKED, CATALOG_DOC,
        "The resolved architecture is impossible (zero layers, kv_heads not dividing attention_heads, a sliding layer past the last layer, ...).";
    CAT008: "conflicting-model-source", Error, Catalog, LOCKED, CATALOG_DOC,
        "Both `model.preset` and `model.hf_config` are set.";
    CAT009: "unsupported-quantization-config", Warning, Catalog, OPEN, CATALOG_DOC,
        "config.json's `quantization_config` is a method the importer cannot map.";
    CAT010: "unmatched-gpu-name", Info, Catalog, OPEN, CATALOG_DOC,
        "An inline GPU without `compute_capability` matched no catalogue name.";
    CAT011: "engine-version-outside-defaults", Warning, Catalog, OPEN, CATALOG_DOC,
        "`serving.engine_version` parses but is older than the engine's defaults table; the plan uses the oldest row and says which.";
    CAT012: "engine-version-newer-than-defaults", Info, Catalog, OPEN, CATALOG_DOC,
        "`serving.engine_version` is newer than the engine's defaults table; the plan uses the newest row and says so.";
    CAT020: "model-type-by-convention", Warning, Catalog, OPEN, CATALOG_DOC,
        "config.json's `model_type` has no mapping of its own; it was imported by the conventional keys, and the message names what was assumed.";
    HST001: "host-memory-not-specified", Info, Rule, OPEN, RULES_DOC,
        "Flags a spec without `hardware.host_memory`, so the host RAM needed while loading the weights is computed but checked against nothing.";
    HST002: "host-memory-below-load-peak", Error, Rule, OPEN, RULES_DOC,
        "Checks that the host RAM needed while loading the weights (per node: what each loading rank stages, times the ranks loading at once) fits `hardware.host_memory`.";
    HST003: "pickle-checkpoint", Warning, Rule, OPEN, RULES_DOC,
        "Flags `loading.format: pytorch`: weights in PyTorch pickle files (`.bin`, `.pt`).";
    HST004: "shard-index-mismatch", Error, Rule, OPEN, RULES_DOC,
        "Flags a safetensors index that names a missing shard file, or maps a tensor to a shard whose header does not contain it.";
    HST020: "host-memory-below-serving-caches", Error, Rule, OPEN, RULES_DOC,
        "The host RAM the serving caches hold per node (KV offload, LoRA adapter cache, multimodal processor cache) exceeds `hardware.host_memory`.";
    HW001: "gpu-model-mismatch", Error, Hardware, OPEN, HARDWARE_DOC,
        "A used GPU's NVML name is not the spec's GPU.";
    HW002: "gpu-count-below-spec", Error, Hardware, OPEN, HARDWARE_DOC,
        "NVML sees fewer GPUs than the spec places on one node.";
    HW003: "free-memory-below-plan", Error, Hardware, OPEN, HARDWARE_DOC,
        "A used GPU's free memory is below what the plan needs on it.";
    HW004: "gpu-memory-differs-from-catalog", Warning, Hardware, OPEN, HARDWARE_DOC,
        "A used GPU's total memory differs from the catalogue's by more than 1%; the plan is re-run on the measured memory.";
    HW005: "mig-enabled", Error, Hardware, OPEN, HARDWARE_DOC,
        "MIG (Multi-Instance GPU) is enabled, or pending at the next reset, on a used GPU.";
    HW006: "dtype-unsupported-on-device", Warning, Hardware, OPEN, HARDWARE_DOC,
        "FP8 or FP4 weights, or an FP8 KV cache, on a GPU below the compute capability they need.";
    IMP001: "unresolved-value", Error, Import, OPEN, IMPORT_DOC,
        "A memory-relevant setting in a serving config comes from a variable or expression (`$TP`, `valueFrom`, `$((...))`) that cannot be resolved without running anything.";
    IMP002: "gpu-type-missing", Error, Import, OPEN, IMPORT_DOC,
        "The serving config does not say which GPU it runs on, and neither `--gpu` nor the spec's `hardware.gpu` does.";
    IMP003: "ineffective-setting", Warning, Import, OPEN, IMPORT_DOC,
        "A setting is present but has no effect: a flag the engine version removed, a value the engine rejects, a key at a level the chart ignores, an env var the engine never reads, a commented-out launch.";
    IMP004: "unknown-flag", Info, Import, OPEN, IMPORT_DOC,
        "A flag or word memmath does not know is passed to the engine unread.";
    IMP005: "deployment-drift", Warning, Import, OPEN, IMPORT_DOC,
        "A field set both in the spec and in its `deployment` file has different values; the spec's value is used.";
    IMP006: "no-engine-launch", Error, Import, OPEN, IMPORT_DOC,
        "The file holds no engine launch memmath can read (no vLLM, SGLang or TensorRT-LLM command, container or values block).";
    IMP007: "model-not-in-catalog", Error, Import, OPEN, IMPORT_DOC,
        "The served model is neither a catalogue preset's Hugging Face id nor given with `--model`, so its architecture is unknown.";
    IMP008: "setting-not-modelled", Info, Import, OPEN, IMPORT_DOC,
        "A memory-relevant setting (speculative decoding, LoRA, multimodal limits, KV offload, a fixed KV pool) has no spec field yet: its value is kept in provenance, and the plan leaves it out.";
    MEM000: "arithmetic-overflow", Error, Plan, LOCKED, PLAN_DOC,
        "The memory math overflows 2^64 bytes: a size, count or degree in the spec is absurd, and no plan can be computed.";
    MEM001: "weights-exceed-gpu-memory", Error, Rule, OPEN, RULES_DOC,
        "Checks that the weights on the most-loaded GPU of one engine instance (after tensor and pipeline sharding) fit the engine's memory budget.";
    MEM002: "kv-cache-exceeds-budget", Error, Rule, OPEN, RULES_DOC,
        "Checks that the traffic classes, at `plan_percentile` tokens x concurrency x burst, fit the KV cache of the replicas.";
    MEM003: "max-model-len-does-not-fit", Error, Rule, OPEN, RULES_DOC,
        "Checks that one sequence of `max_model_len` tokens fits the KV cache of an engine instance, and that any memory is left for the KV cache at all.";
    MEM004: "headroom-below-minimum", Warning, Rule, OPEN, RULES_DOC,
        "Checks that each GPU keeps at least `capacity.headroom` of its memory free (default 10%), and that `capacity.headroom` is not set below the minimum.";
    MEM005: "weights-only-plan", Warning, Rule, OPEN, RULES_DOC,
        "Flags a serving spec with no traffic classes and no `max_model_len`: the KV cache is sized for nothing in particular.";
    MEM006: "cuda-graphs-squeezed-out", Warning, Rule, OPEN, RULES_DOC,
        "Flags vLLM and SGLang deployments with CUDA graphs whose memory fraction leaves less outside the budget than the CUDA graph pool needs.";
    MEM020: "state-pages-limit-concurrency", Warning, Rule, OPEN, RULES_DOC,
        "A class does not fit while prefix caching keeps extra state pages per sequence in every state group (hybrid models).";
    MEM021: "speculative-tokens-exceed-batch-budget", Warning, Rule, OPEN, RULES_DOC,
        "Decoding sequences times (1 + speculative tokens) exceed `max_num_batched_tokens`.";
    MEM022: "lora-slots-crowd-out-traffic", Warning, Rule, OPEN, RULES_DOC,
        "The traffic does not fit the KV pool and the GPU LoRA slots take the memory that would close the gap.";
    MEM023: "vision-budget-crowds-out-text", Warning, Rule, OPEN, RULES_DOC,
        "The traffic does not fit the KV pool and the vision tower and its profiling outputs take the memory that would close the gap.";
    MEM024: "startup-fails-after-kv-cache", Error, Rule, OPEN, RULES_DOC,
        "Flags vLLM V1 deployments whose CUDA-graph capture or sampler warm-up, run after the KV cache is allocated, does not fit what is left.";
    PAR001: "tensor-parallel-does-not-divide-heads", Error, Rule, OPEN, RULES_DOC,
        "Checks that the tensor-parallel size splits attention heads, KV heads and the MLP (and its quantization groups) evenly.";
    PAR002: "kv-heads-replicated-across-tensor-parallel", Warning, Rule, OPEN, RULES_DOC,
        "Flags tensor parallelism wider than the model's KV heads (`kv_heads < tp`, models without MLA).";
    PAR003: "tensor-parallel-spans-nodes", Warning, Rule, OPEN, RULES_DOC,
        "Flags a tensor-parallel size larger than `hardware.gpus_per_node`.";
    PAR004: "pipeline-stages-unbalanced", Warning, Rule, OPEN, RULES_DOC,
        "Flags pipeline stages that are uneven: layers not divisible by `pipeline`, or a stage over 10% above the mean.";
    PAR005: "gpu-count-mismatch", Error, Rule, OPEN, RULES_DOC,
        "Checks that replicas x tensor x pipeline x data GPUs fit in `hardware.nodes x hardware.gpus_per_node`.";
    PAR006: "mla-cache-replicated-across-tensor-parallel", Warning, Rule, OPEN, RULES_DOC,
        "Flags an MLA model served with tensor parallelism and no data-parallel attention (`tensor > 1`, `data: 1`).";
    QNT001: "low-bit-weights-with-16-bit-kv-cache", Warning, Rule, OPEN, RULES_DOC,
        "Flags low-bit weights served with a 16-bit KV cache when the KV cache per GPU at planned traffic exceeds the weights per GPU.";
    QNT002: "dtype-unsupported-on-gpu", Error, Rule, OPEN, RULES_DOC,
        "Flags weights or a KV cache in a dtype the GPU has no native support for (FP8 below 8.9, FP4 below 10.0, bfloat16 below 8.0).";
    QNT003: "kv-cache-dtype-unsupported-by-engine", Error, Rule, OPEN, RULES_DOC,
        "Flags a `kv_cache_dtype` the serving engine does not implement.";
    SCH001: "unknown-field", Error, Input, LOCKED, INPUT_DOC,
        "A key the v1 schema does not define (often a typo; the finding suggests the closest field).";
    SCH002: "missing-field", Error, Input, LOCKED, INPUT_DOC,
        "A required field is missing (including the section the spec's kind requires).";
    SCH003: "wrong-type", Error, Input, LOCKED, INPUT_DOC,
        "A value has the wrong type (a number where a string is expected, a list where a mapping is expected).";
    SCH004: "out-of-range", Error, Input, LOCKED, INPUT_DOC,
        "A number outside its allowed range, or values out of order (p95 below p50).";
    SCH005: "invalid-value", Error, Input, LOCKED, INPUT_DOC,
        "A value that is not allowed: an unknown enum value, a size without a unit, a wrong apiVersion, a quantization that contradicts its dtype.";
    SUP001: "unused-suppression", Warning, Rule, CONFIG_ONLY, RULES_DOC,
        "Flags a suppression that suppresses nothing at its place (or in its file).";
    SUP002: "unknown-rule-in-suppression", Warning, Rule, CONFIG_ONLY, RULES_DOC,
        "Flags a suppression that names no code: neither a code (`TRF003`) nor a name (`long-context-needs-separate-pool`).";
    SUP003: "suppression-without-reason", Warning, Rule, CONFIG_ONLY, RULES_DOC,
        "Flags an inline suppression with no reason after the codes: `# memmath: ignore[TRF003]` alone.";
    SYN001: "invalid-yaml", Error, Input, LOCKED, INPUT_DOC,
        "The file is not a single valid YAML document in UTF-8 (syntax error, empty file, several documents, merge keys).";
    SYN002: "duplicate-key", Error, Input, LOCKED, INPUT_DOC,
        "A mapping has the same key twice; YAML parsers would silently keep only one value.";
    SYN003: "input-too-large-or-too-deep", Error, Input, LOCKED, INPUT_DOC,
        "The file is over 1 MiB, nests deeper than 32 levels, or expands to too many nodes (alias bombs).";
    TRF001: "average-token-lengths", Error, Rule, OPEN, RULES_DOC,
        "Flags a traffic class whose token counts give neither the planning percentile nor its fallback (p99 falls back to p95), whatever its mean or p50 say.";
    TRF002: "max-context-for-all-traffic", Warning, Rule, OPEN, RULES_DOC,
        "Flags a serving spec whose every traffic class reaches `max_model_len`, or that has `max_model_len` but no traffic classes.";
    TRF003: "long-context-needs-separate-pool", Warning, Rule, OPEN, RULES_DOC,
        "Flags a traffic class that needs over half of the KV pool while its sequences are over 8x as long as the median class's.";
    TRF004: "no-burst-margin", Warning, Rule, OPEN, RULES_DOC,
        "Flags a traffic class with no burst margin: `burst` unset or at most 1.0.";
    TRF005: "context-exceeds-model-limit", Error, Rule, OPEN, RULES_DOC,
        "Flags a `max_model_len`, or a traffic class's tokens per sequence, above the model's `max_position_embeddings`.";
    TRF006: "class-exceeds-max-model-len", Error, Rule, OPEN, RULES_DOC,
        "Flags a traffic class whose tokens per sequence (prompt + output at `plan_percentile`) exceed `max_model_len`.";
    TRF007: "concurrency-exceeds-max-num-seqs", Warning, Rule, OPEN, RULES_DOC,
        "Flags a `max_num_seqs` below the sequences one engine instance must run at the planned traffic.";
    TRN001: "model-states-exceed-memory", Error, Rule, OPEN, RULES_DOC,
        "Checks that the training model states per GPU (weights + gradients + optimizer state, after ZeRO and offload) fit the GPU's budget.";
    TRN002: "activations-without-checkpointing", Warning, Rule, OPEN, RULES_DOC,
        "Flags training without activation checkpointing when activations exceed half of the training memory per GPU.";
    TRN003: "training-exceeds-memory", Error, Rule, OPEN, RULES_DOC,
        "Flags training whose model states fit the GPU but whose total (states + activations + runtime) does not.";
    TRN004: "zero-without-data-parallelism", Warning, Rule, OPEN, RULES_DOC,
        "Flags training with `zero_stage` above 0 and `parallelism.data: 1` without offload: one rank shards nothing.";
}
