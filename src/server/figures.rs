//! The computed figure a spec key drives, for hover: every number is read
//! from the plan (and `plan::derive`), formatted here, and followed by the
//! docs/memory-math.md section that derives it.

use crate::plan::{self, Plan};
use crate::spec::Spec;
use crate::units::{format_gib_wide, format_kv_pool, format_spare, group_digits, percent, Bytes};

/// Markdown lines for the key at `tokens` (pointer tokens), or none when the
/// key drives no single figure (metadata, lint settings).
pub fn figures(tokens: &[&str], spec: &Spec, plan: &Plan) -> Vec<String> {
    let derived = plan::derive(plan, Some(spec.parallelism.tensor));
    let g = &plan.per_gpu;
    let kv = plan.kv_cache.as_ref();
    let mut out = Vec::new();
    match tokens {
        ["serving", "max_model_len"] => {
            if let (Some(kv), Some(kd)) = (kv, derived.kv_cache.as_ref()) {
                out.push(format!(
                    "One {}-token sequence: **{}** of KV cache per GPU ({} per token on the bottleneck GPU, in blocks of {} tokens).",
                    group_digits(kv.max_model_len),
                    format_gib_wide(kd.max_model_len_sequence_bytes),
                    per_token(kv.bytes_per_token_per_gpu),
                    kv.block_size,
                ));
                out.push(format!(
                    "The KV cache holds {} tokens per engine instance: **{:.2}** such sequences at once (vLLM \"Maximum concurrency\"); the longest that fits is {} tokens.",
                    group_digits(kv.capacity_tokens),
                    kv.max_concurrency,
                    group_digits(kv.max_model_len_that_fits),
                ));
                out.push(source(6));
            }
        }
        ["traffic", "classes", idx, ..] => {
            let class = idx.parse::<usize>().ok().and_then(|i| plan.classes.get(i));
            if let (Some(c), Some(_)) = (class, kv) {
                out.push(format!(
                    "Class `{}` at {}: {} tokens per sequence, {} of KV per sequence per GPU.",
                    c.name,
                    c.percentile,
                    group_digits(c.tokens_per_sequence),
                    Bytes(c.kv_bytes_per_sequence),
                ));
                out.push(format!(
                    "Needs {} sequences at once (concurrency x burst) across {}: **{}** of each engine instance's KV pool ({} per GPU); it {} ({} sequences at most while the other classes run).",
                    group_digits(c.required_concurrency),
                    crate::units::plural(plan.gpu.replicas, "replica"),
                    percent(c.pool_share),
                    format_kv_pool(g.kv_cache_bytes as i128),
                    if c.fits { "fits" } else { "does not fit" },
                    group_digits(c.max_concurrency),
                ));
                if let Some(n) = c.replicas_needed {
                    out.push(format!(
                        "Replicas at which every class fits: {}.",
                        group_digits(n)
                    ));
                }
                out.push(source(7));
            }
        }
        ["serving", "kv_cache_dtype" | "block_size"]
        | ["parallelism", "tensor" | "pipeline" | "data"] => {
            if let Some(kv) = kv {
                out.push(format!(
                    "KV cache: {} per token on the bottleneck GPU ({}), {} tokens per engine instance in {} blocks of {}.",
                    per_token(kv.bytes_per_token_per_gpu),
                    kv.dtype,
                    group_digits(kv.capacity_tokens),
                    group_digits(kv.num_blocks),
                    kv.block_size,
                ));
            }
            if tokens[0] == "parallelism" {
                out.push(format!(
                    "Weights on the most-loaded GPU: **{}** of {} in all; {} GPUs per replica.",
                    g.weights_bytes, plan.weights.total_bytes, plan.gpu.gpus_per_replica,
                ));
                out.push(source(3));
            } else {
                out.push(source(5));
            }
        }
        ["serving", "gpu_memory_utilization"
        | "engine"
        | "engine_version"
        | "cuda_graphs"
        | "max_num_seqs"
        | "max_num_batched_tokens"]
        | ["capacity", ..] => {
            out.push(format!(
                "Per GPU: engine budget **{}** of {} ({}); weights {}, activation peak {}, runtime {}, KV cache {}; {}.",
                g.budget_bytes,
                g.total_bytes,
                percent(g.memory_fraction),
                g.weights_bytes,
                g.activation_peak_bytes,
                g.runtime_bytes,
                format_kv_pool(g.kv_cache_bytes as i128),
                format_spare(derived.per_gpu.spare_bytes),
            ));
            out.push(source(4));
        }
        ["serving", "replicas"] => {
            if let Some(kv) = kv {
                out.push(format!(
                    "{} of {} GPUs: the deployment's KV pool holds **{}** tokens.",
                    crate::units::plural(plan.gpu.replicas, "replica"),
                    group_digits(plan.gpu.gpus_per_replica),
                    group_digits(kv.deployment_capacity_tokens),
                ));
                out.push(source(7));
            }
        }
        ["model", ..] => {
            out.push(format!(
                "Weights: **{}** in all ({} parameters, {:.2} bits per weight), {} on the most-loaded GPU.",
                plan.weights.total_bytes,
                group_digits(plan.model.parameters),
                plan.weights.bits_per_weight,
                plan.weights.per_gpu_bytes,
            ));
            out.push(source(2));
        }
        ["hardware", "gpu", ..] => {
            out.push(format!(
                "{}: **{}** CUDA-visible per GPU ({}).",
                plan.gpu.name, plan.gpu.total_bytes, plan.gpu.total_basis
            ));
            out.push(source(4));
        }
        ["hardware", "host_memory" | "nodes" | "gpus_per_node"] | ["loading", ..] => {
            let available = plan
                .host
                .available_bytes
                .map_or_else(|| "not given".to_string(), |b| b.to_string());
            out.push(format!(
                "Host RAM at load, per node: **{}** peak ({} loading at once); available {}.",
                plan.host.load_peak_bytes, plan.host.workers_per_node, available
            ));
            out.push(source(11));
        }
        ["training", ..] => {
            if let Some(t) = &plan.training {
                out.push(format!(
                    "Per GPU: weights {}, gradients {}, optimizer {}, activations {}: **{}** of the {} budget.",
                    t.weights_bytes,
                    t.gradients_bytes,
                    t.optimizer_bytes,
                    t.activations_bytes,
                    t.total_bytes,
                    g.budget_bytes,
                ));
                if let Some(td) = &derived.training {
                    out.push(format!(
                        "With runtime {}: {}.",
                        format_gib_wide(td.total_with_runtime_bytes),
                        format_spare(derived.per_gpu.spare_bytes)
                    ));
                }
                out.push(source(9));
            }
        }
        _ => {}
    }
    out
}

/// A per-token figure: tens of KiB, which GiB/MiB would print as 0.0.
fn per_token(bytes: u64) -> String {
    format!("{} bytes", group_digits(bytes))
}

/// Where the figures above are derived, as a user can open it.
fn source(section: u32) -> String {
    format!("_Formula: docs/memory-math.md, section {section}._")
}
