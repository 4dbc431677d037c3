//! The KV steps of a model with layer kinds (docs/memory-math.md section 13):
//! the layer groups and their unified page, the state one sequence holds, and
//! what the shared block pool holds as vLLM prints it. Every number is read
//! from the plan's `kv_cache` keys; nothing is recomputed.

use super::env::format_float;
use super::steps::{gib, input, n, Step};
use crate::plan::Plan;
use crate::units::format_kv_pool;

/// Steps 4 and 5 for a grouped KV cache.
pub fn all(plan: &Plan) -> Vec<Step> {
    let Some(kv) = plan.kv_cache.as_ref() else {
        return Vec::new();
    };
    let mut groups: Vec<(String, u64, u64, u64, u64)> = Vec::new();
    for g in &kv.groups {
        match groups
            .iter_mut()
            .find(|x| x.0 == g.kind && x.3 == g.block_size)
        {
            Some(x) => {
                x.1 += 1;
                x.2 += g.layers;
                x.4 += g.padding_layers;
            }
            None => groups.push((g.kind.clone(), 1, g.layers, g.block_size, g.padding_layers)),
        }
    }
    let page = kv.groups.first().map_or(0, |g| g.page_bytes);
    let group_inputs = groups
        .iter()
        .map(|(kind, count, layers, block, pad)| {
            let padding = if *pad > 0 {
                format!(", {} padding layer(s)", n(*pad))
            } else {
                String::new()
            };
            input(
                &format!("{kind} layers"),
                format!(
                    "{} in {} group(s), {} tokens per page{padding}",
                    n(*layers),
                    n(*count),
                    n(*block)
                ),
            )
        })
        .collect::<Vec<_>>();
    let mut layer_inputs = group_inputs;
    layer_inputs.push(input(
        "attention KV per token (this GPU, all attention layers)",
        format!("{} B ({})", n(kv.bytes_per_token_per_gpu), kv.dtype),
    ));
    layer_inputs.push(input(
        "state per sequence (this GPU, all state layers)",
        format!(
            "{} ({} B)",
            gib(kv.state_bytes_per_sequence_per_gpu.unwrap_or(0)),
            n(kv.state_bytes_per_sequence_per_gpu.unwrap_or(0))
        ),
    ));
    layer_inputs.push(input("configured block size", n(kv.block_size)));
    let step4 = Step {
        title: "KV cache layers, groups and pages".into(),
        formula: "attention block = A x ceil(largest state page / (A x attention bytes per token)); every page = block x attention bytes per token (state pages padded to it); layers split into groups of the smallest kind's count".into(),
        inputs: layer_inputs,
        result: format!(
            "{} layer groups of {} B pages; attention block {} tokens",
            n(kv.groups.len() as u64),
            n(page),
            n(kv.block_size_effective.unwrap_or(kv.block_size))
        ),
        note: "vLLM's hybrid KV cache allocator (Platform._align_hybrid_block_size, _get_kv_cache_groups_uniform_page_size); docs/memory-math.md section 13".into(),
    };
    let per_request = kv.blocks_per_request.unwrap_or(0);
    let step5 = Step {
        title: "KV capacity of one engine instance".into(),
        formula: "blocks = floor(KV pool / (group size x page)); max concurrency = blocks / blocks one max_model_len request takes over all groups (state groups: a fixed count whatever the length); tokens as the engine prints them".into(),
        inputs: vec![
            input("KV pool per GPU", format_kv_pool(i128::from(plan.per_gpu.kv_cache_bytes))),
            input("blocks one max_model_len request takes", n(per_request)),
            input("max_model_len", n(kv.max_model_len)),
        ],
        result: format!(
            "{} blocks; {} tokens per instance (what vLLM prints as GPU KV cache size); room for {} sequences of max_model_len; longest single sequence {} tokens; {} tokens across the deployment",
            n(kv.num_blocks),
            n(kv.capacity_tokens),
            format_float(kv.max_concurrency),
            n(kv.max_model_len_that_fits),
            n(kv.deployment_capacity_tokens)
        ),
        note: "state pages limit concurrency: each running sequence holds its state pages in every state group from its first token".into(),
    };
    vec![step4, step5]
}

/// Step 6 for a grouped KV cache: the pool bytes each class's sequence takes.
pub fn per_sequence(plan: &Plan) -> Step {
    let inputs = plan
        .classes
        .iter()
        .map(|c| {
            if !c.sized {
                return input(
                    &c.name,
                    format!(
                        "not sized: no {} or p95 token lengths (TRF001)",
                        c.percentile
                    ),
                );
            }
            input(
                &c.name,
                format!(
                    "{} + {} = {} tokens ({}): {}",
                    n(c.prompt_tokens),
                    n(c.output_tokens),
                    n(c.tokens_per_sequence),
                    c.percentile,
                    gib(c.kv_bytes_per_sequence)
                ),
            )
        })
        .collect();
    Step {
        title: "KV per sequence, per request class".into(),
        formula: "blocks the sequence takes in every group (attention: its tokens / block size, local layers capped at their window or chunk; state: a fixed count) x group size x page".into(),
        inputs,
        result: "see the per-class capacity table".into(),
        note: "p99 falls back to p95 only, never to the mean or median".into(),
    }
}
