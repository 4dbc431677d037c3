//! Kubernetes workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
//! CronJob, Pod, and any other object with a pod template): each container's
//! `command` + `args` (with `$(VAR)` from its `env`, and `sh -c "..."`
//! scripts split by the shell carrier), its GPU limit, and the pod's node
//! selector and node affinity labels. The other Kubernetes carriers (lws,
//! kserve, dynamo, helm_values) reuse [`container`] and [`pod_gpu`].

use super::launch;
use super::shell;
use super::yaml_docs::At;
use crate::import::words::{self, Part, Word};
use crate::import::{gpu_alias, GpuFacts, Launch};
use crate::source::{SourceFile, Span};
use crate::spec::Engine;

/// Names that are secrets: their values are never stored or printed.
pub fn is_secret(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "API_KEY",
        "APIKEY",
        "CREDENTIAL",
        "PRIVATE_KEY",
    ]
    .iter()
    .any(|s| n.contains(s))
}

/// Workload kinds whose pod template is at `spec.template.spec`.
const TEMPLATED: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
];

/// Launches of one Kubernetes object.
pub fn object(doc: &At<'_>, source: &SourceFile) -> Vec<Launch> {
    let kind = doc
        .get("kind")
        .and_then(|k| k.str().map(str::to_string))
        .unwrap_or_default();
    let name = doc.text_at("metadata.name").unwrap_or_default();
    let replicas = doc.count_at("spec.replicas");
    let pod = if TEMPLATED.contains(&kind.as_str()) {
        doc.path("spec.template.spec")
    } else if kind == "CronJob" {
        doc.path("spec.jobTemplate.spec.template.spec")
    } else if kind == "Pod" {
        doc.get("spec")
    } else {
        None
    };
    let mut out = match pod {
        Some(pod) => pod_launches(&pod, &name, source),
        // Any other object: look for pod specs wherever they are.
        None => {
            let mut found = Vec::new();
            walk_pods(doc, &name, source, &mut found, 0);
            found
        }
    };
    for l in &mut out {
        if kind != "DaemonSet" && kind != "Job" {
            l.replicas = l.replicas.or(replicas);
        }
    }
    out
}

/// Search an unknown object for maps with a `containers` list.
fn walk_pods(node: &At<'_>, name: &str, source: &SourceFile, out: &mut Vec<Launch>, depth: usize) {
    if depth > 12 {
        return;
    }
    if node.get("containers").is_some_and(|c| c.v.is_array()) {
        out.extend(pod_launches(node, name, source));
        return;
    }
    for (_, child) in node.entries() {
        walk_pods(&child, name, source, out, depth + 1);
    }
    for child in node.items() {
        walk_pods(&child, name, source, out, depth + 1);
    }
}

/// Launches of a pod spec's containers, with the pod's GPU facts.
pub fn pod_launches(pod: &At<'_>, owner: &str, source: &SourceFile) -> Vec<Launch> {
    let labels = pod_gpu_names(pod);
    let mut out = Vec::new();
    for c in pod.get("containers").map(|c| c.items()).unwrap_or_default() {
        let cname = c.get("name").and_then(|n| n.text()).unwrap_or_default();
        let name = if owner.is_empty() || owner == cname {
            cname.clone()
        } else if cname.is_empty() {
            owner.to_string()
        } else {
            format!("{owner}-{cname}")
        };
        if let Some(mut l) = container(&c, &name, source) {
            l.gpu.names.splice(0..0, labels.clone());
            out.push(l);
        }
    }
    out
}

/// GPU names from a pod's `nodeSelector` and required node affinity.
pub fn pod_gpu_names(pod: &At<'_>) -> Vec<(String, Span)> {
    const KEYS: &[&str] = &[
        "nvidia.com/gpu.product",
        "cloud.google.com/gke-accelerator",
        "node.kubernetes.io/instance-type",
        "beta.kubernetes.io/instance-type",
        "karpenter.k8s.aws/instance-gpu-name",
        "karpenter.k8s.aws/instance-type",
    ];
    let mut out = Vec::new();
    if let Some(sel) = pod.get("nodeSelector") {
        for (k, v) in sel.entries() {
            if KEYS.contains(&k.as_str()) {
                if let Some(t) = v.text() {
                    out.push((t, v.span()));
                }
            }
        }
    }
    let terms = pod
        .path("affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms")
        .map(|t| t.items())
        .unwrap_or_default();
    for term in terms {
        for expr in term
            .get("matchExpressions")
            .map(|m| m.items())
            .unwrap_or_default()
        {
            let key = expr.get("key").and_then(|k| k.text()).unwrap_or_default();
            let op = expr
                .get("operator")
                .and_then(|k| k.text())
                .unwrap_or_default();
            if !KEYS.contains(&key.as_str()) || op != "In" {
                continue;
            }
            // Several allowed values only count when they are the same GPU.
            let values = expr.get("values").map(|v| v.items()).unwrap_or_default();
            let ids: Vec<Option<String>> = values
                .iter()
                .map(|v| v.text().and_then(|t| gpu_alias::lookup(&t)).map(|m| m.id))
                .collect();
            let same = ids
                .first()
                .is_some_and(|f| f.is_some() && ids.iter().all(|i| i == f));
            if let Some(first) = values.first() {
                if same || values.len() == 1 {
                    if let Some(t) = first.text() {
                        out.push((t, first.span()));
                    }
                }
            }
        }
    }
    out
}

/// GPU count and MIG slice from a container's `resources`.
pub fn container_gpu(c: &At<'_>) -> GpuFacts {
    let mut g = GpuFacts::default();
    for section in ["limits", "requests"] {
        let Some(res) = c.path(&format!("resources.{section}")) else {
            continue;
        };
        for (k, v) in res.entries() {
            let count = v.u64();
            if matches!(k.as_str(), "nvidia.com/gpu" | "amd.com/gpu" | "gpu") {
                if g.count.is_none() {
                    g.count = count.map(|n| (n, v.span()));
                }
            } else if let Some(p) = gpu_alias::mig_profile(&k) {
                if g.mig.is_none() {
                    g.mig = Some((format!("{k} ({p})"), v.key_span()));
                }
            }
        }
    }
    g
}

/// A container's launch: its words, env and GPU facts, if it starts an engine.
pub fn container(c: &At<'_>, name: &str, source: &SourceFile) -> Option<Launch> {
    let image = c.get("image").and_then(|i| i.text());
    let mut words = Vec::new();
    for key in ["command", "args"] {
        if let Some(list) = c.get(key) {
            match list.v {
                serde_json::Value::Array(_) => {
                    for item in list.items() {
                        if let Some(t) = item.text() {
                            words.push(words::kube(&t, item.span()));
                        }
                    }
                }
                // A string `args: "--a b"` is not split by Kubernetes.
                _ => {
                    if let Some(t) = list.text() {
                        words.push(words::kube(&t, list.span()));
                    }
                }
            }
        }
    }
    let mut l = from_words(&words, image.as_deref(), name, c.span(), source)?;
    env(c, &mut l);
    let g = container_gpu(c);
    l.gpu.count = g.count;
    l.gpu.mig = g.mig;
    Some(l)
}

/// Record a container's `env` (and `envFrom` names nothing we can read).
pub fn env(c: &At<'_>, l: &mut Launch) {
    for e in c.get("env").map(|e| e.items()).unwrap_or_default() {
        let Some(name) = e.get("name").and_then(|n| n.text()) else {
            continue;
        };
        l.env_names.push((name.clone(), e.span()));
        if is_secret(&name) {
            continue;
        }
        if let Some(v) = e.get("value") {
            if let Some(t) = v.text() {
                l.vars
                    .file
                    .insert(name, (words::kube(&t, v.span()), e.span()));
            }
        }
    }
}

/// The launch in a container's words: `sh -c SCRIPT` is split as shell; an
/// engine image with no command runs its entrypoint (vLLM's image: the
/// OpenAI server) with the words as arguments.
pub fn from_words(
    words: &[Word],
    image: Option<&str>,
    name: &str,
    span: Span,
    source: &SourceFile,
) -> Option<Launch> {
    let lit = |i: usize| words.get(i).and_then(Word::as_literal);
    let is_shell = lit(0).is_some_and(|w| {
        matches!(
            w.rsplit('/').next().unwrap_or(""),
            "sh" | "bash" | "ash" | "dash" | "zsh"
        )
    });
    if is_shell {
        // `sh -c SCRIPT` / `bash -lc SCRIPT` / `bash -ec SCRIPT`.
        let script_at = (1..words.len())
            .find(|&i| lit(i - 1).is_some_and(|f| f.starts_with('-') && f.contains('c')))?;
        let script = &words[script_at];
        let (text, region) = shell_text(script);
        let base = region.start;
        let parsed = shell::split(&text, base);
        for cmd in &parsed.commands {
            if let Some(found) = launch::find(&cmd.words) {
                let mut l = Launch::new(name, cmd.words[found.at].span, found.engine);
                l.image = found.image.clone().or(image.map(str::to_string));
                l.argv = relocate(&cmd.words[found.args_from..], source, region);
                l.span = locate_text(
                    source,
                    region,
                    cmd.words[found.at].as_literal().as_deref().unwrap_or(""),
                )
                .unwrap_or(region);
                super::shell_carrier::prefix_env(&found, &cmd.words, &mut l);
                return Some(l);
            }
        }
        return None;
    }
    if let Some(found) = launch::find(words) {
        let mut l = Launch::new(name, words[found.at].span, found.engine);
        l.image = found.image.clone().or(image.map(str::to_string));
        l.argv = words[found.args_from..].to_vec();
        return Some(l);
    }
    // No command: the image's entrypoint. vLLM's image runs the OpenAI
    // server, so its args are engine arguments.
    let img = image?;
    if launch::find(&[
        Word::literal("docker", span),
        Word::literal("run", span),
        Word::literal(img, span),
    ])
    .is_some_and(|f| f.engine == Engine::Vllm)
    {
        let mut l = Launch::new(name, span, Engine::Vllm);
        l.image = Some(img.to_string());
        l.argv = words.to_vec();
        return Some(l);
    }
    None
}

/// A script word's text with Kubernetes `$(VAR)` references left for the
/// shell splitter (it reads them as unresolved substitutions unless the
/// value is known), and the file region it came from.
fn shell_text(script: &Word) -> (String, Span) {
    let mut text = String::new();
    for p in &script.parts {
        match p {
            Part::Lit(s) => text.push_str(s),
            Part::Var { name, .. } => {
                text.push_str("${");
                text.push_str(name);
                text.push('}');
            }
            Part::Expr(e) => text.push_str(e),
        }
    }
    (text, script.span)
}

/// Words split from a YAML scalar carry offsets into the decoded string;
/// move each to where its text appears in the file inside `region` (in
/// order), or to the region itself when the text cannot be found (escaped
/// or folded scalars).
pub fn relocate(ws: &[Word], source: &SourceFile, region: Span) -> Vec<Word> {
    let text = source.text.get(region.start..region.end).unwrap_or("");
    let mut from = 0;
    ws.iter()
        .map(|w| {
            let needle = raw_text(w);
            let mut out = w.clone();
            match (!needle.is_empty())
                .then(|| text.get(from..).and_then(|t| t.find(&needle)))
                .flatten()
            {
                Some(at) => {
                    let start = region.start + from + at;
                    out.span = Span::new(start, start + needle.len());
                    from += at + needle.len();
                }
                None => out.span = Span::new(region.start, region.start),
            }
            out
        })
        .collect()
}

fn locate_text(source: &SourceFile, region: Span, needle: &str) -> Option<Span> {
    let text = source.text.get(region.start..region.end)?;
    let at = text.find(needle).filter(|_| !needle.is_empty())?;
    Some(Span::new(
        region.start + at,
        region.start + at + needle.len(),
    ))
}

/// The leading literal text of a word (what to search for in the file).
fn raw_text(w: &Word) -> String {
    match w.parts.first() {
        Some(Part::Lit(s)) => s.clone(),
        Some(Part::Var { name, .. }) => name.clone(),
        Some(Part::Expr(e)) => e.clone(),
        None => String::new(),
    }
}
