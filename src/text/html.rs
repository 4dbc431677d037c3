//! HTML escaping of user strings for the HTML report.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_tags_and_quotes() {
        assert_eq!(
            html(r#"<img src=x onerror="a('b')">"#),
            "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;"
        );
        assert_eq!(html("TP>=2 & more"), "TP&gt;=2 &amp; more");
    }
}
