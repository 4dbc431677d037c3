//! Markdown escaping of user strings (Markdown reports, the findings table,
//! PR diffs). Minijinja does not autoescape Markdown, so every printed value
//! goes through [`markdown_text`].
//!
//! Escapes are CommonMark backslash escapes, never HTML entities: the raw
//! Markdown (a job summary, a terminal, a diff view) reads `TP>=2`, not
//! `TP&gt;=2`, and a rendered one shows the same text. `<` is escaped so no
//! HTML tag or autolink can start; `&` only where it would start an entity
//! reference; `>` only where it would start a block quote.

/// Escape a string for Markdown text, including inside a GFM table cell: `|`
/// cannot split a cell, `[x](javascript:...)` cannot become a link, `<script>`
/// cannot become HTML. Newlines become spaces: a line break inside a cell ends
/// the row.
pub fn markdown_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.char_indices() {
        match c {
            '\\' | '|' | '[' | ']' | '*' | '_' | '`' | '#' | '~' | '!' | '<' => {
                out.push('\\');
                out.push(c);
            }
            '&' if starts_entity(&s[i + 1..]) => out.push_str("\\&"),
            '>' if s[..i].trim().is_empty() => out.push_str("\\>"),
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Would `&` followed by `rest` be read as an entity or character reference
/// (`&gt;`, `&#62;`, `&#x3e;`)?
fn starts_entity(rest: &str) -> bool {
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '#')
        .collect();
    !name.is_empty() && rest[name.len()..].starts_with(';')
}

/// A Markdown code span holding `s` verbatim. Backslash escapes are not honoured
/// inside code spans, but GFM still splits table cells on `|`, so that one is
/// escaped; the fence is one backtick longer than the longest run inside.
pub fn markdown_code(s: &str) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let flat = flat.replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in flat.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if flat.starts_with('`') || flat.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{flat}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes_pipes_links_and_tags() {
        assert_eq!(
            markdown_text("a|b [x](javascript:alert(1)) <script>\nnext"),
            "a\\|b \\[x\\](javascript:alert(1)) \\<script> next"
        );
    }

    #[test]
    fn comparisons_read_as_written_without_entities() {
        assert_eq!(markdown_text("TP>=2"), "TP>=2");
        assert_eq!(markdown_text("a < b"), "a \\< b");
        assert_eq!(markdown_text("R&D"), "R&D");
        assert_eq!(markdown_text("&gt; &#62;"), "\\&gt; \\&\\#62;");
        assert_eq!(markdown_text("> quote"), "\\> quote");
        assert_eq!(markdown_text(">9999%"), "\\>9999%");
        assert!(!markdown_text("x <b>y</b> & z > w").contains("&lt;"));
    }

    #[test]
    fn code_span_fence_outgrows_backticks() {
        assert_eq!(markdown_code("a|b"), "`a\\|b`");
        assert_eq!(markdown_code("x ``y`` z"), "```x ``y`` z```");
        assert_eq!(markdown_code("`x"), "`` `x ``");
    }
}
