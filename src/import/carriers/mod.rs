//! Carriers: one file per format, each extracting [`Launch`]es (argv, env,
//! GPU facts) for the engine core. [`extract`] decides the format: YAML
//! documents go to the carrier their `kind` (or shape) names; anything that is
//! not YAML mappings is a shell script or command line.

pub mod compose;
pub mod dynamo;
pub mod helm_values;
pub mod kserve;
pub mod kubeai;
pub mod kubernetes;
pub mod launch;
pub mod lws;
pub mod shell;
pub mod shell_carrier;
pub mod side_file;
pub mod trtllm_options;
pub mod vllm_config;
pub mod yaml_docs;

use super::{ImportOptions, Launch};
use crate::codes;
use crate::diagnostics::Finding;
use crate::source::{SourceFile, Span};
use yaml_docs::At;

/// Every launch in `source`, and what reading it found.
pub fn extract(source: &SourceFile, _opts: &ImportOptions) -> (Vec<Launch>, Vec<Finding>) {
    let (docs, yaml_findings) = yaml_docs::documents(source);
    if docs.is_empty() {
        if is_template(&source.text) {
            return (
                Vec::new(),
                vec![codes::IMP006
                    .finding("", "this is a Helm or Go template: memmath never renders templates")
                    .with_fix("import the chart's values file, or pipe the rendered output: `helm template ... | memmath import -`")
                    .with_span(Span::new(0, 0))],
            );
        }
        // A file that means to be YAML (a Kubernetes object, a compose or
        // values file) but does not parse: say why, do not read it as shell.
        let yaml_like = source.text.lines().any(|l| {
            ["apiVersion:", "kind:", "services:", "servingEngineSpec:"]
                .iter()
                .any(|k| l.starts_with(k))
        });
        if yaml_like && !yaml_findings.is_empty() {
            return (Vec::new(), yaml_findings);
        }
        return shell_carrier::script(source);
    }
    let mut findings = yaml_findings;
    let mut launches = Vec::new();
    for doc in &docs {
        launches.extend(document(&doc.root(), source, &mut findings, 0));
    }
    (launches, findings)
}

/// Launches of one YAML document (a `kind: List` recurses into its items).
fn document(
    doc: &At<'_>,
    source: &SourceFile,
    findings: &mut Vec<Finding>,
    depth: usize,
) -> Vec<Launch> {
    let kind = doc.get("kind").and_then(|k| k.text()).unwrap_or_default();
    let api = doc
        .get("apiVersion")
        .and_then(|k| k.text())
        .unwrap_or_default();
    match kind.as_str() {
        "List" if depth < 4 => doc
            .get("items")
            .map(|i| i.items())
            .unwrap_or_default()
            .iter()
            .flat_map(|item| document(item, source, findings, depth + 1))
            .collect(),
        "LeaderWorkerSet" => lws::launches(doc, source),
        "InferenceService" | "ServingRuntime" | "ClusterServingRuntime" | "LLMInferenceService"
            if api.contains("kserve") =>
        {
            kserve::launches(doc, &kind, source)
        }
        "DynamoGraphDeployment" => dynamo::launches(doc, source),
        "Model" if api.starts_with("kubeai.org") => kubeai::launches(doc),
        "" => {
            if compose::is_compose(doc) {
                compose::launches(doc, source)
            } else if helm_values::is_values(doc) {
                helm_values::launches(doc, findings)
            } else if trtllm_options::is_options(doc) {
                trtllm_options::launches(doc, source, findings)
            } else if vllm_config::is_config(doc) {
                vllm_config::launches(doc, source, findings)
            } else {
                Vec::new()
            }
        }
        _ => kubernetes::object(doc, source),
    }
}

/// Whether text is a template (`{{ .Values.x }}` outside any comment).
fn is_template(text: &str) -> bool {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .any(|l| l.contains("{{") && l.contains("}}"))
}
