//! The engine-argument core: argv -> settings, per engine and version, with
//! the engine's own parsing rules (`_`/`-` folding where the engine folds,
//! `--flag=value`, short aliases, booleans with and without values,
//! `--no-flag`, `32k` integers, JSON values and `--flag.key value`).
//! Every carrier (shell, compose, Kubernetes, CRDs, Helm values) ends here.

pub mod flags;
pub mod sglang;
pub mod trtllm;
pub mod values;
pub mod versions;
pub mod vllm;

use crate::codes;
use crate::diagnostics::Finding;
use crate::import::words::{Resolved, VarSource, Vars, Word};
use crate::source::Span;
use crate::spec::Engine;
use flags::{Flag, Kind, Target};
use versions::Version;

/// A typed flag value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(u64),
    Float(f64),
    Bool(bool),
    Text(String),
    Json(serde_json::Value),
}

impl Value {
    /// The value as the engine's command line would show it.
    pub fn display(&self) -> String {
        match self {
            Value::Int(v) => v.to_string(),
            Value::Float(v) => v.to_string(),
            Value::Bool(v) => v.to_string(),
            Value::Text(s) => s.clone(),
            Value::Json(v) => v.to_string(),
        }
    }
}

/// Where a setting was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag in the imported file.
    Flag,
    /// A key of a side file (`--config`, `--extra_llm_api_options`).
    SideFile(String),
    /// A key of the carrier format (`vllmConfig.maxModelLen`, `requestGPU`).
    Key(String),
}

/// One setting read from a launch.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    pub target: Target,
    /// The flag or key as written (`--max-model-len`, `maxModelLen`).
    pub flag: String,
    pub value: Value,
    /// The flag (through its value) in the imported file.
    pub span: Span,
    pub origin: Origin,
    /// Variables the value went through, and where each came from.
    pub via: Vec<(String, VarSource)>,
}

/// What parsing one argv gives.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub settings: Vec<Setting>,
    pub findings: Vec<Finding>,
}

/// The flag table of an engine.
pub fn table(engine: Engine) -> &'static [Flag] {
    match engine {
        Engine::Sglang => sglang::FLAGS,
        Engine::TensorrtLlm => trtllm::FLAGS,
        Engine::Vllm | Engine::Generic => vllm::FLAGS,
    }
}

/// Whether the engine's parser folds `_` into `-` in flag names (vLLM's
/// FlexibleArgumentParser does; SGLang's argparse and TensorRT-LLM's click do not).
fn folds(engine: Engine) -> bool {
    matches!(engine, Engine::Vllm | Engine::Generic)
}

/// The flag named `name` (without dashes), after the engine's folding.
pub fn lookup(engine: Engine, name: &str) -> Option<&'static Flag> {
    let name = if folds(engine) {
        name.replace('_', "-")
    } else {
        name.to_string()
    };
    table(engine)
        .iter()
        .find(|f| f.name == name || f.aliases.contains(&name.as_str()))
}

/// argparse's `allow_abbrev` (vLLM's and SGLang's parsers keep Python's
/// default): an unambiguous prefix of a long option is that option
/// (`--max-num-batched-token` is `--max-num-batched-tokens`). Ambiguity is
/// judged against memmath's table of the engine's flags.
fn abbreviation(engine: Engine, name: &str) -> Option<&'static Flag> {
    if engine == Engine::TensorrtLlm || name.len() < 3 {
        return None;
    }
    let name = if folds(engine) {
        name.replace('_', "-")
    } else {
        name.to_string()
    };
    let mut hits = table(engine).iter().filter(|f| f.name.starts_with(&name));
    let first = hits.next()?;
    hits.next().is_none().then_some(first)
}

/// The closest known flag to an unknown one (for IMP004's hint).
fn suggest(engine: Engine, name: &str) -> Option<&'static str> {
    let folded = name.replace('_', "-");
    table(engine)
        .iter()
        .map(|f| {
            (
                strsim::jaro_winkler(&folded, &f.name.replace('_', "-")),
                f.name,
            )
        })
        .filter(|(score, _)| *score > 0.88)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n)
}

/// Parse the engine arguments `words` (everything after the entrypoint).
pub fn parse(engine: Engine, version: Version, words: &[Word], vars: &Vars) -> Parsed {
    let mut p = Parser {
        engine,
        version,
        words,
        vars,
        out: Parsed::default(),
        positional_seen: false,
    };
    p.run();
    p.out
}

struct Parser<'a> {
    engine: Engine,
    version: Version,
    words: &'a [Word],
    vars: &'a Vars,
    out: Parsed,
    positional_seen: bool,
}

/// A word as text, or why it is not known.
fn text_of(word: &Word, vars: &Vars) -> Result<(String, Vec<(String, VarSource)>), String> {
    match word.resolve(vars) {
        Resolved::Text { text, via } => Ok((text, via)),
        Resolved::Unresolved(what) => Err(what),
    }
}

impl Parser<'_> {
    fn run(&mut self) {
        let mut i = 0;
        while i < self.words.len() {
            let word = &self.words[i];
            i += 1;
            let (text, via) = match text_of(word, self.vars) {
                Ok(t) => t,
                Err(what) => {
                    // `--flag=$VAR`: the flag is known, only its value is not.
                    if let Some(flag) = inline_flag(word) {
                        let known =
                            lookup(self.engine, &flag).or_else(|| abbreviation(self.engine, &flag));
                        if let Some(def) = known {
                            if def.target.memory_relevant() {
                                self.out.findings.push(unresolved(
                                    &format!("--{}", def.name),
                                    &what,
                                    word.span,
                                ));
                            }
                            continue;
                        }
                    }
                    self.out.findings.push(
                        codes::IMP004
                            .finding(
                                "",
                                format!(
                                    "`{}` cannot be resolved without running anything: it may hold engine flags memmath cannot see",
                                    word.display()
                                ),
                            )
                            .with_fix(unresolved_fix(&what))
                            .with_span(word.span),
                    );
                    continue;
                }
            };
            if let Some(body) = text.strip_prefix("--").or_else(|| short(&text)) {
                i = self.flag(body, &text, word, via, i);
            } else {
                self.positional(&text, word, via);
            }
        }
    }

    fn positional(&mut self, text: &str, word: &Word, via: Vec<(String, VarSource)>) {
        if !self.positional_seen {
            self.positional_seen = true;
            self.out.settings.push(Setting {
                target: Target::Model,
                flag: "model".to_string(),
                value: Value::Text(text.to_string()),
                span: word.span,
                origin: Origin::Flag,
                via,
            });
            return;
        }
        self.out.findings.push(
            codes::IMP004
                .finding(
                    "",
                    format!(
                        "`{}` is an extra positional argument the {} command line does not take",
                        clip(text),
                        self.engine.as_str()
                    ),
                )
                .with_span(word.span),
        );
    }

    /// Handle a flag at `self.words[i - 1]`; returns the next index.
    fn flag(
        &mut self,
        body: &str,
        written: &str,
        word: &Word,
        mut via: Vec<(String, VarSource)>,
        mut i: usize,
    ) -> usize {
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let shown = written.split('=').next().unwrap_or(written).to_string();
        // `--speculative-config.method mtp`: one key of a JSON-valued flag.
        let (base, subkey) = match name.split_once('.') {
            Some((b, k)) if folds(self.engine) => (b, Some(k)),
            _ => (name, None),
        };
        let mut negated = false;
        let def = lookup(self.engine, base)
            .or_else(|| abbreviation(self.engine, base))
            .or_else(|| {
                let rest = base
                    .strip_prefix("no-")
                    .or_else(|| base.strip_prefix("no_"))?;
                let f = lookup(self.engine, rest).filter(|f| f.kind == Kind::Bool)?;
                negated = true;
                Some(f)
            });
        let Some(def) = def else {
            let mut f = codes::IMP004.finding(
                "",
                format!(
                    "`{}` is not a {} flag memmath knows: it is passed to the engine unread",
                    clip(&shown),
                    self.engine.as_str()
                ),
            );
            if let Some(s) = suggest(self.engine, base) {
                f = f.with_fix(format!("did you mean `--{s}`?"));
            }
            self.out.findings.push(f.with_span(word.span));
            // Its value, if it has one, is not a positional argument.
            if inline.is_none() {
                if let Some(next) = self.words.get(i) {
                    let looks_flag = next
                        .as_literal()
                        .is_some_and(|t| t.starts_with('-') && t.len() > 1);
                    if !looks_flag {
                        i += 1;
                    }
                }
            }
            return i;
        };
        let mut span = word.span;
        let raw: Option<String> = match (def.kind, inline) {
            (_, Some(v)) => Some(v),
            (Kind::Bool, None) => {
                // `--flag true` / `--flag False` (vLLM's StoreBoolean in the V0
                // era); a following word that is not a truth word is not ours.
                let next = self.words.get(i).and_then(|w| w.as_literal());
                match next.as_deref().and_then(values::boolean) {
                    Some(_) if next.as_deref().is_some_and(|t| !t.starts_with('-')) => {
                        let v = next;
                        span = Span::new(span.start, self.words[i].span.end);
                        i += 1;
                        v
                    }
                    _ => None,
                }
            }
            (_, None) => match self.words.get(i) {
                Some(next) => {
                    i += 1;
                    span = Span::new(span.start, next.span.end);
                    match text_of(next, self.vars) {
                        Ok((t, v)) => {
                            via.extend(v);
                            Some(t)
                        }
                        Err(what) => {
                            if def.target.memory_relevant() {
                                self.out.findings.push(unresolved(
                                    &shown,
                                    &what,
                                    Span::new(word.span.start, next.span.end),
                                ));
                            }
                            return i;
                        }
                    }
                }
                None => {
                    self.out.findings.push(
                        codes::IMP003
                            .finding(
                                "",
                                format!("`{shown}` has no value: the engine refuses to start"),
                            )
                            .with_span(word.span),
                    );
                    return i;
                }
            },
        };
        if let Some((removed, source)) = def.removed {
            if self.version >= removed {
                self.out.findings.push(
                    codes::IMP003
                        .finding(
                            "",
                            format!(
                                "`{shown}` was removed in {} {}.{} ({source}); this launch runs {}.{}, whose parser rejects it",
                                self.engine.as_str(),
                                removed.0,
                                removed.1,
                                self.version.0,
                                self.version.1
                            ),
                        )
                        .with_fix(format!("remove `{shown}`"))
                        .with_span(span),
                );
                return i;
            }
        }
        let value = match self.value(def, raw.as_deref(), negated, subkey) {
            Ok(v) => v,
            Err(why) => {
                self.out.findings.push(
                    codes::IMP003
                        .finding(
                            "",
                            format!("`{shown}` {why}: the engine rejects it, so it sets nothing"),
                        )
                        .with_span(span),
                );
                return i;
            }
        };
        self.out.settings.push(Setting {
            target: def.target,
            // As written (`--max_model_len`, `-tp`), so messages quote the file.
            flag: shown,
            value,
            span,
            origin: Origin::Flag,
            via,
        });
        i
    }

    fn value(
        &self,
        def: &Flag,
        raw: Option<&str>,
        negated: bool,
        subkey: Option<&str>,
    ) -> Result<Value, String> {
        if let Some(key) = subkey {
            // One key of a JSON flag: a one-entry object (merged later).
            let v = raw.unwrap_or("true");
            let inner = serde_json::from_str(v)
                .unwrap_or_else(|_| serde_json::Value::String(v.to_string()));
            let mut obj = serde_json::Map::new();
            insert_dotted(&mut obj, key, inner);
            return Ok(Value::Json(serde_json::Value::Object(obj)));
        }
        match def.kind {
            Kind::Bool => {
                let v = match raw {
                    None => true,
                    Some(t) => values::boolean(t)
                        .ok_or_else(|| format!("takes true or false, not `{}`", clip(t)))?,
                };
                Ok(Value::Bool(v != negated))
            }
            Kind::Int { human } => {
                let t = raw.unwrap_or_default();
                let v = if human {
                    values::human_int(t)
                } else {
                    t.trim().parse::<u64>().ok()
                };
                v.map(Value::Int)
                    .ok_or_else(|| format!("takes a non-negative integer, not `{}`", clip(t)))
            }
            Kind::Float => {
                let t = raw.unwrap_or_default();
                values::float(t)
                    .map(Value::Float)
                    .ok_or_else(|| format!("takes a number, not `{}`", clip(t)))
            }
            Kind::Text => Ok(Value::Text(raw.unwrap_or_default().to_string())),
            Kind::Json => {
                let t = raw.unwrap_or_default();
                serde_json::from_str::<serde_json::Value>(t)
                    .map(Value::Json)
                    .or_else(|_| Ok(Value::Text(t.to_string())))
            }
        }
    }
}

/// The flag name of a `--flag=VALUE` word whose literal start names it.
fn inline_flag(word: &Word) -> Option<String> {
    let Some(crate::import::words::Part::Lit(first)) = word.parts.first() else {
        return None;
    };
    let (name, _) = first.strip_prefix("--")?.split_once('=')?;
    (!name.is_empty()).then(|| name.to_string())
}

/// `-tp` style short aliases: a single dash and a known alias.
fn short(text: &str) -> Option<&str> {
    let body = text.strip_prefix('-')?;
    (!body.starts_with('-')
        && !body.is_empty()
        && body.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
    .then_some(body)
}

fn insert_dotted(
    obj: &mut serde_json::Map<String, serde_json::Value>,
    key: &str,
    v: serde_json::Value,
) {
    match key.split_once('.') {
        Some((head, rest)) => {
            let entry = obj
                .entry(head.to_string())
                .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
            if let serde_json::Value::Object(inner) = entry {
                insert_dotted(inner, rest, v);
            }
        }
        None => {
            obj.insert(key.to_string(), v);
        }
    }
}

/// IMP001 for a flag whose value is a variable or expression.
pub fn unresolved(flag: &str, what: &str, span: Span) -> Finding {
    codes::IMP001
        .finding(
            "",
            format!(
                "`{flag}` is set from `{what}`, which cannot be resolved without running anything"
            ),
        )
        .with_fix(unresolved_fix(what))
        .with_span(span)
}

/// How to supply a value: `--env NAME=...` for a variable, else `--env` for
/// what the expression reads or the spec's own field.
pub fn unresolved_fix(what: &str) -> String {
    let name: String = what
        .trim_start_matches("$(")
        .trim_start_matches("${")
        .trim_start_matches('$')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if !name.is_empty() && !what.starts_with("$((") && !what.starts_with('`') {
        format!("pass `--env {name}=VALUE` to memmath import (or `deployment.env` in a spec)")
    } else {
        "set the value in the spec itself, or pass `--env NAME=VALUE` for the variables the expression reads".to_string()
    }
}

/// At most 60 characters of user text in a message.
pub fn clip(s: &str) -> String {
    if s.chars().count() <= 60 {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(57).collect();
        t.push_str("...");
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::carriers::shell;

    fn argv(text: &str) -> Vec<Word> {
        shell::split(text, 0).commands.remove(0).words
    }

    fn target_value(p: &Parsed, t: Target) -> Option<Value> {
        p.settings
            .iter()
            .rev()
            .find(|s| s.target == t)
            .map(|s| s.value.clone())
    }

    #[test]
    fn vllm_spellings_fold_and_alias() {
        let p = parse(
            Engine::Vllm,
            (0, 10),
            &argv("meta-llama/Llama-3.1-8B --max_model_len=32k -tp 2 --enforce-eager --no-enable-prefix-caching --gpu-memory-utilization 0.85"),
            &Vars::default(),
        );
        assert!(p.findings.is_empty(), "{:?}", p.findings);
        assert_eq!(
            target_value(&p, Target::Model),
            Some(Value::Text("meta-llama/Llama-3.1-8B".into()))
        );
        assert_eq!(
            target_value(&p, Target::MaxModelLen),
            Some(Value::Int(32_000))
        );
        assert_eq!(target_value(&p, Target::Tensor), Some(Value::Int(2)));
        assert_eq!(target_value(&p, Target::Eager), Some(Value::Bool(true)));
        assert_eq!(
            target_value(&p, Target::MemFraction),
            Some(Value::Float(0.85))
        );
    }

    #[test]
    fn booleans_take_values_and_json_flags_take_keys() {
        let p = parse(
            Engine::Vllm,
            (0, 6),
            &argv("--enable-chunked-prefill=false --enforce-eager False --speculative_config.method mtp --speculative-config.num_speculative_tokens 3"),
            &Vars::default(),
        );
        assert!(p.findings.is_empty(), "{:?}", p.findings);
        assert_eq!(target_value(&p, Target::Eager), Some(Value::Bool(false)));
        let spec: Vec<_> = p
            .settings
            .iter()
            .filter(|s| s.target == Target::Speculative)
            .map(|s| s.value.display())
            .collect();
        assert_eq!(
            spec,
            [r#"{"method":"mtp"}"#, r#"{"num_speculative_tokens":3}"#]
        );
    }

    #[test]
    fn unresolved_unknown_removed() {
        let p = parse(
            Engine::Vllm,
            (0, 11),
            &argv("--max-model-len $MAX_LEN --max-seq-len-to-capture 8192 --tensor-paralel-size 2 --port $PORT"),
            &Vars::default(),
        );
        let codes: Vec<&str> = p.findings.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["IMP001", "IMP003", "IMP004"]);
        assert!(p.findings[0].message.contains("$MAX_LEN"));
        assert!(p.findings[0]
            .fix
            .as_deref()
            .unwrap()
            .contains("--env MAX_LEN=VALUE"));
        assert!(p.findings[2]
            .fix
            .as_deref()
            .unwrap()
            .contains("--tensor-parallel-size"));
        // The same removed flag is fine on the release before.
        let old = parse(
            Engine::Vllm,
            (0, 10),
            &argv("--max-seq-len-to-capture 8192"),
            &Vars::default(),
        );
        assert!(old.findings.is_empty());
    }

    #[test]
    fn sglang_does_not_fold_and_trtllm_keeps_underscores() {
        let p = parse(
            Engine::Sglang,
            (0, 4),
            &argv("--model-path m --tp_size 2 --tp 4 --context-length 8192"),
            &Vars::default(),
        );
        assert_eq!(p.findings.len(), 1);
        assert_eq!(p.findings[0].code, "IMP004");
        assert_eq!(target_value(&p, Target::Tensor), Some(Value::Int(4)));
        let t = parse(
            Engine::TensorrtLlm,
            (1, 0),
            &argv("m --tp_size 8 --max_seq_len 4096"),
            &Vars::default(),
        );
        assert!(t.findings.is_empty());
        assert_eq!(
            target_value(&t, Target::MaxModelLen),
            Some(Value::Int(4096))
        );
    }

    #[test]
    fn bad_values_are_reported_not_guessed() {
        let p = parse(
            Engine::Vllm,
            (0, 10),
            &argv("--max-model-len lots --gpu-memory-utilization nan"),
            &Vars::default(),
        );
        assert_eq!(p.findings.len(), 2);
        assert!(p.settings.is_empty());
    }
}
