//! The spec: YAML with spans -> JSON value (+ pointer -> span map) -> typed [`Spec`].

mod typed;
mod types;
mod yaml;

pub use typed::{semantic_checks, to_typed};
pub use types::*;
pub use yaml::{parse, NodeSpans, SpannedDoc};
