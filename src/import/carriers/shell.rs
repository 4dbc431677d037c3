//! A restricted POSIX shell word splitter: enough of the shell grammar to find
//! engine launches in scripts, `docker run` lines, Dockerfile-style `sh -c`
//! strings and Kubernetes `command: [sh, -c, ...]`, and nothing that runs.
//!
//! Understood: single and double quotes, backslash escapes, line
//! continuations, comments, command separators (`;`, `&&`, `||`, `|`, `&`,
//! newlines, parentheses), redirections (their targets are dropped),
//! heredocs (their bodies are skipped), `$NAME`, `${NAME}`, `${NAME:-default}`.
//! Command substitutions, arithmetic and other parameter expansions are kept
//! as unresolved expressions: they are never evaluated.
//!
//! The splitter is total: any input gives commands and comments, never a panic
//! and never more work than a constant per byte (fuzz target `import_shell`).

use crate::import::words::{Part, Word};
use crate::source::Span;

/// One simple command: its words in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub words: Vec<Word>,
}

/// A comment: `#` to the end of the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

/// What a script splits into.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Script {
    pub commands: Vec<Command>,
    pub comments: Vec<Comment>,
}

/// Split `text`; every span is offset by `base` (the text's position in its file).
pub fn split(text: &str, base: usize) -> Script {
    let mut s = Splitter {
        chars: text.char_indices().collect(),
        text,
        i: 0,
        base,
        out: Script::default(),
        words: Vec::new(),
        cur: None,
        skip_next_word: false,
        heredocs: Vec::new(),
    };
    s.run();
    s.out
}

struct Splitter<'a> {
    chars: Vec<(usize, char)>,
    text: &'a str,
    i: usize,
    base: usize,
    out: Script,
    words: Vec<Word>,
    /// The word being built: its parts and start byte.
    cur: Option<(Vec<Part>, usize)>,
    /// The next word is a redirection target (`> log.txt`): dropped.
    skip_next_word: bool,
    /// Heredoc delimiters waiting for the end of the line: (delimiter, strip tabs).
    heredocs: Vec<(String, bool)>,
}

impl Splitter<'_> {
    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).map(|c| c.1)
    }
    fn pos(&self) -> usize {
        self.chars.get(self.i).map_or(self.text.len(), |c| c.0)
    }

    fn lit(&mut self, c: char) {
        let at = self.pos();
        let (parts, _) = self.cur.get_or_insert_with(|| (Vec::new(), at));
        match parts.last_mut() {
            Some(Part::Lit(s)) => s.push(c),
            _ => parts.push(Part::Lit(c.to_string())),
        }
    }
    fn part(&mut self, p: Part, at: usize) {
        let (parts, _) = self.cur.get_or_insert_with(|| (Vec::new(), at));
        parts.push(p);
    }
    /// Start an (possibly empty) word here: `""` is a word.
    fn touch(&mut self) {
        let at = self.pos();
        self.cur.get_or_insert_with(|| (Vec::new(), at));
    }

    fn end_word(&mut self) {
        if let Some((parts, start)) = self.cur.take() {
            if self.skip_next_word {
                self.skip_next_word = false;
                return;
            }
            let end = self.pos();
            self.words.push(Word {
                parts,
                span: Span::new(self.base + start, self.base + end),
            });
        }
    }
    fn end_command(&mut self) {
        self.end_word();
        self.skip_next_word = false;
        if !self.words.is_empty() {
            let words = std::mem::take(&mut self.words);
            self.out.commands.push(Command { words });
        }
    }

    fn run(&mut self) {
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' | '\r' => {
                    self.end_word();
                    self.i += 1;
                }
                '\\' if self.peek(1) == Some('\n') => self.i += 2,
                '\\' if self.peek(1) == Some('\r') && self.peek(2) == Some('\n') => self.i += 3,
                '\\' => {
                    self.i += 1;
                    if let Some(n) = self.peek(0) {
                        self.lit(n);
                        self.i += 1;
                    }
                }
                '\n' => {
                    self.end_command();
                    self.i += 1;
                    self.skip_heredocs();
                }
                ';' | '|' | '(' | ')' => {
                    self.end_command();
                    self.i += 1;
                }
                '&' => {
                    self.end_command();
                    self.i += 1;
                }
                '#' if self.cur.is_none() => self.comment(),
                '\'' => self.single_quoted(),
                '"' => self.double_quoted(),
                '`' => self.backquote(),
                '$' => self.dollar(),
                '<' | '>' => self.redirect(),
                c => {
                    self.lit(c);
                    self.i += 1;
                }
            }
        }
        self.end_command();
    }

    fn comment(&mut self) {
        let start = self.pos();
        while self.peek(0).is_some_and(|c| c != '\n') {
            self.i += 1;
        }
        let end = self.pos();
        self.out.comments.push(Comment {
            text: self.text[start..end].to_string(),
            span: Span::new(self.base + start, self.base + end),
        });
    }

    fn single_quoted(&mut self) {
        self.touch();
        self.i += 1;
        while let Some(c) = self.peek(0) {
            self.i += 1;
            if c == '\'' {
                return;
            }
            self.lit(c);
        }
    }

    fn double_quoted(&mut self) {
        self.touch();
        self.i += 1;
        while let Some(c) = self.peek(0) {
            match c {
                '"' => {
                    self.i += 1;
                    return;
                }
                '\\' => match self.peek(1) {
                    Some('\n') => self.i += 2,
                    Some(n @ ('$' | '`' | '"' | '\\')) => {
                        self.lit(n);
                        self.i += 2;
                    }
                    _ => {
                        self.lit('\\');
                        self.i += 1;
                    }
                },
                '$' => self.dollar(),
                '`' => self.backquote(),
                c => {
                    self.lit(c);
                    self.i += 1;
                }
            }
        }
    }

    fn backquote(&mut self) {
        let start = self.pos();
        self.i += 1;
        while let Some(c) = self.peek(0) {
            self.i += 1;
            if c == '\\' {
                self.i += 1;
            } else if c == '`' {
                break;
            }
        }
        let end = self.pos();
        let text = self.text[start..end].to_string();
        self.part(Part::Expr(text), start);
    }

    /// Index just past the `close` that balances the `open` at `self.i + from`.
    fn balanced(&self, from: usize, open: char, close: char) -> usize {
        let mut depth = 0usize;
        let mut k = self.i + from;
        while let Some(&(_, c)) = self.chars.get(k) {
            if c == open {
                depth += 1;
            } else if c == close {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return k + 1;
                }
            }
            k += 1;
        }
        k
    }

    fn dollar(&mut self) {
        let start = self.pos();
        match self.peek(1) {
            Some('(') => {
                let end = self.balanced(1, '(', ')');
                self.i = end;
                let text = self.text[start..self.pos()].to_string();
                self.part(Part::Expr(text), start);
            }
            Some('{') => {
                let end = self.balanced(1, '{', '}');
                self.i = end;
                let text = &self.text[start..self.pos()];
                let inner = text
                    .strip_prefix("${")
                    .and_then(|t| t.strip_suffix('}'))
                    .unwrap_or("");
                let part = braced(inner).unwrap_or_else(|| Part::Expr(text.to_string()));
                self.part(part, start);
            }
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                self.i += 1;
                let name_start = self.pos();
                while self
                    .peek(0)
                    .is_some_and(|c| c == '_' || c.is_ascii_alphanumeric())
                {
                    self.i += 1;
                }
                let name = self.text[name_start..self.pos()].to_string();
                self.part(
                    Part::Var {
                        name,
                        default: None,
                    },
                    start,
                );
            }
            Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(c) => {
                self.i += 2;
                let text = self.text[start..self.pos()].to_string();
                self.part(Part::Expr(text), start);
            }
            _ => {
                self.lit('$');
                self.i += 1;
            }
        }
    }

    fn redirect(&mut self) {
        // A word of digits right before `>` is a file descriptor, not an argument.
        if let Some((parts, _)) = &self.cur {
            if matches!(parts.as_slice(), [Part::Lit(s)] if s.chars().all(|c| c.is_ascii_digit())) {
                self.cur = None;
            }
        }
        self.end_word();
        let first = self.peek(0);
        self.i += 1;
        if first == Some('<') && self.peek(0) == Some('<') {
            self.i += 1;
            if self.peek(0) == Some('<') {
                // Here-string: its word is data, not an argument.
                self.i += 1;
                self.skip_next_word = true;
                return;
            }
            let strip = self.peek(0) == Some('-');
            if strip {
                self.i += 1;
            }
            while self.peek(0).is_some_and(|c| c == ' ' || c == '\t') {
                self.i += 1;
            }
            let mut delim = String::new();
            while let Some(c) = self.peek(0) {
                if c.is_whitespace() || ";|&<>()".contains(c) {
                    break;
                }
                if c != '\'' && c != '"' && c != '\\' {
                    delim.push(c);
                }
                self.i += 1;
            }
            if !delim.is_empty() {
                self.heredocs.push((delim, strip));
            }
            return;
        }
        while self
            .peek(0)
            .is_some_and(|c| c == '>' || c == '<' || c == '|')
        {
            self.i += 1;
        }
        if self.peek(0) == Some('&') {
            self.i += 1;
            while self.peek(0).is_some_and(|c| c.is_ascii_digit() || c == '-') {
                self.i += 1;
            }
            return;
        }
        self.skip_next_word = true;
    }

    /// At the start of a line after heredoc operators: skip their bodies.
    fn skip_heredocs(&mut self) {
        for (delim, strip) in std::mem::take(&mut self.heredocs) {
            loop {
                if self.peek(0).is_none() {
                    return;
                }
                let start = self.pos();
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.i += 1;
                }
                let line = &self.text[start..self.pos()];
                self.i += 1; // the newline
                let line = line.trim_end_matches('\r');
                let line = if strip {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                if line == delim {
                    break;
                }
            }
        }
    }
}

/// `NAME`, `NAME:-default`, `NAME-default`, `NAME:=default` with a literal
/// default; anything else (`#x`, `x/a/b`, nested expansions) is an expression.
fn braced(inner: &str) -> Option<Part> {
    let name_end = inner
        .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
        .unwrap_or(inner.len());
    let name = &inner[..name_end];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let rest = &inner[name_end..];
    let default = if rest.is_empty() {
        None
    } else {
        let d = ["::-", ":-", ":=", "-", "="]
            .iter()
            .find_map(|op| rest.strip_prefix(op))?;
        if d.contains(['$', '`']) {
            return None;
        }
        Some(unquote(d))
    };
    Some(Part::Var {
        name: name.to_string(),
        default,
    })
}

fn unquote(s: &str) -> String {
    let t = s.trim();
    for q in ['"', '\''] {
        if let Some(inner) = t.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(script: &Script) -> Vec<Vec<String>> {
        script
            .commands
            .iter()
            .map(|c| c.words.iter().map(Word::display).collect())
            .collect()
    }

    #[test]
    fn quotes_escapes_and_continuations() {
        let s = split(
            "vllm serve 'my model' \\\n  --max-model-len \"32\"k --x=a\\ b\n",
            0,
        );
        assert_eq!(
            texts(&s),
            [[
                "vllm",
                "serve",
                "my model",
                "--max-model-len",
                "32k",
                "--x=a b"
            ]]
        );
        // Spans are byte ranges of the word as written.
        let w = &s.commands[0].words[3];
        assert_eq!((w.span.start, w.span.end), (26, 41));
    }

    #[test]
    fn variables_stay_unresolved_and_defaults_are_kept() {
        let s = split(
            "vllm serve $MODEL --tp ${TP:-4} --len $((A*2)) --q `cat q`",
            10,
        );
        let w = &s.commands[0].words;
        assert_eq!(
            w[2].parts,
            [Part::Var {
                name: "MODEL".into(),
                default: None
            }]
        );
        assert_eq!(
            w[4].parts,
            [Part::Var {
                name: "TP".into(),
                default: Some("4".into())
            }]
        );
        assert_eq!(w[6].parts, [Part::Expr("$((A*2))".into())]);
        assert_eq!(w[8].parts, [Part::Expr("`cat q`".into())]);
        assert_eq!(w[0].span.start, 10);
    }

    #[test]
    fn separators_comments_redirections_heredocs() {
        let text = "set -e # strict\nA=1 vllm serve m > log 2>&1 &\ncat <<'EOF' | helm x\nvllm serve inside-heredoc\nEOF\necho done && exit";
        let s = split(text, 0);
        assert_eq!(
            texts(&s),
            vec![
                vec!["set", "-e"],
                vec!["A=1", "vllm", "serve", "m"],
                vec!["cat"],
                vec!["helm", "x"],
                vec!["echo", "done"],
                vec!["exit"],
            ]
        );
        assert_eq!(s.comments.len(), 1);
        assert_eq!(s.comments[0].text, "# strict");
    }

    #[test]
    fn hostile_input_terminates() {
        for text in [
            "$(",
            "${",
            "'",
            "\"",
            "`",
            "<<",
            "\\",
            "$((((",
            "${a:-$(b)}",
            "<<EOF\n",
        ] {
            let _ = split(text, 0);
        }
    }
}
