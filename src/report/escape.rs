//! Escaping of user strings for the two output languages.
//!
//! Markdown has no autoescape in minijinja, so the Markdown environment routes
//! every printed value through [`markdown_text`]: HTML metacharacters become
//! entities (a `<script>` in a spec name stays text when GitHub renders the
//! comment) and Markdown punctuation is backslash-escaped, so a name can neither
//! break a table row (`|`) nor become a link (`[x](javascript:...)`).

/// HTML-escape `& < > " '` (enough for text and quoted attribute values).
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escape a string for Markdown text, including inside a GFM table cell.
/// Newlines become spaces: a line break inside a cell ends the row.
pub fn markdown_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '|' | '[' | ']' | '*' | '_' | '`' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
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
    fn html_escapes_tags_and_quotes() {
        assert_eq!(
            html(r#"<img src=x onerror="a('b')">"#),
            "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;"
        );
    }

    #[test]
    fn markdown_escapes_pipes_links_and_tags() {
        assert_eq!(
            markdown_text("a|b [x](javascript:alert(1)) <script>\nnext"),
            "a\\|b \\[x\\](javascript:alert(1)) &lt;script&gt; next"
        );
    }

    #[test]
    fn code_span_fence_outgrows_backticks() {
        assert_eq!(markdown_code("a|b"), "`a\\|b`");
        assert_eq!(markdown_code("x ``y`` z"), "```x ``y`` z```");
        assert_eq!(markdown_code("`x"), "`` `x ``");
    }
}
