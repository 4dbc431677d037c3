//! `deployment:` in a spec: import the serving config it names and merge it
//! into the spec's document before the schema runs. The spec's own fields win;
//! a field set in both with a different value is IMP005 (at the manifest's
//! line); imported fields are recorded with their place in the manifest, so a
//! finding about one (MEM003 on an imported `max_model_len`) is reported there.
//!
//! Only values read from the file are merged: derived figures (GPUs per node
//! from the parallel degrees) and assumed engine versions are left to the plan,
//! which applies and reports its own defaults.

use super::{import, ImportOptions, Pool};
use crate::catalog::FileAccess;
use crate::codes;
use crate::diagnostics::Finding;
use crate::source::{SourceFile, Span};
use crate::spec::{escape_pointer_token, SpannedDoc};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// The spec's deployment file, imported and merged.
#[derive(Clone, Debug)]
pub struct Merged {
    /// The deployment file (its findings are located in it).
    pub source: SourceFile,
    /// Spec pointer -> the span in the deployment file its value came from
    /// and how it is written there (`--max-model-len 131072`), for every
    /// field the merge filled in.
    pub origins: BTreeMap<String, (Span, String)>,
}

impl Merged {
    /// The manifest span of the imported field at exactly `pointer`.
    pub fn origin_of(&self, pointer: &str) -> Option<Span> {
        self.origins.get(pointer).map(|(s, _)| *s)
    }

    /// The manifest span of the first imported field under `pointer`: for a
    /// finding on an object the merge created (`/serving` of a spec that had
    /// none), reported at the launch's first imported value.
    pub fn first_under(&self, pointer: &str) -> Option<Span> {
        if pointer.is_empty() {
            return None;
        }
        self.origins
            .range(format!("{pointer}/")..)
            .take_while(|(p, _)| p.starts_with(&format!("{pointer}/")))
            .map(|(_, (s, _))| *s)
            .min()
    }

    /// How the imported value of `pointer` is written in the deployment file.
    pub fn written_as(&self, pointer: &str) -> Option<&str> {
        self.origins.get(pointer).map(|(_, w)| w.as_str())
    }
}

/// Largest deployment file read (the same bound as `memmath import`).
const MAX_DEPLOYMENT_BYTES: usize = 16 << 20;

/// Merge the spec's `deployment` file into `doc`. Returns the merge (None when
/// the spec has no usable `deployment`) and the findings: the import's own
/// (with `deployment_span` set), IMP005 drift, and a finding at
/// `/deployment/file` when the file cannot be read or holds no single pool.
pub fn merge(
    doc: &mut SpannedDoc,
    spec_dir: &Path,
    files: &dyn FileAccess,
) -> (Option<Merged>, Vec<Finding>) {
    let mut findings = Vec::new();
    let Some(dep) = doc
        .value
        .get("deployment")
        .and_then(Value::as_object)
        .cloned()
    else {
        return (None, findings);
    };
    let Some(file) = dep.get("file").and_then(Value::as_str).map(str::to_string) else {
        return (None, findings); // the schema reports it
    };
    let file = file.as_str();
    let path = spec_dir.join(file);
    let text = match files.read_to_string(&path) {
        Ok(t) if t.len() <= MAX_DEPLOYMENT_BYTES => t,
        Ok(_) => {
            findings.push(codes::IMP006.finding(
                "/deployment/file",
                format!("the deployment file `{file}` is larger than {MAX_DEPLOYMENT_BYTES} bytes"),
            ));
            return (None, findings);
        }
        Err(e) => {
            findings.push(
                codes::IMP006
                    .finding(
                        "/deployment/file",
                        format!("the deployment file `{file}` cannot be read ({})", e.kind()),
                    )
                    .with_fix(
                        "set `deployment.file` to the serving config's path, relative to this spec",
                    ),
            );
            return (None, findings);
        }
    };
    let source = SourceFile::new(display_path(spec_dir, file), text);
    let spec = doc.value.clone();
    let opts = ImportOptions {
        container: dep
            .get("container")
            .and_then(Value::as_str)
            .map(str::to_string),
        gpu: None,
        engine_version: spec
            .pointer("/serving/engine_version")
            .and_then(Value::as_str)
            .map(str::to_string),
        env: dep
            .get("env")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let text = match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        (k.clone(), text)
                    })
                    .collect()
            })
            .unwrap_or_default(),
        model: None,
        traffic: None,
    };
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let imported = import(&source, &opts, files, &dir);
    // The spec names what the manifest usually does not: drop the import's
    // "say which GPU / model" findings when the spec does.
    let spec_has_gpu = spec.pointer("/hardware/gpu").is_some();
    let spec_has_model = ["/model/preset", "/model/hf_config", "/model/architecture"]
        .iter()
        .any(|p| spec.pointer(p).is_some());
    for f in imported.findings {
        if (f.code == "IMP002" && spec_has_gpu) || (f.code == "IMP007" && spec_has_model) {
            continue;
        }
        findings.push(in_deployment(f));
    }
    let pool = match imported.pools.len() {
        0 => return (None, findings),
        1 => imported.pools.into_iter().next(),
        n => {
            let names: Vec<&str> = imported.pools.iter().map(|p| p.name.as_str()).collect();
            findings.push(
                codes::IMP006
                    .finding(
                        "/deployment",
                        format!(
                            "`{file}` holds {n} engine pools ({}): the spec describes one",
                            names.join(", ")
                        ),
                    )
                    .with_fix(format!(
                        "set `deployment.container` to one of: {}",
                        names.join(", ")
                    )),
            );
            None
        }
    };
    let Some(pool) = pool else {
        return (None, findings);
    };
    let mut merged = Merged {
        source,
        origins: BTreeMap::new(),
    };
    let spec_model_fixed = spec_has_model;
    fill(
        doc,
        &pool,
        &mut merged,
        &mut findings,
        file,
        spec_model_fixed,
    );
    (Some(merged), findings)
}

/// `dir/file` as users see it in diagnostics.
fn display_path(spec_dir: &Path, file: &str) -> String {
    let joined = spec_dir.join(file);
    let s = joined.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

fn in_deployment(mut f: Finding) -> Finding {
    f.deployment_span = f.span.take().or(Some(Span::new(0, 0)));
    f.pointer = "/deployment".to_string();
    f
}

/// Leaves of the imported spec that were read from the file, with their spans.
fn leaves(v: &Value, prefix: &str, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                leaves(child, &format!("{prefix}/{}", escape_pointer_token(k)), out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

fn fill(
    doc: &mut SpannedDoc,
    pool: &Pool,
    merged: &mut Merged,
    findings: &mut Vec<Finding>,
    file: &str,
    spec_model_fixed: bool,
) {
    let mut all = Vec::new();
    leaves(&pool.spec, "", &mut all);
    for (pointer, value) in all {
        if pointer.starts_with("/apiVersion")
            || pointer.starts_with("/kind")
            || pointer.starts_with("/metadata")
            || pointer.starts_with("/traffic")
        {
            continue;
        }
        // Only values read from the file: derived ones are the plan's job.
        let Some(span) = pool.span_of(&pointer) else {
            continue;
        };
        // The spec's own model wins whole: an imported preset next to the
        // spec's hf_config would contradict it.
        if spec_model_fixed && (pointer == "/model/preset" || pointer == "/model/hf_config") {
            continue;
        }
        match doc.value.pointer(&pointer) {
            Some(existing) => {
                if !same(existing, &value) {
                    let (line, _) = merged.source.line_col(span.start);
                    let mut f = codes::IMP005
                        .finding(
                            pointer.clone(),
                            format!(
                                "`{}` is {} in the spec but {} in {file} (line {line}); the spec's value is used",
                                dotted(&pointer),
                                show(existing),
                                show(&value)
                            ),
                        )
                        .with_fix(format!(
                            "make them agree: set `{}` to {} in the spec, or change {file}",
                            dotted(&pointer),
                            show(&value)
                        ));
                    f.deployment_span = Some(span);
                    findings.push(f);
                }
            }
            None => {
                let written = pool
                    .provenance
                    .iter()
                    .find(|p| p.pointer == pointer)
                    .map_or_else(String::new, |p| p.source.clone());
                insert(&mut doc.value, &pointer, value);
                merged.origins.insert(pointer, (span, written));
            }
        }
    }
}

/// Numbers compare by value (8192 == 8192.0), everything else exactly.
fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{}`", super::engine::clip(s)),
        other => other.to_string(),
    }
}

fn dotted(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

fn insert(root: &mut Value, pointer: &str, value: Value) {
    let mut cur = root;
    let mut keys = pointer.trim_start_matches('/').split('/').peekable();
    while let Some(k) = keys.next() {
        let k = k.replace("~1", "/").replace("~0", "~");
        if !cur.is_object() {
            return; // a spec value of the wrong type: the schema reports it
        }
        let Value::Object(m) = cur else { return };
        if keys.peek().is_none() {
            m.insert(k, value);
            return;
        }
        cur = m.entry(k).or_insert_with(|| Value::Object(Map::new()));
    }
}
