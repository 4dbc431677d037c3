//! Reports: the JSON plan, Markdown and HTML capacity reports, and PR diffs.

mod json;

pub use json::plan_json;
