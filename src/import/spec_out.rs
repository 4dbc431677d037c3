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
            // A comment runs to the line's end and YAML allows only printable
            // characters in it: line breaks and other controls become spaces.
            let text: String = describe(p, file)
                .chars()
                .map(|c| {
                    let line_break = matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}');
                    if yaml_printable(c) && !line_break {
                        c
                    } else {
                        ' '
                    }
                })
                .collect();
            format!("  # {text}")
        })
        .unwrap_or_default()
}

/// A value as YAML flow text. Strings are JSON strings (a subset of YAML's
/// double-quoted style), with the characters YAML does not allow raw (DEL, the
/// C1 controls, U+FFFE/U+FFFF; JSON already escapes C0) escaped as `\uXXXX`.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let json = Value::String(s.clone()).to_string();
            if json.chars().all(yaml_printable) {
                return json;
            }
            json.chars().fold(String::new(), |mut out, c| {
                if yaml_printable(c) {
                    out.push(c);
                } else {
                    out.push_str(&format!("\\u{:04X}", u32::from(c)));
                }
                out
            })
        }
        other => other.to_string(),
    }
}

/// YAML 1.2's printable set (<https://yaml.org/spec/1.2.2/#51-character-set>):
/// tab, line breaks and every character but the other C0/C1 controls, DEL,
/// surrogates and U+FFFE/U+FFFF.
fn yaml_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{85}')
        || !(c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}'))
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

    #[test]
    fn control_characters_in_values_and_comments_stay_valid_yaml() {
        // Found by the `import` fuzz target: a NUL in a launch line reached a
        // provenance comment raw, and the written spec did not parse.
        let file = SourceFile::new("run.sh", "vllm serve m\u{0}\u{7f}\u{85}\u{fffe} --port 1\n");
        let mut b = SpecBuilder::default();
        b.set(
            "/apiVersion",
            Value::from("memmath/v1"),
            "memmath import",
            None,
        );
        let odd = "a\u{0}b\u{7f}c\u{9b}d\u{fffe}e\u{2028}\u{1F600}";
        b.set(
            "/model/source",
            Value::from(odd),
            "model",
            Some(Span::new(0, 17)),
        );
        let (spec, prov) = b.finish();
        let yaml = to_yaml(&spec, &prov, &file);
        assert!(
            yaml.chars().all(|c| c == '\n' || yaml_printable(c)),
            "{yaml:?}"
        );
        let doc = crate::spec::parse(&SourceFile::new("out.yaml", &yaml));
        let parsed = doc.map(|d| d.value).unwrap_or_default();
        assert_eq!(parsed["model"]["source"], odd);
    }
}
