//! `memmath rule CODE|NAME | --all [--output-format full|json]`: a rule's
//! documentation (its doc comment), default severity and summary. The input
//! codes (SYN, SCH) are listed alike, marked as not suppressible.

use super::args::{RuleArgs, RuleFormat};
use super::ExitStatus;
use memmath::diagnostics::{find_input_code, CodeInfo, INPUT_CODES};
use memmath::rules::{all_rules, did_you_mean, find_rule, Rule};
use serde_json::{json, Value};

/// A lint rule or an input code, as `memmath rule` shows it.
enum Entry {
    Rule(&'static dyn Rule),
    Input(&'static CodeInfo),
}

impl Entry {
    fn code(&self) -> &'static str {
        match self {
            Entry::Rule(r) => r.code(),
            Entry::Input(c) => c.code,
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Entry::Rule(r) => json!({
                "code": r.code(),
                "name": r.name(),
                "default_severity": r.default_severity().as_str(),
                "suppressible": true,
                "summary": r.summary(),
                "doc": r.doc(),
            }),
            Entry::Input(c) => json!({
                "code": c.code,
                "name": c.name,
                "default_severity": "error",
                "suppressible": false,
                "summary": c.summary,
                "doc": input_doc(c),
            }),
        }
    }

    fn full(&self) -> String {
        match self {
            Entry::Rule(r) => format!(
                "# {} {}\n\nDefault severity: {}\n\n{}",
                r.code(),
                r.name(),
                r.default_severity(),
                r.doc()
            ),
            Entry::Input(c) => format!(
                "# {} {}\n\nDefault severity: error\n\n{}",
                c.code,
                c.name,
                input_doc(c)
            ),
        }
    }
}

fn input_doc(c: &CodeInfo) -> String {
    format!(
        "{}\n\nReported by the parser or the schema, before any memory math: it cannot be turned off or suppressed. See docs/diagnostics.md.",
        c.summary
    )
}

pub fn run(args: RuleArgs) -> Result<ExitStatus, String> {
    let entries: Vec<Entry> = if args.all {
        let mut v: Vec<Entry> = INPUT_CODES.iter().map(Entry::Input).collect();
        v.extend(all_rules().into_iter().map(Entry::Rule));
        // HW codes (hardware/codes.rs) are documented like rules.
        v.extend(
            memmath::hardware::hardware_codes()
                .iter()
                .map(|c| Entry::Rule(c as &'static dyn Rule)),
        );
        v.sort_by_key(Entry::code);
        v
    } else {
        let q = args.rule.as_deref().unwrap_or_default();
        let hw = memmath::hardware::hardware_code(q).map(|c| c as &'static dyn Rule);
        match (find_rule(q).or(hw), find_input_code(q)) {
            (Some(r), _) => vec![Entry::Rule(r)],
            (None, Some(c)) => vec![Entry::Input(c)],
            (None, None) => {
                let hint = did_you_mean(q)
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
            let items: Vec<Value> = entries.iter().map(Entry::to_json).collect();
            let value = if args.all {
                Value::Array(items)
            } else {
                items.into_iter().next().unwrap_or(Value::Null)
            };
            let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
            super::output::stdout(&format!("{text}\n"))?;
        }
        RuleFormat::Full => {
            let texts: Vec<String> = entries.iter().map(Entry::full).collect();
            super::output::stdout(&format!("{}\n", texts.join("\n\n")))?;
        }
    }
    Ok(ExitStatus::Success)
}
