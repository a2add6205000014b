//! Scalar types whose binary form becomes PostgreSQL's text form: numeric, money, network
//! addresses, bit strings and the geometric types.
//!
//! The functions `decode_at` calls are `#[inline]` so that they stay as cheap to reach from
//! the per-value dispatch as when they lived in its module.

use super::text::float8_text;
use super::{oid, Reader, ValueError};
use std::fmt::Write as _;
use tokio_postgres::types::Type;

const NUMERIC_POS: u16 = 0x0000;
const NUMERIC_NEG: u16 = 0x4000;
const NUMERIC_NAN: u16 = 0xC000;
const NUMERIC_PINF: u16 = 0xD000;
const NUMERIC_NINF: u16 = 0xF000;

/// Renders a binary numeric exactly, with `dscale` fractional digits as PostgreSQL does.
#[inline]
pub(super) fn decode_numeric(ty: &Type, raw: &[u8]) -> Result<String, ValueError> {
    let mut r = Reader::new(raw, ty);
    // The server sends the digit count as an int16, but a numeric may have up to 131,072
    // digits before the point (32,768 base-10000 groups) and 16,383 after: the count wraps
    // past 32,767 and is read unsigned, which holds every count a numeric can have.
    let ndigits = usize::from(r.u16()?);
    let weight = r.i16()?;
    let sign = r.u16()?;
    let dscale = r.i16()?;
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
#[inline]
pub(super) fn money_text(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[inline]
pub(super) fn mac_text(bytes: &[u8]) -> String {
    let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(":")
}

/// inet/cidr: family, bits, is_cidr, address length, address bytes.
/// inet omits the prefix length for a host address (/32, /128); cidr always shows it.
#[inline]
pub(super) fn decode_inet(ty: &Type, raw: &[u8]) -> Result<String, ValueError> {
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
#[inline]
pub(super) fn decode_bits(ty: &Type, raw: &[u8]) -> Result<String, ValueError> {
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
#[inline]
pub(super) fn decode_geometry(ty: &Type, raw: &[u8]) -> Result<String, ValueError> {
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
