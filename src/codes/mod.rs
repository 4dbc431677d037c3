//! The one table of every finding code memmath can emit: lint rules, the
//! parser's and the schema's input codes, the catalogue's, the plan's and the
//! live-hardware checks'. Each row says the code's name, category, default
//! severity, one-line summary, the docs section that documents it, and whether
//! a suppression or the configuration may touch it.
//!
//! `memmath rule`, SARIF rule metadata, memmath.toml and `--select`/`--ignore`
//! validation, the suppression pass and the docs tests all read this table. A
//! leaf module: it depends on nothing else in the crate.

mod severity;
mod table;

pub use severity::Severity;
pub use table::*;

/// One finding code and what the tool knows about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code {
    /// `MEM003`: a category and three digits.
    pub code: &'static str,
    /// `max-model-len-does-not-fit`: kebab-case, says what is wrong.
    pub name: &'static str,
    /// The severity it is reported at unless a rule lowers it or the
    /// configuration overrides it.
    pub severity: Severity,
    /// Which stage emits it.
    pub kind: Kind,
    /// May a `# memmath: ignore[...]` comment or `lint.ignore` silence it?
    pub suppressible: bool,
    /// May memmath.toml and `--select`/`--ignore` name it?
    pub configurable: bool,
    /// The docs section that documents it (`docs/rules.md#...`).
    pub docs: &'static str,
    /// One line: what it reports.
    pub summary: &'static str,
}

/// Which stage emits a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The YAML parser or the schema (SYN, SCH).
    Input,
    /// The catalogue and the Hugging Face / safetensors importers (CAT).
    Catalog,
    /// The memory math itself (MEM000).
    Plan,
    /// A lint rule in `rules/` (one file each).
    Rule,
    /// A live-hardware check in `hardware/` (HW).
    Hardware,
    /// Reading a serving config (`memmath import`, `deployment:`) (IMP).
    Import,
}

/// Which codes a suppression or the configuration may name.
#[derive(Clone, Copy, Debug)]
struct Policy {
    suppressible: bool,
    configurable: bool,
}

/// The categories, with what each covers (design of the code scheme: a
/// 2-3 letter category and three digits).
pub const CATEGORIES: &[(&str, &str)] = &[
    ("SYN", "YAML syntax"),
    ("SCH", "schema"),
    ("CAT", "catalogue and importers"),
    ("MEM", "memory fit"),
    ("TRF", "traffic modelling"),
    ("QNT", "quantization"),
    ("PAR", "parallelism"),
    ("HST", "host RAM and loading"),
    ("TRN", "training"),
    ("HW", "live hardware"),
    ("IMP", "imported serving configs"),
    ("SUP", "suppressions"),
];

impl Code {
    /// The category prefix (`MEM`, `HW`).
    pub fn category(&self) -> &'static str {
        category_of(self.code)
    }

    /// Is this `code_or_name`: the code in any case, or the exact name?
    pub fn is(&self, code_or_name: &str) -> bool {
        self.code.eq_ignore_ascii_case(code_or_name) || self.name == code_or_name
    }
}

/// The category letters of any code string (`PAR001` -> `PAR`, `HW003` ->
/// `HW`), also for a code read back from a JSON plan that may not be ours.
pub fn category_of(code: &str) -> &str {
    let letters = code.bytes().take_while(u8::is_ascii_uppercase).count();
    &code[..letters]
}

/// Every code, in code order.
pub fn all() -> &'static [Code] {
    ALL
}

/// A code by code (`MEM003`, any case) or name (`max-model-len-does-not-fit`).
pub fn find(code_or_name: &str) -> Option<&'static Code> {
    let q = code_or_name.trim();
    // The rows are in code order (tested below): an exact code, what every
    // finding and rule passes, is a binary search. `memmath fit` asks for
    // each rule of each candidate, and `check` ~110 times per spec (the
    // linear scan was 11% of its instructions on 500 specs, callgrind,
    // docs/performance.md).
    if let Ok(i) = ALL.binary_search_by(|c| c.code.cmp(q)) {
        return Some(&ALL[i]);
    }
    ALL.iter().find(|c| c.is(q))
}

/// Every code and every name: the candidates for a did-you-mean.
pub fn codes_and_names() -> impl Iterator<Item = &'static str> {
    ALL.iter().flat_map(|c| [c.code, c.name])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_and_names_are_unique_ordered_and_well_formed() {
        let codes: Vec<&str> = ALL.iter().map(|c| c.code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted, "rows are in code order");
        let names: BTreeSet<&str> = ALL.iter().map(|c| c.name).collect();
        assert_eq!(names.len(), ALL.len(), "duplicate name");
        assert_eq!(
            codes.iter().collect::<BTreeSet<_>>().len(),
            ALL.len(),
            "duplicate code"
        );
        for c in ALL {
            let digits = &c.code[c.category().len()..];
            assert!(
                CATEGORIES.iter().any(|(p, _)| *p == c.category())
                    && digits.len() == 3
                    && digits.bytes().all(|b| b.is_ascii_digit()),
                "bad code {}",
                c.code
            );
            assert!(
                !c.name.is_empty()
                    && !c.name.starts_with('-')
                    && !c.name.ends_with('-')
                    && !c.name.contains("--")
                    && c.name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "name not kebab-case: {}",
                c.name
            );
            assert_ne!(c.severity, Severity::Off, "{} defaults to off", c.code);
            assert!(!c.summary.is_empty() && !c.summary.contains('\n'));
            assert!(c.docs.starts_with("docs/") && c.docs.contains(".md#"));
        }
    }

    #[test]
    fn input_and_plan_codes_are_locked() {
        for c in ALL {
            if matches!(c.kind, Kind::Input | Kind::Plan) {
                assert!(!c.suppressible && !c.configurable, "{}", c.code);
            }
            if c.category() == "SUP" {
                assert!(!c.suppressible && c.configurable, "{}", c.code);
            }
        }
    }

    #[test]
    fn lookup_by_code_any_case_or_name() {
        assert_eq!(find("mem000").map(|c| c.code), Some("MEM000"));
        assert_eq!(find("unmatched-gpu-name").map(|c| c.code), Some("CAT010"));
        assert_eq!(
            find("HW003").map(|c| c.name),
            Some("free-memory-below-plan")
        );
        assert_eq!(find("MEM01"), None);
        assert_eq!(MEM003.category(), "MEM");
        assert_eq!(HW001.category(), "HW");
    }
}
