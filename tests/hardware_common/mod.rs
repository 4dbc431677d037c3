//! Shared builders for the hardware tests: a spec, its resolved model and GPU,
//! a plan and NVML-like devices, constructed directly (serde from JSON) so the
//! checks are tested without the parser, the catalogue or the memory math.
#![allow(dead_code)]

use memmath::catalog::Resolved;
use memmath::hardware::{DeviceMemory, DeviceSnapshot, MigState, ProcessSnapshot, Snapshot};
use memmath::plan::Plan;
use memmath::spec::Spec;
use memmath::units::{Bytes, GIB, MIB};
use serde_json::{json, Value};

/// NVML's total of an H100 SXM 80GB (81,559 MiB).
pub const H100_NVML: u64 = 81_559 * MIB;
/// CUDA-visible total of the same board (81,091 MiB, about 79.19 GiB).
pub const H100_CUDA: u64 = 81_091 * MIB;

/// A one-replica vLLM spec: tensor `tp`, fp8 weights when `fp8`.
pub fn spec_json(tp: u64) -> Value {
    json!({
        "apiVersion": "memmath/v1",
        "kind": "Serving",
        "metadata": {"name": "hw-test"},
        "model": {"weights": {"dtype": "bf16"}},
        "hardware": {"gpu": "h100-sxm-80gb", "gpus_per_node": 8, "nodes": 1},
        "parallelism": {"tensor": tp},
        "serving": {"engine": "vllm", "replicas": 1, "max_model_len": 8192,
                    "gpu_memory_utilization": 0.9}
    })
}

pub fn spec(v: Value) -> Spec {
    serde_json::from_value(v).expect("test spec deserializes")
}

/// The catalogue's H100 SXM: both totals known.
pub fn resolved_json() -> Value {
    json!({
        "model": {
            "architecture": {
                "layers": 32, "hidden_size": 4096, "intermediate_size": 14336,
                "attention_heads": 32, "kv_heads": 8, "head_dim": 128, "vocab_size": 128256,
                "tie_word_embeddings": false, "max_position_embeddings": 131072,
                "parameters": null, "gated_mlp": true, "attention_bias": false,
                "moe": null, "mla": null, "sliding_window": null
            },
            "source": {"kind": "inline"},
            "weights": {"dtype": "bf16", "quantization": "none", "group_size": null},
            "exact_weights": null
        },
        "gpu": {
            "id": "h100-sxm-80gb", "name": "NVIDIA H100 80GB HBM3",
            "memory_bytes": H100_CUDA, "nvml_memory_bytes": H100_NVML,
            "marketing_memory": "80 GB", "compute_capability": "9.0",
            "architecture": "hopper", "fp8": true, "fp4": false, "source": "test"
        }
    })
}

pub fn resolved(v: Value) -> Resolved {
    serde_json::from_value(v).expect("test resolved deserializes")
}

/// A vLLM-like plan on `total` bytes: budget 90%, 15 GiB weights, 1 GiB
/// activations, 0.5 GiB runtime, the rest KV at 128 KiB per token.
pub fn plan_for(total: u64, total_gpus: u64) -> Plan {
    let budget = total / 10 * 9;
    let used = 15 * GIB + GIB + GIB / 2;
    let kv = budget as i64 - used as i64;
    let tokens = if kv > 0 { kv as u64 / (128 * 1024) } else { 0 };
    serde_json::from_value(json!({
        "name": "hw-test", "kind": "Serving",
        "gpu": {"id": "h100-sxm-80gb", "name": "NVIDIA H100 80GB HBM3", "total_bytes": total,
                "gpus_per_replica": total_gpus, "replicas": 1, "total_gpus": total_gpus,
                "engine_instances_per_replica": 1, "nodes": 1, "gpus_per_node": 8},
        "model": {"source": "inline", "parameters": 8_000_000_000u64, "parameters_source": "formula",
                  "active_parameters": 8_000_000_000u64, "layers": 32, "hidden_size": 4096,
                  "attention_heads": 32, "kv_heads": 8, "head_dim": 128, "vocab_size": 128256,
                  "max_position_embeddings": 131072, "attention": "gqa"},
        "weights": {"exact": false, "dtype": "bf16", "quantization": "none", "group_size": null,
                    "bits_per_weight": 16.0, "total_bytes": 15 * GIB, "unquantized_bytes": 0,
                    "per_gpu_bytes": 15 * GIB, "sharding": "tp"},
        "per_gpu": {"total_bytes": total, "budget_bytes": budget, "weights_bytes": 15 * GIB,
                    "activation_peak_bytes": GIB, "runtime_bytes": GIB / 2,
                    "kv_cache_bytes": kv, "free_bytes": total - budget, "memory_fraction": 0.9},
        "kv_cache": {"dtype": "bf16", "block_size": 16, "max_model_len": 8192,
                     "bytes_per_token_per_gpu": 131072, "bytes_per_token": 131072,
                     "num_blocks": tokens / 16, "capacity_tokens": tokens,
                     "max_concurrency": tokens as f64 / 8192.0,
                     "max_model_len_that_fits": tokens.min(131072),
                     "deployment_capacity_tokens": tokens},
        "classes": [],
        "host": {"load_peak_bytes": 0, "available_bytes": null, "workers_per_node": 1, "staging": "mmap"},
        "training": null,
        "assumptions": []
    }))
    .expect("test plan deserializes")
}

/// Stand-in for `plan::compute`: the same plan shape on the resolved GPU's memory.
pub fn fake_compute(
    spec: &Spec,
    resolved: &Resolved,
) -> Result<Plan, Box<memmath::diagnostics::Finding>> {
    let gpus = spec.parallelism.tensor * spec.parallelism.pipeline * spec.parallelism.data;
    Ok(plan_for(resolved.gpu.memory_bytes.0, gpus))
}

/// An idle H100 as NVML reports it.
pub fn h100(index: u32) -> DeviceSnapshot {
    let reserved = H100_NVML - H100_CUDA;
    let used = 4 * MIB;
    DeviceSnapshot {
        index,
        name: "NVIDIA H100 80GB HBM3".into(),
        uuid: Some(format!("GPU-00000000-0000-0000-0000-00000000000{index}")),
        memory: DeviceMemory {
            total_bytes: Bytes(H100_NVML),
            free_bytes: Bytes(H100_NVML - reserved - used),
            used_bytes: Bytes(used),
            reserved_bytes: Some(Bytes(reserved)),
        },
        compute_capability: Some("9.0".into()),
        mig: Some(MigState {
            current: false,
            pending: false,
        }),
        processes: Some(Vec::new()),
    }
}

/// A process holding `mib` MiB.
pub fn process(pid: u32, name: &str, mib: u64) -> ProcessSnapshot {
    ProcessSnapshot {
        pid,
        name: Some(name.into()),
        used_bytes: Some(Bytes(mib * MIB)),
    }
}

pub fn snapshot(devices: Vec<DeviceSnapshot>) -> Snapshot {
    let mut s = Snapshot::new("test");
    s.driver_version = Some("550.54.15".into());
    s.cuda_driver_version = Some("12.4".into());
    s.devices = devices;
    s
}
