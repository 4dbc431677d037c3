//! The input codes (SYN, SCH) the parser and schema emit. Lint rules describe
//! themselves through `rules::Rule`; these codes are not rules (they cannot be
//! suppressed or turned off) but SARIF and `memmath rule` list them alike.

/// One input code and its user documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeInfo {
    pub code: &'static str,
    pub name: &'static str,
    /// One line: what the code means.
    pub summary: &'static str,
}

/// Every SYN and SCH code, in code order (docs/diagnostics.md documents each).
pub const INPUT_CODES: &[CodeInfo] = &[
    CodeInfo {
        code: "SYN001",
        name: "invalid-yaml",
        summary: "The file is not a single valid YAML document in UTF-8 (syntax error, empty file, several documents, merge keys).",
    },
    CodeInfo {
        code: "SYN002",
        name: "duplicate-key",
        summary: "A mapping has the same key twice; YAML parsers would silently keep only one value.",
    },
    CodeInfo {
        code: "SYN003",
        name: "input-too-large-or-too-deep",
        summary: "The file is over 1 MiB, nests deeper than 32 levels, or expands to too many nodes (alias bombs).",
    },
    CodeInfo {
        code: "SCH001",
        name: "unknown-field",
        summary: "A key the v1 schema does not define (often a typo; the finding suggests the closest field).",
    },
    CodeInfo {
        code: "SCH002",
        name: "missing-field",
        summary: "A required field is missing (including the section the spec's kind requires).",
    },
    CodeInfo {
        code: "SCH003",
        name: "wrong-type",
        summary: "A value has the wrong type (a number where a string is expected, a list where a mapping is expected).",
    },
    CodeInfo {
        code: "SCH004",
        name: "out-of-range",
        summary: "A number outside its allowed range, or values out of order (p95 below p50).",
    },
    CodeInfo {
        code: "SCH005",
        name: "invalid-value",
        summary: "A value that is not allowed: an unknown enum value, a size without a unit, a wrong apiVersion, a quantization that contradicts its dtype.",
    },
];

/// Look up an input code by code (`SCH001`, any case) or name (`unknown-field`).
pub fn find_input_code(code_or_name: &str) -> Option<&'static CodeInfo> {
    INPUT_CODES
        .iter()
        .find(|c| c.code.eq_ignore_ascii_case(code_or_name) || c.name == code_or_name)
}
