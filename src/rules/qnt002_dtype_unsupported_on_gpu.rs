//! QNT002 dtype-unsupported-on-gpu.

use super::{Rule, RuleContext};
use crate::catalog::GpuInfo;
use crate::diagnostics::{Finding, Severity};
use crate::spec::{Engine, KvCacheDtype, Quantization, WeightDtype};

declare_rule! {
    /// ## What it does
    /// Flags weights or a KV cache in a dtype the GPU has no native support for:
    /// FP8 below compute capability 8.9 (Ada, Hopper), FP4 (NVFP4, MXFP4) below
    /// 10.0 (Blackwell), bfloat16 below 8.0 (Ampere).
    ///
    /// It is a **warning** where the engine falls back: vLLM and SGLang load FP8
    /// weights on an A100 as weight-only W8A16 through Marlin kernels, and FP4
    /// weights as W4A16 (memory as planned, compute in 16-bit). It is an
    /// **error** where the engine cannot run the dtype at all: TensorRT-LLM
    /// without native FP8/FP4, Marlin below compute capability 8.0, bfloat16 on
    /// Volta or Turing, an FP8 KV cache on TensorRT-LLM without FP8.
    ///
    /// ## Why is this bad?
    /// An error here means the engine refuses to load. A warning means the memory
    /// plan holds but the throughput a benchmark on H100 promised does not.
    ///
    /// ## Example
    /// ```yaml
    /// model: {weights: {dtype: fp8, quantization: fp8}}
    /// hardware: {gpu: a100-sxm-80gb}      # compute capability 8.0: no FP8 tensor cores
    /// serving: {engine: tensorrt-llm}
    /// ```
    ///
    /// ## How to fix
    /// Pick a dtype the GPU supports (the finding names one with the same memory),
    /// a GPU that supports the dtype, or an engine with a fallback.
    pub struct DtypeUnsupportedOnGpu(QNT002);
}

/// Compute capability as (major, minor), when known.
fn capability(gpu: &GpuInfo) -> Option<(u32, u32)> {
    let cc = gpu.compute_capability.as_deref()?;
    let (a, b) = cc.split_once('.').unwrap_or((cc, "0"));
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

fn has_fp8(gpu: &GpuInfo) -> Option<bool> {
    gpu.fp8.or_else(|| capability(gpu).map(|cc| cc >= (8, 9)))
}

fn has_fp4(gpu: &GpuInfo) -> Option<bool> {
    gpu.fp4.or_else(|| capability(gpu).map(|cc| cc >= (10, 0)))
}

fn cc_text(gpu: &GpuInfo) -> String {
    match &gpu.compute_capability {
        Some(cc) => format!("{} (compute capability {cc})", gpu.name),
        None => gpu.name.clone(),
    }
}

impl DtypeUnsupportedOnGpu {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let gpu = &ctx.resolved.gpu;
        let engine = ctx
            .spec
            .serving
            .as_ref()
            .map_or(Engine::Generic, |s| s.engine);
        let w = &ctx.resolved.model.weights;
        let cc = capability(gpu);
        // Marlin weight-only kernels need compute capability 8.0 or newer.
        let marlin = cc.is_some_and(|c| c >= (8, 0)) && engine != Engine::TensorrtLlm;
        let per_gpu = ctx.plan.per_gpu.weights_bytes;
        let mut out = Vec::new();
        let weights_fp8 = w.dtype == WeightDtype::Fp8 || w.quantization == Quantization::Fp8;
        let weights_fp4 = matches!(w.dtype, WeightDtype::Nvfp4 | WeightDtype::Mxfp4)
            || matches!(w.quantization, Quantization::Nvfp4 | Quantization::Mxfp4);
        let unsupported = if weights_fp8 && has_fp8(gpu) == Some(false) {
            Some(("FP8", "8.9", "int8 (W8A8) or 16-bit"))
        } else if weights_fp4 && has_fp4(gpu) == Some(false) {
            Some(("FP4", "10.0", "int4 (awq/gptq)"))
        } else {
            None
        };
        if let Some((kind, need, alt)) = unsupported {
            let f = if marlin {
                let f = self.finding(
                    "/model/weights/dtype",
                    format!(
                        "{kind} weights on {}, which has no native {kind} (needs compute capability {need}): {} loads them weight-only through Marlin, so memory is as planned ({per_gpu} per GPU) but matrix multiplies run in 16-bit",
                        cc_text(gpu),
                        engine.as_str()
                    ),
                )
                .with_fix(format!(
                    "accept the 16-bit compute, or use GPUs with compute capability {need} or newer for native {kind}"
                ));
                // Below QNT002's default (error), deliberately: Marlin loads
                // the weights weight-only (Ampere), so it runs, only slower.
                Finding {
                    severity: Severity::Warning,
                    ..f
                }
            } else {
                self.finding(
                    "/model/weights/dtype",
                    format!(
                        "{kind} weights on {}, which has no native {kind} (needs compute capability {need}), and {} has no weight-only fallback there: the engine cannot load them",
                        cc_text(gpu),
                        engine.as_str()
                    ),
                )
                .with_fix(format!(
                    "store the weights as {alt}, use GPUs with compute capability {need} or newer, or serve with vllm (Marlin fallback on compute capability 8.0+)"
                ))
            };
            out.push(f);
        }
        let no_bf16 = cc.is_some_and(|c| c < (8, 0));
        if no_bf16 && w.dtype == WeightDtype::Bf16 {
            out.push(
                self.finding(
                    "/model/weights/dtype",
                    format!(
                        "bf16 weights on {}: bfloat16 needs compute capability 8.0, so the engine refuses to load them",
                        cc_text(gpu)
                    ),
                )
                .with_fix(format!("set model.weights.dtype: fp16 (same {per_gpu} per GPU)"))
                .with_value_edit("fp16"),
            );
        }
        let kv_dtype = ctx.spec.serving.as_ref().and_then(|s| s.kv_cache_dtype);
        let kv_fp8 = matches!(
            kv_dtype,
            Some(
                KvCacheDtype::Fp8
                    | KvCacheDtype::Fp8E4m3
                    | KvCacheDtype::Fp8E5m2
                    | KvCacheDtype::Fp8DsMla
            )
        );
        if kv_fp8 && engine == Engine::TensorrtLlm && has_fp8(gpu) == Some(false) {
            out.push(
                self.finding(
                    "/serving/kv_cache_dtype",
                    format!("an FP8 KV cache on {}: TensorRT-LLM needs native FP8 (compute capability 8.9) for it", cc_text(gpu)),
                )
                .with_fix("set serving.kv_cache_dtype: int8 (same memory per token on TensorRT-LLM)")
                .with_value_edit("int8"),
            );
        }
        if no_bf16 && kv_dtype == Some(KvCacheDtype::Bf16) {
            out.push(
                self.finding(
                    "/serving/kv_cache_dtype",
                    format!(
                        "a bf16 KV cache on {}: bfloat16 needs compute capability 8.0",
                        cc_text(gpu)
                    ),
                )
                .with_fix("set serving.kv_cache_dtype: fp16 (same memory per token)")
                .with_value_edit("fp16"),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    /// An A100 80GB (compute capability 8.0, no fp8) from the catalogue.
    fn a100(v: &mut serde_json::Value) {
        v["hardware"]["gpu"] = "a100-sxm-80gb".into();
    }

    #[test]
    fn fp8_weights_on_a100_warn_on_vllm() {
        let fx = Fixture::edit(a100);
        let f = fx.one(&DtypeUnsupportedOnGpu);
        assert_eq!(f.code, "QNT002");
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(f.pointer, "/model/weights/dtype");
        assert!(
            f.message
                .contains("memory is as planned (16.93 GiB per GPU)"),
            "{}",
            f.message
        );
    }

    #[test]
    fn fp8_on_a100_is_an_error_on_tensorrt_llm() {
        let fx = Fixture::edit(|v| {
            v["serving"]["engine"] = "tensorrt-llm".into();
            a100(v);
        });
        let v = fx.run(&DtypeUnsupportedOnGpu);
        assert_eq!(v.len(), 2, "{v:#?}");
        assert!(v.iter().all(|f| f.severity == Severity::Error));
        assert_eq!(v[1].pointer, "/serving/kv_cache_dtype");
    }

    #[test]
    fn bf16_on_volta_is_an_error() {
        let fx = Fixture::edit(|v| {
            v["model"]["weights"] = serde_json::json!({"dtype": "bf16"});
            v["serving"]["kv_cache_dtype"] = "auto".into();
            v["hardware"]["gpu"] = serde_json::json!({"name": "Tesla V100", "memory": "79.2GiB", "compute_capability": "7.0"});
        });
        let f = fx.one(&DtypeUnsupportedOnGpu);
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(
            f.fix.as_deref(),
            Some("set model.weights.dtype: fp16 (same 32.86 GiB per GPU)")
        );
    }

    #[test]
    fn near_miss_h100_supports_fp8() {
        assert!(Fixture::new().run(&DtypeUnsupportedOnGpu).is_empty());
        // fp8 support derived from an explicit compute capability 9.0.
        let fx = Fixture::edit(|v| {
            v["hardware"]["gpu"] = serde_json::json!({"name": "H100 SXM5", "memory": "79.2GiB", "compute_capability": "9.0"});
        });
        assert_eq!(fx.resolved.gpu.fp8, None);
        assert!(fx.run(&DtypeUnsupportedOnGpu).is_empty());
    }
}
