//! Issue 12 item 7: every source memmath shows a user can check. No
//! user-visible text (`--help` of every command, `rule --all`, the catalogue,
//! the schema, reports and their assumptions) cites the founders' design notes
//! or an internal issue number; and the plan says whether each GPU total it
//! used was measured or derived.

use assert_cmd::Command;
use std::path::Path;

fn memmath(args: &[&str]) -> String {
    let out = Command::cargo_bin("memmath")
        .unwrap_or_else(|e| panic!("{e}"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("memmath {args:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(
        out.status.code(),
        Some(101),
        "memmath {args:?} panicked: {text}"
    );
    text
}

/// Citations a user cannot follow: the design notes, or "issue 3".
fn uncheckable(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut found = Vec::new();
    if lower.contains("design.md") {
        found.push("design.md".to_string());
    }
    let bytes = lower.as_bytes();
    for (i, _) in lower.match_indices("issue") {
        let rest = &bytes[i + 5..];
        let skip = rest.iter().take_while(|b| matches!(b, b' ' | b'#')).count();
        if skip > 0 && rest.get(skip).is_some_and(u8::is_ascii_digit) {
            let end = (i + 5 + skip + 4).min(lower.len());
            found.push(lower[i..end].to_string());
        }
    }
    found
}

/// The subcommands `memmath --help` lists.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.trim_start().starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(String::from)
        .collect()
}

#[test]
fn user_visible_text_cites_nothing_a_user_cannot_check() {
    let top = memmath(&["--help"]);
    let commands = subcommands(&top);
    assert!(
        commands.iter().any(|c| c == "check") && commands.iter().any(|c| c == "report"),
        "{top}"
    );
    let mut texts = vec![("--help".to_string(), top)];
    for c in &commands {
        texts.push((format!("{c} --help"), memmath(&[c, "--help"])));
    }
    for args in [
        vec!["catalog", "gpus", "--help"],
        vec!["catalog", "models", "--help"],
        vec!["rule", "--all"],
        vec!["rule", "--all", "--output-format", "json"],
        vec!["catalog", "gpus"],
        vec!["catalog", "models"],
        vec!["schema"],
    ] {
        texts.push((args.join(" "), memmath(&args)));
    }
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let spec_dir = specs.to_string_lossy().to_string();
    for format in ["json", "md"] {
        texts.push((
            format!("report specs --format {format}"),
            memmath(&["report", &spec_dir, "--format", format]),
        ));
    }
    let bad: Vec<String> = texts
        .iter()
        .flat_map(|(what, text)| {
            uncheckable(text)
                .into_iter()
                .map(move |c| format!("{what}: {c}"))
        })
        .collect();
    assert!(bad.is_empty(), "uncheckable citations: {bad:#?}");
}

#[test]
fn the_detector_finds_what_it_looks_for() {
    assert_eq!(uncheckable("see design.md section 4b"), vec!["design.md"]);
    assert_eq!(uncheckable("as issue 3 says").len(), 1);
    assert_eq!(uncheckable("(issue #12)").len(), 1);
    assert!(uncheckable("https://github.com/vllm-project/vllm/issues/10517").is_empty());
    assert!(uncheckable("no issues here").is_empty());
}

#[test]
fn plans_say_whether_the_gpu_total_is_measured_or_derived() {
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let json = memmath(&[
        "report",
        &specs.join("llama-3.1-8b-awq-l4.yaml").to_string_lossy(),
        "--format",
        "json",
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let plan = if v.is_array() { &v[0] } else { &v };
    let total = plan["assumptions"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["field"] == "gpu.total_bytes"))
        .unwrap_or_else(|| panic!("no gpu.total_bytes assumption: {plan}"));
    // l4-24gb is NVML minus the 600 MiB reserve in catalog/gpus.yaml.
    let value = total["value"].as_str().unwrap_or_default();
    assert!(
        value.ends_with("derived: NVML total minus reserve"),
        "{total}"
    );
    assert!(
        total["source"]
            .as_str()
            .unwrap_or_default()
            .contains("not a measurement"),
        "{total}"
    );

    let json = memmath(&[
        "report",
        &specs.join("llama-3.1-8b-h100.yaml").to_string_lossy(),
        "--format",
        "json",
    ]);
    assert!(json.contains("bytes, measured"), "{json}");

    let table = memmath(&["catalog", "gpus"]);
    assert!(
        table.contains("derived") && table.contains("measured"),
        "{table}"
    );
}
