//! `memmath rule CODE|NAME | --all [--output-format full|json]`: a rule's
//! documentation (its doc comment), default severity and summary.

use super::args::{RuleArgs, RuleFormat};
use super::ExitStatus;
use memmath::rules::{all_rules, find_rule, Rule};
use serde_json::json;

pub fn run(args: RuleArgs) -> Result<ExitStatus, String> {
    let rules: Vec<&'static dyn Rule> = if args.all {
        all_rules()
    } else {
        let q = args.rule.as_deref().unwrap_or_default();
        match find_rule(q) {
            Some(r) => vec![r],
            None => {
                let hint = memmath::rules::did_you_mean(q)
                    .map(|h| format!(" (did you mean `{h}`?)"))
                    .unwrap_or_default();
                return Err(format!(
                    "unknown rule `{q}`{hint}; `memmath rule --all` lists every rule"
                ));
            }
        }
    };
    match args.output_format {
        RuleFormat::Json => {
            let items: Vec<_> = rules.iter().map(|r| to_json(*r)).collect();
            let value = if args.all {
                serde_json::Value::Array(items)
            } else {
                items.into_iter().next().unwrap_or(serde_json::Value::Null)
            };
            let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
            println!("{text}");
        }
        RuleFormat::Full => {
            let texts: Vec<String> = rules.iter().map(|r| full(*r)).collect();
            println!("{}", texts.join("\n\n"));
        }
    }
    Ok(ExitStatus::Success)
}

fn to_json(r: &dyn Rule) -> serde_json::Value {
    json!({
        "code": r.code(),
        "name": r.name(),
        "default_severity": r.default_severity().as_str(),
        "summary": r.summary(),
        "doc": r.doc(),
    })
}

fn full(r: &dyn Rule) -> String {
    format!(
        "# {} {}\n\nDefault severity: {}\n\n{}",
        r.code(),
        r.name(),
        r.default_severity(),
        r.doc()
    )
}
