//! Reports: the JSON plan, Markdown and HTML capacity reports, and PR diffs.
//!
//! [`build_set`] turns analyzed specs into a [`ReportSet`] (every number the
//! templates print, read from the plan and [`crate::plan::derive`], never
//! computed here; with `report --hardware`, each spec's measured-vs-planned
//! section comes from `Analysis.live`), [`render`] lays it out through minijinja,
//! and [`diff`] compares two plans. Nothing here reads files or prints.

pub mod alternatives;
pub mod diff;
mod env;
mod gpu_memory;
mod json;
mod live;
mod markdown;
mod model;
mod render;
mod spec_json;
mod steps;
mod steps_layers;
mod summary;
mod svg;
mod verdict;
mod worksheet;

pub use env::{format_float, group_digits};
pub use json::plan_json;
pub use live::{text as live_text, view as live_view, HeldRow, LiveRow, LiveView};
pub use markdown::to_safe_html;
pub use model::{build, build_set, ReportModel, ReportSet};
pub use render::{render, Format, RenderError, HTML_NAME, MARKDOWN_NAME};
pub use steps::Step;
