//! vLLM serving features that take memory, read into the spec's `serving`
//! blocks (`speculative`, `lora`, `multimodal`, `kv_offload`, Mamba cache
//! dtypes, `prefix_caching`). What a block cannot say (an EAGLE drafter, an
//! LMCache server) stays in provenance as IMP008; a LoRA size without
//! `--enable-lora` does nothing (IMP003).

use super::engine::flags::Target;
use super::engine::{clip, Setting, Value};
use super::spec_out::SpecBuilder;
use crate::codes;
use crate::diagnostics::Finding;
use serde_json::{json, Map, Value as J};

/// Settings of the feature targets, in precedence order (later wins).
pub fn apply(b: &mut SpecBuilder, settings: &[Setting], findings: &mut Vec<Finding>) {
    let of = |t: Target| settings.iter().filter(move |s| s.target == t);
    speculative(b, of(Target::Speculative).collect(), findings);
    lora(b, settings, findings);
    if let Some(s) = of(Target::MmLimit).next_back() {
        match limits(&s.value) {
            Some(m) => b.set(
                "/serving/multimodal/limit_per_prompt",
                J::Object(m),
                text(s),
                Some(s.span),
            ),
            None => findings.push(rejected(
                s,
                "takes a JSON object of counts (`{\"image\": 4}`) or `image=4,video=1`",
            )),
        }
    }
    if let Some(s) = of(Target::MmProcessorCache).next_back() {
        match gib(&s.value) {
            Some(v) => b.set(
                "/serving/multimodal/processor_cache",
                json!(v),
                text(s),
                Some(s.span),
            ),
            None => findings.push(rejected(s, "takes a non-negative number of GiB")),
        }
    }
    let backend = of(Target::KvOffloadBackend).next_back();
    if let Some(s) = of(Target::KvOffloadSize).next_back() {
        let external = backend.is_some_and(|b| matches!(&b.value, Value::Text(t) if t != "native"));
        if external {
            let (flag, shown) = backend.map_or((String::new(), String::new()), |b| {
                (b.flag.clone(), b.value.display())
            });
            findings.push(
                codes::IMP008
                    .finding("", format!("`{flag} {}`: the KV offload tier lives in that backend's own server, not in this engine's host RAM; the plan leaves it out", clip(&shown)))
                    .with_span(s.span),
            );
        } else {
            match gib(&s.value) {
                Some(v) => b.set(
                    "/serving/kv_offload/host_memory",
                    json!(v),
                    text(s),
                    Some(s.span),
                ),
                None => findings.push(rejected(s, "takes a non-negative number of GiB")),
            }
        }
    }
    for (t, ptr) in [
        (Target::MambaCacheDtype, "/serving/mamba_cache_dtype"),
        (Target::MambaSsmCacheDtype, "/serving/mamba_ssm_cache_dtype"),
    ] {
        if let Some(s) = of(t).next_back() {
            let mapped = match &s.value {
                Value::Text(v) => match v.as_str() {
                    "auto" => Some("auto"),
                    "float32" | "fp32" => Some("fp32"),
                    "float16" | "half" | "fp16" => Some("fp16"),
                    "bfloat16" | "bf16" => Some("bf16"),
                    _ => None,
                },
                _ => None,
            };
            match mapped {
                Some(d) => b.set(ptr, json!(d), text(s), Some(s.span)),
                None => findings.push(rejected(s, "takes auto, float32, float16 or bfloat16")),
            }
        }
    }
    if let Some(s) = of(Target::PrefixCaching).next_back() {
        if let Value::Bool(v) = s.value {
            b.set("/serving/prefix_caching", json!(v), text(s), Some(s.span));
        }
    }
}

fn text(s: &Setting) -> String {
    format!("{} {}", s.flag, clip(&s.value.display()))
}

fn rejected(s: &Setting, why: &str) -> Finding {
    codes::IMP003
        .finding(
            "",
            format!(
                "`{}` {why}, not `{}`: the engine rejects it",
                s.flag,
                clip(&s.value.display())
            ),
        )
        .with_span(s.span)
}

/// `64` GiB as the spec's size text (`64GiB`, `1.5GiB`).
fn gib(v: &Value) -> Option<String> {
    let g = match v {
        Value::Float(f) => *f,
        Value::Int(n) => *n as f64,
        _ => return None,
    };
    (g.is_finite() && g >= 0.0).then(|| format!("{g}GiB"))
}

fn limits(v: &Value) -> Option<Map<String, J>> {
    match v {
        Value::Json(J::Object(m)) => m
            .iter()
            .map(|(k, v)| v.as_u64().map(|n| (k.clone(), json!(n))))
            .collect(),
        // `image=4,video=1` (vLLM before v0.10).
        Value::Text(t) => t
            .split(',')
            .filter(|p| !p.trim().is_empty())
            .map(|p| {
                let (k, n) = p.split_once('=')?;
                Some((k.trim().to_string(), json!(n.trim().parse::<u64>().ok()?)))
            })
            .collect(),
        _ => None,
    }
}

/// vLLM method names for multi-token prediction (`deepseek_mtp`,
/// `qwen3_next_mtp`, `mimo_mtp`, ... all draft with the checkpoint's MTP layers).
fn method(name: &str) -> Option<&'static str> {
    match name {
        "ngram" => Some("ngram"),
        m if m == "mtp" || m.ends_with("_mtp") => Some("mtp"),
        _ => None,
    }
}

fn speculative(b: &mut SpecBuilder, parts: Vec<&Setting>, findings: &mut Vec<Finding>) {
    let Some(last) = parts.last() else { return };
    let mut merged = Map::new();
    for s in &parts {
        if let Value::Json(J::Object(m)) = &s.value {
            merged.extend(m.clone());
        }
    }
    let m = merged.get("method").and_then(J::as_str).and_then(method);
    let n = merged
        .get("num_speculative_tokens")
        .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()));
    match (m, n) {
        (Some(m), Some(n)) if n > 0 => b.set(
            "/serving/speculative",
            json!({"method": m, "num_speculative_tokens": n}),
            format!("{} {}", last.flag, clip(&J::Object(merged.clone()).to_string())),
            Some(last.span),
        ),
        _ => findings.push(
            codes::IMP008
                .finding(
                    "",
                    format!(
                        "`{}` = {} changes memory (its drafter), but `serving.speculative` holds only MTP and n-gram drafting with a token count: the plan leaves it out",
                        last.flag,
                        clip(&J::Object(merged.clone()).to_string())
                    ),
                )
                .with_span(last.span),
        ),
    }
}

fn lora(b: &mut SpecBuilder, settings: &[Setting], findings: &mut Vec<Finding>) {
    let enabled = settings
        .iter()
        .rev()
        .find(|s| s.target == Target::EnableLora)
        .is_some_and(|s| s.value == Value::Bool(true));
    for (t, key) in [
        (Target::MaxLoras, "max_loras"),
        (Target::MaxLoraRank, "max_lora_rank"),
        (Target::MaxCpuLoras, "max_cpu_loras"),
    ] {
        let Some(s) = settings.iter().rev().find(|s| s.target == t) else {
            continue;
        };
        let Value::Int(n) = s.value else { continue };
        if !enabled {
            findings.push(
                codes::IMP003
                    .finding(
                        "",
                        format!("`{}` has no effect without `--enable-lora`", s.flag),
                    )
                    .with_span(s.span),
            );
            continue;
        }
        if n == 0 {
            findings.push(rejected(s, "takes a count of at least 1"));
            continue;
        }
        b.set(
            &format!("/serving/lora/{key}"),
            json!(n),
            text(s),
            Some(s.span),
        );
    }
    if enabled && b.get("/serving/lora").is_none() {
        let s = settings
            .iter()
            .rev()
            .find(|s| s.target == Target::EnableLora);
        b.set(
            "/serving/lora",
            json!({}),
            "--enable-lora (vLLM's slot defaults)",
            s.map(|s| s.span),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::carriers::shell;
    use crate::import::engine::parse;
    use crate::import::words::Vars;
    use crate::spec::Engine;

    fn build(cmd: &str) -> (serde_json::Value, Vec<Finding>) {
        let words = shell::split(cmd, 0).commands.remove(0).words;
        let parsed = parse(Engine::Vllm, (0, 11), &words, &Vars::default());
        let mut b = SpecBuilder::default();
        let mut findings = parsed.findings;
        apply(&mut b, &parsed.settings, &mut findings);
        (b.finish().0, findings)
    }

    #[test]
    fn vllm_features_fill_their_spec_blocks() {
        let (spec, findings) = build(
            "--enable-lora --max-loras 4 --speculative-config.method qwen3_next_mtp \\
             --speculative-config.num_speculative_tokens 2 --limit-mm-per-prompt '{\"image\": 3}' \\
             --kv-offloading-size 1.5 --mm-processor-cache-gb 0 --enable-prefix-caching",
        );
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(spec.pointer("/serving/lora/max_loras"), Some(&json!(4)));
        assert_eq!(
            spec.pointer("/serving/speculative"),
            Some(&json!({"method": "mtp", "num_speculative_tokens": 2}))
        );
        assert_eq!(
            spec.pointer("/serving/multimodal/limit_per_prompt/image"),
            Some(&json!(3))
        );
        assert_eq!(
            spec.pointer("/serving/kv_offload/host_memory"),
            Some(&json!("1.5GiB"))
        );
        assert_eq!(
            spec.pointer("/serving/multimodal/processor_cache"),
            Some(&json!("0GiB"))
        );
        assert_eq!(spec.pointer("/serving/prefix_caching"), Some(&json!(true)));
    }

    #[test]
    fn what_the_blocks_cannot_say_is_reported() {
        let (spec, findings) = build(
            "--speculative-config '{\"method\": \"eagle3\", \"num_speculative_tokens\": 3}' --max-loras 2 \\
             --kv-offloading-size 64 --kv-offloading-backend lmcache",
        );
        let codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["IMP008", "IMP003", "IMP008"], "{findings:?}");
        assert_eq!(spec.pointer("/serving"), None);
    }
}
