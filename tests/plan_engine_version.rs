//! `serving.engine_version`: an unparsable version is SCH005 listing the known
//! versions; a version older than the engine defaults table is warning CAT011
//! naming the row used, a newer one info CAT012, and the plan says so;
//! provenance labels print the version a constant was calibrated on, never the
//! spec's; each row's defaults reach the plan.

mod common;

use memmath::diagnostics::{Finding, Severity};
use memmath::pipeline::Analysis;
use memmath::source::SourceFile;

const BASE: &str = include_str!("fixtures/valid_base.yaml");

fn with_version(v: &str) -> Analysis {
    let line = "engine_version: \"0.11\"";
    assert!(BASE.contains(line), "fixture lacks {line}");
    let text = BASE.replacen(line, &format!("engine_version: \"{v}\""), 1);
    common::analyze_source(SourceFile::new("v.yaml", text))
}

fn coded<'a>(a: &'a Analysis, code: &str) -> Vec<&'a Finding> {
    a.findings.iter().filter(|f| f.code == code).collect()
}

fn assumption<'a>(a: &'a Analysis, field: &str) -> Option<(&'a str, &'a str)> {
    a.plan.as_ref().and_then(|p| {
        p.assumptions
            .iter()
            .find(|x| x.field == field)
            .map(|x| (x.value.as_str(), x.source.as_str()))
    })
}

#[test]
fn an_unparsable_version_is_sch005_listing_the_known_ones() {
    for bad in ["banana", "0.", "v", "x.11"] {
        let a = with_version(bad);
        let f = coded(&a, "SCH005");
        assert_eq!(f.len(), 1, "{bad}: {:?}", a.findings);
        assert_eq!(f[0].pointer, "/serving/engine_version");
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0].span.is_some());
        assert!(
            f[0].message.contains("0.6-0.7, 0.8-0.13, 0.14-0.15"),
            "{}",
            f[0].message
        );
        assert!(a.plan.is_none(), "{bad}: planned with a made-up version");
    }
}

#[test]
fn a_version_outside_the_table_warns_and_names_the_row_used() {
    let a = with_version("9.9");
    assert!(coded(&a, "CAT011").is_empty(), "{:?}", a.findings);
    let w = coded(&a, "CAT012");
    assert_eq!(w.len(), 1, "{:?}", a.findings);
    assert_eq!(w[0].severity, Severity::Info);
    assert_eq!(w[0].pointer, "/serving/engine_version");
    assert!(
        w[0].message.contains("vllm 9.9") && w[0].message.contains("newest row, vLLM 0.34"),
        "{}",
        w[0].message
    );
    let (value, source) = assumption(&a, "serving.engine_version").unwrap_or_else(|| {
        panic!(
            "no engine_version assumption: {:?}",
            a.plan.as_ref().map(|p| &p.assumptions)
        )
    });
    assert_eq!(value, "0.34");
    assert!(source.contains("9.9 is outside"), "{source}");

    let old = with_version("0.4.2");
    let w = coded(&old, "CAT011");
    assert_eq!(w.len(), 1, "{:?}", old.findings);
    assert_eq!(w[0].severity, Severity::Warning);
    assert!(w[0].message.contains("vLLM 0.6-0.7"), "{}", w[0].message);
    assert_eq!(
        assumption(&old, "serving.engine_version").map(|x| x.0),
        Some("0.6")
    );
}

#[test]
fn versions_in_the_table_pass_silently() {
    for v in [
        "0.6.3",
        "0.7",
        "0.11",
        "v0.10.1rc1",
        "0.21.0",
        "0.34.0",
        "0.27",
    ] {
        let a = with_version(v);
        assert!(coded(&a, "CAT011").is_empty(), "{v}: {:?}", a.findings);
        assert!(coded(&a, "CAT012").is_empty(), "{v}: {:?}", a.findings);
        assert!(coded(&a, "SCH005").is_empty(), "{v}: {:?}", a.findings);
        assert!(a.plan.is_some(), "{v}: {:?}", a.findings);
        assert!(assumption(&a, "serving.engine_version").is_none(), "{v}");
    }
}

#[test]
fn provenance_names_the_calibration_version_not_the_spec_version() {
    for v in ["9.9", "0.11", "0.21"] {
        let a = with_version(v);
        let (_, source) = assumption(&a, "runtime (non-torch)")
            .unwrap_or_else(|| panic!("{v}: no runtime assumption: {:?}", a.findings));
        assert!(
            source.starts_with("calibrated constant, vLLM 0.6:"),
            "{v}: {source}"
        );
        assert!(!source.contains(v) || v == "0.6", "{v}: {source}");
    }
}

/// The spec without `gpu_memory_utilization`, at version `v`.
fn defaults_at(v: &str) -> Analysis {
    let text = BASE
        .replacen(
            "engine_version: \"0.11\"",
            &format!("engine_version: \"{v}\""),
            1,
        )
        .replacen("  gpu_memory_utilization: 0.90\n", "", 1);
    common::analyze_source(SourceFile::new("v.yaml", text))
}

#[test]
fn each_row_sets_the_defaults_its_release_ships() {
    // (version, block size, fraction, CUDA graphs in the budget): read from
    // vllm/config/cache.py and vllm/envs.py of each release's sdist.
    for (v, block, fraction, graphs_in) in [
        ("0.7", "16", "0.90", false),
        ("0.11", "16", "0.90", false),
        ("0.19", "16", "0.90", false),
        ("0.20", "16", "0.92", true),
        ("0.30", "16", "0.92", true),
        ("0.34", "64", "1.00", true),
    ] {
        let a = defaults_at(v);
        assert_eq!(
            assumption(&a, "serving.block_size").map(|x| x.0),
            Some(block),
            "{v}"
        );
        assert_eq!(
            assumption(&a, "serving.gpu_memory_utilization").map(|x| x.0),
            Some(fraction),
            "{v}"
        );
        assert_eq!(
            assumption(&a, "cuda graphs (in budget)").is_some(),
            graphs_in,
            "{v}"
        );
        assert_eq!(
            assumption(&a, "cuda graphs (outside budget)").is_some(),
            !graphs_in,
            "{v}"
        );
    }
}

#[test]
fn the_extensible_cache_keeps_its_margin_free() {
    // vLLM 0.34, fraction unset (1.0): the budget stops max(1 GiB, 0.75 x
    // activation peak) short of the total (vllm/v1/worker/extensible_kv_cache.py).
    let a = defaults_at("0.34");
    let p = a.plan.as_ref().expect("plan");
    let total = p.per_gpu.total_bytes.get();
    let act = p.per_gpu.activation_peak_bytes.get();
    let margin = (1u64 << 30).max(act * 3 / 4);
    assert_eq!(p.per_gpu.budget_bytes.get(), total - margin);
    let others = p.per_gpu.weights_bytes.get() + act + p.per_gpu.runtime_bytes.get();
    assert_eq!(p.per_gpu.kv_cache_bytes, (total - margin - others) as i64);
}

#[test]
fn the_batch_defaults_follow_the_gpu_tier() {
    // 0.28+ give GPUs of 160 GiB or more 16384 tokens (vllm/engine/arg_utils.py).
    let big = BASE
        .replacen("memory: 79.19GiB", "memory: 178GiB", 1)
        .replacen("NVIDIA H100 80GB HBM3", "NVIDIA B200", 1)
        .replacen("engine_version: \"0.11\"", "engine_version: \"0.30\"", 1);
    let a = common::analyze_source(SourceFile::new("v.yaml", big.clone()));
    assert_eq!(
        assumption(&a, "serving.max_num_batched_tokens").map(|x| x.0),
        Some("16384")
    );
    let older = big.replacen("engine_version: \"0.30\"", "engine_version: \"0.27\"", 1);
    let a = common::analyze_source(SourceFile::new("v.yaml", older));
    assert_eq!(
        assumption(&a, "serving.max_num_batched_tokens").map(|x| x.0),
        Some("8192")
    );
}
