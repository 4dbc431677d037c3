//! Text helpers every output shares: escaping user strings for Markdown and
//! HTML, and the one "did you mean" suggestion used for unknown fields, enum
//! values, catalogue ids and codes. A leaf module: it depends on nothing else
//! in the crate, so diagnostics, reports and the catalogue can all use it.

mod html;
mod markdown;
mod suggest;

pub use html::html;
pub use markdown::{markdown_code, markdown_text};
pub use suggest::{did_you_mean, did_you_mean_hint, hint, nearest};
