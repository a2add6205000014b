//! Writing a decoded column value ([`Datum`]) into an application buffer of a given
//! SQL_C_* type, following the ODBC "Converting Data from SQL to C Data Types" rules.
//!
//! Pure functions over byte slices: the FFI layer hands us the application's buffer as a
//! slice and turns [`Written`] into the indicator and SQLSTATE warnings.
//!
//! Decisions worth knowing:
//! - bool renders as "1"/"0" in character targets (what psqlODBC does and what ODBC's
//!   SQL_BIT-to-character rule gives), not PostgreSQL's "t"/"f".
//! - Character truncation is by bytes (SQL_C_CHAR) or by whole UTF-16 units (SQL_C_WCHAR),
//!   exactly BufferLength minus the terminator, even if that splits a multibyte character:
//!   applications (odbc-api, pyodbc) size the next SQLGetData piece from that arithmetic,
//!   and concatenating the pieces restores the text.
//! - infinity / -infinity dates and timestamps cannot be represented in ODBC structs:
//!   they fail with 22007 (invalid datetime format).
//! - Years outside i16 fail with 22003. Years BC use astronomical numbering (1 BC = 0).
//! - timestamptz values are delivered in UTC (the engine's rendering); timetz keeps its
//!   local time and drops the zone.
//! - SQL_C_INTERVAL_* targets take interval columns. PostgreSQL keeps months apart from days
//!   and microseconds, and a month has no fixed length: a year-month target drops the day-time
//!   part (01S07), and a day-time target refuses an interval with months (22015). Days count as
//!   24 hours, as PostgreSQL compares intervals. Fractions are microseconds (the default
//!   seconds precision, 6).
#![deny(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::borrow::Cow;
use std::fmt;

use tokio_postgres::types::{Kind, Type};

use crate::engine::value::{
    civil_from_pg_days, days_in_month, pg_days_from_civil, Datum, USECS_PER_DAY,
};

/// SQL_C_* type codes as the application passes them (plain i16, so an unknown code from
/// an application never has to become an enum value).
pub mod c {
    pub const CHAR: i16 = 1;
    pub const NUMERIC: i16 = 2;
    pub const LONG: i16 = 4;
    pub const SHORT: i16 = 5;
    pub const FLOAT: i16 = 7;
    pub const DOUBLE: i16 = 8;
    pub const DATE: i16 = 9;
    pub const TIME: i16 = 10;
    pub const TIMESTAMP: i16 = 11;
    pub const TYPE_DATE: i16 = 91;
    pub const TYPE_TIME: i16 = 92;
    pub const TYPE_TIMESTAMP: i16 = 93;
    pub const DEFAULT: i16 = 99;
    pub const INTERVAL_YEAR: i16 = 101;
    pub const INTERVAL_MINUTE_TO_SECOND: i16 = 113;
    pub const BINARY: i16 = -2;
    pub const TINYINT: i16 = -6;
    pub const BIT: i16 = -7;
    pub const WCHAR: i16 = -8;
    pub const GUID: i16 = -11;
    pub const SSHORT: i16 = -15;
    pub const SLONG: i16 = -16;
    pub const USHORT: i16 = -17;
    pub const ULONG: i16 = -18;
    pub const SBIGINT: i16 = -25;
    pub const STINYINT: i16 = -26;
    pub const UBIGINT: i16 = -27;
    pub const UTINYINT: i16 = -28;
}

/// What happened when a value was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Written {
    /// Bytes written, excluding the terminator.
    pub len: usize,
    /// Full length in bytes of what remained to deliver (from `offset`), for the indicator;
    /// `None` means SQL_NO_TOTAL.
    pub total: Option<usize>,
    /// Data did not fit: SQLSTATE 01004.
    pub truncated: bool,
    /// Fractional digits or a time part were dropped: SQLSTATE 01S07.
    pub fractional_truncation: bool,
}

/// Why a value could not be converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvertError {
    /// 22003: the value does not fit the target type.
    OutOfRange,
    /// 22018: character data that is not a valid literal for the target type.
    InvalidCast,
    /// 07006: the SQL type cannot be converted to the C type (restricted data type attribute
    /// violation).
    Unsupported,
    /// 22007: a datetime value the target cannot express or a malformed one.
    InvalidDatetime,
    /// 22007 too: `infinity` / `-infinity`, which no ODBC date/time structure can hold.
    Infinite,
    /// 22015: an interval the target's fields cannot hold.
    IntervalOverflow,
}

impl ConvertError {
    pub fn sqlstate(&self) -> &'static str {
        match self {
            ConvertError::OutOfRange => "22003",
            ConvertError::InvalidCast => "22018",
            ConvertError::Unsupported => "07006",
            ConvertError::InvalidDatetime | ConvertError::Infinite => "22007",
            ConvertError::IntervalOverflow => "22015",
        }
    }

    pub fn message(&self) -> String {
        match self {
            ConvertError::OutOfRange => "Numeric value out of range",
            ConvertError::InvalidCast => "Invalid character value for cast specification",
            ConvertError::Unsupported => "Restricted data type attribute violation",
            ConvertError::InvalidDatetime => "Invalid datetime format",
            ConvertError::Infinite => {
                "Invalid datetime format: infinity and -infinity have no ODBC date/time form; read the column as text (SQL_C_CHAR) to see them"
            }
            ConvertError::IntervalOverflow => "Interval field overflow",
        }
        .to_string()
    }
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.sqlstate(), self.message())
    }
}

impl std::error::Error for ConvertError {}

/// Size of SQL_INTERVAL_STRUCT: i32 type, i16 sign, padding, five u32 fields.
const INTERVAL_STRUCT_SIZE: usize = 28;
/// Size of SQL_NUMERIC_STRUCT: precision, scale, sign, 16-byte little-endian magnitude.
const NUMERIC_STRUCT_SIZE: usize = 19;
/// SQL_MAX_NUMERIC_LEN digits a SQL_NUMERIC_STRUCT is used for (38, as in SQL Server and
/// psqlODBC); the 16-byte magnitude always holds them.
const MAX_NUMERIC_DIGITS: usize = 38;

/// Size of fixed-length C targets; `None` for variable-length ones (CHAR, WCHAR, BINARY)
/// and unknown codes.
pub fn fixed_size(target: i16) -> Option<usize> {
    match target {
        c::BIT | c::TINYINT | c::STINYINT | c::UTINYINT => Some(1),
        c::SHORT | c::SSHORT | c::USHORT => Some(2),
        c::LONG | c::SLONG | c::ULONG | c::FLOAT => Some(4),
        c::SBIGINT | c::UBIGINT | c::DOUBLE => Some(8),
        c::NUMERIC => Some(NUMERIC_STRUCT_SIZE),
        c::DATE | c::TYPE_DATE | c::TIME | c::TYPE_TIME => Some(6),
        c::TIMESTAMP | c::TYPE_TIMESTAMP | c::GUID => Some(16),
        c::INTERVAL_YEAR..=c::INTERVAL_MINUTE_TO_SECOND => Some(INTERVAL_STRUCT_SIZE),
        _ => None,
    }
}

/// The C type SQL_C_DEFAULT means for a column of PostgreSQL type `ty`.
///
/// Text-like, numeric and everything else map to SQL_C_CHAR (ODBC's default for
/// SQL_NUMERIC/SQL_DECIMAL too, which keeps numerics exact). oid maps to SQL_C_ULONG so
/// values above 2^31 fit.
pub fn default_c_type(ty: &Type) -> i16 {
    if let Kind::Domain(base) = ty.kind() {
        return default_c_type(base);
    }
    match ty.oid() {
        16 => c::BIT,                     // bool
        21 => c::SSHORT,                  // int2
        23 => c::SLONG,                   // int4
        20 => c::SBIGINT,                 // int8
        700 => c::FLOAT,                  // float4
        701 => c::DOUBLE,                 // float8
        26 => c::ULONG,                   // oid
        17 => c::BINARY,                  // bytea
        1082 => c::TYPE_DATE,             // date
        1083 | 1266 => c::TYPE_TIME,      // time, timetz
        1114 | 1184 => c::TYPE_TIMESTAMP, // timestamp, timestamptz
        2950 => c::GUID,                  // uuid
        _ => c::CHAR,
    }
}

/// SQL_C_DEFAULT resolved from the value itself, for callers that lost the column type.
fn default_for_datum(datum: &Datum<'_>) -> i16 {
    match datum {
        Datum::Bool(_) => c::BIT,
        Datum::Int2(_) => c::SSHORT,
        Datum::Int4(_) => c::SLONG,
        Datum::Int8(_) => c::SBIGINT,
        Datum::Float4(_) => c::FLOAT,
        Datum::Float8(_) => c::DOUBLE,
        Datum::Oid(_) => c::ULONG,
        Datum::Bytes(_) => c::BINARY,
        Datum::Date(_) => c::TYPE_DATE,
        Datum::Time(_) | Datum::TimeTz(..) => c::TYPE_TIME,
        Datum::Timestamp(_) | Datum::TimestampTz(_) => c::TYPE_TIMESTAMP,
        Datum::Uuid(_) => c::GUID,
        _ => c::CHAR,
    }
}

/// Writes `datum` into `out` as C type `target`.
///
/// For CHAR, WCHAR and BINARY, `offset` is how many bytes earlier SQLGetData calls already
/// delivered; the value continues from there and `total` counts what remained. For fixed
/// targets `out` must be at least [`fixed_size`] bytes (ODBC ignores BufferLength for them);
/// a shorter slice gets nothing written and `truncated` set. When `offset` is at or past
/// the end of the value nothing remains (`len` 0, `total` Some(0)): SQLGetData should then
/// answer SQL_NO_DATA. SQL_C_DEFAULT is resolved from the datum's own kind.
pub fn write_datum(
    datum: &Datum<'_>,
    target: i16,
    out: &mut [u8],
    offset: usize,
) -> Result<Written, ConvertError> {
    let target = if target == c::DEFAULT {
        default_for_datum(datum)
    } else {
        target
    };
    match target {
        c::CHAR => Ok(write_piece(char_text(datum).as_bytes(), out, offset, 1)),
        c::WCHAR => {
            let wide = super::wide::encode(&char_text(datum));
            Ok(write_piece(&wide, out, offset, super::wide::unit()))
        }
        c::BINARY => match datum {
            Datum::Bytes(b) => Ok(write_piece(b, out, offset, 0)),
            _ => Ok(write_piece(char_text(datum).as_bytes(), out, offset, 0)),
        },
        c::BIT => write_bit(datum, out),
        c::TINYINT | c::STINYINT => write_int(datum, out, i8::MIN.into(), i8::MAX.into(), 1),
        c::UTINYINT => write_int(datum, out, 0, u8::MAX.into(), 1),
        c::SHORT | c::SSHORT => write_int(datum, out, i16::MIN.into(), i16::MAX.into(), 2),
        c::USHORT => write_int(datum, out, 0, u16::MAX.into(), 2),
        c::LONG | c::SLONG => write_int(datum, out, i32::MIN.into(), i32::MAX.into(), 4),
        c::ULONG => write_int(datum, out, 0, u32::MAX.into(), 4),
        c::SBIGINT => write_int(datum, out, i64::MIN.into(), i64::MAX.into(), 8),
        c::UBIGINT => write_int(datum, out, 0, u64::MAX.into(), 8),
        c::DOUBLE => {
            let v = number(datum)?.to_f64()?;
            Ok(put_fixed(out, &v.to_ne_bytes(), false))
        }
        c::FLOAT => {
            let v = number(datum)?.to_f32()?;
            Ok(put_fixed(out, &v.to_ne_bytes(), false))
        }
        c::NUMERIC => write_numeric(datum, out),
        c::DATE | c::TYPE_DATE => write_date(datum, out),
        c::TIME | c::TYPE_TIME => write_time(datum, out),
        c::TIMESTAMP | c::TYPE_TIMESTAMP => write_timestamp(datum, out),
        c::GUID => write_guid(datum, out),
        c::INTERVAL_YEAR..=c::INTERVAL_MINUTE_TO_SECOND => write_interval(datum, target, out),
        _ => Err(ConvertError::Unsupported),
    }
}

/// The conversions that dominate bulk reads, straight from a binary column value: an integer
/// or float column into its own C type, and character data into SQL_C_CHAR. Each gives
/// exactly what `value::decode` followed by [`write_datum`] gives, without building a
/// [`Datum`]; `None` leaves every other pair, and any value of an unexpected size or
/// encoding, to that general path (which reports the error).
#[inline]
pub fn write_direct(
    type_oid: u32,
    target: i16,
    raw: &[u8],
    out: &mut [u8],
    offset: usize,
) -> Option<Written> {
    use crate::engine::value::oid;
    let written = match (type_oid, target) {
        (oid::INT4, c::SLONG | c::LONG) => put_fixed(
            out,
            &i32::from_be_bytes(raw.try_into().ok()?).to_ne_bytes(),
            false,
        ),
        (oid::INT8, c::SBIGINT) => put_fixed(
            out,
            &i64::from_be_bytes(raw.try_into().ok()?).to_ne_bytes(),
            false,
        ),
        (oid::INT2, c::SSHORT | c::SHORT) => put_fixed(
            out,
            &i16::from_be_bytes(raw.try_into().ok()?).to_ne_bytes(),
            false,
        ),
        (oid::FLOAT8, c::DOUBLE) => put_fixed(
            out,
            &f64::from_be_bytes(raw.try_into().ok()?).to_ne_bytes(),
            false,
        ),
        (oid::FLOAT4, c::DOUBLE) => put_fixed(
            out,
            &float4_as_f64(f32::from_be_bytes(raw.try_into().ok()?)).to_ne_bytes(),
            false,
        ),
        (oid::TEXT | oid::VARCHAR | oid::BPCHAR | oid::NAME, c::CHAR) => {
            std::str::from_utf8(raw).ok()?;
            write_piece(raw, out, offset, 1)
        }
        _ => return None,
    };
    Some(written)
}

/// Text for character targets: PostgreSQL's text form, except bool as "1"/"0".
fn char_text<'d>(datum: &'d Datum<'_>) -> Cow<'d, str> {
    match datum {
        Datum::Bool(b) => Cow::Borrowed(if *b { "1" } else { "0" }),
        _ => datum.to_text(),
    }
}

/// Delivers `data[offset..]` into `out`, leaving room for a `terminator`-byte NUL
/// (0 for binary). Truncation keeps whole terminator-sized units, so UTF-16 is never
/// split inside a code unit.
#[inline]
fn write_piece(data: &[u8], out: &mut [u8], offset: usize, terminator: usize) -> Written {
    let rest = data.get(offset..).unwrap_or_default();
    let room = out.len().saturating_sub(terminator);
    let mut n = rest.len().min(room);
    if terminator > 1 {
        n -= n % terminator;
    }
    out[..n].copy_from_slice(&rest[..n]);
    if terminator > 0 && out.len() >= n + terminator {
        out[n..n + terminator].fill(0);
    }
    Written {
        len: n,
        total: Some(rest.len()),
        truncated: n < rest.len(),
        fractional_truncation: false,
    }
}

/// Copies a fixed-size struct image into `out`.
#[inline]
fn put_fixed(out: &mut [u8], bytes: &[u8], fractional_truncation: bool) -> Written {
    match out.get_mut(..bytes.len()) {
        Some(dst) => {
            dst.copy_from_slice(bytes);
            Written {
                len: bytes.len(),
                total: Some(bytes.len()),
                truncated: false,
                fractional_truncation,
            }
        }
        None => Written {
            len: 0,
            total: Some(bytes.len()),
            truncated: true,
            fractional_truncation: false,
        },
    }
}

// ---------------------------------------------------------------------------------------
// Numbers

/// An exact decimal: `digits` (ASCII, no leading zeros; empty means zero) × 10^`exp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decimal {
    pub neg: bool,
    pub digits: Vec<u8>,
    pub exp: i64,
}

/// Parses a numeric literal: optional sign, digits with an optional point, optional
/// exponent. Surrounding white space is allowed (ODBC trims character data).
pub(crate) fn parse_decimal(s: &str) -> Option<Decimal> {
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

fn write_int(
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
fn write_bit(datum: &Datum<'_>, out: &mut [u8]) -> Result<Written, ConvertError> {
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
/// (or a scale above 38) are dropped from the fraction with 01S07.
fn write_numeric(datum: &Datum<'_>, out: &mut [u8]) -> Result<Written, ConvertError> {
    let dec = match number(datum)? {
        Number::Exact(d) => d,
        Number::Float(f) => {
            if !f.is_finite() {
                return Err(ConvertError::OutOfRange);
            }
            parse_decimal(&format!("{f:e}")).ok_or(ConvertError::OutOfRange)?
        }
    };
    let (bytes, frac) = numeric_struct(&dec)?;
    Ok(put_fixed(out, &bytes, frac))
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

// ---------------------------------------------------------------------------------------
// Dates and times

const NANOS_PER_MICRO: i64 = 1_000;
const NANOS_PER_SEC: i64 = 1_000_000_000;
const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SEC;

/// A datetime drawn from a datum: a calendar day (days since 2000-01-01) and/or a time of
/// day in nanoseconds.
struct Moment {
    days: Option<i64>,
    nanos: Option<i64>,
    /// Character source (errors are 22018 rather than 07006).
    from_text: bool,
}

fn moment(datum: &Datum<'_>) -> Result<Moment, ConvertError> {
    let stamp = |micros: i64| -> Result<Moment, ConvertError> {
        if micros == i64::MIN || micros == i64::MAX {
            return Err(ConvertError::Infinite);
        }
        Ok(Moment {
            days: Some(micros.div_euclid(USECS_PER_DAY)),
            nanos: Some(micros.rem_euclid(USECS_PER_DAY) * NANOS_PER_MICRO),
            from_text: false,
        })
    };
    match datum {
        Datum::Date(d) => {
            if *d == i32::MIN || *d == i32::MAX {
                return Err(ConvertError::Infinite);
            }
            Ok(Moment {
                days: Some((*d).into()),
                nanos: None,
                from_text: false,
            })
        }
        Datum::Timestamp(t) | Datum::TimestampTz(t) => stamp(*t),
        Datum::Time(t) | Datum::TimeTz(t, _) => {
            let nanos = t
                .checked_mul(NANOS_PER_MICRO)
                .ok_or(ConvertError::InvalidDatetime)?;
            Ok(Moment {
                days: None,
                nanos: Some(nanos),
                from_text: false,
            })
        }
        Datum::Text(s) => text_moment(s),
        Datum::Other(s) => text_moment(s),
        _ => Err(ConvertError::Unsupported),
    }
}

fn text_moment(s: &str) -> Result<Moment, ConvertError> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("infinity")
        || t.eq_ignore_ascii_case("-infinity")
        || t.eq_ignore_ascii_case("+infinity")
    {
        return Err(ConvertError::Infinite);
    }
    let (days, nanos) = parse_datetime_text(t).ok_or(ConvertError::InvalidCast)?;
    Ok(Moment {
        days,
        nanos,
        from_text: true,
    })
}

/// Today in UTC as days since 2000-01-01: ODBC fills the date of a time-only value
/// converted to a timestamp with the current date.
pub(crate) fn today() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    i64::try_from(secs / 86_400).unwrap_or(0) - 10_957
}

fn date_fields(days: i64) -> Result<(i16, u16, u16), ConvertError> {
    let (y, m, d) = civil_from_pg_days(days);
    let y = i16::try_from(y).map_err(|_| ConvertError::OutOfRange)?;
    let m = u16::try_from(m).map_err(|_| ConvertError::OutOfRange)?;
    let d = u16::try_from(d).map_err(|_| ConvertError::OutOfRange)?;
    Ok((y, m, d))
}

/// (hour, minute, second, nanosecond fraction) of a time of day.
fn time_fields(nanos: i64) -> Result<(u16, u16, u16, u32), ConvertError> {
    let secs = nanos.div_euclid(NANOS_PER_SEC);
    let frac = nanos.rem_euclid(NANOS_PER_SEC);
    let conv = |v: i64| u16::try_from(v).map_err(|_| ConvertError::OutOfRange);
    Ok((
        conv(secs / 3600)?,
        conv(secs / 60 % 60)?,
        conv(secs % 60)?,
        u32::try_from(frac).map_err(|_| ConvertError::OutOfRange)?,
    ))
}

fn write_date(datum: &Datum<'_>, out: &mut [u8]) -> Result<Written, ConvertError> {
    let m = moment(datum)?;
    let Some(days) = m.days else {
        // time -> date is not a conversion ODBC defines.
        return Err(if m.from_text {
            ConvertError::InvalidCast
        } else {
            ConvertError::Unsupported
        });
    };
    let (y, mo, d) = date_fields(days)?;
    let mut bytes = [0u8; 6];
    bytes[0..2].copy_from_slice(&y.to_ne_bytes());
    bytes[2..4].copy_from_slice(&mo.to_ne_bytes());
    bytes[4..6].copy_from_slice(&d.to_ne_bytes());
    Ok(put_fixed(out, &bytes, m.nanos.is_some_and(|n| n != 0)))
}

fn write_time(datum: &Datum<'_>, out: &mut [u8]) -> Result<Written, ConvertError> {
    let m = moment(datum)?;
    let Some(nanos) = m.nanos else {
        return Err(if m.from_text {
            ConvertError::InvalidCast
        } else {
            ConvertError::Unsupported
        });
    };
    let (h, mi, s, frac) = time_fields(nanos)?;
    let mut bytes = [0u8; 6];
    bytes[0..2].copy_from_slice(&h.to_ne_bytes());
    bytes[2..4].copy_from_slice(&mi.to_ne_bytes());
    bytes[4..6].copy_from_slice(&s.to_ne_bytes());
    Ok(put_fixed(out, &bytes, frac != 0))
}

fn write_timestamp(datum: &Datum<'_>, out: &mut [u8]) -> Result<Written, ConvertError> {
    let m = moment(datum)?;
    let mut days = m.days.unwrap_or_else(today);
    let mut nanos = m.nanos.unwrap_or(0);
    // 24:00:00 is a valid PostgreSQL time; as a timestamp it is the next midnight.
    if nanos >= NANOS_PER_DAY {
        days += nanos / NANOS_PER_DAY;
        nanos %= NANOS_PER_DAY;
    }
    let (y, mo, d) = date_fields(days)?;
    let (h, mi, s, frac) = time_fields(nanos)?;
    let mut bytes = [0u8; 16];
    bytes[0..2].copy_from_slice(&y.to_ne_bytes());
    for (i, v) in [mo, d, h, mi, s].into_iter().enumerate() {
        bytes[2 + 2 * i..4 + 2 * i].copy_from_slice(&v.to_ne_bytes());
    }
    bytes[12..16].copy_from_slice(&frac.to_ne_bytes());
    Ok(put_fixed(out, &bytes, false))
}

/// Parses ISO date/time text ("2024-01-02", "2024-01-02 03:04:05.123", "03:04:05",
/// "2024-01-02T03:04:05+02", "0044-03-15 BC") and ODBC escapes ({d '...'}, {t '...'},
/// {ts '...'}). A trailing zone is accepted and ignored. Returns (days, nanos of day).
pub(crate) fn parse_datetime_text(s: &str) -> Option<(Option<i64>, Option<i64>)> {
    let mut s = s.trim();
    if let Some(inner) = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        let inner = inner.trim();
        let body = inner
            .strip_prefix("ts")
            .or_else(|| inner.strip_prefix('d'))
            .or_else(|| inner.strip_prefix('t'))?
            .trim();
        s = body.strip_prefix('\'')?.strip_suffix('\'')?;
    }
    let (s, bc) = match s.len().checked_sub(3).and_then(|i| s.get(i..)) {
        Some(tail) if tail.eq_ignore_ascii_case(" bc") => (s[..s.len() - 3].trim_end(), true),
        _ => (s, false),
    };
    let mut cur = Cursor {
        s: s.as_bytes(),
        pos: 0,
    };
    // A date has a '-' after its leading digits; a time has a ':'.
    let lead = cur.peek_digits();
    let days = if cur.s.get(lead) == Some(&b'-') {
        let y = cur.number(1, 9)?;
        cur.expect(b'-')?;
        let m = u32::try_from(cur.number(1, 2)?).ok()?;
        cur.expect(b'-')?;
        let d = u32::try_from(cur.number(1, 2)?).ok()?;
        let y = if bc { 1 - y } else { y };
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        if cur.done() {
            return Some((Some(pg_days_from_civil(y, m, d)), None));
        }
        match cur.next()? {
            b' ' | b'T' | b't' => {}
            _ => return None,
        }
        Some(pg_days_from_civil(y, m, d))
    } else {
        if bc {
            return None;
        }
        None
    };
    let h = cur.number(1, 2)?;
    cur.expect(b':')?;
    let mi = cur.number(2, 2)?;
    let mut sec = 0;
    let mut frac_nanos = 0;
    if cur.eat(b':') {
        sec = cur.number(2, 2)?;
        if cur.eat(b'.') {
            let start = cur.pos;
            let digits = cur.number(1, 18)?;
            let n = cur.pos - start;
            // Keep nanoseconds; further digits are dropped (ODBC's fraction is ns).
            frac_nanos = if n <= 9 {
                digits * 10i64.pow(u32::try_from(9 - n).ok()?)
            } else {
                digits / 10i64.pow(u32::try_from(n - 9).ok()?)
            };
        }
    }
    let valid =
        (h < 24 && mi < 60 && sec < 60) || (h == 24 && mi == 0 && sec == 0 && frac_nanos == 0);
    if !valid {
        return None;
    }
    // Optional zone: Z, or +hh[[:]mm[[:]ss]].
    let rest = std::str::from_utf8(&cur.s[cur.pos..]).ok()?.trim_start();
    if !(rest.is_empty() || rest.eq_ignore_ascii_case("z") || is_zone(rest)) {
        return None;
    }
    let nanos = ((h * 60 + mi) * 60 + sec) * NANOS_PER_SEC + frac_nanos;
    Some((days, Some(nanos)))
}

fn is_zone(s: &str) -> bool {
    let Some(body) = s.strip_prefix('+').or_else(|| s.strip_prefix('-')) else {
        return false;
    };
    !body.is_empty()
        && body.len() <= 8
        && body.bytes().all(|b| b.is_ascii_digit() || b == b':')
        && body.as_bytes()[0].is_ascii_digit()
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek_digits(&self) -> usize {
        self.s[self.pos..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
            + self.pos
    }
    fn done(&self) -> bool {
        self.pos >= self.s.len()
    }
    fn next(&mut self) -> Option<u8> {
        let b = *self.s.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }
    fn eat(&mut self, b: u8) -> bool {
        if self.s.get(self.pos) == Some(&b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, b: u8) -> Option<()> {
        self.eat(b).then_some(())
    }
    /// Between `min` and `max` decimal digits.
    fn number(&mut self, min: usize, max: usize) -> Option<i64> {
        let end = self.peek_digits();
        let n = end - self.pos;
        if n < min || n > max {
            return None;
        }
        let v = std::str::from_utf8(&self.s[self.pos..end])
            .ok()?
            .parse()
            .ok()?;
        self.pos = end;
        Some(v)
    }
}

// ---------------------------------------------------------------------------------------
// GUID

/// SQLGUID: u32, u16, u16 in native byte order, then 8 bytes as they are.
/// SQL_INTERVAL_STRUCT for an interval column (see the module notes for the rules).
fn write_interval(datum: &Datum<'_>, target: i16, out: &mut [u8]) -> Result<Written, ConvertError> {
    const US_PER_SECOND: u128 = 1_000_000;
    const US_PER_MINUTE: u128 = 60 * US_PER_SECOND;
    const US_PER_HOUR: u128 = 60 * US_PER_MINUTE;
    const US_PER_DAY: u128 = 24 * US_PER_HOUR;
    let Datum::Interval {
        months,
        days,
        micros,
    } = *datum
    else {
        return Err(ConvertError::Unsupported);
    };
    // SQL_IS_YEAR (1) .. SQL_IS_MINUTE_TO_SECOND (13): the C type code less 100.
    let code = target - 100;
    let field = |v: u128| u32::try_from(v).map_err(|_| ConvertError::IntervalOverflow);
    // Fields in struct order: year, month (year-month); day, hour, minute, second, fraction.
    let mut fields = [0u32; 5];
    let (negative, truncated) = if matches!(code, 1 | 2 | 7) {
        let m = u128::from(months.unsigned_abs());
        let (year, month, rest) = match code {
            1 => (m / 12, 0, m % 12),
            2 => (0, m, 0),
            _ => (m / 12, m % 12, 0),
        };
        fields[0] = field(year)?;
        fields[1] = field(month)?;
        (months < 0, rest != 0 || days != 0 || micros != 0)
    } else {
        if months != 0 {
            return Err(ConvertError::IntervalOverflow);
        }
        let total =
            i128::from(days) * i128::try_from(US_PER_DAY).unwrap_or(i128::MAX) + i128::from(micros);
        let us = total.unsigned_abs();
        // The leading field takes everything above it; the trailing ones what is left.
        let (day, hour, minute, second, fraction, rest) = match code {
            3 => (us / US_PER_DAY, 0, 0, 0, 0, us % US_PER_DAY),
            4 => (0, us / US_PER_HOUR, 0, 0, 0, us % US_PER_HOUR),
            5 => (0, 0, us / US_PER_MINUTE, 0, 0, us % US_PER_MINUTE),
            6 => (0, 0, 0, us / US_PER_SECOND, us % US_PER_SECOND, 0),
            8 => (
                us / US_PER_DAY,
                us % US_PER_DAY / US_PER_HOUR,
                0,
                0,
                0,
                us % US_PER_HOUR,
            ),
            9 => (
                us / US_PER_DAY,
                us % US_PER_DAY / US_PER_HOUR,
                us % US_PER_HOUR / US_PER_MINUTE,
                0,
                0,
                us % US_PER_MINUTE,
            ),
            10 => (
                us / US_PER_DAY,
                us % US_PER_DAY / US_PER_HOUR,
                us % US_PER_HOUR / US_PER_MINUTE,
                us % US_PER_MINUTE / US_PER_SECOND,
                us % US_PER_SECOND,
                0,
            ),
            11 => (
                0,
                us / US_PER_HOUR,
                us % US_PER_HOUR / US_PER_MINUTE,
                0,
                0,
                us % US_PER_MINUTE,
            ),
            12 => (
                0,
                us / US_PER_HOUR,
                us % US_PER_HOUR / US_PER_MINUTE,
                us % US_PER_MINUTE / US_PER_SECOND,
                us % US_PER_SECOND,
                0,
            ),
            _ => (
                0,
                0,
                us / US_PER_MINUTE,
                us % US_PER_MINUTE / US_PER_SECOND,
                us % US_PER_SECOND,
                0,
            ),
        };
        for (slot, v) in fields.iter_mut().zip([day, hour, minute, second, fraction]) {
            *slot = field(v)?;
        }
        (total < 0, rest != 0)
    };
    let mut bytes = [0u8; INTERVAL_STRUCT_SIZE];
    bytes[0..4].copy_from_slice(&i32::from(code).to_ne_bytes());
    bytes[4..6].copy_from_slice(&i16::from(negative).to_ne_bytes());
    for (i, v) in fields.iter().enumerate() {
        bytes[8 + 4 * i..12 + 4 * i].copy_from_slice(&v.to_ne_bytes());
    }
    Ok(put_fixed(out, &bytes, truncated))
}

fn write_guid(datum: &Datum<'_>, out: &mut [u8]) -> Result<Written, ConvertError> {
    let u = match datum {
        Datum::Uuid(u) => *u,
        Datum::Text(s) => parse_uuid(s).ok_or(ConvertError::InvalidCast)?,
        Datum::Other(s) => parse_uuid(s).ok_or(ConvertError::InvalidCast)?,
        _ => return Err(ConvertError::Unsupported),
    };
    let mut bytes = [0u8; 16];
    bytes[0..4].copy_from_slice(&u32::from_be_bytes([u[0], u[1], u[2], u[3]]).to_ne_bytes());
    bytes[4..6].copy_from_slice(&u16::from_be_bytes([u[4], u[5]]).to_ne_bytes());
    bytes[6..8].copy_from_slice(&u16::from_be_bytes([u[6], u[7]]).to_ne_bytes());
    bytes[8..16].copy_from_slice(&u[8..16]);
    Ok(put_fixed(out, &bytes, false))
}

/// Hyphenated or plain hex, optionally in braces, like PostgreSQL's uuid input.
fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let s = s.trim();
    let s = s
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or(s);
    let hex: Vec<u8> = s.bytes().filter(|&b| b != b'-').collect();
    if hex.len() != 32 || s.starts_with('-') || s.ends_with('-') || s.contains("--") {
        return None;
    }
    let mut u = [0u8; 16];
    for (i, pair) in hex.chunks_exact(2).enumerate() {
        let hi = char::from(pair[0]).to_digit(16)?;
        let lo = char::from(pair[1]).to_digit(16)?;
        u[i] = u8::try_from(hi * 16 + lo).ok()?;
    }
    Some(u)
}

#[cfg(test)]
mod tests;
