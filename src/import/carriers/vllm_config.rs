//! A vLLM `--config` YAML imported on its own: a mapping of flag names
//! (`max-model-len` or `max_model_len`) to values, as `vllm serve --config`
//! reads it. Recognised when most top-level keys are vLLM flags.

use super::side_file;
use super::yaml_docs::At;
use crate::diagnostics::Finding;
use crate::import::engine;
use crate::import::Launch;
use crate::source::SourceFile;
use crate::spec::Engine;

/// Whether a document looks like a vLLM config file.
pub fn is_config(doc: &At<'_>) -> bool {
    let keys = doc.entries();
    let known = keys
        .iter()
        .filter(|(k, _)| {
            engine::lookup(Engine::Vllm, k).is_some_and(|f| f.target.memory_relevant())
        })
        .count();
    doc.get("apiVersion").is_none() && known > 0 && known * 2 >= keys.len()
}

pub fn launches(doc: &At<'_>, source: &SourceFile, findings: &mut Vec<Finding>) -> Vec<Launch> {
    let name = std::path::Path::new(&source.name)
        .file_stem()
        .map_or("imported".to_string(), |s| s.to_string_lossy().into_owned());
    let mut l = Launch::new(name, doc.span(), Engine::Vllm);
    l.keyed = side_file::vllm_settings(doc, source, None, findings);
    vec![l]
}
