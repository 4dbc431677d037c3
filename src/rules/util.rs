//! Small helpers the rules share: pointers, number formatting, exact fractions
//! and the KV demand the classes put on one GPU.

use crate::plan::{ClassPlan, Plan};
use crate::spec::Spec;
use crate::units::Bytes;

/// Rustdoc hands a macro each doc line with one leading space; remove it once.
pub fn dedent_doc(raw: &str) -> String {
    let lines: Vec<&str> = raw
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    lines.join("\n").trim().to_string()
}

pub use crate::units::{group_digits, percent};

/// JSON pointer of traffic class `i`.
pub fn class_pointer(i: usize) -> String {
    format!("/traffic/classes/{i}")
}

/// Index of the spec's traffic class named `name` (plans keep the spec's order,
/// but matching by name keeps a pointer right even if they did not).
pub fn class_index(spec: &Spec, name: &str, fallback: usize) -> usize {
    spec.traffic
        .as_ref()
        .and_then(|t| t.classes.iter().position(|c| c.name == name))
        .unwrap_or(fallback)
}

/// A decimal fraction as written (`0.9`, `0.97`) as the exact rational
/// `num / den`, so comparisons happen in integers and 0.90 leaves exactly 10%.
/// Rust prints an `f64` as the shortest decimal that reads back to it, which is
/// the number the user typed.
pub fn decimal_ratio(x: f64) -> Option<(u128, u128)> {
    if !x.is_finite() || x < 0.0 {
        return None;
    }
    let text = format!("{x}");
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let frac = &frac[..frac.len().min(18)];
    let den = 10u128.checked_pow(u32::try_from(frac.len()).ok()?)?;
    let int: u128 = int.parse().ok()?;
    let frac_num: u128 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    Some((int.checked_mul(den)?.checked_add(frac_num)?, den))
}

/// `part < fraction x whole`, exactly.
pub fn below_fraction(part: Bytes, whole: Bytes, fraction: f64) -> bool {
    match decimal_ratio(fraction) {
        Some((num, den)) => {
            (part.0 as u128).saturating_mul(den) < (whole.0 as u128).saturating_mul(num)
        }
        None => false,
    }
}

/// The largest `gpu_memory_utilization` with two decimals, in hundredths,
/// that leaves at least `outside` bytes of a `total`-byte GPU outside the
/// engine's budget: the largest u with total - floor(u x total / 100) >=
/// outside (vLLM's budget is `total x fraction`, vllm/v1/worker/gpu_worker.py).
pub fn max_fraction_leaving(total: u64, outside: u64) -> u64 {
    (u128::from(total.saturating_sub(outside)) * 100 / u128::from(total.max(1))) as u64
}

/// Two decimals, for fractions such as utilization (`0.90`).
pub fn frac2(x: f64) -> String {
    format!("{x:.2}")
}

/// Ceiling division on u64; `d == 0` yields 0 (callers guard it).
pub fn div_ceil(n: u64, d: u64) -> u64 {
    if d == 0 {
        0
    } else {
        n.div_ceil(d)
    }
}

/// Is this KV dtype 16-bit (so fp8 would halve it)? `auto` is resolved by the
/// plan, which reports the concrete dtype.
pub fn kv_is_16bit(dtype: &str) -> bool {
    matches!(dtype, "bf16" | "fp16" | "bfloat16" | "float16" | "half")
}

/// Engine instances per replica (DP attention ranks), at least 1.
pub fn instances_per_replica(plan: &Plan) -> u64 {
    plan.gpu.engine_instances_per_replica.max(1)
}

/// Sequences of class `c` one engine instance carries at required load.
pub fn per_instance_concurrency(plan: &Plan, c: &ClassPlan) -> u64 {
    div_ceil(c.per_replica_concurrency, instances_per_replica(plan))
}

/// KV bytes class `c` needs on the bottleneck GPU of one engine instance.
pub fn class_demand(plan: &Plan, c: &ClassPlan) -> u128 {
    // A class the engine rejects (longer than max_model_len) holds nothing.
    if !c.holds_sequences() {
        return 0;
    }
    per_instance_concurrency(plan, c) as u128 * c.kv_bytes_per_sequence as u128
}

/// KV bytes all classes need on the bottleneck GPU of one engine instance.
pub fn kv_demand_per_gpu(plan: &Plan) -> u128 {
    plan.classes
        .iter()
        .map(|c| class_demand(plan, c))
        .fold(0u128, u128::saturating_add)
}

/// Bytes as a labelled GiB string from a u128 (clamped; rendering only).
pub fn gib128(b: u128) -> String {
    Bytes(u64::try_from(b).unwrap_or(u64::MAX)).to_string()
}

/// The class with the largest KV demand (the one whose concurrency a user
/// would change first), as (plan index, class).
pub fn largest_class(plan: &Plan) -> Option<(usize, &ClassPlan)> {
    plan.classes
        .iter()
        .enumerate()
        .max_by_key(|(i, c)| (class_demand(plan, c), std::cmp::Reverse(*i)))
}

/// Largest parallel degree a fix ever proposes: bounds every search loop, so
/// an absurd spec (`tensor: 10^12`) costs microseconds, not hours.
pub const MAX_DEGREE: u64 = 1024;

/// Divisors of `n` up to `limit`, ascending (for "valid tensor sizes").
pub fn divisors(n: u64, limit: u64) -> Vec<u64> {
    (1..=n.min(limit)).filter(|d| n % d == 0).collect()
}

/// Tensor-parallel sizes vLLM accepts for this architecture: they divide the
/// attention heads, and (without MLA) kv_heads and tp divide one another.
pub fn valid_tp_sizes(arch: &crate::catalog::Architecture) -> Vec<u64> {
    divisors(arch.attention_heads.max(1), MAX_DEGREE)
        .into_iter()
        .filter(|&t| {
            arch.mla.is_some()
                || arch.kv_heads == 0
                || arch.kv_heads % t == 0
                || t % arch.kv_heads == 0
        })
        .collect()
}

/// Non-torch memory the engine needs once tensor parallelism is on (NCCL
/// buffers, custom all-reduce), for `parallelism_fix`'s first estimate: the
/// smallest multi-GPU figure of any engine row (the engine tables' rows,
/// `plan/engine/`, take 2,048 MiB or more), so the estimate never rules out
/// a layout; the re-planned spec, with its own row's figure, decides.
pub const TP_RUNTIME_BYTES: u64 = crate::plan::runtime::VLLM_NON_TORCH_TP2;

/// The smallest change of tensor (then pipeline) parallelism that brings the
/// weights on one GPU within `room` bytes (what is left after activations,
/// runtime and anything else the caller reserves). Weights shrink in
/// proportion to tensor x pipeline; moving from TP1 to TP>1 adds NCCL memory.
/// Returns the YAML to write and the weights per GPU it gives.
pub fn parallelism_fix(ctx: &super::RuleContext<'_>, room: u64) -> Option<(String, Bytes)> {
    let p = &ctx.spec.parallelism;
    let (tp, pp) = (p.tensor.max(1), p.pipeline.max(1));
    let w = ctx.plan.per_gpu.weights_bytes.0 as u128;
    let runtime = ctx.plan.per_gpu.runtime_bytes.0;
    let gpn = ctx.plan.gpu.gpus_per_node.max(1);
    let layers = ctx.resolved.model.architecture.layers.max(1);
    let after = |t: u64, pp2: u64| -> u64 {
        let v = w
            .saturating_mul(tp as u128)
            .saturating_mul(pp as u128)
            .div_ceil((t as u128).saturating_mul(pp2 as u128).max(1));
        u64::try_from(v).unwrap_or(u64::MAX)
    };
    let room_at = |t: u64| -> u64 {
        if tp == 1 && t > 1 {
            room.saturating_sub(TP_RUNTIME_BYTES.saturating_sub(runtime))
        } else {
            room
        }
    };
    let sizes: Vec<u64> = valid_tp_sizes(&ctx.resolved.model.architecture)
        .into_iter()
        .filter(|&t| t <= gpn)
        .collect();
    let per_replica = |t: u64, pp2: u64| t.saturating_mul(pp2).saturating_mul(p.data.max(1));
    // The estimate picks a candidate; the re-planned spec decides (the
    // engine must start with it: rules/replan.rs).
    let starts_with = |t: u64, pp2: u64| {
        super::replan::replan(ctx, |s, _| {
            s.parallelism.tensor = t;
            s.parallelism.pipeline = pp2;
        })
        .is_some_and(|plan| super::replan::starts(&plan))
    };
    for &t in sizes.iter().filter(|&&t| t > tp) {
        if after(t, pp) <= room_at(t) && starts_with(t, pp) {
            let note = gpu_count_note(ctx, per_replica(t, pp));
            return Some((
                format!("parallelism.tensor: {t}{note}"),
                Bytes(after(t, pp)),
            ));
        }
    }
    let t = sizes.iter().copied().max().unwrap_or(tp).max(tp);
    for pp2 in pp.saturating_add(1)..=layers.min(MAX_DEGREE) {
        if after(t, pp2) <= room_at(t) && starts_with(t, pp2) {
            let note = gpu_count_note(ctx, per_replica(t, pp2));
            let yaml = if t == tp {
                format!("parallelism.pipeline: {pp2}{note}")
            } else {
                format!("parallelism.tensor: {t} and parallelism.pipeline: {pp2}{note}")
            };
            return Some((yaml, Bytes(after(t, pp2))));
        }
    }
    None
}

/// Weights per GPU if the quantized part were stored in `bits` instead (the
/// 16-bit embeddings and norms stay as they are).
pub fn weights_at_bits(plan: &Plan, bits: f64) -> Bytes {
    let w = plan.per_gpu.weights_bytes.0 as f64;
    let shards = (plan.weights.total_bytes.0 as f64 / w.max(1.0)).max(1.0);
    let unq = plan.weights.unquantized_bytes.0 as f64 / shards;
    let q = (w - unq).max(0.0);
    let cur = if plan.weights.bits_per_weight > 0.0 {
        plan.weights.bits_per_weight
    } else {
        16.0
    };
    Bytes((q * bits / cur + unq).ceil() as u64)
}

/// When `per_replica` GPUs per replica (after a proposed change) times the
/// replicas no longer fit the nodes, the extra change that keeps the fix
/// applicable: fewer replicas, or more nodes. Empty when they fit.
pub fn gpu_count_note(ctx: &super::RuleContext<'_>, per_replica: u64) -> String {
    let g = &ctx.plan.gpu;
    let have = g.nodes.saturating_mul(g.gpus_per_node);
    let replicas = if ctx.spec.kind == crate::spec::Kind::Serving {
        g.replicas.max(1)
    } else {
        1
    };
    let need = replicas.saturating_mul(per_replica);
    if need <= have || g.gpus_per_node == 0 {
        return String::new();
    }
    let nodes = need.div_ceil(g.gpus_per_node);
    match have.checked_div(per_replica).filter(|&r| r >= 1) {
        Some(r) if ctx.spec.kind == crate::spec::Kind::Serving => {
            format!(" with serving.replicas: {r} (or hardware.nodes: {nodes})")
        }
        _ => format!(" with hardware.nodes: {nodes}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tp_runtime_estimate_is_the_smallest_multi_gpu_figure() {
        use crate::spec::{engine_version, Engine};
        for engine in [Engine::Vllm, Engine::Sglang, Engine::TensorrtLlm] {
            for r in engine_version::rows(engine) {
                let row = crate::plan::engine::table::row(engine, r.first);
                assert!(
                    row.non_torch_multi.value >= TP_RUNTIME_BYTES,
                    "{}",
                    row.label()
                );
                assert!(
                    row.non_torch_tp4.value >= TP_RUNTIME_BYTES,
                    "{}",
                    row.label()
                );
            }
        }
    }

    #[test]
    fn ratios_are_exact() {
        assert_eq!(decimal_ratio(0.9), Some((9, 10)));
        assert_eq!(decimal_ratio(0.97), Some((97, 100)));
        assert_eq!(decimal_ratio(1.0), Some((1, 1)));
        assert_eq!(decimal_ratio(-0.1), None);
        // 10% of 1000 bytes is 100: 100 free is not below, 99 is.
        assert!(!below_fraction(Bytes(100), Bytes(1000), 0.1));
        assert!(below_fraction(Bytes(99), Bytes(1000), 0.1));
    }

    #[test]
    fn formats_numbers() {
        assert_eq!(group_digits(61_440), "61,440");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1_000_000), "1,000,000");
        assert_eq!(percent(0.625), "62.5%");
        assert_eq!(divisors(12, 1024), vec![1, 2, 3, 4, 6, 12]);
        assert_eq!(divisors(12, 4), vec![1, 2, 3, 4]);
    }

    #[test]
    fn dedents() {
        let doc = dedent_doc(" ## What it does\n Checks things\n that matter.\n\n ## Why\n x\n");
        assert_eq!(
            doc,
            "## What it does\nChecks things\nthat matter.\n\n## Why\nx"
        );
    }
}
