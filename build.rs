//! Build script: converts the embedded catalogues (`catalog/*.yaml`, the files
//! people edit and review) to JSON once at build time, so every run parses
//! them with serde_json instead of the span-tracking YAML parser. That is most
//! of a single `memmath check`'s start-up cost (docs/performance.md).

use std::path::Path;

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
}
