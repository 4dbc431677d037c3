//! Finding codes the catalogue and the importers emit (docs/catalog.md lists
//! each with an example and its fix). Kept in one place so the codes stay unique
//! and the docs test can check every one is documented.

use crate::diagnostics::{Finding, Severity};

/// One finding kind: code, kebab-case name, default severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
}

impl Code {
    pub fn finding(self, pointer: &str, message: impl Into<String>) -> Finding {
        Finding::new(self.code, self.name, self.severity, pointer, message)
    }
}

/// `model.preset` or `hardware.gpu` names no catalogue entry.
pub const UNKNOWN_PRESET: Code = Code {
    code: "CAT001",
    name: "unknown-preset",
    severity: Severity::Error,
};
/// config.json's `model_type` is not one the importer maps.
pub const UNKNOWN_MODEL_TYPE: Code = Code {
    code: "CAT002",
    name: "unknown-model-type",
    severity: Severity::Error,
};
/// config.json is unreadable, not JSON, or lacks / mistypes a required field.
pub const INVALID_HF_CONFIG: Code = Code {
    code: "CAT003",
    name: "invalid-hf-config",
    severity: Severity::Error,
};
/// A safetensors header is truncated, lies about its length, or describes
/// tensors that do not fit the file.
pub const INVALID_SAFETENSORS_HEADER: Code = Code {
    code: "CAT004",
    name: "invalid-safetensors-header",
    severity: Severity::Error,
};
/// `model.safetensors` names nothing readable, or a folder without shards.
pub const SAFETENSORS_NOT_FOUND: Code = Code {
    code: "CAT005",
    name: "safetensors-not-found",
    severity: Severity::Error,
};
/// model.safetensors.index.json is not valid JSON or has no `weight_map`.
pub const INVALID_SAFETENSORS_INDEX: Code = Code {
    code: "CAT006",
    name: "invalid-safetensors-index",
    severity: Severity::Error,
};
/// The resolved architecture is impossible (zero layers, kv_heads not dividing
/// attention_heads, a sliding layer past the last layer, ...).
pub const INVALID_ARCHITECTURE: Code = Code {
    code: "CAT007",
    name: "invalid-architecture",
    severity: Severity::Error,
};
/// Both `model.preset` and `model.hf_config` are set.
pub const CONFLICTING_MODEL_SOURCE: Code = Code {
    code: "CAT008",
    name: "conflicting-model-source",
    severity: Severity::Error,
};
/// config.json's `quantization_config` is a method the importer cannot map.
pub const UNSUPPORTED_QUANTIZATION_CONFIG: Code = Code {
    code: "CAT009",
    name: "unsupported-quantization-config",
    severity: Severity::Warning,
};
/// An inline GPU without `compute_capability` matched no catalogue name.
pub const UNMATCHED_GPU_NAME: Code = Code {
    code: "CAT010",
    name: "unmatched-gpu-name",
    severity: Severity::Info,
};
/// `serving.engine_version` parses but is outside the engine defaults table
/// (src/spec/engine_version.rs): the nearest row's defaults are used.
pub const ENGINE_VERSION_OUTSIDE_DEFAULTS: Code = Code {
    code: "CAT011",
    name: "engine-version-outside-defaults",
    severity: Severity::Warning,
};
/// The safetensors index and its shards do not belong to one model revision.
pub const SHARD_INDEX_MISMATCH: Code = Code {
    code: "HST004",
    name: "shard-index-mismatch",
    severity: Severity::Error,
};

/// Every code this module defines, for documentation and uniqueness tests.
pub const ALL: &[Code] = &[
    UNKNOWN_PRESET,
    UNKNOWN_MODEL_TYPE,
    INVALID_HF_CONFIG,
    INVALID_SAFETENSORS_HEADER,
    SAFETENSORS_NOT_FOUND,
    INVALID_SAFETENSORS_INDEX,
    INVALID_ARCHITECTURE,
    CONFLICTING_MODEL_SOURCE,
    UNSUPPORTED_QUANTIZATION_CONFIG,
    UNMATCHED_GPU_NAME,
    ENGINE_VERSION_OUTSIDE_DEFAULTS,
    SHARD_INDEX_MISMATCH,
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_and_names_are_unique() {
        let codes: BTreeSet<_> = ALL.iter().map(|c| c.code).collect();
        let names: BTreeSet<_> = ALL.iter().map(|c| c.name).collect();
        assert_eq!(codes.len(), ALL.len());
        assert_eq!(names.len(), ALL.len());
    }
}
