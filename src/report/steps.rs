//! The computation, step by step: each step names its formula, its inputs and
//! its result, in the order a reviewer checks them (issue 6 item 2).
//!
//! Every number here is read from the plan or its derived figures
//! ([`crate::plan::derive`]), or echoed from the spec for the traffic inputs the
//! plan does not carry; nothing is recomputed, so the report can never disagree
//! with `report --format json`. The formulas are those of docs/memory-math.md,
//! written so a reviewer can redo each step by hand.

use super::env::{format_float, group_digits, percent};
use super::model::FindingRow;
use super::spec_json::{f64_at, json_text, u64_at};
use crate::plan::{Derived, Plan};
use crate::units::{format_gib, format_kv_pool};
use serde::Serialize;
use serde_json::Value as Json;

/// One step of the computation.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub title: String,
    pub formula: String,
    pub inputs: Vec<Input>,
    pub result: String,
    /// Extra explanation (sharding method, verdict reasoning), may be empty.
    pub note: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Input {
    pub name: String,
    pub value: String,
}

pub(super) fn input(name: &str, value: impl Into<String>) -> Input {
    Input {
        name: name.into(),
        value: value.into(),
    }
}

pub(super) fn gib(b: u64) -> String {
    format_gib(b as i128)
}

pub(super) fn n(v: u64) -> String {
    group_digits(v as i128)
}

/// Architecture details the plan does not carry, from the resolved model when
/// the report comes from a spec (absent for constructed plans).
#[derive(Clone, Debug, Default)]
pub struct ArchExtras {
    /// (kv_lora_rank, qk_rope_head_dim) of an MLA model.
    pub mla: Option<(u64, u64)>,
    /// Window of the sliding-window layers, when the model has them.
    pub sliding_window: Option<u64>,
}

/// All steps for a plan: serving or training.
pub fn all(
    plan: &Plan,
    d: &Derived,
    spec: &Json,
    extras: &ArchExtras,
    findings: &[FindingRow],
) -> Vec<Step> {
    let mut steps = vec![weights(plan), sharding(plan, spec)];
    if plan.training.is_some() {
        steps.extend(training(plan, spec));
        return steps;
    }
    steps.push(budget(plan, spec));
    let grouped = plan.kv_cache.as_ref().is_some_and(|k| !k.groups.is_empty());
    if grouped {
        steps.extend(super::steps_layers::all(plan));
    } else {
        if let Some(kv) = kv_per_token(plan, d, spec, extras) {
            steps.push(kv);
        }
        if let Some(cap) = kv_capacity(plan) {
            steps.push(cap);
        }
    }
    if !plan.classes.is_empty() {
        steps.push(if grouped {
            super::steps_layers::per_sequence(plan)
        } else {
            per_sequence(plan, d)
        });
        steps.push(concurrency(plan, d, spec));
        steps.push(long_context(plan, d, findings));
    }
    steps
}

fn weights(plan: &Plan) -> Step {
    let w = &plan.weights;
    if w.exact {
        return Step {
            title: "Weights per replica".into(),
            formula: "sum of tensor sizes in the safetensors headers".into(),
            inputs: vec![input("format", format!("{} / {}", w.dtype, w.quantization))],
            result: format!(
                "{} ({} B) for one copy of the model",
                gib(w.total_bytes.get()),
                n(w.total_bytes.get())
            ),
            note: "exact: read from file headers".into(),
        };
    }
    Step {
        title: "Weights per replica".into(),
        formula: "quantized parameters x bits_per_weight / 8 + parts kept at 16-bit (embeddings, lm_head, norms)".into(),
        inputs: vec![
            input("parameters", format!("{} ({})", n(plan.model.parameters), plan.model.parameters_source)),
            input("dtype / quantization", format!("{} / {}", w.dtype, w.quantization)),
            input("group size", w.group_size.map_or("-".into(), n)),
            input("bits per weight (metadata included)", format_float(w.bits_per_weight)),
            input("16-bit parts", gib(w.unquantized_bytes.get())),
        ],
        result: format!("{} ({} B) for one copy of the model", gib(w.total_bytes.get()), n(w.total_bytes.get())),
        note: String::new(),
    }
}

fn sharding(plan: &Plan, spec: &Json) -> Step {
    let tp = u64_at(spec, "/parallelism/tensor").unwrap_or(1);
    let pp = u64_at(spec, "/parallelism/pipeline").unwrap_or(1);
    let dp = u64_at(spec, "/parallelism/data").unwrap_or(1);
    Step {
        title: "Sharding across tensor and pipeline ranks".into(),
        formula: "weights on the most-loaded GPU: its pipeline stage's layers / TP, plus the replicated parts".into(),
        inputs: vec![
            input("weights per replica", gib(plan.weights.total_bytes.get())),
            input("tensor parallel", tp.to_string()),
            input("pipeline parallel", pp.to_string()),
            input("data parallel (engine instances / ZeRO shards)", dp.to_string()),
        ],
        result: format!("{} on the most-loaded GPU", gib(plan.per_gpu.weights_bytes.get())),
        note: plan.weights.sharding.clone(),
    }
}

fn budget(plan: &Plan, spec: &Json) -> Step {
    let p = &plan.per_gpu;
    let engine = spec
        .pointer("/serving/engine")
        .and_then(Json::as_str)
        .unwrap_or("generic");
    let headroom = f64_at(spec, "/capacity/headroom").unwrap_or(0.10);
    let formula = match engine {
        "sglang" => "KV pool per GPU = total x mem_fraction_static - weights (activations and CUDA graphs live outside the fraction)",
        "tensorrt-llm" => "KV pool per GPU = free_gpu_memory_fraction x (total - weights - activation peak - runtime)",
        _ => "KV pool per GPU = total x memory_fraction - weights - activation peak - runtime",
    };
    Step {
        title: "Runtime workspace and allocator headroom".into(),
        formula: formula.into(),
        inputs: vec![
            input(
                "GPU total (CUDA-visible)",
                if plan.gpu.total_basis.is_empty() {
                    gib(p.total_bytes.get())
                } else {
                    format!("{} ({})", gib(p.total_bytes.get()), plan.gpu.total_basis)
                },
            ),
            input(
                &format!("memory fraction ({engine})"),
                format_float(p.memory_fraction),
            ),
            input("engine budget", gib(p.budget_bytes.get())),
            input("weights", gib(p.weights_bytes.get())),
            input("activation peak", gib(p.activation_peak_bytes.get())),
            // CUDA graphs are in the runtime only where the engine counts them
            // inside its budget (vLLM >= 0.21); otherwise they come out of
            // what the engine leaves free.
            if p.cuda_graphs_outside_budget_bytes.get() > 0 {
                input("runtime (CUDA context, NCCL)", gib(p.runtime_bytes.get()))
            } else {
                input(
                    "runtime (CUDA context, NCCL, graphs)",
                    gib(p.runtime_bytes.get()),
                )
            },
            input(
                "left outside the engine",
                if p.cuda_graphs_outside_budget_bytes.get() > 0 {
                    format!(
                        "{} (headroom target {:.0}%; CUDA graphs, {}, are captured here)",
                        gib(p.free_bytes.get()),
                        headroom * 100.0,
                        gib(p.cuda_graphs_outside_budget_bytes.get())
                    )
                } else {
                    format!(
                        "{} (headroom target {:.0}%)",
                        gib(p.free_bytes.get()),
                        headroom * 100.0
                    )
                },
            ),
        ],
        result: format!(
            "{} per GPU for the KV cache",
            format_kv_pool(i128::from(p.kv_cache_bytes))
        ),
        note: if p.kv_cache_bytes <= 0 {
            "nothing is left for the KV cache: the engine will not start".into()
        } else {
            String::new()
        },
    }
}

fn kv_per_token(plan: &Plan, d: &Derived, spec: &Json, extras: &ArchExtras) -> Option<Step> {
    let kv = plan.kv_cache.as_ref()?;
    let m = &plan.model;
    let tp = u64_at(spec, "/parallelism/tensor").unwrap_or(1);
    let heads = d.kv_cache.as_ref().and_then(|k| k.kv_heads_per_gpu);
    let dtype_bytes = dtype_bytes(&kv.dtype);
    // The layers this GPU caches: all of them, or its pipeline stage's.
    let layers = if kv.layers_per_gpu == 0 || kv.layers_per_gpu == m.layers {
        input("layers", n(m.layers))
    } else {
        input(
            "layers on this GPU",
            format!(
                "{} of {} (the pipeline stage with the most)",
                n(kv.layers_per_gpu),
                n(m.layers)
            ),
        )
    };
    let (formula, mut inputs) = if m.attention == "mla" {
        let mut inputs = vec![layers];
        if let Some((rank, rope)) = extras.mla {
            inputs.push(input("kv_lora_rank", n(rank)));
            inputs.push(input("qk_rope_head_dim", n(rope)));
        }
        (
            "MLA: (kv_lora_rank + qk_rope_head_dim) x dtype bytes x layers; one latent per token, replicated on every TP rank".to_string(),
            inputs,
        )
    } else {
        (
            "2 (K and V) x ceil(kv_heads / TP) x head_dim x dtype bytes x layers on this GPU"
                .to_string(),
            vec![
                layers,
                input(
                    "KV heads per GPU",
                    match heads {
                        Some(h) => format!("ceil({} / {}) = {}", m.kv_heads, tp, h),
                        None => format!("{} KV heads over TP {}", m.kv_heads, tp),
                    },
                ),
                input("head_dim", n(m.head_dim)),
            ],
        )
    };
    inputs.push(input(
        "KV dtype",
        match dtype_bytes {
            Some(b) => format!("{} ({} B)", kv.dtype, format_float(b)),
            None => kv.dtype.clone(),
        },
    ));
    Some(Step {
        title: "KV cache per token".into(),
        formula,
        inputs,
        result: format!(
            "{} B per token on the bottleneck GPU; {} B per token across the engine instance",
            n(kv.bytes_per_token_per_gpu),
            n(kv.bytes_per_token)
        ),
        note: [
            (m.attention != "mla").then(|| {
                "ceil(kv_heads / TP) is vLLM's max(1, kv_heads // TP) wherever vLLM runs (kv_heads and TP divide one another, else PAR001); docs/memory-math.md section 5".to_string()
            }),
            extras.sliding_window.map(|w| {
                format!(
                    "sliding-window layers (window {}) hold at most ceil(min(window - 1 + max_num_batched_tokens, max_model_len) / block_size) + 1 blocks per sequence (vLLM SlidingWindowSpec); the per-token figure counts every layer",
                    n(w)
                )
            }),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("; "),
    })
}

fn kv_capacity(plan: &Plan) -> Option<Step> {
    let kv = plan.kv_cache.as_ref()?;
    Some(Step {
        title: "KV capacity of one engine instance".into(),
        formula: "blocks = floor(KV pool / (bytes per token x block_size)); tokens = blocks x block_size; max concurrency = usable pool / KV of one max_model_len sequence".into(),
        inputs: vec![
            input("KV pool per GPU", format_kv_pool(i128::from(plan.per_gpu.kv_cache_bytes))),
            input(
                "bytes per token (this GPU)",
                format!("{} B", n(kv.bytes_per_token_per_gpu)),
            ),
            input("block size", n(kv.block_size)),
            input("max_model_len", n(kv.max_model_len)),
        ],
        result: format!(
            "{} blocks = {} tokens per instance; room for {} sequences of max_model_len; longest single sequence {} tokens; {} tokens across the deployment",
            n(kv.num_blocks),
            n(kv.capacity_tokens),
            format_float(kv.max_concurrency),
            n(kv.max_model_len_that_fits),
            n(kv.deployment_capacity_tokens)
        ),
        note: String::new(),
    })
}

fn per_sequence(plan: &Plan, d: &Derived) -> Step {
    let kv = plan.kv_cache.as_ref();
    let block = kv.map_or(1, |k| k.block_size);
    let per_tok = kv.map_or(0, |k| k.bytes_per_token_per_gpu);
    let inputs = plan
        .classes
        .iter()
        .zip(&d.classes)
        .map(|(c, cd)| {
            if !c.sized {
                return input(
                    &c.name,
                    format!("not sized: no {} or p95 token lengths (TRF001)", c.percentile),
                );
            }
            let full = crate::units::wide(cd.full_length_bytes);
            let tokens = format!(
                "{} + {} = {} tokens ({})",
                n(c.prompt_tokens),
                n(c.output_tokens),
                n(c.tokens_per_sequence),
                c.percentile
            );
            let value = if cd.full_length_bytes == u128::from(c.kv_bytes_per_sequence) {
                format!(
                    "{tokens}, {} blocks x {} x {} B = {}",
                    n(cd.blocks_per_sequence),
                    n(block),
                    n(per_tok),
                    format_gib(full)
                )
            } else {
                // Sliding-window layers hold at most their window, so the
                // sequence costs less than every layer at full length.
                format!(
                    "{tokens}; {} with sliding-window layers capped at their window ({} if every layer held every token)",
                    gib(c.kv_bytes_per_sequence),
                    format_gib(full)
                )
            };
            input(&c.name, value)
        })
        .collect();
    Step {
        title: "KV per sequence, per request class".into(),
        formula: "ceil((prompt[pct] + output[pct]) / block_size) x block_size x bytes per token"
            .into(),
        inputs,
        result: "see the per-class capacity table".into(),
        note: "p99 falls back to p95 only, never to the mean or median".into(),
    }
}

fn concurrency(plan: &Plan, d: &Derived, spec: &Json) -> Step {
    let replicas = plan.gpu.replicas;
    let inputs = plan
        .classes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let conc = u64_at(spec, &format!("/traffic/classes/{i}/concurrency"));
            let burst = f64_at(spec, &format!("/traffic/classes/{i}/burst")).unwrap_or(1.0);
            input(
                &c.name,
                format!(
                    "ceil({} x {}) = {} sequences; per replica ceil({} / {}) = {}; {} of the KV pool",
                    conc.map_or("?".into(), n),
                    format_float(burst),
                    n(c.required_concurrency),
                    n(c.required_concurrency),
                    replicas,
                    n(c.per_replica_concurrency),
                    percent(c.pool_share)
                ),
            )
        })
        .collect();
    let total = d
        .kv_cache
        .as_ref()
        .and_then(|k| k.pool_share_total)
        .unwrap_or(0.0);
    Step {
        title: "Times concurrency and burst".into(),
        formula: "required = ceil(concurrency x burst); per replica = ceil(required / replicas); pool share = ceil(required / (replicas x instances)) x KV per sequence / one instance's KV pool".into(),
        inputs,
        result: format!("the classes together need {} of the KV pool", percent(total)),
        note: String::new(),
    }
}

fn long_context(plan: &Plan, d: &Derived, findings: &[FindingRow]) -> Step {
    let inputs = plan
        .classes
        .iter()
        .zip(&d.classes)
        .map(|(c, cd)| {
            input(
                &c.name,
                format!(
                    "{} of the pool, sequences {}x the median class",
                    percent(c.pool_share),
                    format_float(cd.tokens_over_median)
                ),
            )
        })
        .collect();
    let flagged: Vec<&FindingRow> = findings.iter().filter(|f| f.code == "TRF003").collect();
    let result = if flagged.is_empty() {
        "no class needs its own pool: long sequences share the KV cache without crowding out the rest".to_string()
    } else {
        format!(
            "long-context traffic needs its own pool: {}",
            flagged
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )
    };
    Step {
        title: "Does long-context traffic need its own pool?".into(),
        formula: "a class needs its own pool when it takes over half of the KV pool while its sequences are over 8x the median class's (TRF003)".into(),
        inputs,
        result,
        note: String::new(),
    }
}

fn training(plan: &Plan, spec: &Json) -> Vec<Step> {
    let Some(t) = &plan.training else {
        return Vec::new();
    };
    let s = |k: &str| {
        spec.pointer(&format!("/training/{k}"))
            .map(json_text)
            .unwrap_or_else(|| "-".into())
    };
    let dp = u64_at(spec, "/parallelism/data").unwrap_or(1);
    vec![
        Step {
            title: "Model states per GPU (ZeRO)".into(),
            formula: "mixed-precision Adam: 2 B weights + 2 B gradients + 12 B optimizer (fp32 master, momentum, variance) per parameter; ZeRO-1 shards the optimizer, ZeRO-2 also the gradients, ZeRO-3 everything over the data-parallel ranks".into(),
            inputs: vec![
                input("method / optimizer / precision", format!("{} / {} / {}", s("method"), s("optimizer"), s("precision"))),
                input("trainable parameters", n(t.trainable_parameters)),
                input("ZeRO stage", s("zero_stage")),
                input("data-parallel ranks", dp.to_string()),
                input("offload", s("offload")),
            ],
            result: format!(
                "weights {} + gradients {} + optimizer {} per GPU",
                gib(t.weights_bytes.get()),
                gib(t.gradients_bytes.get()),
                gib(t.optimizer_bytes.get())
            ),
            note: if t.host_offload_bytes.get() > 0 {
                format!("{} per node offloaded to host RAM", gib(t.host_offload_bytes.get()))
            } else {
                String::new()
            },
        },
        Step {
            title: "Activations per GPU".into(),
            formula: "per layer s x b x h x (34 + 5as/h) bytes at 16-bit (Korthikanti et al. 2022), adjusted for the actual layer; / TP with sequence parallelism; selective recomputation drops 5as/h, full keeps 2sbh".into(),
            inputs: vec![
                input("micro-batch x sequence", format!("{} x {}", s("micro_batch_size"), s("sequence_length"))),
                input("hidden size / layers", format!("{} / {}", n(plan.model.hidden_size), n(plan.model.layers))),
                input("checkpointing", s("activation_checkpointing")),
                input("sequence parallel", s("sequence_parallel")),
            ],
            result: format!("{} per GPU", gib(t.activations_bytes.get())),
            note: String::new(),
        },
        Step {
            title: "Total against the budget".into(),
            formula: "weights + gradients + optimizer + activations + runtime <= budget".into(),
            inputs: vec![
                input("training total", gib(t.total_bytes.get())),
                input("runtime (CUDA context, NCCL)", gib(plan.per_gpu.runtime_bytes.get())),
                input("budget", gib(plan.per_gpu.budget_bytes.get())),
            ],
            result: spare_or_short(plan.per_gpu.kv_cache_bytes),
            note: String::new(),
        },
    ]
}

fn spare_or_short(b: i64) -> String {
    if b >= 0 {
        format!("{} to spare", format_gib(b as i128))
    } else {
        format!("{} short", format_gib(-(b as i128)))
    }
}

/// Bytes per element of a KV cache dtype name, when known.
fn dtype_bytes(dtype: &str) -> Option<f64> {
    Some(match dtype {
        "fp32" => 4.0,
        "bf16" | "fp16" | "auto" => 2.0,
        "fp8" | "fp8_e4m3" | "fp8_e5m2" | "int8" => 1.0,
        "int4" | "nvfp4" => 0.5,
        _ => return None,
    })
}
