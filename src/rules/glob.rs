//! Path globs for `[per-file-ignores]` in memmath.toml, parsed and translated
//! to a regular expression by the `globset` crate (ripgrep's glob engine) and
//! run by `regex-automata`, the engine globset itself uses: matching is linear
//! in the path however many `**` a pattern has (the hand-written backtracking
//! matcher this replaced took over a minute on six `**/`).
//!
//! Syntax (globset with `literal_separator`): `*` and `?` stay inside one path
//! segment, `**` spans segments, `[ab]` and `{a,b}` as in gitignore. `?` is one
//! character, not one byte: globset matches bytes, so its one-byte `[^/]` is
//! widened here to one UTF-8 encoded character. A pattern without `/` also
//! matches the file name alone (so `"*.dev.yaml"` works wherever the file
//! lives). A leading `./` is ignored.

use globset::GlobBuilder;
use regex_automata::meta::Regex;
use regex_automata::util::syntax;
use std::cell::RefCell;
use std::collections::HashMap;

/// Longest pattern accepted. A memmath.toml is at most a few KiB; a longer
/// glob is a mistake, and capping it bounds the regex globset builds.
pub const MAX_GLOB_LEN: usize = 1024;

/// One UTF-8 encoded character other than `/`, as a byte regex: what globset's
/// `[^/]` (one byte other than `/`) becomes, so `?` is one character.
const ONE_CHAR: &str = r"(?:[\x00-\x2e\x30-\x7f]|[\xc0-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf7][\x80-\xbf]{3})";

/// Compile `pattern` as written in `[per-file-ignores]`. The error says what is
/// wrong with it (the caller adds the file and the key).
fn compile(pattern: &str) -> Result<Regex, String> {
    if pattern.len() > MAX_GLOB_LEN {
        return Err(format!(
            "the glob is {} bytes long; at most {MAX_GLOB_LEN} are accepted",
            pattern.len()
        ));
    }
    let pattern = pattern.trim_start_matches("./");
    let glob = GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| e.kind().to_string())?;
    // globset escapes a literal `[` as `\[`, so `[^/]` in its output is only
    // ever its own translation of `?` (or of `*`, as `[^/]*`, where widening
    // changes nothing on valid UTF-8).
    let re = glob.regex().replace("[^/]", ONE_CHAR);
    // The same configuration globset uses (globset/src/lib.rs `new_regex`).
    Regex::builder()
        .syntax(syntax::Config::new().utf8(false).dot_matches_new_line(true))
        .configure(
            Regex::config()
                .utf8_empty(false)
                .nfa_size_limit(Some(10 * (1 << 20)))
                .hybrid_cache_capacity(10 * (1 << 20)),
        )
        .build(&re)
        .map_err(|e| e.to_string())
}

/// Is `pattern` a valid `[per-file-ignores]` glob? The error names the pattern
/// and what is wrong, for a configuration error (exit 2).
pub fn check(pattern: &str) -> Result<(), String> {
    compile(pattern).map(|_| ()).map_err(|e| {
        let shown: String = pattern.chars().take(80).collect();
        let more = if shown.len() < pattern.len() {
            "..."
        } else {
            ""
        };
        format!("[per-file-ignores] key {shown:?}{more} is not a valid glob: {e}")
    })
}

thread_local! {
    /// Compiled globs, so a pattern checked against every rule of every spec
    /// is compiled once per thread.
    static CACHE: RefCell<HashMap<String, Option<Regex>>> = RefCell::new(HashMap::new());
}

/// Does `pattern` match `path` (both with `/` separators)? An invalid pattern
/// matches nothing; configuration loading rejects it first (see [`check`]).
pub fn matches_path(pattern: &str, path: &str) -> bool {
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let matcher = cache
            .entry(pattern.to_string())
            .or_insert_with(|| compile(pattern).ok());
        let Some(m) = matcher else {
            return false;
        };
        if m.is_match(path.as_bytes()) {
            return true;
        }
        if !pattern.contains('/') {
            let name = path.rsplit('/').next().unwrap_or(path);
            return m.is_match(name.as_bytes());
        }
        false
    })
}

#[cfg(test)]
mod tests {
    use super::{check, matches_path};
    use std::time::{Duration, Instant};

    #[test]
    fn globs() {
        assert!(matches_path("dev/*.yaml", "dev/a.yaml"));
        assert!(!matches_path("dev/*.yaml", "dev/x/a.yaml"));
        assert!(matches_path("dev/**", "dev/x/a.yaml"));
        assert!(matches_path("**/a.yaml", "a.yaml"));
        assert!(matches_path("**/a.yaml", "x/y/a.yaml"));
        assert!(matches_path("*.yaml", "deep/dir/b.yaml"));
        assert!(matches_path("a?.yml", "ab.yml"));
        assert!(!matches_path("prod/*.yaml", "dev/a.yaml"));
        assert!(matches_path("./dev/*.yaml", "dev/a.yaml"));
        assert!(matches_path("{dev,staging}/*.yaml", "staging/a.yaml"));
    }

    #[test]
    fn question_mark_is_one_character_not_one_byte() {
        assert!(matches_path("?.yaml", "é.yaml"));
        assert!(matches_path("a?.yaml", "a€.yaml"));
        assert!(!matches_path("a?.yaml", "a/.yaml"));
        assert!(!matches_path("a?.yaml", "a€€.yaml"));
        assert!(matches_path("a??.yaml", "aé€.yaml"));
        assert!(matches_path("é*/[x]?.yaml", "éte/xü.yaml"));
        // A literal `[^/]` in a pattern stays literal.
        assert!(matches_path("\\[^\\/]", "[^/]"));
    }

    #[test]
    fn pathological_globs_are_fast() {
        let pattern = format!("{}z", "**/".repeat(64));
        let path = format!("{}y", "a/".repeat(200));
        let start = Instant::now();
        assert!(!matches_path(&pattern, &path));
        assert!(!matches_path("*a*a*a*a*a*a*a*a*a*a*a*b", &"a".repeat(4000)));
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn invalid_globs_are_errors() {
        let e = check("dev/[a.yaml").unwrap_err();
        assert!(
            e.contains("dev/[a.yaml") && e.contains("not a valid glob"),
            "{e}"
        );
        assert!(check("{a,b").is_err());
        assert!(check(&"*".repeat(2000)).is_err());
        assert!(check("dev/**/*.yaml").is_ok());
        // An invalid glob matches nothing rather than everything.
        assert!(!matches_path("[", "["));
    }
}
