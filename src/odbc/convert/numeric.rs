//! Numbers: integer, floating-point, bit and SQL_NUMERIC_STRUCT targets, from numeric
//! columns or from character data holding a numeric literal.

use super::{put_fixed, ConvertError, Written, MAX_NUMERIC_DIGITS, NUMERIC_STRUCT_SIZE};
use crate::engine::value::Datum;
use std::borrow::Cow;
use std::fmt;

/// An exact decimal: `digits` (ASCII, no leading zeros; empty means zero) × 10^`exp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Decimal {
    pub neg: bool,
    pub digits: Vec<u8>,
    pub exp: i64,
}

/// Parses a numeric literal: optional sign, digits with an optional point, optional
/// exponent. Surrounding white space is allowed (ODBC trims character data).
pub(super) fn parse_decimal(s: &str) -> Option<Decimal> {
    let s = s.trim().as_bytes();
    let (neg, s) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut digits = Vec::new();
    let mut frac_len: i64 = 0;
    let mut seen_digit = false;
    let mut seen_point = false;
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        match b {
            b'0'..=b'9' => {
                seen_digit = true;
                if !(digits.is_empty() && b == b'0') {
                    digits.push(b);
                }
                if seen_point {
                    frac_len += 1;
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        i += 1;
    }
    if !seen_digit {
        return None;
    }
    let mut exp: i64 = 0;
    if let Some(b'e' | b'E') = s.get(i) {
        let rest = std::str::from_utf8(&s[i + 1..]).ok()?;
        if rest.is_empty() || rest.starts_with('+') && rest.len() == 1 {
            return None;
        }
        // Bounded so the arithmetic below cannot overflow.
        exp = rest.parse::<i32>().ok()?.into();
        i = s.len();
    }
    if i != s.len() {
        return None;
    }
    Some(Decimal {
        neg,
        digits,
        exp: exp - frac_len,
    })
}

/// A number drawn from a datum, before it meets a target type.
enum Number {
    Exact(Decimal),
    Float(f64),
}

fn exact_int(v: i128) -> Number {
    Number::Exact(Decimal {
        neg: v < 0,
        digits: if v == 0 {
            Vec::new()
        } else {
            v.unsigned_abs().to_string().into_bytes()
        },
        exp: 0,
    })
}

/// Infinity and NaN spellings PostgreSQL prints (and accepts, case-insensitively).
fn special_float(s: &str) -> Option<f64> {
    let t = s.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let v = if body.eq_ignore_ascii_case("infinity") || body.eq_ignore_ascii_case("inf") {
        f64::INFINITY
    } else if body.eq_ignore_ascii_case("nan") {
        f64::NAN
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

/// A float4 as the double a reader expects: the value of its shortest decimal form (`1.1`, as
/// PostgreSQL prints it), not its exact binary widening (`1.100000023841858`).
pub fn float4_as_f64(v: f32) -> f64 {
    /// Room for the longest shortest form of an f32 in exponent notation (`-1.1754944e-38`).
    struct Digits {
        buf: [u8; 32],
        len: usize,
    }
    impl fmt::Write for Digits {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let end = self.len + s.len();
            self.buf
                .get_mut(self.len..end)
                .ok_or(fmt::Error)?
                .copy_from_slice(s.as_bytes());
            self.len = end;
            Ok(())
        }
    }
    if !v.is_finite() {
        return f64::from(v);
    }
    let mut digits = Digits {
        buf: [0; 32],
        len: 0,
    };
    if fmt::Write::write_fmt(&mut digits, format_args!("{v:e}")).is_err() {
        return f64::from(v);
    }
    std::str::from_utf8(&digits.buf[..digits.len])
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .unwrap_or_else(|| f64::from(v))
}

fn number(datum: &Datum<'_>) -> Result<Number, ConvertError> {
    Ok(match datum {
        Datum::Bool(b) => exact_int(i128::from(*b)),
        Datum::Int2(v) => exact_int((*v).into()),
        Datum::Int4(v) => exact_int((*v).into()),
        Datum::Int8(v) => exact_int((*v).into()),
        Datum::Oid(v) => exact_int((*v).into()),
        Datum::Float4(v) => Number::Float(float4_as_f64(*v)),
        Datum::Float8(v) => Number::Float(*v),
        Datum::Numeric(s) | Datum::Other(s) => text_number(s)?,
        Datum::Text(s) => text_number(s)?,
        _ => return Err(ConvertError::Unsupported),
    })
}

fn text_number(s: &str) -> Result<Number, ConvertError> {
    if let Some(d) = parse_decimal(s) {
        return Ok(Number::Exact(d));
    }
    special_float(s)
        .map(Number::Float)
        .ok_or(ConvertError::InvalidCast)
}

impl Number {
    fn is_negative_nonzero(&self) -> bool {
        match self {
            Number::Exact(d) => d.neg && !d.digits.is_empty(),
            Number::Float(v) => *v < 0.0,
        }
    }

    /// The value truncated toward zero, and whether a nonzero fraction was dropped.
    /// Anything beyond i128 is out of range for every integer target anyway.
    fn to_i128(&self) -> Result<(i128, bool), ConvertError> {
        match self {
            Number::Exact(d) => {
                let len = d.digits.len();
                let (int_digits, frac): (Cow<'_, [u8]>, bool) = if d.exp >= 0 {
                    let zeros = usize::try_from(d.exp).unwrap_or(usize::MAX);
                    if d.digits.is_empty() {
                        (Cow::Borrowed(&[][..]), false)
                    } else if zeros > 39 || len + zeros > 39 {
                        return Err(ConvertError::OutOfRange);
                    } else {
                        let mut v = d.digits.clone();
                        v.resize(len + zeros, b'0');
                        (Cow::Owned(v), false)
                    }
                } else {
                    let k = usize::try_from(d.exp.unsigned_abs()).unwrap_or(usize::MAX);
                    let (int, frac) = d.digits.split_at(len.saturating_sub(k));
                    (Cow::Borrowed(int), frac.iter().any(|&b| b != b'0'))
                };
                let mut v: i128 = 0;
                for &b in int_digits.iter() {
                    v = v
                        .checked_mul(10)
                        .and_then(|v| v.checked_add(i128::from(b - b'0')))
                        .ok_or(ConvertError::OutOfRange)?;
                }
                Ok((if d.neg { -v } else { v }, frac))
            }
            Number::Float(f) => {
                if !f.is_finite() {
                    return Err(ConvertError::OutOfRange);
                }
                let t = f.trunc();
                // 2^120 is far beyond every integer target and well inside i128.
                if t.abs() >= 1.329_227_995_784_916e36 {
                    return Err(ConvertError::OutOfRange);
                }
                // In range and integral, so the cast is exact.
                #[allow(clippy::cast_possible_truncation)]
                let v = t as i128;
                Ok((v, t != *f))
            }
        }
    }

    fn to_f64(&self) -> Result<f64, ConvertError> {
        match self {
            Number::Float(f) => Ok(*f),
            Number::Exact(d) => {
                let v: f64 = decimal_literal(d)
                    .parse()
                    .map_err(|_| ConvertError::InvalidCast)?;
                if v.is_finite() {
                    Ok(v)
                } else {
                    Err(ConvertError::OutOfRange)
                }
            }
        }
    }

    fn to_f32(&self) -> Result<f32, ConvertError> {
        match self {
            Number::Float(f) => {
                if f.is_finite() && f.abs() > f64::from(f32::MAX) {
                    return Err(ConvertError::OutOfRange);
                }
                // Range checked above; the narrowing only rounds precision.
                #[allow(clippy::cast_possible_truncation)]
                Ok(*f as f32)
            }
            Number::Exact(d) => {
                let v: f32 = decimal_literal(d)
                    .parse()
                    .map_err(|_| ConvertError::InvalidCast)?;
                if v.is_finite() {
                    Ok(v)
                } else {
                    Err(ConvertError::OutOfRange)
                }
            }
        }
    }
}

/// "-123e-2" form of a decimal, for Rust's correctly rounded float parser.
fn decimal_literal(d: &Decimal) -> String {
    let digits = if d.digits.is_empty() {
        "0"
    } else {
        std::str::from_utf8(&d.digits).unwrap_or("0")
    };
    format!("{}{}e{}", if d.neg { "-" } else { "" }, digits, d.exp)
}

/// SQL_C_DOUBLE.
#[inline]
pub(super) fn write_double(datum: &Datum<'_>, out: &mut [u8]) -> Result<Written, ConvertError> {
    let v = number(datum)?.to_f64()?;
    Ok(put_fixed(out, &v.to_ne_bytes(), false))
}

/// SQL_C_FLOAT.
#[inline]
pub(super) fn write_float(datum: &Datum<'_>, out: &mut [u8]) -> Result<Written, ConvertError> {
    let v = number(datum)?.to_f32()?;
    Ok(put_fixed(out, &v.to_ne_bytes(), false))
}

#[inline]
pub(super) fn write_int(
    datum: &Datum<'_>,
    out: &mut [u8],
    min: i128,
    max: i128,
    size: usize,
) -> Result<Written, ConvertError> {
    // Integer columns (the common case, once per cell) skip the decimal round trip.
    let (v, frac) = match datum {
        Datum::Int2(v) => (i128::from(*v), false),
        Datum::Int4(v) => (i128::from(*v), false),
        Datum::Int8(v) => (i128::from(*v), false),
        Datum::Oid(v) => (i128::from(*v), false),
        _ => number(datum)?.to_i128()?,
    };
    if v < min || v > max {
        return Err(ConvertError::OutOfRange);
    }
    // In range for a `size`-byte target, so the low `size` bytes of the two's-complement
    // image are the value (signed or unsigned alike), reordered for big-endian machines.
    let image = v.to_le_bytes();
    let mut bytes = [0u8; 8];
    let bytes = &mut bytes[..size];
    bytes.copy_from_slice(&image[..size]);
    if cfg!(target_endian = "big") {
        bytes.reverse();
    }
    Ok(put_fixed(out, bytes, frac))
}

/// ODBC's SQL_C_BIT rule: 0 and 1 convert, values strictly between 0 and 2 truncate to
/// 1 with 01S07 (or 0 for 0 < v < 1), everything else is 22003.
#[inline]
pub(super) fn write_bit(datum: &Datum<'_>, out: &mut [u8]) -> Result<Written, ConvertError> {
    let n = number(datum)?;
    if n.is_negative_nonzero() {
        return Err(ConvertError::OutOfRange);
    }
    let (v, frac) = n.to_i128()?;
    let bit = u8::try_from(v)
        .ok()
        .filter(|b| *b <= 1)
        .ok_or(ConvertError::OutOfRange)?;
    Ok(put_fixed(out, &[bit], frac))
}

/// SQL_NUMERIC_STRUCT with the value's own scale. Digits beyond 38 significant ones
/// (or a scale above 38) are dropped from the fraction with 01S07. A value with more than 38
/// integer digits does not fit: as psqlODBC, the struct gets the digits' low 128 bits and the
/// answer is 01004 (data truncated), which pyodbc reports as "does not fit".
#[inline]
pub(super) fn write_numeric(datum: &Datum<'_>, out: &mut [u8]) -> Result<Written, ConvertError> {
    let dec = match number(datum)? {
        Number::Exact(d) => d,
        Number::Float(f) => {
            if !f.is_finite() {
                return Err(ConvertError::OutOfRange);
            }
            parse_decimal(&format!("{f:e}")).ok_or(ConvertError::OutOfRange)?
        }
    };
    if integer_digits(&dec) > MAX_NUMERIC_DIGITS {
        let mut written = put_fixed(out, &overflowed_struct(&dec), false);
        written.truncated = true;
        return Ok(written);
    }
    let (bytes, frac) = numeric_struct(&dec)?;
    Ok(put_fixed(out, &bytes, frac))
}

/// Gives a SQL_NUMERIC_STRUCT written by [`write_numeric`] the precision and scale an
/// application set in its descriptor (SQL_DESC_PRECISION / SQL_DESC_SCALE): the magnitude is
/// scaled to `scale`, digits below it dropped (the result says so: 01S07); more digits than
/// `precision` (at most 38) is 22003.
pub fn rescale_numeric(out: &mut [u8], precision: i16, scale: i16) -> Result<bool, ConvertError> {
    let Some(bytes) = out.get_mut(..NUMERIC_STRUCT_SIZE) else {
        return Ok(false);
    };
    let from = i32::from(i8::from_ne_bytes([bytes[1]]));
    let to = i32::from(scale);
    let mut magnitude = u128::from_le_bytes(
        bytes[3..]
            .try_into()
            .map_err(|_| ConvertError::OutOfRange)?,
    );
    let mut dropped = false;
    for _ in to..from {
        dropped |= magnitude % 10 != 0;
        magnitude /= 10;
    }
    for _ in from..to {
        magnitude = magnitude.checked_mul(10).ok_or(ConvertError::OutOfRange)?;
    }
    let limit = usize::try_from(precision)
        .unwrap_or(0)
        .clamp(1, MAX_NUMERIC_DIGITS);
    if magnitude.checked_ilog10().map_or(1, |d| {
        usize::try_from(d).unwrap_or(usize::MAX).saturating_add(1)
    }) > limit
    {
        return Err(ConvertError::OutOfRange);
    }
    bytes[0] = u8::try_from(limit).map_err(|_| ConvertError::OutOfRange)?;
    bytes[1] = i8::try_from(scale)
        .map_err(|_| ConvertError::OutOfRange)?
        .to_ne_bytes()[0];
    bytes[3..].copy_from_slice(&magnitude.to_le_bytes());
    Ok(dropped)
}

/// How many digits `dec` has left of the decimal point.
fn integer_digits(dec: &Decimal) -> usize {
    let len = i64::try_from(dec.digits.len()).unwrap_or(i64::MAX);
    usize::try_from(len.saturating_add(dec.exp).max(0)).unwrap_or(usize::MAX)
}

/// What psqlODBC leaves in a SQL_NUMERIC_STRUCT for a value too large for it: the digits as
/// they are (precision their count, scale the fraction's, both capped to their fields) and
/// the magnitude's low 128 bits.
fn overflowed_struct(dec: &Decimal) -> [u8; NUMERIC_STRUCT_SIZE] {
    let zeros = usize::try_from(dec.exp.max(0)).unwrap_or(0);
    let scale = usize::try_from((-dec.exp).max(0)).unwrap_or(0);
    let mut magnitude: u128 = 0;
    let all = dec
        .digits
        .iter()
        .copied()
        .chain(std::iter::repeat_n(b'0', zeros));
    for b in all {
        magnitude = magnitude
            .wrapping_mul(10)
            .wrapping_add(u128::from(b - b'0'));
    }
    let mut bytes = [0u8; NUMERIC_STRUCT_SIZE];
    bytes[0] = u8::try_from(dec.digits.len() + zeros).unwrap_or(u8::MAX);
    bytes[1] = u8::try_from(scale.min(127)).unwrap_or(127);
    bytes[2] = u8::from(!dec.neg);
    bytes[3..].copy_from_slice(&magnitude.to_le_bytes());
    bytes
}

fn numeric_struct(dec: &Decimal) -> Result<([u8; NUMERIC_STRUCT_SIZE], bool), ConvertError> {
    let mut digits = dec.digits.clone();
    let mut frac = false;
    let mut scale: usize = 0;
    if dec.exp >= 0 {
        if !digits.is_empty() {
            let zeros = usize::try_from(dec.exp).map_err(|_| ConvertError::OutOfRange)?;
            if zeros > MAX_NUMERIC_DIGITS || digits.len() + zeros > MAX_NUMERIC_DIGITS {
                return Err(ConvertError::OutOfRange);
            }
            digits.resize(digits.len() + zeros, b'0');
        }
    } else {
        let want = usize::try_from(dec.exp.unsigned_abs()).unwrap_or(usize::MAX);
        scale = want;
        if scale > MAX_NUMERIC_DIGITS {
            let drop = (scale - MAX_NUMERIC_DIGITS).min(digits.len());
            frac |= digits[digits.len() - drop..].iter().any(|&b| b != b'0');
            digits.truncate(digits.len() - drop);
            scale = MAX_NUMERIC_DIGITS;
        }
        while digits.len() > MAX_NUMERIC_DIGITS && scale > 0 {
            frac |= digits.pop().is_some_and(|b| b != b'0');
            scale -= 1;
        }
    }
    if digits.len() > MAX_NUMERIC_DIGITS {
        return Err(ConvertError::OutOfRange);
    }
    let mut magnitude: u128 = 0;
    for &b in &digits {
        magnitude = magnitude
            .checked_mul(10)
            .and_then(|m| m.checked_add(u128::from(b - b'0')))
            .ok_or(ConvertError::OutOfRange)?;
    }
    let precision = digits.len().max(scale).max(1);
    let mut bytes = [0u8; NUMERIC_STRUCT_SIZE];
    bytes[0] = u8::try_from(precision).map_err(|_| ConvertError::OutOfRange)?;
    bytes[1] = i8::try_from(scale)
        .map_err(|_| ConvertError::OutOfRange)?
        .to_ne_bytes()[0];
    bytes[2] = u8::from(!(dec.neg && magnitude != 0));
    bytes[3..].copy_from_slice(&magnitude.to_le_bytes());
    Ok((bytes, frac))
}
