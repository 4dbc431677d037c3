//! HW006 dtype-unsupported-on-device: FP8 weights or an FP8 KV cache on a GPU
//! below compute capability 8.9 (no FP8 tensor cores before Ada/Hopper), FP4
//! weights below 10.0 (Blackwell). Whether that is fatal depends on the engine:
//! vLLM falls back to weight-only Marlin kernels on Ampere (memory as planned,
//! slower matmuls; design.md section 6), TensorRT-LLM has no fallback.

use super::{fmt_gpus, parse_compute_capability, Ctx};
use crate::codes;
use crate::diagnostics::{Finding, Severity};
use crate::spec::{Engine, KvCacheDtype, Quantization, WeightDtype};

/// First compute capability with FP8 tensor cores (Ada Lovelace, Hopper).
const FP8_MIN: (u32, u32) = (8, 9);
/// First compute capability with FP4 tensor cores (Blackwell).
const FP4_MIN: (u32, u32) = (10, 0);
/// Marlin's weight-only kernels (vLLM's fallback) need Ampere or newer.
const MARLIN_MIN: (u32, u32) = (8, 0);

pub(super) fn check(ctx: &Ctx<'_>) -> Vec<Finding> {
    // The oldest used device decides: the engine runs one kernel set on all.
    let Some((cc, cc_text, indices)) = lowest_capability(ctx) else {
        return Vec::new();
    };
    let spec = ctx.inputs.spec;
    let weights = &ctx.inputs.resolved.model.weights;
    let engine = spec.serving.as_ref().map(|s| s.engine);
    let gpus = fmt_gpus(&indices);
    let mut out = Vec::new();
    let fp8_weights =
        weights.dtype == WeightDtype::Fp8 || weights.quantization == Quantization::Fp8;
    let fp4_weights = matches!(weights.dtype, WeightDtype::Nvfp4 | WeightDtype::Mxfp4)
        || matches!(
            weights.quantization,
            Quantization::Nvfp4 | Quantization::Mxfp4
        );
    let weights_pointer = if spec.model.weights.dtype.is_some() {
        "/model/weights/dtype"
    } else if spec.model.weights.quantization != Quantization::None {
        "/model/weights/quantization"
    } else {
        "/model/weights"
    };
    if fp8_weights && cc < FP8_MIN {
        let (severity, fallback) = match engine {
            Some(Engine::Vllm | Engine::Sglang) if cc >= MARLIN_MIN => (
                Severity::Warning,
                "the engine falls back to weight-only FP8 (W8A16 Marlin kernels): weights take the planned memory, matmuls run in 16-bit and are slower",
            ),
            Some(Engine::Vllm | Engine::Sglang) => (
                Severity::Error,
                "the engine has no FP8 fallback below compute capability 8.0 and refuses to load the weights",
            ),
            Some(Engine::TensorrtLlm) => (
                Severity::Error,
                "TensorRT-LLM builds FP8 engines only for compute capability 8.9 or newer: no fallback",
            ),
            _ => (
                Severity::Warning,
                "whether the engine falls back to weight-only kernels or refuses to load depends on the engine",
            ),
        };
        out.push(finding(
            severity,
            weights_pointer,
            format!("FP8 weights on {gpus} with compute capability {cc_text} (FP8 needs 8.9 or newer): {fallback}"),
            "use a GPU with compute capability 8.9 or newer (L40S, H100, H200), or 16-bit or int4 (AWQ/GPTQ) weights",
        ));
    }
    if fp4_weights && cc < FP4_MIN {
        let (severity, fallback) = match engine {
            Some(Engine::Vllm) if cc >= MARLIN_MIN => (
                Severity::Warning,
                "vLLM falls back to weight-only FP4 (W4A16 Marlin kernels): weights take the planned memory, matmuls run in 16-bit and are slower",
            ),
            Some(Engine::TensorrtLlm) => (
                Severity::Error,
                "TensorRT-LLM runs FP4 only on compute capability 10.0 or newer: no fallback",
            ),
            Some(Engine::Vllm) => (
                Severity::Error,
                "vLLM has no FP4 fallback below compute capability 8.0 and refuses to load the weights",
            ),
            _ => (
                Severity::Warning,
                "whether the engine falls back to weight-only kernels or refuses to load depends on the engine and its version",
            ),
        };
        out.push(finding(
            severity,
            weights_pointer,
            format!("FP4 weights ({}) on {gpus} with compute capability {cc_text} (FP4 needs 10.0 or newer): {fallback}", weights.dtype.as_str()),
            "use a Blackwell GPU (compute capability 10.0 or newer), or FP8 or int4 (AWQ/GPTQ) weights",
        ));
    }
    let fp8_kv = spec
        .serving
        .as_ref()
        .and_then(|s| s.kv_cache_dtype)
        .is_some_and(|k| {
            matches!(
                k,
                KvCacheDtype::Fp8
                    | KvCacheDtype::Fp8E4m3
                    | KvCacheDtype::Fp8E5m2
                    | KvCacheDtype::Fp8DsMla
            )
        });
    if fp8_kv && cc < FP8_MIN {
        let (severity, fallback) = match engine {
            Some(Engine::TensorrtLlm) => (
                Severity::Error,
                "TensorRT-LLM's FP8 KV cache needs compute capability 8.9 or newer: no fallback",
            ),
            _ => (
                Severity::Warning,
                "the cache is stored in FP8 (memory as planned) and converted to 16-bit inside the attention kernel, which is slower; attention backends without that conversion refuse FP8 KV on this GPU",
            ),
        };
        out.push(finding(
            severity,
            "/serving/kv_cache_dtype",
            format!("FP8 KV cache on {gpus} with compute capability {cc_text} (FP8 needs 8.9 or newer): {fallback}"),
            "keep the FP8 KV cache only if the engine's attention backend supports it on this GPU; otherwise set kv_cache_dtype to auto and re-plan the KV capacity",
        ));
    }
    out
}

/// HW006 at `severity`: its default (warning), or an error where the caller
/// documents that the engine cannot run the dtype at all.
fn finding(severity: Severity, pointer: &str, message: String, fix: &str) -> Finding {
    codes::HW006
        .finding_at(severity, pointer, message)
        .with_fix(fix)
}

/// The lowest compute capability among the used devices that report one, its
/// text, and the devices that have it.
fn lowest_capability(ctx: &Ctx<'_>) -> Option<((u32, u32), String, Vec<u32>)> {
    let known: Vec<((u32, u32), &str, u32)> = ctx
        .used
        .iter()
        .filter_map(|d| {
            let text = d.compute_capability.as_deref()?;
            Some((parse_compute_capability(text)?, text, d.index))
        })
        .collect();
    let lowest = known.iter().map(|k| k.0).min()?;
    let text = known.iter().find(|k| k.0 == lowest)?.1.to_string();
    let indices = known
        .iter()
        .filter(|k| k.0 == lowest)
        .map(|k| k.2)
        .collect();
    Some((lowest, text, indices))
}
