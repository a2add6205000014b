//! Decoding PostgreSQL binary-format values into [`Datum`], and rendering a datum in
//! PostgreSQL's own text output form.
//!
//! tokio-postgres asks for every result column in binary format, so this is the one place
//! that understands the binary layouts. Nothing here knows about ODBC: the ODBC layer turns
//! a [`Datum`] into application buffers (`crate::odbc::convert`).
//!
//! Every length and count comes from the wire, so every read is bounds-checked and every
//! malformed input is a [`ValueError`], never a panic.
//!
//! This module holds the per-value dispatch ([`decode`]) with the reads every value needs;
//! `scalar` renders the scalar types that have no datum of their own, `composite` arrays,
//! records and ranges, `text` a datum's text form, and `zone` the session's time zone that
//! [`decode_in`] reads timestamptz in.
// The crate denies lossy casts (Cargo.toml); values from the wire also never unwrap here.
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::fmt;

use tokio_postgres::types::{Kind, Type};

mod composite;
mod scalar;
mod text;
mod zone;

use composite::{decode_array, decode_multirange, decode_range, decode_record, ArrayStyle};
use scalar::{decode_bits, decode_geometry, decode_inet, decode_numeric, mac_text, money_text};
use text::hex_text;
/// Only tests outside this module use it.
#[cfg(test)]
pub(crate) use text::USECS_PER_SEC;
pub(crate) use text::{
    civil_from_pg_days, days_in_month, float4_text, float8_text, pg_days_from_civil, uuid_text,
    USECS_PER_DAY,
};
pub use zone::SessionZone;

/// How deep arrays, records and ranges may nest inside each other before we give up.
/// PostgreSQL itself limits arrays to 6 dimensions; the bound protects the stack against
/// hostile or corrupt nesting through records.
pub const MAX_DEPTH: usize = 32;

/// One decoded column value. Borrowed variants point into the row buffer, so decoding a
/// text column costs no copy.
#[derive(Debug, Clone, PartialEq)]
pub enum Datum<'a> {
    Bool(bool),
    Int2(i16),
    Int4(i32),
    Int8(i64),
    Float4(f32),
    Float8(f64),
    /// Exact decimal text, e.g. "-123.4500", "NaN", "Infinity".
    Numeric(String),
    /// text, varchar, bpchar, name, json, jsonb, xml, enum labels, unknown text-like types.
    Text(&'a str),
    /// bytea.
    Bytes(&'a [u8]),
    /// Days since 2000-01-01 (`i32::MIN`/`i32::MAX` = -infinity/infinity).
    Date(i32),
    /// Microseconds since midnight.
    Time(i64),
    /// Microseconds since midnight, zone offset in seconds (PostgreSQL's sign convention:
    /// west of Greenwich is positive, so UTC+02 is -7200).
    TimeTz(i64, i32),
    /// Microseconds since 2000-01-01 00:00:00 (`i64::MIN`/`i64::MAX` = -infinity/infinity).
    Timestamp(i64),
    /// Microseconds since 2000-01-01 00:00:00 UTC.
    TimestampTz(i64),
    Interval {
        months: i32,
        days: i32,
        micros: i64,
    },
    Uuid([u8; 16]),
    Oid(u32),
    /// Any other type, already rendered to PostgreSQL's text form (arrays, inet, ranges,
    /// records, money, bit, geometric types, ...).
    Other(String),
}

/// Why a binary value could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueError {
    /// The bytes do not follow the binary layout of the type.
    Malformed {
        type_name: String,
        reason: &'static str,
    },
    /// A text-like value that is not UTF-8. The session runs with client_encoding UTF8,
    /// so this means corrupt data.
    InvalidUtf8 { type_name: String },
    /// Arrays, records or ranges nested deeper than [`MAX_DEPTH`].
    TooDeep,
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueError::Malformed { type_name, reason } => {
                write!(f, "malformed binary value of type {type_name}: {reason}")
            }
            ValueError::InvalidUtf8 { type_name } => {
                write!(f, "value of type {type_name} is not valid UTF-8")
            }
            ValueError::TooDeep => write!(f, "value nested deeper than {MAX_DEPTH} levels"),
        }
    }
}

impl std::error::Error for ValueError {}

/// Built-in type oids. Matching on oids (rather than `Type` constants, which cannot be
/// used as patterns) keeps the dispatch a single `match`.
pub mod oid {
    pub const BOOL: u32 = 16;
    pub const BYTEA: u32 = 17;
    pub const CHAR: u32 = 18;
    pub const NAME: u32 = 19;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT2VECTOR: u32 = 22;
    pub const INT4: u32 = 23;
    pub const REGPROC: u32 = 24;
    pub const TEXT: u32 = 25;
    pub const OID: u32 = 26;
    pub const TID: u32 = 27;
    pub const XID: u32 = 28;
    pub const CID: u32 = 29;
    pub const OIDVECTOR: u32 = 30;
    pub const JSON: u32 = 114;
    pub const XML: u32 = 142;
    pub const POINT: u32 = 600;
    pub const LSEG: u32 = 601;
    pub const PATH: u32 = 602;
    pub const BOX: u32 = 603;
    pub const POLYGON: u32 = 604;
    pub const LINE: u32 = 628;
    pub const CIDR: u32 = 650;
    pub const FLOAT4: u32 = 700;
    pub const FLOAT8: u32 = 701;
    pub const UNKNOWN: u32 = 705;
    pub const CIRCLE: u32 = 718;
    pub const MACADDR8: u32 = 774;
    pub const MONEY: u32 = 790;
    pub const MACADDR: u32 = 829;
    pub const INET: u32 = 869;
    pub const BPCHAR: u32 = 1042;
    pub const VARCHAR: u32 = 1043;
    pub const DATE: u32 = 1082;
    pub const TIME: u32 = 1083;
    pub const TIMESTAMP: u32 = 1114;
    pub const TIMESTAMPTZ: u32 = 1184;
    pub const INTERVAL: u32 = 1186;
    pub const TIMETZ: u32 = 1266;
    pub const BIT: u32 = 1560;
    pub const VARBIT: u32 = 1562;
    pub const NUMERIC: u32 = 1700;
    pub const REFCURSOR: u32 = 1790;
    pub const REGPROCEDURE: u32 = 2202;
    pub const REGOPER: u32 = 2203;
    pub const REGOPERATOR: u32 = 2204;
    pub const REGCLASS: u32 = 2205;
    pub const REGTYPE: u32 = 2206;
    pub const RECORD: u32 = 2249;
    pub const RECORD_ARRAY: u32 = 2287;
    pub const CSTRING: u32 = 2275;
    pub const VOID: u32 = 2278;
    pub const UUID: u32 = 2950;
    pub const PG_LSN: u32 = 3220;
    pub const REGCONFIG: u32 = 3734;
    pub const REGDICTIONARY: u32 = 3769;
    pub const JSONB: u32 = 3802;
    pub const JSONPATH: u32 = 4072;
    pub const REGNAMESPACE: u32 = 4089;
    pub const REGROLE: u32 = 4096;
    pub const REGCOLLATION: u32 = 4191;
    pub const XID8: u32 = 5069;
}

/// Decodes one non-NULL binary value of type `ty`.
pub fn decode<'a>(ty: &Type, raw: &'a [u8]) -> Result<Datum<'a>, ValueError> {
    decode_at(ty, raw, 0)
}

/// What decoding needs to know about the session a value came from.
#[derive(Debug, Clone, Default)]
pub struct ValueContext {
    /// The session's `TimeZone`, which timestamptz values are shown in.
    pub zone: SessionZone,
    /// The server's text output of the values of one result whose types the client cannot
    /// render ([`needs_server_text`]); empty for other results.
    pub server_text: ServerText,
}

/// The server's text output of values, by type oid and binary value.
#[derive(Debug, Clone, Default)]
pub struct ServerText(HashMap<u32, HashMap<Box<[u8]>, String>>);

impl ServerText {
    /// Records the text of the binary value `raw` of type `type_oid`.
    pub fn insert(&mut self, type_oid: u32, raw: &[u8], text: String) {
        self.0.entry(type_oid).or_default().insert(raw.into(), text);
    }

    /// The text of the binary value `raw` of type `type_oid`, when recorded.
    #[inline]
    pub fn get(&self, type_oid: u32, raw: &[u8]) -> Option<&str> {
        if self.0.is_empty() {
            return None;
        }
        self.0.get(&type_oid)?.get(raw).map(String::as_str)
    }

    /// Whether the text of a value of type `type_oid` was recorded.
    pub fn has(&self, type_oid: u32, raw: &[u8]) -> bool {
        self.get(type_oid, raw).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Whether a value of `ty` read as characters must be the server's text output, which the
/// binary form does not determine: money (its symbol, separators and decimals follow the
/// session's `lc_monetary`), the reg* types (names as the session's search path shows them),
/// and types whose binary form [`decode`] does not know (extension types such as hstore,
/// tsvector, aclitem), also inside arrays, domains, composites and ranges.
pub fn needs_server_text(ty: &Type) -> bool {
    needs_server_text_at(ty, 0)
}

fn needs_server_text_at(ty: &Type, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match ty.oid() {
        o if o == oid::MONEY || is_registry_type(o) => true,
        o if decodes_natively(o) => false,
        _ => match ty.kind() {
            Kind::Enum(_) => false,
            Kind::Domain(inner)
            | Kind::Array(inner)
            | Kind::Range(inner)
            | Kind::Multirange(inner) => needs_server_text_at(inner, depth + 1),
            Kind::Composite(fields) => fields
                .iter()
                .any(|f| needs_server_text_at(f.type_(), depth + 1)),
            _ => true,
        },
    }
}

/// The types whose binary form is their UTF-8 text.
fn is_text_type(type_oid: u32) -> bool {
    matches!(
        type_oid,
        oid::TEXT
            | oid::VARCHAR
            | oid::BPCHAR
            | oid::NAME
            | oid::JSON
            | oid::XML
            | oid::UNKNOWN
            | oid::REFCURSOR
            | oid::CSTRING
    )
}

/// The registry types (regproc, regclass, regtype, ...): an oid on the wire, a name in the
/// server's text.
fn is_registry_type(type_oid: u32) -> bool {
    matches!(
        type_oid,
        oid::REGPROC
            | oid::REGPROCEDURE
            | oid::REGOPER
            | oid::REGOPERATOR
            | oid::REGCLASS
            | oid::REGTYPE
            | oid::REGCONFIG
            | oid::REGDICTIONARY
            | oid::REGNAMESPACE
            | oid::REGROLE
            | oid::REGCOLLATION
    )
}

/// The types [`decode`] renders from their binary form (its explicit arms), so their text is
/// the server's without asking it.
fn decodes_natively(type_oid: u32) -> bool {
    is_text_type(type_oid)
        || matches!(
            type_oid,
            oid::BOOL
                | oid::INT2
                | oid::INT4
                | oid::INT8
                | oid::FLOAT4
                | oid::FLOAT8
                | oid::NUMERIC
                | oid::JSONB
                | oid::JSONPATH
                | oid::VOID
                | oid::BYTEA
                | oid::CHAR
                | oid::DATE
                | oid::TIME
                | oid::TIMETZ
                | oid::TIMESTAMP
                | oid::TIMESTAMPTZ
                | oid::INTERVAL
                | oid::UUID
                | oid::OID
                | oid::XID
                | oid::CID
                | oid::XID8
                | oid::PG_LSN
                | oid::TID
                | oid::INET
                | oid::CIDR
                | oid::MACADDR
                | oid::MACADDR8
                | oid::BIT
                | oid::VARBIT
                | oid::POINT
                | oid::LSEG
                | oid::PATH
                | oid::BOX
                | oid::POLYGON
                | oid::LINE
                | oid::CIRCLE
                | oid::INT2VECTOR
                | oid::OIDVECTOR
                | oid::RECORD
                | oid::RECORD_ARRAY
        )
}

/// Decodes one non-NULL binary value of type `ty` as the session described by `ctx` shows
/// it. A timestamptz becomes the wall-clock timestamp of the session's time zone: what
/// psqlODBC gives both in a TIMESTAMP_STRUCT and as text (which it writes without an
/// offset). Every other type decodes as [`decode`] does.
///
/// The typed fast path (int4, int8, float8, text) never reaches here; the one comparison
/// below is all this adds to the general path.
pub fn decode_in<'a>(
    ty: &Type,
    raw: &'a [u8],
    ctx: &ValueContext,
) -> Result<Datum<'a>, ValueError> {
    if ty.oid() == oid::TIMESTAMPTZ {
        let utc = i64::from_be_bytes(exact(ty, raw)?);
        return Ok(Datum::Timestamp(ctx.zone.local_micros(utc)));
    }
    decode(ty, raw)
}

/// Bounds-checked big-endian reader over one value's bytes. Its methods are `#[inline]`: the
/// sibling modules read every element of arrays and records through it.
struct Reader<'a, 't> {
    buf: &'a [u8],
    pos: usize,
    ty: &'t Type,
}

impl<'a, 't> Reader<'a, 't> {
    #[inline]
    fn new(buf: &'a [u8], ty: &'t Type) -> Self {
        Reader { buf, pos: 0, ty }
    }

    #[inline]
    fn err(&self, reason: &'static str) -> ValueError {
        malformed(self.ty, reason)
    }

    #[inline]
    fn take(&mut self, n: usize) -> Result<&'a [u8], ValueError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| self.err("value shorter than its layout"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N], ValueError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    #[inline]
    fn u8(&mut self) -> Result<u8, ValueError> {
        Ok(self.array::<1>()?[0])
    }
    #[inline]
    fn i16(&mut self) -> Result<i16, ValueError> {
        Ok(i16::from_be_bytes(self.array()?))
    }
    #[inline]
    fn u16(&mut self) -> Result<u16, ValueError> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    #[inline]
    fn i32(&mut self) -> Result<i32, ValueError> {
        Ok(i32::from_be_bytes(self.array()?))
    }
    #[inline]
    fn u32(&mut self) -> Result<u32, ValueError> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    #[inline]
    fn i64(&mut self) -> Result<i64, ValueError> {
        Ok(i64::from_be_bytes(self.array()?))
    }
    #[inline]
    fn f64(&mut self) -> Result<f64, ValueError> {
        Ok(f64::from_be_bytes(self.array()?))
    }

    /// A length-prefixed sub-value: `None` for length -1 (SQL NULL).
    #[inline]
    fn sub_value(&mut self) -> Result<Option<&'a [u8]>, ValueError> {
        let len = self.i32()?;
        if len == -1 {
            return Ok(None);
        }
        let len = usize::try_from(len).map_err(|_| self.err("negative element length"))?;
        self.take(len).map(Some)
    }

    #[inline]
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Trailing garbage means we misread the layout; say so rather than guess.
    #[inline]
    fn finish(&self) -> Result<(), ValueError> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(self.err("trailing bytes after value"))
        }
    }
}

#[inline]
fn malformed(ty: &Type, reason: &'static str) -> ValueError {
    ValueError::Malformed {
        type_name: ty.name().to_string(),
        reason,
    }
}

/// Reads a whole fixed-size value, rejecting any other length.
fn exact<const N: usize>(ty: &Type, raw: &[u8]) -> Result<[u8; N], ValueError> {
    <[u8; N]>::try_from(raw).map_err(|_| malformed(ty, "wrong length for fixed-size type"))
}

fn utf8<'a>(ty: &Type, raw: &'a [u8]) -> Result<&'a str, ValueError> {
    std::str::from_utf8(raw).map_err(|_| ValueError::InvalidUtf8 {
        type_name: ty.name().to_string(),
    })
}

fn decode_at<'a>(ty: &Type, raw: &'a [u8], depth: usize) -> Result<Datum<'a>, ValueError> {
    if depth > MAX_DEPTH {
        return Err(ValueError::TooDeep);
    }
    let d = match ty.oid() {
        oid::BOOL => Datum::Bool(exact::<1>(ty, raw)?[0] != 0),
        oid::INT2 => Datum::Int2(i16::from_be_bytes(exact(ty, raw)?)),
        oid::INT4 => Datum::Int4(i32::from_be_bytes(exact(ty, raw)?)),
        oid::INT8 => Datum::Int8(i64::from_be_bytes(exact(ty, raw)?)),
        oid::FLOAT4 => Datum::Float4(f32::from_be_bytes(exact(ty, raw)?)),
        oid::FLOAT8 => Datum::Float8(f64::from_be_bytes(exact(ty, raw)?)),
        oid::NUMERIC => Datum::Numeric(decode_numeric(ty, raw)?),
        o if is_text_type(o) => Datum::Text(utf8(ty, raw)?),
        // jsonb and jsonpath carry a format version byte (always 1) before the text.
        oid::JSONB | oid::JSONPATH => match raw.split_first() {
            Some((1, rest)) => Datum::Text(utf8(ty, rest)?),
            _ => return Err(malformed(ty, "unsupported jsonb version")),
        },
        oid::VOID => Datum::Text(""),
        oid::BYTEA => Datum::Bytes(raw),
        oid::CHAR => decode_char(ty, raw)?,
        oid::DATE => Datum::Date(i32::from_be_bytes(exact(ty, raw)?)),
        oid::TIME => Datum::Time(i64::from_be_bytes(exact(ty, raw)?)),
        oid::TIMETZ => {
            let mut r = Reader::new(raw, ty);
            let (micros, zone) = (r.i64()?, r.i32()?);
            r.finish()?;
            Datum::TimeTz(micros, zone)
        }
        oid::TIMESTAMP => Datum::Timestamp(i64::from_be_bytes(exact(ty, raw)?)),
        oid::TIMESTAMPTZ => Datum::TimestampTz(i64::from_be_bytes(exact(ty, raw)?)),
        oid::INTERVAL => {
            let mut r = Reader::new(raw, ty);
            let (micros, days, months) = (r.i64()?, r.i32()?, r.i32()?);
            r.finish()?;
            Datum::Interval {
                months,
                days,
                micros,
            }
        }
        oid::UUID => Datum::Uuid(exact(ty, raw)?),
        oid::OID => Datum::Oid(u32::from_be_bytes(exact(ty, raw)?)),
        // Registry types travel as bare oids; their text form (a name) needs a catalog
        // lookup we cannot do here, so they render as the number (character reads take the
        // server's text instead: `needs_server_text`).
        o if o == oid::XID || o == oid::CID || is_registry_type(o) => {
            Datum::Other(u32::from_be_bytes(exact(ty, raw)?).to_string())
        }
        oid::XID8 => Datum::Other(u64::from_be_bytes(exact(ty, raw)?).to_string()),
        oid::PG_LSN => {
            let v = u64::from_be_bytes(exact(ty, raw)?);
            Datum::Other(format!("{:X}/{:X}", v >> 32, v & 0xFFFF_FFFF))
        }
        oid::TID => {
            let mut r = Reader::new(raw, ty);
            let (block, off) = (r.u32()?, r.u16()?);
            r.finish()?;
            Datum::Other(format!("({block},{off})"))
        }
        oid::MONEY => Datum::Other(money_text(i64::from_be_bytes(exact(ty, raw)?))),
        oid::INET | oid::CIDR => Datum::Other(decode_inet(ty, raw)?),
        oid::MACADDR => Datum::Other(mac_text(&exact::<6>(ty, raw)?)),
        oid::MACADDR8 => Datum::Other(mac_text(&exact::<8>(ty, raw)?)),
        oid::BIT | oid::VARBIT => Datum::Other(decode_bits(ty, raw)?),
        oid::POINT | oid::LSEG | oid::PATH | oid::BOX | oid::POLYGON | oid::LINE | oid::CIRCLE => {
            Datum::Other(decode_geometry(ty, raw)?)
        }
        // int2vector and oidvector use the array binary format but print space-separated.
        oid::INT2VECTOR | oid::OIDVECTOR => {
            Datum::Other(decode_array(ty, None, raw, depth, ArrayStyle::Vector)?)
        }
        // An anonymous record: the binary form names each field's type oid.
        oid::RECORD => Datum::Other(decode_record(ty, None, raw, depth)?),
        // record[] is a pseudo-type to tokio-postgres, but travels as an ordinary array.
        oid::RECORD_ARRAY => Datum::Other(decode_array(ty, None, raw, depth, ArrayStyle::Braces)?),
        _ => match ty.kind() {
            Kind::Enum(_) => Datum::Text(utf8(ty, raw)?),
            Kind::Domain(base) => decode_at(base, raw, depth + 1)?,
            Kind::Array(elem) => Datum::Other(decode_array(
                ty,
                Some(elem),
                raw,
                depth,
                ArrayStyle::Braces,
            )?),
            Kind::Composite(fields) => Datum::Other(decode_record(ty, Some(fields), raw, depth)?),
            Kind::Range(sub) => Datum::Other(decode_range(ty, sub, raw, depth)?),
            Kind::Multirange(sub) => Datum::Other(decode_multirange(ty, sub, raw, depth)?),
            Kind::Simple | Kind::Pseudo => raw_fallback(raw),
            // `Kind` is non-exhaustive: future kinds get the same best effort.
            #[allow(unreachable_patterns)]
            _ => raw_fallback(raw),
        },
    };
    Ok(d)
}

/// Best effort for types whose binary format we do not know (extension types such as
/// citext or hstore): valid UTF-8 is shown as text, anything else as `\x` hex.
#[inline]
fn raw_fallback(raw: &[u8]) -> Datum<'_> {
    match std::str::from_utf8(raw) {
        Ok(s) => Datum::Text(s),
        Err(_) => Datum::Other(hex_text(raw)),
    }
}

/// The one-byte `"char"` type. PostgreSQL prints high-bit bytes as `\ooo` octal escapes.
fn decode_char<'a>(ty: &Type, raw: &'a [u8]) -> Result<Datum<'a>, ValueError> {
    match raw {
        [] => Ok(Datum::Text("")),
        [b] if b.is_ascii() => Ok(Datum::Text(utf8(ty, raw)?)),
        [b] => Ok(Datum::Other(format!("\\{b:03o}"))),
        _ => Err(malformed(ty, "\"char\" longer than one byte")),
    }
}

#[cfg(test)]
mod tests;
