//! Command-line arguments (clap derive). `--format` and `--output-format` are
//! aliases on every command (design.md section 3).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "memmath",
    version,
    about = "Memory math and lint rules for LLM deployment specs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint specs: files named are always linted; folders are walked for memmath specs.
    Check(CheckArgs),
    /// Capacity report of one or more specs.
    Report(ReportArgs),
    /// Compare two specs or JSON plans (base -> head) for a PR comment.
    Diff(DiffArgs),
    /// Print the JSON Schema of the spec.
    Schema,
    /// List the built-in GPU or model presets, with their sources.
    Catalog(CatalogArgs),
    /// Check a spec against this machine's GPUs (NVML) or a saved snapshot.
    Verify(VerifyArgs),
    /// Show a code's documentation: `memmath rule MEM003`, `memmath rule --all`.
    Rule(RuleArgs),
    /// Turn a serving config (script, compose, Kubernetes, CRD, Helm values) into specs.
    Import(ImportArgs),
    /// Search the layouts that carry a spec's traffic and rank them (docs/fit.md).
    Fit(FitArgs),
    /// Language server over stdio: diagnostics, hover, completion, code actions (docs/editor.md).
    Server(ServerArgs),
    /// Write a starter spec for a model on a GPU, sized to fit (traffic left for you to fill in).
    Init(InitArgs),
}

/// Output formats of `memmath import`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// The specs as a multi-document YAML stream, provenance as comments.
    Yaml,
    /// `{"specs": [...], "findings": [...], "provenance": [...]}`.
    Json,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The serving config to read; `-` reads stdin (`helm template ... | memmath import -`).
    pub file: PathBuf,
    /// Which container, service or pool to import when the file has several.
    #[arg(long, value_name = "NAME")]
    pub container: Option<String>,
    /// Catalogue id of the GPU (`memmath catalog gpus`), when the file does not say.
    #[arg(long, value_name = "ID")]
    pub gpu: Option<String>,
    /// Engine release the launch runs (`0.11`), when no image tag says.
    #[arg(long, value_name = "V")]
    pub engine_version: Option<String>,
    /// A value for a variable the file leaves unresolved (repeatable).
    #[arg(long, value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// The model: a catalogue preset, a Hugging Face id, or a path to config.json.
    #[arg(long, value_name = "ID|PATH")]
    pub model: Option<String>,
    /// A YAML file with `traffic:` (classes) to put in every spec.
    #[arg(long, value_name = "FILE")]
    pub traffic: Option<PathBuf>,
    /// Write the specs to this file instead of stdout.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        conflicts_with = "out_dir"
    )]
    pub output: Option<PathBuf>,
    /// Write one spec file per pool into this folder.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    #[arg(
        long = "format",
        visible_alias = "output-format",
        value_enum,
        default_value = "yaml"
    )]
    pub format: ImportFormat,
}

/// Output formats of `memmath check` (one renderer each in `diagnostics/`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Code frames with the offending key underlined and a help line.
    Full,
    /// One line per finding: `file:line:col: CODE [severity] message`.
    Concise,
    /// A JSON array of findings (code, name, severity, message, fix, file, pointer, line, column).
    Json,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
    /// A Markdown findings table (PR comments, job summaries).
    Markdown,
}

impl From<CheckFormat> for memmath::diagnostics::Format {
    fn from(f: CheckFormat) -> Self {
        use memmath::diagnostics::Format;
        match f {
            CheckFormat::Full => Format::Full,
            CheckFormat::Concise => Format::Concise,
            CheckFormat::Json => Format::Json,
            CheckFormat::Sarif => Format::Sarif,
            CheckFormat::Github => Format::Github,
            CheckFormat::Markdown => Format::Markdown,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Spec files (always linted) or folders (walked for *.yaml/*.yml whose
    /// apiVersion starts with "memmath", honouring .gitignore). Default: the current folder.
    pub paths: Vec<PathBuf>,
    #[arg(
        long = "output-format",
        visible_alias = "format",
        value_enum,
        default_value = "full"
    )]
    pub output_format: CheckFormat,
    /// Lowest severity that makes the exit status 1.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Run only these codes (codes, names or category prefixes, comma-separated);
    /// replaces the config's `select`. An unknown code is an error (docs/rules.md).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,
    /// Skip these codes (codes, names or category prefixes, comma-separated); they win
    /// over the config. An unknown code is an error (docs/rules.md).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// Rule configuration file (default: the nearest memmath.toml above each spec).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not honour `# memmath: ignore[...]` comments and `lint.ignore`.
    #[arg(long)]
    pub no_inline_ignores: bool,
    /// Print how many findings each code has instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Exit 0 even when findings are reported (a tool failure still exits 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Also check each spec against this machine's GPUs (NVML): HW001-HW006.
    #[arg(long)]
    pub hardware: bool,
    /// Check against a saved GPU snapshot instead of NVML (implies --hardware).
    #[arg(long, value_name = "FILE")]
    pub probe_snapshot: Option<PathBuf>,
}

/// Output formats of `memmath report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// GitHub-flavoured Markdown (PR comments, job summaries).
    Md,
    /// One self-contained HTML file (inline CSS and SVG, no script).
    Html,
    /// The JSON plan, keys listed in docs/reports.md (an array when several specs).
    Json,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Spec files or folders (walked for memmath specs).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[arg(
        long = "format",
        visible_alias = "output-format",
        value_enum,
        default_value = "md"
    )]
    pub format: ReportFormat,
    /// Write to this file instead of stdout.
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Folder holding report.md.j2 / report.html.j2 to use instead of the embedded templates.
    #[arg(long, value_name = "DIR")]
    pub template_dir: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity is reported (default: always 0 once written).
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Add HW findings and a "Live hardware" section from this machine's GPUs (NVML).
    #[arg(long)]
    pub hardware: bool,
    /// Use a saved GPU snapshot instead of NVML (implies --hardware).
    #[arg(long, value_name = "FILE")]
    pub probe_snapshot: Option<PathBuf>,
    /// Add an "Alternatives" section: the top K layouts `memmath fit` ranks
    /// for each spec (docs/fit.md).
    #[arg(long, value_name = "K")]
    pub alternatives: Option<usize>,
}

/// Output formats of `memmath diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Markdown for a PR comment, starting with `<!-- memmath-diff -->`.
    Md,
    /// The diff as JSON (bytes as integers).
    Json,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The base: a spec file or a JSON plan from `report --format json`.
    pub base: PathBuf,
    /// The head: a spec file or a JSON plan.
    pub head: PathBuf,
    #[arg(
        long = "format",
        visible_alias = "output-format",
        value_enum,
        default_value = "md"
    )]
    pub format: DiffFormat,
    /// Write to this file instead of stdout.
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Exit 1 when the head has a finding at or above this severity.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CatalogKind {
    Gpus,
    Models,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CatalogFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("model").required(true).args(["preset", "hf_config"])))]
pub struct InitArgs {
    /// Catalogue id of the model (`memmath catalog models`).
    #[arg(long)]
    pub preset: Option<String>,
    /// The model's config.json (written relative to the spec's folder).
    #[arg(long)]
    pub hf_config: Option<PathBuf>,
    /// Catalogue id of the GPU (`memmath catalog gpus`).
    #[arg(long)]
    pub gpu: String,
    /// vllm | sglang | tensorrt-llm | generic.
    #[arg(long, default_value = "vllm")]
    pub engine: String,
    /// metadata.name (default: MODEL-GPU).
    #[arg(long)]
    pub name: Option<String>,
    /// Weight storage dtype (default: the preset's published checkpoint, else bf16).
    #[arg(long)]
    pub dtype: Option<String>,
    /// GPUs in one node: the largest tensor-parallel size tried.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub gpus_per_node: u64,
    /// RAM per node (`2TiB`); without it the spec leaves host_memory commented (HST001, info).
    #[arg(long)]
    pub host_memory: Option<String>,
    /// `$schema` of the yaml-language-server modeline (default: this version's published schema).
    #[arg(long)]
    pub schema: Option<String>,
    /// Write the spec here (never over an existing file); default stdout.
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ServerArgs {
    /// memmath.toml for every spec (default: the nearest one above each spec, as `check`).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Accepted for clients that pass it (VS Code's language client does);
    /// stdio is the only transport.
    #[arg(long)]
    pub stdio: bool,
}

#[derive(Args, Debug)]
pub struct CatalogArgs {
    /// Which catalogue to list.
    #[arg(value_enum)]
    pub what: CatalogKind,
    #[arg(
        long = "format",
        visible_alias = "output-format",
        value_enum,
        default_value = "table"
    )]
    pub format: CatalogFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum VerifyFormat {
    Full,
    Json,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The spec to check against the hardware.
    pub spec: PathBuf,
    #[arg(
        long = "format",
        visible_alias = "output-format",
        value_enum,
        default_value = "full"
    )]
    pub format: VerifyFormat,
    /// Read the GPUs from a snapshot file instead of NVML.
    #[arg(long, value_name = "FILE")]
    pub probe_snapshot: Option<PathBuf>,
    /// Write the probed snapshot to FILE (to reproduce this machine elsewhere).
    #[arg(long, value_name = "FILE")]
    pub save_snapshot: Option<PathBuf>,
    /// Lowest severity that makes the exit status 1.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Exit 0 even when findings are reported (a tool failure still exits 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Report the GPU memory a running engine holds (this pid and, when probing
    /// NVML, its child processes) against the plan. Repeatable.
    #[arg(long, value_name = "PID")]
    pub observe: Vec<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RuleFormat {
    Full,
    Json,
}

#[derive(Args, Debug)]
pub struct RuleArgs {
    /// A code (`MEM003`, `HW003`, `CAT001`, `SCH001`) or name (`max-model-len-does-not-fit`).
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub rule: Option<String>,
    /// Every code, in code order.
    #[arg(long)]
    pub all: bool,
    #[arg(
        long = "output-format",
        visible_alias = "format",
        value_enum,
        default_value = "full"
    )]
    pub output_format: RuleFormat,
}

/// Output formats of `memmath fit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FitFormat {
    /// A ranked table, the Pareto front and the best layout's patch.
    Table,
    /// Markdown for a PR comment.
    Md,
    /// The JSON contract (docs/fit.md "JSON").
    Json,
}

/// What `fit` ranks by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FitObjective {
    /// Total GPUs.
    Gpus,
    /// GPUs x price per GPU-hour (needs --prices).
    Cost,
}

/// What `fit` may change besides GPU type, parallel degrees and replicas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FitAllow {
    /// `serving.kv_cache_dtype: fp8`.
    KvFp8,
    /// A lower-bit weight format (fp8, int8, AWQ int4, NVFP4).
    Quantize,
    /// `serving.max_model_len` down to the longest class.
    MaxModelLen,
}

#[derive(Args, Debug)]
pub struct FitArgs {
    /// The spec whose traffic the layouts must carry.
    pub spec: PathBuf,
    /// GPU types to search: catalogue ids (comma-separated) or `all`
    /// (default: the spec's own GPU).
    #[arg(long, value_delimiter = ',', value_name = "ID,ID...|all")]
    pub gpus: Vec<String>,
    /// Most GPUs a layout may use, all replicas together (default: 64, or the spec's own count when larger).
    #[arg(long, value_name = "N")]
    pub max_gpus: Option<u64>,
    /// What to minimise.
    #[arg(long, value_enum, default_value = "gpus")]
    pub objective: FitObjective,
    /// TOML file of prices per GPU-hour by catalogue id (`h100-sxm-80gb = 2.49`).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Also change these (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub allow: Vec<FitAllow>,
    /// How many candidates to list.
    #[arg(long, value_name = "K", default_value = "10")]
    pub top: usize,
    #[arg(
        long = "format",
        visible_alias = "output-format",
        value_enum,
        default_value = "table"
    )]
    pub format: FitFormat,
    /// Write to this file instead of stdout.
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Rule configuration file (default: the nearest memmath.toml above the spec).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}
