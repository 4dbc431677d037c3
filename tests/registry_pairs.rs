//! Every finding code and name the tests expect exists: a fixture, golden or
//! test literal that pairs a code with a name no rule has (MEM002
//! `kv-cache-too-small` was one) would test output memmath never prints.
//!
//! Scanned: tests/fixtures/**, tests/golden/**, tests/report_fixtures/** and
//! the string literals of tests/*.rs and tests/*/mod.rs. A pair is a code
//! (`ABC123`) followed by a kebab-case name (`MEM002 kv-cache-exceeds-budget`,
//! `**MEM002** \`kv-cache-exceeds-budget\``, `<strong>MEM002</strong>
//! <code>...</code>`), or a `"code": "ABC123"` followed by its `"name": "..."`
//! in the same JSON object.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The name the code registry (`memmath::codes`) gives a code.
fn registered_names(code: &str) -> Vec<&'static str> {
    memmath::codes::all()
        .iter()
        .filter(|c| c.code == code)
        .map(|c| c.name)
        .collect()
}

/// A finding code at the start of `s`: 2-3 capitals and 3 digits (`HW001`,
/// `MEM002`), not part of a longer word.
fn code_at(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_uppercase()).count();
    if !(2..=3).contains(&letters) {
        return None;
    }
    let digits = b[letters..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let end = letters + digits;
    (digits == 3 && !b.get(end).is_some_and(u8::is_ascii_alphanumeric)).then(|| &s[..end])
}

fn is_name(s: &str) -> bool {
    s.contains('-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

/// The kebab-case word at the start of `s`, after markup between a code and
/// its name (spaces, `**`, backticks, `</strong>`, `<code>`, `&quot;`).
fn name_after(s: &str) -> Option<&str> {
    let mut rest = s;
    loop {
        let before = rest;
        rest = rest.trim_start_matches([' ', '*', '`', '"']);
        for tag in ["</strong>", "<code>", "</code>", "<strong>"] {
            rest = rest.strip_prefix(tag).unwrap_or(rest);
        }
        if rest.len() == before.len() {
            break;
        }
    }
    let end = rest
        .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
        .unwrap_or(rest.len());
    let word = &rest[..end];
    is_name(word).then_some(word)
}

/// (code, name) pairs in a text.
fn pairs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    for i in 0..b.len() {
        if (i > 0 && b[i - 1].is_ascii_alphanumeric()) || !text.is_char_boundary(i) {
            continue;
        }
        let Some(code) = code_at(&text[i..]) else {
            continue;
        };
        let rest = &text[i + code.len()..];
        if let Some(name) = name_after(rest) {
            out.push((code.to_string(), name.to_string()));
            continue;
        }
        // JSON: "code": "MEM002", ... "name": "kv-cache-exceeds-budget" in the
        // same object (before the next code or closing brace).
        let object = rest.split(['}', '{']).next().unwrap_or("");
        let object = object.split("\"code\"").next().unwrap_or(object);
        if let Some((_, after)) = object.split_once("\"name\"") {
            let value = after.trim_start_matches([' ', ':', '\n', '"']);
            let end = value.find('"').unwrap_or(0);
            let name = &value[..end];
            if is_name(name) {
                out.push((code.to_string(), name.to_string()));
            }
        }
    }
    out
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn scanned() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut out = Vec::new();
    for sub in ["fixtures", "golden", "report_fixtures"] {
        files(&root.join(sub), &mut out);
    }
    for e in std::fs::read_dir(&root).expect("tests/").flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        } else if p.is_dir() && p.join("mod.rs").is_file() {
            out.push(p.join("mod.rs"));
        }
    }
    out.sort();
    out
}

#[test]
fn every_code_and_name_pair_in_the_tests_is_registered() {
    let mut checked = 0;
    let mut unknown = BTreeSet::new();
    for path in scanned() {
        if path.file_name().is_some_and(|n| n == "registry_pairs.rs") {
            continue; // this file's own examples
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // binary fixtures
        };
        for (code, name) in pairs(&text) {
            checked += 1;
            let names = registered_names(&code);
            if !names.contains(&name.as_str()) {
                let rel = path
                    .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                unknown.insert(format!("{rel}: {code} {name} (registered: {names:?})"));
            }
        }
    }
    assert!(checked >= 10, "the scan found only {checked} pairs");
    assert!(
        unknown.is_empty(),
        "code/name pairs no registry has:\n{}",
        unknown.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_scanner_finds_pairs_in_every_form_the_tests_use() {
    let text = r#"- **error MEM002** `kv-cache-exceeds-budget` at x
<strong>MEM003</strong> <code>max-model-len-does-not-fit</code>
"error MEM001 weights-exceed-gpu-memory"
{"code": "TRF001", "severity": "warning", "name": "average-token-lengths"}
{"code": "SCH005", "message": "x"}, {"name": "not-this-one"}
MEM001@12 and PAR001_ok.yaml"#;
    let got: Vec<(String, String)> = pairs(text);
    let want: Vec<(String, String)> = [
        ("MEM002", "kv-cache-exceeds-budget"),
        ("MEM003", "max-model-len-does-not-fit"),
        ("MEM001", "weights-exceed-gpu-memory"),
        ("TRF001", "average-token-lengths"),
    ]
    .iter()
    .map(|(c, n)| (c.to_string(), n.to_string()))
    .collect();
    assert_eq!(got, want);
    // And the lookup knows every registry's codes, and refuses a wrong name.
    assert!(registered_names("MEM002").contains(&"kv-cache-exceeds-budget"));
    assert!(!registered_names("MEM002").contains(&"kv-cache-too-small"));
    assert!(!registered_names("SCH005").is_empty());
    assert!(!registered_names("HW001").is_empty());
    assert!(!registered_names("CAT001").is_empty());
}
