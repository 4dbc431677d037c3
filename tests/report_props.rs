//! Property test: Markdown and HTML reports of extreme plans. Whatever byte
//! counts, shares and token counts a plan holds (a computed plan pushed to the
//! edges of its types, as a hand-edited JSON plan can be), rendering never
//! panics (debug builds check overflow), never prints a negative size for a
//! quantity that cannot be negative, never prints NaN or infinity, and never
//! draws an SVG segment wider than its bar.

mod report_support;

use memmath::pipeline::Analysis;
use memmath::plan::Plan;
use memmath::report::{build_set, render, Format};
use memmath::units::Bytes;
use proptest::prelude::*;
use report_support as common;
use std::sync::OnceLock;

/// The serving and training fixtures, planned once.
fn fixtures() -> &'static (Analysis, Analysis) {
    static F: OnceLock<(Analysis, Analysis)> = OnceLock::new();
    F.get_or_init(|| {
        (
            common::analysis("serving-dense"),
            common::analysis("training"),
        )
    })
}

fn copy(a: &Analysis) -> Analysis {
    Analysis {
        source: a.source.clone(),
        doc: None,
        spec: a.spec.clone(),
        resolved: a.resolved.clone(),
        plan: a.plan.clone(),
        findings: a.findings.clone(),
        live: a.live.clone(),
        deployment: a.deployment.clone(),
    }
}

/// A byte count drawn toward the edges: 0, small, around 2^63, near u64::MAX.
fn edge_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        0u64..1 << 40,
        (1u64 << 62)..(1u64 << 63).saturating_add(1 << 62),
        (u64::MAX - (1 << 20))..=u64::MAX,
    ]
}

fn edge_i64() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(i64::MIN),
        Just(i64::MAX),
        any::<i64>(),
        -(1i64 << 40)..(1i64 << 40)
    ]
}

fn edge_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::MAX),
        Just(-1.0),
        0.0f64..3.0,
    ]
}

#[derive(Debug, Clone)]
struct Edges {
    bytes: [u64; 8],
    kv: i64,
    tokens: [u64; 4],
    shares: [f64; 2],
}

fn edges() -> impl Strategy<Value = Edges> {
    (
        proptest::array::uniform8(edge_u64()),
        edge_i64(),
        proptest::array::uniform4(edge_u64()),
        proptest::array::uniform2(edge_f64()),
    )
        .prop_map(|(bytes, kv, tokens, shares)| Edges {
            bytes,
            kv,
            tokens,
            shares,
        })
}

fn push_to_edges(plan: &mut Plan, e: &Edges) {
    let b = |i: usize| Bytes(e.bytes[i]);
    let p = &mut plan.per_gpu;
    p.total_bytes = b(0);
    p.budget_bytes = b(1);
    p.weights_bytes = b(2);
    p.activation_peak_bytes = b(3);
    p.runtime_bytes = b(4);
    p.free_bytes = b(5);
    p.cuda_graphs_outside_budget_bytes = b(6);
    p.kv_cache_bytes = e.kv;
    plan.weights.total_bytes = b(7);
    plan.host.load_peak_bytes = b(7);
    if let Some(k) = &mut plan.kv_cache {
        k.max_model_len = e.tokens[0];
        k.bytes_per_token_per_gpu = e.tokens[1];
        k.max_model_len_that_fits = e.tokens[2];
        k.capacity_tokens = e.tokens[3];
        k.block_size = e.tokens[2] % 4;
        k.max_concurrency = e.shares[0];
    }
    for (i, c) in plan.classes.iter_mut().enumerate() {
        c.pool_share = e.shares[i % 2];
        c.tokens_per_sequence = e.tokens[i];
        c.kv_bytes_per_sequence = e.bytes[i + 2];
    }
    if let Some(t) = &mut plan.training {
        t.weights_bytes = b(2);
        t.gradients_bytes = b(3);
        t.optimizer_bytes = b(5);
        t.activations_bytes = b(6);
        t.total_bytes = b(7);
        for z in &mut t.per_zero_stage {
            z.total_bytes = b(7);
        }
    }
}

/// Rows naming a quantity that is never negative.
const UNSIGNED_ROWS: &[&str] = &[
    "Weights",
    "Activations",
    "Runtime",
    "Free",
    "Gradients",
    "Optimizer",
];

fn check(out: &str) -> Result<(), TestCaseError> {
    for bad in ["NaN", "inf%", "inf GiB", "-inf"] {
        let at = out.find(bad).unwrap_or(0);
        prop_assert!(
            !out.contains(bad),
            "{bad} in the output: {}",
            &out[at.saturating_sub(120)..(at + 40).min(out.len())]
        );
    }
    for line in out.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() > 2 && UNSIGNED_ROWS.iter().any(|r| cells[1].starts_with(r)) {
            let negative = cells[2].starts_with('-') && cells[2].len() > 1;
            prop_assert!(!negative, "negative size: {line}");
        }
        if line.contains("<td>") {
            for r in UNSIGNED_ROWS {
                if line.contains(&format!("<tr><td>{r}")) {
                    // `-` alone is a share of a zero total; `-` then a digit
                    // would be a negative size.
                    let negative = line
                        .split("class=\"n\">-")
                        .skip(1)
                        .any(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
                    prop_assert!(!negative, "negative size: {line}");
                }
            }
        }
    }
    for w in out.split(" width=\"").skip(1) {
        let v: f64 = w.split('"').next().unwrap_or("0").parse().unwrap_or(0.0);
        prop_assert!((0.0..=640.0).contains(&v), "SVG width {v}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn extreme_plans_render_without_panic_or_wrapped_figures(e in edges(), training in any::<bool>()) {
        let (serving, train) = fixtures();
        let mut a = copy(if training { train } else { serving });
        push_to_edges(a.plan.as_mut().expect("planned"), &e);
        let set = build_set(&[&a], "test");
        for format in [Format::Markdown, Format::Html] {
            let out = render(&set, format, None).expect("renders");
            check(&out)?;
        }
        let j = memmath::report::plan_json(&a);
        prop_assert!(j["per_gpu"]["components"].is_array());
    }
}
