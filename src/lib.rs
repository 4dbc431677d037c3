//! memmath: memory math and lint rules for LLM deployment and fine-tuning specs.
//!
//! The library is pure: it takes source text and small file-reading traits, and
//! returns findings, plans and rendered text. Only the binary's `cli/` layer touches
//! files, the environment, stdout and exit codes (design.md section 1).
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod catalog;
pub mod codes;
pub mod diagnostics;
pub mod fit;
pub mod hardware;
pub mod import;
pub mod init;
pub mod pipeline;
pub mod plan;
pub mod report;
pub mod rules;
pub mod schema;
pub mod server;
pub mod source;
pub mod spec;
pub mod text;
pub mod units;
