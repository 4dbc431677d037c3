//! `memmath rule CODE|NAME | --all [--output-format full|json]`: the
//! documentation of any code in the registry (`memmath::codes`): a lint rule's
//! doc comment, a HW code's doc, or, for input, catalogue and plan codes, the
//! summary and the docs section that explains them.

use super::args::{RuleArgs, RuleFormat};
use super::ExitStatus;
use memmath::codes::{self, Code, Kind};
use memmath::rules::find_rule;
use serde_json::{json, Value};

/// The long user doc of a code.
fn doc(c: &Code) -> String {
    if let Some(rule) = find_rule(c.code) {
        return rule.doc().to_string();
    }
    if let Some(doc) = memmath::hardware::hardware_doc(c.code) {
        return doc.to_string();
    }
    let stage = match c.kind {
        Kind::Input => "Reported by the parser or the schema, before any memory math",
        Kind::Catalog => "Reported while resolving the model and the GPU, before any memory math",
        Kind::Plan => "Reported by the memory math when it cannot compute a plan",
        Kind::Import => "Reported while reading a serving config (`memmath import`, or a spec's `deployment` file)",
        Kind::Rule | Kind::Hardware => "Reported",
    };
    let policy = match (c.configurable, c.suppressible) {
        (false, false) => ": it cannot be turned off or suppressed",
        (true, true) => "; it can be configured and suppressed like a rule",
        (true, false) => "; it can be configured but not suppressed",
        (false, true) => "; it can be suppressed but not configured",
    };
    format!("{}\n\n{stage}{policy}. See {}.", c.summary, c.docs)
}

fn to_json(c: &Code) -> Value {
    json!({
        "code": c.code,
        "name": c.name,
        "category": c.category(),
        "default_severity": c.severity.as_str(),
        "suppressible": c.suppressible,
        "configurable": c.configurable,
        "summary": c.summary,
        "docs": c.docs,
        "doc": doc(c),
    })
}

fn full(c: &Code) -> String {
    format!(
        "# {} {}\n\nDefault severity: {}\n\n{}",
        c.code,
        c.name,
        c.severity,
        doc(c)
    )
}

pub fn run(args: RuleArgs) -> Result<ExitStatus, String> {
    let entries: Vec<&Code> = if args.all {
        codes::all().iter().collect()
    } else {
        let q = args.rule.as_deref().unwrap_or_default();
        match codes::find(q) {
            Some(c) => vec![c],
            None => {
                let hint = memmath::text::did_you_mean_hint(q, codes::codes_and_names())
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default();
                return Err(format!(
                    "unknown code `{q}`{hint}; `memmath rule --all` lists every code"
                ));
            }
        }
    };
    match args.output_format {
        RuleFormat::Json => {
            let items: Vec<Value> = entries.iter().map(|c| to_json(c)).collect();
            let value = if args.all {
                Value::Array(items)
            } else {
                items.into_iter().next().unwrap_or(Value::Null)
            };
            let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
            super::output::stdout(&format!("{text}\n"))?;
        }
        RuleFormat::Full => {
            let texts: Vec<String> = entries.iter().map(|c| full(c)).collect();
            super::output::stdout(&format!("{}\n", texts.join("\n\n")))?;
        }
    }
    Ok(ExitStatus::Success)
}
