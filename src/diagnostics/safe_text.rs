//! Text from a spec, safe to show on a terminal: control characters (an ESC
//! starts an ANSI sequence that can clear the screen or rewrite earlier lines)
//! and Unicode bidirectional controls ("Trojan Source", CVE-2021-42574) become
//! `?`, one per byte, so byte offsets into the text stay valid for code frames.

/// Replace every unsafe character of `s` by as many `?` as it has UTF-8 bytes.
/// `keep` lists the control characters that stay (e.g. `\n` in source text).
pub fn terminal_safe(s: &str, keep: &[char]) -> String {
    if !s.chars().any(|c| unsafe_char(c) && !keep.contains(&c)) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if unsafe_char(c) && !keep.contains(&c) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_bidi_become_question_marks_of_equal_length() {
        let s = "a\u{1b}[2Jb\u{202e}c\u{85}d\ne";
        let t = terminal_safe(s, &['\n']);
        assert_eq!(t, "a?[2Jb???c??d\ne");
        assert_eq!(t.len(), s.len());
        assert_eq!(terminal_safe("tab\there", &[]), "tab?here");
        assert_eq!(terminal_safe("plain é", &[]), "plain é");
    }
}
