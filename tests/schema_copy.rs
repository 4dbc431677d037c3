//! The validator compiles a rewritten copy of the published schema
//! (`src/schema/validator_copy.rs`): no annotations, and the size `pattern`
//! replaced by a format checked in code. These tests hold the copy to the
//! published file: the same verdict on every spec in the repository, and the
//! same answer as the published size regex on generated strings.

use memmath::schema::{self, validator_copy::SIZE_PATTERN};
use memmath::source::SourceFile;
use memmath::units::is_size_syntax;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The published schema, compiled as an editor or another tool would.
fn published() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let schema: Value = serde_json::from_str(schema::SCHEMA_JSON).expect("schema is JSON");
        jsonschema::validator_for(&schema).expect("published schema compiles")
    })
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// Instance paths of the errors, the part both validators must agree on
/// (messages differ: a format error versus a pattern error).
fn published_errors(value: &Value) -> BTreeSet<String> {
    published()
        .iter_errors(value)
        .map(|e| e.instance_path().as_str().to_string())
        .collect()
}

#[test]
fn copy_and_published_schema_agree_on_every_spec_in_the_repository() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    yaml_files(&root.join("specs"), &mut files);
    yaml_files(&root.join("tests/fixtures"), &mut files);
    assert!(files.len() > 50, "found only {} specs", files.len());
    let (mut valid, mut invalid) = (0, 0);
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable spec");
        let Ok(doc) = memmath::spec::parse(&SourceFile::new(path.display().to_string(), text))
        else {
            continue; // a YAML syntax fixture: no schema involved
        };
        let ours: BTreeSet<String> = schema::validate(&doc)
            .iter()
            .map(|f| f.pointer.clone())
            .collect();
        let theirs = published_errors(&doc.value);
        assert_eq!(
            ours.is_empty(),
            theirs.is_empty(),
            "{}: ours {ours:?}, published {theirs:?}",
            path.display()
        );
        if theirs.is_empty() {
            valid += 1;
        } else {
            invalid += 1;
        }
    }
    assert!(
        valid > 20 && invalid > 5,
        "valid {valid}, invalid {invalid}"
    );
}

#[test]
fn a_bad_size_is_the_same_finding_as_before() {
    let text = "apiVersion: memmath/v1\nkind: Serving\nmetadata: {name: x}\nmodel: {preset: llama-3.1-8b}\nhardware:\n  gpu: h100-sxm-80gb\n  host_memory: 80G\n";
    let doc = memmath::spec::parse(&SourceFile::new("x.yaml", text.to_string())).expect("YAML");
    let findings = schema::validate(&doc);
    let size: Vec<_> = findings
        .iter()
        .filter(|f| f.pointer == "/hardware/host_memory")
        .collect();
    assert_eq!(size.len(), 1, "{findings:?}");
    assert_eq!(size[0].code, "SCH005");
    assert!(
        size[0]
            .message
            .contains("not a size with a recognised unit"),
        "{}",
        size[0].message
    );
    assert!(size[0].fix.as_deref().unwrap_or("").contains("GiB"));
}

/// The published size regex alone, compiled by jsonschema.
fn size_regex() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        jsonschema::validator_for(&json!({"type": "string", "pattern": SIZE_PATTERN}))
            .expect("pattern compiles")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Strings made of the pieces a size is written with (digits, dots, unit
    /// letters, ASCII and Unicode spaces, U+0085 which Rust calls whitespace and
    /// ECMA-262 does not): the code matcher says what the regex says.
    #[test]
    fn size_matcher_equals_the_published_regex(
        s in "[0-9. \t\u{a0}\u{85}\u{feff}\u{2003}BKMGTikxb]{0,12}"
    ) {
        let regex = size_regex().is_valid(&json!(s));
        prop_assert_eq!(is_size_syntax(&s), regex, "{:?}", s);
    }

    /// Well-formed sizes with random spacing, number shapes and units.
    #[test]
    fn size_matcher_accepts_what_the_regex_accepts(
        lead in "[ \t]{0,2}",
        int in "[0-9]{0,4}",
        frac in proptest::option::of("[0-9]{0,3}"),
        mid in "[ \t]{0,2}",
        unit in prop::sample::select(vec!["B", "KiB", "MiB", "GiB", "TiB", "KB", "kB", "MB", "GB", "TB", "G", "gib", "Gi"]),
        trail in "[ \t]{0,2}",
    ) {
        let number = match &frac { Some(f) => format!("{int}.{f}"), None => int.clone() };
        let s = format!("{lead}{number}{mid}{unit}{trail}");
        let regex = size_regex().is_valid(&json!(s));
        prop_assert_eq!(is_size_syntax(&s), regex, "{:?}", s);
    }
}
