//! Suppressions: `# memmath: ignore[CODE, name] reason` comments (on the line
//! above a key, or at the end of its line) and `lint.ignore: [{rule, reason}]`
//! in the spec; plus per-file ignores from memmath.toml, matched by file name.
//!
//! Runs after every stage, once findings have spans, because a comment
//! suppresses by line. Which codes can be suppressed is the registry's
//! `suppressible` column ([`crate::codes`]): SYN, SCH, MEM000 and the CAT codes
//! that stop the plan cannot (a spec that cannot be planned has nothing to
//! exempt), nor can SUP findings. The pass reports SUP001 (unused), SUP002
//! (unknown code) and SUP003 (no reason).

use super::RulesConfig;
use crate::codes::{self, Kind};
use crate::diagnostics::Finding;
use crate::source::{SourceFile, Span};
use crate::spec::{SpannedDoc, Spec};

/// How suppressions apply to one spec.
pub struct SuppressOptions<'a> {
    /// Honour comments and `lint.ignore` (false: `--no-inline-ignores`).
    pub inline_ignores: bool,
    pub config: &'a RulesConfig,
    /// The lint rules ran (a spec with schema errors has no plan): only then
    /// can a suppression be known to be unused.
    pub rules_ran: bool,
}

/// One `# memmath: ignore[...]` comment.
#[derive(Debug)]
struct Inline {
    /// 1-based line whose findings it suppresses.
    target_line: usize,
    /// The comment, `#` to the end of the line.
    span: Span,
    codes: Vec<String>,
    reason: String,
    used: Vec<bool>,
}

/// Can a finding of `code` be suppressed? Codes outside the registry (none
/// in practice) can.
fn suppressible(code: &str) -> bool {
    codes::find(code).is_none_or(|c| c.suppressible)
}

/// Does selector `s` (from a suppression) name finding `f`?
fn names(s: &str, f: &Finding) -> bool {
    s.eq_ignore_ascii_case(&f.code) || s == f.name
}

/// Filter `findings` by per-file ignores and suppressions, and add the SUP
/// findings the suppressions themselves deserve.
pub fn apply(
    findings: Vec<Finding>,
    source: &SourceFile,
    doc: Option<&SpannedDoc>,
    spec: Option<&Spec>,
    opts: &SuppressOptions<'_>,
) -> Vec<Finding> {
    let cfg = opts.config;
    // Codes emitted outside the lint pass (HST004 and CAT010 by the catalogue,
    // HW by the live checks) get the same configuration as the rules.
    let mut findings = cfg.apply(findings, Some(&source.name));
    if !opts.inline_ignores {
        return findings;
    }
    let mut inline = parse_comments(source);
    let entries: Vec<(String, String)> = spec
        .and_then(|s| s.lint.as_ref())
        .map(|l| {
            l.ignore
                .iter()
                .map(|e| (e.rule.clone(), e.reason.clone()))
                .collect()
        })
        .unwrap_or_default();
    let mut entry_used = vec![false; entries.len()];
    findings.retain(|f| {
        if !suppressible(&f.code) {
            return true;
        }
        let line = f.span.map(|s| source.line_col(s.start).0);
        let mut hit = false;
        for s in inline.iter_mut().filter(|s| Some(s.target_line) == line) {
            for (i, c) in s.codes.iter().enumerate() {
                if names(c, f) {
                    s.used[i] = true;
                    hit = true;
                }
            }
        }
        for (i, (rule, _)) in entries.iter().enumerate() {
            if names(rule, f) {
                entry_used[i] = true;
                hit = true;
            }
        }
        !hit
    });

    let mut sup = Vec::new();
    for s in &inline {
        if s.codes.is_empty() {
            emit(
                &mut sup,
                "SUP002",
                cfg,
                &source.name,
                "",
                Some(s.span),
                "malformed suppression: expected `# memmath: ignore[CODE, ...] reason`".to_string(),
                None,
            );
            continue;
        }
        for (i, c) in s.codes.iter().enumerate() {
            check_one(
                &mut sup,
                cfg,
                &source.name,
                c,
                s.used[i],
                opts.rules_ran,
                "",
                Some(s.span),
            );
        }
        if s.reason.is_empty() {
            emit(
                &mut sup,
                "SUP003",
                cfg,
                &source.name,
                "",
                Some(s.span),
                format!("suppression of {} gives no reason", s.codes.join(", ")),
                Some(format!(
                    "write why after the bracket: `# memmath: ignore[{}] <reason>`",
                    s.codes.join(", ")
                )),
            );
        }
    }
    for (i, (rule, _)) in entries.iter().enumerate() {
        let pointer = format!("/lint/ignore/{i}/rule");
        let span = doc.and_then(|d| d.span_of(&pointer));
        check_one(
            &mut sup,
            cfg,
            &source.name,
            rule,
            entry_used[i],
            opts.rules_ran,
            &pointer,
            span,
        );
    }
    findings.extend(sup);
    findings
}

/// SUP002 for an unknown name, SUP001 for an unused or unsuppressible one.
#[allow(clippy::too_many_arguments)]
fn check_one(
    out: &mut Vec<Finding>,
    cfg: &RulesConfig,
    file: &str,
    code: &str,
    used: bool,
    rules_ran: bool,
    pointer: &str,
    span: Option<Span>,
) {
    let mut report = |sup: &str, message: String, fix: String| {
        emit(out, sup, cfg, file, pointer, span, message, Some(fix));
    };
    let Some(row) = codes::find(code) else {
        let candidates = codes::all()
            .iter()
            .filter(|c| c.suppressible)
            .flat_map(|c| [c.code, c.name]);
        let fix = match crate::text::did_you_mean_hint(code, candidates) {
            Some(h) => format!("{h} (`memmath rule --all` lists every rule)"),
            None => "use a code or name from `memmath rule --all`".to_string(),
        };
        report(
            "SUP002",
            format!("suppression names `{code}`, which is no rule"),
            fix,
        );
        return;
    };
    if !row.suppressible {
        report(
            "SUP001",
            format!(
                "suppression of {code} suppresses nothing: {} findings cannot be suppressed (see {})",
                row.code, row.docs
            ),
            "remove it and fix the spec".to_string(),
        );
        return;
    }
    // Only a lint rule this run had enabled can be known to be unused: a rule
    // the configuration turned off, or a code of another command (HW001 from
    // `memmath verify`), may fire elsewhere.
    if row.kind == Kind::Rule && !used && rules_ran && cfg.is_enabled(row.code, Some(file)) {
        report(
            "SUP001",
            format!("suppression of {code} suppresses nothing here"),
            "remove the suppression, or move it to the line the finding points at".to_string(),
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn emit(
    out: &mut Vec<Finding>,
    code: &str,
    cfg: &RulesConfig,
    file: &str,
    pointer: &str,
    span: Option<Span>,
    message: String,
    fix: Option<String>,
) {
    let Some(row) = codes::find(code) else {
        return;
    };
    if !cfg.is_enabled(row.code, Some(file)) {
        return;
    }
    let mut f = row.finding(pointer, message);
    f.severity = cfg.severity_for(row.code);
    f.fix = fix;
    f.span = span;
    out.push(f);
}

/// Where a YAML comment starts on `line`: a `#` at the start or after
/// whitespace, outside quoted scalars.
fn comment_start(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let prev = if i == 0 { b' ' } else { b[i - 1] };
        match quote {
            Some(q) => {
                if c == b'\\' && q == b'"' {
                    i += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None => {
                if (c == b'"' || c == b'\'')
                    && matches!(prev, b' ' | b'\t' | b':' | b'[' | b'{' | b',' | b'-')
                {
                    quote = Some(c);
                } else if c == b'#' && (i == 0 || prev == b' ' || prev == b'\t') {
                    return Some(i);
                }
            }
        }
        i += 1;
    }
    None
}

/// Every `# memmath: ...` comment in the source.
fn parse_comments(source: &SourceFile) -> Vec<Inline> {
    let lines: Vec<&str> = source.text.split('\n').collect();
    let mut out = Vec::new();
    let mut offset = 0;
    for (idx, raw) in lines.iter().enumerate() {
        let line = raw.trim_end_matches('\r');
        let start = offset;
        offset += raw.len() + 1;
        let Some(hash) = comment_start(line) else {
            continue;
        };
        let body = line[hash + 1..].trim_start();
        let Some(rest) = body.strip_prefix("memmath:") else {
            continue;
        };
        let rest = rest.trim_start();
        let span = Span::new(start + hash, start + line.len());
        let parsed = rest
            .strip_prefix("ignore[")
            .and_then(|r| r.split_once(']'))
            .map(|(codes, reason)| {
                let codes: Vec<String> = codes
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect();
                (codes, reason.trim().to_string())
            });
        let own_line = line[..hash].trim().is_empty();
        let target_line = if own_line {
            // The next line with content that is not itself only a comment.
            lines
                .iter()
                .enumerate()
                .skip(idx + 1)
                .find(|(_, l)| {
                    let t = l.trim();
                    !t.is_empty() && !t.starts_with('#')
                })
                .map_or(idx + 2, |(j, _)| j + 1)
        } else {
            idx + 1
        };
        let (codes, reason) = parsed.unwrap_or_default();
        out.push(Inline {
            target_line,
            span,
            used: vec![false; codes.len()],
            codes,
            reason,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Severity;

    const SPEC: &str = "\
serving:
  # memmath: ignore[MEM004] tuned on prod nodes
  gpu_memory_utilization: 0.97
  max_model_len: 131072  # memmath: ignore[max-model-len-does-not-fit] sized for the Q4 GPUs
traffic:
  classes:
    # memmath: ignore[TRF03] typo
    - name: chat
    # memmath: ignore[TRF003]
    - name: long-doc
";

    fn at(code: codes::Code, src: &SourceFile, needle: &str) -> Finding {
        let start = src.text.find(needle).expect("needle in spec");
        code.finding_at(Severity::Warning, "", "m")
            .with_span(Span::new(start, start + needle.len()))
    }

    fn run(
        src: &SourceFile,
        findings: Vec<Finding>,
        inline: bool,
        cfg: &RulesConfig,
    ) -> Vec<Finding> {
        apply(
            findings,
            src,
            None,
            None,
            &SuppressOptions {
                inline_ignores: inline,
                config: cfg,
                rules_ran: true,
            },
        )
    }

    fn codes(v: &[Finding]) -> Vec<&str> {
        v.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn above_and_end_of_line_suppress() {
        let src = SourceFile::new("a.yaml", SPEC);
        let cfg = RulesConfig::default();
        let found = vec![
            at(codes::MEM004, &src, "gpu_memory_utilization"),
            at(codes::MEM003, &src, "max_model_len"),
            at(codes::TRF003, &src, "name: long-doc"),
        ];
        let out = run(&src, found, true, &cfg);
        // All three suppressed; the typo is SUP002 and the bare one SUP003.
        assert_eq!(codes(&out), vec!["SUP002", "SUP003"], "{out:#?}");
        assert!(out[0]
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("did you mean `TRF003`")));
        let line = |f: &Finding| src.line_col(f.span.expect("span").start).0;
        assert_eq!(line(&out[0]), 7);
        assert_eq!(line(&out[1]), 9);
    }

    #[test]
    fn unused_suppressions_are_reported() {
        let src = SourceFile::new("a.yaml", SPEC);
        let cfg = RulesConfig::default();
        let out = run(&src, vec![], true, &cfg);
        assert_eq!(
            codes(&out),
            vec!["SUP001", "SUP001", "SUP002", "SUP001", "SUP003"],
            "{out:#?}"
        );
        // Not when the rules did not run.
        let out = apply(
            vec![],
            &src,
            None,
            None,
            &SuppressOptions {
                inline_ignores: true,
                config: &cfg,
                rules_ran: false,
            },
        );
        assert_eq!(codes(&out), vec!["SUP002", "SUP003"]);
    }

    #[test]
    fn no_inline_ignores_keeps_everything_and_reports_nothing() {
        let src = SourceFile::new("a.yaml", SPEC);
        let cfg = RulesConfig::default();
        let found = vec![at(codes::MEM004, &src, "gpu_memory_utilization")];
        let out = run(&src, found, false, &cfg);
        assert_eq!(codes(&out), vec!["MEM004"]);
    }

    #[test]
    fn syntax_and_schema_findings_cannot_be_suppressed() {
        let text = "serving: {}  # memmath: ignore[SCH002] nope\n";
        let src = SourceFile::new("a.yaml", text);
        let cfg = RulesConfig::default();
        let out = run(&src, vec![at(codes::SCH002, &src, "serving")], true, &cfg);
        assert_eq!(codes(&out), vec!["SCH002", "SUP001"]);
        assert!(out[1].message.contains("cannot be suppressed"));
    }

    #[test]
    fn lint_ignore_suppresses_file_wide_and_reports_unknown_and_unused() {
        let fx = crate::rules::testutil::Fixture::edit(|v| {
            v["lint"] = serde_json::json!({"ignore": [
                {"rule": "no-burst-margin", "reason": "steady batch traffic"},
                {"rule": "TRF03", "reason": "typo"},
                {"rule": "MEM004", "reason": "stale"}
            ]});
        });
        let src = SourceFile::new("a.yaml", "a: 1\nb: 2\n");
        let cfg = RulesConfig::default();
        let f = codes::TRF004.finding("/traffic/classes/0", "m");
        let out = apply(
            vec![f],
            &src,
            None,
            Some(&fx.spec),
            &SuppressOptions {
                inline_ignores: true,
                config: &cfg,
                rules_ran: true,
            },
        );
        let got: Vec<(&str, &str)> = out
            .iter()
            .map(|f| (f.code.as_str(), f.pointer.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("SUP002", "/lint/ignore/1/rule"),
                ("SUP001", "/lint/ignore/2/rule")
            ]
        );
    }

    #[test]
    fn codes_of_other_commands_are_known_but_never_unused() {
        let text = "serving: {}  # memmath: ignore[HW002] verify runs on the GPU nodes\n";
        let src = SourceFile::new("a.yaml", text);
        let cfg = RulesConfig::default();
        assert!(run(&src, vec![], true, &cfg).is_empty());
    }

    #[test]
    fn severity_overrides_apply_to_rule_codes_from_other_stages() {
        let src = SourceFile::new("a.yaml", "a: 1\n");
        let cfg = crate::rules::load_config("[severity]\nHST004 = \"warning\"").expect("valid");
        let f = codes::HST004.finding("", "m");
        let out = run(&src, vec![f], true, &cfg);
        assert_eq!(out[0].severity, Severity::Warning);
    }

    #[test]
    fn hashes_inside_quotes_are_not_comments() {
        assert_eq!(comment_start("name: \"a # b\"  # memmath: x"), Some(15));
        assert_eq!(comment_start("name: it's # c"), Some(11));
        assert_eq!(comment_start("url: a#b"), None);
        assert_eq!(comment_start("# top"), Some(0));
    }

    #[test]
    fn per_file_ignores_and_disabled_sup_rules() {
        let src = SourceFile::new("dev/a.yaml", SPEC);
        let cfg =
            crate::rules::load_config("[per-file-ignores]\n\"dev/*\" = [\"MEM004\", \"SUP\"]")
                .expect("valid");
        let found = vec![at(codes::MEM004, &src, "max_model_len")];
        assert!(run(&src, found, true, &cfg).is_empty());
    }
}
