//! Command-line words as the carriers extract them: literal text, or text that
//! depends on a variable or expression nothing here may evaluate. Resolution
//! takes values the user passed (`--env`), static assignments read from the
//! same file and `${VAR:-default}` defaults; everything else stays unresolved
//! and, when a memory-relevant flag needs it, becomes IMP001.

use crate::source::Span;
use std::collections::BTreeMap;

/// One piece of a word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    Lit(String),
    /// `$NAME`, `${NAME}`, `${NAME:-default}` (shell) or `$(NAME)` (Kubernetes).
    Var {
        name: String,
        default: Option<String>,
    },
    /// `$(...)`, `$((...))`, backquotes, `${#x}`, `valueFrom`: never evaluated.
    Expr(String),
}

/// A word with the bytes it came from in the imported file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub parts: Vec<Part>,
    pub span: Span,
}

/// Where a resolved variable's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VarSource {
    /// `--env NAME=...` (or a spec's `deployment.env`).
    User,
    /// A static assignment or `env:` entry in the file, at this span.
    File(Span),
    /// The default of `${NAME:-default}`.
    ShellDefault,
}

/// Values variables take while resolving words.
#[derive(Clone, Debug, Default)]
pub struct Vars {
    pub user: BTreeMap<String, String>,
    /// Values read from the file (`NAME=value`, Kubernetes `env.value`),
    /// themselves words: `LEN=${MAX_LEN:-4096}` resolves when it is used.
    pub file: BTreeMap<String, (Word, Span)>,
}

/// A word resolved to text, or the first variable / expression that blocks it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    Text {
        text: String,
        via: Vec<(String, VarSource)>,
    },
    Unresolved(String),
}

impl Word {
    pub fn literal(text: impl Into<String>, span: Span) -> Word {
        Word {
            parts: vec![Part::Lit(text.into())],
            span,
        }
    }

    /// The text when the word has no variable at all.
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                _ => return None,
            }
        }
        Some(out)
    }

    /// The word as written, variables shown in `${NAME}` form (for messages).
    pub fn display(&self) -> String {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Var {
                    name,
                    default: None,
                } => {
                    out.push_str("${");
                    out.push_str(name);
                    out.push('}');
                }
                Part::Var {
                    name,
                    default: Some(d),
                } => {
                    out.push_str("${");
                    out.push_str(name);
                    out.push_str(":-");
                    out.push_str(d);
                    out.push('}');
                }
                Part::Expr(e) => out.push_str(e),
            }
        }
        out
    }

    /// Resolve against `vars`: user values first, then the file's static
    /// assignments, then a `:-` default.
    pub fn resolve(&self, vars: &Vars) -> Resolved {
        self.resolve_in(vars, &mut Vec::new())
    }

    /// `resolving`: the file bindings being expanded; inside its own binding
    /// (`LEN=${LEN:-4096}`) a name means the environment's value, not itself.
    fn resolve_in(&self, vars: &Vars, resolving: &mut Vec<String>) -> Resolved {
        let mut text = String::new();
        let mut via = Vec::new();
        for p in &self.parts {
            match p {
                Part::Lit(s) => text.push_str(s),
                Part::Var { name, default } => {
                    if let Some(v) = vars.user.get(name) {
                        text.push_str(v);
                        via.push((name.clone(), VarSource::User));
                    } else if let Some((w, span)) = vars
                        .file
                        .get(name)
                        .filter(|_| resolving.len() < 8 && !resolving.contains(name))
                    {
                        resolving.push(name.clone());
                        let inner = w.resolve_in(vars, resolving);
                        resolving.pop();
                        match inner {
                            Resolved::Text {
                                text: t,
                                via: inner,
                            } => {
                                text.push_str(&t);
                                via.push((name.clone(), VarSource::File(*span)));
                                via.extend(inner);
                            }
                            Resolved::Unresolved(what) => return Resolved::Unresolved(what),
                        }
                    } else if let Some(d) = default {
                        text.push_str(d);
                        via.push((name.clone(), VarSource::ShellDefault));
                    } else {
                        return Resolved::Unresolved(format!("${name}"));
                    }
                }
                Part::Expr(e) => return Resolved::Unresolved(e.clone()),
            }
        }
        Resolved::Text { text, via }
    }
}

/// A Kubernetes `command`/`args` item: `$(NAME)` refers to the container's
/// environment, `$$(NAME)` is the literal text `$(NAME)`. `${NAME}` is not
/// Kubernetes syntax, but manifests kept for `envsubst` carry it: it is read
/// as an unresolved variable too, never as literal text.
pub fn kube(text: &str, span: Span) -> Word {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        lit.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(t) = tail.strip_prefix("$$") {
            lit.push('$');
            rest = t;
        } else if let Some((name, after)) = tail
            .strip_prefix("$(")
            .and_then(|t| t.split_once(')'))
            .or_else(|| tail.strip_prefix("${").and_then(|t| t.split_once('}')))
            .filter(|(n, _)| {
                !n.is_empty()
                    && n.chars()
                        .all(|c| c == '_' || c == '.' || c == '-' || c.is_ascii_alphanumeric())
            })
        {
            if !lit.is_empty() {
                parts.push(Part::Lit(std::mem::take(&mut lit)));
            }
            parts.push(Part::Var {
                name: name.to_string(),
                default: None,
            });
            rest = after;
        } else {
            lit.push('$');
            rest = &tail[1..];
        }
    }
    lit.push_str(rest);
    if !lit.is_empty() || parts.is_empty() {
        parts.push(Part::Lit(lit));
    }
    Word { parts, span }
}

/// A docker-compose value: `${NAME}`, `${NAME:-default}`, `$NAME`; `$$` is a
/// literal `$` (Compose interpolation).
pub fn compose(text: &str, span: Span) -> Word {
    // The shell splitter implements the same `$` forms; a value is one word,
    // so quote it whole (single quotes would stop expansion: use double).
    let escaped = text
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace("$$", "\\$");
    let script = crate::import::carriers::shell::split(&format!("\"{escaped}\""), 0);
    let parts = script
        .commands
        .into_iter()
        .next()
        .and_then(|c| c.words.into_iter().next())
        .map(|w| w.parts)
        .unwrap_or_else(|| vec![Part::Lit(String::new())]);
    Word { parts, span }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_and_compose_references() {
        let w = kube("--tp=$(TP) $$(LIT)", Span::new(0, 1));
        assert_eq!(
            w.parts,
            [
                Part::Lit("--tp=".into()),
                Part::Var {
                    name: "TP".into(),
                    default: None
                },
                Part::Lit(" $(LIT)".into())
            ]
        );
        let c = compose("${MAX_LEN:-4096}", Span::new(0, 1));
        assert_eq!(
            c.parts,
            [Part::Var {
                name: "MAX_LEN".into(),
                default: Some("4096".into())
            }]
        );
        assert_eq!(
            compose("a$$b", Span::new(0, 1)).as_literal().as_deref(),
            Some("a$b")
        );
    }

    fn w(parts: Vec<Part>) -> Word {
        Word {
            parts,
            span: Span::new(0, 1),
        }
    }

    #[test]
    fn user_values_win_over_file_and_defaults() {
        let word = w(vec![
            Part::Lit("tp=".into()),
            Part::Var {
                name: "TP".into(),
                default: Some("2".into()),
            },
        ]);
        let mut vars = Vars::default();
        assert_eq!(
            word.resolve(&vars),
            Resolved::Text {
                text: "tp=2".into(),
                via: vec![("TP".into(), VarSource::ShellDefault)]
            }
        );
        vars.file.insert(
            "TP".into(),
            (Word::literal("4", Span::new(3, 4)), Span::new(3, 4)),
        );
        assert!(matches!(word.resolve(&vars), Resolved::Text { ref text, .. } if text == "tp=4"));
        vars.user.insert("TP".into(), "8".into());
        assert!(matches!(word.resolve(&vars), Resolved::Text { ref text, .. } if text == "tp=8"));
    }

    #[test]
    fn expressions_never_resolve() {
        let word = w(vec![Part::Expr("$((TP * 2))".into())]);
        assert_eq!(
            word.resolve(&Vars::default()),
            Resolved::Unresolved("$((TP * 2))".into())
        );
        let bare = w(vec![Part::Var {
            name: "MAX_LEN".into(),
            default: None,
        }]);
        assert_eq!(
            bare.resolve(&Vars::default()),
            Resolved::Unresolved("$MAX_LEN".into())
        );
    }
}
