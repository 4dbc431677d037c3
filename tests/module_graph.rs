//! The top-level modules of `src/` form no cycle: data flows one way (units,
//! source, codes and text are leaves; diagnostics -> spec -> schema / catalog
//! -> plan -> rules -> hardware -> pipeline -> report -> cli).
//!
//! A module's dependencies are the `crate::<module>` paths (and, in the
//! binary's `cli/`, `memmath::<module>`) written in its code, including the
//! `use crate::{a, b::c}` form and `$crate::` in macros. Comments (doc links
//! included) are not code and do not count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`main.rs` is the CLI).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    match first.trim_end_matches(".rs") {
        "main" => "cli".to_string(),
        m => m.to_string(),
    }
}

/// The code of a line: everything before a `//` that is not inside a string.
fn code_of(line: &str) -> &str {
    let mut in_str = false;
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if in_str => i += 1,
            b'"' => in_str = !in_str,
            b'/' if !in_str && b.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
        i += 1;
    }
    line
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// Modules named after `root::` in `code`: `root::a::x`, `root::{a, b::y}`.
fn references(code: &str, root: &str) -> Vec<String> {
    let mut out = Vec::new();
    let needle = format!("{root}::");
    let mut rest = code;
    while let Some(at) = rest.find(&needle) {
        let before = rest[..at].chars().next_back();
        let after = &rest[at + needle.len()..];
        rest = after;
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue; // `my_crate::`, not `crate::`
        }
        if let Some(group) = after.strip_prefix('{') {
            // Top-level items of the group: split on commas outside nested braces.
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        item_start = false;
                        out.push(ident_at(&group[i..]).to_string());
                    }
                    _ => {}
                }
            }
        } else {
            out.push(ident_at(after).to_string());
        }
    }
    out
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut g = Graph::new();
    for file in &files {
        let from = module_of(&src, file);
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let deps = g.entry(from.clone()).or_default();
        for line in text.lines() {
            let code = code_of(line);
            for root in ["crate", "memmath"] {
                for to in references(code, root) {
                    if to != from && modules.contains(&to) {
                        deps.insert(to);
                    }
                }
            }
        }
    }
    g
}

/// A cycle in `g`, as the list of modules around it, if there is one.
fn find_cycle(g: &Graph) -> Option<Vec<String>> {
    fn visit(
        g: &Graph,
        node: &str,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(pos) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[pos..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in g.get(node).into_iter().flatten() {
            if let Some(c) = visit(g, next, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    g.keys()
        .find_map(|n| visit(g, n, &mut Vec::new(), &mut done))
}

#[test]
fn no_cycles_between_top_level_modules() {
    let g = graph();
    if let Some(cycle) = find_cycle(&g) {
        panic!(
            "module cycle: {}\nfull graph:\n{}",
            cycle.join(" -> "),
            g.iter()
                .map(|(m, d)| format!(
                    "  {m} -> {}",
                    d.iter().cloned().collect::<Vec<_>>().join(", ")
                ))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn leaves_depend_on_nothing_else() {
    let g = graph();
    for leaf in ["units", "source", "codes", "text"] {
        let deps = g.get(leaf).cloned().unwrap_or_default();
        assert!(deps.is_empty(), "{leaf} is a leaf but uses {deps:?}");
    }
    assert!(g.contains_key("codes") && g.contains_key("text"));
}

#[test]
fn the_parser_sees_every_form_and_finds_cycles() {
    assert_eq!(
        references("use crate::{a, b::{c, d}, e::f};", "crate"),
        ["a", "b", "e"]
    );
    assert_eq!(
        references("x: crate::plan::Plan, $crate::rules::X", "crate"),
        ["plan", "rules"]
    );
    assert_eq!(
        references("use my_crate::plan;", "crate"),
        Vec::<String>::new()
    );
    assert_eq!(
        code_of("let s = \"a // b\"; // crate::x"),
        "let s = \"a // b\"; "
    );
    let mut g = Graph::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("a".into());
    assert_eq!(
        find_cycle(&g),
        Some(vec!["a".into(), "b".into(), "a".into()])
    );
    if let Some(d) = g.get_mut("b") {
        d.clear();
    }
    assert_eq!(find_cycle(&g), None);
}
