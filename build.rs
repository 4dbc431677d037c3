//! Build script: converts the embedded catalogues (`catalog/*.yaml`, the files
//! people edit and review) to JSON once at build time, so every run parses
//! them with serde_json instead of the span-tracking YAML parser. That is most
//! of a single `memmath check`'s start-up cost (docs/performance.md).
//!
//! It also writes the copy of the JSON Schema that the spec validator is
//! generated from (`src/schema/validator_copy.rs` says what differs and why)
//! and the declaration that generates it.

use std::path::Path;

#[path = "src/schema/validator_copy.rs"]
mod validator_copy;

fn main() {
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
    let copy = Path::new(&out_dir).join("schema.validator.json");
    std::fs::write(&copy, json).unwrap_or_else(|e| panic!("{}: {e}", copy.display()));

    // The validator itself is generated at compile time from that copy by
    // jsonschema's `validator` attribute, whose `path` must be a literal: so
    // the declaration is written here, with the copy's absolute path, and
    // `src/schema/mod.rs` includes it.
    let declaration = format!(
        "/// The spec validator, generated at compile time from the schema copy.\n\
         #[jsonschema::validator(path = {path:?}, draft = Draft7, validate_formats = true, \
         formats = {{ {format:?} => crate::units::is_size_syntax }})]\n\
         struct SpecValidator;\n",
        path = copy.display().to_string(),
        format = validator_copy::SIZE_FORMAT,
    );
    let rs = Path::new(&out_dir).join("spec_validator.rs");
    std::fs::write(&rs, declaration).unwrap_or_else(|e| panic!("{}: {e}", rs.display()));
}
