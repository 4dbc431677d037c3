//! `memmath import` on arbitrary file text: every carrier (shell scripts,
//! compose, Kubernetes objects, LeaderWorkerSet, KServe, KubeAI, Dynamo, Helm
//! values, vLLM and TensorRT-LLM config files) through `import::import`, with
//! an in-memory FileAccess holding a side file, then each imported spec
//! written as YAML (`spec_out::to_yaml`) and read back by the spec parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memmath::catalog::MemoryFiles;
use memmath::import::{self, spec_out, ImportOptions};
use memmath::source::SourceFile;
use memmath::spec;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = SourceFile::new("deploy.yaml", text);
    let mut files = MemoryFiles::new();
    files.insert("deploy/config.yaml", "max-model-len: 4096\ntensor-parallel-size: 2\n".as_bytes());
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
        for f in &imported.findings {
            if let Some(s) = f.span {
                assert!(s.start <= s.end && s.end <= text.len(), "finding span outside the file: {f:?}");
            }
        }
        for pool in &imported.pools {
            let yaml = spec_out::to_yaml(&pool.spec, &pool.provenance, &source);
            // What import writes must be YAML memmath reads back.
            if let Err(findings) = spec::parse(&SourceFile::new("imported.yaml", yaml.as_str())) {
                panic!("imported spec does not parse: {findings:?}\n{yaml}");
            }
        }
    }
});
