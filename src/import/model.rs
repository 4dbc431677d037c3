//! The served model as a serving config names it (an HF id, `hf://` URL, or
//! a local checkpoint folder) -> a catalogue preset, when the catalogue knows
//! it. Exact repository ids match; so do the publisher's own instruct/chat
//! variants of the same repository (same config.json architecture) and
//! Meta's older `Meta-Llama-3.1-...` names. Derived checkpoints (quantized
//! re-uploads by other organisations) do not: their weights differ.

use crate::catalog::models::{self, ModelEntry};

/// A preset for a model reference, and how it matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresetMatch {
    pub id: String,
    pub how: String,
}

/// Strip URL schemes and trailing slashes: `hf://org/name` -> `org/name`.
pub fn clean(reference: &str) -> String {
    let r = reference.trim();
    let r = ["hf://", "huggingface://", "https://huggingface.co/"]
        .iter()
        .find_map(|p| r.strip_prefix(p))
        .unwrap_or(r);
    r.trim_end_matches('/').to_string()
}

/// Suffixes a publisher gives the tuned variant of the same base model.
const VARIANT_SUFFIXES: &[&str] = &["-instruct", "-it", "-chat", "-instruct-2507"];

fn same_repo(entry: &ModelEntry, wanted: &str) -> bool {
    let repo = entry.hf_repo.to_ascii_lowercase();
    if repo == wanted {
        return true;
    }
    let base = VARIANT_SUFFIXES
        .iter()
        .find_map(|s| wanted.strip_suffix(s))
        .unwrap_or(wanted);
    if repo == base {
        return true;
    }
    // meta-llama/Meta-Llama-3.1-8B-Instruct was renamed Llama-3.1-8B-Instruct.
    base.strip_prefix("meta-llama/meta-")
        .is_some_and(|rest| repo == format!("meta-llama/{rest}"))
}

/// The preset a model reference names, if the catalogue has it.
pub fn preset_for(reference: &str) -> Option<PresetMatch> {
    let catalog = models::models().ok()?;
    let cleaned = clean(reference);
    // A catalogue id written directly (`--model llama-3.1-8b`).
    if let Some(e) = models::find(catalog, &cleaned) {
        return Some(PresetMatch {
            id: e.id.clone(),
            how: "catalogue id".to_string(),
        });
    }
    let wanted = cleaned.to_ascii_lowercase();
    if wanted.matches('/').count() == 1 && !wanted.starts_with('/') && !wanted.starts_with('.') {
        return catalog
            .iter()
            .find(|e| same_repo(e, &wanted))
            .map(|e| PresetMatch {
                id: e.id.clone(),
                how: format!("Hugging Face id of preset {}", e.hf_repo),
            });
    }
    // A local folder: its last component named like a repository, when
    // exactly one preset has that name.
    let last = wanted.rsplit('/').find(|s| !s.is_empty())?;
    let hits: Vec<&ModelEntry> = catalog
        .iter()
        .filter(|e| {
            let name = e
                .hf_repo
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            name == last
                || VARIANT_SUFFIXES
                    .iter()
                    .any(|s| last.strip_suffix(s) == Some(name.as_str()))
        })
        .collect();
    match hits.as_slice() {
        [one] => Some(PresetMatch {
            id: one.id.clone(),
            how: format!("folder named like {}", one.hf_repo),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_variants_and_folders_match() {
        let id = |r: &str| preset_for(r).map(|m| m.id);
        assert_eq!(
            id("meta-llama/Llama-3.1-8B-Instruct"),
            Some("llama-3.1-8b".into())
        );
        assert_eq!(
            id("meta-llama/Meta-Llama-3.1-8B-Instruct"),
            Some("llama-3.1-8b".into())
        );
        assert_eq!(
            id("hf://Qwen/Qwen2.5-7B-Instruct"),
            Some("qwen2.5-7b".into())
        );
        assert_eq!(id("/models/Qwen2.5-7B-Instruct"), Some("qwen2.5-7b".into()));
        assert_eq!(id("llama-3.1-70b"), Some("llama-3.1-70b".into()));
        // A re-upload by another organisation is another checkpoint.
        assert_eq!(id("neuralmagic/Meta-Llama-3.1-8B-Instruct-FP8"), None);
        assert_eq!(id("./my-finetune"), None);
    }
}
