//! Writing an imported spec: a JSON value built field by field with each
//! field's provenance, and its YAML form with the provenance as end-of-line
//! comments (`max_model_len: 8192  # --max-model-len at deploy.yaml:31`).

use super::Provenance;
use crate::source::{SourceFile, Span};
use serde_json::{Map, Value};

/// A spec under construction.
#[derive(Clone, Debug, Default)]
pub struct SpecBuilder {
    pub root: Map<String, Value>,
    pub provenance: Vec<Provenance>,
}

impl SpecBuilder {
    /// Set `pointer` (`/serving/max_model_len`) to `value`, recording where it
    /// came from. A later call for the same pointer replaces the value and
    /// its provenance.
    pub fn set(
        &mut self,
        pointer: &str,
        value: Value,
        source: impl Into<String>,
        span: Option<Span>,
    ) {
        let mut keys = pointer.trim_start_matches('/').split('/').peekable();
        let mut map = &mut self.root;
        while let Some(k) = keys.next() {
            if keys.peek().is_none() {
                map.insert(k.to_string(), value);
                break;
            }
            let entry = map
                .entry(k.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            let Value::Object(inner) = entry else { return };
            map = inner;
        }
        self.provenance.retain(|p| p.pointer != pointer);
        self.provenance.push(Provenance {
            pointer: pointer.to_string(),
            source: source.into(),
            span,
        });
    }

    pub fn get(&self, pointer: &str) -> Option<&Value> {
        let mut cur: Option<&Value> = None;
        let mut map = &self.root;
        for k in pointer.trim_start_matches('/').split('/') {
            let v = map.get(k)?;
            cur = Some(v);
            if let Value::Object(m) = v {
                map = m;
            }
        }
        cur
    }

    /// The spec with its sections in the order docs/spec.md lists them.
    pub fn finish(self) -> (Value, Vec<Provenance>) {
        const ORDER: &[&str] = &[
            "apiVersion",
            "kind",
            "metadata",
            "model",
            "hardware",
            "parallelism",
            "serving",
            "capacity",
            "traffic",
        ];
        let mut root = Map::new();
        let mut rest = self.root;
        for k in ORDER {
            if let Some(v) = rest.remove(*k) {
                root.insert((*k).to_string(), v);
            }
        }
        root.extend(rest);
        (Value::Object(root), self.provenance)
    }
}

/// How a provenance entry reads in a comment: `--max-model-len at
/// deploy.yaml:31`, or the source alone when it has no place in the file.
pub fn describe(p: &Provenance, file: &SourceFile) -> String {
    match p.span {
        Some(s) => {
            let (line, _) = file.line_col(s.start);
            format!("{} at {}:{line}", p.source, file.name)
        }
        None => p.source.clone(),
    }
}

/// The spec as YAML, provenance as end-of-line comments. Strings are written
/// as JSON strings (valid YAML, and no value can start a comment or a tag).
pub fn to_yaml(spec: &Value, provenance: &[Provenance], file: &SourceFile) -> String {
    let mut out = String::new();
    if let Value::Object(m) = spec {
        write_map(&mut out, m, 0, "", provenance, file);
    }
    out
}

fn comment_for(pointer: &str, provenance: &[Provenance], file: &SourceFile) -> String {
    provenance
        .iter()
        .find(|p| p.pointer == pointer)
        .map(|p| {
            let text = describe(p, file).replace(['\n', '\r'], " ");
            format!("  # {text}")
        })
        .unwrap_or_default()
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => Value::String(s.clone()).to_string(),
        other => other.to_string(),
    }
}

fn write_map(
    out: &mut String,
    m: &Map<String, Value>,
    indent: usize,
    prefix: &str,
    provenance: &[Provenance],
    file: &SourceFile,
) {
    let pad = " ".repeat(indent);
    for (k, v) in m {
        let pointer = format!("{prefix}/{k}");
        match v {
            Value::Object(inner) if !inner.is_empty() => {
                out.push_str(&format!(
                    "{pad}{k}:{}\n",
                    comment_for(&pointer, provenance, file)
                ));
                write_map(out, inner, indent + 2, &pointer, provenance, file);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push_str(&format!(
                    "{pad}{k}:{}\n",
                    comment_for(&pointer, provenance, file)
                ));
                for item in items {
                    match item {
                        Value::Object(inner) if !inner.is_empty() => {
                            // `- key: value` then the rest indented under it.
                            let mut first = true;
                            for (ik, iv) in inner {
                                let lead = if first {
                                    format!("{pad}- ")
                                } else {
                                    format!("{pad}  ")
                                };
                                first = false;
                                let mut one = Map::new();
                                one.insert(ik.clone(), iv.clone());
                                let mut s = String::new();
                                write_map(&mut s, &one, 0, "", &[], file);
                                for (n, line) in s.lines().enumerate() {
                                    if n == 0 {
                                        out.push_str(&format!("{lead}{line}\n"));
                                    } else {
                                        out.push_str(&format!("{pad}  {line}\n"));
                                    }
                                }
                            }
                        }
                        other => out.push_str(&format!("{pad}- {}\n", scalar(other))),
                    }
                }
            }
            Value::Object(_) => out.push_str(&format!("{pad}{k}: {{}}\n")),
            Value::Array(_) => out.push_str(&format!("{pad}{k}: []\n")),
            other => out.push_str(&format!(
                "{pad}{k}: {}{}\n",
                scalar(other),
                comment_for(&pointer, provenance, file)
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_carries_provenance_comments() {
        let file = SourceFile::new("deploy.yaml", "a\nb\n  --max-model-len 8192\n");
        let mut b = SpecBuilder::default();
        b.set(
            "/apiVersion",
            Value::from("memmath/v1"),
            "memmath import",
            None,
        );
        b.set(
            "/serving/max_model_len",
            Value::from(8192),
            "--max-model-len",
            Some(Span::new(6, 20)),
        );
        b.set(
            "/traffic/classes",
            serde_json::json!([{"name": "chat", "concurrency": 4}]),
            "--traffic t.yaml",
            None,
        );
        let (spec, prov) = b.finish();
        let yaml = to_yaml(&spec, &prov, &file);
        assert_eq!(
            yaml,
            "apiVersion: \"memmath/v1\"  # memmath import\nserving:\n  max_model_len: 8192  # --max-model-len at deploy.yaml:3\ntraffic:\n  classes:  # --traffic t.yaml\n  - name: \"chat\"\n    concurrency: 4\n"
        );
        let parsed: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(parsed, spec);
    }
}
