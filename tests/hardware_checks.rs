//! Fake-probe tests for every HW code: each fires on a constructed machine and
//! stays quiet on the nearest machine that should pass.

mod hardware_common;

use hardware_common::*;
use memmath::diagnostics::{Finding, Severity};
use memmath::hardware::{check_with, LiveInputs, LiveReport, MigState, Snapshot};
use memmath::plan;
use memmath::units::{Bytes, GIB, MIB};
use serde_json::{json, Value};

/// The checks on `plan::compute`'s plan of the spec, with the real
/// `plan::compute` for HW004's re-plan.
fn run(spec_v: Value, resolved_v: Value, snap: &Snapshot) -> LiveReport {
    let spec = spec(spec_v);
    let resolved = resolved(resolved_v);
    let plan = plan_of(&spec, &resolved);
    check_with(
        LiveInputs {
            spec: &spec,
            resolved: &resolved,
            plan: Some(&plan),
        },
        snap,
        plan::compute,
    )
}

fn codes(r: &LiveReport, code: &str) -> Vec<Finding> {
    r.findings
        .iter()
        .filter(|f| f.code == code)
        .cloned()
        .collect()
}

fn idle(n: u32) -> Snapshot {
    snapshot((0..n).map(h100).collect())
}

#[test]
fn idle_matching_machine_has_no_findings() {
    let r = run(spec_json(4), resolved_json(), &idle(8));
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.section.device_count, 8);
    assert_eq!(r.section.gpus_needed_per_node, 4);
    let used: Vec<bool> = r.section.devices.iter().map(|d| d.used_by_spec).collect();
    assert_eq!(used, [true, true, true, true, false, false, false, false]);
}

#[test]
fn hw001_fires_on_another_model_and_groups_devices() {
    let mut snap = idle(2);
    for d in &mut snap.devices {
        d.name = "NVIDIA A100-SXM4-80GB".into();
    }
    let r = run(spec_json(2), resolved_json(), &snap);
    let f = codes(&r, "HW001");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].name, "gpu-model-mismatch");
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(f[0].pointer, "/hardware/gpu");
    assert!(f[0]
        .message
        .contains("GPUs 0 and 1 are `NVIDIA A100-SXM4-80GB`"));
    assert!(f[0].message.contains("h100-sxm-80gb"));
}

#[test]
fn hw001_pcie_is_not_sxm_but_nvml_sxm_name_matches() {
    let mut snap = idle(1);
    snap.devices[0].name = "NVIDIA H100 PCIe".into();
    assert_eq!(
        codes(&run(spec_json(1), resolved_json(), &snap), "HW001").len(),
        1
    );
    // NVML's SXM name never says SXM: the near miss must pass.
    let r = run(spec_json(1), resolved_json(), &idle(1));
    assert!(codes(&r, "HW001").is_empty());
}

#[test]
fn hw001_catalogue_names_compare_strictly_inline_names_leniently() {
    // The catalogue's H100 SXM name is NVML's; an H100 NVL is another board.
    let mut snap = idle(1);
    snap.devices[0].name = "NVIDIA H100 NVL".into();
    assert_eq!(
        codes(&run(spec_json(1), resolved_json(), &snap), "HW001").len(),
        1
    );
    // A user's inline `H100 SXM 80GB` matches NVML's SXM name.
    let mut v = resolved_json();
    v["gpu"]["id"] = json!("inline");
    v["gpu"]["name"] = json!("H100 SXM 80GB");
    assert!(codes(&run(spec_json(1), v.clone(), &idle(1)), "HW001").is_empty());
    let f = codes(&run(spec_json(1), v, &snap), "HW001");
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message.contains("plans for `H100 SXM 80GB`:"),
        "{}",
        f[0].message
    );
}

#[test]
fn hw002_fires_when_the_node_has_fewer_gpus() {
    let r = run(spec_json(4), resolved_json(), &idle(3));
    let f = codes(&r, "HW002");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].name, "gpu-count-below-spec");
    assert_eq!(f[0].pointer, "/hardware/gpus_per_node");
    assert!(f[0].message.contains("places 4 GPUs"), "{}", f[0].message);
    assert!(f[0].message.contains("NVML sees 3"));
    assert!(f[0].message.contains("1 short"));
    // Near miss: exactly as many GPUs as needed.
    assert!(codes(&run(spec_json(4), resolved_json(), &idle(4)), "HW002").is_empty());
}

#[test]
fn hw002_without_a_plan_counts_from_the_spec() {
    let mut v = spec_json(2);
    v["serving"]["replicas"] = json!(2);
    let spec = spec(v);
    let resolved = resolved(resolved_json());
    let r = check_with(
        LiveInputs {
            spec: &spec,
            resolved: &resolved,
            plan: None,
        },
        &idle(3),
        plan::compute,
    );
    assert_eq!(codes(&r, "HW002").len(), 1);
    assert!(r.section.replan.is_none());
    assert!(codes(&r, "HW003").is_empty());
}

/// An H100 with `held` MiB taken by other processes.
fn busy(held_mib: u64) -> Snapshot {
    let mut snap = idle(1);
    let d = &mut snap.devices[0];
    d.memory.used_bytes = Bytes(d.memory.used_bytes.0 + held_mib * MIB);
    d.memory.free_bytes = Bytes(d.memory.free_bytes.0 - held_mib * MIB);
    d.processes = Some(vec![
        process(977, "jupyter-lab", 512),
        process(4242, "python3", held_mib - 512),
    ]);
    snap
}

#[test]
fn hw003_fires_and_names_the_processes() {
    let r = run(spec_json(1), resolved_json(), &busy(39_424));
    let f = codes(&r, "HW003");
    assert_eq!(f.len(), 1, "{:#?}", r.findings);
    let f = &f[0];
    assert_eq!(f.name, "free-memory-below-plan");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.pointer, "/serving/gpu_memory_utilization");
    // Largest holder first, with MiB.
    assert!(
        f.message
            .contains("held by pid 4242 `python3` (38,912 MiB), pid 977 `jupyter-lab` (512 MiB)"),
        "{}",
        f.message
    );
    assert!(f.message.contains("the engine refuses to start"));
    // free = 84,943,715,696 - (4 + 39,424) MiB = 43,600,461,168 bytes of
    // 84,943,715,696: 0.513, so 0.51 fits.
    let fix = f.fix.as_deref().unwrap_or_default();
    assert!(
        fix.contains("gpu_memory_utilization to 0.51 or lower"),
        "{fix}"
    );
    let d = &r.section.devices[0];
    assert!(d.free_minus_need_bytes.is_some_and(|x| x < 0));
}

#[test]
fn hw003_boundary_is_the_budget_exactly() {
    // floor(84,943,715,696 x 0.90) = 76,449,344,126 bytes.
    let budget = plan_on(H100_CUDA, 1).per_gpu.budget_bytes;
    assert_eq!(budget, Bytes(76_449_344_126));
    let mut snap = idle(1);
    snap.devices[0].memory.free_bytes = budget;
    assert!(codes(&run(spec_json(1), resolved_json(), &snap), "HW003").is_empty());
    snap.devices[0].memory.free_bytes = Bytes(budget.0 - 1);
    assert_eq!(
        codes(&run(spec_json(1), resolved_json(), &snap), "HW003").len(),
        1
    );
}

#[test]
fn hw003_only_checks_the_gpus_the_spec_uses() {
    let mut snap = idle(8);
    snap.devices[6] = busy(60_000).devices[0].clone();
    snap.devices[6].index = 6;
    assert!(codes(&run(spec_json(4), resolved_json(), &snap), "HW003").is_empty());
}

#[test]
fn hw003_says_when_processes_are_unknown_and_tensorrt_is_a_warning() {
    let mut snap = busy(50_000);
    snap.devices[0].processes = None;
    let mut v = spec_json(1);
    v["serving"]["engine"] = json!("tensorrt-llm");
    let f = codes(&run(v, resolved_json(), &snap), "HW003");
    assert_eq!(f[0].severity, Severity::Warning);
    assert!(f[0].message.contains("NVML could not list the processes"));
    assert!(f[0].message.contains("smaller than planned"));
}

/// H100 resolved, device reporting `nvml_total` bytes in NVML (reserved as the
/// catalogue's difference).
fn sized(nvml_total: u64) -> Snapshot {
    let mut snap = idle(1);
    let d = &mut snap.devices[0];
    let reserved = d.memory.reserved_bytes.map_or(0, |r| r.0);
    d.memory.total_bytes = Bytes(nvml_total);
    d.memory.free_bytes = Bytes(nvml_total - reserved - d.memory.used_bytes.0);
    snap
}

#[test]
fn hw004_tolerance_is_one_percent_of_the_catalogue_figure() {
    let edge = H100_NVML + H100_NVML / 100;
    assert!(codes(&run(spec_json(1), resolved_json(), &sized(edge)), "HW004").is_empty());
    let f = codes(
        &run(spec_json(1), resolved_json(), &sized(edge + 1)),
        "HW004",
    );
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].name, "gpu-memory-differs-from-catalog");
    assert_eq!(f[0].severity, Severity::Warning);
    assert!(
        f[0].message.contains("+1.0%, tolerance 1%)"),
        "{}",
        f[0].message
    );
}

#[test]
fn hw004_replans_on_the_measured_memory() {
    // An H100 NVL (95,830 MiB in NVML) where the spec says H100 SXM.
    let nvml = 95_830 * MIB;
    let r = run(spec_json(1), resolved_json(), &sized(nvml));
    let f = codes(&r, "HW004");
    assert_eq!(f.len(), 1);
    // CUDA-visible = NVML total - the catalogue's difference (81,559 MiB -
    // 79.11 GiB = 577,094,288 bytes) = 99,907,943,792 bytes.
    let cuda = nvml - (H100_NVML - H100_CUDA);
    assert_eq!(cuda, 99_907_943_792);
    let expected = plan_on(cuda, 1);
    let planned = plan_on(H100_CUDA, 1);
    // By hand, vLLM's budget arithmetic on each total: budget = floor(total x
    // 0.90); KV = budget - weights - activations - runtime; blocks = floor(KV /
    // (16 tokens x 131,072 bytes)), 131,072 = 2 (K, V) x 8 KV heads x 128 x 2
    // bytes (BF16) x 32 layers; tokens = blocks x 16.
    // The activation peak is vLLM 0.11's sampler warm-up (src/plan/sampler.rs,
    // top-k/top-p by sort, which peaks in the sort at 38 B per logit): 38 x
    // 1024 x 128,256 + (8192 + 2 x 1024) x 4096 x 2 = 5,074,583,552 bytes.
    let others = 16_060_522_496 + 5_074_583_552 + 375_390_208;
    for (plan, total, budget, blocks) in [
        (&planned, H100_CUDA, 76_449_344_126u64, 26_196u64),
        (&expected, cuda, 89_917_149_412, 32_618),
    ] {
        let g = &plan.per_gpu;
        // 16,060,522,496 = 8,030,261,248 parameters x 2 bytes.
        let used = g.weights_bytes.0 + g.activation_peak_bytes.0 + g.runtime_bytes.0;
        assert_eq!(used, others);
        assert_eq!(budget, total * 9 / 10);
        assert_eq!(g.budget_bytes, Bytes(budget));
        assert_eq!(g.kv_cache_bytes, (budget - others) as i64);
        let kv = plan.kv_cache.as_ref().expect("serving plan");
        assert_eq!(kv.bytes_per_token_per_gpu, 2 * 8 * 128 * 2 * 32);
        assert_eq!(blocks, (budget - others) / (16 * 131_072));
        assert_eq!((kv.num_blocks, kv.capacity_tokens), (blocks, blocks * 16));
    }
    let tokens = |p: &memmath::plan::Plan| p.kv_cache.as_ref().map(|k| k.capacity_tokens);
    let rp = r.section.replan.as_ref().expect("re-plan summary");
    assert!(rp.differs_from_plan);
    assert_eq!(rp.cuda_total_bytes, Bytes(cuda));
    assert_eq!(
        rp.measured_kv_cache_bytes,
        Some(expected.per_gpu.kv_cache_bytes)
    );
    assert_eq!(rp.measured_capacity_tokens, tokens(&expected));
    assert_eq!(rp.planned_capacity_tokens, tokens(&planned));
    assert!(f[0].message.contains("95,830 MiB"), "{}", f[0].message);
    assert!(f[0].message.contains("81,559 MiB"));
    assert!(f[0].message.contains("re-planned on GPU 0's measured"));
    let grouped = |n: u64| {
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    let want = format!(
        "{} tokens per engine instance (planned {})",
        grouped(tokens(&expected).unwrap_or(0)),
        grouped(tokens(&planned).unwrap_or(0))
    );
    assert!(
        f[0].message.contains(&want),
        "{}\nwant: {want}",
        f[0].message
    );
}

#[test]
fn hw004_replan_budget_feeds_hw003() {
    // A bigger board: its re-planned budget (floor(99,907,943,792 x 0.90) =
    // 89,917,149,412 bytes) is above the planned 76,449,344,126; free memory
    // between the two (planned + 1 GiB) must fire HW003.
    let nvml = 95_830 * MIB;
    let mut snap = sized(nvml);
    let planned_budget = plan_on(H100_CUDA, 1).per_gpu.budget_bytes;
    snap.devices[0].memory.free_bytes = Bytes(planned_budget.0 + GIB);
    let r = run(spec_json(1), resolved_json(), &snap);
    let f = codes(&r, "HW003");
    assert_eq!(f.len(), 1, "{:#?}", r.findings);
    assert!(f[0].message.contains("re-planned on the measured memory"));
}

#[test]
fn hw004_is_an_error_when_the_replan_leaves_no_kv_cache() {
    // 16 GiB NVML: CUDA = 17,179,869,184 - 577,094,288 = 16,602,774,896;
    // budget = floor(x 0.90) = 14,942,497,406, below the 16,060,522,496 bytes
    // of BF16 weights alone: the re-plan's KV cache is negative.
    let r = run(spec_json(1), resolved_json(), &sized(16 * GIB));
    let rp = r.section.replan.as_ref().expect("re-plan summary");
    assert_eq!(rp.cuda_total_bytes, Bytes(16_602_774_896));
    assert!(
        rp.measured_kv_cache_bytes.is_some_and(|kv| kv < 0),
        "{rp:#?}"
    );
    let f = codes(&r, "HW004");
    assert_eq!(f[0].severity, Severity::Error);
    assert!(f[0].message.contains("will not start"));
}

#[test]
fn hw004_inline_gpu_compares_cuda_visible_estimates() {
    let mut v = resolved_json();
    v["gpu"] = json!({
        "id": "inline", "name": "H100 SXM 80GB", "memory_bytes": H100_CUDA,
        "nvml_memory_bytes": null, "marketing_memory": null, "compute_capability": "9.0",
        "architecture": null, "fp8": null, "fp4": null, "source": null
    });
    // NVML total minus reserved equals the spec's memory: no finding.
    assert!(codes(&run(spec_json(1), v.clone(), &idle(1)), "HW004").is_empty());
    // No reserved figure: NVML's total is 0.68% above the CUDA figure (81,559
    // MiB / 79.11 GiB), inside 1%.
    let mut snap = idle(1);
    snap.devices[0].memory.reserved_bytes = None;
    assert!(codes(&run(spec_json(1), v.clone(), &snap), "HW004").is_empty());
    // With nothing to subtract, NVML's total may sit up to 3% above (the
    // driver's reservation is ~1.5% of a 40 GB board), never 1% below.
    let mut snap = sized(H100_CUDA + H100_CUDA / 100 * 3);
    snap.devices[0].memory.reserved_bytes = None;
    assert!(codes(&run(spec_json(1), v.clone(), &snap), "HW004").is_empty());
    let mut snap = sized(H100_CUDA + H100_CUDA / 100 * 3 + MIB);
    snap.devices[0].memory.reserved_bytes = None;
    let f = codes(&run(spec_json(1), v.clone(), &snap), "HW004");
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains("3% above"), "{}", f[0].message);
    let mut snap = sized(H100_CUDA - H100_CUDA / 100 - MIB);
    snap.devices[0].memory.reserved_bytes = None;
    assert_eq!(
        codes(&run(spec_json(1), v.clone(), &snap), "HW004").len(),
        1
    );
    // A 40 GB board under an 80 GB inline spec fires.
    let f = codes(&run(spec_json(1), v, &sized(40_960 * MIB)), "HW004");
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message.contains("the spec's inline GPU"),
        "{}",
        f[0].message
    );
}

#[test]
fn hw005_fires_on_enabled_and_pending_mig() {
    let mut snap = idle(3);
    snap.devices[0].mig = Some(MigState {
        current: true,
        pending: true,
    });
    snap.devices[1].mig = Some(MigState {
        current: false,
        pending: true,
    });
    snap.devices[2].mig = None;
    let f = codes(&run(spec_json(3), resolved_json(), &snap), "HW005");
    assert_eq!(f.len(), 2, "{f:#?}");
    let err = f
        .iter()
        .find(|f| f.severity == Severity::Error)
        .expect("error");
    assert!(err.message.contains("MIG is enabled on GPU 0"));
    let warn = f
        .iter()
        .find(|f| f.severity == Severity::Warning)
        .expect("warning");
    assert!(warn.message.contains("GPU 1"));
    // Near miss: MIG supported and off everywhere.
    assert!(codes(&run(spec_json(3), resolved_json(), &idle(3)), "HW005").is_empty());
}

fn with_cc(cc: &str) -> Snapshot {
    let mut snap = idle(1);
    snap.devices[0].compute_capability = Some(cc.into());
    snap.devices[0].name = "NVIDIA H100 80GB HBM3".into();
    snap
}

fn fp8_weights() -> (Value, Value) {
    let mut s = spec_json(1);
    s["model"]["weights"] = json!({"dtype": "fp8", "quantization": "fp8"});
    let mut r = resolved_json();
    r["model"]["weights"] = json!({"dtype": "fp8", "quantization": "fp8", "group_size": null});
    (s, r)
}

#[test]
fn hw006_fp8_weights_below_8_9_fall_back_in_vllm() {
    let (s, r) = fp8_weights();
    let f = codes(&run(s.clone(), r.clone(), &with_cc("8.0")), "HW006");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].name, "dtype-unsupported-on-device");
    assert_eq!(f[0].severity, Severity::Warning);
    assert_eq!(f[0].pointer, "/model/weights/dtype");
    assert!(f[0].message.contains("Marlin"), "{}", f[0].message);
    // Near miss: Ada (8.9) has FP8.
    assert!(codes(&run(s.clone(), r.clone(), &with_cc("8.9")), "HW006").is_empty());
    // Turing: no fallback.
    let f = codes(&run(s, r, &with_cc("7.5")), "HW006");
    assert_eq!(f[0].severity, Severity::Error);
}

#[test]
fn hw006_tensorrt_has_no_fp8_fallback() {
    let (mut s, r) = fp8_weights();
    s["serving"]["engine"] = json!("tensorrt-llm");
    let f = codes(&run(s, r, &with_cc("8.6")), "HW006");
    assert_eq!(f[0].severity, Severity::Error);
    assert!(f[0].message.contains("no fallback"));
}

#[test]
fn hw006_fp4_needs_blackwell() {
    let mut s = spec_json(1);
    s["model"]["weights"] = json!({"quantization": "nvfp4"});
    let mut r = resolved_json();
    r["model"]["weights"] = json!({"dtype": "nvfp4", "quantization": "nvfp4", "group_size": 16});
    let f = codes(&run(s.clone(), r.clone(), &with_cc("9.0")), "HW006");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].pointer, "/model/weights/quantization");
    assert!(f[0].message.contains("FP4 weights (nvfp4)"));
    assert!(codes(&run(s, r, &with_cc("10.0")), "HW006").is_empty());
}

#[test]
fn hw006_fp8_kv_cache_below_8_9() {
    let mut s = spec_json(1);
    s["serving"]["kv_cache_dtype"] = json!("fp8");
    let f = codes(&run(s.clone(), resolved_json(), &with_cc("8.6")), "HW006");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].pointer, "/serving/kv_cache_dtype");
    assert_eq!(f[0].severity, Severity::Warning);
    assert!(codes(&run(s, resolved_json(), &with_cc("9.0")), "HW006").is_empty());
}

#[test]
fn findings_are_deterministic() {
    let mut snap = busy(39_424);
    snap.devices[0].name = "NVIDIA A100-SXM4-80GB".into();
    let a = run(spec_json(1), resolved_json(), &snap);
    let b = run(spec_json(1), resolved_json(), &snap);
    assert_eq!(a.findings, b.findings);
    assert_eq!(a.section, b.section);
}

#[test]
fn busy_fixture_gives_the_message_docs_hardware_md_shows() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/snapshots/h100x1-busy.json"
    );
    let text = std::fs::read_to_string(path).expect("fixture");
    let snap = Snapshot::from_json(&text).expect("parses");
    let f = codes(&run(spec_json(1), resolved_json(), &snap), "HW003");
    assert_eq!(f.len(), 1);
    // The planned budget: floor(84,943,715,696 x 0.90) = 76,449,344,126 bytes
    // = 71.20 GiB; 71.20 - 40.69 free = 30.51 GiB short.
    assert_eq!(
        plan_of(&spec(spec_json(1)), &resolved(resolved_json()))
            .per_gpu
            .budget_bytes,
        Bytes(76_449_344_126)
    );
    assert_eq!(
        f[0].message,
        "GPU 0 (`NVIDIA H100 80GB HBM3`) has 40.69 GiB free, the engine's per-GPU budget (planned) is 71.20 GiB: 30.51 GiB short, the engine refuses to start; 39,428 MiB in use, held by pid 4242 `python3` (38,912 MiB), pid 977 `jupyter-lab` (512 MiB)"
    );
    assert_eq!(
        f[0].fix.as_deref(),
        // 40.69 / 79.11 = 0.514: 0.51 fits.
        Some("free 30.51 GiB on GPU 0, or set gpu_memory_utilization to 0.51 or lower (what fits in 40.69 GiB free of 79.11 GiB); the KV cache shrinks with it")
    );
}
