//! Findings (the data every check produces) and their renderers.
//!
//! A finding is data, never an `Err`: parsing, schema validation, semantic checks,
//! rules and hardware checks all return `Vec<Finding>`. Renderers (one file per
//! output format) turn located findings into text; miette lives only here.

mod finding;

pub use finding::{Finding, LocatedFinding, Severity};
