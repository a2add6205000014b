//! SQL_C_GUID targets, from uuid columns or from character data holding a uuid.

use super::{put_fixed, ConvertError, Written};
use crate::engine::value::Datum;

/// SQLGUID: u32, u16, u16 in native byte order, then 8 bytes as they are.
#[inline]
pub(super) fn write_guid(datum: &Datum<'_>, out: &mut [u8]) -> Result<Written, ConvertError> {
    let u = match datum {
        Datum::Uuid(u) => *u,
        Datum::Text(s) => parse_uuid(s).ok_or(ConvertError::InvalidCast)?,
        Datum::Other(s) => parse_uuid(s).ok_or(ConvertError::InvalidCast)?,
        _ => return Err(ConvertError::Unsupported),
    };
    Ok(put_fixed(out, &guid_bytes(&u), false))
}

/// A uuid as an SQLGUID's bytes: u32, u16, u16 in native byte order, then 8 bytes as they are.
pub(super) fn guid_bytes(u: &[u8; 16]) -> [u8; 16] {
    let mut bytes = [0u8; 16];
    bytes[0..4].copy_from_slice(&u32::from_be_bytes([u[0], u[1], u[2], u[3]]).to_ne_bytes());
    bytes[4..6].copy_from_slice(&u16::from_be_bytes([u[4], u[5]]).to_ne_bytes());
    bytes[6..8].copy_from_slice(&u16::from_be_bytes([u[6], u[7]]).to_ne_bytes());
    bytes[8..16].copy_from_slice(&u[8..16]);
    bytes
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
