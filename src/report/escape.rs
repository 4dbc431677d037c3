//! Escaping of user strings for the two output languages: the helpers live in
//! the leaf module [`crate::text`] (diagnostics use them too); re-exported here
//! under the names report code uses.

pub use crate::text::{html, markdown_code, markdown_text};
