//! Completion of keys and enum values from the schema, at the place the
//! text's indentation puts the cursor (`outline.rs`), so it works while the
//! document is half typed. Catalogue ids complete `hardware.gpu` and
//! `model.preset`.

use super::outline::{self, Slot};
use super::schema_nav;
use crate::catalog;
use serde_json::Value;

/// One completion: the text inserted over `[start, offset)` and what the
/// menu shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub label: String,
    pub insert: String,
    pub detail: Option<String>,
    pub documentation: Option<String>,
    pub is_key: bool,
    /// Byte offset where the replaced prefix starts.
    pub start: usize,
}

/// Completions at byte `offset` of `text`.
pub fn complete(text: &str, offset: usize) -> Vec<Item> {
    let Some(c) = outline::at(text, offset) else {
        return Vec::new();
    };
    let Some(node) = schema_nav::node(&c.path) else {
        return Vec::new();
    };
    let lower = c.prefix.to_ascii_lowercase();
    let keep = |label: &str| label.to_ascii_lowercase().starts_with(&lower);
    match c.slot {
        Slot::Key => {
            let present = siblings(text, &c);
            schema_nav::properties(node)
                .into_iter()
                .filter(|(k, _)| keep(k) && !present.iter().any(|p| p == k))
                .map(|(k, n)| {
                    let types = schema_nav::types(n);
                    let block = types == ["object"] || types == ["array"];
                    Item {
                        label: k.to_string(),
                        insert: if block {
                            format!("{k}:")
                        } else {
                            format!("{k}: ")
                        },
                        detail: (!types.is_empty()).then(|| types.join(" | ")),
                        documentation: schema_nav::description(n).map(str::to_string),
                        is_key: true,
                        start: c.prefix_start,
                    }
                })
                .collect()
        }
        Slot::Value => values(&c.path, node)
            .into_iter()
            .filter(|(v, _)| keep(v))
            .map(|(v, doc)| Item {
                label: v.clone(),
                insert: v,
                detail: None,
                documentation: doc,
                is_key: false,
                start: c.prefix_start,
            })
            .collect(),
    }
}

/// The values a field takes: its enum, true/false, or catalogue ids.
fn values(path: &[String], node: &Value) -> Vec<(String, Option<String>)> {
    let enums = schema_nav::enum_values(node);
    if !enums.is_empty() {
        return enums.into_iter().map(|v| (v, None)).collect();
    }
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    match path.as_slice() {
        ["hardware", "gpu"] => catalog::gpus::gpus()
            .map(|gs| {
                gs.iter()
                    .map(|g| {
                        (
                            g.entry.id.clone(),
                            Some(format!("{} ({})", g.entry.name, g.memory_bytes)),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        ["model", "preset"] => catalog::models::models()
            .map(|ms| {
                ms.iter()
                    .map(|m| (m.id.clone(), Some(m.name.clone())))
                    .collect()
            })
            .unwrap_or_default(),
        _ if schema_nav::types(node).contains(&"boolean") => {
            vec![("true".to_string(), None), ("false".to_string(), None)]
        }
        _ => Vec::new(),
    }
}

/// Keys already written in the mapping the cursor's key goes into (so they
/// are not offered twice): the lines after the cursor's line and before it
/// at the same column, stopping at a line indented less.
fn siblings(text: &str, c: &outline::Cursor) -> Vec<String> {
    let line_start = text[..c.prefix_start].rfind('\n').map_or(0, |i| i + 1);
    let col = c.prefix_start - line_start;
    let line_end = text[c.prefix_start..]
        .find('\n')
        .map_or(text.len(), |i| c.prefix_start + i);
    let mut out = Vec::new();
    let mut scan = |lines: &mut dyn Iterator<Item = &str>| {
        for l in lines {
            let content = l.trim_start_matches([' ', '-']);
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let at = l.len() - content.len();
            if at < col {
                break;
            }
            if at == col {
                if let Some(k) = content.split(':').next().filter(|_| content.contains(':')) {
                    out.push(k.trim().to_string());
                }
            }
        }
    };
    scan(&mut text[..line_start].lines().rev());
    scan(&mut text[line_end.min(text.len())..].lines());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> Vec<String> {
        complete(text, text.len())
            .into_iter()
            .map(|i| i.label)
            .collect()
    }

    #[test]
    fn keys_values_and_catalogue_ids() {
        let keys = labels("apiVersion: memmath/v1\nserving:\n  engine: vllm\n  max_");
        assert!(
            keys.contains(&"max_model_len".to_string())
                && keys.contains(&"max_num_seqs".to_string()),
            "{keys:?}"
        );
        let keys = labels("serving:\n  engine: vllm\n  ");
        assert!(
            !keys.contains(&"engine".to_string()) && keys.contains(&"replicas".to_string()),
            "{keys:?}"
        );
        assert_eq!(labels("serving:\n  engine: sg"), ["sglang"]);
        assert!(labels("hardware:\n  gpu: h100")
            .iter()
            .any(|g| g.starts_with("h100-")));
        assert!(labels("model:\n  preset: llama")
            .iter()
            .any(|m| m.starts_with("llama-")));
        assert_eq!(labels("serving:\n  cuda_graphs: t"), ["true"]);
        let top = labels("");
        assert!(top.contains(&"apiVersion".to_string()), "{top:?}");
    }
}
