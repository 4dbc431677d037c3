//! A TensorRT-LLM extra-options YAML (`--extra_llm_api_options`) imported on
//! its own: LLM API keys (`tensor_parallel_size`, `max_seq_len`,
//! `kv_cache_config.free_gpu_memory_fraction`, `cuda_graph_config`, ...).

use super::side_file;
use super::yaml_docs::At;
use crate::diagnostics::Finding;
use crate::import::Launch;
use crate::source::SourceFile;
use crate::spec::Engine;

/// Whether a document looks like TensorRT-LLM extra options.
pub fn is_options(doc: &At<'_>) -> bool {
    doc.get("apiVersion").is_none()
        && (doc.get("kv_cache_config").is_some()
            || doc.get("cuda_graph_config").is_some()
            || (doc.get("max_batch_size").is_some() && doc.get("max_num_tokens").is_some()))
}

pub fn launches(doc: &At<'_>, source: &SourceFile, findings: &mut Vec<Finding>) -> Vec<Launch> {
    let name = std::path::Path::new(&source.name)
        .file_stem()
        .map_or("imported".to_string(), |s| s.to_string_lossy().into_owned());
    let mut l = Launch::new(name, doc.span(), Engine::TensorrtLlm);
    l.keyed = side_file::trtllm_settings(doc, source, None, findings);
    vec![l]
}
