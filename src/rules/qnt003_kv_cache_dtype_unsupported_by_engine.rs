//! QNT003 kv-cache-dtype-unsupported-by-engine.

use super::util::group_digits;
use super::{Rule, RuleContext};
use crate::diagnostics::Finding;
use crate::spec::{Engine, KvCacheDtype};

declare_rule! {
    /// ## What it does
    /// Flags a `kv_cache_dtype` the serving engine does not implement: vLLM and
    /// SGLang have no int8 or int4 KV cache, TensorRT-LLM has int8 but no int4,
    /// and `fp8_ds_mla` exists only in vLLM and only for MLA models.
    ///
    /// ## Why is this bad?
    /// The engine rejects the argument at startup, so the memory the plan counted
    /// for a 4-bit cache never exists. A plan that relies on it is off by 2-4x in
    /// KV capacity.
    ///
    /// ## Example
    /// ```yaml
    /// serving: {engine: vllm, kv_cache_dtype: int4}
    /// ```
    ///
    /// ## How to fix
    /// Use `fp8` (every engine here supports it; the finding gives the capacity
    /// at fp8), or an engine that implements the dtype.
    pub struct KvCacheDtypeUnsupportedByEngine(QNT003);
}

/// Is `dtype` a KV cache dtype `engine` implements (vLLM `CacheDType`, SGLang
/// `--kv-cache-dtype`, TensorRT-LLM `KvCacheConfig.dtype`)?
fn supported(engine: Engine, dtype: KvCacheDtype, mla: bool) -> bool {
    use KvCacheDtype::*;
    match (engine, dtype) {
        (Engine::Generic, _) => true,
        (_, Auto | Bf16 | Fp16 | Fp32 | Fp8 | Fp8E4m3 | Fp8E5m2) => true,
        (Engine::Vllm, Fp8DsMla) => mla,
        (Engine::TensorrtLlm, Int8) => true,
        _ => false,
    }
}

/// Bits per element of a KV dtype (fp32 counted as 32).
fn bits(dtype: KvCacheDtype) -> u64 {
    use KvCacheDtype::*;
    match dtype {
        Fp32 => 32,
        Auto | Bf16 | Fp16 => 16,
        Fp8 | Fp8E4m3 | Fp8E5m2 | Fp8DsMla | Int8 => 8,
        Int4 => 4,
    }
}

impl KvCacheDtypeUnsupportedByEngine {
    fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> {
        let Some(serving) = &ctx.spec.serving else {
            return Vec::new();
        };
        let Some(dtype) = serving.kv_cache_dtype else {
            return Vec::new();
        };
        let mla = ctx.resolved.model.architecture.mla.is_some();
        if dtype == KvCacheDtype::Fp8DsMla && !mla {
            return vec![self
                .finding(
                    "/serving/kv_cache_dtype",
                    "kv_cache_dtype fp8_ds_mla is vLLM's layout for MLA models (DeepSeek-V3.2); this model has no MLA".to_string(),
                )
                .with_fix("set serving.kv_cache_dtype: fp8 (same bytes per element)")
                .with_value_edit("fp8")];
        }
        if supported(serving.engine, dtype, mla) {
            return Vec::new();
        }
        let mut message = format!(
            "{} has no {} KV cache: the engine rejects kv_cache_dtype {} at startup",
            serving.engine.as_str(),
            dtype.as_str(),
            dtype.as_str()
        );
        let fp8_tokens = ctx
            .plan
            .kv_cache
            .as_ref()
            .map(|kv| kv.capacity_tokens.saturating_mul(bits(dtype)) / 8);
        if let Some(kv) = &ctx.plan.kv_cache {
            message.push_str(&format!(
                ", so the {} tokens the plan counts per instance do not exist",
                group_digits(kv.capacity_tokens)
            ));
        }
        let fix = match fp8_tokens {
            Some(t) => format!(
                "set serving.kv_cache_dtype: fp8: one engine instance then holds about {} tokens",
                group_digits(t)
            ),
            None => "set serving.kv_cache_dtype: fp8".to_string(),
        };
        vec![self
            .finding("/serving/kv_cache_dtype", message)
            .with_fix(fix)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;

    #[test]
    fn int4_kv_on_vllm() {
        let mut fx = Fixture::edit(|v| v["serving"]["kv_cache_dtype"] = "int4".into());
        fx.plan
            .kv_cache
            .as_mut()
            .into_iter()
            .for_each(|k| k.capacity_tokens = 2_583_680);
        let f = fx.one(&KvCacheDtypeUnsupportedByEngine);
        assert_eq!(f.code, "QNT003");
        assert_eq!(f.pointer, "/serving/kv_cache_dtype");
        assert_eq!(
            f.fix.as_deref(),
            Some("set serving.kv_cache_dtype: fp8: one engine instance then holds about 1,291,840 tokens")
        );
    }

    #[test]
    fn near_miss_int8_on_tensorrt_llm_and_fp8_on_vllm() {
        let fx = Fixture::edit(|v| {
            v["serving"]["engine"] = "tensorrt-llm".into();
            v["serving"]["kv_cache_dtype"] = "int8".into();
        });
        assert!(fx.run(&KvCacheDtypeUnsupportedByEngine).is_empty());
        assert!(Fixture::new()
            .run(&KvCacheDtypeUnsupportedByEngine)
            .is_empty());
        let fx = Fixture::edit(|v| v["serving"]["kv_cache_dtype"] = "fp8_ds_mla".into());
        assert_eq!(fx.run(&KvCacheDtypeUnsupportedByEngine).len(), 1);
    }
}
