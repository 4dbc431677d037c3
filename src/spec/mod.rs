//! The spec: YAML with spans -> JSON value (+ pointer -> span map) -> typed [`Spec`].

pub mod engine_version;
mod families;
mod load;
mod typed;
mod types;
mod yaml;

pub use load::{
    decode_source, mentions_memmath_api_version, syn001, syn003, too_large, MAX_SPEC_BYTES,
};
pub use typed::{implied_dtypes, implied_weight_dtype, semantic_checks, to_typed};
pub use types::*;
pub use yaml::{
    escape_pointer_token, parse, NodeSpans, SpannedDoc, MAX_ALIAS_EVENTS, MAX_DEPTH, MAX_NODES,
};
