//! The report's view model: everything a template prints for one spec, put
//! together once in Rust from an [`Analysis`] so the templates only lay it out.
//!
//! This file assembles the sections; each is built in its own file: the
//! worksheet (`worksheet.rs`), the steps (`steps.rs`), the per-GPU memory
//! (`gpu_memory.rs`), the verdict policy (`verdict.rs`), the summary table
//! (`summary.rs`) and the SVG bars (`svg.rs`). Figures come from the plan and
//! [`crate::plan::derive`]; nothing here computes. Memory stays in bytes
//! (templates format it with `|gib`); user strings stay raw: the templates'
//! autoescape escapes them for the output language.

use super::gpu_memory::{self, Breakdown, TrainingSection};
use super::live::{self, LiveView};
use super::spec_json::{f64_at, str_at, u64_at};
use super::steps::{self, Step};
use super::summary::{self, SummaryRow};
use super::svg;
use super::verdict::{self, Verdict};
use super::worksheet::{self, WorksheetRow};
use crate::diagnostics::{LocatedFinding, Severity};
use crate::pipeline::Analysis;
use crate::plan::{Assumption, Derived, Plan};
use serde::Serialize;
use serde_json::Value as Json;

/// One or more specs rendered together (`report specs/`).
#[derive(Clone, Debug, Serialize)]
pub struct ReportSet {
    /// `memmath <version>`, printed in the footer.
    pub generator: String,
    /// True when more than one spec is rendered: the summary table is shown.
    pub multi: bool,
    pub summary: Vec<SummaryRow>,
    pub reports: Vec<ReportModel>,
}

/// The capacity report of one spec.
#[derive(Clone, Debug, Serialize)]
pub struct ReportModel {
    pub file: String,
    /// HTML id / Markdown heading anchor for the multi-spec summary links.
    pub anchor: String,
    pub name: String,
    pub description: Option<String>,
    pub kind: String,
    /// `8 x NVIDIA H100 SXM 80GB`, or `-` when not planned.
    pub gpus: String,
    /// False when the spec could not be planned (schema errors and the like).
    pub planned: bool,
    pub verdict: Verdict,
    pub worksheet: Vec<WorksheetRow>,
    pub steps: Vec<Step>,
    pub breakdown: Option<Breakdown>,
    pub classes: Vec<ClassRow>,
    pub findings: Vec<FindingRow>,
    pub finding_counts: FindingCounts,
    pub host: Option<HostRow>,
    pub training: Option<TrainingSection>,
    pub not_included: Vec<String>,
    pub assumptions: Vec<Assumption>,
    /// Inline SVG (already escaped) for the HTML report.
    pub svg: SvgSet,
    /// Measured vs planned on this machine (`report --hardware`); None without
    /// a probe or when the spec could not be resolved.
    pub live: Option<LiveView>,
    /// The top layouts `memmath fit` ranks (`report --alternatives K`);
    /// None otherwise.
    pub alternatives: Option<super::alternatives::AlternativesView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ClassRow {
    pub name: String,
    /// False when the spec gives no planning percentile (nor its p95 fallback):
    /// the class shows "not sized" instead of numbers and never fits (TRF001).
    pub sized: bool,
    pub percentile: String,
    pub prompt_tokens: u64,
    pub output_tokens: u64,
    pub tokens_per_sequence: u64,
    pub kv_bytes_per_sequence: u64,
    pub concurrency: Option<u64>,
    pub burst: Option<f64>,
    pub required_concurrency: u64,
    pub per_replica_concurrency: u64,
    pub max_concurrency: u64,
    pub fits: bool,
    pub replicas_needed: String,
    pub pool_share: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct FindingRow {
    pub severity: String,
    pub code: String,
    pub name: String,
    pub message: String,
    pub fix: Option<String>,
    pub location: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct FindingCounts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct HostRow {
    pub load_peak_bytes: u64,
    pub available_bytes: Option<u64>,
    pub workers_per_node: u64,
    pub staging: String,
    pub fits: Option<bool>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct SvgSet {
    pub gpu: String,
    pub classes: String,
}

/// What no plan includes, printed in every report so nobody reads the numbers as
/// a guarantee.
const NOT_INCLUDED: &[&str] = &[
    "Allocator fragmentation and the PyTorch caching allocator's reserved-but-unused blocks.",
    "Other processes or tenants on the same GPU (MPS, MIG neighbours, monitoring agents).",
    "Memory spikes outside the engine's profiling run (new kernels, lazily captured CUDA graphs, LoRA adapters loaded at run time).",
    "Prefix-cache hit rates: the plan assumes every sequence holds its own KV blocks.",
    "Speculative-decoding draft models and multimodal encoders unless the spec lists them.",
];

/// Build the report set for one or more analyzed specs, in the order given.
pub fn build_set(analyses: &[&Analysis], version: &str) -> ReportSet {
    let mut reports: Vec<ReportModel> = analyses.iter().map(|a| build(a)).collect();
    summary::dedupe_anchors(&mut reports);
    let summary = reports.iter().map(summary::summary_row).collect();
    ReportSet {
        generator: format!("memmath {version}"),
        multi: reports.len() > 1,
        summary,
        reports,
    }
}

/// Build the report model of one analyzed spec.
pub fn build(a: &Analysis) -> ReportModel {
    let spec = a
        .spec
        .as_ref()
        .and_then(|s| serde_json::to_value(s).ok())
        .unwrap_or(Json::Null);
    let findings: Vec<LocatedFinding> = a.findings.iter().map(|f| a.locate(f)).collect();
    let name = a
        .plan
        .as_ref()
        .map(|p| p.name.clone())
        .or_else(|| str_at(&spec, "/metadata/name"))
        .unwrap_or_else(|| a.source.name.clone());
    let description = str_at(&spec, "/metadata/description");
    let kind = a
        .plan
        .as_ref()
        .map(|p| p.kind.clone())
        .or_else(|| str_at(&spec, "/kind"))
        .unwrap_or_else(|| "unknown".into());
    let finding_rows: Vec<FindingRow> = findings.iter().map(finding_row).collect();
    let finding_counts = count(&findings);
    let arch = a.resolved.as_ref().map(|r| &r.model.architecture);
    let extras = steps::ArchExtras {
        mla: arch
            .and_then(|a| a.mla.as_ref())
            .map(|m| (m.kv_lora_rank, m.qk_rope_head_dim)),
        sliding_window: arch
            .and_then(|a| a.sliding_window.as_ref())
            .map(|w| w.window),
    };
    let mut model = ReportModel {
        file: a.source.name.clone(),
        anchor: summary::anchor_of(&name),
        name,
        description,
        kind,
        gpus: a.plan.as_ref().map_or_else(
            || "-".to_string(),
            |p| format!("{} x {}", p.gpu.total_gpus, p.gpu.name),
        ),
        planned: a.plan.is_some(),
        verdict: verdict::not_planned(finding_counts.error),
        worksheet: Vec::new(),
        steps: Vec::new(),
        breakdown: None,
        classes: Vec::new(),
        findings: finding_rows,
        finding_counts,
        host: None,
        training: None,
        not_included: NOT_INCLUDED.iter().map(|s| s.to_string()).collect(),
        assumptions: Vec::new(),
        svg: SvgSet::default(),
        // The live section the pipeline computed once (`--hardware`).
        live: a.live.as_ref().map(|s| live::view(a, s)),
        alternatives: None,
    };
    if let Some(plan) = &a.plan {
        let tp = a.spec.as_ref().map(|s| s.parallelism.tensor);
        let derived = crate::plan::derive(plan, tp);
        fill_from_plan(&mut model, plan, &derived, &spec, &extras);
    }
    model
}

fn fill_from_plan(
    m: &mut ReportModel,
    plan: &Plan,
    d: &Derived,
    spec: &Json,
    extras: &steps::ArchExtras,
) {
    m.classes = plan
        .classes
        .iter()
        .enumerate()
        .map(|(i, c)| ClassRow {
            name: c.name.clone(),
            sized: c.sized,
            percentile: c.percentile.clone(),
            prompt_tokens: c.prompt_tokens,
            output_tokens: c.output_tokens,
            tokens_per_sequence: c.tokens_per_sequence,
            kv_bytes_per_sequence: c.kv_bytes_per_sequence,
            concurrency: u64_at(spec, &format!("/traffic/classes/{i}/concurrency")),
            burst: f64_at(spec, &format!("/traffic/classes/{i}/burst")),
            required_concurrency: c.required_concurrency,
            per_replica_concurrency: c.per_replica_concurrency,
            max_concurrency: c.max_concurrency,
            fits: c.fits && c.sized,
            replicas_needed: c
                .replicas_needed
                .map_or_else(|| "never".to_string(), |n| n.to_string()),
            pool_share: c.pool_share,
        })
        .collect();
    m.worksheet = worksheet::worksheet(plan, spec);
    m.steps = steps::all(plan, d, spec, extras, &m.findings);
    m.host = Some(HostRow {
        load_peak_bytes: plan.host.load_peak_bytes.get(),
        available_bytes: plan.host.available_bytes.map(|b| b.get()),
        workers_per_node: plan.host.workers_per_node,
        staging: plan.host.staging.clone(),
        fits: d.host.fits,
    });
    m.assumptions = plan
        .assumptions
        .iter()
        .map(|a| Assumption {
            field: a.field.clone(),
            value: with_gib(&a.value),
            source: a.source.clone(),
        })
        .collect();
    if let Some(t) = &plan.training {
        let stage = u64_at(spec, "/training/zero_stage");
        m.training = Some(gpu_memory::training_section(plan, t, d, stage));
    } else {
        m.breakdown = Some(gpu_memory::breakdown(plan, d));
    }
    m.verdict = verdict::verdict(plan, d, &m.findings);
    m.svg = SvgSet {
        gpu: match &m.breakdown {
            Some(b) => svg::gpu_bar(b),
            None => svg::training_bar(
                &d.per_gpu.components,
                &plan.gpu.name,
                plan.per_gpu.total_bytes.get(),
            ),
        },
        classes: svg::class_bars(&m.classes),
    };
}

fn finding_row(f: &LocatedFinding) -> FindingRow {
    FindingRow {
        severity: f.severity.as_str().into(),
        code: f.code.clone(),
        name: f.name.clone(),
        message: f.message.clone(),
        fix: f.fix.clone(),
        location: format!("{}:{}:{}", f.file, f.line, f.column),
    }
}

fn count(findings: &[LocatedFinding]) -> FindingCounts {
    let mut c = FindingCounts::default();
    for f in findings {
        match f.severity {
            Severity::Error => c.error += 1,
            Severity::Warning => c.warning += 1,
            Severity::Info => c.info += 1,
            Severity::Off => {}
        }
    }
    c
}

/// `2147483648 bytes` -> `2147483648 bytes (2.00 GiB)`: a reviewer reads GiB.
fn with_gib(value: &str) -> String {
    match value
        .strip_suffix(" bytes")
        .and_then(|n| n.parse::<u64>().ok())
    {
        Some(b) if b >= 1 << 20 => format!("{value} ({})", crate::units::format_gib(b as i128)),
        _ => value.to_string(),
    }
}
