//! Units: every memory quantity is a `Bytes(u64)` with checked arithmetic.
//!
//! GiB (2^30) and GB (10^9) appear only at the edges, always labelled. Input sizes
//! take an explicit suffix (`80GiB`, `85.9GB`, `512MiB`) or are integer bytes; a
//! bare `80G` is rejected because it does not say whether it means 2^30 or 10^9.

use serde::{Deserialize, Serialize};
use std::fmt;

pub const KIB: u64 = 1 << 10;
pub const MIB: u64 = 1 << 20;
pub const GIB: u64 = 1 << 30;
pub const TIB: u64 = 1 << 40;
pub const KB: u64 = 1_000;
pub const MB: u64 = 1_000_000;
pub const GB: u64 = 1_000_000_000;
pub const TB: u64 = 1_000_000_000_000;

/// A count of bytes. Arithmetic is checked: overflow is an error, never a wrap.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Bytes(pub u64);

/// A quantity overflowed `u64` bytes (16 EiB): the input is absurd.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overflow;

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("memory quantity overflows 2^64 bytes")
    }
}

impl std::error::Error for Overflow {}

impl Bytes {
    pub const ZERO: Bytes = Bytes(0);

    pub fn get(self) -> u64 {
        self.0
    }
    pub fn checked_add(self, other: Bytes) -> Result<Bytes, Overflow> {
        self.0.checked_add(other.0).map(Bytes).ok_or(Overflow)
    }
    pub fn checked_mul(self, n: u64) -> Result<Bytes, Overflow> {
        self.0.checked_mul(n).map(Bytes).ok_or(Overflow)
    }
    /// `self - other`, or `None` when it would be negative.
    pub fn checked_sub(self, other: Bytes) -> Option<Bytes> {
        self.0.checked_sub(other.0).map(Bytes)
    }
    pub fn saturating_sub(self, other: Bytes) -> Bytes {
        Bytes(self.0.saturating_sub(other.0))
    }
    /// Sum a sequence of byte counts with overflow checking.
    pub fn sum<I: IntoIterator<Item = Bytes>>(items: I) -> Result<Bytes, Overflow> {
        items.into_iter().try_fold(Bytes::ZERO, Bytes::checked_add)
    }
    /// Binary gibibytes (2^30), for rendering only.
    pub fn gib(self) -> f64 {
        self.0 as f64 / GIB as f64
    }
    /// Decimal gigabytes (10^9), for rendering only.
    pub fn gb(self) -> f64 {
        self.0 as f64 / GB as f64
    }
    /// `a * num / den` computed in 128 bits and floored, so fractions of a byte
    /// never drift (e.g. 0.9 x total as 9/10 x total).
    pub fn mul_ratio(self, num: u64, den: u64) -> Result<Bytes, Overflow> {
        if den == 0 {
            return Err(Overflow);
        }
        let v = (self.0 as u128) * (num as u128) / (den as u128);
        u64::try_from(v).map(Bytes).map_err(|_| Overflow)
    }
    /// Signed difference `self - other` (what is left for the KV cache may be negative).
    pub fn signed_sub(self, other: Bytes) -> i64 {
        let d = self.0 as i128 - other.0 as i128;
        d.clamp(i64::MIN as i128, i64::MAX as i128) as i64
    }
}

impl fmt::Display for Bytes {
    /// Always labelled: `79.20 GiB`; small values in MiB.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_gib(self.0 as i128))
    }
}

/// Render a (possibly negative) byte count in GiB or MiB with its unit.
pub fn format_gib(bytes: i128) -> String {
    let sign = if bytes < 0 { "-" } else { "" };
    let b = bytes.unsigned_abs();
    if b >= GIB as u128 / 10 {
        format!("{sign}{:.2} GiB", b as f64 / GIB as f64)
    } else {
        format!("{sign}{:.1} MiB", b as f64 / MIB as f64)
    }
}

/// A fraction as a percentage with one decimal (`0.325` -> `32.5%`). NaN
/// prints `-`; past +/-100 (+/-10,000%) it prints the bound, so an infinite
/// share (no KV pool at all) never prints as `inf%` or a 300-digit number.
pub fn percent(f: f64) -> String {
    if f.is_nan() {
        "-".to_string()
    } else if f > 100.0 {
        ">9999%".to_string()
    } else if f < -100.0 {
        "<-9999%".to_string()
    } else {
        format!("{:.1}%", f * 100.0)
    }
}

/// Spare memory as users read it: `12.30 GiB to spare`, or `3.81 GiB short`
/// for a negative figure; never a negative amount.
pub fn format_spare(bytes: i128) -> String {
    if bytes < 0 {
        format!("{} short", format_gib(-bytes))
    } else {
        format!("{} to spare", format_gib(bytes))
    }
}

/// A 128-bit unsigned figure (`plan::derived` sums in 128 bits) as a signed
/// one; past `i128::MAX` (2^127 bytes) it saturates, which no plan of 64-bit
/// inputs summed a few times reaches.
pub fn wide(bytes: u128) -> i128 {
    i128::try_from(bytes).unwrap_or(i128::MAX)
}

/// [`format_gib`] of a 128-bit unsigned figure.
pub fn format_gib_wide(bytes: u128) -> String {
    format_gib(wide(bytes))
}

/// The KV pool per GPU as users read it: `12.30 GiB`, or, when the plan's
/// signed figure is negative, `none (3.81 GiB short)`: no memory is shown as a
/// negative amount (docs/memory-math.md section 4).
pub fn format_kv_pool(kv_cache_bytes: i128) -> String {
    if kv_cache_bytes < 0 {
        format!("none ({} short)", format_gib(-kv_cache_bytes))
    } else {
        format_gib(kv_cache_bytes)
    }
}

/// `1234567` -> `1,234,567` (negative numbers keep their sign): the one digit
/// grouping every report, rule message and hardware check uses.
pub fn group_digits(n: impl Into<i128>) -> String {
    let n: i128 = n.into();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 replica`, `2 replicas`, `3 classes`: a count with its noun in the right
/// number (digits grouped). English plural by suffix: `-s`, `-x`, `-ch`, `-sh`
/// take `-es`, everything else `-s`.
pub fn plural(n: u64, word: &str) -> String {
    let count = group_digits(n);
    if n == 1 {
        return format!("{count} {word}");
    }
    let es = ["s", "x", "ch", "sh"].iter().any(|e| word.ends_with(e));
    format!("{count} {word}{}", if es { "es" } else { "s" })
}

/// Why a size string was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SizeError {
    /// No unit, or a unit we do not accept (e.g. `80G`).
    MissingOrUnknownUnit(String),
    /// Not a non-negative decimal number.
    NotANumber(String),
    /// Larger than 2^64 bytes.
    Overflow(String),
}

/// The accepted suffixes, for diagnostics.
pub const SIZE_SUFFIX_HELP: &str = "use an explicit unit: B, KiB, MiB, GiB, TiB (binary, 2^10 steps) or KB, MB, GB, TB (decimal, 10^3 steps); `80GiB` is 85.9 GB, so GiB and GB are not interchangeable";

impl fmt::Display for SizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SizeError::MissingOrUnknownUnit(s) => {
                write!(f, "size `{s}` has no recognised unit; {SIZE_SUFFIX_HELP}")
            }
            SizeError::NotANumber(s) => write!(f, "size `{s}` is not a non-negative number"),
            SizeError::Overflow(s) => write!(f, "size `{s}` is larger than 2^64 bytes"),
        }
    }
}

impl std::error::Error for SizeError {}

fn unit_multiplier(unit: &str) -> Option<u64> {
    Some(match unit {
        "B" => 1,
        "KiB" => KIB,
        "MiB" => MIB,
        "GiB" => GIB,
        "TiB" => TIB,
        "KB" | "kB" => KB,
        "MB" => MB,
        "GB" => GB,
        "TB" => TB,
        _ => return None,
    })
}

/// Whether `input` is written as a size: exactly the published schema's
/// `pattern` `^\s*([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*(B|KiB|...|TB)\s*$`, without
/// a regex engine (building that regex was 0.75 ms of a single `check`;
/// `schema/validator_copy.rs`). Says nothing about overflow: `parse_size` does.
pub fn is_size_syntax(input: &str) -> bool {
    let s = input.trim_matches(is_ecma_whitespace);
    let digits = |t: &str| t.bytes().take_while(u8::is_ascii_digit).count();
    let int = digits(s);
    let mut rest = &s[int..];
    if let Some(after_dot) = rest.strip_prefix('.') {
        let frac = digits(after_dot);
        if int == 0 && frac == 0 {
            return false;
        }
        rest = &after_dot[frac..];
    } else if int == 0 {
        return false;
    }
    unit_multiplier(rest.trim_start_matches(is_ecma_whitespace)).is_some()
}

/// ECMA-262 `\s` (what a JSON Schema `pattern` means by it): WhiteSpace (TAB,
/// VT, FF, SP, NBSP, ZWNBSP, every Unicode `Zs`) and LineTerminator (LF, CR,
/// LS, PS). ECMA-262 sections 12.2 and 12.3. Unlike `char::is_whitespace`, it
/// includes U+FEFF and excludes U+0085.
fn is_ecma_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | ' '
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
            | '\u{feff}'
    )
}

/// Parse `80GiB`, `85.9 GB`, `512MiB` or `1024B` to bytes, flooring fractions of a
/// byte. Exact decimal arithmetic (no floats), so `79.2GiB` is reproducible.
pub fn parse_size(input: &str) -> Result<Bytes, SizeError> {
    let s = input.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = (&s[..split], s[split..].trim_start());
    if number.is_empty() {
        return Err(SizeError::NotANumber(input.to_string()));
    }
    let mult =
        unit_multiplier(unit).ok_or_else(|| SizeError::MissingOrUnknownUnit(input.to_string()))?;
    let (int_part, frac_part) = match number.split_once('.') {
        Some((i, f)) => (i, f),
        None => (number, ""),
    };
    if frac_part.contains('.') || (int_part.is_empty() && frac_part.is_empty()) {
        return Err(SizeError::NotANumber(input.to_string()));
    }
    let overflow = || SizeError::Overflow(input.to_string());
    let int: u128 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().map_err(|_| overflow())?
    };
    let mut total = int.checked_mul(mult as u128).ok_or_else(overflow)?;
    // Fractional digits beyond 19 cannot change the floored result for any
    // multiplier <= 2^40, so truncating them keeps the arithmetic in u128.
    let frac = &frac_part[..frac_part.len().min(19)];
    if !frac.is_empty() {
        let num: u128 = frac
            .parse()
            .map_err(|_| SizeError::NotANumber(input.to_string()))?;
        let den = 10u128.pow(frac.len() as u32);
        total = total
            .checked_add(num * mult as u128 / den)
            .ok_or_else(overflow)?;
    }
    u64::try_from(total).map(Bytes).map_err(|_| overflow())
}

#[cfg(test)]
mod kv_pool_tests {
    #[test]
    fn a_negative_pool_is_none_and_short() {
        assert_eq!(super::format_kv_pool(-(3 << 30)), "none (3.00 GiB short)");
        assert_eq!(super::format_kv_pool(3 << 30), "3.00 GiB");
        assert_eq!(super::format_kv_pool(0), "0.0 MiB");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals() {
        assert_eq!(plural(1, "replica"), "1 replica");
        assert_eq!(plural(2, "replica"), "2 replicas");
        assert_eq!(plural(0, "GPU"), "0 GPUs");
        assert_eq!(plural(3, "class"), "3 classes");
        assert_eq!(plural(1_000, "node"), "1,000 nodes");
    }

    #[test]
    fn groups_digits() {
        assert_eq!(group_digits(0u64), "0");
        assert_eq!(group_digits(999u64), "999");
        assert_eq!(group_digits(1000u64), "1,000");
        assert_eq!(group_digits(61_440u64), "61,440");
        assert_eq!(group_digits(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(group_digits(-1_234_567i64), "-1,234,567");
    }

    #[test]
    fn parses_binary_and_decimal_units() {
        assert_eq!(parse_size("80GiB"), Ok(Bytes(80 * GIB)));
        assert_eq!(parse_size("80GB"), Ok(Bytes(80 * GB)));
        assert_eq!(parse_size("512 MiB"), Ok(Bytes(512 * MIB)));
        assert_eq!(parse_size("2TiB"), Ok(Bytes(2 * TIB)));
        assert_eq!(parse_size("1024B"), Ok(Bytes(1024)));
    }

    #[test]
    fn fractions_floor_exactly() {
        // 79.2 GiB = 79 x 2^30 + floor(0.2 x 2^30) = 84,825,604,096 + 214,748,364 = 85,040,352,460 bytes.
        assert_eq!(parse_size("79.2GiB"), Ok(Bytes(85_040_352_460)));
        assert_eq!(parse_size("85.9GB"), Ok(Bytes(85_900_000_000)));
        assert_eq!(parse_size(".5GiB"), Ok(Bytes(GIB / 2)));
    }

    #[test]
    fn rejects_bare_g_and_junk() {
        assert!(matches!(
            parse_size("80G"),
            Err(SizeError::MissingOrUnknownUnit(_))
        ));
        assert!(matches!(
            parse_size("80"),
            Err(SizeError::MissingOrUnknownUnit(_))
        ));
        assert!(matches!(parse_size("GiB"), Err(SizeError::NotANumber(_))));
        assert!(matches!(parse_size("-1GiB"), Err(SizeError::NotANumber(_))));
        assert!(matches!(
            parse_size("1.2.3GiB"),
            Err(SizeError::NotANumber(_))
        ));
        assert!(matches!(
            parse_size("99999999999TiB"),
            Err(SizeError::Overflow(_))
        ));
    }

    #[test]
    fn checked_arithmetic_reports_overflow() {
        assert_eq!(Bytes(u64::MAX).checked_add(Bytes(1)), Err(Overflow));
        assert_eq!(Bytes(u64::MAX).checked_mul(2), Err(Overflow));
        assert_eq!(Bytes(10).mul_ratio(9, 10), Ok(Bytes(9)));
        assert_eq!(Bytes(1).signed_sub(Bytes(3)), -2);
    }

    #[test]
    fn renders_with_units() {
        assert_eq!(Bytes(80 * GIB).to_string(), "80.00 GiB");
        assert_eq!(Bytes(512 * MIB).to_string(), "0.50 GiB");
        assert_eq!(Bytes(10 * MIB).to_string(), "10.0 MiB");
        assert_eq!(format_gib(-(2 * GIB as i128)), "-2.00 GiB");
    }

    #[test]
    fn size_syntax_is_the_published_pattern() {
        for ok in [
            "80GiB",
            "85.9 GB",
            "512MiB",
            "1024B",
            "1.GiB",
            ".5TB",
            " 1 kB ",
            "\t2KB\n",
            "0B",
            "79.19GiB",
            "\u{a0}1GiB\u{feff}",
            "99999999999999999999999TB",
        ] {
            assert!(is_size_syntax(ok), "{ok:?} should be a size");
        }
        for bad in [
            "",
            " ",
            "GiB",
            "80",
            "80G",
            "80 gib",
            ".GiB",
            "1..2GiB",
            "1.2.3GiB",
            "-1GiB",
            "+1GiB",
            "1e3GB",
            "80GiB/s",
            "80 GiB x",
            "1\u{85}GiB",
            "\u{ff11}GiB",
            "1 G iB",
        ] {
            assert!(!is_size_syntax(bad), "{bad:?} should not be a size");
        }
    }
}
