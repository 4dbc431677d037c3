//! Build script: converts the embedded catalogues (`catalog/*.yaml`, the files
//! people edit and review) to JSON once at build time, so every run parses
//! them with serde_json instead of the span-tracking YAML parser. That is most
//! of a single `memmath check`'s start-up cost (docs/performance.md).
//!
//! It also writes the copy of the JSON Schema that the validator compiles
//! (`src/schema/validator_copy.rs` says what differs and why), and links the
//! `memmath` binary as a position-dependent executable on Linux (see
//! [`link_without_pie`]).

use std::path::Path;

#[path = "src/schema/validator_copy.rs"]
mod validator_copy;

/// A pre-commit hook runs `memmath` once per commit, so process start-up is
/// part of every check. As a position-independent executable (rustc's default
/// on Linux), the loader applies ~26,000 relative relocations and copies on
/// write the ~470 KB of `.data.rel.ro` they touch before `main`; linked with
/// `-no-pie` that work is done once, by the linker. Measured with hyperfine
/// (docs/performance.md): `check` of one spec 6.1 ms mean as PIE, 6.3 ms with
/// packed (RELR) relocations, 4.5 ms without PIE. The cost is that the binary
/// itself is not address-randomised (its libraries, heap and stack still
/// are); for a linter that reads local files we take the trade. Set
/// `MEMMATH_LINK_PIE=1` when building to keep PIE.
fn link_without_pie() {
    println!("cargo:rerun-if-env-changed=MEMMATH_LINK_PIE");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let keep_pie = std::env::var_os("MEMMATH_LINK_PIE").is_some_and(|v| v != "0");
    if os == "linux" && env == "gnu" && !keep_pie {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}

fn main() {
    link_without_pie();
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    for name in ["gpus", "models"] {
        let src = format!("catalog/{name}.yaml");
        println!("cargo:rerun-if-changed={src}");
        let text = std::fs::read_to_string(&src).unwrap_or_else(|e| panic!("{src}: {e}"));
        let value: serde_json::Value =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{src}: {e}"));
        let json = serde_json::to_string(&value).expect("a YAML value serializes to JSON");
        std::fs::write(Path::new(&out_dir).join(format!("{name}.json")), json)
            .unwrap_or_else(|e| panic!("{out_dir}/{name}.json: {e}"));
    }

    let src = "schemas/memmath.schema.json";
    println!("cargo:rerun-if-changed={src}");
    println!("cargo:rerun-if-changed=src/schema/validator_copy.rs");
    let text = std::fs::read_to_string(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    let mut schema: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{src}: {e}"));
    validator_copy::for_validator(&mut schema);
    let json = serde_json::to_string(&schema).expect("a JSON value serializes");
    std::fs::write(Path::new(&out_dir).join("schema.validator.json"), json)
        .unwrap_or_else(|e| panic!("{out_dir}/schema.validator.json: {e}"));
}
