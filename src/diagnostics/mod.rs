//! Findings (the data every check produces) and their renderers.
//!
//! A finding is data, never an `Err`: parsing, schema validation, semantic checks,
//! rules and hardware checks all return `Vec<Finding>`. Renderers (one file per
//! output format) turn located findings into text; miette lives only here.
//! Adding a format is one file plus one arm in [`render`].

mod concise;
mod finding;
mod full;
mod github;
mod json;
mod markdown;
mod safe_text;
mod sarif;
mod summary;

pub use finding::{EditPart, FieldEdit, Finding, LocatedFinding, Severity};
pub use safe_text::terminal_safe;
pub use summary::{statistics, summary_line, Counts};

use crate::source::SourceFile;
use std::path::PathBuf;

/// One checked file: its source (for code frames) and its located findings.
#[derive(Clone, Debug)]
pub struct FileFindings {
    pub source: SourceFile,
    pub findings: Vec<LocatedFinding>,
}

impl FileFindings {
    /// Locate `findings` in `source`.
    pub fn new(source: SourceFile, findings: &[Finding]) -> FileFindings {
        let findings = findings
            .iter()
            .map(|f| LocatedFinding::locate(f, &source))
            .collect();
        FileFindings { source, findings }
    }

    /// A spec's findings as files: the spec's own, then (when it has a
    /// `deployment` file and findings about imported values) the deployment
    /// file's, each located in its own file so every format (code frames,
    /// SARIF, GitHub annotations) names the right path and line.
    pub fn split(
        source: SourceFile,
        deployment: Option<&SourceFile>,
        findings: &[Finding],
    ) -> Vec<FileFindings> {
        let Some(dep) = deployment else {
            return vec![FileFindings::new(source, findings)];
        };
        let (there, here): (Vec<&Finding>, Vec<&Finding>) =
            findings.iter().partition(|f| f.deployment_span.is_some());
        let own: Vec<Finding> = here.into_iter().cloned().collect();
        let mut out = vec![FileFindings::new(source, &own)];
        if !there.is_empty() {
            let located = there
                .into_iter()
                .map(|f| LocatedFinding::locate_in(f, &out[0].source, Some(dep)))
                .collect();
            out.push(FileFindings {
                source: dep.clone(),
                findings: located,
            });
        }
        out
    }
}

/// The output formats of `memmath check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Full,
    Concise,
    Json,
    Sarif,
    Github,
    Markdown,
}

/// How to render; the CLI decides (terminal, `NO_COLOR`), the library obeys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderOptions {
    /// ANSI colours in `full` output.
    pub color: bool,
    /// Line width for `full` output.
    pub width: usize,
    /// The folder SARIF artifact URIs are relative to (the CLI passes the
    /// working directory): an absolute spec path under it becomes relative.
    pub base_dir: Option<PathBuf>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            width: 100,
            base_dir: None,
        }
    }
}

/// Render every file's findings in `format`. Pass every checked file, clean ones
/// included: the summary line counts them.
pub fn render(format: Format, files: &[FileFindings], opts: &RenderOptions) -> String {
    match format {
        Format::Full => full::render(files, opts),
        Format::Concise => concise::render(files),
        Format::Json => json::render(files),
        Format::Sarif => sarif::render(files, opts.base_dir.as_deref()),
        Format::Github => github::render(files),
        Format::Markdown => markdown::render(files),
    }
}

/// All findings of all files, in output order: by file, then position, then code.
fn ordered(files: &[FileFindings]) -> Vec<&LocatedFinding> {
    let mut all: Vec<&LocatedFinding> = files.iter().flat_map(|f| f.findings.iter()).collect();
    all.sort_by(|a, b| {
        (a.file.as_str(), a.line, a.column, a.code.as_str()).cmp(&(
            b.file.as_str(),
            b.line,
            b.column,
            b.code.as_str(),
        ))
    });
    all
}
