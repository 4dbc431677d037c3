//! The report model: everything a template prints, computed once in Rust from an
//! [`Analysis`] so the templates only lay it out.
//!
//! Memory stays in bytes (templates format it with `|gib`); composite strings
//! (formulas, inputs, the verdict) are built here so they read the same in
//! Markdown and HTML. User strings stay raw: the templates' autoescape escapes
//! them for the output language.

use super::live::{self, LiveView};
use super::steps::{self, Step};
use super::svg;
use crate::diagnostics::{LocatedFinding, Severity};
use crate::hardware::LiveSection;
use crate::pipeline::Analysis;
use crate::plan::{Assumption, Plan, TrainingPlan, ZeroStageRow};
use crate::units::{plural, Bytes};
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

/// A row of the multi-spec summary table.
#[derive(Clone, Debug, Serialize)]
pub struct SummaryRow {
    pub name: String,
    pub file: String,
    pub anchor: String,
    pub gpus: String,
    pub status: String,
    pub fits: bool,
    pub spare: String,
    pub worst_finding: String,
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
}

#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub fits: bool,
    /// `fits`, `does not fit` or `not planned`.
    pub status: String,
    /// One sentence after the status: GPU, percentile, what is spare or short.
    pub detail: String,
    /// Spare memory per GPU at the planned load (negative: short by).
    pub spare_bytes: Option<i64>,
    /// spare_bytes over the GPU's total.
    pub spare_fraction: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct WorksheetRow {
    pub label: String,
    pub value: String,
    pub source: String,
}

/// One GPU of one engine instance (the bottleneck rank), as stacked segments.
#[derive(Clone, Debug, Serialize)]
pub struct Breakdown {
    pub gpu_name: String,
    pub gpus_label: String,
    pub total_bytes: u64,
    pub budget_bytes: u64,
    pub weights_bytes: u64,
    pub activation_bytes: u64,
    pub runtime_bytes: u64,
    /// Signed: negative means the engine will not start.
    pub kv_bytes: i64,
    /// The part of the KV pool the planned traffic occupies (None: no traffic).
    pub kv_used_bytes: Option<u64>,
    pub free_bytes: u64,
    pub rows: Vec<BreakdownRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct BreakdownRow {
    pub component: String,
    pub bytes: i64,
    /// Share of the GPU's total.
    pub fraction: f64,
    pub note: String,
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

#[derive(Clone, Debug, Serialize)]
pub struct TrainingSection {
    pub weights_bytes: u64,
    pub gradients_bytes: u64,
    pub optimizer_bytes: u64,
    pub activations_bytes: u64,
    pub total_bytes: u64,
    /// CUDA context, cuBLAS workspace, NCCL: counted against the budget.
    pub runtime_bytes: u64,
    /// `total_bytes` + `runtime_bytes`: what the budget must hold.
    pub total_with_runtime_bytes: u64,
    pub budget_bytes: u64,
    pub trainable_parameters: u64,
    pub host_offload_bytes: u64,
    pub zero_stage: Option<u64>,
    pub per_zero_stage: Vec<ZeroRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ZeroRow {
    pub stage: u64,
    pub weights_bytes: u64,
    pub gradients_bytes: u64,
    pub optimizer_bytes: u64,
    pub total_bytes: u64,
    /// Model states plus this spec's activations: what the GPU must hold.
    pub with_activations_bytes: u64,
    pub fits: bool,
    pub current: bool,
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
    build_set_with_live(analyses, &[], version)
}

/// [`build_set`] with each spec's live hardware section (`live[i]` belongs to
/// `analyses[i]`; a missing or None entry leaves that spec without one).
pub fn build_set_with_live(
    analyses: &[&Analysis],
    live: &[Option<LiveSection>],
    version: &str,
) -> ReportSet {
    let mut reports: Vec<ReportModel> = analyses
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut model = build(a);
            model.live = live
                .get(i)
                .and_then(Option::as_ref)
                .map(|s| live::view(a, s));
            model
        })
        .collect();
    dedupe_anchors(&mut reports);
    let summary = reports.iter().map(summary_row).collect();
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
    let findings: Vec<LocatedFinding> = a
        .findings
        .iter()
        .map(|f| LocatedFinding::locate(f, &a.source))
        .collect();
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
        anchor: anchor_of(&name),
        name,
        description,
        kind,
        gpus: a.plan.as_ref().map_or_else(
            || "-".to_string(),
            |p| format!("{} x {}", p.gpu.total_gpus, p.gpu.name),
        ),
        planned: a.plan.is_some(),
        verdict: Verdict {
            fits: false,
            status: "not planned".into(),
            detail: match finding_counts.error {
                0 => "the spec could not be planned; see the findings below".to_string(),
                n => format!(
                    "the spec could not be planned: {}, see the findings below",
                    plural(n as u64, "error")
                ),
            },
            spare_bytes: None,
            spare_fraction: None,
        },
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
        live: None,
    };
    if let Some(plan) = &a.plan {
        fill_from_plan(&mut model, plan, &spec, &extras);
    }
    model
}

fn fill_from_plan(m: &mut ReportModel, plan: &Plan, spec: &Json, extras: &steps::ArchExtras) {
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
    m.worksheet = worksheet(plan, spec);
    m.steps = steps::all(plan, spec, extras, &m.findings);
    m.host = Some(HostRow {
        load_peak_bytes: plan.host.load_peak_bytes.get(),
        available_bytes: plan.host.available_bytes.map(|b| b.get()),
        workers_per_node: plan.host.workers_per_node,
        staging: plan.host.staging.clone(),
        fits: plan
            .host
            .available_bytes
            .map(|avail| plan.host.load_peak_bytes <= avail),
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
    let used_share = if plan.classes.is_empty() {
        None
    } else {
        Some(plan.classes.iter().map(|c| c.pool_share).sum::<f64>())
    };
    if let Some(t) = &plan.training {
        m.training = Some(training_section(plan, t, spec));
    } else {
        m.breakdown = Some(breakdown(plan, used_share));
    }
    m.verdict = verdict(plan, used_share, &m.finding_counts);
    m.svg = SvgSet {
        gpu: m.breakdown.as_ref().map(svg::gpu_bar).unwrap_or_else(|| {
            m.training
                .as_ref()
                .map(|t| svg::training_bar(t, &plan.gpu.name, plan.per_gpu.total_bytes.get()))
                .unwrap_or_default()
        }),
        classes: svg::class_bars(&m.classes),
    };
}

fn worksheet(plan: &Plan, spec: &Json) -> Vec<WorksheetRow> {
    let mut rows = Vec::new();
    let mut row = |label: &str, value: String, source: &str| {
        rows.push(WorksheetRow {
            label: label.into(),
            value,
            source: source.into(),
        })
    };
    let g = &plan.gpu;
    row(
        "GPU memory per device",
        format!("{} ({})", plan.gpu.total_bytes, g.name),
        "runtime-visible (CUDA) total",
    );
    row(
        "GPUs",
        format!(
            "{} = {} x {} per replica, on {} of {}",
            g.total_gpus,
            plural(g.replicas, "replica"),
            g.gpus_per_replica,
            plural(g.nodes, "node"),
            g.gpus_per_node
        ),
        "hardware, parallelism",
    );
    let params = super::env::group_digits(plan.model.parameters as i128);
    row(
        "Parameters",
        if plan.model.active_parameters != plan.model.parameters {
            format!(
                "{params} ({} active per token)",
                super::env::group_digits(plan.model.active_parameters as i128)
            )
        } else {
            params
        },
        &plan.model.parameters_source,
    );
    let w = &plan.weights;
    row(
        "Weight precision",
        format!(
            "{} / {}{}, {} bits per weight",
            w.dtype,
            w.quantization,
            w.group_size
                .map_or(String::new(), |g| format!(" (group {g})")),
            super::env::format_float(w.bits_per_weight)
        ),
        if w.exact {
            "safetensors headers"
        } else {
            "spec weights"
        },
    );
    let tp = u64_at(spec, "/parallelism/tensor").unwrap_or(1);
    let pp = u64_at(spec, "/parallelism/pipeline").unwrap_or(1);
    let dp = u64_at(spec, "/parallelism/data").unwrap_or(1);
    row(
        "Parallelism",
        format!("TP {tp} x PP {pp} x DP {dp}"),
        "parallelism",
    );
    let headroom = f64_at(spec, "/capacity/headroom").unwrap_or(0.10);
    row(
        "Headroom target",
        format!(
            "{:.0}% of each GPU left free (engine fraction {})",
            headroom * 100.0,
            super::env::format_float(plan.per_gpu.memory_fraction)
        ),
        "capacity.headroom",
    );
    let md = &plan.model;
    row(
        "Layers / hidden size",
        format!("{} / {}", md.layers, md.hidden_size),
        &md.source,
    );
    row(
        "Attention",
        format!(
            "{}: {} heads, {} KV heads, head dim {}",
            md.attention.to_uppercase(),
            md.attention_heads,
            md.kv_heads,
            md.head_dim
        ),
        &md.source,
    );
    if let Some(kv) = &plan.kv_cache {
        row(
            "KV cache",
            format!(
                "{} dtype, block size {}, max_model_len {}",
                kv.dtype,
                kv.block_size,
                super::env::group_digits(kv.max_model_len as i128)
            ),
            "serving",
        );
    }
    for (i, c) in plan.classes.iter().enumerate() {
        let tokens = |side: &str| {
            let p95 = u64_at(spec, &format!("/traffic/classes/{i}/{side}/p95"));
            let p99 = u64_at(spec, &format!("/traffic/classes/{i}/{side}/p99"));
            format!(
                "p95 {} / p99 {}",
                p95.map_or("-".into(), |v| super::env::group_digits(v as i128)),
                p99.map_or("-".into(), |v| super::env::group_digits(v as i128))
            )
        };
        let conc = u64_at(spec, &format!("/traffic/classes/{i}/concurrency"));
        let burst = f64_at(spec, &format!("/traffic/classes/{i}/burst")).unwrap_or(1.0);
        row(
            &format!("Class {}", c.name),
            format!(
                "prompt {}; output {}; concurrency {} x burst {}",
                tokens("prompt_tokens"),
                tokens("output_tokens"),
                conc.map_or("-".into(), |v| v.to_string()),
                super::env::format_float(burst)
            ),
            "traffic",
        );
    }
    if let Some(t) = spec.pointer("/training").filter(|t| !t.is_null()) {
        let s = |k: &str| t.get(k).map(json_text).unwrap_or_else(|| "-".into());
        row(
            "Training",
            format!(
                "{} / {} / {}, micro-batch {} x {} tokens, checkpointing {}, ZeRO {}, offload {}",
                s("method"),
                s("optimizer"),
                s("precision"),
                s("micro_batch_size"),
                s("sequence_length"),
                s("activation_checkpointing"),
                s("zero_stage"),
                s("offload")
            ),
            "training",
        );
    }
    rows
}

fn breakdown(plan: &Plan, used_share: Option<f64>) -> Breakdown {
    let p = &plan.per_gpu;
    let total = p.total_bytes.get();
    let kv = p.kv_cache_bytes;
    // With no pool (the engine will not start) there is nothing to split.
    let kv_used = used_share
        .filter(|_| kv > 0)
        .map(|s| (kv as f64 * s.min(1.0)).round() as u64);
    let frac = |b: i64| {
        if total == 0 {
            0.0
        } else {
            b as f64 / total as f64
        }
    };
    let mut rows = vec![
        BreakdownRow {
            component: "Weights".into(),
            bytes: p.weights_bytes.get() as i64,
            fraction: frac(p.weights_bytes.get() as i64),
            note: plan.weights.sharding.clone(),
        },
        BreakdownRow {
            component: "Activations (peak)".into(),
            bytes: p.activation_peak_bytes.get() as i64,
            fraction: frac(p.activation_peak_bytes.get() as i64),
            note: "forward-pass peak of the engine's profiling run".into(),
        },
        BreakdownRow {
            component: "Runtime".into(),
            bytes: p.runtime_bytes.get() as i64,
            fraction: frac(p.runtime_bytes.get() as i64),
            // vLLM before 0.21 and SGLang capture CUDA graphs after sizing the
            // KV cache, outside the budget: the Free row says so instead.
            note: if p.cuda_graphs_outside_budget_bytes.get() > 0 {
                "CUDA context, NCCL, workspace".into()
            } else {
                "CUDA context, NCCL, CUDA graphs, workspace".into()
            },
        },
    ];
    match kv_used {
        Some(used) => {
            rows.push(BreakdownRow {
                component: "KV cache (planned traffic)".into(),
                bytes: used as i64,
                fraction: frac(used as i64),
                note: "KV blocks the classes hold at required concurrency".into(),
            });
            let share = used_share.unwrap_or(0.0);
            if share > 1.0 {
                // Over-committed: the pool is full and the traffic wants more.
                let short = -((kv.max(0) as f64 * (share - 1.0).min(1e6)).round() as i64);
                rows.push(BreakdownRow {
                    component: "KV cache (short)".into(),
                    bytes: short,
                    fraction: frac(short),
                    note: format!(
                        "the planned traffic needs {} of the pool: this much more per GPU",
                        super::env::percent(share)
                    ),
                });
            } else {
                let spare = kv - used as i64;
                rows.push(BreakdownRow {
                    component: "KV cache (spare)".into(),
                    bytes: spare,
                    fraction: frac(spare),
                    note: "KV pool left for bursts beyond the plan".into(),
                });
            }
        }
        None => rows.push(BreakdownRow {
            component: "KV cache".into(),
            bytes: kv,
            fraction: frac(kv),
            note: if kv < 0 {
                "negative: the engine will not start".into()
            } else {
                "what the engine allocates for KV blocks".into()
            },
        }),
    }
    rows.push(BreakdownRow {
        component: "Free (outside the engine budget)".into(),
        bytes: p.free_bytes.get() as i64,
        fraction: frac(p.free_bytes.get() as i64),
        note: if p.cuda_graphs_outside_budget_bytes.get() > 0 {
            format!(
                "total x (1 - {}); CUDA graphs ({}) captured outside the budget",
                super::env::format_float(p.memory_fraction),
                p.cuda_graphs_outside_budget_bytes
            )
        } else {
            format!(
                "total x (1 - {})",
                super::env::format_float(p.memory_fraction)
            )
        },
    });
    let g = &plan.gpu;
    Breakdown {
        gpu_name: g.name.clone(),
        gpus_label: format!(
            "bottleneck GPU of one engine instance; {} GPUs per replica, {} in all",
            g.gpus_per_replica, g.total_gpus
        ),
        total_bytes: total,
        budget_bytes: p.budget_bytes.get(),
        weights_bytes: p.weights_bytes.get(),
        activation_bytes: p.activation_peak_bytes.get(),
        runtime_bytes: p.runtime_bytes.get(),
        kv_bytes: kv,
        kv_used_bytes: kv_used,
        free_bytes: p.free_bytes.get(),
        rows,
    }
}

fn training_section(plan: &Plan, t: &TrainingPlan, spec: &Json) -> TrainingSection {
    let budget = plan.per_gpu.budget_bytes.get();
    let runtime = plan.per_gpu.runtime_bytes.get();
    let stage = u64_at(spec, "/training/zero_stage");
    let row = |z: &ZeroStageRow| ZeroRow {
        stage: z.stage,
        weights_bytes: z.weights_bytes.get(),
        gradients_bytes: z.gradients_bytes.get(),
        optimizer_bytes: z.optimizer_bytes.get(),
        total_bytes: z.total_bytes.get(),
        with_activations_bytes: z
            .total_bytes
            .get()
            .saturating_add(t.activations_bytes.get()),
        fits: z
            .total_bytes
            .get()
            .saturating_add(t.activations_bytes.get())
            .saturating_add(runtime)
            <= budget,
        current: stage == Some(z.stage),
    };
    TrainingSection {
        weights_bytes: t.weights_bytes.get(),
        gradients_bytes: t.gradients_bytes.get(),
        optimizer_bytes: t.optimizer_bytes.get(),
        activations_bytes: t.activations_bytes.get(),
        total_bytes: t.total_bytes.get(),
        runtime_bytes: runtime,
        total_with_runtime_bytes: t.total_bytes.get().saturating_add(runtime),
        budget_bytes: budget,
        trainable_parameters: t.trainable_parameters,
        host_offload_bytes: t.host_offload_bytes.get(),
        zero_stage: stage,
        per_zero_stage: t.per_zero_stage.iter().map(row).collect(),
    }
}

fn verdict(plan: &Plan, used_share: Option<f64>, counts: &FindingCounts) -> Verdict {
    let g = &plan.gpu;
    let total = plan.per_gpu.total_bytes.get();
    let on = format!(
        "{} x {} ({} x {})",
        g.total_gpus,
        g.name,
        plural(g.replicas, "replica"),
        plural(g.gpus_per_replica, "GPU")
    );
    let errors = if counts.error > 0 {
        format!("; {} to fix", plural(counts.error as u64, "error finding"))
    } else {
        String::new()
    };
    let fraction = |b: i64| (total > 0).then(|| b as f64 / total as f64);
    if let Some(t) = &plan.training {
        // The plan's own verdict: budget - (training total + runtime), signed.
        let spare = plan.per_gpu.kv_cache_bytes;
        let fits = spare >= 0;
        let detail =
            format!(
            "{on}: {} per GPU ({} of training memory + {} runtime) of a {} budget, {} {}{errors}",
            Bytes(t.total_bytes.get().saturating_add(plan.per_gpu.runtime_bytes.get())),
            t.total_bytes,
            plan.per_gpu.runtime_bytes,
            plan.per_gpu.budget_bytes,
            crate::units::format_gib(spare.unsigned_abs() as i128),
            if fits { "to spare" } else { "short" }
        );
        return Verdict {
            fits,
            status: status(fits),
            detail,
            spare_bytes: Some(spare),
            spare_fraction: fraction(spare),
        };
    }
    let kv = plan.per_gpu.kv_cache_bytes;
    let pct = plan
        .classes
        .first()
        .map_or_else(|| "p99".to_string(), |c| c.percentile.clone());
    let g = &plan.per_gpu;
    let max_len = plan.kv_cache.as_ref().map(|k| k.max_model_len);
    let not_start = max_len.map_or_else(
        || "the engine will not start".to_string(),
        |n| {
            format!(
                "the engine will not start with max_model_len {}",
                super::env::group_digits(n as i128)
            )
        },
    );
    if kv <= 0 {
        // MEM003's numbers: nothing is left for the KV cache.
        return Verdict {
            fits: false,
            status: status(false),
            detail: format!(
                "{on}: {not_start}: weights {} + activation peak {} + runtime {} exceed the engine budget of {} by {}{errors}",
                g.weights_bytes,
                g.activation_peak_bytes,
                g.runtime_bytes,
                g.budget_bytes,
                crate::units::format_gib(-(kv as i128))
            ),
            spare_bytes: Some(kv),
            spare_fraction: fraction(kv),
        };
    }
    if let Some(k) = plan
        .kv_cache
        .as_ref()
        .filter(|k| k.max_model_len > k.max_model_len_that_fits)
    {
        // MEM003's numbers: one max_model_len sequence exceeds the cache.
        let seq = (k.max_model_len as u128).saturating_mul(k.bytes_per_token_per_gpu as u128);
        let short = (kv as i128).saturating_sub(seq as i128);
        let short = short.clamp(i64::MIN as i128, i64::MAX as i128) as i64;
        return Verdict {
            fits: false,
            status: status(false),
            detail: format!(
                "{on}: {not_start}: one {}-token sequence needs {} of KV cache per GPU, the cache holds {} ({} tokens); max_model_len {} or lower fits{errors}",
                super::env::group_digits(k.max_model_len as i128),
                crate::units::format_gib(seq as i128),
                crate::units::format_gib(kv as i128),
                super::env::group_digits(k.capacity_tokens as i128),
                super::env::group_digits(k.max_model_len_that_fits as i128),
            ),
            spare_bytes: Some(short),
            spare_fraction: fraction(short),
        };
    }
    let unsized_classes: Vec<&str> = plan
        .classes
        .iter()
        .filter(|c| !c.sized)
        .map(|c| c.name.as_str())
        .collect();
    if !unsized_classes.is_empty() {
        let one = unsized_classes.len() == 1;
        return Verdict {
            fits: false,
            status: status(false),
            detail: format!(
                "{on}: cannot be judged: {} {} {} not sized (no {pct} or p95 token lengths, see TRF001){errors}",
                if one { "class" } else { "classes" },
                unsized_classes.join(", "),
                if one { "is" } else { "are" },
            ),
            spare_bytes: None,
            spare_fraction: None,
        };
    }
    let short: Vec<&crate::plan::ClassPlan> = plan
        .classes
        .iter()
        .filter(|c| !c.fits || !c.sized)
        .collect();
    let spare = used_share.map(|s| kv - (kv as f64 * s).round() as i64);
    let fits = short.is_empty();
    let detail = if let Some(c) = short.first() {
        let needed = plan
            .classes
            .iter()
            .filter_map(|c| c.replicas_needed)
            .max()
            .map_or_else(
                || "more replicas alone cannot fix it: one sequence of each class already exceeds an engine instance's KV pool".to_string(),
                |n| format!("{} would fit every class", plural(n, "replica")),
            );
        format!(
            "{on} at {pct} traffic: {} needs {} concurrent sequences, the deployment holds {}; {needed}{errors}",
            c.name, c.required_concurrency, c.max_concurrency
        )
    } else {
        match (used_share, spare) {
            (Some(share), Some(sp)) => format!(
                "{on} at {pct} traffic: the classes use {} of the KV pool, {} per GPU to spare{errors}",
                super::env::percent(share),
                crate::units::format_gib(sp as i128)
            ),
            _ => format!(
                "{on}: {} of KV cache per GPU, {} tokens per engine instance (no traffic classes to check){errors}",
                crate::units::format_gib(kv as i128),
                plan.kv_cache
                    .as_ref()
                    .map_or_else(|| "0".into(), |k| super::env::group_digits(k.capacity_tokens as i128))
            ),
        }
    };
    Verdict {
        fits,
        status: status(fits),
        detail,
        spare_bytes: spare.or(Some(kv)),
        spare_fraction: fraction(spare.unwrap_or(kv)),
    }
}

fn status(fits: bool) -> String {
    if fits { "fits" } else { "does not fit" }.to_string()
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

fn summary_row(r: &ReportModel) -> SummaryRow {
    let worst = r
        .findings
        .iter()
        .max_by_key(|f| {
            let rank = Severity::parse(&f.severity).unwrap_or(Severity::Off);
            // Highest severity first; ties go to the earliest finding.
            (rank, std::cmp::Reverse(f.location.clone()))
        })
        .map_or_else(
            || "none".to_string(),
            |f| format!("{} {} {}", f.severity, f.code, f.name),
        );
    let spare = match (r.verdict.spare_bytes, r.verdict.spare_fraction) {
        (Some(b), Some(f)) => format!(
            "{} ({:.1}%)",
            crate::units::format_gib(b as i128),
            f * 100.0
        ),
        _ => "-".into(),
    };
    SummaryRow {
        name: r.name.clone(),
        file: r.file.clone(),
        anchor: r.anchor.clone(),
        gpus: r.gpus.clone(),
        status: r.verdict.status.clone(),
        fits: r.verdict.fits,
        spare,
        worst_finding: worst,
    }
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

/// A lowercase ASCII slug for ids and links.
fn anchor_of(name: &str) -> String {
    let mut s = String::from("spec-");
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    s.trim_end_matches('-').to_string()
}

/// Two specs with the same name still get distinct anchors.
fn dedupe_anchors(reports: &mut [ReportModel]) {
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for r in reports.iter_mut() {
        let n = seen.entry(r.anchor.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            r.anchor = format!("{}-{}", r.anchor, n);
        }
    }
}

pub(super) fn str_at(v: &Json, ptr: &str) -> Option<String> {
    v.pointer(ptr).and_then(Json::as_str).map(str::to_string)
}

pub(super) fn u64_at(v: &Json, ptr: &str) -> Option<u64> {
    v.pointer(ptr).and_then(Json::as_u64)
}

pub(super) fn f64_at(v: &Json, ptr: &str) -> Option<f64> {
    v.pointer(ptr).and_then(Json::as_f64)
}

/// A JSON scalar as plain text (strings without quotes).
pub(super) fn json_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => "-".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::{base_plan, Fixture};
    use crate::units::GIB;

    #[test]
    fn max_model_len_over_the_cache_does_not_fit() {
        let mut plan = base_plan();
        let kv = plan.kv_cache.as_mut().expect("serving");
        kv.max_model_len = 2_000_000;
        let v = verdict(&plan, Some(0.5), &FindingCounts::default());
        assert!(!v.fits);
        assert_eq!(v.status, "does not fit");
        assert!(
            v.detail.contains(
                "the engine will not start with max_model_len 2,000,000: one 2,000,000-token sequence needs 76.29 GiB of KV cache per GPU, the cache holds 49.28 GiB (1,291,840 tokens); max_model_len 1,291,840 or lower fits"
            ),
            "{}",
            v.detail
        );
        assert!(v.spare_bytes.expect("short") < 0);
    }

    #[test]
    fn no_kv_cache_says_which_max_model_len() {
        let mut plan = base_plan();
        plan.per_gpu.kv_cache_bytes = -(GIB as i64);
        let v = verdict(&plan, Some(0.5), &FindingCounts::default());
        assert!(!v.fits);
        assert!(
            v.detail.contains("the engine will not start with max_model_len 131,072: weights 18.00 GiB + activation peak 2.00 GiB + runtime 2.00 GiB exceed the engine budget of"),
            "{}",
            v.detail
        );
    }

    #[test]
    fn cuda_graphs_outside_the_budget_are_in_the_free_row() {
        let mut plan = base_plan();
        let b = breakdown(&plan, Some(0.5));
        let row = |b: &Breakdown, c: &str| {
            b.rows
                .iter()
                .find(|r| r.component.starts_with(c))
                .expect("row")
                .note
                .clone()
        };
        assert_eq!(row(&b, "Runtime"), "CUDA context, NCCL, workspace");
        assert_eq!(
            row(&b, "Free"),
            "total x (1 - 0.9); CUDA graphs (0.50 GiB) captured outside the budget"
        );
        plan.per_gpu.cuda_graphs_outside_budget_bytes = Bytes::ZERO;
        let b = breakdown(&plan, Some(0.5));
        assert_eq!(
            row(&b, "Runtime"),
            "CUDA context, NCCL, CUDA graphs, workspace"
        );
        assert_eq!(row(&b, "Free"), "total x (1 - 0.9)");
    }

    #[test]
    fn training_verdict_counts_the_runtime() {
        // 14.96 GiB states + 54 GiB activations = 68.96 GiB fit the 71.28 GiB
        // budget; with 2 GiB of runtime + 1 more they do not.
        let mut fx = Fixture::training();
        let t = fx.plan.training.as_mut().expect("training");
        t.activations_bytes = Bytes(54 * GIB + GIB / 2);
        t.total_bytes = Bytes(16_060_522_496 + 54 * GIB + GIB / 2);
        fx.plan.per_gpu.runtime_bytes = Bytes(2 * GIB);
        fx.sync_training_left();
        let v = verdict(&fx.plan, None, &FindingCounts::default());
        assert!(!v.fits, "{}", v.detail);
        assert_eq!(v.spare_bytes, Some(fx.plan.per_gpu.kv_cache_bytes));
        assert!(
            v.detail
                .contains("+ 2.00 GiB runtime) of a 71.28 GiB budget"),
            "{}",
            v.detail
        );
        assert!(v.detail.ends_with("short"), "{}", v.detail);
    }

    #[test]
    fn unsized_class_cannot_be_judged() {
        let mut plan = base_plan();
        plan.classes[1].sized = false;
        let v = verdict(&plan, Some(0.5), &FindingCounts::default());
        assert!(!v.fits);
        assert_eq!(v.status, "does not fit");
        assert!(
            v.detail
                .contains("cannot be judged: class long-doc is not sized"),
            "{}",
            v.detail
        );
        assert_eq!(v.spare_bytes, None);
    }
}
