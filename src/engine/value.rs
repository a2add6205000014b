//! Decoding PostgreSQL binary-format values into [`Datum`], and rendering a datum in
//! PostgreSQL's own text output form.
//!
//! tokio-postgres asks for every result column in binary format, so this is the one place
//! that understands the binary layouts. Nothing here knows about ODBC: the ODBC layer turns
//! a [`Datum`] into application buffers (`crate::odbc::convert`).
//!
//! Every length and count comes from the wire, so every read is bounds-checked and every
//! malformed input is a [`ValueError`], never a panic.
#![deny(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use tokio_postgres::types::{Field, Kind, Type};

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

/// Bounds-checked big-endian reader over one value's bytes.
struct Reader<'a, 't> {
    buf: &'a [u8],
    pos: usize,
    ty: &'t Type,
}

impl<'a, 't> Reader<'a, 't> {
    fn new(buf: &'a [u8], ty: &'t Type) -> Self {
        Reader { buf, pos: 0, ty }
    }

    fn err(&self, reason: &'static str) -> ValueError {
        malformed(self.ty, reason)
    }

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

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ValueError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, ValueError> {
        Ok(self.array::<1>()?[0])
    }
    fn i16(&mut self) -> Result<i16, ValueError> {
        Ok(i16::from_be_bytes(self.array()?))
    }
    fn u16(&mut self) -> Result<u16, ValueError> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    fn i32(&mut self) -> Result<i32, ValueError> {
        Ok(i32::from_be_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, ValueError> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    fn i64(&mut self) -> Result<i64, ValueError> {
        Ok(i64::from_be_bytes(self.array()?))
    }
    fn f64(&mut self) -> Result<f64, ValueError> {
        Ok(f64::from_be_bytes(self.array()?))
    }

    /// A length-prefixed sub-value: `None` for length -1 (SQL NULL).
    fn sub_value(&mut self) -> Result<Option<&'a [u8]>, ValueError> {
        let len = self.i32()?;
        if len == -1 {
            return Ok(None);
        }
        let len = usize::try_from(len).map_err(|_| self.err("negative element length"))?;
        self.take(len).map(Some)
    }

    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Trailing garbage means we misread the layout; say so rather than guess.
    fn finish(&self) -> Result<(), ValueError> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(self.err("trailing bytes after value"))
        }
    }
}

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
        oid::TEXT
        | oid::VARCHAR
        | oid::BPCHAR
        | oid::NAME
        | oid::JSON
        | oid::XML
        | oid::UNKNOWN
        | oid::REFCURSOR
        | oid::CSTRING => Datum::Text(utf8(ty, raw)?),
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
        // lookup we cannot do here, so they render as the number.
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
        | oid::XID
        | oid::CID => Datum::Other(u32::from_be_bytes(exact(ty, raw)?).to_string()),
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

const NUMERIC_POS: u16 = 0x0000;
const NUMERIC_NEG: u16 = 0x4000;
const NUMERIC_NAN: u16 = 0xC000;
const NUMERIC_PINF: u16 = 0xD000;
const NUMERIC_NINF: u16 = 0xF000;

/// Renders a binary numeric exactly, with `dscale` fractional digits as PostgreSQL does.
fn decode_numeric(ty: &Type, raw: &[u8]) -> Result<String, ValueError> {
    let mut r = Reader::new(raw, ty);
    let ndigits = r.i16()?;
    let weight = r.i16()?;
    let sign = r.u16()?;
    let dscale = r.i16()?;
    let ndigits = usize::try_from(ndigits).map_err(|_| r.err("negative digit count"))?;
    let mut digits = Vec::with_capacity(ndigits);
    for _ in 0..ndigits {
        let d = r.i16()?;
        if !(0..10000).contains(&d) {
            return Err(r.err("numeric digit out of range"));
        }
        digits.push(d);
    }
    r.finish()?;
    match sign {
        NUMERIC_NAN => return Ok("NaN".into()),
        NUMERIC_PINF => return Ok("Infinity".into()),
        NUMERIC_NINF => return Ok("-Infinity".into()),
        NUMERIC_POS | NUMERIC_NEG => {}
        _ => return Err(r.err("invalid numeric sign")),
    }
    let dscale = usize::try_from(dscale).map_err(|_| r.err("negative display scale"))?;
    let weight = i64::from(weight);
    // Digit group `i` (0-based) has base-10000 exponent `weight - i`.
    let group = |i: i64| -> i16 {
        usize::try_from(i)
            .ok()
            .and_then(|i| digits.get(i))
            .copied()
            .unwrap_or(0)
    };
    let mut out = String::new();
    if sign == NUMERIC_NEG {
        out.push('-');
    }
    if weight < 0 {
        out.push('0');
    } else {
        for i in 0..=weight {
            let g = group(i);
            if i == 0 {
                let _ = write!(out, "{g}");
            } else {
                let _ = write!(out, "{g:04}");
            }
        }
    }
    if dscale > 0 {
        out.push('.');
        let mut frac = String::with_capacity(dscale + 4);
        let mut i = weight + 1;
        while frac.len() < dscale {
            let _ = write!(frac, "{:04}", group(i));
            i += 1;
        }
        frac.truncate(dscale);
        out.push_str(&frac);
    }
    Ok(out)
}

/// money is an i64 count of the smallest currency unit. Its text form depends on the
/// server's lc_monetary (symbol, grouping, number of decimals); we cannot know that here,
/// so we render a plain number with two decimals ("-1234.56"), which suits the common
/// locales and parses as a number on the application side.
fn money_text(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

fn mac_text(bytes: &[u8]) -> String {
    let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(":")
}

/// inet/cidr: family, bits, is_cidr, address length, address bytes.
/// inet omits the prefix length for a host address (/32, /128); cidr always shows it.
fn decode_inet(ty: &Type, raw: &[u8]) -> Result<String, ValueError> {
    let mut r = Reader::new(raw, ty);
    let family = r.u8()?;
    let bits = r.u8()?;
    let is_cidr = r.u8()? != 0 || ty.oid() == oid::CIDR;
    let nb = usize::from(r.u8()?);
    let addr = r.take(nb)?;
    r.finish()?;
    let (text, max_bits) = match (family, addr) {
        // PGSQL_AF_INET = AF_INET + 0 = 2, PGSQL_AF_INET6 = AF_INET + 1 = 3.
        (2, [a, b, c, d]) => (format!("{a}.{b}.{c}.{d}"), 32),
        (3, addr) if addr.len() == 16 => (ipv6_text(addr), 128),
        _ => return Err(r.err("bad inet family or address length")),
    };
    if bits > max_bits {
        return Err(r.err("inet prefix length too large"));
    }
    if is_cidr || bits != max_bits {
        Ok(format!("{text}/{bits}"))
    } else {
        Ok(text)
    }
}

/// IPv6 text the way PostgreSQL prints it: the first longest run (of at least two) of
/// zero groups becomes "::", and IPv4-compatible / IPv4-mapped addresses end in dotted
/// quad form.
fn ipv6_text(addr: &[u8]) -> String {
    let words: Vec<u16> = addr
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    let (mut best, mut best_len, mut cur, mut cur_len) = (None::<usize>, 0usize, 0usize, 0usize);
    for (i, &w) in words.iter().enumerate() {
        if w == 0 {
            if cur_len == 0 {
                cur = i;
            }
            cur_len += 1;
            if cur_len > best_len {
                best = Some(cur);
                best_len = cur_len;
            }
        } else {
            cur_len = 0;
        }
    }
    if best_len < 2 {
        best = None;
    }
    let mut out = String::new();
    let mut i = 0;
    while i < words.len() {
        if best == Some(i) {
            out.push_str("::");
            i += best_len;
            continue;
        }
        // Embedded IPv4: ::a.b.c.d or ::ffff:a.b.c.d.
        if i == 6 && best == Some(0) && (best_len == 6 || (best_len == 5 && words[5] == 0xffff)) {
            if !out.ends_with(':') {
                out.push(':');
            }
            let _ = write!(out, "{}.{}.{}.{}", addr[12], addr[13], addr[14], addr[15]);
            break;
        }
        if i != 0 && !out.ends_with(':') {
            out.push(':');
        }
        let _ = write!(out, "{:x}", words[i]);
        i += 1;
    }
    out
}

/// bit / varbit: bit count, then the bits packed MSB-first.
fn decode_bits(ty: &Type, raw: &[u8]) -> Result<String, ValueError> {
    let mut r = Reader::new(raw, ty);
    let nbits = usize::try_from(r.i32()?).map_err(|_| r.err("negative bit count"))?;
    let bytes = r.take(nbits.div_ceil(8))?;
    r.finish()?;
    Ok((0..nbits)
        .map(|i| {
            if bytes[i / 8] & (0x80 >> (i % 8)) != 0 {
                '1'
            } else {
                '0'
            }
        })
        .collect())
}

/// Geometric types are float8 tuples; rendered in PostgreSQL's output syntax.
fn decode_geometry(ty: &Type, raw: &[u8]) -> Result<String, ValueError> {
    let mut r = Reader::new(raw, ty);
    let point = |r: &mut Reader<'_, '_>| -> Result<String, ValueError> {
        let (x, y) = (r.f64()?, r.f64()?);
        Ok(format!("({},{})", float8_text(x), float8_text(y)))
    };
    let points = |r: &mut Reader<'_, '_>| -> Result<Vec<String>, ValueError> {
        let n = usize::try_from(r.i32()?).map_err(|_| r.err("negative point count"))?;
        if n > r.remaining() / 16 {
            return Err(r.err("point count exceeds data"));
        }
        (0..n).map(|_| point(r)).collect()
    };
    let text = match ty.oid() {
        oid::POINT => point(&mut r)?,
        oid::LSEG => format!("[{},{}]", point(&mut r)?, point(&mut r)?),
        oid::BOX => format!("{},{}", point(&mut r)?, point(&mut r)?),
        oid::LINE => {
            let (a, b, c) = (r.f64()?, r.f64()?, r.f64()?);
            format!(
                "{{{},{},{}}}",
                float8_text(a),
                float8_text(b),
                float8_text(c)
            )
        }
        oid::CIRCLE => {
            let center = point(&mut r)?;
            format!("<{center},{}>", float8_text(r.f64()?))
        }
        oid::PATH => {
            let closed = r.u8()? != 0;
            let pts = points(&mut r)?.join(",");
            if closed {
                format!("({pts})")
            } else {
                format!("[{pts}]")
            }
        }
        _ => format!("({})", points(&mut r)?.join(",")), // polygon
    };
    r.finish()?;
    Ok(text)
}

/// The type to decode an embedded value with: the declared type if its oid matches,
/// else whatever tokio-postgres knows for the oid, else `None` (raw fallback).
fn resolve(oid: u32, hint: Option<&Type>) -> Option<Type> {
    match hint {
        Some(h) if h.oid() == oid => Some(h.clone()),
        _ => Type::from_oid(oid),
    }
}

/// Decodes an embedded value and renders it as text; `None` for SQL NULL.
fn embedded_text(
    ty: Option<&Type>,
    raw: Option<&[u8]>,
    depth: usize,
) -> Result<Option<String>, ValueError> {
    let Some(raw) = raw else { return Ok(None) };
    let datum = match ty {
        Some(t) => decode_at(t, raw, depth + 1)?,
        None => raw_fallback(raw),
    };
    Ok(Some(datum.to_text().into_owned()))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ArrayStyle {
    /// `{1,2,NULL}` with PostgreSQL's quoting rules.
    Braces,
    /// int2vector / oidvector: `1 2 3`.
    Vector,
}

fn decode_array(
    ty: &Type,
    elem_hint: Option<&Type>,
    raw: &[u8],
    depth: usize,
    style: ArrayStyle,
) -> Result<String, ValueError> {
    let mut r = Reader::new(raw, ty);
    let ndim = r.i32()?;
    let _has_null = r.i32()?;
    let elem_oid = r.u32()?;
    let ndim = usize::try_from(ndim).map_err(|_| r.err("negative dimension count"))?;
    if ndim > 6 {
        return Err(r.err("more than 6 array dimensions"));
    }
    let mut dims = Vec::with_capacity(ndim);
    let mut total: usize = 1;
    for _ in 0..ndim {
        let size = usize::try_from(r.i32()?).map_err(|_| r.err("negative dimension size"))?;
        let lower = r.i32()?;
        total = total
            .checked_mul(size)
            .ok_or_else(|| r.err("array too large"))?;
        dims.push((size, lower));
    }
    if ndim == 0 {
        total = 0;
    }
    // Each element takes at least its 4-byte length: refuse counts the data cannot hold
    // before allocating for them.
    if total > r.remaining() / 4 {
        return Err(r.err("element count exceeds data"));
    }
    let elem_ty = resolve(elem_oid, elem_hint);
    let mut elems = Vec::with_capacity(total);
    for _ in 0..total {
        let v = r.sub_value()?;
        elems.push(embedded_text(elem_ty.as_ref(), v, depth)?);
    }
    r.finish()?;

    if style == ArrayStyle::Vector {
        let parts: Vec<&str> = elems.iter().map(|e| e.as_deref().unwrap_or("")).collect();
        return Ok(parts.join(" "));
    }
    if total == 0 {
        return Ok("{}".into());
    }
    let delim = if elem_oid == oid::BOX { ';' } else { ',' };
    let mut out = String::new();
    if dims.iter().any(|&(_, lower)| lower != 1) {
        for &(size, lower) in &dims {
            // size <= total fits i64; computing in i64 avoids i32 overflow at the top end.
            let upper = i64::from(lower) + i64::try_from(size).unwrap_or(i64::MAX) - 1;
            let _ = write!(out, "[{lower}:{upper}]");
        }
        out.push('=');
    }
    let mut next = elems.iter();
    write_dims(&mut out, &dims, &mut next, delim);
    Ok(out)
}

fn write_dims<'e>(
    out: &mut String,
    dims: &[(usize, i32)],
    elems: &mut impl Iterator<Item = &'e Option<String>>,
    delim: char,
) {
    let Some((&(size, _), inner)) = dims.split_first() else {
        return;
    };
    out.push('{');
    for i in 0..size {
        if i > 0 {
            out.push(delim);
        }
        if inner.is_empty() {
            match elems.next() {
                Some(Some(text)) => push_array_elem(out, text, delim),
                _ => out.push_str("NULL"),
            }
        } else {
            write_dims(out, inner, elems, delim);
        }
    }
    out.push('}');
}

/// array_out quoting: quote when empty, when the text is "NULL" in any case, or when it
/// contains a brace, the delimiter, a quote, a backslash or white space; inside quotes
/// `"` and `\` are backslash-escaped.
fn push_array_elem(out: &mut String, text: &str, delim: char) {
    let needs_quote = text.is_empty()
        || text.eq_ignore_ascii_case("NULL")
        || text
            .chars()
            .any(|c| matches!(c, '{' | '}' | '"' | '\\') || c == delim || is_pg_space(c));
    if !needs_quote {
        out.push_str(text);
        return;
    }
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// C `isspace` in the "C" locale, which is what PostgreSQL's output functions test.
fn is_pg_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// record_out quoting: quote when empty or when the text contains a quote, backslash,
/// parenthesis, comma or white space; inside quotes `"` and `\` are doubled.
fn push_record_field(out: &mut String, text: &str, specials: &[char]) {
    let needs_quote = text.is_empty()
        || text
            .chars()
            .any(|c| specials.contains(&c) || is_pg_space(c));
    if !needs_quote {
        out.push_str(text);
        return;
    }
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push(c);
        }
        out.push(c);
    }
    out.push('"');
}

const RECORD_SPECIALS: &[char] = &['"', '\\', '(', ')', ','];
const RANGE_SPECIALS: &[char] = &['"', '\\', '(', ')', '[', ']', ','];

fn decode_record(
    ty: &Type,
    fields: Option<&[Field]>,
    raw: &[u8],
    depth: usize,
) -> Result<String, ValueError> {
    let mut r = Reader::new(raw, ty);
    let count = usize::try_from(r.i32()?).map_err(|_| r.err("negative field count"))?;
    if count > r.remaining() / 8 {
        return Err(r.err("field count exceeds data"));
    }
    let mut out = String::from("(");
    for i in 0..count {
        let field_oid = r.u32()?;
        let value = r.sub_value()?;
        let hint = fields.and_then(|f| f.get(i)).map(Field::type_);
        let field_ty = resolve(field_oid, hint);
        if i > 0 {
            out.push(',');
        }
        if let Some(text) = embedded_text(field_ty.as_ref(), value, depth)? {
            push_record_field(&mut out, &text, RECORD_SPECIALS);
        }
    }
    r.finish()?;
    out.push(')');
    Ok(out)
}

const RANGE_EMPTY: u8 = 0x01;
const RANGE_LB_INC: u8 = 0x02;
const RANGE_UB_INC: u8 = 0x04;
const RANGE_LB_INF: u8 = 0x08;
const RANGE_UB_INF: u8 = 0x10;
const RANGE_LB_NULL: u8 = 0x20;
const RANGE_UB_NULL: u8 = 0x40;

fn decode_range(ty: &Type, sub: &Type, raw: &[u8], depth: usize) -> Result<String, ValueError> {
    let mut r = Reader::new(raw, ty);
    let text = range_from_reader(&mut r, sub, depth)?;
    r.finish()?;
    Ok(text)
}

fn range_from_reader(
    r: &mut Reader<'_, '_>,
    sub: &Type,
    depth: usize,
) -> Result<String, ValueError> {
    let flags = r.u8()?;
    if flags & RANGE_EMPTY != 0 {
        return Ok("empty".into());
    }
    let mut bound = |absent: u8| -> Result<Option<String>, ValueError> {
        if flags & absent != 0 {
            return Ok(None);
        }
        let len = usize::try_from(r.i32()?).map_err(|_| r.err("negative range bound length"))?;
        let raw = r.take(len)?;
        embedded_text(Some(sub), Some(raw), depth)
    };
    let lower = bound(RANGE_LB_INF | RANGE_LB_NULL)?;
    let upper = bound(RANGE_UB_INF | RANGE_UB_NULL)?;
    let mut out = String::new();
    out.push(if flags & RANGE_LB_INC != 0 { '[' } else { '(' });
    if let Some(l) = lower {
        push_record_field(&mut out, &l, RANGE_SPECIALS);
    }
    out.push(',');
    if let Some(u) = upper {
        push_record_field(&mut out, &u, RANGE_SPECIALS);
    }
    out.push(if flags & RANGE_UB_INC != 0 { ']' } else { ')' });
    Ok(out)
}

fn decode_multirange(
    ty: &Type,
    sub: &Type,
    raw: &[u8],
    depth: usize,
) -> Result<String, ValueError> {
    let mut r = Reader::new(raw, ty);
    let count = usize::try_from(r.i32()?).map_err(|_| r.err("negative range count"))?;
    if count > r.remaining() / 5 {
        return Err(r.err("range count exceeds data"));
    }
    let mut parts = Vec::with_capacity(count);
    for _ in 0..count {
        let len = usize::try_from(r.i32()?).map_err(|_| r.err("negative range length"))?;
        let mut inner = Reader::new(r.take(len)?, ty);
        parts.push(range_from_reader(&mut inner, sub, depth + 1)?);
        inner.finish()?;
    }
    r.finish()?;
    Ok(format!("{{{}}}", parts.join(",")))
}

// ---------------------------------------------------------------------------------------
// Text rendering

pub(crate) const USECS_PER_SEC: i64 = 1_000_000;
pub(crate) const USECS_PER_DAY: i64 = 86_400 * USECS_PER_SEC;
/// Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
const PG_EPOCH_UNIX_DAYS: i64 = 10_957;

/// Proleptic Gregorian (year, month, day) for a day count since 2000-01-01. Year 0 is
/// 1 BC (astronomical numbering), as in PostgreSQL's internal arithmetic.
pub(crate) fn civil_from_pg_days(days: i64) -> (i64, u32, u32) {
    // Howard Hinnant's days-to-civil algorithm, shifted to an era starting 0000-03-01.
    let z = days + PG_EPOCH_UNIX_DAYS + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // month is 1..=12 and day 1..=31 by construction.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// Inverse of [`civil_from_pg_days`]; the caller validates month and day.
pub(crate) fn pg_days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (month, day) = (i64::from(month), i64::from(day));
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 - PG_EPOCH_UNIX_DAYS
}

pub(crate) fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub(crate) fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Splits microseconds since midnight into hour, minute, second, microsecond.
pub(crate) fn split_time(micros: i64) -> (i64, i64, i64, i64) {
    let secs = micros.div_euclid(USECS_PER_SEC);
    let frac = micros.rem_euclid(USECS_PER_SEC);
    (secs / 3600, secs / 60 % 60, secs % 60, frac)
}

/// ".123" style fraction with trailing zeros dropped; empty for zero.
fn push_fraction(out: &mut String, micros: u64) {
    if micros == 0 {
        return;
    }
    let digits = format!("{micros:06}");
    out.push('.');
    out.push_str(digits.trim_end_matches('0'));
}

fn push_time(out: &mut String, micros: i64) {
    let (h, m, s, us) = split_time(micros);
    let _ = write!(out, "{h:02}:{m:02}:{s:02}");
    push_fraction(out, us.unsigned_abs());
}

/// "YYYY-MM-DD" (ISO DateStyle); returns whether the year is BC.
fn push_date(out: &mut String, days: i64) -> bool {
    let (y, m, d) = civil_from_pg_days(days);
    let bc = y <= 0;
    let shown = if bc { 1 - y } else { y };
    let _ = write!(out, "{shown:04}-{m:02}-{d:02}");
    bc
}

fn date_text(days: i32) -> String {
    match days {
        i32::MIN => "-infinity".into(),
        i32::MAX => "infinity".into(),
        _ => {
            let mut out = String::new();
            if push_date(&mut out, i64::from(days)) {
                out.push_str(" BC");
            }
            out
        }
    }
}

fn timestamp_text(micros: i64, utc_suffix: bool) -> String {
    match micros {
        i64::MIN => "-infinity".into(),
        i64::MAX => "infinity".into(),
        _ => {
            let mut out = String::new();
            let bc = push_date(&mut out, micros.div_euclid(USECS_PER_DAY));
            out.push(' ');
            push_time(&mut out, micros.rem_euclid(USECS_PER_DAY));
            if utc_suffix {
                out.push_str("+00");
            }
            if bc {
                out.push_str(" BC");
            }
            out
        }
    }
}

/// A zone in PostgreSQL's west-positive seconds, printed east-positive: "+05:30".
fn push_zone(out: &mut String, zone_west: i32) {
    let east = -i64::from(zone_west);
    out.push(if east >= 0 { '+' } else { '-' });
    let abs = east.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    let _ = write!(out, "{h:02}");
    if m != 0 || s != 0 {
        let _ = write!(out, ":{m:02}");
    }
    if s != 0 {
        let _ = write!(out, ":{s:02}");
    }
}

/// IntervalStyle "postgres" (the server default): "1 year 2 mons -3 days +04:05:06.5".
fn interval_text(months: i32, days: i32, micros: i64) -> String {
    // PostgreSQL 17 infinite intervals.
    if months == i32::MAX && days == i32::MAX && micros == i64::MAX {
        return "infinity".into();
    }
    if months == i32::MIN && days == i32::MIN && micros == i64::MIN {
        return "-infinity".into();
    }
    let mut out = String::new();
    let mut is_zero = true;
    let mut is_before = false;
    let mut part = |value: i64, unit: &str, out: &mut String| {
        if value == 0 {
            return;
        }
        let sep = if is_zero { "" } else { " " };
        let plus = if is_before && value > 0 { "+" } else { "" };
        let plural = if value != 1 { "s" } else { "" };
        let _ = write!(out, "{sep}{plus}{value} {unit}{plural}");
        is_before = value < 0;
        is_zero = false;
    };
    part(i64::from(months / 12), "year", &mut out);
    part(i64::from(months % 12), "mon", &mut out);
    part(i64::from(days), "day", &mut out);
    // Truncating division keeps every field's sign equal to micros' sign.
    let hours = micros / (3600 * USECS_PER_SEC);
    let mins = micros / (60 * USECS_PER_SEC) % 60;
    let secs = micros / USECS_PER_SEC % 60;
    let frac = micros % USECS_PER_SEC;
    if is_zero || micros != 0 {
        let minus = micros < 0;
        let sep = if is_zero { "" } else { " " };
        let sign = if minus {
            "-"
        } else if is_before {
            "+"
        } else {
            ""
        };
        let _ = write!(
            out,
            "{sep}{sign}{:02}:{:02}:{:02}",
            hours.unsigned_abs(),
            mins.unsigned_abs(),
            secs.unsigned_abs()
        );
        push_fraction(&mut out, frac.unsigned_abs());
    }
    out
}

fn hex_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 + bytes.len() * 2);
    out.push_str("\\x");
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

pub(crate) fn uuid_text(u: &[u8; 16]) -> String {
    let mut out = String::with_capacity(36);
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// float8 text as PostgreSQL 12+ prints it: the shortest digits that round-trip, plain
/// notation for decimal exponents -4..15, otherwise `1.5e+300` style.
pub(crate) fn float8_text(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    shortest_to_pg(&format!("{v:e}"), 15)
}

/// float4 text: as [`float8_text`] with the fixed-notation range -4..6.
pub(crate) fn float4_text(v: f32) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    shortest_to_pg(&format!("{v:e}"), 6)
}

/// Re-lays Rust's shortest round-trip scientific form ("-1.25e-7") out the way
/// PostgreSQL's Ryu-based output does.
fn shortest_to_pg(sci: &str, max_fixed_exp: i64) -> String {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if (-4..max_fixed_exp).contains(&exp) {
        let ndig = i64::try_from(digits.len()).unwrap_or(i64::MAX);
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        } else if ndig <= exp + 1 {
            out.push_str(&digits);
            for _ in 0..(exp + 1 - ndig) {
                out.push('0');
            }
        } else {
            let int_len = usize::try_from(exp + 1).unwrap_or(0);
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    } else {
        out.push_str(&digits[..1.min(digits.len())]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exp.unsigned_abs());
    }
    out
}

impl Datum<'_> {
    /// PostgreSQL's own text output form for the value (DateStyle ISO, IntervalStyle
    /// postgres, bool as "t"/"f", bytea as hex, timestamptz in UTC with "+00").
    pub fn to_text(&self) -> Cow<'_, str> {
        match self {
            Datum::Bool(b) => Cow::Borrowed(if *b { "t" } else { "f" }),
            Datum::Int2(v) => Cow::Owned(v.to_string()),
            Datum::Int4(v) => Cow::Owned(v.to_string()),
            Datum::Int8(v) => Cow::Owned(v.to_string()),
            Datum::Float4(v) => Cow::Owned(float4_text(*v)),
            Datum::Float8(v) => Cow::Owned(float8_text(*v)),
            Datum::Numeric(s) | Datum::Other(s) => Cow::Borrowed(s.as_str()),
            Datum::Text(s) => Cow::Borrowed(s),
            Datum::Bytes(b) => Cow::Owned(hex_text(b)),
            Datum::Date(d) => Cow::Owned(date_text(*d)),
            Datum::Time(t) => {
                let mut out = String::new();
                push_time(&mut out, *t);
                Cow::Owned(out)
            }
            Datum::TimeTz(t, zone) => {
                let mut out = String::new();
                push_time(&mut out, *t);
                push_zone(&mut out, *zone);
                Cow::Owned(out)
            }
            Datum::Timestamp(t) => Cow::Owned(timestamp_text(*t, false)),
            Datum::TimestampTz(t) => Cow::Owned(timestamp_text(*t, true)),
            Datum::Interval {
                months,
                days,
                micros,
            } => Cow::Owned(interval_text(*months, *days, *micros)),
            Datum::Uuid(u) => Cow::Owned(uuid_text(u)),
            Datum::Oid(o) => Cow::Owned(o.to_string()),
        }
    }
}

#[cfg(test)]
mod tests;
