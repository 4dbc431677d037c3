//! Bytes -> UTF-8 check -> bounded YAML parse -> JSON Schema -> typed spec.
//! Invariants: no panic; every finding's span lies inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memmath::source::SourceFile;
use memmath::{schema, spec};

fuzz_target!(|data: &[u8]| {
    let (source, bad) = spec::decode_source("fuzz.yaml", data.to_vec());
    if bad.is_some() {
        return;
    }
    let check = |findings: &[memmath::diagnostics::Finding], source: &SourceFile| {
        for f in findings {
            if let Some(s) = f.span {
                assert!(s.start <= s.end && s.end <= source.text.len(), "{f:?}");
            }
            let _ = source.line_col(f.span.map_or(0, |s| s.start));
        }
    };
    match spec::parse(&source) {
        Err(findings) => check(&findings, &source),
        Ok(doc) => {
            let findings = schema::validate(&doc);
            check(&findings, &source);
            if findings.is_empty() {
                if let Ok(typed) = spec::to_typed(&doc) {
                    let _ = spec::semantic_checks(&typed);
                }
            }
        }
    }
});
