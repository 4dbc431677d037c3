//! Every input a fuzz target crashed on, replayed through what that target
//! checks (docs/reliability.md "Fuzzing"). The inputs are the fuzzer's own
//! artifacts, committed under tests/fixtures/fuzz/<target>/.

use memmath::catalog::MemoryFiles;
use memmath::import::{self, spec_out, ImportOptions};
use memmath::source::SourceFile;
use std::path::{Path, PathBuf};

fn artifacts(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz")
        .join(target);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// The `import` target: import with and without options, write each spec as
/// YAML, and read it back.
#[test]
fn import_artifacts_give_specs_that_read_back() {
    let inputs = artifacts("import");
    assert!(!inputs.is_empty());
    for path in inputs {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let source = SourceFile::new("deploy.yaml", text.as_str());
        let mut files = MemoryFiles::new();
        files.insert(
            "deploy/config.yaml",
            "max-model-len: 4096\ntensor-parallel-size: 2\n".as_bytes(),
        );
        for opts in [
            ImportOptions::default(),
            ImportOptions {
                gpu: Some("h100-sxm-80gb".into()),
                engine_version: Some("0.11".into()),
                model: Some("llama-3.1-8b".into()),
                ..ImportOptions::default()
            },
        ] {
            let imported = import::import(&source, &opts, &files, Path::new("deploy"));
            assert!(!imported.pools.is_empty(), "{}", path.display());
            for pool in &imported.pools {
                let yaml = spec_out::to_yaml(&pool.spec, &pool.provenance, &source);
                let back = memmath::spec::parse(&SourceFile::new("imported.yaml", yaml.as_str()));
                assert!(back.is_ok(), "{}: {back:?}\n{yaml}", path.display());
            }
        }
    }
}
