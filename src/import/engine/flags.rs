//! The shape of an engine's flag table: what each flag is called, what value
//! it takes and which spec field (if any) it sets. One table per engine lives
//! beside this file (vllm.rs, sglang.rs, trtllm.rs).

use super::versions::Version;

/// What a flag's value looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `--flag`, `--flag=true`, `--no-flag` (vLLM BooleanOptionalAction).
    Bool,
    /// An integer; `human` allows `32k`-style suffixes.
    Int {
        human: bool,
    },
    Float,
    Text,
    /// A JSON object (`--speculative-config '{"method": "mtp"}'`).
    Json,
}

/// What a flag means for the memory math.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The served model (HF id or path).
    Model,
    Tensor,
    Pipeline,
    /// Data-parallel ranks of one engine (vLLM DP, SGLang DP with DP attention).
    Data,
    /// SGLang `--dp-size`: DP attention ranks with `--enable-dp-attention`,
    /// else independent workers (replicas).
    SglangDp,
    DpAttention,
    /// Expert parallelism on/off (vLLM `--enable-expert-parallel`).
    Expert,
    /// Expert-parallel size (SGLang `--ep-size`, TensorRT-LLM `--ep_size`).
    ExpertSize,
    MaxModelLen,
    MemFraction,
    KvDtype,
    BlockSize,
    MaxSeqs,
    BatchedTokens,
    /// vLLM `--enforce-eager`: CUDA graphs off when true.
    Eager,
    /// SGLang `--disable-cuda-graph`.
    NoCudaGraph,
    Quantization,
    Dtype,
    Nodes,
    GpusPerNode,
    /// vLLM `--config FILE` (YAML of flags; the command line wins).
    ConfigFile,
    /// TensorRT-LLM `--extra_llm_api_options FILE` (the YAML wins).
    ExtraOptionsFile,
    /// vLLM `--speculative-config` (JSON; `--speculative-config.key v` parts merge).
    Speculative,
    /// vLLM `--enable-lora` and the LoRA slot sizes.
    EnableLora,
    MaxLoras,
    MaxLoraRank,
    MaxCpuLoras,
    /// vLLM `--limit-mm-per-prompt` (JSON, or `image=4,video=1` before v0.10).
    MmLimit,
    /// vLLM `--mm-processor-cache-gb` (GiB).
    MmProcessorCache,
    /// vLLM `--kv-offloading-size` (GiB across the TP ranks) and its backend.
    KvOffloadSize,
    KvOffloadBackend,
    /// vLLM `--mamba-cache-dtype` / `--mamba-ssm-cache-dtype`.
    MambaCacheDtype,
    MambaSsmCacheDtype,
    /// vLLM `--enable-prefix-caching` / `--no-enable-prefix-caching`.
    PrefixCaching,
    /// Changes memory, but the spec has no field for it yet: the value is
    /// kept in provenance and reported as not modelled.
    NotModelled(&'static str),
    /// Known to the engine, no effect on memory.
    Known,
}

impl Target {
    /// Whether a value the import cannot resolve matters (IMP001).
    pub fn memory_relevant(self) -> bool {
        !matches!(self, Target::Known)
    }
}

/// One flag of one engine.
#[derive(Clone, Copy, Debug)]
pub struct Flag {
    /// Canonical name without dashes, as the engine's `--help` prints it.
    pub name: &'static str,
    /// Other spellings (short aliases like `tp`, older names), without dashes.
    pub aliases: &'static [&'static str],
    pub kind: Kind,
    pub target: Target,
    /// The first version without the flag, and where that is recorded.
    pub removed: Option<(Version, &'static str)>,
}

/// A flag table row (keeps the tables one line per flag).
pub const fn flag(name: &'static str, kind: Kind, target: Target) -> Flag {
    Flag {
        name,
        aliases: &[],
        kind,
        target,
        removed: None,
    }
}

impl Flag {
    pub const fn alias(mut self, aliases: &'static [&'static str]) -> Flag {
        self.aliases = aliases;
        self
    }
    pub const fn removed_in(mut self, version: Version, source: &'static str) -> Flag {
        self.removed = Some((version, source));
        self
    }
}

pub const BOOL: Kind = Kind::Bool;
pub const INT: Kind = Kind::Int { human: false };
pub const HINT: Kind = Kind::Int { human: true };
pub const FLOAT: Kind = Kind::Float;
pub const TEXT: Kind = Kind::Text;
pub const JSON: Kind = Kind::Json;
