//! The finding codes the catalogue and the importers emit, under the names the
//! catalogue code uses. Each is a row of the one code registry
//! ([`crate::codes`]), which holds its name, severity, summary and docs
//! section (docs/catalog.md lists each with an example and its fix). The list
//! of them is the registry's `Kind::Catalog` rows, plus HST004, a rule code the
//! safetensors importer also emits.

pub use crate::codes::{
    CAT001 as UNKNOWN_PRESET, CAT002 as UNKNOWN_MODEL_TYPE, CAT003 as INVALID_HF_CONFIG,
    CAT004 as INVALID_SAFETENSORS_HEADER, CAT005 as SAFETENSORS_NOT_FOUND,
    CAT006 as INVALID_SAFETENSORS_INDEX, CAT007 as INVALID_ARCHITECTURE,
    CAT008 as CONFLICTING_MODEL_SOURCE, CAT009 as UNSUPPORTED_QUANTIZATION_CONFIG,
    CAT010 as UNMATCHED_GPU_NAME, CAT011 as ENGINE_VERSION_OUTSIDE_DEFAULTS,
    CAT012 as ENGINE_VERSION_NEWER_THAN_DEFAULTS, CAT020 as MODEL_TYPE_BY_CONVENTION,
    HST004 as SHARD_INDEX_MISMATCH,
};
