//! Turning a bound application parameter into PostgreSQL text format.
//!
//! The driver sends every parameter in text format, of the type its SQL type names
//! ([`server_type_of`]) or, where that leaves it open, of the type the server infers from the
//! statement, so every C type becomes the literal text PostgreSQL's input functions accept. Producing text (bytea as `\x` hex) keeps one code
//! path for all parameters; there is no binary parameter variant.
//!
//! Decisions:
//! - SQL_C_CHAR / SQL_C_WCHAR data may end in NULs (a length that counts the terminator, a
//!   zero-padded buffer's full length): they are dropped. A NUL with text after it is 22021:
//!   PostgreSQL text cannot hold NUL, and cutting the value there would lose the rest silently
//!   (see [`super::nul`]). SQL_C_BINARY sent as character data may hold no NUL at all.
//! - SQL_C_CHAR / SQL_C_WCHAR bound to a binary SQL type are hex digits (ODBC's rule) and
//!   become bytea `\x` text.
//! - SQL_C_TIMESTAMP fractions finer than PostgreSQL's microseconds are truncated (ODBC's
//!   rule, with 01S07), not left to the server, which would round 23:59:59.999999999 into the
//!   next day.
//! - SQL_C_NUMERIC uses the scale stored in the struct (as psqlODBC does); when the
//!   application set the APD's SQL_DESC_PRECISION (and SCALE), the statement layer puts the
//!   descriptor's into the struct first, as ODBC defines them.
//! - SQL_C_FLOAT renders the shortest text that round-trips the f32 ("0.1", not
//!   "0.100000001490116"), SQL_C_DOUBLE likewise for f64.
//! - SQL_C_INTERVAL_* structs become interval text in unit words ("-1 days -2 hours ...");
//!   the fields of the C type's interval kind and the larger ones of its family count (as
//!   psqlODBC sends them: SQL_C_INTERVAL_MINUTE keeps days and hours).
//! - A fixed-size C type with fewer bytes than its struct is 22018 (the caller slices
//!   exactly [`c_type_len`] bytes, so this only guards against misuse).
// The crate denies lossy casts (Cargo.toml); values from the wire also never unwrap here.
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;

use super::convert::{c, fixed_size, today, ConvertError};
use crate::engine::value::{
    civil_from_pg_days, days_in_month, float4_text, float8_text, uuid_text,
};

/// SQL data type codes (the `ParameterType` of SQLBindParameter).
pub use super::types::sql;

/// Byte size of a fixed-length C type; `None` for CHAR, WCHAR, BINARY (and unknown codes),
/// whose length comes from the indicator.
pub fn c_type_len(c_type: i16) -> Option<usize> {
    fixed_size(c_type)
}

/// The C type SQL_C_DEFAULT stands for, given the parameter's SQL type (ODBC's table of
/// default C data types).
fn default_c_for_sql(sql_type: i16) -> Option<i16> {
    Some(match sql_type {
        sql::CHAR | sql::VARCHAR | sql::LONGVARCHAR | sql::NUMERIC | sql::DECIMAL => c::CHAR,
        sql::WCHAR | sql::WVARCHAR | sql::WLONGVARCHAR => c::WCHAR,
        sql::BIT => c::BIT,
        sql::TINYINT => c::STINYINT,
        sql::SMALLINT => c::SSHORT,
        sql::INTEGER => c::SLONG,
        sql::BIGINT => c::SBIGINT,
        sql::REAL => c::FLOAT,
        sql::FLOAT | sql::DOUBLE => c::DOUBLE,
        sql::BINARY | sql::VARBINARY | sql::LONGVARBINARY => c::BINARY,
        sql::DATE | sql::TYPE_DATE => c::TYPE_DATE,
        sql::TIME | sql::TYPE_TIME => c::TYPE_TIME,
        sql::TIMESTAMP | sql::TYPE_TIMESTAMP => c::TYPE_TIMESTAMP,
        sql::GUID => c::GUID,
        _ => return None,
    })
}

/// The PostgreSQL type (oid) a parameter of SQL type `sql_type` is sent as; 0 leaves the
/// type to the statement. The same table as psqlODBC's, which writes it as a cast after each
/// marker at execution (`$1::int4`): character types, SQL_BIT, SQL_FLOAT/SQL_DOUBLE and
/// SQL_LONGVARBINARY get none, so the server infers them as before. A cast applied to a bare
/// parameter gives the parameter that type, so sending the type in the Parse message instead
/// is the same to the server and leaves the SQL text alone.
pub fn server_type_of(sql_type: i16) -> u32 {
    match sql_type {
        sql::BINARY | sql::VARBINARY => 17, // bytea
        sql::DATE | sql::TYPE_DATE => 1082,
        sql::DECIMAL | sql::NUMERIC => 1700,
        sql::BIGINT => 20,
        sql::INTEGER => 23,
        sql::REAL => 700,
        sql::SMALLINT | sql::TINYINT => 21,
        sql::TIME | sql::TYPE_TIME => 1083,
        sql::TIMESTAMP | sql::TYPE_TIMESTAMP => 1114,
        sql::GUID => 2950,
        // SQL_INTERVAL_YEAR (101) .. SQL_INTERVAL_MINUTE_TO_SECOND (113)
        101..=113 => 1186,
        _ => 0,
    }
}

fn is_binary_sql(sql_type: i16) -> bool {
    matches!(sql_type, sql::BINARY | sql::VARBINARY | sql::LONGVARBINARY)
}

fn is_datetime_sql(sql_type: i16) -> bool {
    matches!(
        sql_type,
        sql::DATE | sql::TYPE_DATE | sql::TIME | sql::TYPE_TIME
    ) || is_timestamp_sql(sql_type)
}

/// The literal inside an ODBC date/time escape: `{d '2024-01-02'}` gives `2024-01-02` (also
/// `t` and `ts`, any case, spaces around the parts); `None` for anything else.
fn datetime_escape_literal(s: &str) -> Option<&str> {
    let inner = s.trim().strip_prefix('{')?.strip_suffix('}')?.trim();
    let quote = inner.find('\'')?;
    let kind = inner[..quote].trim();
    if !["d", "t", "ts"]
        .iter()
        .any(|k| kind.eq_ignore_ascii_case(k))
    {
        return None;
    }
    inner[quote..].strip_prefix('\'')?.strip_suffix('\'')
}

fn is_timestamp_sql(sql_type: i16) -> bool {
    matches!(sql_type, sql::TIMESTAMP | sql::TYPE_TIMESTAMP)
}

/// One parameter value as PostgreSQL text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamText {
    pub text: String,
    /// Fractional seconds finer than microseconds were dropped: the caller reports 01S07.
    pub fraction_truncated: bool,
}

/// Renders one parameter value as PostgreSQL text. `data` is exactly the value's bytes:
/// for CHAR/WCHAR/BINARY the length the application gave, for fixed types the struct.
/// SQL NULL never gets here: the caller sees it first in the indicator (SQL_NULL_DATA).
pub fn param_to_text(c_type: i16, sql_type: i16, data: &[u8]) -> Result<ParamText, ConvertError> {
    let c_type = if c_type == c::DEFAULT {
        default_c_for_sql(sql_type).ok_or(ConvertError::Unsupported)?
    } else {
        c_type
    };
    let fixed = |n: usize| data.get(..n).ok_or(ConvertError::InvalidCast);
    let mut fraction_truncated = false;
    let text = match c_type {
        c::CHAR => {
            let text = super::nul::without_terminator(data).map_err(ConvertError::NulInText)?;
            let s = std::str::from_utf8(text).map_err(|_| ConvertError::InvalidCast)?;
            char_param(s, sql_type)?
        }
        c::WCHAR => {
            let s = utf16le(data)?;
            char_param(&s, sql_type)?
        }
        c::BINARY => {
            if is_binary_sql(sql_type) {
                bytea_text(data)
            } else {
                if let Some(position) = super::nul::first_nul(data) {
                    return Err(ConvertError::NulInText(position));
                }
                let s = std::str::from_utf8(data).map_err(|_| ConvertError::InvalidCast)?;
                s.to_string()
            }
        }
        c::BIT => (if fixed(1)?[0] != 0 { "1" } else { "0" }).to_string(),
        c::TINYINT | c::STINYINT => i8::from_ne_bytes(array(fixed(1)?)?).to_string(),
        c::UTINYINT => fixed(1)?[0].to_string(),
        c::SHORT | c::SSHORT => i16::from_ne_bytes(array(fixed(2)?)?).to_string(),
        c::USHORT => u16::from_ne_bytes(array(fixed(2)?)?).to_string(),
        c::LONG | c::SLONG => i32::from_ne_bytes(array(fixed(4)?)?).to_string(),
        c::ULONG => u32::from_ne_bytes(array(fixed(4)?)?).to_string(),
        c::SBIGINT => i64::from_ne_bytes(array(fixed(8)?)?).to_string(),
        c::UBIGINT => u64::from_ne_bytes(array(fixed(8)?)?).to_string(),
        c::FLOAT => float4_text(f32::from_ne_bytes(array(fixed(4)?)?)),
        c::DOUBLE => float8_text(f64::from_ne_bytes(array(fixed(8)?)?)),
        c::NUMERIC => numeric_text(fixed(19)?)?,
        c::DATE | c::TYPE_DATE => {
            let b = fixed(6)?;
            let mut out = String::new();
            let bc = push_date(&mut out, i16_at(b, 0)?, u16_at(b, 2)?, u16_at(b, 4)?)?;
            if bc {
                out.push_str(" BC");
            }
            out
        }
        c::TIME | c::TYPE_TIME => {
            let b = fixed(6)?;
            let mut out = String::new();
            if is_timestamp_sql(sql_type) {
                // ODBC: a time sent to a timestamp takes the current date.
                let (y, m, d) = civil_from_pg_days(today());
                let _ = write!(out, "{y:04}-{m:02}-{d:02} ");
            }
            push_time(&mut out, u16_at(b, 0)?, u16_at(b, 2)?, u16_at(b, 4)?, 0)?;
            out
        }
        c::TIMESTAMP | c::TYPE_TIMESTAMP => {
            let b = fixed(16)?;
            let mut out = String::new();
            let bc = push_date(&mut out, i16_at(b, 0)?, u16_at(b, 2)?, u16_at(b, 4)?)?;
            out.push(' ');
            let fraction = u32::from_ne_bytes(array(&b[12..16])?);
            fraction_truncated = push_time(
                &mut out,
                u16_at(b, 6)?,
                u16_at(b, 8)?,
                u16_at(b, 10)?,
                fraction,
            )?;
            if bc {
                out.push_str(" BC");
            }
            out
        }
        c::GUID => {
            let b = fixed(16)?;
            let mut u = [0u8; 16];
            u[0..4].copy_from_slice(&u32::from_ne_bytes(array(&b[0..4])?).to_be_bytes());
            u[4..6].copy_from_slice(&u16::from_ne_bytes(array(&b[4..6])?).to_be_bytes());
            u[6..8].copy_from_slice(&u16::from_ne_bytes(array(&b[6..8])?).to_be_bytes());
            u[8..16].copy_from_slice(&b[8..16]);
            uuid_text(&u)
        }
        c::INTERVAL_YEAR..=c::INTERVAL_MINUTE_TO_SECOND => interval_text(c_type, fixed(28)?)?,
        _ => return Err(ConvertError::Unsupported),
    };
    Ok(ParamText {
        text,
        fraction_truncated,
    })
}

/// SQL_INTERVAL_STRUCT as PostgreSQL interval text, in unit words so that a leading field may
/// exceed its usual range ("26 hours"). The C type says which fields count (the struct's own
/// interval_type is the application's copy of it); the sign applies to every field, and the
/// fraction is in microseconds (the default seconds precision, 6).
fn interval_text(c_type: i16, b: &[u8]) -> Result<String, ConvertError> {
    let field = |i: usize| -> Result<u32, ConvertError> {
        Ok(u32::from_ne_bytes(array(
            b.get(8 + 4 * i..).unwrap_or_default(),
        )?))
    };
    let sign = if i16_at(b, 4)? != 0 { "-" } else { "" };
    // Which of year, month, day, hour, minute, second are sent for each SQL_IS_* code (C type
    // - 100): as psqlODBC, the type's fields and every larger one of its family (a month
    // interval keeps its years, an hour or minute interval its days), so no field the
    // application filled in is lost.
    let parts: &[usize] = match c_type - 100 {
        1 => &[0],
        2 | 7 => &[0, 1],
        3 => &[2],
        4 | 8 => &[2, 3],
        5 | 9 | 11 => &[2, 3, 4],
        _ => &[2, 3, 4, 5],
    };
    let mut words = Vec::with_capacity(parts.len());
    for &part in parts {
        words.push(match part {
            0 => format!("{sign}{} years", field(0)?),
            1 => format!("{sign}{} mons", field(1)?),
            2 => format!("{sign}{} days", field(0)?),
            3 => format!("{sign}{} hours", field(1)?),
            4 => format!("{sign}{} mins", field(2)?),
            _ => {
                let (seconds, fraction) = (field(3)?, field(4)?);
                if fraction > 999_999 {
                    return Err(ConvertError::InvalidCast);
                }
                format!("{sign}{seconds}.{fraction:06} secs")
            }
        });
    }
    Ok(words.join(" "))
}

fn array<const N: usize>(b: &[u8]) -> Result<[u8; N], ConvertError> {
    b.get(..N)
        .and_then(|s| <[u8; N]>::try_from(s).ok())
        .ok_or(ConvertError::InvalidCast)
}

fn i16_at(b: &[u8], at: usize) -> Result<i16, ConvertError> {
    Ok(i16::from_ne_bytes(array(b.get(at..).unwrap_or_default())?))
}

fn u16_at(b: &[u8], at: usize) -> Result<u16, ConvertError> {
    Ok(u16::from_ne_bytes(array(b.get(at..).unwrap_or_default())?))
}

/// Wide text to a String without its ending NULs; an odd byte count or an unpaired surrogate
/// is 22018, a NUL with text after it 22021.
fn utf16le(data: &[u8]) -> Result<String, ConvertError> {
    let s = super::wide::decode(data).ok_or(ConvertError::InvalidCast)?;
    super::nul::string_without_terminator(s).map_err(ConvertError::NulInText)
}

/// Character data: passed through, except into a binary SQL type, where ODBC defines it as
/// hex digits (a leading `\x` or `0x` is tolerated), and into a date/time SQL type, where an
/// ODBC escape (`{d '2024-01-02'}`, `{t '...'}`, `{ts '...'}`) stands for its literal, as
/// psqlODBC reads it.
fn char_param(s: &str, sql_type: i16) -> Result<String, ConvertError> {
    if is_datetime_sql(sql_type) {
        return Ok(datetime_escape_literal(s).unwrap_or(s).to_string());
    }
    if !is_binary_sql(sql_type) {
        return Ok(s.to_string());
    }
    let hex = s.trim();
    let hex = hex
        .strip_prefix("\\x")
        .or_else(|| hex.strip_prefix("0x"))
        .or_else(|| hex.strip_prefix("0X"))
        .unwrap_or(hex);
    if !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ConvertError::InvalidCast);
    }
    Ok(format!("\\x{}", hex.to_ascii_lowercase()))
}

fn bytea_text(data: &[u8]) -> String {
    let mut out = String::with_capacity(2 + data.len() * 2);
    out.push_str("\\x");
    for b in data {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// SQL_NUMERIC_STRUCT: precision, scale (i8, may be negative), sign (1 = positive,
/// 0 = negative), 16-byte little-endian magnitude. Rendered exactly.
fn numeric_text(b: &[u8]) -> Result<String, ConvertError> {
    let scale = i8::from_ne_bytes([b[1]]);
    let negative = b[2] == 0;
    let magnitude = u128::from_le_bytes(array(&b[3..19])?);
    let digits = magnitude.to_string();
    let mut out = String::new();
    if negative && magnitude != 0 {
        out.push('-');
    }
    match usize::try_from(scale) {
        Ok(0) => out.push_str(&digits),
        Ok(scale) => {
            if digits.len() <= scale {
                out.push_str("0.");
                out.extend(std::iter::repeat_n('0', scale - digits.len()));
                out.push_str(&digits);
            } else {
                let (int, frac) = digits.split_at(digits.len() - scale);
                out.push_str(int);
                out.push('.');
                out.push_str(frac);
            }
        }
        // Negative scale: the magnitude counts tens, hundreds, ...
        Err(_) => {
            out.push_str(&digits);
            if magnitude != 0 {
                out.extend(std::iter::repeat_n('0', usize::from(scale.unsigned_abs())));
            }
        }
    }
    Ok(out)
}

/// "YYYY-MM-DD" after validating the fields; returns whether the year is BC (year <= 0,
/// astronomical numbering: 0 is 1 BC).
fn push_date(out: &mut String, year: i16, month: u16, day: u16) -> Result<bool, ConvertError> {
    let y = i64::from(year);
    let (m, d) = (u32::from(month), u32::from(day));
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return Err(ConvertError::InvalidDatetime);
    }
    let bc = y <= 0;
    let shown = if bc { 1 - y } else { y };
    let _ = write!(out, "{shown:04}-{m:02}-{d:02}");
    Ok(bc)
}

/// "HH:MM:SS[.ffffff]" with trailing fraction zeros dropped. The fraction is truncated to
/// PostgreSQL's microseconds here (the server would round it, 23:59:59.999999999 into the next
/// day); returns whether digits were dropped.
fn push_time(
    out: &mut String,
    h: u16,
    m: u16,
    s: u16,
    fraction_ns: u32,
) -> Result<bool, ConvertError> {
    let valid = (h < 24 && m < 60 && s < 60 && fraction_ns < 1_000_000_000)
        || (h == 24 && m == 0 && s == 0 && fraction_ns == 0);
    if !valid {
        return Err(ConvertError::InvalidDatetime);
    }
    let _ = write!(out, "{h:02}:{m:02}:{s:02}");
    let micros = fraction_ns / 1000;
    if micros != 0 {
        let digits = format!("{micros:06}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    Ok(!fraction_ns.is_multiple_of(1000))
}

#[cfg(test)]
mod tests;
