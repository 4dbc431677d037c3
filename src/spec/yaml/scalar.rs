//! What one YAML scalar means in a spec: null, boolean, integer, float or text.
//!
//! YAML 1.2 Core schema resolution (<https://yaml.org/spec/1.2.2/#1032-tag-resolution>)
//! with the choices serde-saphyr 2.2 made for untyped values, so a spec reads the
//! same as it did when specs were deserialized through it (docs/spec.md "YAML
//! scalars"; `tests/yaml_equivalence.rs` compares the two on every YAML file in the
//! repository and on generated scalars):
//! - only `true`/`True`/`TRUE` and `false`/`False`/`FALSE` are booleans: `yes`,
//!   `on` and `y` stay text, so `cuda_graphs: yes` is a type error, not `true`;
//! - integers may be signed, use `0x`/`0o`/`0b` (lower-case prefix only) and `_`
//!   between digits; a decimal with a leading zero (`0127`) is not an integer
//!   (it is read as the float 127, which the plan accepts as a whole number);
//! - `.nan`, `.inf`, `-.inf` and literals past f64's range stay text (`.nan`,
//!   `.inf`, `-.inf`), so a numeric field reports SCH003 instead of NaN reaching
//!   the math; `+.nan`/`-.nan` stay text as written;
//! - quoted and block scalars are text; `!!str` and the non-specific tag `!` force
//!   text, `!!null`/`!!bool`/`!!int`/`!!float` force their type (or fail), and any
//!   other tag is ignored.

use granit_parser::{ScalarStyle, Tag};

/// A typed scalar. Floats are finite.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Scalar {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(String),
}

/// The scalar's type, or the name of the type its tag demanded and its text is not.
pub(super) fn resolve(
    text: std::borrow::Cow<'_, str>,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> Result<Scalar, &'static str> {
    match tag.and_then(Tag::core_suffix) {
        Some("null") => return Ok(Scalar::Null),
        Some("bool") => return core_bool(&text).map(Scalar::Bool).ok_or("boolean"),
        Some("int") => return integer(trim(&text)).ok_or("integer"),
        Some("float") => {
            let t = trim(&text);
            if let Some(canonical) = signed_nan(t).then_some(".nan") {
                return Ok(Scalar::Str(canonical.to_string()));
            }
            return float(t).ok_or("floating point");
        }
        Some("str") => return Ok(Scalar::Str(text.into_owned())),
        _ => {}
    }
    // The parser writes the non-specific tag `!` as handle "" + suffix "!".
    let non_specific = tag.is_some_and(|t| t.parts() == ("", "!"));
    if non_specific || style != ScalarStyle::Plain {
        return Ok(Scalar::Str(text.into_owned()));
    }
    Ok(plain(text))
}

/// An untagged plain scalar: null, bool, integer, float, else the text itself.
fn plain(text: std::borrow::Cow<'_, str>) -> Scalar {
    if matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL") {
        return Scalar::Null;
    }
    if let Some(b) = core_bool(&text) {
        return Scalar::Bool(b);
    }
    let t = trim(&text);
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    // `0X1F` is not a Core-schema integer; `-.nan` is not a Core-schema float.
    let upper_radix = matches!(unsigned.as_bytes(), [b'0', b'X' | b'O' | b'B', ..]);
    if upper_radix || signed_nan(t) {
        return Scalar::Str(text.into_owned());
    }
    if let Some(n) = integer(t) {
        return n;
    }
    if let Some(f) = float(t) {
        return f;
    }
    Scalar::Str(text.into_owned())
}

/// The ASCII padding a scalar may carry around its value.
fn trim(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\r', '\n'])
}

fn core_bool(s: &str) -> Option<bool> {
    match trim(s) {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn signed_nan(t: &str) -> bool {
    t.strip_prefix(['+', '-'])
        .is_some_and(|u| matches!(u, ".nan" | ".NaN" | ".NAN"))
}

/// A Core-schema integer that fits i64 (negative) or u64 (otherwise).
fn integer(t: &str) -> Option<Scalar> {
    let (negative, rest) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (radix, digits) = if let Some(d) = rest.strip_prefix("0x").or(rest.strip_prefix("0X")) {
        (16, d)
    } else if let Some(d) = rest.strip_prefix("0o").or(rest.strip_prefix("0O")) {
        (8, d)
    } else if let Some(d) = rest.strip_prefix("0b").or(rest.strip_prefix("0B")) {
        (2, d)
    } else {
        // A leading zero is not a decimal integer (YAML 1.2 dropped 1.1's octal).
        if rest.starts_with('0') && rest != "0" {
            return None;
        }
        (10, rest)
    };
    let magnitude = digits_value(digits, radix)?;
    if negative {
        // -2^63 is the smallest i64; -0 is 0.
        let limit = u128::from(i64::MAX.unsigned_abs()) + 1;
        if magnitude > limit {
            return None;
        }
        let value = i128::try_from(magnitude).ok()?.checked_neg()?;
        return Some(match u64::try_from(value) {
            Ok(u) => Scalar::U64(u),
            Err(_) => Scalar::I64(i64::try_from(value).ok()?),
        });
    }
    u64::try_from(magnitude).ok().map(Scalar::U64)
}

/// Digits in `radix` with single `_` separators between digits; None on anything
/// else or past u128.
fn digits_value(digits: &str, radix: u32) -> Option<u128> {
    let bytes = digits.as_bytes();
    let mut value: u128 = 0;
    let mut saw_digit = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let between =
                i > 0 && bytes[i - 1] != b'_' && bytes.get(i + 1).is_some_and(|&n| n != b'_');
            if !between {
                return None;
            }
            continue;
        }
        let d = char::from(b).to_digit(radix)?;
        value = value
            .checked_mul(u128::from(radix))?
            .checked_add(u128::from(d))?;
        saw_digit = true;
    }
    saw_digit.then_some(value)
}

/// A float literal: finite ones as F64; `.inf`/`.nan` spellings and literals past
/// f64's range as their canonical text.
fn float(t: &str) -> Option<Scalar> {
    let (negative, unsigned) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    match unsigned {
        ".nan" | ".NaN" | ".NAN" => return Some(Scalar::Str(".nan".to_string())),
        ".inf" | ".Inf" | ".INF" => {
            let canonical = if negative { "-.inf" } else { ".inf" };
            return Some(Scalar::Str(canonical.to_string()));
        }
        _ => {}
    }
    // Rust also reads `inf`, `infinity` and `nan`: YAML keeps those as text, so a
    // non-finite result counts only for a numeral (`1e999`).
    let value = t.parse::<f64>().ok()?;
    if value.is_finite() {
        return Some(Scalar::F64(value));
    }
    if !unsigned.as_bytes().first().is_some_and(u8::is_ascii_digit) || value.is_nan() {
        return None;
    }
    let canonical = if value.is_sign_negative() {
        "-.inf"
    } else {
        ".inf"
    };
    Some(Scalar::Str(canonical.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn p(s: &str) -> Scalar {
        plain(Cow::Borrowed(s))
    }

    #[test]
    fn nulls_and_booleans() {
        for s in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(p(s), Scalar::Null, "{s:?}");
        }
        assert_eq!(p("True"), Scalar::Bool(true));
        assert_eq!(p("FALSE"), Scalar::Bool(false));
        for s in ["yes", "no", "on", "off", "y", "nULL", "tRUE"] {
            assert_eq!(p(s), Scalar::Str(s.to_string()), "{s:?}");
        }
    }

    #[test]
    fn integers() {
        assert_eq!(p("42"), Scalar::U64(42));
        assert_eq!(p("+42"), Scalar::U64(42));
        assert_eq!(p("-42"), Scalar::I64(-42));
        assert_eq!(p("-0"), Scalar::U64(0));
        assert_eq!(p("1_000"), Scalar::U64(1000));
        assert_eq!(p("0x1f"), Scalar::U64(31));
        assert_eq!(p("0o17"), Scalar::U64(15));
        assert_eq!(p("0b101"), Scalar::U64(5));
        assert_eq!(p("-0x10"), Scalar::I64(-16));
        assert_eq!(p("18446744073709551615"), Scalar::U64(u64::MAX));
        assert_eq!(p("-9223372036854775808"), Scalar::I64(i64::MIN));
        for s in ["0X1F", "1__0", "_1", "1_", "0x", "0xg"] {
            assert_eq!(p(s), Scalar::Str(s.to_string()), "{s:?}");
        }
    }

    #[test]
    fn floats_and_their_edges() {
        assert_eq!(p("0.9"), Scalar::F64(0.9));
        assert_eq!(p("1e3"), Scalar::F64(1000.0));
        assert_eq!(p(".5"), Scalar::F64(0.5));
        // Past u64: read as a float; the converter reports it as out of range.
        assert_eq!(
            p("18446744073709551616"),
            Scalar::F64(18446744073709551616.0)
        );
        // A leading zero is not an integer but is a float literal.
        assert_eq!(p("0127"), Scalar::F64(127.0));
        assert_eq!(p(".nan"), Scalar::Str(".nan".into()));
        assert_eq!(p("-.inf"), Scalar::Str("-.inf".into()));
        assert_eq!(p("1e999"), Scalar::Str(".inf".into()));
        assert_eq!(p("-1e999"), Scalar::Str("-.inf".into()));
        for s in ["-.nan", "inf", "nan", "infinity", "1.0.0", "1_0.5"] {
            assert_eq!(p(s), Scalar::Str(s.to_string()), "{s:?}");
        }
    }

    #[test]
    fn styles_force_text() {
        let r = resolve(Cow::Borrowed("42"), ScalarStyle::DoubleQuoted, None);
        assert_eq!(r, Ok(Scalar::Str("42".into())));
        let r = resolve(Cow::Borrowed("null"), ScalarStyle::SingleQuoted, None);
        assert_eq!(r, Ok(Scalar::Str("null".into())));
    }
}
