//! config.json of the model families of 2026: hybrid state layers (Qwen3-Next,
//! Qwen3.5/3.6, Nemotron-H / Nemotron-3, Kimi-Linear / Kimi-K3), chunked
//! local attention (Llama 4), sparse-attention indexers (DeepSeek-V3.2) and
//! per-kind attention geometry (Gemma 4). Keys follow each model's
//! `configuration_*.py` in transformers and vLLM's config classes
//! (vllm/transformers_utils/configs/); index bases differ per family and are
//! noted where they are read.

use super::{map_architecture, type_name, Fields};
use crate::spec::{
    ArchitectureSpec, IndexerSpec, KindGeometry, LayerKinds, LayerType, LinearAttentionSpec,
    LinearKind, MambaSpec, MlaSpec, MoeSpec, StateDtype,
};
use serde_json::Value;

/// The family types this module maps (config.json `model_type`, or the
/// `text_config.model_type` of a multimodal wrapper).
pub const FAMILY_MODEL_TYPES: &[&str] = &[
    "qwen3_next",
    "qwen3_5",
    "qwen3_5_text",
    "qwen3_5_moe",
    "qwen3_5_moe_text",
    "nemotron_h",
    "llama4",
    "llama4_text",
    "deepseek_v32",
    "kimi_linear",
    "kimi_k3",
    "gemma4",
    "gemma4_text",
    "kimi_k2",
    "kimi_k25",
    "glm4_moe",
    "qwen3_vl",
    "qwen3_vl_moe",
];

/// Map a family config. `cfg` is the language model's object (`text_config`
/// where the checkpoint nests it).
pub fn map(model_type: &str, f: &Fields<'_>) -> Result<ArchitectureSpec, String> {
    match model_type {
        "qwen3_next" | "qwen3_5" | "qwen3_5_text" | "qwen3_5_moe" | "qwen3_5_moe_text" => {
            qwen_hybrid(model_type, f)
        }
        "nemotron_h" => nemotron_h(f),
        "llama4" | "llama4_text" => llama4(f),
        "deepseek_v32" => {
            let mut a = map_architecture("deepseek_v3", f)?;
            if let Some(m) = a.mla.as_mut() {
                m.indexer = Some(IndexerSpec {
                    head_dim: f.u64("index_head_dim")?,
                });
            }
            Ok(a)
        }
        "kimi_linear" | "kimi_k3" => kimi_linear(f),
        "gemma4" | "gemma4_text" => gemma4(f),
        // Kimi-K2 / K2.5: the DeepSeek-V3 architecture under its own model_type.
        "kimi_k2" | "kimi_k25" => map_architecture("deepseek_v3", f),
        "glm4_moe" => glm4_moe(f),
        // Qwen3-VL: a Qwen3 (dense or MoE) language model under `text_config`.
        "qwen3_vl" => map_architecture("qwen3", f),
        "qwen3_vl_moe" => map_architecture("qwen3_moe", f),
        other => Err(format!(
            "config.json `model_type` `{other}` has no family mapping"
        )),
    }
}

/// Core fields every family shares (no experts, no sliding window).
fn core(f: &Fields<'_>) -> Result<ArchitectureSpec, String> {
    let mut a = map_architecture("llama", f)?;
    a.sliding_window = None;
    Ok(a)
}

fn strings(f: &Fields<'_>, key: &str) -> Result<Option<Vec<String>>, String> {
    match f.get(key) {
        None => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("config.json `{key}[{i}]` must be a string"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(other) => Err(format!(
            "config.json `{key}` must be an array, found {}",
            type_name(other)
        )),
    }
}

fn indices(f: &Fields<'_>, v: Option<&Value>, key: &str) -> Result<Vec<u64>, String> {
    let _ = f;
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_u64()
                    .ok_or_else(|| format!("config.json `{key}` must hold layer numbers"))
            })
            .collect(),
        Some(other) => Err(format!(
            "config.json `{key}` must be an array, found {}",
            type_name(other)
        )),
    }
}

fn ssm_dtype(v: Option<&Value>) -> Option<StateDtype> {
    match v.and_then(Value::as_str)? {
        "float32" | "fp32" => Some(StateDtype::Fp32),
        "bfloat16" | "bf16" => Some(StateDtype::Bf16),
        "float16" | "fp16" => Some(StateDtype::Fp16),
        _ => None,
    }
}

/// Qwen3-Next and Qwen3.5/3.6: gated DeltaNet + full attention
/// (`layer_types` linear_attention/full_attention, else every
/// `full_attention_interval`-th layer full), MoE where `num_experts` is set.
fn qwen_hybrid(model_type: &str, f: &Fields<'_>) -> Result<ArchitectureSpec, String> {
    let mut a = core(f)?;
    let layers = a.layers.unwrap_or(0);
    a.layer_types = Some(match strings(f, "layer_types")? {
        Some(list) => {
            if list.len() as u64 != layers {
                return Err(format!(
                    "config.json `layer_types` has {} entries for {layers} layers",
                    list.len()
                ));
            }
            list.iter()
                .enumerate()
                .map(|(i, t)| match t.as_str() {
                    "linear_attention" => Ok(LayerType::Linear),
                    "full_attention" => Ok(LayerType::Full),
                    other => Err(format!(
                        "config.json `layer_types[{i}]` is `{other}`; Qwen hybrids use linear_attention and full_attention"
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?
        }
        None => {
            // transformers Qwen3NextConfig: layer i is full when (i + 1) % interval == 0.
            let n = f.opt_u64("full_attention_interval")?.unwrap_or(4).max(1);
            let mut p = vec![LayerType::Linear; (n - 1) as usize];
            p.push(LayerType::Full);
            p
        }
    });
    a.linear_attention = Some(LinearAttentionSpec {
        kind: LinearKind::GatedDeltaNet,
        key_heads: f.u64("linear_num_key_heads")?,
        value_heads: f.u64("linear_num_value_heads")?,
        key_head_dim: f.u64("linear_key_head_dim")?,
        value_head_dim: f.u64("linear_value_head_dim")?,
        conv_kernel: f.opt_u64("linear_conv_kernel_dim")?,
    });
    // vLLM's Qwen3_5ForConditionalGenerationConfig reads `mamba_ssm_dtype`;
    // Qwen3-Next has no override (bf16 state).
    if model_type != "qwen3_next" {
        a.mamba_ssm_dtype = ssm_dtype(f.get("mamba_ssm_dtype"));
    }
    a.mtp_layers = f.opt_u64("mtp_num_hidden_layers")?;
    if let Some(experts) = f.opt_u64("num_experts")?.filter(|e| *e > 0) {
        let shared = f
            .opt_u64("shared_expert_intermediate_size")?
            .filter(|s| *s > 0);
        a.moe = Some(MoeSpec {
            experts,
            experts_per_token: f.u64("num_experts_per_tok")?,
            expert_intermediate_size: f.u64("moe_intermediate_size")?,
            shared_experts: u64::from(shared.is_some()),
            shared_expert_intermediate_size: shared,
            dense_layers: 0,
        });
    }
    Ok(a)
}

/// Nemotron-H / Nemotron-3: `hybrid_override_pattern`, one character per
/// layer: `M` Mamba2, `*` attention, `-` MLP only, `E` MoE only.
fn nemotron_h(f: &Fields<'_>) -> Result<ArchitectureSpec, String> {
    let mut a = core(f)?;
    let layers = a.layers.unwrap_or(0);
    let pattern = match f.get("hybrid_override_pattern") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err("config.json has no string `hybrid_override_pattern`".into()),
    };
    if pattern.chars().count() as u64 != layers {
        return Err(format!(
            "config.json `hybrid_override_pattern` has {} layers, `num_hidden_layers` {layers}",
            pattern.chars().count()
        ));
    }
    a.layer_types = Some(
        pattern
            .chars()
            .enumerate()
            .map(|(i, c)| match c {
                'M' => Ok(LayerType::Mamba),
                '*' => Ok(LayerType::Full),
                '-' | 'E' => Ok(LayerType::None),
                other => Err(format!(
                    "config.json `hybrid_override_pattern[{i}]` is `{other}`; Nemotron-H uses M, *, - and E"
                )),
            })
            .collect::<Result<Vec<_>, _>>()?,
    );
    let heads = f.u64("mamba_num_heads")?;
    let head_dim = f.u64("mamba_head_dim")?;
    a.mamba = Some(MambaSpec {
        version: 2,
        d_state: f.u64("ssm_state_size")?,
        d_conv: f.opt_u64("conv_kernel")?.unwrap_or(4),
        intermediate_size: heads.checked_mul(head_dim).ok_or("mamba size overflows")?,
        n_groups: f.opt_u64("n_groups")?,
        heads: Some(heads),
        head_dim: Some(head_dim),
    });
    a.separate_mlp_layers = Some(true);
    // Nemotron-H MLPs are relu^2 up/down projections, not gated.
    a.gated_mlp = Some(false);
    // vLLM NemotronHForCausalLMConfig: the config's `mamba_ssm_cache_dtype`, else fp32.
    a.mamba_ssm_dtype = Some(ssm_dtype(f.get("mamba_ssm_cache_dtype")).unwrap_or(StateDtype::Fp32));
    if let Some(experts) = f.opt_u64("n_routed_experts")?.filter(|e| *e > 0) {
        let shared = f.opt_u64("n_shared_experts")?.unwrap_or(0);
        a.moe = Some(MoeSpec {
            experts,
            experts_per_token: f.u64("num_experts_per_tok")?,
            expert_intermediate_size: f.u64("moe_intermediate_size")?,
            shared_experts: shared,
            shared_expert_intermediate_size: f
                .opt_u64("moe_shared_expert_intermediate_size")?
                .filter(|_| shared > 0),
            dense_layers: 0,
        });
    }
    Ok(a)
}

/// Llama 4: chunked local attention on RoPE layers, full attention on NoPE
/// layers (`no_rope_layers[i] == 0`, vLLM llama4.py; transformers' default:
/// every 4th layer); MoE every `interleave_moe_layer_step` layers.
fn llama4(f: &Fields<'_>) -> Result<ArchitectureSpec, String> {
    let mut a = core(f)?;
    let layers = a.layers.unwrap_or(0);
    let nope = indices(f, f.get("no_rope_layers"), "no_rope_layers")?;
    let kinds: Vec<LayerType> = (0..layers)
        .map(|i| {
            let rope = match nope.get(i as usize) {
                Some(v) => *v != 0,
                None => (i + 1) % 4 != 0,
            };
            if rope {
                LayerType::Chunked
            } else {
                LayerType::Full
            }
        })
        .collect();
    match f.opt_u64("attention_chunk_size")? {
        Some(c) => {
            a.layer_types = Some(kinds);
            a.attention_chunk_size = Some(c);
        }
        None => a.layer_types = Some(vec![LayerType::Full]),
    }
    if let Some(step) = f.opt_u64("interleave_moe_layer_step")? {
        if step != 1 {
            return Err(format!(
                "config.json `interleave_moe_layer_step` {step} (MoE every {step} layers) is not supported; only 1 (Llama 4 Scout)"
            ));
        }
    }
    let expert = f.u64("intermediate_size")?;
    a.intermediate_size = Some(f.opt_u64("intermediate_size_mlp")?.unwrap_or(expert));
    a.moe = Some(MoeSpec {
        experts: f.u64("num_local_experts")?,
        experts_per_token: f.opt_u64("num_experts_per_tok")?.unwrap_or(1),
        expert_intermediate_size: expert,
        shared_experts: 1,
        shared_expert_intermediate_size: None,
        dense_layers: 0,
    });
    Ok(a)
}

/// Kimi-Linear / Kimi-K3: MLA full-attention layers and KDA layers, listed
/// 1-based in `linear_attn_config.full_attn_layers` / `kda_layers`.
fn kimi_linear(f: &Fields<'_>) -> Result<ArchitectureSpec, String> {
    let mut a = core(f)?;
    let layers = a.layers.unwrap_or(0);
    let Some(Value::Object(lin)) = f.get("linear_attn_config") else {
        return Err("config.json has no `linear_attn_config` object".into());
    };
    let lin_fields = Fields {
        cfg: lin,
        defaults: &[],
    };
    let full = indices(
        f,
        lin.get("full_attn_layers"),
        "linear_attn_config.full_attn_layers",
    )?;
    let kda = indices(f, lin.get("kda_layers"), "linear_attn_config.kda_layers")?;
    let mut kinds = vec![LayerType::None; layers as usize];
    for (list, kind) in [(&full, LayerType::Full), (&kda, LayerType::Linear)] {
        for &n in list {
            if n == 0 || n > layers {
                return Err(format!(
                    "config.json `linear_attn_config` names layer {n}; Kimi counts layers from 1 to {layers}"
                ));
            }
            kinds[(n - 1) as usize] = kind;
        }
    }
    a.layer_types = Some(kinds);
    let heads = lin_fields.u64("num_heads")?;
    let dim = lin_fields.u64("head_dim")?;
    a.linear_attention = Some(LinearAttentionSpec {
        kind: LinearKind::Kda,
        key_heads: heads,
        value_heads: heads,
        key_head_dim: dim,
        value_head_dim: dim,
        conv_kernel: lin_fields.opt_u64("short_conv_kernel_size")?,
    });
    let mla = MlaSpec {
        kv_lora_rank: f.u64("kv_lora_rank")?,
        qk_rope_head_dim: f.u64("qk_rope_head_dim")?,
        q_lora_rank: f.opt_u64("q_lora_rank")?,
        qk_nope_head_dim: f.u64("qk_nope_head_dim")?,
        v_head_dim: f.u64("v_head_dim")?,
        indexer: None,
    };
    a.head_dim = mla.qk_nope_head_dim.checked_add(mla.qk_rope_head_dim);
    a.mla = Some(mla);
    if let Some(experts) = f.opt_u64("num_experts")?.filter(|e| *e > 0) {
        a.moe = Some(MoeSpec {
            experts,
            experts_per_token: f.u64("num_experts_per_token")?,
            expert_intermediate_size: f.u64("moe_intermediate_size")?,
            shared_experts: f.opt_u64("num_shared_experts")?.unwrap_or(0),
            shared_expert_intermediate_size: None,
            dense_layers: f.opt_u64("first_k_dense_replace")?.unwrap_or(0),
        });
    }
    Ok(a)
}

/// Gemma 4: `layer_types` sliding_attention/full_attention; full layers use
/// `global_head_dim` and `num_global_key_value_heads` where set.
fn gemma4(f: &Fields<'_>) -> Result<ArchitectureSpec, String> {
    let mut a = core(f)?;
    let layers = a.layers.unwrap_or(0);
    let list = strings(f, "layer_types")?
        .ok_or("config.json has no `layer_types` (Gemma 4 lists sliding and full layers)")?;
    if list.len() as u64 != layers {
        return Err(format!(
            "config.json `layer_types` has {} entries for {layers} layers",
            list.len()
        ));
    }
    a.layer_types = Some(
        list.iter()
            .enumerate()
            .map(|(i, t)| match t.as_str() {
                "sliding_attention" => Ok(LayerType::Sliding),
                "full_attention" => Ok(LayerType::Full),
                other => Err(format!(
                    "config.json `layer_types[{i}]` is `{other}`; Gemma 4 uses sliding_attention and full_attention"
                )),
            })
            .collect::<Result<Vec<_>, _>>()?,
    );
    // The last `num_kv_shared_layers` layers reuse earlier layers' KV (Gemma
    // 4 E2B/E4B): they allocate no cache. Their q/o projections are then not
    // counted in the parameter estimate (a few percent of those small models).
    let shared = f.opt_u64("num_kv_shared_layers")?.unwrap_or(0).min(layers);
    if shared > 0 {
        if let Some(kinds) = a.layer_types.as_mut() {
            for k in kinds.iter_mut().skip((layers - shared) as usize) {
                *k = LayerType::None;
            }
        }
    }
    a.tie_word_embeddings = Some(f.opt_bool("tie_word_embeddings")?.unwrap_or(true));
    a.layer_kinds = Some(LayerKinds {
        full: Some(KindGeometry {
            kv_heads: f.opt_u64("num_global_key_value_heads")?,
            head_dim: f.opt_u64("global_head_dim")?,
            v_head_dim: None,
            window: None,
        }),
        sliding: Some(KindGeometry {
            kv_heads: None,
            head_dim: None,
            v_head_dim: None,
            window: Some(f.u64("sliding_window")?),
        }),
        chunked: None,
    });
    Ok(a)
}

/// GLM-4.5 / 4.6 (`Glm4MoeForCausalLM`): q/k/v biases, `n_routed_experts`
/// with shared experts and leading dense layers, an MTP layer.
fn glm4_moe(f: &Fields<'_>) -> Result<ArchitectureSpec, String> {
    let mut a = core(f)?;
    a.attention_bias = Some(f.opt_bool("attention_bias")?.unwrap_or(true));
    a.moe = Some(MoeSpec {
        experts: f.u64("n_routed_experts")?,
        experts_per_token: f.u64("num_experts_per_tok")?,
        expert_intermediate_size: f.u64("moe_intermediate_size")?,
        shared_experts: f.opt_u64("n_shared_experts")?.unwrap_or(0),
        shared_expert_intermediate_size: None,
        dense_layers: f.opt_u64("first_k_dense_replace")?.unwrap_or(0),
    });
    a.mtp_layers = f.opt_u64("num_nextn_predict_layers")?;
    Ok(a)
}

/// Parameters of Gemma 3's SigLIP tower and projector as vLLM builds them
/// (vLLM 0.19.0: `SiglipVisionModel` in vllm/model_executor/models/siglip.py,
/// no head, post-LayerNorm kept when every layer is loaded;
/// `Gemma3MultiModalProjector` in vllm/model_executor/models/gemma3_mm.py):
/// `num_hidden_layers` blocks of two LayerNorms `4h`, q/k/v/out projections
/// with biases `4(h^2 + h)`, fc1 `h i + i`, fc2 `i h + h`; the patch
/// convolution `num_channels x patch_size^2 x h + h`; learned positions
/// `(image_size / patch_size)^2 x h`; the post-LayerNorm `2h`; the projector's
/// `h x text_hidden` matrix and its RMSNorm `h`. `vision_use_head` adds the
/// attention-pooling head, which Gemma 3 leaves out (none counted: `None`).
pub fn siglip_parameters(v: &serde_json::Map<String, Value>, text_hidden: u64) -> Option<u64> {
    let get = |k: &str| v.get(k).and_then(Value::as_u64);
    if v.get("vision_use_head").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let layers = get("num_hidden_layers")?;
    let h = get("hidden_size")?;
    let i = get("intermediate_size")?;
    let patch = get("patch_size").unwrap_or(14);
    let image = get("image_size")?;
    let channels = get("num_channels").unwrap_or(3);
    let block = (|| {
        let attn = h.checked_mul(h)?.checked_add(h)?.checked_mul(4)?;
        let mlp = h
            .checked_mul(i)?
            .checked_mul(2)?
            .checked_add(i)?
            .checked_add(h)?;
        h.checked_mul(4)?.checked_add(attn)?.checked_add(mlp)
    })()?;
    let side = image.checked_div(patch)?;
    let conv = channels
        .checked_mul(patch.checked_mul(patch)?)?
        .checked_mul(h)?
        .checked_add(h)?;
    let positions = side.checked_mul(side)?.checked_mul(h)?;
    let projector = h.checked_mul(text_hidden)?.checked_add(h)?;
    layers
        .checked_mul(block)?
        .checked_add(conv)?
        .checked_add(positions)?
        .checked_add(h.checked_mul(2)?)?
        .checked_add(projector)
}

/// Parameters of a Qwen-style vision tower (Qwen2.5-VL, Qwen3-VL, Qwen3.5
/// `vision_config`: `depth` blocks of width `hidden_size` and MLP
/// `intermediate_size`), counted from transformers' `Qwen3VLVisionModel`:
/// patch embedding `in_channels x temporal_patch_size x patch_size^2 x h`
/// (+ bias), learned positions `num_position_embeddings x h`, per block two
/// LayerNorms (4h), qkv `3h^2 + 3h`, proj `h^2 + h`, MLP `2 h i + i + h`; the
/// patch merger (and each deepstack merger) a LayerNorm and a two-layer MLP
/// `(h m^2)^2 + h m^2 + h m^2 x out + out`, `m = spatial_merge_size`.
pub fn vision_parameters(v: &serde_json::Map<String, Value>) -> Option<u64> {
    let get = |k: &str| v.get(k).and_then(Value::as_u64);
    let depth = get("depth")?;
    let h = get("hidden_size")?;
    let i = get("intermediate_size")?;
    let out = get("out_hidden_size").unwrap_or(h);
    let patch = get("patch_size").unwrap_or(14);
    let temporal = get("temporal_patch_size").unwrap_or(2);
    let channels = get("in_channels").unwrap_or(3);
    let merge = get("spatial_merge_size").unwrap_or(2);
    let positions = get("num_position_embeddings").unwrap_or(0);
    let deepstack = v
        .get("deepstack_visual_indexes")
        .and_then(Value::as_array)
        .map_or(0, |a| a.len() as u64);
    let block = (|| {
        let sq = h.checked_mul(h)?;
        let hi = h.checked_mul(i)?;
        sq.checked_mul(4)?
            .checked_add(hi.checked_mul(2)?)?
            .checked_add(h.checked_mul(10)?)?
            .checked_add(i)
    })()?;
    let merged = h.checked_mul(merge.checked_mul(merge)?)?;
    let merger = merged
        .checked_mul(merged)?
        .checked_add(merged)?
        .checked_add(merged.checked_mul(out)?)?
        .checked_add(out)?
        .checked_add(h.checked_mul(2)?)?;
    let patch_embed = channels
        .checked_mul(temporal)?
        .checked_mul(patch.checked_mul(patch)?)?
        .checked_mul(h)?
        .checked_add(h)?;
    depth
        .checked_mul(block)?
        .checked_add(patch_embed)?
        .checked_add(positions.checked_mul(h)?)?
        .checked_add(merger.checked_mul(deepstack.checked_add(1)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// gemma-3-27b's `vision_config` (config.json of google/gemma-3-27b-pt):
    /// per block 4 x 1152 + 4 (1152^2 + 1152) + 2 x 1152 x 4304 + 4304 + 1152
    /// = 4,608 + 5,313,024 + 9,921,872 = 15,239,504; x 27 = 411,466,608;
    /// conv 3 x 196 x 1152 + 1152 = 678,528; positions 64^2 x 1152 =
    /// 4,718,592; post-LayerNorm 2,304; projector 1152 x 5376 + 1152 =
    /// 6,194,304; total 423,060,336.
    #[test]
    fn siglip_tower_of_gemma_3_27b_by_hand() {
        let v = serde_json::json!({
            "hidden_size": 1152, "image_size": 896, "intermediate_size": 4304,
            "model_type": "siglip_vision_model", "num_attention_heads": 16,
            "num_hidden_layers": 27, "patch_size": 14, "vision_use_head": false
        });
        let Some(v) = v.as_object() else {
            panic!("object")
        };
        assert_eq!(siglip_parameters(v, 5376), Some(423_060_336));
        // The 4B's projector: 1152 x 2560 + 1152 = 2,950,272 on 416,866,032.
        assert_eq!(siglip_parameters(v, 2560), Some(419_816_304));
        let mut head = v.clone();
        head.insert("vision_use_head".into(), serde_json::json!(true));
        assert_eq!(siglip_parameters(&head, 5376), None);
    }
}
