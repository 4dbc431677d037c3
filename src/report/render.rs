//! Rendering a [`ReportSet`] through the embedded (or user-supplied) templates.
//!
//! Template sources come in as strings: reading `--template-dir` is the CLI's job.
//! Any template error (syntax, undefined key, bad filter input) is returned as
//! [`RenderError`] so the CLI exits 2.

use super::env::environment;
use super::model::ReportSet;
use minijinja::value::{Serde, Value};
use std::fmt;

/// The embedded templates (design.md section 1).
pub const MARKDOWN_TEMPLATE: &str = include_str!("../../templates/report.md.j2");
pub const HTML_TEMPLATE: &str = include_str!("../../templates/report.html.j2");

/// File names of the templates; `--template-dir` overrides them by these names.
pub const MARKDOWN_NAME: &str = "report.md.j2";
pub const HTML_NAME: &str = "report.html.j2";

/// The two rendered formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
}

impl Format {
    pub fn template_name(self) -> &'static str {
        match self {
            Format::Markdown => MARKDOWN_NAME,
            Format::Html => HTML_NAME,
        }
    }
    pub fn embedded(self) -> &'static str {
        match self {
            Format::Markdown => MARKDOWN_TEMPLATE,
            Format::Html => HTML_TEMPLATE,
        }
    }
}

/// A template failed to compile or render.
#[derive(Debug)]
pub struct RenderError(pub String);

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RenderError {}

fn template_error(e: minijinja::Error) -> RenderError {
    // `{:#}` includes the template name, line and the chain of causes.
    let mut msg = format!("template error: {e:#}");
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    RenderError(msg)
}

/// Render `set` in `format`, with `template` replacing the embedded one when given.
pub fn render(
    set: &ReportSet,
    format: Format,
    template: Option<&str>,
) -> Result<String, RenderError> {
    let name = format.template_name();
    let source = template.unwrap_or(format.embedded());
    let env = environment(name, source).map_err(template_error)?;
    let tpl = env.get_template(name).map_err(template_error)?;
    let ctx = Value::from(Serde(set));
    let mut out = tpl.render(ctx).map_err(template_error)?;
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}
