//! `memmath import FILE|-`: turn a serving config into memmath specs, one per
//! engine pool (docs/import.md). Specs go to stdout (a multi-document YAML
//! stream, or `{"specs": [...], "findings": [...]}` with `--format json`), to
//! `-o FILE` or to one file per pool in `--out-dir`; findings go to stderr in
//! the concise form (YAML output) or into the JSON.
//!
//! Exit status: 1 when an error finding is reported, else 0; 2 when a file
//! cannot be read or a flag is wrong.

use super::args::{ImportArgs, ImportFormat};
use super::files::{read_bounded, read_text, RealFiles};
use super::ExitStatus;
use memmath::diagnostics::{self, FileFindings, LocatedFinding, RenderOptions, Severity};
use memmath::import::{self, spec_out, ImportOptions};
use memmath::source::SourceFile;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// Largest imported file: `helm template` output of a big chart fits.
const IMPORT_LIMIT: u64 = 16 << 20;

pub fn run(args: ImportArgs) -> Result<ExitStatus, String> {
    let source = read_input(&args.file)?;
    let mut env = BTreeMap::new();
    for kv in &args.env {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| format!("--env {kv:?}: expected NAME=VALUE"))?;
        if k.is_empty() {
            return Err(format!("--env {kv:?}: the variable name is empty"));
        }
        env.insert(k.to_string(), v.to_string());
    }
    let traffic = match &args.traffic {
        Some(path) => {
            let text = read_text(path, 1 << 20)?;
            let src = SourceFile::new(path.display().to_string(), text);
            match import::read_traffic(&src) {
                Ok(v) => Some(v),
                Err(findings) => {
                    let f = FileFindings::new(src, &findings);
                    eprint!(
                        "{}",
                        diagnostics::render(
                            diagnostics::Format::Concise,
                            &[f],
                            &RenderOptions::default()
                        )
                    );
                    return Err(format!("{}: not a traffic file", path.display()));
                }
            }
        }
        None => None,
    };
    let opts = ImportOptions {
        container: args.container.clone(),
        gpu: args.gpu.clone(),
        engine_version: args.engine_version.clone(),
        env,
        model: args.model.clone(),
        traffic,
    };
    let dir = if args.file == Path::new("-") {
        std::env::current_dir().map_err(|e| e.to_string())?
    } else {
        args.file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    };
    let imported = import::import(&source, &opts, &RealFiles, &dir);
    let failed = imported
        .findings
        .iter()
        .any(|f| f.severity == Severity::Error);
    let located = FileFindings::new(source.clone(), &imported.findings);

    match args.format {
        ImportFormat::Json => {
            let specs: Vec<_> = imported.pools.iter().map(|p| p.spec.clone()).collect();
            let provenance: Vec<_> = imported
                .pools
                .iter()
                .map(|p| import::build::provenance_json(&p.provenance, &source))
                .collect();
            let findings: Vec<&LocatedFinding> = located.findings.iter().collect();
            let out = serde_json::json!({
                "specs": specs,
                "findings": findings,
                "provenance": provenance,
            });
            let text = serde_json::to_string_pretty(&out).map_err(|e| e.to_string())? + "\n";
            emit(&args, &text)?;
        }
        ImportFormat::Yaml => {
            if !located.findings.is_empty() {
                eprint!(
                    "{}",
                    diagnostics::render(
                        diagnostics::Format::Concise,
                        &[located],
                        &RenderOptions::default()
                    )
                );
            }
            if let Some(dir) = &args.out_dir {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                let mut used = BTreeMap::new();
                for p in &imported.pools {
                    let base = file_stem(&p.name);
                    let n = used.entry(base.clone()).or_insert(0u32);
                    *n += 1;
                    let name = if *n == 1 {
                        format!("{base}.yaml")
                    } else {
                        format!("{base}-{n}.yaml")
                    };
                    let path = dir.join(name);
                    let text = spec_text(p, &source);
                    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
                }
            } else {
                let text: Vec<String> = imported
                    .pools
                    .iter()
                    .map(|p| spec_text(p, &source))
                    .collect();
                emit(&args, &text.join("---\n"))?;
            }
        }
    }
    Ok(if failed {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}

fn spec_text(p: &import::Pool, source: &SourceFile) -> String {
    format!(
        "# yaml-language-server: $schema={}\n# Imported by `memmath import` from {}; comments say where each value came from.\n{}",
        memmath::schema::published_url(),
        source.name.replace(['\n', '\r'], " "),
        spec_out::to_yaml(&p.spec, &p.provenance, source)
    )
}

fn emit(args: &ImportArgs, text: &str) -> Result<(), String> {
    match &args.output {
        Some(path) => super::output::write_output(Some(path), text),
        None => super::output::stdout(text),
    }
}

/// A file name from a pool name: letters, digits, `-`, `_`, `.` only.
fn file_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches(['-', '.']).to_string();
    if s.is_empty() {
        "imported".to_string()
    } else {
        s
    }
}

fn read_input(path: &Path) -> Result<SourceFile, String> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(IMPORT_LIMIT + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("stdin: {e}"))?;
        if bytes.len() as u64 > IMPORT_LIMIT {
            return Err(format!("stdin: larger than the {IMPORT_LIMIT}-byte limit"));
        }
        let text = String::from_utf8(bytes).map_err(|e| format!("stdin: not UTF-8 text: {e}"))?;
        return Ok(SourceFile::new("-", text));
    }
    let shown = path.display().to_string();
    let bytes = read_bounded(path, IMPORT_LIMIT)
        .map_err(|e| format!("{shown}: {e}"))?
        .map_err(|l| format!("{shown}: larger than the {l}-byte limit"))?;
    let text = String::from_utf8(bytes).map_err(|e| format!("{shown}: not UTF-8 text: {e}"))?;
    Ok(SourceFile::new(shown, text))
}
