//! Markdown pieces of a spec (its description) to HTML that is safe to inline.
//!
//! pulldown-cmark passes raw HTML and `javascript:` links straight through
//! (design.md section 8), so raw `Html`/`InlineHtml` events become text (and are
//! escaped by the HTML writer), dangerous link schemes are rewritten to `#`, and
//! images become their alt text: a self-contained report loads nothing.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

/// Render Markdown to HTML with raw HTML neutralised and links made safe.
pub fn to_safe_html(source: &str) -> String {
    let parser = Parser::new_ext(
        source,
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES,
    );
    let events = parser.filter_map(|event| match event {
        Event::Html(s) | Event::InlineHtml(s) => Some(Event::Text(s)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Some(Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        })),
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        other => Some(other),
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

/// `javascript:`, `vbscript:` and `data:` targets (in any case, with any
/// whitespace or control characters browsers ignore) become `#`.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let squashed: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    let dangerous = ["javascript:", "vbscript:", "data:"]
        .iter()
        .any(|scheme| squashed.starts_with(scheme));
    if dangerous {
        CowStr::Borrowed("#")
    } else {
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_becomes_text() {
        let out = to_safe_html("hi <script>alert(1)</script> <img src=x onerror=alert(1)>");
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("<img"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
    }

    #[test]
    fn dangerous_links_are_rewritten() {
        let out =
            to_safe_html("[a](javascript:alert(1)) [b]( JaVa\tScript:x) [c](https://example.com)");
        assert!(!out.to_lowercase().contains("javascript:"), "{out}");
        assert!(out.contains("href=\"https://example.com\""), "{out}");
    }

    #[test]
    fn images_become_alt_text() {
        let out = to_safe_html("![logo](https://example.com/x.png)");
        assert!(!out.contains("<img"), "{out}");
        assert!(out.contains("logo"), "{out}");
    }
}
