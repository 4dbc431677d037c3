//! `memmath import` on generated inputs: shell-like text built from the
//! characters the splitter treats specially, and YAML-like text; every input
//! gives specs or findings, never a panic, and every span stays in the text.
//! (The same property is the `import` cargo-fuzz target.)

use memmath::catalog::MemoryFiles;
use memmath::import::{import, ImportOptions};
use memmath::source::SourceFile;
use proptest::prelude::*;
use std::path::Path;

fn check(text: &str) {
    let source = SourceFile::new("p", text);
    let got = import(
        &source,
        &ImportOptions::default(),
        &MemoryFiles::new(),
        Path::new("."),
    );
    for f in &got.findings {
        if let Some(s) = f.span {
            assert!(s.start <= s.end && s.end <= text.len(), "{f:?}");
            assert!(
                text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
                "{f:?}"
            );
        }
    }
    for p in &got.pools {
        for prov in &p.provenance {
            if let Some(s) = prov.span {
                assert!(s.end <= text.len());
            }
        }
    }
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("vllm serve m ".to_string()),
        Just("python -m sglang.launch_server ".to_string()),
        Just("docker run --gpus 2 vllm/vllm-openai:v0.9.1 ".to_string()),
        Just("--max-model-len ".to_string()),
        Just("--tp ".to_string()),
        Just("-tp=".to_string()),
        Just("32k ".to_string()),
        Just("$X ".to_string()),
        Just("${Y:-4} ".to_string()),
        Just("$(echo 1) ".to_string()),
        Just("$((1+1)) ".to_string()),
        Just("`x` ".to_string()),
        Just("'q u' ".to_string()),
        Just("\"d $Z\" ".to_string()),
        Just("\\\n".to_string()),
        Just("\n".to_string()),
        Just("<<EOF\nbody\nEOF\n".to_string()),
        Just("# vllm serve c\n".to_string()),
        Just("; ".to_string()),
        Just("| ".to_string()),
        Just("> out ".to_string()),
        Just("é€ ".to_string()),
        "[ -~]{0,6}".prop_map(|s| s),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn shell_like_text_never_breaks_the_importer(parts in proptest::collection::vec(piece(), 0..24)) {
        check(&parts.concat());
    }

    #[test]
    fn yaml_like_text_never_breaks_the_importer(
        kind in prop_oneof![Just("Deployment"), Just("LeaderWorkerSet"), Just("Model"), Just("DynamoGraphDeployment"), Just("LLMInferenceService")],
        args in proptest::collection::vec("[ -~]{0,12}", 0..8),
        gpus in "[ -~]{0,4}",
    ) {
        let items: String = args.iter().map(|a| format!("            - {:?}\n", a)).collect();
        let text = format!(
            "apiVersion: x/v1\nkind: {kind}\nmetadata: {{name: n}}\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: vllm/vllm-openai:v0.10.0\n          args:\n{items}          resources: {{limits: {{nvidia.com/gpu: {:?}}}}}\n",
            gpus
        );
        check(&text);
    }

    #[test]
    fn arbitrary_text_never_breaks_the_importer(text in "\\PC{0,200}") {
        check(&text);
    }
}
