//! The minijinja environment shared by the Markdown and HTML reports.
//!
//! Undefined values are errors (`UndefinedBehavior::Strict`), so a template that
//! names a missing key fails loudly (exit 2) instead of printing nothing.
//! `.html` templates autoescape as HTML; `.md` templates get a custom
//! "markdown" autoescape that runs every printed value through
//! [`crate::text::markdown_text`], so a hostile spec name cannot inject markup there
//! either. Filters format quantities with their unit printed.

use super::markdown;
use crate::units::format_gib;
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, State, UndefinedBehavior};

const MARKDOWN_ESCAPE: &str = "markdown";

/// Build an environment holding one template under `name`. The name's extension
/// (`.md.j2` / `.html.j2`) selects the escaping.
pub fn environment(name: &str, source: &str) -> Result<Environment<'static>, Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()?,
    );
    env.set_auto_escape_callback(|name| {
        let base = name.strip_suffix(".j2").unwrap_or(name);
        if base.ends_with(".md") {
            AutoEscape::Custom(MARKDOWN_ESCAPE.into())
        } else if base.ends_with(".html") || base.ends_with(".htm") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(format_value);
    env.add_filter("gib", gib);
    env.add_filter("bytes", bytes);
    env.add_filter("num", num);
    env.add_filter("pct", pct);
    env.add_filter("code", code);
    env.add_filter("markdown_html", markdown_html);
    env.add_template_owned(name.to_string(), source.to_string())?;
    Ok(env)
}

/// Print a value, escaping for the template's language; safe strings (from
/// `|safe`, `|code`, `|markdown_html`) are written as they are.
fn format_value(
    out: &mut minijinja::Output,
    state: &mut State,
    value: &Value,
) -> Result<(), Error> {
    if let AutoEscape::Custom(kind) = state.auto_escape() {
        if kind == MARKDOWN_ESCAPE {
            let text = if value.is_safe() {
                value.to_string()
            } else if value.is_none() {
                String::new()
            } else {
                crate::text::markdown_text(&value.to_string())
            };
            return out
                .write_str(&text)
                .map_err(|e| Error::new(ErrorKind::WriteFailure, e.to_string()));
        }
    }
    minijinja::escape_formatter(out, state, value)
}

fn int_of(v: &Value) -> Result<i128, Error> {
    i128::try_from(v.clone()).map_err(|_| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("expected a whole number of bytes, got {v}"),
        )
    })
}

/// Bytes to `12.34 GiB` (or MiB when small); accepts negative values.
fn gib(v: Value) -> Result<String, Error> {
    Ok(format_gib(int_of(&v)?))
}

/// Bytes with thousands separators and the unit: `1,234,567 B`.
fn bytes(v: Value) -> Result<String, Error> {
    Ok(format!("{} B", group_digits(int_of(&v)?)))
}

/// A count with thousands separators; floats keep up to two decimals.
fn num(v: Value) -> Result<String, Error> {
    if let Ok(i) = i128::try_from(v.clone()) {
        return Ok(group_digits(i));
    }
    let f = f64::try_from(v.clone())
        .map_err(|_| Error::new(ErrorKind::InvalidOperation, format!("not a number: {v}")))?;
    Ok(format_float(f))
}

/// A fraction to a percentage: `0.1234` -> `12.3%`; none (a share of a zero
/// total) prints `-`.
fn pct(v: Value) -> Result<String, Error> {
    if v.is_none() {
        return Ok("-".into());
    }
    let f = f64::try_from(v.clone())
        .map_err(|_| Error::new(ErrorKind::InvalidOperation, format!("not a number: {v}")))?;
    Ok(percent(f))
}

/// Markdown: a code span (safe). HTML: a `<code>` element with escaped text.
fn code(state: &State, v: Value) -> Value {
    let s = v.to_string();
    match state.auto_escape() {
        AutoEscape::Html => {
            Value::from_safe_string(format!("<code>{}</code>", crate::text::html(&s)))
        }
        _ => Value::from_safe_string(crate::text::markdown_code(&s)),
    }
}

/// Markdown source (a spec description) to sanitized HTML.
fn markdown_html(v: Value) -> Value {
    Value::from_safe_string(markdown::to_safe_html(&v.to_string()))
}

/// One digit grouping and one percentage format for every output (units).
pub use crate::units::{group_digits, percent};

/// Two decimals, trailing zeros dropped: `1.50` -> `1.5`, `2.00` -> `2`; NaN
/// and infinities print `-`.
pub fn format_float(f: f64) -> String {
    if !f.is_finite() {
        // Only a hand-edited plan holds one; print no number rather than NaN.
        return "-".to_string();
    }
    let s = format!("{f:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(name: &str, src: &str, ctx: Value) -> String {
        let env = environment(name, src).unwrap();
        env.get_template(name).unwrap().render(ctx).unwrap()
    }

    #[test]
    fn markdown_templates_escape_values() {
        let ctx = minijinja::context! { name => "<script>|x" };
        assert_eq!(render("t.md.j2", "{{ name }}", ctx), "\\<script>\\|x");
    }

    #[test]
    fn html_templates_autoescape() {
        let ctx = minijinja::context! { name => "<script>" };
        assert_eq!(render("t.html.j2", "{{ name }}", ctx), "&lt;script&gt;");
    }

    #[test]
    fn strict_undefined_is_an_error() {
        let env = environment("t.md.j2", "{{ missing }}").unwrap();
        assert!(env.get_template("t.md.j2").unwrap().render(()).is_err());
    }

    #[test]
    fn filters_print_units() {
        let ctx = minijinja::context! { b => 85_040_352_460u64, f => 0.1234, n => 1234567 };
        assert_eq!(
            render(
                "t.md.j2",
                "{{ b|gib }} {{ b|bytes }} {{ f|pct }} {{ n|num }}",
                ctx
            ),
            "79.20 GiB 85,040,352,460 B 12.3% 1,234,567"
        );
        assert_eq!(format_float(1.5), "1.5");
        assert_eq!(group_digits(-1000), "-1,000");
    }
}
