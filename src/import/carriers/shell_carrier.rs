//! The shell carrier: scripts and command lines (`vllm serve ...`,
//! `python -m ...`, `docker run ...`, `trtllm-serve ...`). Split by the
//! restricted splitter (shell.rs); static assignments (`TP=4`, `export
//! MAX_LEN=8192`) made before a launch give variables their values, as
//! reading the script top to bottom shows; nothing is executed. A launch in
//! a comment is reported as ineffective (IMP003).

use super::launch::{self, Found};
use super::shell;
use crate::codes;
use crate::diagnostics::Finding;
use crate::import::words::{Part, Vars, Word};
use crate::import::{GpuFacts, Launch};
use crate::source::SourceFile;

/// The launches of a script.
pub fn script(source: &SourceFile) -> (Vec<Launch>, Vec<Finding>) {
    let parsed = shell::split(&source.text, 0);
    let mut launches = Vec::new();
    let mut findings = Vec::new();
    let mut vars = Vars::default();
    let mut exported: Vec<(String, crate::source::Span)> = Vec::new();
    let stem = std::path::Path::new(&source.name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty() && s != "-")
        .unwrap_or_else(|| "imported".to_string());
    for cmd in &parsed.commands {
        if let Some(found) = launch::find(&cmd.words) {
            let name = if launches.is_empty() {
                stem.clone()
            } else {
                format!("{stem}-{}", launches.len() + 1)
            };
            let mut l = Launch::new(name, cmd.words[found.at].span, found.engine);
            l.image = found.image.clone();
            l.argv = cmd.words[found.args_from..].to_vec();
            l.vars = vars.clone();
            l.env_names = exported.clone();
            prefix_env(&found, &cmd.words, &mut l);
            if let Some((n, i)) = found.gpus {
                l.gpu = GpuFacts {
                    count: Some((n, cmd.words[i].span)),
                    ..GpuFacts::default()
                };
            }
            launches.push(l);
            continue;
        }
        assignments(&cmd.words, &mut vars, &mut exported);
    }
    for c in &parsed.comments {
        if launch::comment_launches(&c.text) {
            findings.push(
                codes::IMP003
                    .finding("", "a commented-out engine launch: it does not run, so nothing on this line counts")
                    .with_fix("delete the line, or uncomment it if this is the launch meant to run")
                    .with_span(c.span),
            );
        }
    }
    (launches, findings)
}

/// `NAME=value` commands and `export NAME=value`: the value is kept as a
/// word (it may name other variables) and resolved where it is used.
fn assignments(words: &[Word], vars: &mut Vars, exported: &mut Vec<(String, crate::source::Span)>) {
    let first = words.first().and_then(Word::as_literal);
    let export = first.as_deref() == Some("export");
    let start = usize::from(
        first.is_some_and(|w| matches!(w.as_str(), "export" | "readonly" | "declare" | "local")),
    );
    for w in &words[start..] {
        let Some(Part::Lit(first)) = w.parts.first() else {
            return;
        };
        let Some((name, value)) = first.split_once('=') else {
            return;
        };
        if name.is_empty() || !name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric()) {
            return;
        }
        if export {
            exported.push((name.to_string(), w.span));
        }
        if super::kubernetes::is_secret(name) {
            continue;
        }
        let mut parts = vec![Part::Lit(value.to_string())];
        parts.extend(w.parts[1..].iter().cloned());
        let value = Word {
            parts,
            span: w.span,
        };
        vars.file.insert(name.to_string(), (value, w.span));
    }
}

/// Assignments before the command (`TP=4 vllm serve`) and `docker run -e`
/// values: the engine's environment.
pub fn prefix_env(found: &Found, words: &[Word], l: &mut Launch) {
    for (text, i) in &found.env {
        let Some((name, value)) = text.split_once('=') else {
            continue;
        };
        let span = words.get(*i).map_or(l.span, |w| w.span);
        l.env_names.push((name.to_string(), span));
        // `CUDA_VISIBLE_DEVICES=0,1,2,3` is how many GPUs the engine sees.
        if name == "CUDA_VISIBLE_DEVICES" && l.gpu.count.is_none() {
            let n = value.split(',').filter(|d| !d.trim().is_empty()).count() as u64;
            if n > 0 && value.split(',').all(|d| d.trim().parse::<u32>().is_ok()) {
                l.gpu.count = Some((n, span));
            }
        }
        if !super::kubernetes::is_secret(name) {
            l.vars
                .file
                .insert(name.to_string(), (Word::literal(value, span), span));
        }
    }
}
