//! Memory the 2026 serving features add beside the model and its KV cache
//! (docs/memory-math.md section 14): the MTP drafter's weights, the vision
//! tower's weights and its encoder outputs during profiling, LoRA adapter
//! slots on the GPU and the adapter cache in host RAM, the multimodal
//! processor cache and the KV offload tier in host RAM. vLLM facts from its
//! 0.34.0 source (62d4bc3c7): `GPUModelRunner.load_model` loads the target,
//! LoRA slots and the drafter inside one profiler, so all of them count as
//! "Model loading took".

use super::math::{add, ceil_div, mul, sum, MathResult};
use super::weights::{self, Format, Params, Shard};
use crate::catalog::Architecture;
use crate::spec::{LayerType, ServingSpec, SpeculativeMethod};

/// Per-GPU bytes of the features, and host RAM per engine instance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Extras {
    /// MTP drafter layers on the GPU (0 without MTP drafting).
    pub draft_weights: u64,
    /// Vision tower on the GPU (0 for a text-only model or with every
    /// modality limited to 0).
    pub vision_weights: u64,
    /// LoRA A/B slots on the GPU.
    pub lora: u64,
    /// Encoder outputs kept through the profiling run (part of the peak).
    pub encoder_cache: u64,
    /// Pinned host RAM of the LoRA adapter cache, per engine instance.
    pub lora_host: u64,
    /// Host RAM of the multimodal processor cache, per engine instance.
    pub mm_processor_host: u64,
    /// Host RAM of the KV offload tier, per engine instance.
    pub kv_offload_host: u64,
}

/// vLLM's default `max_tokens_per_mm_item` stand-in: a Qwen2-VL-class
/// processor at its default max_pixels (12,845,056 / 28^2 = 16,384 tokens).
pub const DEFAULT_TOKENS_PER_ITEM: u64 = 16_384;
/// vLLM `mm_processor_cache_gb` default (vllm/config/multimodal.py): 4 GiB.
pub const DEFAULT_PROCESSOR_CACHE: u64 = 4 << 30;
/// vLLM `--limit-mm-per-prompt` default per modality.
pub const DEFAULT_ITEMS_PER_PROMPT: u64 = 999;

/// The MTP drafter on one rank: `mtp_layers` decoder layers (attention + the
/// model's MoE or MLP) plus `eh_proj` (2h -> h) and its two norms; embedding
/// and lm_head are shared with the target (`maybe_share_target_embed`).
pub fn draft_weights(
    a: &Architecture,
    f: &Format,
    shard: Shard,
    s: &ServingSpec,
) -> MathResult<u64> {
    let mtp = match &s.speculative {
        Some(sp) if sp.method == SpeculativeMethod::Mtp => a.layout.mtp_layers.unwrap_or(1),
        _ => return Ok(0),
    };
    // The drafter's layer is a full-attention layer with the model's last
    // (MoE when it has experts) MLP.
    let last = a.layers.saturating_sub(1);
    let mut layer = weights::layers_in(
        &Architecture {
            layout: crate::catalog::Layout {
                layer_types: Some(vec![LayerType::Full]),
                ..a.layout.clone()
            },
            ..a.clone()
        },
        shard,
        last,
        last + 1,
        false,
    )?;
    layer = layer.plus(Params {
        linear: mul(2, mul(a.hidden_size, ceil_div(a.hidden_size, shard.tp)?)?)?,
        kept: mul(2, a.hidden_size)?,
    })?;
    weights::bytes(f, layer.times(mtp)?, 0)
}

/// Whether the serving config builds the encoder tower: not when every
/// modality is limited to 0 items (vLLM then skips it).
fn tower_built(s: &ServingSpec) -> bool {
    s.multimodal.as_ref().is_none_or(|m| {
        m.limit_per_prompt.is_empty() || m.limit_per_prompt.values().any(|v| *v > 0)
    })
}

/// The vision tower on one rank: its parameters at 16 bits, split by TP
/// (vLLM's default `mm_encoder_tp_mode="weights"`).
pub fn vision_weights(a: &Architecture, s: &ServingSpec, tp: u64) -> MathResult<u64> {
    match &a.layout.vision {
        Some(v) if tower_built(s) => ceil_div(mul(v.parameters, 2)?, tp),
        _ => Ok(0),
    }
}

/// Encoder outputs held through the profiling run
/// (`EncoderRunner.profile_encoder_cache`, vllm/v1/worker/gpu/mm/encoder_runner.py):
/// `n = max(1, min(budget // T, max_num_seqs x min(limit, L // T)))` items of
/// `T` tokens, `budget = max(max_num_batched_tokens, T)`, each token
/// `hidden x activation bytes`.
pub fn encoder_cache(
    a: &Architecture,
    s: &ServingSpec,
    batched: u64,
    max_num_seqs: u64,
    max_model_len: u64,
    act_bytes: u64,
) -> MathResult<u64> {
    if a.layout.vision.is_none() || !tower_built(s) {
        return Ok(0);
    }
    let m = s.multimodal.as_ref();
    let t = m
        .and_then(|m| m.max_tokens_per_item)
        .unwrap_or(DEFAULT_TOKENS_PER_ITEM)
        .max(1);
    let limit = m
        .and_then(|m| m.limit_per_prompt.values().copied().max())
        .unwrap_or(DEFAULT_ITEMS_PER_PROMPT);
    let budget = batched.max(t);
    let per_seq = limit.min(max_model_len / t);
    let n = (budget / t).min(mul(max_num_seqs, per_seq)?).max(1);
    mul(mul(n, t)?, mul(a.hidden_size, act_bytes)?)
}

/// LoRA A/B slots on one rank (`BaseLinearLayerWithLoRA.create_lora_weights`,
/// vllm/lora/layers/): per slot and attention layer, qkv (column-parallel, 3
/// slices) `3 r h + (q + 2 kv)/tp r`, o (row-parallel) `r (q/tp) + h r`; per
/// MLP layer gate_up `2 r h + 2 (I/tp) r`, down `r (I/tp) + h r`; times
/// `max_loras` at the model dtype. Returns (GPU bytes, bytes of one whole
/// adapter of `max_lora_rank`, what each host-cached adapter costs).
pub fn lora(a: &Architecture, s: &ServingSpec, tp: u64, act_bytes: u64) -> MathResult<(u64, u64)> {
    let Some(l) = &s.lora else {
        return Ok((0, 0));
    };
    let slots = l.max_loras.unwrap_or(1);
    let r = l.max_lora_rank.unwrap_or(16);
    let h = a.hidden_size;
    let per_rank = |tp: u64| -> MathResult<u64> {
        let q = mul(a.attention_heads, a.head_dim)?;
        let kv = mul(a.kv_heads, a.head_dim)?;
        let qkv = add(
            mul(3, mul(r, h)?)?,
            mul(ceil_div(add(q, mul(2, kv)?)?, tp)?, r)?,
        )?;
        let o = add(mul(r, ceil_div(q, tp)?)?, mul(h, r)?)?;
        let i = ceil_div(a.intermediate_size, tp)?;
        let gate_up = add(mul(2, mul(r, h)?)?, mul(mul(2, i)?, r)?)?;
        let down = add(mul(r, i)?, mul(h, r)?)?;
        let mut attn_layers = 0u64;
        let mut mlp_layers = 0u64;
        for layer in 0..a.layers.min(1 << 20) {
            let kind = a
                .layout
                .layer_types
                .as_ref()
                .filter(|t| !t.is_empty())
                .map_or(LayerType::Full, |t| t[(layer % t.len() as u64) as usize]);
            if kind.is_attention() {
                attn_layers += 1;
            }
            // Dense MLPs only: experts are wrapped by vLLM's MoE LoRA layer,
            // not sized here.
            if weights::is_dense_layer(a, layer) {
                mlp_layers += 1;
            }
        }
        sum([
            mul(attn_layers, add(qkv, o)?)?,
            mul(mlp_layers, add(gate_up, down)?)?,
        ])
    };
    let gpu = mul(mul(slots, per_rank(tp)?)?, act_bytes)?;
    let adapter = mul(per_rank(1)?, act_bytes)?;
    Ok((gpu, adapter))
}

/// Everything above for one rank and one engine instance.
#[allow(clippy::too_many_arguments)]
pub fn compute(
    a: &Architecture,
    s: &ServingSpec,
    f: &Format,
    shard: Shard,
    batched: u64,
    max_num_seqs: u64,
    max_model_len: u64,
    act_bytes: u64,
) -> MathResult<Extras> {
    let (lora_gpu, adapter) = lora(a, s, shard.tp, act_bytes)?;
    let cpu_loras = s
        .lora
        .as_ref()
        .map_or(0, |l| l.max_cpu_loras.or(l.max_loras).unwrap_or(1));
    let vision = a.layout.vision.is_some() && tower_built(s);
    Ok(Extras {
        draft_weights: draft_weights(a, f, shard, s)?,
        vision_weights: vision_weights(a, s, shard.tp)?,
        lora: lora_gpu,
        encoder_cache: encoder_cache(a, s, batched, max_num_seqs, max_model_len, act_bytes)?,
        lora_host: mul(cpu_loras, adapter)?,
        // One processor cache in the API server and one in the engine core
        // (`mm_processor_cache_gb x (api_server_count + data_parallel_size)`).
        mm_processor_host: if vision {
            mul(
                2,
                s.multimodal
                    .as_ref()
                    .and_then(|m| m.processor_cache)
                    .map_or(DEFAULT_PROCESSOR_CACHE, |b| b.get()),
            )?
        } else {
            0
        },
        kv_offload_host: s.kv_offload.as_ref().map_or(0, |k| k.host_memory.get()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::LoraServingSpec;

    fn serving(lora: Option<LoraServingSpec>) -> ServingSpec {
        let mut s: ServingSpec = match serde_json::from_value(serde_json::json!({"engine": "vllm"}))
        {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        s.lora = lora;
        s
    }

    #[test]
    fn llama_8b_lora_slot_is_83_9_mb() {
        // shared/memory-math-v2 section 8: Llama-3.1-8B, TP1, r = 16, bf16,
        // qkv/o/gate_up/down: 1,310,720 elements per layer per slot, 83.9 MB
        // per slot over 32 layers; max_loras 4 gives 335 MB.
        let a = crate::catalog::llama_3_1_8b();
        let s = serving(Some(LoraServingSpec {
            max_loras: Some(4),
            max_lora_rank: Some(16),
            max_cpu_loras: None,
        }));
        let (gpu, adapter) = lora(&a, &s, 1, 2).unwrap_or((0, 0));
        assert_eq!(adapter, 32 * 1_310_720 * 2);
        assert_eq!(gpu, 4 * adapter);
        assert_eq!(format!("{:.1}", adapter as f64 / 1e6), "83.9");
    }

    #[test]
    fn encoder_profile_keeps_one_item_at_8192_batched_tokens() {
        // Section 7: T = 16,384 with 8,192 batched tokens: n = 1, outputs
        // 16,384 x 3,584 x 2 = 117 MB for a 7B (hidden 3,584) model.
        let mut a = crate::catalog::llama_3_1_8b();
        a.hidden_size = 3584;
        a.layout.vision = Some(crate::spec::VisionSpec {
            parameters: 675_000_000,
        });
        let s = serving(None);
        let b = encoder_cache(&a, &s, 8192, 256, 32_768, 2).unwrap_or(0);
        assert_eq!(b, 16_384 * 3584 * 2);
    }
}
