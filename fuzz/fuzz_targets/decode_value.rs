//! Column values from the wire into application buffers: the binary bytes of any PostgreSQL
//! type (built-in by oid, or arrays, domains, composites, ranges, multiranges and enums built
//! around them) decoded as the driver decodes result columns, then written as every C type,
//! whole and piece by piece as SQLGetData delivers long values, into buffers of the sizes the
//! input asks for (each buffer exactly that size, so AddressSanitizer sees any write past it).
//!
//! This is the path of `odbc::stmt::cell::write_cell` (which needs a live `Row`): the bulk
//! fast path (`write_direct`), the general path (`decode_in` + `write_datum`), the piecewise
//! wide-text path (`write_wide_text`) and SQL_C_NUMERIC rescaling.
//!
//! Input: a type description (see `read_type`), a time-zone pick, a piece size, numeric
//! precision/scale, then the value's bytes.
//!
//! Checked beyond "no panic":
//! - the fast paths give exactly what the general path gives (they say so);
//! - a value read piece by piece (character and binary targets) concatenates to the whole;
//! - nothing claims to write more than the buffer holds; character pieces end in a NUL.
#![no_main]

use std::sync::OnceLock;

use auroraodbc::engine::value::{decode_in, SessionZone, ValueContext};
use auroraodbc::odbc::convert::{
    c, fixed_size, is_plain_text, rescale_numeric, write_datum, write_direct, write_wide_text,
    WideCursor, Written,
};
use libfuzzer_sys::fuzz_target;
use tokio_postgres::types::{Field, Kind, Type};

/// Every C type code the driver knows, SQL_C_DEFAULT, and one it does not.
const TARGETS: &[i16] = &[
    c::CHAR,
    c::WCHAR,
    c::BINARY,
    c::DEFAULT,
    c::NUMERIC,
    c::LONG,
    c::SHORT,
    c::FLOAT,
    c::DOUBLE,
    c::DATE,
    c::TIME,
    c::TIMESTAMP,
    c::TYPE_DATE,
    c::TYPE_TIME,
    c::TYPE_TIMESTAMP,
    101,
    102,
    103,
    104,
    105,
    106,
    107,
    108,
    109,
    110,
    111,
    112,
    113,
    c::TINYINT,
    c::BIT,
    c::GUID,
    c::SSHORT,
    c::SLONG,
    c::USHORT,
    c::ULONG,
    c::SBIGINT,
    c::STINYINT,
    c::UBIGINT,
    c::UTINYINT,
    12345,
];

/// The zones a session may report; looked up once (the zone database is read from disk).
fn zones() -> &'static [ValueContext] {
    static ZONES: OnceLock<Vec<ValueContext>> = OnceLock::new();
    ZONES.get_or_init(|| {
        [
            "UTC",
            "America/New_York",
            "Asia/Kathmandu",
            "EST5EDT",
            "<+14>-14",
        ]
        .iter()
        .map(|name| ValueContext {
            zone: SessionZone::from_setting(name),
            ..ValueContext::default()
        })
        .collect()
    })
}

/// Reads one byte, 0 when the input is used up.
fn take(input: &mut &[u8]) -> u8 {
    match input.split_first() {
        Some((&b, rest)) => {
            *input = rest;
            b
        }
        None => 0,
    }
}

/// A type from the input: a built-in one by oid, or one built around others (nested at most a
/// few levels; the decoder has its own depth bound, which arrays of arrays still reach).
fn read_type(input: &mut &[u8], depth: usize) -> Option<Type> {
    let tag = take(input);
    let made =
        |name: &str, oid: u32, kind: Kind| Type::new(name.into(), oid, kind, "public".into());
    if depth >= 4 {
        return Type::from_oid(u32::from(u16::from_be_bytes([take(input), take(input)])));
    }
    Some(match tag % 9 {
        1 => made("arr", 90001, Kind::Array(read_type(input, depth + 1)?)),
        2 => made("dom", 90002, Kind::Domain(read_type(input, depth + 1)?)),
        3 => {
            let count = take(input) % 4;
            let mut fields = Vec::new();
            for i in 0..count {
                fields.push(Field::new(format!("f{i}"), read_type(input, depth + 1)?));
            }
            made("rec", 90003, Kind::Composite(fields))
        }
        4 => made("rng", 90004, Kind::Range(read_type(input, depth + 1)?)),
        5 => made(
            "mrng",
            90005,
            Kind::Multirange(read_type(input, depth + 1)?),
        ),
        6 => made("mood", 90006, Kind::Enum(vec!["sad".into(), "ok".into()])),
        7 => made("ext", 90007, Kind::Simple),
        _ => Type::from_oid(u32::from(u16::from_be_bytes([take(input), take(input)])))?,
    })
}

/// A written piece is within its buffer, and a character piece that has room ends in a NUL.
fn check_piece(w: &Written, out: &[u8], terminator: usize) {
    assert!(
        w.len <= out.len(),
        "wrote {} into {} bytes",
        w.len,
        out.len()
    );
    if let Some(total) = w.total {
        assert!(w.len <= total, "wrote {} of a value of {total}", w.len);
    }
    if terminator > 0 && out.len() >= w.len + terminator {
        assert!(
            out[w.len..w.len + terminator].iter().all(|&b| b == 0),
            "no terminator after {} bytes in {} bytes",
            w.len,
            out.len()
        );
    }
}

/// Reads a character or binary value piece by piece with buffers of `cap` bytes, as
/// SQLGetData does; `None` when the pieces cannot make progress (a buffer too small for a
/// unit and a terminator, which the application would notice itself).
fn read_in_pieces(
    mut write: impl FnMut(&mut [u8], usize) -> Option<Written>,
    cap: usize,
    terminator: usize,
) -> Option<Vec<u8>> {
    let mut whole = Vec::new();
    let mut offset = 0usize;
    loop {
        let mut out = vec![0xAAu8; cap];
        let w = write(&mut out, offset)?;
        check_piece(&w, &out, terminator);
        whole.extend_from_slice(&out[..w.len]);
        offset += w.len;
        if !w.truncated {
            return Some(whole);
        }
        if w.len == 0 {
            return None;
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = data;
    let Some(ty) = read_type(&mut input, 0) else {
        return;
    };
    let ctx = &zones()[usize::from(take(&mut input)) % zones().len()];
    let piece = usize::from(take(&mut input) % 64) + 1;
    let (precision, scale) = (
        i16::from(take(&mut input) % 40),
        i16::from(take(&mut input) as i8),
    );
    let raw = input;

    let datum = decode_in(&ty, raw, ctx);
    let unit = auroraodbc::odbc::wide::unit();
    for &target in TARGETS {
        let terminator = match target {
            c::CHAR => 1,
            c::WCHAR => unit,
            _ => 0,
        };
        // Whole, into a buffer just large enough: its size is what a call with no room
        // reports (as an application sizes its buffer from the indicator).
        let mut whole_cap = 64usize;
        let mut big = Vec::new();
        let mut whole = None;
        let mut sized = false;
        if let Ok(d) = &datum {
            let probe = write_datum(d, target, &mut [], 0);
            whole_cap = match (fixed_size(target), probe) {
                (Some(size), _) => size,
                (
                    None,
                    Ok(Written {
                        total: Some(total), ..
                    }),
                ) => {
                    sized = true;
                    total + terminator
                }
                _ => 64,
            };
            big = vec![0xAAu8; whole_cap];
            let w = write_datum(d, target, &mut big, 0);
            if let Ok(w) = &w {
                check_piece(w, &big, terminator);
            }
            whole = Some(w);
        }

        // The bulk fast path gives what the general path gives, buffer contents included.
        for cap in [0usize, 1, piece, whole_cap] {
            let mut fast = vec![0xAAu8; cap];
            if let Some(w) = write_direct(ty.oid(), target, raw, &mut fast, 0) {
                let d = datum
                    .as_ref()
                    .expect("the fast path took a value decode refuses");
                let mut general = vec![0xAAu8; cap];
                let g = write_datum(d, target, &mut general, 0);
                assert_eq!(
                    Ok(w),
                    g,
                    "fast and general paths differ for oid {}",
                    ty.oid()
                );
                assert_eq!(
                    fast, general,
                    "fast and general paths wrote different bytes"
                );
            }
        }

        let Ok(d) = datum.as_ref() else {
            continue;
        };
        match fixed_size(target) {
            Some(size) => {
                // Exactly the struct, and one byte short of it.
                for cap in [size, size - 1] {
                    let mut out = vec![0xAAu8; cap];
                    if let Ok(w) = write_datum(d, target, &mut out, 0) {
                        check_piece(&w, &out, 0);
                        if target == c::NUMERIC && !w.truncated && precision > 0 {
                            let _ = rescale_numeric(&mut out, precision, scale);
                        }
                    }
                }
            }
            None if matches!(target, c::CHAR | c::WCHAR | c::BINARY) => {
                let Some(Ok(w)) = &whole else { continue };
                if w.truncated {
                    assert!(!sized, "a buffer of the reported size truncated the value");
                    continue;
                }
                let expected = &big[..w.len];
                // Piece by piece through the general path. It renders the whole value again
                // for every piece (only plain text resumes where it stopped), so a long value
                // in tiny pieces is quadratic: a numeric of 53,000 digits in 5-byte pieces
                // took over 10 s (docs/reliability.md). Bounded here so that CI's short runs
                // stay about crashes.
                if w.len > 1 << 14 {
                    continue;
                }
                let cap = piece.max(terminator + unit);
                if let Some(pieces) = read_in_pieces(
                    |out, offset| write_datum(d, target, out, offset).ok(),
                    cap,
                    terminator,
                ) {
                    assert_eq!(
                        pieces, expected,
                        "pieces of {cap} bytes differ from the whole"
                    );
                }
                // The resumable wide-text path, as SQLGetData uses it for plain text.
                if target == c::WCHAR && is_plain_text(ty.oid()) {
                    let mut cursor = WideCursor::default();
                    if let Some(pieces) = read_in_pieces(
                        |out, offset| write_wide_text(raw, out, offset, &mut cursor),
                        cap,
                        terminator,
                    ) {
                        assert_eq!(pieces, expected, "wide-text pieces differ from the whole");
                    }
                }
            }
            None => {
                let mut out = vec![0xAAu8; piece];
                let _ = write_datum(d, target, &mut out, 0);
            }
        }
    }
});
