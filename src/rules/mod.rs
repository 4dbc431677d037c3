//! Lint rules: one file per rule, a registry, configuration (severity
//! overrides, select/ignore, thresholds, per-file ignores) and suppressions.
//!
//! Each rule is declared with [`declare_rule!`]: its doc comment (What it does /
//! Why is this bad? / Example / How to fix) is both the rustdoc and the text
//! `memmath rule CODE` prints, so the user doc has a single source.

#[macro_use]
mod macros;
mod config;
mod glob;
mod registry;
mod replan;
pub mod suppress;
mod util;

#[cfg(test)]
pub(crate) mod testutil;

mod hst001_host_memory_not_specified;
mod hst002_host_memory_below_load_peak;
mod hst003_pickle_checkpoint;
mod hst004_shard_index_mismatch;
mod hst020_host_memory_below_serving_caches;
mod mem001_weights_exceed_gpu_memory;
mod mem002_kv_cache_exceeds_budget;
mod mem003_max_model_len_does_not_fit;
mod mem004_headroom_below_minimum;
mod mem005_weights_only_plan;
mod mem006_cuda_graphs_squeezed_out;
mod mem020_state_pages_limit_concurrency;
mod mem021_speculative_tokens_exceed_batch_budget;
mod mem022_lora_slots_crowd_out_traffic;
mod mem023_vision_budget_crowds_out_text;
mod mem024_startup_fails_after_kv_cache;
mod par001_tensor_parallel_does_not_divide_heads;
mod par002_kv_heads_replicated_across_tensor_parallel;
mod par003_tensor_parallel_spans_nodes;
mod par004_pipeline_stages_unbalanced;
mod par005_gpu_count_mismatch;
mod par006_mla_cache_replicated_across_tensor_parallel;
mod qnt001_low_bit_weights_with_16_bit_kv_cache;
mod qnt002_dtype_unsupported_on_gpu;
mod qnt003_kv_cache_dtype_unsupported_by_engine;
mod sup001_unused_suppression;
mod sup002_unknown_rule_in_suppression;
mod sup003_suppression_without_reason;
mod trf001_average_token_lengths;
mod trf002_max_context_for_all_traffic;
mod trf003_long_context_needs_separate_pool;
mod trf004_no_burst_margin;
mod trf005_context_exceeds_model_limit;
mod trf006_class_exceeds_max_model_len;
mod trf007_concurrency_exceeds_max_num_seqs;
mod trn001_model_states_exceed_memory;
mod trn002_activations_without_checkpointing;
mod trn003_training_exceeds_memory;
mod trn004_zero_without_data_parallelism;

pub use config::{
    check_selector, check_selectors, load_config, load_config_at, RulesConfig, Thresholds,
};
pub use registry::{all_rules, enabled_rules, find_rule, run_all, run_enabled};

use crate::catalog::Resolved;
use crate::diagnostics::{Finding, Severity};
use crate::plan::{Derived, Plan};
use crate::spec::Spec;

/// Everything a rule may look at. Rules are pure: no I/O.
pub struct RuleContext<'a> {
    pub spec: &'a Spec,
    pub resolved: &'a Resolved,
    pub plan: &'a Plan,
    /// The figures derived from the plan (`plan::derive`), so a rule's
    /// message prints the same number as the report.
    pub derived: &'a Derived,
    pub config: &'a RulesConfig,
}

/// A lint rule. Findings carry a JSON pointer; the pipeline attaches the span.
pub trait Rule: Sync {
    fn code(&self) -> &'static str;
    fn name(&self) -> &'static str;
    fn default_severity(&self) -> Severity;
    /// User documentation (What it does / Why is this bad? / Example / How to fix).
    fn doc(&self) -> &'static str;
    fn check(&self, ctx: &RuleContext<'_>) -> Vec<Finding>;

    /// A finding of this rule at its default severity; `run_all` applies the
    /// configured severity afterwards.
    fn finding(&self, pointer: &str, message: String) -> Finding {
        Finding::new(
            self.code(),
            self.name(),
            self.default_severity(),
            pointer,
            message,
        )
    }

    /// One line: the summary of this rule's row in the code registry
    /// ([`crate::codes`]), for tables and SARIF.
    fn summary(&self) -> &'static str {
        crate::codes::find(self.code()).map_or("", |c| c.summary)
    }
}
