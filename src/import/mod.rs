//! `memmath import` and `deployment:`: read the serving configs teams already
//! commit (shell scripts, compose files, Kubernetes workloads, CRDs, Helm
//! values, engine config files) and turn each engine pool into a memmath spec,
//! with the provenance of every value. Nothing is ever executed or rendered:
//! variables stay variables unless the user supplies them, Helm templates stay
//! templates.
//!
//! Flow: a carrier (one file per format in `carriers/`) extracts [`Launch`]es
//! (argv, env, GPU facts); the engine core (`engine/`) parses the argv per
//! engine and version; [`build`] merges side files and carrier keys with the
//! engine's precedence and writes the spec ([`spec_out`]). Findings (IMP
//! codes) point into the imported file.
//!
//! This module sits below `pipeline` (check and report import a spec's
//! `deployment` file on every run), so it uses spec, schema, catalog and
//! diagnostics, never the pipeline or the rules.

pub mod build;
pub mod carriers;
pub mod deployment;
pub mod engine;
pub mod features;
pub mod gpu_alias;
pub mod model;
pub mod spec_out;
pub mod words;

use crate::catalog::FileAccess;
use crate::diagnostics::Finding;
use crate::source::{SourceFile, Span};
use crate::spec::Engine;
use engine::Setting;
use std::collections::BTreeMap;
use std::path::Path;
use words::{Vars, Word};

/// What the user passes besides the file (`memmath import` flags, or a
/// spec's `deployment:` block).
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Which container / service / pool, when the file has several.
    pub container: Option<String>,
    /// Catalogue id of the GPU, when the file does not say.
    pub gpu: Option<String>,
    pub engine_version: Option<String>,
    /// Values for variables the file leaves unresolved.
    pub env: BTreeMap<String, String>,
    /// A preset id, Hugging Face id or path to a config.json for the model.
    pub model: Option<String>,
    /// `traffic:` to put in every spec (already read from `--traffic FILE`).
    pub traffic: Option<serde_json::Value>,
}

/// GPU facts a carrier found next to a launch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GpuFacts {
    /// GPUs per pod / container (`nvidia.com/gpu: 4`, compose `count: 2`).
    pub count: Option<(u64, Span)>,
    /// A GPU name as written (label value, instance type, resource profile).
    pub names: Vec<(String, Span)>,
    /// A MIG slice resource (`nvidia.com/mig-1g.10gb`).
    pub mig: Option<(String, Span)>,
}

/// Pool role in disaggregated serving.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Prefill,
    Decode,
}

/// One engine launch a carrier extracted.
#[derive(Clone, Debug)]
pub struct Launch {
    /// Container, service, pool or script name (becomes `metadata.name`).
    pub name: String,
    /// Where the launch is (`metadata.source`, IMP002/IMP006 location).
    pub span: Span,
    pub engine: Engine,
    /// Engine arguments, after the entrypoint.
    pub argv: Vec<Word>,
    /// Settings the carrier read from its own keys (Helm `vllmConfig`).
    pub keyed: Vec<Setting>,
    /// Values variables take: the user's `--env`, then the file's.
    pub vars: Vars,
    /// Environment variables set for the engine (name, span), for IMP003.
    pub env_names: Vec<(String, Span)>,
    pub image: Option<String>,
    pub gpu: GpuFacts,
    /// Copies of the pool (Deployment `replicas`).
    pub replicas: Option<(u64, Span)>,
    /// Pods (nodes) per copy (LeaderWorkerSet `size`).
    pub pods: Option<(u64, Span)>,
    pub role: Option<Role>,
    /// The model named by the carrier rather than the argv (kubeai `url`,
    /// Helm `modelURL`), with where it is.
    pub model: Option<(String, Span)>,
}

impl Launch {
    pub fn new(name: impl Into<String>, span: Span, engine: Engine) -> Launch {
        Launch {
            name: name.into(),
            span,
            engine,
            argv: Vec::new(),
            keyed: Vec::new(),
            vars: Vars::default(),
            env_names: Vec::new(),
            image: None,
            gpu: GpuFacts::default(),
            replicas: None,
            pods: None,
            role: None,
            model: None,
        }
    }
}

/// Where one value of an imported spec came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provenance {
    /// JSON pointer into the spec (`/serving/max_model_len`).
    pub pointer: String,
    /// `flag --max-model-len`, `engine default`, `--env TP`, `side file x.yaml`.
    pub source: String,
    /// Where in the imported file, when it is there.
    pub span: Option<Span>,
}

/// One imported engine pool: its spec and where each value came from.
#[derive(Clone, Debug)]
pub struct Pool {
    pub name: String,
    pub span: Span,
    pub spec: serde_json::Value,
    pub provenance: Vec<Provenance>,
}

impl Pool {
    /// The span in the imported file a spec field came from.
    pub fn span_of(&self, pointer: &str) -> Option<Span> {
        self.provenance
            .iter()
            .find(|p| p.pointer == pointer)
            .and_then(|p| p.span)
    }
}

/// Everything one import gives.
#[derive(Clone, Debug, Default)]
pub struct Imported {
    pub pools: Vec<Pool>,
    /// Located in the imported file (spans into its text).
    pub findings: Vec<Finding>,
}

/// Import `source`: find its launches and build one spec per pool. `dir` is
/// the folder side files (`--config`, extra options) are relative to.
pub fn import(
    source: &SourceFile,
    opts: &ImportOptions,
    files: &dyn FileAccess,
    dir: &Path,
) -> Imported {
    let mut out = Imported::default();
    let (mut launches, findings) = carriers::extract(source, opts);
    out.findings.extend(findings);
    if let Some(want) = &opts.container {
        let before = launches.len();
        launches.retain(|l| l.name == *want);
        if launches.is_empty() && before > 0 {
            out.findings.push(
                crate::codes::IMP006
                    .finding(
                        "",
                        format!(
                            "no container, service or pool is named `{}` in this file",
                            engine::clip(want)
                        ),
                    )
                    .with_span(Span::new(0, 0)),
            );
            return out;
        }
    }
    if launches.is_empty() && !out.findings.iter().any(|f| f.code == "IMP006") {
        out.findings.push(
            crate::codes::IMP006
                .finding(
                    "",
                    "no vLLM, SGLang or TensorRT-LLM launch memmath can read is in this file",
                )
                .with_fix("import a file that starts the engine (a script, compose file, Kubernetes workload, CRD or Helm values), or pipe `helm template` / `kustomize build` output to `memmath import -`")
                .with_span(Span::new(0, 0)),
        );
    }
    for mut launch in launches {
        for (k, v) in &opts.env {
            launch.vars.user.insert(k.clone(), v.clone());
        }
        let (pool, findings) = build::pool(source, &launch, opts, files, dir);
        out.findings.extend(findings);
        out.pools.push(pool);
    }
    validate(&mut out);
    out.findings.sort_by_key(Finding::sort_key);
    out.findings.dedup();
    out
}

/// Check every imported spec against the schema. A missing `hardware.gpu`
/// or model is already IMP002 / IMP007; anything else would be an importer
/// bug or a value the schema rejects, reported at the pool's launch.
fn validate(out: &mut Imported) {
    let mut extra = Vec::new();
    for pool in &out.pools {
        let doc = crate::spec::SpannedDoc {
            value: pool.spec.clone(),
            spans: BTreeMap::new(),
        };
        for mut f in crate::schema::validate(&doc) {
            let covered = f.pointer == "/hardware"
                || f.pointer.starts_with("/hardware/gpu")
                || f.pointer == "/model"
                || f.message.contains("`gpu`")
                || f.message.contains("`model`");
            if covered {
                continue;
            }
            f.message = format!("imported spec `{}`: {}", pool.name, f.message);
            f.span = Some(pool.span);
            extra.push(f);
        }
    }
    out.findings.extend(extra);
}

/// Read a `--traffic FILE`: a spec-style `traffic:` block, or the block's
/// contents (`classes:` and `plan_percentile:`) at the top level.
pub fn read_traffic(source: &SourceFile) -> Result<serde_json::Value, Vec<Finding>> {
    let doc = crate::spec::parse(source)?;
    let v = doc.value.get("traffic").cloned().unwrap_or(doc.value);
    if v.get("classes").is_some_and(serde_json::Value::is_array) {
        Ok(v)
    } else {
        Err(vec![crate::codes::SCH002
            .finding(
                "/traffic/classes",
                "the traffic file has no `classes:` list (at the top level or under `traffic:`)",
            )
            .with_span(Span::new(0, 0))])
    }
}
