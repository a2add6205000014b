//! Writing a decoded column value ([`Datum`]) into an application buffer of a given
//! SQL_C_* type, following the ODBC "Converting Data from SQL to C Data Types" rules.
//!
//! Pure functions over byte slices: the FFI layer hands us the application's buffer as a
//! slice and turns [`Written`] into the indicator and SQLSTATE warnings.
//!
//! By target kind: `numeric` (integers, floats, bit, SQL_NUMERIC_STRUCT), `datetime`
//! (date/time/timestamp structs), `interval`, `guid`; character and binary targets, the
//! dispatch ([`write_datum`]) and the bulk-read fast path ([`write_direct`]) are here.
//!
//! Decisions worth knowing:
//! - SQL_C_BINARY: bytea as its bytes, uuid as an SQLGUID and int4 as its native 4 bytes (as
//!   psqlODBC gives them), every other type as its text.
//! - bool renders as "1"/"0" in character targets (what psqlODBC does and what ODBC's
//!   SQL_BIT-to-character rule gives), not PostgreSQL's "t"/"f".
//! - Character truncation is by bytes (SQL_C_CHAR) or by whole UTF-16 units (SQL_C_WCHAR),
//!   exactly BufferLength minus the terminator, even if that splits a multibyte character:
//!   applications (odbc-api, pyodbc) size the next SQLGetData piece from that arithmetic,
//!   and concatenating the pieces restores the text.
//! - infinity / -infinity dates and timestamps have no ODBC struct form: as psqlODBC, they
//!   become 9999-12-31 23:59:59 and -9999-01-01 00:00:00 (dates without the time).
//! - Years outside i16 fail with 22003. Years BC use astronomical numbering (1 BC = 0).
//! - timestamptz values are delivered as the wall time of the session's zone; timetz keeps its
//!   local time and drops the zone.
//! - SQL_C_INTERVAL_* targets take interval columns. PostgreSQL keeps months apart from days
//!   and microseconds, and a month has no fixed length: a year-month target drops the day-time
//!   part (01S07), and a day-time target refuses an interval with months (22015). Days count as
//!   24 hours, as PostgreSQL compares intervals. Fractions are microseconds (the default
//!   seconds precision, 6). Character data holding an interval in any IntervalStyle (or an
//!   ODBC interval literal's form) converts too, as psqlODBC reads it; other text is 22018.
// The crate denies lossy casts (Cargo.toml); values from the wire also never unwrap here.
#![deny(clippy::unwrap_used, clippy::expect_used)]

mod datetime;
mod guid;
mod interval;
mod interval_text;
mod numeric;
mod reading;
mod wide_text;

pub(crate) use datetime::today;
pub use numeric::{float4_as_f64, rescale_numeric};
pub use reading::{lf_line_ends, Reading};
pub use wide_text::{write_wide_text, WideCursor};

use datetime::{write_date, write_time, write_timestamp};
use guid::write_guid;
use interval::write_interval;
use numeric::{write_bit, write_double, write_float, write_int, write_numeric};
use std::borrow::Cow;
use std::fmt;

use tokio_postgres::types::{Kind, Type};

use crate::engine::value::Datum;

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
    /// 22015: an interval the target's fields cannot hold.
    IntervalOverflow,
    /// 22021: character data with a NUL inside, which PostgreSQL text cannot hold (see
    /// [`super::nul`]); the 1-based character position of the NUL.
    NulInText(usize),
}

impl ConvertError {
    pub fn sqlstate(&self) -> &'static str {
        match self {
            ConvertError::OutOfRange => "22003",
            ConvertError::InvalidCast => "22018",
            ConvertError::Unsupported => "07006",
            ConvertError::InvalidDatetime => "22007",
            ConvertError::IntervalOverflow => "22015",
            ConvertError::NulInText(_) => "22021",
        }
    }

    pub fn message(&self) -> String {
        match self {
            ConvertError::OutOfRange => "Numeric value out of range",
            ConvertError::InvalidCast => "Invalid character value for cast specification",
            ConvertError::Unsupported => "Restricted data type attribute violation",
            ConvertError::InvalidDatetime => "Invalid datetime format",
            ConvertError::IntervalOverflow => "Interval field overflow",
            ConvertError::NulInText(position) => {
                return super::nul::message("the character value", *position)
            }
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
    // A large object reads as its bytes (psqlODBC's SQL_C_BINARY for its `lo` type).
    if crate::odbc::types::is_large_object(ty) {
        return c::BINARY;
    }
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
            // As psqlODBC: a uuid as its SQLGUID, an int4 as its native 4 bytes (psqlODBC's
            // variable-length bookmark); everything else as its text.
            Datum::Uuid(u) => Ok(write_piece(&guid::guid_bytes(u), out, offset, 0)),
            Datum::Int4(v) => Ok(write_piece(&v.to_ne_bytes(), out, offset, 0)),
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
        c::DOUBLE => write_double(datum, out),
        c::FLOAT => write_float(datum, out),
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
#[inline(always)]
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
            // The first piece checks the whole value; checking it again for every later
            // SQLGetData piece would make a piecewise read quadratic.
            // ASCII (most text) is checked a word at a time.
            if offset == 0 && !raw.is_ascii() {
                std::str::from_utf8(raw).ok()?;
            }
            write_piece(raw, out, offset, 1)
        }
        _ => return None,
    };
    Some(written)
}

/// Column types [`write_direct`] reads for some C type: a cell of any other type never
/// takes that path.
#[inline]
pub fn reads_directly(type_oid: u32) -> bool {
    use crate::engine::value::oid;
    is_plain_text(type_oid)
        || matches!(
            type_oid,
            oid::INT2 | oid::INT4 | oid::INT8 | oid::FLOAT4 | oid::FLOAT8
        )
}

/// Column types whose binary value is the UTF-8 text itself, which the text fast paths
/// ([`write_direct`] for SQL_C_CHAR, [`write_wide_text`] for SQL_C_WCHAR) read directly.
#[inline]
pub fn is_plain_text(type_oid: u32) -> bool {
    use crate::engine::value::oid;
    matches!(type_oid, oid::TEXT | oid::VARCHAR | oid::BPCHAR | oid::NAME)
}

/// Text for character targets: PostgreSQL's text form, except bool as "1"/"0" and uuid in
/// capitals (as psqlODBC writes both).
pub(crate) fn char_text<'d>(datum: &'d Datum<'_>) -> Cow<'d, str> {
    match datum {
        Datum::Bool(b) => Cow::Borrowed(if *b { "1" } else { "0" }),
        Datum::Uuid(_) => Cow::Owned(datum.to_text().to_ascii_uppercase()),
        _ => datum.to_text(),
    }
}

/// Delivers `data[offset..]` into `out`, leaving room for a `terminator`-byte NUL
/// (0 for binary). Truncation keeps whole terminator-sized units, so UTF-16 is never
/// split inside a code unit.
#[inline]
pub(crate) fn write_piece(
    data: &[u8],
    out: &mut [u8],
    offset: usize,
    terminator: usize,
) -> Written {
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

#[cfg(test)]
mod tests;
