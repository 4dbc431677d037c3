//! The engine-argument parser and the restricted shell splitter it sits on:
//! arbitrary text split into commands (`import::carriers::shell::split`), the
//! engine launch found in each (`launch::find`), and every command's words
//! parsed as vLLM, SGLang and TensorRT-LLM arguments at an old, the default
//! and a future engine version, with and without user variables.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memmath::import::carriers::{launch, shell};
use memmath::import::engine::{self, versions};
use memmath::import::words::Vars;
use memmath::spec::Engine;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let script = shell::split(text, 0);
    for c in script.comments.iter() {
        assert!(c.span.end <= text.len(), "comment span past the text");
    }
    let mut vars = Vars::default();
    vars.user.insert("TP".into(), "2".into());
    vars.user.insert("MAX_LEN".into(), "8192".into());
    for command in &script.commands {
        for w in &command.words {
            assert!(w.span.start <= w.span.end && w.span.end <= text.len(), "word span outside the text");
            let _ = w.resolve(&vars);
            let _ = w.display();
        }
        let _ = launch::find(&command.words);
        for engine in [Engine::Vllm, Engine::Sglang, Engine::TensorrtLlm] {
            for user in [None, Some("0.4"), Some("99.0")] {
                let (version, _) = versions::decide(engine, user, None);
                let _ = engine::parse(engine, version, &command.words, &Vars::default());
                let _ = engine::parse(engine, version, &command.words, &vars);
            }
        }
    }
});
