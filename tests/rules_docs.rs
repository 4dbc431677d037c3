//! docs/rules.md lists every registered rule with its default severity and
//! summary, exactly as the registry (the rules' doc comments) has them.

use memmath::rules::all_rules;

fn expected_table() -> String {
    let mut out = String::from("| code | name | default | what it checks |\n|---|---|---|---|\n");
    for r in all_rules() {
        out.push_str(&format!(
            "| {} | `{}` | {} | {} |\n",
            r.code(),
            r.name(),
            r.default_severity(),
            r.summary().replace('|', "\\|")
        ));
    }
    out
}

#[test]
fn docs_table_matches_the_registry() {
    let docs = include_str!("../docs/rules.md");
    let table = docs
        .split_once("<!-- rules-table:start -->\n")
        .and_then(|(_, rest)| rest.split_once("<!-- rules-table:end -->"))
        .map(|(t, _)| t)
        .expect("docs/rules.md has the rules-table markers");
    let expected = expected_table();
    assert_eq!(
        table, expected,
        "docs/rules.md is out of date; replace the table with:\n{expected}"
    );
}

#[test]
fn pre_commit_hooks_exist() {
    let hooks = include_str!("../.pre-commit-hooks.yaml");
    assert!(hooks.contains("language: rust"));
    assert!(hooks.contains("language: system"));
    assert!(hooks.contains("entry: memmath check"));
}
