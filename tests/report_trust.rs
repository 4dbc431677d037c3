//! The report prints the plan's figures and the verdict follows the findings:
//! `parallelism.tensor: 3` on Llama-3.1-8B shows the KV heads per GPU the bytes
//! were computed with (ceil(8 / 3) = 3) and is blocked by PAR001; the Total row
//! is what the rows add up to; absurd sizes never print as negative or wrapped
//! numbers.

mod report_support;

use report_support as common;

use memmath::report::{build_set, plan_json, render, Format};

fn llama_8b_with(from: &str, to: &str) -> memmath::pipeline::Analysis {
    let text =
        std::fs::read_to_string(common::root().join("specs/llama-3.1-8b-h100.yaml")).unwrap();
    assert!(text.contains(from), "{from}");
    common::analyze_text("specs/llama-3.1-8b-h100.yaml", &text.replace(from, to))
}

fn md(a: &memmath::pipeline::Analysis) -> String {
    render(&build_set(&[a], "test"), Format::Markdown, None).unwrap()
}

fn html(a: &memmath::pipeline::Analysis) -> String {
    render(&build_set(&[a], "test"), Format::Html, None).unwrap()
}

/// `memmath diff` of two analyzed specs.
fn diff_of(
    base: &memmath::pipeline::Analysis,
    head: &memmath::pipeline::Analysis,
) -> memmath::report::diff::Diff {
    use memmath::report::diff::{diff, DiffSide};
    diff(
        &DiffSide::from_analysis(base),
        &DiffSide::from_analysis(head),
    )
}

#[test]
fn tensor_parallel_three_shows_the_heads_the_plan_used() {
    let a = llama_8b_with("  tensor: 1\n", "  tensor: 3\n");
    let plan = a.plan.as_ref().expect("planned");
    let kv = plan.kv_cache.as_ref().unwrap();
    // 32 layers x 2 x 3 heads x 128 x 2 B: the bytes use ceil(8 / 3) = 3 heads.
    assert_eq!(kv.bytes_per_token_per_gpu, 32 * 2 * 3 * 128 * 2);
    let out = md(&a);
    assert!(
        out.contains("- KV heads per GPU: ceil(8 / 3) = 3\n"),
        "{out}"
    );
    assert!(!out.contains("8 / 3 = 2"), "{out}");
    let j = plan_json(&a);
    assert_eq!(j["kv_cache"]["kv_heads_per_gpu"], serde_json::json!(3));
}

#[test]
fn an_error_that_stops_the_engine_blocks_the_verdict() {
    let a = llama_8b_with("  tensor: 1\n", "  tensor: 3\n");
    assert!(
        a.findings
            .iter()
            .any(|f| f.code == "PAR001" && f.severity == memmath::diagnostics::Severity::Error),
        "{:?}",
        a.findings
    );
    let out = md(&a);
    assert!(
        out.contains(
            "**Verdict: blocked.** the engine or the hardware refuses this configuration: PAR001 "
        ),
        "{out}"
    );
    assert!(!out.contains("Verdict: fits"), "{out}");
    let h = html(&a);
    assert!(h.contains("<strong>Blocked.</strong>"), "{h}");
    assert!(h.contains("verdict bad"), "{h}");
}

#[test]
fn the_total_row_is_the_sum_of_the_rows() {
    let a = common::example("llama-3.1-8b-h100");
    let out = md(&a);
    let total = out
        .lines()
        .find(|l| l.starts_with("| **Total** |"))
        .expect("total row");
    let j = plan_json(&a);
    let accounted = j["per_gpu"]["accounted_bytes"].as_i64().unwrap();
    assert_eq!(accounted, j["per_gpu"]["total_bytes"].as_i64().unwrap());
    assert!(total.contains("| 100.0% |"), "{total}");
    let sum: i64 = j["per_gpu"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bytes"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, accounted);
}

#[test]
fn absurd_parameter_counts_never_print_negative_weights() {
    let a = llama_8b_with(
        "  preset: llama-3.1-8b\n",
        "  preset: llama-3.1-8b\n  architecture:\n    parameters: 5000000000000000000\n",
    );
    for out in [md(&a), html(&a)] {
        for line in out.lines().filter(|l| l.contains("Weights")) {
            assert!(!line.contains("| -") && !line.contains(">-"), "{line}");
        }
        assert!(!out.contains("-9943930524"), "wrapped percentage");
        // Where the plan's signed KV figure saturates, the report says the
        // shortfall is larger than the printed figure instead of stating it.
        if a.plan
            .as_ref()
            .is_some_and(|p| p.per_gpu.kv_cache_bytes == i64::MIN)
        {
            assert!(out.contains("by more than 8589934592.00 GiB"), "{out}");
        }
        assert!(!out.contains("NaN") && !out.contains("inf%"));
    }
}

#[test]
fn a_huge_batch_never_wraps_the_svg() {
    let a = llama_8b_with(
        "  max_num_batched_tokens: 8192\n",
        "  max_num_batched_tokens: 4611686018427387904\n",
    );
    let h = html(&a);
    for w in h.split("width=\"").skip(1) {
        let v: f64 = w.split('"').next().unwrap().parse().unwrap_or(0.0);
        assert!((0.0..=640.0).contains(&v), "width {v}");
    }
}

/// The GPU total row says whether the catalogue's CUDA total was measured
/// (H100 SXM: a public torch OOM log) or derived (H200: NVML minus a reserve),
/// and the JSON plan carries the same basis.
#[test]
fn the_gpu_total_says_measured_or_derived() {
    let measured = llama_8b_with("gpu: h100-sxm-80gb", "gpu: h100-sxm-80gb");
    assert_eq!(measured.plan.as_ref().unwrap().gpu.total_basis, "measured");
    assert!(
        md(&measured).contains("| runtime-visible (CUDA) total, measured |"),
        "{}",
        md(&measured)
    );
    let derived = llama_8b_with("gpu: h100-sxm-80gb", "gpu: h200-141gb");
    let basis = &derived.plan.as_ref().unwrap().gpu.total_basis;
    assert!(basis.starts_with("derived: "), "{basis}");
    assert!(md(&derived).contains(&format!("runtime-visible (CUDA) total, {basis}")));
    assert!(
        md(&derived).contains(&format!(
            "- GPU total (CUDA-visible): 139.82 GiB ({basis})\n"
        )),
        "{}",
        md(&derived)
    );
    assert_eq!(plan_json(&derived)["gpu"]["total_basis"], basis.as_str());
}

/// A class longer than max_model_len is rejected by the engine (TRF006): the
/// plan says it holds none of them, the class does not fit, the verdict says
/// why, and MEM002 leaves it to TRF006. Before, the report printed "Verdict:
/// fits" and "Fits: yes, supported 28" beside the TRF006 error.
#[test]
fn a_class_longer_than_max_model_len_does_not_fit() {
    // rag needs 16,000 + 1,200 = 17,200 tokens at p99.
    let a = llama_8b_with("  max_model_len: 32768\n", "  max_model_len: 16384\n");
    let plan = a.plan.as_ref().expect("planned");
    let rag = plan.classes.iter().find(|c| c.name == "rag").unwrap();
    assert!(rag.rejected);
    assert!(!rag.fits);
    assert_eq!(rag.max_concurrency, 0);
    assert_eq!(rag.tokens_per_sequence, 17_200, "never capped");
    let codes: Vec<&str> = a.findings.iter().map(|f| f.code.as_str()).collect();
    assert!(codes.contains(&"TRF006"), "{codes:?}");
    assert!(!codes.contains(&"MEM002"), "{codes:?}");
    let out = md(&a);
    assert!(out.contains("**Verdict: does not fit.**"), "{out}");
    assert!(
        out.contains("the engine rejects every request of class rag (17,200 tokens): longer than max\\_model\\_len 16,384 (see TRF006)"),
        "{out}"
    );
}

/// `diff` carries the report's verdict status: a blocked head is "blocked" in
/// the diff as in the report, not merely "does not fit".
#[test]
fn diff_says_blocked_where_the_report_does() {
    use memmath::report::diff::{to_json, to_markdown};
    let base = llama_8b_with("  tensor: 1\n", "  tensor: 1\n");
    let head = llama_8b_with("  tensor: 1\n", "  tensor: 3\n");
    assert!(md(&head).contains("**Verdict: blocked.**"));
    let d = diff_of(&base, &head);
    assert_eq!(d.base.status, "fits");
    assert_eq!(d.head.status, "blocked");
    assert_eq!(to_json(&d)["head"]["status"], "blocked");
    let out = to_markdown(&d);
    assert!(out.contains("(blocked)"), "{out}");
    assert!(d.headline.contains("now blocked"), "{}", d.headline);
}

/// TRF001 (an unsized class) is named by the verdict, never counted as a
/// phantom "other error finding".
#[test]
fn an_unsized_class_is_named_not_counted_as_another_error() {
    let text =
        std::fs::read_to_string(common::root().join("tests/fixtures/rules/TRF001.yaml")).unwrap();
    let a = common::analyze_text("tests/fixtures/rules/TRF001.yaml", &text);
    let out = md(&a);
    assert!(out.contains("TRF001 average-token-lengths"), "{out}");
    assert!(out.contains("cannot be judged"), "{out}");
    assert!(!out.contains("other error finding"), "{out}");
}

/// Under pipeline parallelism the KV-per-token step names the layers the
/// result was computed with: 32 layers over 3 stages are 10, 11, 11 (vLLM
/// `get_pp_indices` gives the remainder to the stages before the last), and
/// the bottleneck stage caches 2 x 8 x 128 x 2 B x 11 = 45,056 B per token.
/// Before, the step printed "layers: 32" above that result.
#[test]
fn pipeline_stages_show_the_layers_on_the_gpu() {
    let a = llama_8b_with("  pipeline: 1\n", "  pipeline: 3\n");
    let kv = a.plan.as_ref().unwrap().kv_cache.clone().unwrap();
    assert_eq!(kv.layers_per_gpu, 11);
    assert_eq!(kv.bytes_per_token_per_gpu, 2 * 8 * 128 * 2 * 11);
    let out = md(&a);
    assert!(
        out.contains("- layers on this GPU: 11 of 32 (the pipeline stage with the most)\n"),
        "{out}"
    );
    assert!(!out.contains("- layers: 32\n"), "{out}");
}

/// Counts print with thousands separators everywhere, GPU counts included
/// (before: "on 1 node of 1000000").
#[test]
fn gpu_counts_are_grouped() {
    let a = llama_8b_with("  gpus_per_node: 8\n", "  gpus_per_node: 1000000\n");
    let out = md(&a);
    assert!(out.contains("on 1 node of 1,000,000 |"), "{out}");
}

/// No memory amount prints negative: an engine that cannot start shows its
/// KV pool as "none (X short)" in the steps, the diff and the tables.
#[test]
fn no_negative_memory_anywhere() {
    use memmath::report::diff::to_markdown;
    let negative_gib = |text: &str| {
        text.match_indices(" GiB").any(|(i, _)| {
            let num: String = text[..i]
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
                .collect();
            text[..i - num.len()].ends_with('-') && !text[..i - num.len()].ends_with("+-")
        })
    };
    let ok = llama_8b_with(
        "gpu_memory_utilization: 0.90",
        "gpu_memory_utilization: 0.90",
    );
    let bad = llama_8b_with(
        "gpu_memory_utilization: 0.90",
        "gpu_memory_utilization: 0.05",
    );
    assert!(bad.plan.as_ref().unwrap().per_gpu.kv_cache_bytes < 0);
    let out = md(&bad);
    assert!(out.contains("- Result: **none ("), "{out}");
    assert!(out.contains("- KV pool per GPU: none ("), "{out}");
    assert!(!negative_gib(&out), "{out}");
    let d = to_markdown(&diff_of(&ok, &bad));
    assert!(d.contains("| KV cache | "), "{d}");
    assert!(d.contains("| none ("), "{d}");
    // The delta column is a change, not an amount: it may be negative.
    let without_deltas: String = d
        .lines()
        .map(|l| l.rsplit_once(" | ").map_or(l, |(head, _)| head))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!negative_gib(&without_deltas), "{d}");
}

/// A max_model_len that no longer fits the KV cache stops the engine (MEM003);
/// the diff headline says so, as the report's verdict does.
#[test]
fn diff_headline_says_the_engine_no_longer_starts_on_mem003() {
    let ok = llama_8b_with(
        "gpu_memory_utilization: 0.90",
        "gpu_memory_utilization: 0.90",
    );
    let bad = llama_8b_with(
        "gpu_memory_utilization: 0.90",
        "gpu_memory_utilization: 0.21",
    );
    let plan = bad.plan.as_ref().unwrap();
    let kv = plan.kv_cache.as_ref().unwrap();
    assert!(plan.per_gpu.kv_cache_bytes > 0 && kv.max_model_len > kv.max_model_len_that_fits);
    let d = diff_of(&ok, &bad);
    assert!(
        d.headline.contains(
            "the engine no longer starts (max_model_len 32,768 no longer fits its KV cache)"
        ),
        "{}",
        d.headline
    );
}

/// With no KV pool, a class's pool share is infinite: the JSON plan writes
/// `null` (not 1.79e308) and a JSON plan with it reads back (diff input).
#[test]
fn an_infinite_pool_share_is_null_in_json() {
    let bad = llama_8b_with(
        "gpu_memory_utilization: 0.90",
        "gpu_memory_utilization: 0.05",
    );
    let plan = bad.plan.as_ref().unwrap();
    assert!(plan.classes.iter().all(|c| c.pool_share.is_infinite()));
    let json = plan_json(&bad);
    assert!(json["classes"][0]["pool_share"].is_null(), "{json}");
    let back: memmath::plan::Plan = serde_json::from_value(json).expect("reads back");
    assert!(back.classes[0].pool_share.is_infinite());
    assert!(md(&bad).contains("\\>9999%"));
}

/// The diff's KV change compares the KV memory each side has: a pool below
/// zero has none, so a drop to "short" is -100% (before: -221%, its GiB and
/// percent of opposite signs), and two short sides differ by nothing.
#[test]
fn diff_kv_change_treats_a_short_pool_as_none() {
    use memmath::report::diff::to_markdown;
    let ok = llama_8b_with(
        "gpu_memory_utilization: 0.90",
        "gpu_memory_utilization: 0.90",
    );
    let short = llama_8b_with(
        "gpu_memory_utilization: 0.90",
        "gpu_memory_utilization: 0.05",
    );
    let shorter = llama_8b_with(
        "gpu_memory_utilization: 0.90",
        "gpu_memory_utilization: 0.04",
    );
    let kv_row = |a: &memmath::pipeline::Analysis, b: &memmath::pipeline::Analysis| {
        let d = diff_of(a, b);
        let r = d
            .per_gpu
            .iter()
            .find(|r| r.key == "per_gpu.kv_cache_bytes")
            .unwrap()
            .clone();
        (r, to_markdown(&d))
    };
    let (r, md) = kv_row(&ok, &short);
    assert!(r.head.unwrap() < 0, "the JSON keeps the signed figure");
    assert_eq!(r.change, Some(-1.0), "{md}");
    assert!(md.contains("(-100%) |"), "{md}");
    let (r, _) = kv_row(&short, &shorter);
    assert_eq!(r.delta, Some(0));
}
