//! One fixture per lint rule under tests/fixtures/rules/: `CODE.yaml` commits
//! the mistake, `CODE_ok.yaml` is a near miss. Each file states every finding
//! it must produce in its header, `# expect: CODE@LINE` (or `# expect: clean`),
//! and the test runs the real pipeline (parser, schema, catalogue, plan, rules,
//! suppressions) and compares the exact set, so a fixture also proves that no
//! other rule fires on it.

use memmath::catalog::MemoryFiles;
use memmath::diagnostics::{render, FileFindings, Finding, Format, LocatedFinding, RenderOptions};
use memmath::pipeline::{analyze, AnalyzeOptions};
use memmath::rules::{all_rules, RulesConfig};
use memmath::source::SourceFile;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

fn fixtures() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(dir())
        .expect("fixtures folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&p).expect("readable fixture");
            (name, text)
        })
        .collect();
    v.sort();
    v
}

fn analyze_fixture(
    name: &str,
    text: &str,
    cfg: &RulesConfig,
    inline: bool,
) -> (SourceFile, Vec<Finding>) {
    let opts = AnalyzeOptions {
        // The fixtures reference no files.
        files: &MemoryFiles::new(),
        spec_dir: dir(),
        rules: cfg,
        inline_ignores: inline,
    };
    let a = analyze(SourceFile::new(name, text), &opts);
    (a.source, a.findings)
}

fn run(name: &str, text: &str, cfg: &RulesConfig, inline: bool) -> Vec<LocatedFinding> {
    let (source, findings) = analyze_fixture(name, text, cfg, inline);
    findings
        .iter()
        .map(|f: &Finding| LocatedFinding::locate(f, &source))
        .collect()
}

fn expected(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# expect: "))
        .filter(|e| *e != "clean")
        .map(str::to_string)
        .collect()
}

fn got(found: &[LocatedFinding]) -> BTreeSet<String> {
    found
        .iter()
        .map(|f| format!("{}@{}", f.code, f.line))
        .collect()
}

#[test]
fn each_fixture_gives_exactly_its_findings() {
    let mut problems = Vec::new();
    for (name, text) in fixtures() {
        assert!(text.contains("# expect: "), "{name} states no expectation");
        let found = run(&name, &text, &RulesConfig::default(), true);
        let (want, have) = (expected(&text), got(&found));
        if want != have {
            let detail: Vec<String> = found
                .iter()
                .map(|f| format!("  {}@{} {}", f.code, f.line, f.message))
                .collect();
            problems.push(format!(
                "{name}: expected {want:?}, got {have:?}\n{}",
                detail.join("\n")
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_lint_rule_has_a_firing_fixture() {
    let names: BTreeSet<String> = fixtures().into_iter().map(|(n, _)| n).collect();
    let all_text: String = fixtures().into_iter().map(|(_, t)| t).collect();
    for r in all_rules() {
        // HST004 is emitted by the safetensors reader (catalogue tests).
        if r.code() == "HST004" {
            continue;
        }
        assert!(
            all_text.contains(&format!("# expect: {}@", r.code())),
            "no fixture fires {} (have {names:?})",
            r.code()
        );
    }
}

#[test]
fn every_finding_has_a_fix_with_numbers_or_a_setting() {
    for (name, text) in fixtures() {
        for f in run(&name, &text, &RulesConfig::default(), true) {
            let fix = f.fix.unwrap_or_default();
            assert!(!fix.is_empty(), "{name}: {} has no fix", f.code);
        }
    }
}

#[test]
fn no_inline_ignores_reports_what_the_comments_hid() {
    let text = std::fs::read_to_string(dir().join("SUP_inline.yaml")).expect("fixture");
    let found = run("SUP_inline.yaml", &text, &RulesConfig::default(), false);
    let codes: BTreeSet<&str> = found.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, BTreeSet::from(["MEM004", "TRF003"]));
}

#[test]
fn config_turns_rules_off_and_changes_severity() {
    let text = std::fs::read_to_string(dir().join("MEM006.yaml")).expect("fixture");
    let cfg = memmath::rules::load_config("ignore = [\"MEM004\"]\n[severity]\nMEM006 = \"error\"")
        .expect("valid");
    let found = run("MEM006.yaml", &text, &cfg, true);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].code, "MEM006");
    assert_eq!(found[0].severity.as_str(), "error");
    // The command line's --select wins over the file's ignore.
    let cli = cfg.with_cli(vec!["MEM004".into()], vec![]);
    let found = run("MEM006.yaml", &text, &cli, true);
    let codes: Vec<&str> = found.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, vec!["MEM004"]);
    // Per-file ignores match the spec's path.
    let per_file = memmath::rules::load_config("[per-file-ignores]\n\"MEM006.yaml\" = [\"MEM\"]")
        .expect("valid");
    assert!(run("MEM006.yaml", &text, &per_file, true).is_empty());
}

/// The rendered `full` diagnostics of every firing fixture, one snapshot: what
/// a user sees (message with units, code frame at the field, computed fix).
#[test]
fn full_diagnostics_snapshot() {
    let opts = RenderOptions {
        color: false,
        width: 100,
        ..RenderOptions::default()
    };
    let mut out = String::new();
    for (name, text) in fixtures() {
        if text.contains("# expect: clean") {
            continue;
        }
        let (source, findings) = analyze_fixture(
            &format!("rules/{name}"),
            &text,
            &RulesConfig::default(),
            true,
        );
        let file = FileFindings::new(source, &findings);
        out.push_str(&render(Format::Full, &[file], &opts));
        out.push('\n');
    }
    insta::assert_snapshot!("rules_full", out);
}
