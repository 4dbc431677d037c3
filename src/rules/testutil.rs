//! Test fixtures of the rule tests: a deployment and a training job planned by
//! `plan::compute` from committed specs (tests/fixtures/rule_base/serving.yaml
//! and training.yaml). A test that means a spec situation edits the spec and
//! plans it again ([`Fixture::edit`], [`Fixture::training_edit`]); a test
//! that edits the plan's numbers directly needs an impossible plan (a
//! boundary no spec reaches, or robustness), and says so.
//!
//! Base serving numbers (from the spec; the plan computes the rest):
//! - total 79.2 GiB = 85,040,352,460 B (inline GPU); budget = floor(total x
//!   9/10) = 76,536,317,214 B.
//! - KV per token per GPU: 2 (K,V) x 8/4 kv heads x 128 x 1 B (fp8) x 80
//!   layers = 40,960 B, blocks of 16.
//! - chat: 6,000 + 2,000 = 8,000 tokens; ceil(64 x 1.5) = 96, 48 per replica.
//! - long-doc: 120,000 + 4,000 = 124,000 tokens; ceil(4 x 1.25) = 5, 3 per replica.

use super::{Rule, RuleContext, RulesConfig};
use crate::catalog::{self, MemoryFiles, Resolved};
use crate::diagnostics::Finding;
use crate::plan::{self, *};
use crate::spec::{Kind, Spec};
use crate::units::{Bytes, GIB, MIB};
use serde_json::Value;
use std::path::Path;

/// The committed base specs.
const SERVING: &str = include_str!("../../tests/fixtures/rule_base/serving.yaml");
const TRAINING: &str = include_str!("../../tests/fixtures/rule_base/training.yaml");

pub const TOTAL: u64 = 85_040_352_460;
pub const BUDGET: u64 = 76_536_317_214;
pub const KV_PER_TOKEN_GPU: u64 = 40_960;

fn yaml_json(text: &str) -> Value {
    serde_saphyr::from_str(text).expect("committed rule base spec parses")
}

/// The base serving spec as JSON, to edit.
pub fn base_spec_json() -> Value {
    yaml_json(SERVING)
}

/// The base training spec as JSON, to edit.
pub fn training_spec_json() -> Value {
    yaml_json(TRAINING)
}

/// Resolve a spec (presets and inline GPUs only: no files) and plan it.
///
/// A spec too absurd to plan (MEM000: the robustness tests' extreme values)
/// gets the plan of the base spec of its kind; those tests then edit the plan
/// by hand, on purpose.
fn planned(spec: &Spec) -> (Resolved, Plan) {
    let (resolved, findings) = catalog::resolve(spec, Path::new("."), &MemoryFiles::new());
    let resolved = resolved.unwrap_or_else(|| panic!("test spec resolves: {findings:#?}"));
    let plan = match plan::compute(spec, &resolved) {
        Ok(plan) => plan,
        Err(_) => {
            let base = match spec.kind {
                Kind::Training => training_spec_json(),
                Kind::Serving => base_spec_json(),
            };
            let base: Spec = serde_json::from_value(base).expect("base spec");
            planned(&base).1
        }
    };
    (resolved, plan)
}

fn class(
    name: &str,
    prompt: u64,
    output: u64,
    required: u64,
    per_replica: u64,
    max_conc: u64,
    share: f64,
) -> ClassPlan {
    let tokens = prompt + output;
    ClassPlan {
        sized: true,
        name: name.into(),
        percentile: "p99".into(),
        prompt_tokens: prompt,
        output_tokens: output,
        tokens_per_sequence: tokens,
        kv_bytes_per_sequence: tokens.div_ceil(16) * 16 * KV_PER_TOKEN_GPU,
        required_concurrency: required,
        per_replica_concurrency: per_replica,
        max_concurrency: max_conc,
        fits: max_conc >= required,
        replicas_needed: Some(2),
        pool_share: share,
    }
}

/// A hand-made plan with round numbers (18 GiB weights, 2 GiB activations, 2
/// GiB runtime), no longer what `plan::compute` gives for the base spec. Only
/// src/report/model.rs's unit tests still use it (they assert its round
/// numbers); the rule tests use [`Fixture`]. Move those tests to
/// `Fixture::new().plan` and delete this.
pub fn base_plan() -> Plan {
    let capacity_tokens = 80_740 * 16;
    Plan {
        name: "chat-70b-prod".into(),
        kind: "Serving".into(),
        gpu: GpuSummary {
            id: "h100-sxm-80gb".into(),
            name: "NVIDIA H100 SXM5 80GB".into(),
            total_bytes: Bytes(TOTAL),
            gpus_per_replica: 4,
            replicas: 2,
            total_gpus: 8,
            engine_instances_per_replica: 1,
            nodes: 1,
            gpus_per_node: 8,
        },
        model: ModelSummary {
            source: "preset llama-3.1-70b".into(),
            parameters: 70_553_706_496,
            parameters_source: "published".into(),
            active_parameters: 70_553_706_496,
            layers: 80,
            hidden_size: 8192,
            attention_heads: 64,
            kv_heads: 8,
            head_dim: 128,
            vocab_size: 128_256,
            max_position_embeddings: Some(131_072),
            attention: "gqa".into(),
        },
        weights: WeightsPlan {
            exact: false,
            dtype: "fp8".into(),
            quantization: "fp8".into(),
            group_size: None,
            bits_per_weight: 8.0,
            total_bytes: Bytes(72 * GIB),
            unquantized_bytes: Bytes(4_202_692_608),
            per_gpu_bytes: Bytes(18 * GIB),
            sharding: "tensor parallel 4".into(),
        },
        per_gpu: PerGpu {
            total_bytes: Bytes(TOTAL),
            budget_bytes: Bytes(BUDGET),
            weights_bytes: Bytes(18 * GIB),
            activation_peak_bytes: Bytes(2 * GIB),
            runtime_bytes: Bytes(2 * GIB),
            kv_cache_bytes: 52_913_997_086,
            free_bytes: Bytes(TOTAL - BUDGET),
            memory_fraction: 0.9,
            cuda_graphs_outside_budget_bytes: Bytes(512 * MIB),
        },
        kv_cache: Some(KvCachePlan {
            dtype: "fp8".into(),
            block_size: 16,
            max_model_len: 131_072,
            bytes_per_token_per_gpu: KV_PER_TOKEN_GPU,
            bytes_per_token: 4 * KV_PER_TOKEN_GPU,
            num_blocks: 80_740,
            capacity_tokens,
            max_concurrency: capacity_tokens as f64 / 131_072.0,
            max_model_len_that_fits: capacity_tokens,
            deployment_capacity_tokens: 2 * capacity_tokens,
        }),
        classes: vec![
            class("chat", 6000, 2000, 96, 48, 228, 768_000.0 / 2_583_680.0),
            class("long-doc", 120_000, 4000, 5, 3, 14, 620_000.0 / 2_583_680.0),
        ],
        host: HostPlan {
            load_peak_bytes: Bytes(40 * GIB),
            available_bytes: Some(Bytes(2048 * GIB)),
            workers_per_node: 8,
            staging: "mmap".into(),
        },
        training: None,
        assumptions: Vec::new(),
    }
}

/// A spec, its resolution, its plan and a config; tests mutate the fields.
pub struct Fixture {
    pub spec: Spec,
    pub resolved: Resolved,
    pub plan: Plan,
    pub config: RulesConfig,
}

impl Fixture {
    /// The base deployment, planned.
    pub fn new() -> Fixture {
        Fixture::with_spec(base_spec_json())
    }

    /// Another spec (edit the JSON first), planned.
    pub fn with_spec(spec: Value) -> Fixture {
        let spec: Spec = serde_json::from_value(spec).expect("test spec deserializes");
        let (resolved, plan) = planned(&spec);
        Fixture {
            spec,
            resolved,
            plan,
            config: RulesConfig::default(),
        }
    }

    /// Edit the base spec's JSON, then plan it.
    pub fn edit(f: impl FnOnce(&mut Value)) -> Fixture {
        let mut v = base_spec_json();
        f(&mut v);
        Fixture::with_spec(v)
    }

    /// The base training job: Llama 3.1 8B, full fine-tune, ZeRO-3 over 8 GPUs.
    pub fn training() -> Fixture {
        Fixture::with_spec(training_spec_json())
    }

    /// Edit the base training spec's JSON, then plan it.
    pub fn training_edit(f: impl FnOnce(&mut Value)) -> Fixture {
        let mut v = training_spec_json();
        f(&mut v);
        Fixture::with_spec(v)
    }

    pub fn run(&self, rule: &dyn Rule) -> Vec<Finding> {
        let ctx = RuleContext {
            spec: &self.spec,
            resolved: &self.resolved,
            plan: &self.plan,
            config: &self.config,
        };
        rule.check(&ctx)
    }

    /// The one finding `rule` gives (panics in tests when there is not exactly one).
    pub fn one(&self, rule: &dyn Rule) -> Finding {
        let mut v = self.run(rule);
        assert_eq!(v.len(), 1, "expected one finding, got {v:#?}");
        v.remove(0)
    }

    /// Robustness tests that edit a training plan's totals by hand: recompute
    /// `per_gpu.kv_cache_bytes` (budget - (training total + runtime), signed)
    /// as plan/compute.rs does.
    pub fn sync_training_left(&mut self) {
        if let Some(t) = &self.plan.training {
            let used = t.total_bytes.0 as i128 + self.plan.per_gpu.runtime_bytes.0 as i128;
            self.plan.per_gpu.kv_cache_bytes =
                (self.plan.per_gpu.budget_bytes.0 as i128 - used) as i64;
        }
    }
}

#[test]
fn base_fixtures_are_what_their_specs_plan() {
    let fx = Fixture::new();
    assert_eq!(fx.plan.per_gpu.total_bytes, Bytes(TOTAL));
    assert_eq!(fx.plan.per_gpu.budget_bytes, Bytes(BUDGET));
    let kv = fx.plan.kv_cache.as_ref().expect("serving");
    assert_eq!(kv.bytes_per_token_per_gpu, KV_PER_TOKEN_GPU);
    assert_eq!(fx.plan.classes.len(), 2);
    let t = Fixture::training();
    assert!(t.plan.training.is_some());
    assert_eq!(t.plan.per_gpu.budget_bytes, Bytes(BUDGET));
    // Both committed specs parse and pass the schema (the fixture's YAML ->
    // JSON shortcut skips both), so a schema change cannot leave them behind.
    for (name, text) in [("serving.yaml", SERVING), ("training.yaml", TRAINING)] {
        let source = crate::source::SourceFile::new(name, text);
        let doc = crate::spec::parse(&source).unwrap_or_else(|f| panic!("{name}: {f:#?}"));
        let findings = crate::schema::validate(&doc);
        assert!(findings.is_empty(), "{name}: {findings:#?}");
    }
}
