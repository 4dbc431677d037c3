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
use crate::units::Bytes;
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

    /// The base spec at `serving.gpu_memory_utilization` = per_mille / 1000.
    pub fn at_memory_fraction(per_mille: u64) -> Fixture {
        Fixture::edit(|v| {
            v["serving"]["gpu_memory_utilization"] = (per_mille as f64 / 1000.0).into()
        })
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
        let derived = plan::derive(&self.plan, Some(self.spec.parallelism.tensor));
        let ctx = RuleContext {
            spec: &self.spec,
            resolved: &self.resolved,
            plan: &self.plan,
            derived: &derived,
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
