//! The one-way flow of design.md section 1 for a single spec:
//! source -> YAML with spans -> schema -> typed spec -> resolve -> plan -> rules.
//!
//! Findings are collected, never thrown; each stage's findings get their spans
//! from the document's pointer map. Later stages run only when earlier ones left
//! no errors (a schema-invalid spec cannot be planned).
//!
//! A spec with `deployment:` has its serving config imported and merged into
//! the document right after parsing (`import::deployment`), so every later
//! stage sees the merged spec; findings about imported fields are then
//! pointed at the deployment file (`Finding::deployment_span`).

use crate::catalog::{self, FileAccess, Resolved};
use crate::diagnostics::{Finding, Severity};
use crate::hardware;
use crate::import::deployment::{self, Merged};
use crate::plan::{self, Plan};
use crate::rules::{self, RuleContext, RulesConfig};
use crate::schema;
use crate::source::SourceFile;
use crate::spec::{self, SpannedDoc, Spec};
use std::path::PathBuf;

/// What a caller (the CLI, a test, a fuzzer) provides besides the source.
pub struct AnalyzeOptions<'a> {
    pub files: &'a dyn FileAccess,
    /// Folder of the spec: `hf_config` and `safetensors` paths are relative to it.
    pub spec_dir: PathBuf,
    pub rules: &'a RulesConfig,
    /// Honour `# memmath: ignore[...]` comments and `lint.ignore`.
    pub inline_ignores: bool,
}

/// Everything known about one spec after analysis.
pub struct Analysis {
    pub source: SourceFile,
    pub doc: Option<SpannedDoc>,
    pub spec: Option<Spec>,
    pub resolved: Option<Resolved>,
    pub plan: Option<Plan>,
    pub findings: Vec<Finding>,
    /// Measured vs planned on the probed machine, when analysed with a GPU
    /// snapshot and the spec resolved ([`analyze_with_hardware`]): computed
    /// once there, with the HW findings, and read by `verify` and `report`.
    pub live: Option<hardware::LiveSection>,
    /// The spec's `deployment` file, imported and merged (docs/import.md).
    pub deployment: Option<Merged>,
}

impl Analysis {
    fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// An analysis of a spec that never reached the parser (too large, not
    /// UTF-8): its source and the one finding that says why.
    pub fn rejected(source: SourceFile, finding: Finding) -> Analysis {
        Analysis {
            source,
            doc: None,
            spec: None,
            resolved: None,
            plan: None,
            findings: vec![finding],
            live: None,
            deployment: None,
        }
    }

    /// The deployment file's text, when findings may point into it.
    pub fn deployment_source(&self) -> Option<&SourceFile> {
        self.deployment.as_ref().map(|d| &d.source)
    }

    /// A finding located in the spec, or in the deployment file when it is
    /// about an imported value.
    pub fn locate(&self, f: &Finding) -> crate::diagnostics::LocatedFinding {
        crate::diagnostics::LocatedFinding::locate_in(f, &self.source, self.deployment_source())
    }

    /// The live-hardware findings and report section against `snapshot`, or
    /// None when the spec could not be typed and resolved (its own findings
    /// already say why). Run once, by [`analyze_with_hardware`].
    fn live_report(&self, snapshot: &hardware::Snapshot) -> Option<hardware::LiveReport> {
        let inputs = hardware::LiveInputs {
            spec: self.spec.as_ref()?,
            resolved: self.resolved.as_ref()?,
            plan: self.plan.as_ref(),
        };
        Some(hardware::check(inputs, snapshot))
    }
}

/// Analyze one spec end to end.
pub fn analyze(source: SourceFile, opts: &AnalyzeOptions<'_>) -> Analysis {
    analyze_with_hardware(source, opts, None)
}

/// Analyze one spec and, given a GPU snapshot, compare it with the machine
/// (HW001-HW006, `hardware/`). The live checks run before the suppression pass,
/// so the configuration, `# memmath: ignore[HW005]` and `lint.ignore` apply to
/// them as to rules.
pub fn analyze_with_hardware(
    source: SourceFile,
    opts: &AnalyzeOptions<'_>,
    snapshot: Option<&hardware::Snapshot>,
) -> Analysis {
    let mut a = Analysis {
        source,
        doc: None,
        spec: None,
        resolved: None,
        plan: None,
        findings: Vec::new(),
        live: None,
        deployment: None,
    };
    run_stages(&mut a, opts);
    if let Some(report) = snapshot.and_then(|s| a.live_report(s)) {
        a.findings.extend(report.findings);
        a.live = Some(report.section);
    }
    // Every finding, live ones included, gets its span once here.
    if let Some(doc) = &a.doc {
        for f in a.findings.iter_mut().filter(|f| f.span.is_none()) {
            f.span = doc.span_of(&f.pointer);
        }
    }
    // A finding about a value the deployment file supplied is reported there.
    if let Some(merged) = &a.deployment {
        for f in a
            .findings
            .iter_mut()
            .filter(|f| f.deployment_span.is_none())
        {
            // An object the spec itself has stays the spec's finding.
            let spec_has_it = a
                .doc
                .as_ref()
                .is_some_and(|d| d.spans.contains_key(&f.pointer));
            f.deployment_span = merged.origin_of(&f.pointer).or_else(|| {
                (!spec_has_it)
                    .then(|| merged.first_under(&f.pointer))
                    .flatten()
            });
            // The fix names the spec field; say where the value really is.
            if let (Some(fix), Some(written)) = (&mut f.fix, merged.written_as(&f.pointer)) {
                if !written.is_empty() {
                    fix.push_str(&format!(
                        " (it comes from `{written}` in {})",
                        merged.source.name
                    ));
                }
            }
        }
    }
    // Suppressions match by line, so they apply once spans are known.
    a.findings = rules::suppress::apply(
        std::mem::take(&mut a.findings),
        &a.source,
        a.doc.as_ref(),
        a.spec.as_ref(),
        &rules::suppress::SuppressOptions {
            inline_ignores: opts.inline_ignores,
            config: opts.rules,
            rules_ran: a.plan.is_some(),
        },
    );
    a.findings.sort_by_key(Finding::sort_key);
    a.findings.dedup();
    a
}

fn run_stages(a: &mut Analysis, opts: &AnalyzeOptions<'_>) {
    let mut doc = match spec::parse(&a.source) {
        Ok(doc) => doc,
        Err(findings) => {
            a.findings = findings;
            return;
        }
    };
    let (merged, findings) = deployment::merge(&mut doc, &opts.spec_dir, opts.files);
    a.findings.extend(findings);
    a.deployment = merged;
    a.findings.extend(schema::validate(&doc));
    a.doc = Some(doc);
    if a.has_errors() {
        return;
    }
    let typed = a.doc.as_ref().map(spec::to_typed);
    let spec = match typed {
        Some(Ok(spec)) => spec,
        Some(Err(findings)) => {
            a.findings.extend(findings);
            return;
        }
        None => return,
    };
    a.findings.extend(spec::semantic_checks(&spec));
    if a.has_errors() {
        a.spec = Some(spec);
        return;
    }
    let (resolved, findings) = catalog::resolve(&spec, &opts.spec_dir, opts.files);
    a.findings.extend(findings);
    let Some(resolved) = resolved else {
        a.spec = Some(spec);
        return;
    };
    match plan::compute(&spec, &resolved) {
        Ok(plan) => {
            let derived = plan::derive(&plan, Some(spec.parallelism.tensor));
            let ctx = RuleContext {
                spec: &spec,
                resolved: &resolved,
                plan: &plan,
                derived: &derived,
                config: opts.rules,
            };
            a.findings.extend(rules::run_all(&ctx, opts.rules));
            a.plan = Some(plan);
        }
        Err(finding) => a.findings.push(*finding),
    }
    a.spec = Some(spec);
    a.resolved = Some(resolved);
}
