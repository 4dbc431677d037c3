//! Checked integer helpers for the memory math: every product and sum is
//! checked, so an absurd input (10^15 parameters, 10^9 layers) becomes an
//! `Overflow` that `compute` turns into finding MEM000, never a wrap or a panic.

use crate::units::Overflow;

pub type MathResult<T> = Result<T, Overflow>;

/// `a * b`, checked.
pub fn mul(a: u64, b: u64) -> MathResult<u64> {
    a.checked_mul(b).ok_or(Overflow)
}

/// `a + b`, checked.
pub fn add(a: u64, b: u64) -> MathResult<u64> {
    a.checked_add(b).ok_or(Overflow)
}

/// Sum of many terms, checked.
pub fn sum<I: IntoIterator<Item = u64>>(items: I) -> MathResult<u64> {
    items.into_iter().try_fold(0u64, add)
}

/// `ceil(a / b)`; a zero divisor is treated as an overflow (nonsense input).
pub fn ceil_div(a: u64, b: u64) -> MathResult<u64> {
    if b == 0 {
        return Err(Overflow);
    }
    Ok(a.div_ceil(b))
}

/// `a * num / den` in 128 bits, rounded up (fractions of a byte are real bytes).
pub fn mul_ratio_ceil(a: u64, num: u64, den: u64) -> MathResult<u64> {
    if den == 0 {
        return Err(Overflow);
    }
    let v = (a as u128 * num as u128).div_ceil(den as u128);
    u64::try_from(v).map_err(|_| Overflow)
}

/// `a * num / den` in 128 bits, floored.
pub fn mul_ratio_floor(a: u64, num: u64, den: u64) -> MathResult<u64> {
    if den == 0 {
        return Err(Overflow);
    }
    let v = a as u128 * num as u128 / den as u128;
    u64::try_from(v).map_err(|_| Overflow)
}

/// Fractions (utilization 0.90, burst 1.5) are taken as parts per million so the
/// byte arithmetic stays integral: 0.90 is exactly 900,000 / 1,000,000 and a
/// 0.90 utilization leaves exactly 10% (docs/memory-math.md section 4). Negative or
/// non-finite inputs clamp to 0.
pub const PPM: u64 = 1_000_000;

pub fn to_ppm(f: f64) -> u64 {
    if !f.is_finite() || f <= 0.0 {
        return 0;
    }
    let v = (f * PPM as f64).round();
    if v >= u64::MAX as f64 {
        u64::MAX
    } else {
        v as u64
    }
}

/// [`to_ppm`] for the memory math: a fraction past 2^64 parts per million
/// (a burst of 10^300) or a non-finite one is an overflow, never a clamp.
pub fn checked_ppm(f: f64) -> MathResult<u64> {
    if !f.is_finite() {
        return Err(Overflow);
    }
    let v = (f * PPM as f64).round();
    if v >= u64::MAX as f64 {
        return Err(Overflow);
    }
    Ok(to_ppm(f))
}

/// `ceil(n x f)` with `f` in parts per million.
pub fn ceil_times(n: u64, f: f64) -> MathResult<u64> {
    mul_ratio_ceil(n, checked_ppm(f)?, PPM)
}

/// `floor(n x f)` with `f` in parts per million.
pub fn floor_times(n: u64, f: f64) -> MathResult<u64> {
    mul_ratio_floor(n, checked_ppm(f)?, PPM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_are_exact() {
        assert_eq!(floor_times(1000, 0.9), Ok(900));
        assert_eq!(ceil_times(64, 1.5), Ok(96));
        assert_eq!(ceil_times(3, 1.25), Ok(4));
        assert_eq!(to_ppm(f64::NAN), 0);
        assert_eq!(to_ppm(-1.0), 0);
    }

    #[test]
    fn overflow_is_an_error() {
        assert!(mul(u64::MAX, 2).is_err());
        assert!(add(u64::MAX, 1).is_err());
        assert!(ceil_div(1, 0).is_err());
        assert!(mul_ratio_ceil(u64::MAX, u64::MAX, 1).is_err());
        assert!(ceil_times(16, 1e300).is_err());
        assert!(floor_times(16, f64::INFINITY).is_err());
        assert_eq!(ceil_times(16, 1.5), Ok(24));
    }
}
