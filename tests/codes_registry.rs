//! The code registry (`memmath::codes`) is the one list of codes: every code
//! the source can emit is in it with the same name, and every row is
//! documented in the docs section it names.

use memmath::codes;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// GitHub's anchor for a Markdown heading: lower-case, punctuation dropped,
/// spaces to hyphens.
fn anchor(heading: &str) -> String {
    heading
        .trim_start_matches('#')
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

#[test]
fn every_code_is_documented_in_the_section_it_names() {
    let mut problems = Vec::new();
    for c in codes::all() {
        let (file, section) = c.docs.split_once('#').expect("docs has an anchor");
        let text = std::fs::read_to_string(root().join(file)).unwrap_or_default();
        let mut in_section = String::new();
        let mut collecting = false;
        for line in text.lines() {
            if line.starts_with("## ") {
                collecting = anchor(line) == section;
            }
            if collecting {
                in_section.push_str(line);
                in_section.push('\n');
            }
        }
        if in_section.is_empty() {
            problems.push(format!("{}: {file} has no section #{section}", c.code));
            continue;
        }
        let row = format!("| {} |", c.code);
        if !in_section.contains(&row) || !in_section.contains(c.name) {
            problems.push(format!(
                "{}: {file}#{section} has no table row `{row} ... {} ...`",
                c.code, c.name
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// A quoted code literal (`"MEM003"`) at byte `i` of `text`, if one starts there.
fn code_literal(text: &str, i: usize) -> Option<&str> {
    let rest = text.get(i + 1..)?;
    let letters = rest.bytes().take_while(u8::is_ascii_uppercase).count();
    let digits = rest[letters..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    let end = letters + digits;
    ((2..=3).contains(&letters) && digits == 3 && rest[end..].starts_with('"'))
        .then(|| &rest[..end])
}

/// Every `"CODE"` literal in `src/` is a registry code, and every
/// `"CODE", "name"` pair (as `Finding::new` and `declare_rule!` take them)
/// has the registry's name.
#[test]
fn every_code_the_source_emits_is_in_the_registry_with_its_name() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut problems = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let where_ = file
            .strip_prefix(root())
            .unwrap_or(&file)
            .display()
            .to_string();
        for (i, _) in text.match_indices('"') {
            let Some(code) = code_literal(&text, i) else {
                continue;
            };
            // Test-only codes of the exit-status tests.
            if code == "TST001" {
                continue;
            }
            let Some(row) = codes::find(code) else {
                problems.insert(
                    format!("{where_}: {code}"),
                    "not in the registry".to_string(),
                );
                continue;
            };
            let after = text[i + code.len() + 2..].trim_start();
            if let Some(name) = after
                .strip_prefix(',')
                .map(str::trim_start)
                .and_then(|s| s.strip_prefix('"'))
                .and_then(|s| s.split_once('"'))
                .map(|(n, _)| n)
            {
                let kebab = !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if kebab && name.contains('-') && name != row.name {
                    problems.insert(
                        format!("{where_}: {code} {name}"),
                        format!("the registry names it {}", row.name),
                    );
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{}",
        problems
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn mem000_has_one_name() {
    assert_eq!(
        codes::find("MEM000").map(|c| c.name),
        Some("arithmetic-overflow")
    );
    assert!(codes::find("plan-unavailable").is_none());
}

/// Outside `src/codes`, no `Finding::new("CODE", ...)`: a finding's name and
/// default severity come from its registry row (`codes::X.finding(...)`, or
/// `finding_at` where a check deliberately reports another severity).
#[test]
fn no_finding_is_built_from_a_literal_code_outside_the_registry() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let codes_dir = root().join("src").join("codes");
    let mut problems = Vec::new();
    for file in files.iter().filter(|f| !f.starts_with(&codes_dir)) {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for (i, _) in text.match_indices("Finding::new(") {
            let args = text[i + "Finding::new(".len()..].trim_start();
            if args.starts_with('"') {
                let line = text[..i].matches('\n').count() + 1;
                let where_ = file.strip_prefix(root()).unwrap_or(file).display();
                problems.push(format!("{where_}:{line}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "findings built from a literal code (use the registry's constant):\n{}",
        problems.join("\n")
    );
}
