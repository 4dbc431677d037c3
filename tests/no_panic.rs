//! Nothing a user can feed memmath makes it panic: arbitrary text, and valid
//! specs mangled line by line, always come back as findings (or a clean spec).

mod common;

use common::analyze_text;
use proptest::prelude::*;

const BASE: &str = include_str!("fixtures/valid_base.yaml");

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = analyze_text("fuzz.yaml", &text);
    }

    #[test]
    fn yaml_punctuation_never_panics(text in "[-:\\[\\]{}&*!|>'\"#%@`, \\n\\ta-z0-9.]{0,300}") {
        let _ = analyze_text("fuzz.yaml", &text);
    }

    #[test]
    fn mangled_specs_never_panic(
        line in 0usize..30,
        col in 0usize..40,
        insert in "[\\[\\]{}:&*!|>'\"#\\- a-z0-9.\\n]{0,6}",
        drop_line in any::<bool>(),
    ) {
        let mut lines: Vec<String> = BASE.lines().map(str::to_string).collect();
        if let Some(l) = lines.get_mut(line) {
            if drop_line {
                l.clear();
            } else {
                let at = l.char_indices().nth(col).map_or(l.len(), |(i, _)| i);
                l.insert_str(at, &insert);
            }
        }
        let text = lines.join("\n");
        let (source, findings) = analyze_text("mangled.yaml", &text);
        // Every finding's span lies inside the text (renderers slice with it).
        for f in &findings {
            if let Some(s) = f.span {
                prop_assert!(s.start <= s.end && s.end <= source.text.len(), "{f:?}");
            }
        }
    }
}

#[test]
fn crlf_files_locate_like_lf_files() {
    let text = BASE
        .replace("    kv_heads: 8\n", "    kv_haeds: 8\n")
        .replace('\n', "\r\n");
    let (source, findings) = analyze_text("crlf.yaml", &text);
    let f = findings
        .iter()
        .find(|f| f.code == "SCH001")
        .unwrap_or_else(|| panic!("{findings:?}"));
    let span = f.span.unwrap_or_else(|| panic!("no span"));
    assert_eq!(source.line_col(span.start), (11, 5));
    assert_eq!(&source.text[span.start..span.end], "kv_haeds");
}

#[test]
fn columns_count_characters_not_bytes() {
    let text = BASE.replace("  name: fixture\n", "  name: \"größe\"\n  größe: 1\n");
    let (source, findings) = analyze_text("utf8.yaml", &text);
    let f = findings
        .iter()
        .find(|f| f.code == "SCH001")
        .unwrap_or_else(|| panic!("{findings:?}"));
    let span = f.span.unwrap_or_else(|| panic!("no span"));
    assert_eq!(&source.text[span.start..span.end], "größe");
    assert_eq!(source.line_col(span.start), (5, 3));
}
