//! The registry of every rule, and running them under a configuration.

use super::*;
use crate::diagnostics::Finding;

/// Every rule, in code order.
static RULES: &[&dyn Rule] = &[
    &hst001_host_memory_not_specified::HostMemoryNotSpecified,
    &hst002_host_memory_below_load_peak::HostMemoryBelowLoadPeak,
    &hst003_pickle_checkpoint::PickleCheckpoint,
    &hst004_shard_index_mismatch::ShardIndexMismatch,
    &hst020_host_memory_below_serving_caches::HostMemoryBelowServingCaches,
    &mem001_weights_exceed_gpu_memory::WeightsExceedGpuMemory,
    &mem002_kv_cache_exceeds_budget::KvCacheExceedsBudget,
    &mem003_max_model_len_does_not_fit::MaxModelLenDoesNotFit,
    &mem004_headroom_below_minimum::HeadroomBelowMinimum,
    &mem005_weights_only_plan::WeightsOnlyPlan,
    &mem006_cuda_graphs_squeezed_out::CudaGraphsSqueezedOut,
    &mem020_state_pages_limit_concurrency::StatePagesLimitConcurrency,
    &mem021_speculative_tokens_exceed_batch_budget::SpeculativeTokensExceedBatchBudget,
    &mem022_lora_slots_crowd_out_traffic::LoraSlotsCrowdOutTraffic,
    &mem023_vision_budget_crowds_out_text::VisionBudgetCrowdsOutText,
    &mem024_startup_fails_after_kv_cache::StartupFailsAfterKvCache,
    &par001_tensor_parallel_does_not_divide_heads::TensorParallelDoesNotDivideHeads,
    &par002_kv_heads_replicated_across_tensor_parallel::KvHeadsReplicatedAcrossTensorParallel,
    &par003_tensor_parallel_spans_nodes::TensorParallelSpansNodes,
    &par004_pipeline_stages_unbalanced::PipelineStagesUnbalanced,
    &par005_gpu_count_mismatch::GpuCountMismatch,
    &par006_mla_cache_replicated_across_tensor_parallel::MlaCacheReplicatedAcrossTensorParallel,
    &qnt001_low_bit_weights_with_16_bit_kv_cache::LowBitWeightsWith16BitKvCache,
    &qnt002_dtype_unsupported_on_gpu::DtypeUnsupportedOnGpu,
    &qnt003_kv_cache_dtype_unsupported_by_engine::KvCacheDtypeUnsupportedByEngine,
    &sup001_unused_suppression::UnusedSuppression,
    &sup002_unknown_rule_in_suppression::UnknownRuleInSuppression,
    &sup003_suppression_without_reason::SuppressionWithoutReason,
    &trf001_average_token_lengths::AverageTokenLengths,
    &trf002_max_context_for_all_traffic::MaxContextForAllTraffic,
    &trf003_long_context_needs_separate_pool::LongContextNeedsSeparatePool,
    &trf004_no_burst_margin::NoBurstMargin,
    &trf005_context_exceeds_model_limit::ContextExceedsModelLimit,
    &trf006_class_exceeds_max_model_len::ClassExceedsMaxModelLen,
    &trf007_concurrency_exceeds_max_num_seqs::ConcurrencyExceedsMaxNumSeqs,
    &trn001_model_states_exceed_memory::ModelStatesExceedMemory,
    &trn002_activations_without_checkpointing::ActivationsWithoutCheckpointing,
    &trn003_training_exceeds_memory::TrainingExceedsMemory,
    &trn004_zero_without_data_parallelism::ZeroWithoutDataParallelism,
];

/// Every rule, in code order.
pub fn all_rules() -> Vec<&'static dyn Rule> {
    let mut v = RULES.to_vec();
    v.sort_by_key(|r| r.code());
    v
}

/// A rule by code (`MEM003`, any case) or name (`max-model-len-does-not-fit`).
pub fn find_rule(code_or_name: &str) -> Option<&'static dyn Rule> {
    let q = code_or_name.trim();
    RULES
        .iter()
        .copied()
        .find(|r| r.code().eq_ignore_ascii_case(q) || r.name() == q)
}

/// Run every enabled rule and give each finding its configured severity
/// ([`RulesConfig::apply`], the same path every other stage's findings take).
/// Per-file ignores apply here when the config knows the spec's path, and
/// again in [`super::suppress::apply`] by the source name otherwise.
pub fn run_all(ctx: &RuleContext<'_>, config: &RulesConfig) -> Vec<Finding> {
    run_enabled(ctx, &enabled_rules(config), config)
}

/// The rules `config` enables, in code order. A caller that runs the rules
/// on many plans under one configuration (`memmath fit`) asks once.
pub fn enabled_rules(config: &RulesConfig) -> Vec<&'static dyn Rule> {
    all_rules()
        .into_iter()
        .filter(|rule| config.is_enabled(rule.code(), None))
        .collect()
}

/// [`run_all`] with the enabled rules already chosen ([`enabled_rules`] of
/// the same `config`): the same findings, the same severities.
pub fn run_enabled(
    ctx: &RuleContext<'_>,
    rules: &[&'static dyn Rule],
    config: &RulesConfig,
) -> Vec<Finding> {
    let found = rules.iter().flat_map(|rule| rule.check(ctx)).collect();
    config.apply(found, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_rule_matches_its_registry_row_and_every_rule_row_has_a_rule() {
        let rules = all_rules();
        for r in &rules {
            let row = crate::codes::find(r.code())
                .unwrap_or_else(|| panic!("{} is not in the code registry", r.code()));
            assert_eq!(
                (row.code, row.name, row.severity, row.kind),
                (
                    r.code(),
                    r.name(),
                    r.default_severity(),
                    crate::codes::Kind::Rule
                ),
                "{} differs from its registry row",
                r.code()
            );
        }
        for row in crate::codes::all()
            .iter()
            .filter(|c| c.kind == crate::codes::Kind::Rule)
        {
            assert!(
                rules.iter().any(|r| r.code() == row.code),
                "registry row {} has no rule",
                row.code
            );
        }
        let codes: BTreeSet<_> = rules.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), rules.len(), "duplicate code");
    }

    #[test]
    fn the_contract_codes_exist_with_their_names() {
        let contract = [
            ("MEM001", "weights-exceed-gpu-memory"),
            ("MEM002", "kv-cache-exceeds-budget"),
            ("MEM003", "max-model-len-does-not-fit"),
            ("MEM004", "headroom-below-minimum"),
            ("MEM005", "weights-only-plan"),
            ("TRF001", "average-token-lengths"),
            ("TRF002", "max-context-for-all-traffic"),
            ("TRF003", "long-context-needs-separate-pool"),
            ("TRF004", "no-burst-margin"),
            ("TRF005", "context-exceeds-model-limit"),
            ("TRF006", "class-exceeds-max-model-len"),
            ("QNT001", "low-bit-weights-with-16-bit-kv-cache"),
            ("QNT002", "dtype-unsupported-on-gpu"),
            ("PAR001", "tensor-parallel-does-not-divide-heads"),
            ("PAR002", "kv-heads-replicated-across-tensor-parallel"),
            ("PAR003", "tensor-parallel-spans-nodes"),
            ("PAR004", "pipeline-stages-unbalanced"),
            ("PAR005", "gpu-count-mismatch"),
            ("HST001", "host-memory-not-specified"),
            ("HST002", "host-memory-below-load-peak"),
            ("HST003", "pickle-checkpoint"),
            ("HST004", "shard-index-mismatch"),
            ("TRN001", "model-states-exceed-memory"),
            ("TRN002", "activations-without-checkpointing"),
            ("SUP001", "unused-suppression"),
            ("SUP002", "unknown-rule-in-suppression"),
        ];
        for (code, name) in contract {
            let r = find_rule(code).unwrap_or_else(|| panic!("{code} missing"));
            assert_eq!(r.name(), name);
            assert_eq!(find_rule(name).map(|r| r.code()), Some(code));
        }
        assert_eq!(find_rule("mem003").map(|r| r.code()), Some("MEM003"));
    }

    #[test]
    fn run_all_applies_select_ignore_and_severity() {
        use crate::rules::testutil::Fixture;
        let mut fx = Fixture::edit(|v| {
            v["serving"]["gpu_memory_utilization"] = 0.97.into();
            v["traffic"]["classes"][0]
                .as_object_mut()
                .map(|o| o.remove("burst"));
        });
        fx.plan.per_gpu.free_bytes = crate::units::Bytes(fx.plan.per_gpu.total_bytes.0 * 3 / 100);
        let run = |cfg: &RulesConfig| {
            let derived = crate::plan::derive(&fx.plan, Some(fx.spec.parallelism.tensor));
            let ctx = RuleContext {
                spec: &fx.spec,
                resolved: &fx.resolved,
                plan: &fx.plan,
                derived: &derived,
                config: cfg,
            };
            let mut v: Vec<(String, Severity)> = run_all(&ctx, cfg)
                .into_iter()
                .map(|f| (f.code, f.severity))
                .collect();
            v.sort();
            v
        };
        let all = run(&RulesConfig::default());
        assert_eq!(
            all,
            vec![
                ("MEM004".to_string(), Severity::Warning),
                ("TRF004".to_string(), Severity::Warning)
            ]
        );
        let cfg = crate::rules::load_config("ignore = [\"TRF\"]\n[severity]\nMEM004 = \"error\"")
            .expect("valid");
        assert_eq!(run(&cfg), vec![("MEM004".to_string(), Severity::Error)]);
        let cfg = cfg.with_cli(vec!["no-burst-margin".into()], vec![]);
        assert_eq!(run(&cfg), vec![("TRF004".to_string(), Severity::Warning)]);
    }

    #[test]
    fn every_doc_has_the_four_sections() {
        for r in all_rules() {
            let doc = r.doc();
            for h in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## How to fix",
            ] {
                assert!(doc.contains(h), "{} lacks {h}", r.code());
            }
            assert!(!doc.starts_with(' '), "{} doc not dedented", r.code());
            assert!(!r.summary().is_empty(), "{} has no summary", r.code());
        }
    }
}

#[cfg(test)]
mod robustness {
    use super::*;
    use crate::rules::testutil::Fixture;
    use crate::units::Bytes;

    /// Absurd but schema-valid numbers: every rule returns (quickly), none panics.
    #[test]
    fn rules_survive_extreme_values() {
        for big in [0u64, 1, u32::MAX as u64, u64::MAX / 3, u64::MAX] {
            let mut fx = Fixture::edit(|v| {
                v["parallelism"]["tensor"] = big.max(1).into();
                v["parallelism"]["pipeline"] = big.max(1).into();
                v["serving"]["max_num_seqs"] = big.max(1).into();
            });
            let a = &mut fx.resolved.model.architecture;
            a.layers = big;
            a.attention_heads = big.max(1);
            a.kv_heads = big;
            a.intermediate_size = big;
            a.vocab_size = big;
            a.hidden_size = big;
            let g = &mut fx.plan;
            g.per_gpu.weights_bytes = Bytes(big);
            g.per_gpu.budget_bytes = Bytes(big / 2);
            g.per_gpu.kv_cache_bytes = big as i64;
            g.weights.total_bytes = Bytes(big);
            g.gpu.gpus_per_node = big;
            g.gpu.nodes = big;
            g.gpu.replicas = big;
            g.host.load_peak_bytes = Bytes(big);
            g.host.workers_per_node = big;
            for c in &mut g.classes {
                c.kv_bytes_per_sequence = big;
                c.required_concurrency = big;
                c.per_replica_concurrency = big;
                c.fits = false;
                c.pool_share = f64::MAX;
            }
            if let Some(k) = g.kv_cache.as_mut() {
                k.max_model_len = big;
                k.bytes_per_token_per_gpu = big;
                k.capacity_tokens = big;
            }
            for r in all_rules() {
                let _ = fx.run(r);
            }
            let mut t = Fixture::training();
            if let Some(tp) = t.plan.training.as_mut() {
                tp.activations_bytes = Bytes(big);
                tp.total_bytes = Bytes(big);
                tp.optimizer_bytes = Bytes(big);
            }
            for r in all_rules() {
                let _ = t.run(r);
            }
        }
    }
}
