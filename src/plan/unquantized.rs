//! Modules a quantized checkpoint keeps at 16 bits (docs/memory-math.md
//! "Modules kept at 16 bits").
//!
//! A checkpoint's `quantization_config` names the modules it leaves in BF16
//! (`ignore`, `ignored_layers`, `modules_to_not_convert`, `exclude_modules`);
//! the spec's `model.weights.unquantized` adds to that list. vLLM gives every
//! such linear layer `UnquantizedLinearMethod`, i.e. 16-bit weights
//! (`is_layer_skipped` in vllm/model_executor/layers/quantization/utils/
//! quant_utils.py; `FBGEMMFp8Config._is_layer_skipped` in fbgemm_fp8.py of
//! vLLM 0.5.3). MXFP4 MoE checkpoints (gpt-oss) quantize only the routed
//! experts: `Mxfp4Config.get_quant_method` returns `UnquantizedLinearMethod`
//! for every linear layer (vllm/model_executor/layers/quantization/mxfp4.py,
//! 0.10.1 to 0.34.0), and the checkpoint stores attention in BF16.
//!
//! Matching, the union of the engines' rules: an entry is an exact module
//! name or a dotted prefix of one (`model.layers.0` covers its projections,
//! as transformers' `modules_to_not_convert` does); an entry with `*` is a
//! glob whose `*` matches any run of characters (ModelOpt `fnmatch`); `re:`
//! starts a regular expression matched from the start of the name
//! (compressed-tensors `find_matched_target`). Fused projections follow vLLM:
//! q/k/v are one unit (`qkv_proj`), gate/up another (`gate_up_proj`). A unit
//! memmath does not split (routed experts, shared experts, an MLA attention
//! block, a state mixer) counts as 16-bit when the entry names it or any
//! module inside it.

use super::math::{add, ceil_div, mul, MathResult};
use super::weights::{self, Shard};
use crate::catalog::Architecture;
use crate::spec::LayerType;
use regex_automata::meta::Regex;
use std::collections::HashSet;

/// The compiled list, plus the MXFP4 rule that only routed experts are
/// quantized.
#[derive(Clone, Debug, Default)]
pub struct Keep16 {
    /// The entries as given (for equality and the report).
    pub source: Vec<String>,
    /// Every linear layer except routed experts stays 16-bit (MXFP4 MoE).
    pub experts_only: bool,
    /// Entries that are not valid patterns (left out; the plan says so).
    pub invalid: Vec<String>,
    exact: HashSet<String>,
    /// Every dotted prefix of an exact entry (`model.layers.0.mlp` for
    /// `model.layers.0.mlp.down_proj`), for units that contain a listed module.
    inside: HashSet<String>,
    patterns: Vec<Regex>,
}

impl PartialEq for Keep16 {
    fn eq(&self, o: &Keep16) -> bool {
        self.source == o.source && self.experts_only == o.experts_only
    }
}

/// A glob as a regex: `*` any run, `?` one character, the rest literal;
/// anchored at the start, matching the whole name or a dotted prefix of it.
fn glob_regex(g: &str) -> String {
    let mut r = String::from("^(?:");
    for c in g.chars() {
        match c {
            '*' => r.push_str(".*"),
            '?' => r.push('.'),
            c => {
                let mut buf = [0u8; 4];
                r.push_str(&regex_syntax_escape(c.encode_utf8(&mut buf)));
            }
        }
    }
    r.push_str(")(?:\\..*)?$");
    r
}

fn regex_syntax_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~ ".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Keep16 {
    /// Compile `list`; an entry that is not a valid pattern is left out and
    /// listed in `invalid`.
    pub fn new(list: &[String], experts_only: bool) -> Keep16 {
        let mut k = Keep16 {
            source: list.to_vec(),
            experts_only,
            ..Keep16::default()
        };
        for e in list {
            let e = e.trim();
            let compiled = if let Some(re) = e.strip_prefix("re:") {
                Some(Regex::new(&format!("^(?:{re})")))
            } else if e.contains('*') || e.contains('?') {
                Some(Regex::new(&glob_regex(e)))
            } else {
                None
            };
            match compiled {
                Some(Ok(r)) => k.patterns.push(r),
                Some(Err(_)) => k.invalid.push(e.to_string()),
                None if e.is_empty() => {}
                None => {
                    k.exact.insert(e.to_string());
                    let mut p = e;
                    while let Some((head, _)) = p.rsplit_once('.') {
                        k.inside.insert(head.to_string());
                        p = head;
                    }
                }
            }
        }
        k
    }

    /// Nothing is kept at 16 bits beyond what the format already keeps.
    pub fn is_empty(&self) -> bool {
        !self.experts_only && self.exact.is_empty() && self.patterns.is_empty()
    }

    /// Whether module `name` (or a module containing it) is listed.
    pub fn matches(&self, name: &str) -> bool {
        let mut p = name;
        loop {
            if self.exact.contains(p) {
                return true;
            }
            match p.rsplit_once('.') {
                Some((head, _)) => p = head,
                None => break,
            }
        }
        self.patterns.iter().any(|r| r.is_match(name))
    }

    /// Whether unit `name` is listed, or a module inside it is.
    fn matches_unit(&self, name: &str) -> bool {
        self.matches(name)
            || self.inside.contains(name)
            || self
                .patterns
                .iter()
                .any(|r| r.is_match(&format!("{name}.weight")))
    }
}

/// What one part of a layer is, for the MXFP4 rule.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Routed,
    Other,
}

/// A part of layer `i` on one rank: the HF module names that select it,
/// whether it is a unit (matched by anything inside it), its linear params.
struct Part {
    names: &'static [&'static str],
    unit: bool,
    kind: Kind,
    params: u64,
}

const QKV: &[&str] = &[
    "self_attn.q_proj",
    "self_attn.k_proj",
    "self_attn.v_proj",
    "self_attn.qkv_proj",
];
const O: &[&str] = &["self_attn.o_proj"];
const MLA: &[&str] = &["self_attn"];
const MIXER: &[&str] = &["mixer", "linear_attn"];
const GATE_UP: &[&str] = &["mlp.gate_proj", "mlp.up_proj", "mlp.gate_up_proj"];
const DOWN: &[&str] = &["mlp.down_proj"];
const EXPERTS: &[&str] = &["mlp.experts", "block_sparse_moe.experts"];
const SHARED: &[&str] = &["mlp.shared_experts", "mlp.shared_expert"];

fn attention_parts(a: &Architecture, tp: u64, out: &mut Vec<Part>) -> MathResult<()> {
    let total = weights::attention(a, tp)?.linear;
    if a.mla.is_some() {
        out.push(Part {
            names: MLA,
            unit: true,
            kind: Kind::Other,
            params: total,
        });
        return Ok(());
    }
    // o = (H/tp d) x h (params::attention).
    let o = mul(
        mul(ceil_div(a.attention_heads, tp)?, a.head_dim)?,
        a.hidden_size,
    )?;
    out.push(Part {
        names: QKV,
        unit: false,
        kind: Kind::Other,
        params: total.saturating_sub(o),
    });
    out.push(Part {
        names: O,
        unit: false,
        kind: Kind::Other,
        params: o,
    });
    Ok(())
}

fn dense_parts(a: &Architecture, tp: u64, out: &mut Vec<Part>) -> MathResult<()> {
    let total = weights::dense_mlp(a, tp)?.linear;
    // Gated: gate + up + down, down a third; plain: up + down, half.
    let down = total / if a.gated_mlp { 3 } else { 2 };
    out.push(Part {
        names: GATE_UP,
        unit: false,
        kind: Kind::Other,
        params: total - down,
    });
    out.push(Part {
        names: DOWN,
        unit: false,
        kind: Kind::Other,
        params: down,
    });
    Ok(())
}

fn moe_parts(a: &Architecture, shard: Shard, out: &mut Vec<Part>) -> MathResult<()> {
    let Some(m) = &a.moe else {
        return dense_parts(a, shard.tp, out);
    };
    let total = weights::moe_mlp(a, shard, false)?.linear;
    let shared_width = match m.shared_expert_intermediate_size {
        Some(w) => w,
        None => mul(m.shared_experts, m.expert_intermediate_size)?,
    };
    let n = if a.gated_mlp { 3 } else { 2 };
    let shared = mul(n, mul(a.hidden_size, ceil_div(shared_width, shard.tp)?)?)?;
    out.push(Part {
        names: EXPERTS,
        unit: true,
        kind: Kind::Routed,
        params: total.saturating_sub(shared),
    });
    out.push(Part {
        names: SHARED,
        unit: true,
        kind: Kind::Other,
        params: shared,
    });
    Ok(())
}

/// The linear parts of layer `i` on one rank, laid out as
/// `catalog::params::kind_layer` / `layer` count them.
fn layer_parts(a: &Architecture, i: u64, shard: Shard) -> MathResult<Vec<Part>> {
    let mut out = Vec::new();
    let types = a.layout.layer_types.as_ref().filter(|t| !t.is_empty());
    let Some(types) = types else {
        attention_parts(a, shard.tp, &mut out)?;
        if weights::is_dense_layer(a, i) {
            dense_parts(a, shard.tp, &mut out)?;
        } else {
            moe_parts(a, shard, &mut out)?;
        }
        return Ok(out);
    };
    let kind = types[(i % types.len() as u64) as usize];
    match kind {
        LayerType::Full | LayerType::Sliding | LayerType::Chunked => {
            attention_parts(a, shard.tp, &mut out)?
        }
        LayerType::None => {}
        k => out.push(Part {
            names: MIXER,
            unit: true,
            kind: Kind::Other,
            params: crate::catalog::params::state_mixer(a, k, shard.tp)?.linear,
        }),
    }
    let separate = a.layout.separate_mlp_layers == Some(true);
    if !separate || kind == LayerType::None {
        if separate {
            moe_parts(a, shard, &mut out)?;
        } else if weights::is_dense_layer(a, i) {
            dense_parts(a, shard.tp, &mut out)?;
        } else {
            moe_parts(a, shard, &mut out)?;
        }
    }
    Ok(out)
}

/// Linear parameters of layers `[start, end)` on one rank that stay 16-bit.
pub fn linear16_in(
    a: &Architecture,
    keep: &Keep16,
    shard: Shard,
    start: u64,
    end: u64,
) -> MathResult<u64> {
    if keep.is_empty() || (keep.experts_only && a.moe.is_none() && keep.source.is_empty()) {
        return Ok(0);
    }
    let experts_only = keep.experts_only && a.moe.is_some();
    let mut n = 0u64;
    for i in start..end {
        let prefix = format!("model.layers.{i}.");
        for p in layer_parts(a, i, shard)? {
            let listed = experts_only && p.kind == Kind::Other
                || p.names.iter().any(|s| {
                    let name = format!("{prefix}{s}");
                    if p.unit {
                        keep.matches_unit(&name)
                    } else {
                        keep.matches(&name)
                    }
                });
            if listed {
                n = add(n, p.params)?;
            }
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep(list: &[&str]) -> Keep16 {
        let v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        Keep16::new(&v, false)
    }

    #[test]
    fn exact_prefix_glob_and_regex() {
        let k = keep(&["lm_head", "model.layers.0", "model.layers.*.self_attn"]);
        assert!(k.matches("lm_head"));
        assert!(k.matches("model.layers.0.mlp.down_proj"));
        assert!(!k.matches("model.layers.10.mlp.down_proj"));
        assert!(k.matches("model.layers.7.self_attn.q_proj"));
        assert!(!k.matches("model.layers.7.mlp.gate_proj"));
        let r = keep(&["re:.*self_attn.*"]);
        assert!(r.matches("model.layers.3.self_attn.o_proj"));
        assert!(!r.matches("model.layers.3.mlp.up_proj"));
        assert_eq!(
            Keep16::new(&["re:(".to_string(), "lm_head".to_string()], false).invalid,
            vec!["re:(".to_string()]
        );
    }

    /// Llama-3.1-405B-FP8 keeps attention in all 126 layers and layers 0 and
    /// 125 whole at BF16 (Llama 3 paper, arXiv:2407.21783 section 6.2).
    /// Per layer: q + o = 2 x 16384^2, k + v = 2 x 16384 x 1024, MLP 3 x 16384
    /// x 53248.
    #[test]
    fn llama_405b_fp8_list_by_hand() {
        let a = crate::catalog::Architecture {
            layers: 126,
            hidden_size: 16384,
            intermediate_size: 53248,
            attention_heads: 128,
            kv_heads: 8,
            head_dim: 128,
            vocab_size: 128256,
            ..crate::catalog::llama_3_1_8b()
        };
        let mut list: Vec<String> = vec!["lm_head".into()];
        for i in 0..126 {
            for p in ["q_proj", "k_proj", "v_proj", "o_proj"] {
                list.push(format!("model.layers.{i}.self_attn.{p}"));
            }
        }
        for i in [0, 125] {
            for p in ["gate_proj", "up_proj", "down_proj"] {
                list.push(format!("model.layers.{i}.mlp.{p}"));
            }
        }
        let k = Keep16::new(&list, false);
        let attn = 2 * 16384 * 16384 + 2 * 16384 * 1024;
        let mlp = 3 * 16384 * 53248;
        assert_eq!(
            linear16_in(&a, &k, Shard::WHOLE, 0, 126),
            Ok(126 * attn + 2 * mlp)
        );
        // TP 8 splits every projection by 8 (8 KV heads: one each).
        assert_eq!(
            linear16_in(&a, &k, Shard { tp: 8, ep: 1 }, 0, 126),
            Ok((126 * attn + 2 * mlp) / 8)
        );
    }

    /// gpt-oss-120b (config.json of openai/gpt-oss-120b): with the MXFP4 rule
    /// every attention projection is 16-bit and the experts are not:
    /// 36 x (2880 x (4096 + 2 x 512) + 4096 x 2880).
    #[test]
    fn mxfp4_keeps_all_but_routed_experts() {
        let a = crate::catalog::Architecture {
            layers: 36,
            hidden_size: 2880,
            intermediate_size: 2880,
            attention_heads: 64,
            kv_heads: 8,
            head_dim: 64,
            vocab_size: 201088,
            moe: Some(crate::spec::MoeSpec {
                experts: 128,
                experts_per_token: 4,
                expert_intermediate_size: 2880,
                shared_experts: 0,
                shared_expert_intermediate_size: None,
                dense_layers: 0,
            }),
            ..crate::catalog::llama_3_1_8b()
        };
        let k = Keep16::new(&[], true);
        let attn = 2880 * (4096 + 1024) + 4096 * 2880;
        assert_eq!(linear16_in(&a, &k, Shard::WHOLE, 0, 36), Ok(36 * attn));
        // A listed expert module keeps the routed experts too.
        let e = keep(&["model.layers.0.mlp.experts.gate_up_proj"]);
        assert_eq!(
            linear16_in(&a, &e, Shard::WHOLE, 0, 1),
            Ok(128 * 3 * 2880 * 2880)
        );
    }
}
