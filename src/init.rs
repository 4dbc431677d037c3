//! `memmath init`: a starter spec for a model on a GPU, sized by the
//! pipeline itself: it tries tensor-parallel sizes 1, 2, 4, 8 (up to the
//! node's GPUs) and keeps the smallest with which `check` finds no error,
//! then writes `max_model_len` as the plan's (the model's context length).
//! The traffic section is left commented for the user to fill in from their
//! request logs (docs/editor.md, "memmath init").
//!
//! Pure: files the spec names are read through [`FileAccess`]; the CLI
//! writes the result.

use crate::catalog::{self, FileAccess};
use crate::diagnostics::{Finding, Severity};
use crate::pipeline::{analyze, Analysis, AnalyzeOptions};
use crate::rules::RulesConfig;
use crate::source::SourceFile;
use crate::text::did_you_mean_hint;
use crate::units::parse_size;
use std::path::PathBuf;

/// Where the spec's model comes from.
pub enum ModelSource {
    /// A catalogue id (`llama-3.1-70b`).
    Preset(String),
    /// A config.json path as the spec will name it (relative to `spec_dir`).
    HfConfig(String),
}

pub struct InitOptions {
    pub model: ModelSource,
    pub gpu: String,
    pub engine: String,
    pub name: Option<String>,
    /// Weight storage dtype; default: the preset's published checkpoint, else bf16.
    pub dtype: Option<String>,
    pub gpus_per_node: u64,
    /// RAM per node (`2TiB`); without it `check` reports HST001 (info).
    pub host_memory: Option<String>,
    /// The folder the spec will be written to (relative paths start there).
    pub spec_dir: PathBuf,
    /// `$schema` of the yaml-language-server modeline.
    pub schema_url: String,
}

/// The starter spec and what `check` reports on it.
pub struct Starter {
    pub text: String,
    pub tensor: u64,
    pub findings: Vec<Finding>,
}

/// The engines the schema allows (`serving.engine`).
const ENGINES: &[&str] = &["vllm", "sglang", "tensorrt-llm", "generic"];
const DTYPES: &[&str] = &[
    "fp32", "bf16", "fp16", "fp8", "int8", "int4", "nvfp4", "mxfp4",
];

/// Build the starter spec; Err for a flag that names nothing (an unknown
/// preset, GPU, engine or dtype, a bad size), with a did-you-mean.
pub fn starter(opts: &InitOptions, files: &dyn FileAccess) -> Result<Starter, String> {
    let weights = validate(opts)?;
    let tps: Vec<u64> = [1, 2, 4, 8]
        .into_iter()
        .filter(|&t| t <= opts.gpus_per_node)
        .collect();
    // The smallest size with nothing but the fill-ins left (traffic, host
    // memory); else the smallest with no error; else the largest tried.
    let runs: Vec<(u64, Analysis)> = tps
        .iter()
        .map(|&tp| (tp, run(&render(opts, &weights, tp, None), opts, files)))
        .collect();
    let only_fill_ins = |a: &Analysis| a.findings.iter().all(|f| is_fill_in(&f.code));
    let no_error = |a: &Analysis| !a.findings.iter().any(|f| f.severity == Severity::Error);
    let pick = runs
        .iter()
        .position(|(_, a)| only_fill_ins(a))
        .or_else(|| runs.iter().position(|(_, a)| no_error(a)))
        .unwrap_or(runs.len().saturating_sub(1));
    let chosen = runs.into_iter().nth(pick);
    let (tp, first) = chosen.ok_or("--gpus-per-node must be at least 1")?;
    // The plan's max_model_len with none given: the model's context length.
    let mml = first
        .plan
        .as_ref()
        .and_then(|p| p.kv_cache.as_ref())
        .map(|k| k.max_model_len);
    let text = render(opts, &weights, tp, mml);
    let findings = run(&text, opts, files).findings;
    Ok(Starter {
        text,
        tensor: tp,
        findings,
    })
}

/// What the starter leaves for the user: traffic classes (TRF002, and
/// MEM005 which it replaces when no max_model_len is set yet) and host memory.
fn is_fill_in(code: &str) -> bool {
    matches!(code, "TRF002" | "MEM005" | "HST001")
}

fn run(text: &str, opts: &InitOptions, files: &dyn FileAccess) -> Analysis {
    let rules = RulesConfig::default();
    let a = AnalyzeOptions {
        files,
        spec_dir: opts.spec_dir.clone(),
        rules: &rules,
        inline_ignores: true,
    };
    analyze(SourceFile::new("memmath-init.yaml", text), &a)
}

/// Check the flags against the catalogue and the schema's enums; the
/// `model.weights` lines to write.
fn validate(opts: &InitOptions) -> Result<Vec<String>, String> {
    let unknown = |what: &str, got: &str, known: &[&str], list: &str| {
        let hint = did_you_mean_hint(got, known.iter().copied())
            .map_or_else(String::new, |h| format!(" ({h})"));
        format!("unknown {what} `{got}`{hint}; {list}")
    };
    let gpus = catalog::gpus::gpus()?;
    if catalog::gpus::find(gpus, &opts.gpu).is_none() {
        let ids: Vec<&str> = gpus.iter().map(|g| g.entry.id.as_str()).collect();
        return Err(unknown(
            "GPU",
            &opts.gpu,
            &ids,
            "`memmath catalog gpus` lists them",
        ));
    }
    if !ENGINES.contains(&opts.engine.as_str()) {
        return Err(unknown(
            "engine",
            &opts.engine,
            ENGINES,
            &format!("expected one of: {}", ENGINES.join(", ")),
        ));
    }
    if let Some(m) = &opts.host_memory {
        parse_size(m).map_err(|e| format!("--host-memory `{m}`: {e}"))?;
    }
    let mut weights = Vec::new();
    if let ModelSource::Preset(id) = &opts.model {
        let models = catalog::models::models()?;
        let Some(entry) = catalog::models::find(models, id) else {
            let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
            return Err(unknown(
                "preset",
                id,
                &ids,
                "`memmath catalog models` lists them",
            ));
        };
        // The published checkpoint's weights, unless --dtype says otherwise.
        if let (Some(w), None) = (&entry.weights, &opts.dtype) {
            let v = serde_json::to_value(w).map_err(|e| e.to_string())?;
            for (k, val) in v.as_object().into_iter().flatten() {
                match val {
                    serde_json::Value::String(s) => weights.push(format!("{k}: {s}")),
                    serde_json::Value::Number(n) => weights.push(format!("{k}: {n}")),
                    _ => {}
                }
            }
        }
    }
    if weights.is_empty() {
        let dtype = opts.dtype.as_deref().unwrap_or("bf16");
        if !DTYPES.contains(&dtype) {
            return Err(unknown(
                "dtype",
                dtype,
                DTYPES,
                &format!("expected one of: {}", DTYPES.join(", ")),
            ));
        }
        weights.push(format!("dtype: {dtype}"));
    }
    Ok(weights)
}

/// A YAML scalar for `s`: plain when it is an id-like word, else double-quoted
/// (a JSON string is a valid YAML double-quoted scalar).
fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/'))
        && s.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'.');
    if plain {
        s.to_string()
    } else {
        serde_json::Value::from(s).to_string()
    }
}

fn render(opts: &InitOptions, weights: &[String], tp: u64, mml: Option<u64>) -> String {
    let (model_line, default_name) = match &opts.model {
        ModelSource::Preset(id) => (format!("  preset: {}", scalar(id)), id.clone()),
        ModelSource::HfConfig(p) => (
            format!(
                "  hf_config: {}          # relative to this file",
                scalar(p)
            ),
            "my-model".to_string(),
        ),
    };
    let name = opts
        .name
        .clone()
        .unwrap_or_else(|| format!("{default_name}-{}", opts.gpu));
    let mut t = String::new();
    let mut line = |s: &str| {
        t.push_str(s);
        t.push('\n');
    };
    line(&format!(
        "# yaml-language-server: $schema={}",
        opts.schema_url
    ));
    line(&format!(
        "# Starter spec from `memmath init` (memmath {}).",
        env!("CARGO_PKG_VERSION")
    ));
    line("# Next: describe your traffic below (memmath reports TRF002 until you do),");
    line("# then `memmath check` this file.");
    line("apiVersion: memmath/v1");
    line("kind: Serving");
    line("metadata:");
    line(&format!("  name: {}", scalar(&name)));
    line("model:");
    line(&model_line);
    line("  weights:");
    for w in weights {
        line(&format!("    {w}"));
    }
    line("hardware:");
    line(&format!("  gpu: {}", scalar(&opts.gpu)));
    line(&format!("  gpus_per_node: {}", opts.gpus_per_node));
    line("  nodes: 1");
    match &opts.host_memory {
        Some(m) => line(&format!("  host_memory: {}", scalar(m))),
        None => line(
            "  # host_memory: <RAM per node>  # checks the load peak (HST001, info, until set)",
        ),
    }
    line("parallelism:");
    line(&format!(
        "  tensor: {tp}                     # the smallest of 1, 2, 4, 8 with which the plan fits"
    ));
    line("serving:");
    line(&format!("  engine: {}", opts.engine));
    line("  replicas: 1");
    if let Some(m) = mml {
        line(&format!(
            "  max_model_len: {m}           # the model's context length: lower it to your longest request"
        ));
    }
    line(
        "# traffic:                       # from your request logs, one entry per kind of request",
    );
    line("#   plan_percentile: p99");
    line("#   classes:");
    line("#     - name: chat");
    line("#       prompt_tokens: {p95: <tokens>, p99: <tokens>}");
    line("#       output_tokens: {p95: <tokens>, p99: <tokens>}");
    line("#       concurrency: <sequences in flight at peak, whole deployment>");
    line("#       burst: 1.5");
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::MemoryFiles;

    fn opts(preset: &str, gpu: &str) -> InitOptions {
        InitOptions {
            model: ModelSource::Preset(preset.to_string()),
            gpu: gpu.to_string(),
            engine: "vllm".to_string(),
            name: None,
            dtype: None,
            gpus_per_node: 8,
            host_memory: Some("2TiB".to_string()),
            spec_dir: PathBuf::from("."),
            schema_url: "memmath.schema.json".to_string(),
        }
    }

    #[test]
    fn seventy_b_on_h100_takes_four_gpus_and_only_traffic_is_left() {
        let s =
            starter(&opts("llama-3.1-70b", "h100-sxm-80gb"), &MemoryFiles::new()).expect("starter");
        // bf16 70B: 131 GiB of weights; 2 GPUs leave too little KV for one
        // 131,072-token sequence (MEM003), 4 fit.
        assert_eq!(s.tensor, 4);
        let codes: Vec<&str> = s.findings.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["TRF002"], "{}", s.text);
        assert!(s.text.starts_with("# yaml-language-server: $schema="));
        assert!(s.text.contains("max_model_len: 131072"));
        assert!(s.text.contains("# traffic:"));
    }

    #[test]
    fn unknown_flags_are_errors_with_a_suggestion() {
        let e = starter(&opts("llama-3.1-70", "h100-sxm-80gb"), &MemoryFiles::new())
            .err()
            .expect("error");
        assert!(
            e.contains("unknown preset") && e.contains("llama-3.1-70b"),
            "{e}"
        );
        let e = starter(&opts("llama-3.1-70b", "h100"), &MemoryFiles::new())
            .err()
            .expect("error");
        assert!(e.contains("unknown GPU"), "{e}");
        let mut o = opts("llama-3.1-70b", "h100-sxm-80gb");
        o.host_memory = Some("2T".to_string());
        assert!(starter(&o, &MemoryFiles::new()).is_err());
        assert_eq!(scalar("a b"), "\"a b\"");
        assert_eq!(scalar("./config.json"), "./config.json");
    }
}
