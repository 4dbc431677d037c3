//! Entry point of the memory math: assembles the plan from the per-quantity
//! files. Pure: a typed spec and its resolved model/GPU in, a [`Plan`] out.
//!
//! An arithmetic overflow (absurd input such as 10^19 replicas or 10^9
//! layers), or a per-GPU quantity past 2^63 bytes, is returned as finding
//! MEM000 `arithmetic-overflow` on the field that caused it (plan/blame.rs),
//! never a panic, a wrapped or a clamped number;
//! a Training spec without its `training` section (which the schema rejects
//! first) as SCH002 `missing-field`.

use super::blame;
use super::engine::{self, EngineSettings};
use super::math::{add, ceil_div, floor_times, mul, mul_ratio_floor, sum, MathResult};
use super::types::*;
use super::weights::{Format, Shard};
use super::{
    activations, capacity, extras, host, hybrid, kernel_path, kv_cache, optimizer, pp_stage,
    runtime, sharding, weights,
};
use crate::catalog::gpus::{self, MemoryBasis};
use crate::catalog::{Architecture, GpuInfo, Resolved};
use crate::codes;
use crate::diagnostics::Finding;
use crate::spec::{
    Engine, Kind, LoadFormat, Quantization, ServingSpec, Spec, TrainingMethod, TrainingPrecision,
    WeightDtype,
};
use crate::units::{Bytes, Overflow};

/// Compute the plan. An arithmetic overflow (absurd input) is a finding, not a panic.
pub fn compute(spec: &Spec, resolved: &Resolved) -> Result<Plan, Box<Finding>> {
    build(spec, resolved).map_err(|e| {
        Box::new(match e {
            PlanError::Overflow(stage) => {
                overflow_finding(spec, resolved, stage.unwrap_or(ANYWHERE))
            }
            // The schema requires `training` for kind Training; reaching this
            // means a caller skipped validation.
            PlanError::MissingTraining => codes::SCH002.finding(
                "/training",
                "kind Training needs a `training` section to plan",
            ),
        })
    })
}

/// MEM000 for an overflow in `stage`: on the field whose value causes it
/// (plan/blame.rs), else on the stage's section with its usual suspects.
fn overflow_finding(spec: &Spec, resolved: &Resolved, stage: Stage) -> Finding {
    let what = stage.what;
    match blame::culprit(spec, resolved, |s, r| build(s, r).is_ok()) {
        Some(c) => codes::MEM000.finding(
            c.pointer,
            format!(
                "`{}` = {} is past what the plan can represent (byte counts below 2^64, per-GPU memory below 2^63 bytes; it overflowed while computing {what}): the value is absurd for a deployment",
                c.label, c.value
            ),
        )
        .with_fix(format!("check `{}` for a typo", c.label)),
        None => codes::MEM000.finding(
            stage.pointer,
            format!(
                "the memory math overflows while computing {what} (byte counts below 2^64, per-GPU memory below 2^63 bytes): a size, count or degree in this spec is absurd"
            ),
        )
        .with_fix(format!("check {} for a typo", stage.suspects)),
    }
}

/// Why no plan could be computed.
enum PlanError {
    /// A sum or product overflowed; `None` until a stage claims it.
    Overflow(Option<Stage>),
    MissingTraining,
}

/// What the plan was computing when a sum or product overflowed, and where in
/// the spec the absurd number most likely is: MEM000 points there, so the
/// user is not sent to the architecture for a typo in `replicas`.
#[derive(Clone, Copy)]
struct Stage {
    what: &'static str,
    pointer: &'static str,
    suspects: &'static str,
}

/// Where an overflow no stage claimed is reported.
const ANYWHERE: Stage = Stage {
    what: "the plan",
    pointer: "/model",
    suspects: "the architecture numbers, parallel degrees and token counts",
};
const GPU_COUNT: Stage = Stage {
    what: "the GPU count",
    pointer: "/parallelism",
    suspects: "the parallel degrees, `serving.replicas` and `hardware`",
};
const WEIGHTS: Stage = Stage {
    what: "the weights",
    pointer: "/model",
    suspects: "the architecture numbers (layers, hidden and intermediate sizes, vocabulary, experts) and `parameters`",
};
const HOST_LOAD: Stage = Stage {
    what: "the host RAM at load",
    pointer: "/loading",
    suspects: "`loading.workers_per_node` and the model size",
};
const ACTIVATIONS: Stage = Stage {
    what: "the activation peak",
    pointer: "/serving",
    suspects: "`serving.max_num_batched_tokens`, `serving.max_num_seqs` and the architecture sizes",
};
const KV_CACHE: Stage = Stage {
    what: "the KV cache",
    pointer: "/serving",
    suspects: "`serving.max_model_len`, `serving.block_size` and the layer and head counts",
};
const CLASSES: Stage = Stage {
    what: "the request classes",
    pointer: "/traffic",
    suspects: "the token lengths and concurrency of each class",
};
const TRAINING: Stage = Stage {
    what: "the training memory",
    pointer: "/training",
    suspects: "`training` (batch, sequence length, LoRA rank) and the architecture sizes",
};

impl From<Overflow> for PlanError {
    fn from(_: Overflow) -> Self {
        PlanError::Overflow(None)
    }
}

impl PlanError {
    /// Attribute an unattributed overflow to `stage`.
    fn within(self, stage: Stage) -> Self {
        match self {
            PlanError::Overflow(None) => PlanError::Overflow(Some(stage)),
            other => other,
        }
    }
}

/// `map_err` adapter: an overflow in this computation belongs to `stage`.
fn at(stage: Stage) -> impl Fn(Overflow) -> PlanError {
    move |_| PlanError::Overflow(Some(stage))
}

/// Parallel degrees, each at least 1.
#[derive(Clone, Copy)]
struct Degrees {
    tp: u64,
    pp: u64,
    dp: u64,
    ep: u64,
}

fn degrees(spec: &Spec) -> MathResult<Degrees> {
    let p = &spec.parallelism;
    let tp = p.tensor.max(1);
    let dp = p.data.max(1);
    let ep = if p.expert { mul(tp, dp)? } else { 1 };
    Ok(Degrees {
        tp,
        pp: p.pipeline.max(1),
        dp,
        ep,
    })
}

fn note(out: &mut Vec<Assumption>, field: &str, value: impl ToString, source: impl ToString) {
    out.push(Assumption {
        field: field.to_string(),
        value: value.to_string(),
        source: source.to_string(),
    });
}

/// Activation dtype width: fp32 models compute in fp32, everything else in 16-bit.
fn act_bytes(dtype: WeightDtype) -> u64 {
    if dtype == WeightDtype::Fp32 {
        4
    } else {
        2
    }
}

/// Where the per-GPU total (`gpu.total_bytes`) came from: the spec's inline
/// figure, or a catalogue entry whose CUDA-visible total is measured (a public
/// log shows it) or derived (NVML total minus a reserve, or scaled from a
/// sibling part: catalog/gpus.yaml, docs/catalog.md).
/// Returns the basis (`measured`, `derived: ...` or `given`) for
/// `gpu.total_basis`.
fn note_gpu_total(gpu: &GpuInfo, out: &mut Vec<Assumption>) -> String {
    let bytes = gpu.memory_bytes.get();
    let entry = gpus::gpus()
        .ok()
        .and_then(|c| gpus::find(c, &gpu.id))
        .filter(|g| g.memory_bytes == gpu.memory_bytes);
    let (basis, source) = match entry {
        None => (
            "given".to_string(),
            "the spec's inline `hardware.gpu.memory` (CUDA-visible total)".to_string(),
        ),
        Some(g) => {
            let e = &g.entry;
            match (e.memory_basis, e.derivation) {
                (MemoryBasis::Measured, _) => (
                    "measured".to_string(),
                    format!(
                        "catalogue `{}`: measured CUDA-visible total; {}",
                        e.id, e.source
                    ),
                ),
                (MemoryBasis::Derived, d) => (
                    format!("derived: {}", d.map_or("see source", |d| d.describe())),
                    format!(
                        "catalogue `{}`: an estimate, not a measurement; {}",
                        e.id, e.source
                    ),
                ),
            }
        }
    };
    note(
        out,
        "gpu.total_bytes",
        format!("{bytes} bytes, {basis}"),
        source,
    );
    basis
}

fn attention_kind(a: &Architecture) -> &'static str {
    if a.mla.is_some() {
        "mla"
    } else if a.kv_heads == 1 {
        "mqa"
    } else if a.kv_heads == a.attention_heads {
        "mha"
    } else {
        "gqa"
    }
}

/// Whole-model weights and the bottleneck GPU's share.
struct WeightsOut {
    plan: WeightsPlan,
    /// The most-loaded pipeline stage.
    stage: u64,
    parameters: u64,
    parameters_source: &'static str,
    active: u64,
    largest_tensor: u64,
}

fn weights_plan(
    resolved: &Resolved,
    f: &Format,
    shard: Shard,
    pp: u64,
    out: &mut Vec<Assumption>,
) -> MathResult<WeightsOut> {
    let a = &resolved.model.architecture;
    let w = &resolved.model.weights;
    let count = weights::count(a)?;
    let formula_total = sharding::whole_model_bytes(a, f)?;
    let (formula_per_gpu, stage) = sharding::max_stage_bytes(a, f, shard, pp)?;
    // Linear layers the checkpoint keeps at 16 bits (plan/unquantized.rs).
    let linear16 = sharding::whole_model_linear16(a, f)?;
    let unquantized = sum([
        f.embedding.bytes(add(count.embedding, count.lm_head)?)?,
        f.kept.bytes(count.kept)?,
        f.unquantized.bytes(linear16)?,
    ])?;
    if linear16 > 0 {
        let by = if f.keep16.experts_only && f.keep16.source.is_empty() {
            "MXFP4 quantizes only the routed experts (vllm/model_executor/layers/quantization/mxfp4.py `Mxfp4Config.get_quant_method`)".to_string()
        } else {
            format!(
                "{} module pattern(s) from quantization_config and `model.weights.unquantized`{}",
                f.keep16.source.len(),
                if f.keep16.experts_only {
                    "; MXFP4 quantizes only the routed experts"
                } else {
                    ""
                }
            )
        };
        note(
            out,
            "weights.unquantized_bytes",
            format!("{linear16} linear parameters kept at 16 bits"),
            format!("{by} (docs/memory-math.md \"Modules kept at 16 bits\")"),
        );
    }
    if !f.keep16.invalid.is_empty() {
        note(
            out,
            "model.weights.unquantized",
            format!("ignored: {}", f.keep16.invalid.join(", ")),
            "not a valid `re:` regular expression or glob",
        );
    }
    // Published or exact totals rescale the formula's per-GPU share
    // proportionally: per_gpu = total x formula_per_gpu / formula_total.
    let (total, parameters, source, exact) = match (&resolved.model.exact_weights, a.parameters) {
        (Some(x), _) => (x.total_bytes.get(), x.parameters, "exact", true),
        (None, Some(p)) if p != count.total => {
            let nonlinear = add(add(count.embedding, count.lm_head)?, count.kept)?;
            let linear = p.saturating_sub(nonlinear);
            let total = sum([
                f.linear.bytes(linear.saturating_sub(linear16))?,
                f.unquantized.bytes(linear16.min(linear))?,
                f.kept.bytes(count.kept)?,
                f.embedding.bytes(add(count.embedding, count.lm_head)?)?,
            ])?;
            (total, p, "published", false)
        }
        (None, Some(p)) => (formula_total, p, "published", false),
        (None, None) => (formula_total, count.total, "formula", false),
    };
    let per_gpu = if total == formula_total || formula_total == 0 {
        formula_per_gpu
    } else {
        mul_ratio_floor(formula_per_gpu, total, formula_total)?
    };
    note(
        out,
        "weights.format",
        format!("{:.4} bits per quantized weight", f.linear.as_f64()),
        &f.note,
    );
    let tied = if a.tie_word_embeddings {
        "tied"
    } else {
        "untied"
    };
    let sharding = format!(
        "tp={} pp={} ep={}: stage {} of {} is the most loaded (vocab padded to 64 and split, norms and router replicated, {} lm_head)",
        shard.tp,
        pp,
        shard.ep,
        stage,
        pp,
        tied
    );
    let largest_tensor = f
        .embedding
        .bytes(mul(weights::vocab_rows_per_rank(a, 1)?, a.hidden_size)?)?;
    Ok(WeightsOut {
        plan: WeightsPlan {
            exact,
            dtype: w.dtype.as_str().to_string(),
            quantization: w.quantization.as_str().to_string(),
            // The format's own group size: None where it has none (FP8/INT8
            // per-channel, GGUF), whatever the spec says.
            group_size: f.group_size,
            bits_per_weight: f.linear.as_f64(),
            total_bytes: Bytes(total),
            unquantized_bytes: Bytes(unquantized),
            per_gpu_bytes: Bytes(per_gpu),
            padding_bytes: None,
            padding_reason: None,
            sharding,
        },
        stage,
        parameters,
        parameters_source: source,
        active: count.active,
        largest_tensor,
    })
}

/// The MXFP4 MoE kernel padding on one GPU of pipeline stage `stage`, given
/// the GPU's compute capability (plan/kernel_path.rs).
fn stage_padding(
    a: &Architecture,
    cc: (u64, u64),
    e: &EngineSettings,
    f: &Format,
    shard: Shard,
    pp: u64,
    stage: u64,
) -> MathResult<Option<kernel_path::Padding>> {
    let (start, end) = sharding::stage_range(a.layers, pp, stage);
    let moe_layers = (end - start) - sharding::dense_layers_in(a, start, end);
    let Some(m) = &a.moe else { return Ok(None) };
    let (experts, i) = if shard.ep > 1 {
        (ceil_div(m.experts, shard.ep)?, m.expert_intermediate_size)
    } else {
        (m.experts, ceil_div(m.expert_intermediate_size, shard.tp)?)
    };
    // What the format already prices for these experts: 3 h I per expert.
    let routed = mul(mul(moe_layers, experts)?, mul(3, mul(a.hidden_size, i)?)?)?;
    let checkpoint = f.linear.bytes(routed)?;
    kernel_path::mxfp4_padding(a, shard, moe_layers, e.version, cc, checkpoint)
}

/// vLLM's MXFP4 MoE kernel path on the most-loaded GPU (plan/kernel_path.rs):
/// the padding is added to `per_gpu_bytes` and reported as
/// `weights.padding_bytes`. Other engines and formats: nothing added.
#[allow(clippy::too_many_arguments)]
fn kernel_padding(
    a: &Architecture,
    gpu: &GpuInfo,
    e: &EngineSettings,
    f: &Format,
    shard: Shard,
    pp: u64,
    w: &mut WeightsOut,
    out: &mut Vec<Assumption>,
) -> MathResult<()> {
    if !f.keep16.experts_only || a.moe.is_none() {
        return Ok(());
    }
    if e.engine != Engine::Vllm {
        note(
            out,
            "weights.padding_bytes",
            "not modelled",
            "MXFP4 MoE kernel padding is modelled for vLLM only (docs/memory-math.md \"Kernel padding\")",
        );
        return Ok(());
    }
    let Some(cc) = kernel_path::capability(gpu.compute_capability.as_deref()) else {
        note(
            out,
            "weights.padding_bytes",
            "not modelled",
            "the GPU's compute capability is unknown, so vLLM's MXFP4 MoE backend is; give `hardware.gpu.compute_capability`",
        );
        return Ok(());
    };
    let Some(p) = stage_padding(a, cc, e, f, shard, pp, w.stage)? else {
        return Ok(());
    };
    let reason = format!(
        "vLLM {}.{} on SM {}.{} runs the {} MXFP4 MoE backend: experts padded from H={} I={} to H'={} I'={} per rank{}; the expert biases, which the parameter count omits, are included (plan/kernel_path.rs; vllm/model_executor/layers/quantization/mxfp4.py, fused_moe/oracle/mxfp4.py from 0.19)",
        e.version.0,
        e.version.1,
        cc.0,
        cc.1,
        p.backend.name(),
        a.hidden_size,
        p.per_rank_intermediate,
        p.padded.0,
        p.padded.1,
        match p.backend {
            kernel_path::Backend::Marlin => ", 1-byte scales and BF16 biases kept",
            kernel_path::Backend::Triton if e.version <= (0, 24) =>
                ", scales swizzled for Hopper (rows padded to 256) beside the loaded copy, FP32 biases",
            kernel_path::Backend::Triton =>
                ", scales swizzled for Hopper (rows padded to 256), FP32 biases",
            kernel_path::Backend::TrtLlm => ", biases converted to FP32",
        }
    );
    note(out, "weights.padding_bytes", p.bytes, &reason);
    w.plan.per_gpu_bytes = Bytes(add(w.plan.per_gpu_bytes.get(), p.bytes)?);
    w.plan.padding_bytes = Some(Bytes(p.bytes));
    w.plan.padding_reason = Some(reason);
    Ok(())
}

fn default_serving() -> ServingSpec {
    ServingSpec {
        engine: Engine::Vllm,
        engine_version: None,
        replicas: None,
        max_model_len: None,
        kv_cache_dtype: None,
        gpu_memory_utilization: None,
        block_size: None,
        max_num_seqs: None,
        max_num_batched_tokens: None,
        cuda_graphs: None,
        mamba_cache_dtype: None,
        mamba_ssm_cache_dtype: None,
        prefix_caching: None,
        speculative: None,
        lora: None,
        multimodal: None,
        kv_offload: None,
    }
}

fn build(spec: &Spec, resolved: &Resolved) -> Result<Plan, PlanError> {
    let a = &resolved.model.architecture;
    let rw = &resolved.model.weights;
    let d = degrees(spec).map_err(at(GPU_COUNT))?;
    let mut assumptions = Vec::new();
    let f = weights::format(rw.dtype, rw.quantization, rw.group_size, a.hidden_size)
        .with_unquantized(&rw.unquantized);
    let shard = Shard { tp: d.tp, ep: d.ep };
    let w = weights_plan(resolved, &f, shard, d.pp, &mut assumptions).map_err(at(WEIGHTS))?;
    let total = resolved.gpu.memory_bytes.get();
    let total_basis = note_gpu_total(&resolved.gpu, &mut assumptions);
    let training = spec.kind == Kind::Training;

    let gpus_per_replica = mul(d.tp, d.pp)
        .and_then(|g| mul(g, d.dp))
        .map_err(at(GPU_COUNT))?;
    let serving_default = default_serving();
    let serving = spec.serving.as_ref().unwrap_or(&serving_default);
    let replicas = if training {
        1
    } else {
        serving.replicas.unwrap_or(1).max(1)
    };
    let total_gpus = mul(gpus_per_replica, replicas).map_err(at(GPU_COUNT))?;
    let gpus_per_node = match spec.hardware.gpus_per_node {
        Some(g) => g.max(1),
        None => {
            let g = total_gpus.clamp(1, 8);
            note(
                &mut assumptions,
                "hardware.gpus_per_node",
                g,
                "not given: the GPUs the plan uses, at most 8",
            );
            g
        }
    };
    let nodes = spec
        .hardware
        .nodes
        .unwrap_or(ceil_div(total_gpus, gpus_per_node)?);
    let gpu = GpuSummary {
        id: resolved.gpu.id.clone(),
        name: resolved.gpu.name.clone(),
        total_bytes: resolved.gpu.memory_bytes,
        total_basis,
        gpus_per_replica,
        replicas,
        total_gpus,
        engine_instances_per_replica: d.dp,
        nodes,
        gpus_per_node,
    };
    let model = ModelSummary {
        source: match &resolved.model.source {
            crate::catalog::ArchitectureSource::Preset(p) => format!("preset {p}"),
            crate::catalog::ArchitectureSource::HfConfig(p) => format!("hf_config {p}"),
            crate::catalog::ArchitectureSource::Inline => "inline".to_string(),
        },
        parameters: w.parameters,
        parameters_source: w.parameters_source.to_string(),
        active_parameters: w.active,
        layers: a.layers,
        hidden_size: a.hidden_size,
        attention_heads: a.attention_heads,
        kv_heads: a.kv_heads,
        head_dim: a.head_dim,
        vocab_size: a.vocab_size,
        max_position_embeddings: a.max_position_embeddings,
        attention: attention_kind(a).to_string(),
    };

    // Host RAM at load.
    let loading = spec.loading.clone().unwrap_or(crate::spec::LoadingSpec {
        format: LoadFormat::Safetensors,
        mmap: None,
        workers_per_node: None,
    });
    let workers = loading
        .workers_per_node
        .unwrap_or(total_gpus.min(gpus_per_node))
        .max(1);
    let mmap = loading.mmap.unwrap_or(true);
    let (load_peak, staging) = host::load_peak(
        loading.format,
        mmap,
        workers,
        w.plan.total_bytes.get(),
        w.largest_tensor,
    )
    .map_err(at(HOST_LOAD))?;
    let mut host_plan = HostPlan {
        load_peak_bytes: Bytes(load_peak),
        available_bytes: spec.hardware.host_memory,
        workers_per_node: workers,
        staging,
        kv_offload_bytes: None,
        lora_cache_bytes: None,
        mm_processor_cache_bytes: None,
    };

    if training {
        return training_plan(spec, resolved, &f, d, gpu, model, w, host_plan, assumptions)
            .map_err(|e| e.within(TRAINING));
    }

    let longest = match &spec.traffic {
        Some(t) => t
            .classes
            .iter()
            .map(|c| {
                add(
                    c.prompt_tokens.at(t.plan_percentile).unwrap_or(0),
                    c.output_tokens.at(t.plan_percentile).unwrap_or(0),
                )
            })
            .collect::<MathResult<Vec<u64>>>()
            .map_err(at(CLASSES))?
            .into_iter()
            .max(),
        None => None,
    };
    let e: EngineSettings = engine::resolve(
        serving,
        a,
        &resolved.gpu,
        rw.dtype,
        engine::Layout {
            tp: d.tp,
            pp: d.pp,
            dp: d.dp,
        },
        spec.capacity.headroom,
        longest,
        &mut assumptions,
    );
    let mut w = w;
    kernel_padding(
        a,
        &resolved.gpu,
        &e,
        &f,
        shard,
        d.pp,
        &mut w,
        &mut assumptions,
    )
    .map_err(at(WEIGHTS))?;
    let rt = runtime::runtime(&e, d.tp, &mut assumptions);
    let x = extras::compute(
        a,
        serving,
        &f,
        shard,
        e.max_num_batched_tokens,
        e.max_num_seqs,
        e.max_model_len,
        act_bytes(rw.dtype),
    )
    .map_err(at(WEIGHTS))?;
    let run =
        activations::ProfileRun::for_engine(e.engine, e.version, rw.dtype, &resolved.gpu.name);
    let act = activations::inference_peak(
        a,
        d.tp,
        d.ep,
        e.max_num_batched_tokens,
        e.max_num_seqs,
        act_bytes(rw.dtype),
        &run,
    )
    .and_then(|p| add(p, x.encoder_cache))
    .map_err(at(ACTIVATIONS))?;
    // vLLM under pipeline parallelism: the stages before the last run no
    // sampler warm-up (plan/pp_stage.rs).
    let per_stage = e.engine == Engine::Vllm && d.pp > 1;
    let act_before_last = if per_stage {
        activations::inference_peak_on(
            a,
            d.tp,
            d.ep,
            e.max_num_batched_tokens,
            e.max_num_seqs,
            act_bytes(rw.dtype),
            &run,
            false,
        )
        .and_then(|p| add(p, x.encoder_cache))
        .map_err(at(ACTIVATIONS))?
    } else {
        act
    };
    let moe_workspace = activations::persistent_workspace(
        a,
        d.tp,
        d.ep,
        e.max_num_batched_tokens,
        act_bytes(rw.dtype),
        &run,
    )
    .map_err(at(ACTIVATIONS))?;
    let sampler_warmup = activations::sampler_warmup(
        a,
        e.max_num_seqs,
        e.max_num_batched_tokens,
        act_bytes(rw.dtype),
        &run,
    )
    .map_err(at(ACTIVATIONS))?;
    note_extras(&x, &mut assumptions);
    // Host RAM while serving, per node: each engine instance on the node keeps
    // its own caches (instances per node = GPUs on the node / GPUs per instance).
    let per_instance = mul(d.tp, d.pp).map_err(at(GPU_COUNT))?;
    let on_node = (total_gpus.min(gpus_per_node) / per_instance.max(1)).max(1);
    let host_bytes = |b: u64| -> Result<Option<Bytes>, PlanError> {
        Ok((b > 0).then_some(Bytes(mul(b, on_node).map_err(at(HOST_LOAD))?)))
    };
    host_plan.kv_offload_bytes = host_bytes(x.kv_offload_host)?;
    host_plan.lora_cache_bytes = host_bytes(x.lora_host)?;
    host_plan.mm_processor_cache_bytes = host_bytes(x.mm_processor_host)?;
    note(
        &mut assumptions,
        "activation peak",
        format!("{act} bytes"),
        format!(
            "formula: profiling run of {} tokens, sampler over {} sequences{} (docs/memory-math.md section 4)",
            e.max_num_batched_tokens,
            e.max_num_seqs,
            run.describe(a.moe.is_some())
        ),
    );
    let weights_gpu = sum([
        w.plan.per_gpu_bytes.get(),
        x.draft_weights,
        x.vision_weights,
        x.lora,
    ])
    .map_err(at(WEIGHTS))?;
    // The pipeline stage whose figures `per_gpu` reports, when a stage other
    // than the last sets the pool (see below).
    let mut chosen_stage: Option<u64> = None;
    // The budget, the bottleneck rank and the block pool: one stage for MEM000.
    let mut kv = || -> MathResult<_> {
        let b = capacity::budget(&e, total, weights_gpu, act, rt.in_budget)?;
        let stages = sharding::candidate_stages(a, d.pp);
        let rank = kv_cache::bottleneck_rank(a, e.kv_dtype, d.tp, d.pp, &stages)?;
        let per_stage_tokens = stages.iter().try_fold(0u64, |acc, &s| -> MathResult<u64> {
            let (start, end) = sharding::stage_range(a.layers, d.pp, s);
            add(
                acc,
                mul(
                    kv_cache::bytes_per_token_per_layer(a, e.kv_dtype, d.tp)?,
                    end - start,
                )?,
            )
        })?;
        // All stages were enumerated unless pp > 4096; then scale the bottleneck.
        let instance_layers_tokens = if stages.len() as u64 == d.pp {
            per_stage_tokens
        } else {
            mul(
                kv_cache::bytes_per_token_per_layer(a, e.kv_dtype, d.tp)?,
                a.layers,
            )?
        };
        let bytes_per_token = mul(instance_layers_tokens, d.tp)?;
        let instances = mul(replicas, d.dp)?;
        if hybrid::applies(a, serving) {
            let h = hybrid::plan(
                a,
                serving,
                &e,
                d.tp,
                d.pp,
                &stages,
                act_bytes(rw.dtype),
                b.kv_bytes,
                &mut assumptions,
            )?;
            let kv_plan = hybrid_kv_plan(&e, &h, d.tp, instances)?;
            let blocks = capacity::Blocks {
                num_blocks: h.capacity.num_blocks,
                capacity_tokens: h.capacity.capacity_tokens,
                max_concurrency: h.capacity.max_concurrency,
                max_model_len_that_fits: h.capacity.max_model_len_that_fits,
                pool_bytes: h.capacity.pool_bytes,
            };
            return Ok((b, rank, blocks, kv_plan, Some(h), weights_gpu, act));
        }
        // vLLM gives every stage the fewest blocks of any stage
        // (plan/pp_stage.rs); the per-GPU figures are that stage's.
        let (b, rank, stage_weights, stage_act) = if per_stage && stages.len() as u64 == d.pp {
            let formula_total = sharding::whole_model_bytes(a, &f)?;
            let total_w = w.plan.total_bytes.get();
            let cc = kernel_path::capability(resolved.gpu.compute_capability.as_deref());
            let mut order = vec![w.stage];
            order.extend(stages.iter().copied().filter(|s| *s != w.stage));
            let mut cands = Vec::new();
            for s in order {
                let weights_s = if s == w.stage {
                    weights_gpu
                } else {
                    let fs = sharding::stage_bytes(a, &f, shard, d.pp, s)?;
                    let scaled = if total_w == formula_total || formula_total == 0 {
                        fs
                    } else {
                        mul_ratio_floor(fs, total_w, formula_total)?
                    };
                    let pad = match (w.plan.padding_bytes, cc) {
                        (Some(_), Some(cc)) => {
                            stage_padding(a, cc, &e, &f, shard, d.pp, s)?.map_or(0, |p| p.bytes)
                        }
                        _ => 0,
                    };
                    sum([scaled, pad, x.draft_weights, x.vision_weights, x.lora])?
                };
                let act_s = if s + 1 == d.pp { act } else { act_before_last };
                let b_s = capacity::budget(&e, total, weights_s, act_s, rt.in_budget)?;
                let rank_s = kv_cache::bottleneck_rank(a, e.kv_dtype, d.tp, d.pp, &[s])?;
                let kv = pp_stage::StageKv {
                    stage: s,
                    kv_bytes: b_s.kv_bytes,
                    block_bytes: mul(e.block_size, rank_s.per_token()?)?,
                };
                cands.push((kv, b_s, rank_s, weights_s, act_s));
            }
            let kvs: Vec<_> = cands.iter().map(|c| c.0).collect();
            match pp_stage::fewest_blocks(&kvs).and_then(|i| cands.get(i)) {
                Some((kv, b_s, rank_s, weights_s, act_s)) => {
                    note(
                        &mut assumptions,
                        "pipeline stage",
                        format!("{} of {}", kv.stage, d.pp),
                        "its cache has the fewest blocks, which vLLM gives every stage (unify_kv_cache_configs, vllm/v1/core/kv_cache_utils.py); the sampler warm-up runs on the last stage only (profile_run, vllm/v1/worker/gpu_model_runner.py at 0.9.2 and 0.19.0) (plan/pp_stage.rs)",
                    );
                    chosen_stage = Some(kv.stage);
                    (b_s.clone(), *rank_s, *weights_s, *act_s)
                }
                None => (b, rank, weights_gpu, act),
            }
        } else {
            (b, rank, weights_gpu, act)
        };
        let per_token_gpu = rank.per_token()?;
        let blocks = capacity::blocks(a, &rank, &e, b.kv_bytes)?;
        let kv_plan = KvCachePlan {
            dtype: e.kv_dtype.as_str().to_string(),
            block_size: e.block_size,
            max_model_len: e.max_model_len,
            bytes_per_token_per_gpu: per_token_gpu,
            layers_per_gpu: add(rank.full_layers, rank.sliding_layers)?,
            bytes_per_token,
            num_blocks: blocks.num_blocks,
            capacity_tokens: blocks.capacity_tokens,
            max_concurrency: blocks.max_concurrency,
            max_model_len_that_fits: blocks.max_model_len_that_fits,
            deployment_capacity_tokens: mul(blocks.capacity_tokens, instances)?,
            groups: Vec::new(),
            block_size_effective: None,
            state_bytes_per_sequence_per_gpu: None,
            blocks_per_request: None,
            state_blocks_per_request: None,
            prefix_caching: None,
        };
        Ok((b, rank, blocks, kv_plan, None, stage_weights, stage_act))
    };
    let (b, rank, blocks, kv_plan, h, weights_gpu, act) = kv().map_err(at(KV_CACHE))?;
    let classes = match (&spec.traffic, &h) {
        (Some(t), Some(h)) => {
            let seq = |tokens: u64| match &h.sglang {
                Some(p) => p.bytes_per_sequence(tokens),
                None => h.layout.bytes_per_sequence(tokens, &h.settings),
            };
            capacity::classes_with(&seq, &e, t, blocks.pool_bytes, d.dp).map_err(at(CLASSES))?
        }
        (Some(t), None) => {
            capacity::classes(a, &rank, &e, t, blocks.pool_bytes, d.dp).map_err(at(CLASSES))?
        }
        (None, _) => Vec::new(),
    };
    let per_gpu = PerGpu {
        total_bytes: Bytes(total),
        budget_bytes: Bytes(b.budget),
        weights_bytes: Bytes(weights_gpu),
        activation_peak_bytes: Bytes(act),
        runtime_bytes: Bytes(rt.in_budget),
        kv_cache_bytes: b.kv_bytes,
        free_bytes: Bytes(b.free),
        memory_fraction: e.memory_fraction,
        cuda_graphs_outside_budget_bytes: Bytes(rt.cuda_graphs_outside_budget),
        draft_weights_bytes: (x.draft_weights > 0).then_some(Bytes(x.draft_weights)),
        vision_weights_bytes: (x.vision_weights > 0).then_some(Bytes(x.vision_weights)),
        lora_bytes: (x.lora > 0).then_some(Bytes(x.lora)),
        encoder_cache_bytes: (x.encoder_cache > 0).then_some(Bytes(x.encoder_cache)),
        moe_workspace_bytes: (moe_workspace > 0).then_some(Bytes(moe_workspace)),
        // Only the last stage warms the sampler up: a stage before it that
        // sets the pool (and so `per_gpu`) has none to pay.
        sampler_warmup_bytes: sampler_warmup
            .filter(|_| chosen_stage.is_none_or(|s| s + 1 == d.pp))
            .map(Bytes),
    };
    host_plan.workers_per_node = workers;
    Ok(Plan {
        name: spec.metadata.name.clone(),
        kind: "Serving".into(),
        gpu,
        model,
        weights: w.plan,
        per_gpu,
        kv_cache: Some(kv_plan),
        classes,
        host: host_plan,
        training: None,
        assumptions,
    })
}

/// Record each serving feature's memory with its source.
fn note_extras(x: &extras::Extras, out: &mut Vec<Assumption>) {
    let rows: [(&str, u64, &str); 7] = [
        ("per_gpu.draft_weights_bytes", x.draft_weights, "MTP drafter: mtp_layers decoder layers + eh_proj, sharded like the target, embedding and lm_head shared (vLLM GPUModelRunner.load_model; docs/memory-math.md section 14)"),
        ("per_gpu.vision_weights_bytes", x.vision_weights, "vision tower at 16 bits, split by TP (vLLM mm_encoder_tp_mode weights; docs/memory-math.md section 14)"),
        ("per_gpu.lora_bytes", x.lora, "LoRA slots: max_loras x (A and B of qkv, o, gate_up, down per layer) at the model dtype (vllm/lora/layers; docs/memory-math.md section 14)"),
        ("per_gpu.encoder_cache_bytes", x.encoder_cache, "encoder outputs kept through the profiling run (vLLM EncoderRunner.profile_encoder_cache; docs/memory-math.md section 14)"),
        ("host.lora_cache_bytes (per instance)", x.lora_host, "max_cpu_loras whole adapters in pinned host RAM (vLLM LRU adapter cache)"),
        ("host.mm_processor_cache_bytes (per instance)", x.mm_processor_host, "mm_processor_cache_gb in the API server and in the engine core (vllm/config/multimodal.py, default 4 GiB)"),
        ("host.kv_offload_bytes (per instance)", x.kv_offload_host, "serving.kv_offload.host_memory: vLLM --kv-offloading-size, total across the instance's TP ranks"),
    ];
    for (field, bytes, source) in rows {
        if bytes > 0 {
            note(out, field, format!("{bytes} bytes"), source);
        }
    }
}

/// The KV plan of a model with layer kinds (plan/hybrid.rs): vLLM's groups,
/// effective block size and per-sequence state on the bottleneck GPU.
fn hybrid_kv_plan(
    e: &EngineSettings,
    h: &hybrid::HybridPlan,
    tp: u64,
    instances: u64,
) -> MathResult<KvCachePlan> {
    let l = &h.layout;
    let c = &h.capacity;
    Ok(KvCachePlan {
        dtype: e.kv_dtype.as_str().to_string(),
        block_size: e.block_size,
        max_model_len: e.max_model_len,
        bytes_per_token_per_gpu: l.attention_bytes_per_token,
        layers_per_gpu: l.cached_layers,
        bytes_per_token: mul(l.attention_bytes_per_token, tp)?,
        num_blocks: c.num_blocks,
        capacity_tokens: c.capacity_tokens,
        max_concurrency: c.max_concurrency,
        max_model_len_that_fits: c.max_model_len_that_fits,
        deployment_capacity_tokens: mul(c.capacity_tokens, instances)?,
        groups: l
            .groups
            .iter()
            .map(|g| KvGroupPlan {
                kind: g.kind.to_string(),
                layers: g.layers,
                padding_layers: g.padding,
                page_bytes: g.page_bytes,
                block_size: g.block_size,
            })
            .collect(),
        state_bytes_per_sequence_per_gpu: Some(l.state_bytes_per_sequence),
        // SGLang keeps state in its own slots: no shared blocks to count.
        block_size_effective: Some(if h.sglang.is_some() {
            e.block_size
        } else {
            l.block_size
        }),
        blocks_per_request: match h.sglang {
            Some(_) => None,
            None => Some(l.blocks_per_request(e.max_model_len, &h.settings, true)?),
        },
        state_blocks_per_request: match h.sglang {
            Some(_) => None,
            None => Some(l.state_blocks_per_request(&h.settings)?),
        },
        prefix_caching: h.sglang.is_none().then_some(h.settings.prefix_caching),
    })
}

#[allow(clippy::too_many_arguments)]
fn training_plan(
    spec: &Spec,
    resolved: &Resolved,
    f: &Format,
    d: Degrees,
    gpu: GpuSummary,
    model: ModelSummary,
    w: WeightsOut,
    host_plan: HostPlan,
    mut assumptions: Vec<Assumption>,
) -> Result<Plan, PlanError> {
    let a = &resolved.model.architecture;
    let Some(t) = spec.training.as_ref() else {
        return Err(PlanError::MissingTraining);
    };
    // Parameters on this GPU after TP/PP (the most-loaded stage), scaled to a
    // published/exact total like the weights.
    let shard = Shard { tp: d.tp, ep: d.ep };
    let mut gpu_params = 0u64;
    for s in sharding::candidate_stages(a, d.pp) {
        let (start, end) = sharding::stage_range(a.layers, d.pp, s);
        let p = sharding::stage_layer_params(a, shard, start, end)?;
        let rows = mul(weights::vocab_rows_per_rank(a, d.tp)?, a.hidden_size)?;
        let mut n = p.total()?;
        if s == 0 {
            n = add(n, rows)?;
        }
        if s + 1 == d.pp {
            n = add(n, a.hidden_size)?; // final norm
            if !a.tie_word_embeddings || d.pp > 1 {
                n = add(n, rows)?;
            }
        }
        gpu_params = gpu_params.max(n);
    }
    let formula_total = weights::count(a)?.total;
    if formula_total > 0 && w.parameters != formula_total {
        gpu_params = mul_ratio_floor(gpu_params, w.parameters, formula_total)?;
    }
    let (trainable, frozen_bytes) = match t.method {
        TrainingMethod::Full => (gpu_params, 0),
        TrainingMethod::Lora | TrainingMethod::Qlora => {
            let (rank, modules) = match &t.lora {
                Some(l) => (l.rank, l.target_modules.clone()),
                None => {
                    note(
                        &mut assumptions,
                        "training.lora",
                        "rank 16, q_proj/k_proj/v_proj/o_proj",
                        "not given: PEFT's common default",
                    );
                    (
                        16,
                        ["q_proj", "k_proj", "v_proj", "o_proj"]
                            .map(String::from)
                            .to_vec(),
                    )
                }
            };
            let (adapters, unknown) = optimizer::lora_params(a, rank, &modules)?;
            if !unknown.is_empty() {
                note(
                    &mut assumptions,
                    "training.lora.target_modules",
                    unknown.join(", "),
                    "not a known Llama-style module name: counted as 0 adapter parameters",
                );
            }
            let adapters = ceil_div(adapters, mul(d.tp, d.pp)?)?;
            // QLoRA (Dettmers et al. 2023): the frozen base is NF4 with double
            // quantization; LoRA keeps the base at the spec's weights format.
            let base_bytes = if t.method == TrainingMethod::Qlora {
                let q =
                    weights::format(WeightDtype::Int4, Quantization::BnbNf4, None, a.hidden_size);
                let whole = sharding::whole_model_bytes(a, &q)?;
                let formula = sharding::whole_model_bytes(a, f)?;
                if formula == 0 {
                    0
                } else {
                    mul_ratio_floor(w.plan.per_gpu_bytes.get(), whole, formula)?
                }
            } else {
                w.plan.per_gpu_bytes.get()
            };
            (adapters, base_bytes)
        }
    };
    let precision = t.precision;
    let per_stage = |z: u64| {
        optimizer::states(
            trainable,
            frozen_bytes,
            t.optimizer,
            precision,
            z,
            d.dp,
            t.offload,
        )
    };
    let chosen = per_stage(t.zero_stage.min(3))?;
    let act_b = if precision == TrainingPrecision::Fp32 {
        4
    } else {
        2
    };
    let (s0, e0) = sharding::stage_range(a.layers, d.pp, 0);
    let tokens = mul(t.micro_batch_size, t.sequence_length)?;
    let acts = activations::training_bytes(
        a,
        e0 - s0,
        tokens,
        d.tp,
        d.pp,
        t.sequence_parallel,
        t.activation_checkpointing,
        act_b,
        d.pp == 1,
    )?;
    let total_train = add(chosen.total()?, acts)?;
    let mut rows = Vec::with_capacity(4);
    for z in 0..4u64 {
        let s = per_stage(z)?;
        rows.push(ZeroStageRow {
            stage: z,
            weights_bytes: Bytes(s.weights),
            gradients_bytes: Bytes(s.gradients),
            optimizer_bytes: Bytes(s.optimizer),
            total_bytes: Bytes(s.total()?),
        });
    }
    let gpus_on_node = gpu.total_gpus.min(gpu.gpus_per_node);
    let host_offload = mul(chosen.host, gpus_on_node)?;
    note(
        &mut assumptions,
        "training activations",
        format!("{acts} bytes"),
        "Korthikanti et al. 2022 re-derived for FlashAttention, no dropout, GQA, gated MLP (docs/memory-math.md section 10)",
    );
    let total = resolved.gpu.memory_bytes.get();
    let headroom = spec.capacity.headroom;
    let budget = floor_times(total, 1.0 - headroom)?;
    let world = gpu.total_gpus;
    let rt = runtime::training(world);
    note(
        &mut assumptions,
        "runtime (training)",
        format!("{rt} bytes"),
        "CUDA context + cuBLAS workspace (+ NCCL when the job spans GPUs), planning figure",
    );
    let used = add(total_train, rt)?;
    let left = capacity::signed_left(budget, used)?;
    let per_gpu = PerGpu {
        total_bytes: Bytes(total),
        budget_bytes: Bytes(budget),
        weights_bytes: Bytes(chosen.weights),
        activation_peak_bytes: Bytes(acts),
        runtime_bytes: Bytes(rt),
        // Training has no KV cache: this is what the budget leaves after every
        // training quantity (negative: the job does not fit).
        kv_cache_bytes: left,
        free_bytes: Bytes(total.saturating_sub(budget)),
        memory_fraction: 1.0 - headroom,
        cuda_graphs_outside_budget_bytes: Bytes::ZERO,
        draft_weights_bytes: None,
        vision_weights_bytes: None,
        lora_bytes: None,
        encoder_cache_bytes: None,
        moe_workspace_bytes: None,
        sampler_warmup_bytes: None,
    };
    Ok(Plan {
        name: spec.metadata.name.clone(),
        kind: "Training".into(),
        gpu,
        model,
        weights: w.plan,
        per_gpu,
        kv_cache: None,
        classes: Vec::new(),
        host: host_plan,
        training: Some(TrainingPlan {
            weights_bytes: Bytes(chosen.weights),
            gradients_bytes: Bytes(chosen.gradients),
            optimizer_bytes: Bytes(chosen.optimizer),
            activations_bytes: Bytes(acts),
            total_bytes: Bytes(total_train),
            trainable_parameters: trainable,
            host_offload_bytes: Bytes(host_offload),
            per_zero_stage: rows,
        }),
        assumptions,
    })
}
