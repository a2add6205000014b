//! Strings across the C boundary: narrow (UTF-8) and wide (UTF-16) input, and every write of
//! a string into application memory, with truncation reported the ODBC way.

use crate::odbc::diag::{state, OdbcError, OdbcResult};
use crate::odbc::wide;
use std::ffi::c_void;

/// SQL_NTS: the string is NUL-terminated.
pub const NTS: i32 = -3;

/// Which entry point family a call came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enc {
    Narrow,
    Wide,
}

/// How a buffer length is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    /// Characters of the encoding (bytes for narrow, UTF-16 units for wide).
    Chars,
}

/// Where the full length of a string goes.
#[derive(Debug, Clone, Copy)]
pub enum OutLen {
    None,
    Small(*mut i16),
    Int(*mut i32),
    Len(*mut isize),
}

impl OutLen {
    /// # Safety
    /// The pointer, when not null, is writable.
    pub unsafe fn set(self, value: usize) {
        match self {
            OutLen::None => {}
            OutLen::Small(p) if !p.is_null() => {
                std::ptr::write_unaligned(p, i16::try_from(value).unwrap_or(i16::MAX))
            }
            OutLen::Int(p) if !p.is_null() => {
                std::ptr::write_unaligned(p, i32::try_from(value).unwrap_or(i32::MAX))
            }
            OutLen::Len(p) if !p.is_null() => {
                std::ptr::write_unaligned(p, isize::try_from(value).unwrap_or(isize::MAX))
            }
            _ => {}
        }
    }
}

/// Reads an input string. `len` counts bytes (narrow) or UTF-16 units (wide); SQL_NTS means
/// NUL-terminated. A null pointer gives `None`.
///
/// # Safety
/// `ptr` is null or points to a string of the given length (or NUL-terminated).
pub unsafe fn read(enc: Enc, ptr: *const c_void, len: i32) -> OdbcResult<Option<String>> {
    if ptr.is_null() {
        return Ok(None);
    }
    if len < 0 && len != NTS {
        return Err(OdbcError::new(
            state::INVALID_LENGTH,
            format!("invalid string length {len}"),
        ));
    }
    match enc {
        Enc::Narrow => {
            let p = ptr.cast::<u8>();
            let n = if len == NTS {
                std::ffi::CStr::from_ptr(p.cast()).to_bytes().len()
            } else {
                len as usize
            };
            let bytes = std::slice::from_raw_parts(p, n);
            match std::str::from_utf8(bytes) {
                Ok(s) => Ok(Some(s.to_string())),
                Err(_) => Err(OdbcError::new(
                    state::INVALID_CHAR_VALUE,
                    "the string is not valid UTF-8",
                )),
            }
        }
        Enc::Wide => {
            let unit = wide::unit();
            let bytes = if len == NTS {
                let n = crate::odbc::appmem::wcslen_bytes(ptr as usize, usize::MAX / 2);
                std::slice::from_raw_parts(ptr.cast::<u8>(), n)
            } else {
                std::slice::from_raw_parts(ptr.cast::<u8>(), len as usize * unit)
            };
            // Embedded NULs end the text, as in C; a counted string may carry none.
            match wide::decode(bytes) {
                Some(s) => Ok(Some(s)),
                None => Err(OdbcError::new(
                    state::INVALID_CHAR_VALUE,
                    if unit == 2 {
                        "the wide string is not valid UTF-16 (unpaired surrogate)"
                    } else {
                        "the wide string is not valid UTF-32 (invalid code point)"
                    },
                )),
            }
        }
    }
}

/// Reads a required input string: a null pointer is HY009.
///
/// # Safety
/// As [`read`].
pub unsafe fn read_required(
    enc: Enc,
    ptr: *const c_void,
    len: i32,
    what: &str,
) -> OdbcResult<String> {
    read(enc, ptr, len)?
        .ok_or_else(|| OdbcError::new(state::NULL_POINTER, format!("{what} is a null pointer")))
}

/// Writes `s` into an output buffer of `cap` (in `unit`), NUL-terminated, and its full length
/// into `out_len` (in characters for `Unit::Chars`, bytes for `Unit::Bytes`). Returns whether
/// it was truncated (the caller reports 01004).
///
/// # Safety
/// `buf` is null or writable for `cap` units; `out_len` as [`OutLen::set`].
pub unsafe fn write(
    enc: Enc,
    s: &str,
    buf: *mut c_void,
    cap: isize,
    unit: Unit,
    out_len: OutLen,
) -> bool {
    match enc {
        Enc::Narrow => {
            let bytes = s.as_bytes();
            out_len.set(bytes.len());
            if buf.is_null() || cap <= 0 {
                return !buf.is_null() && !bytes.is_empty();
            }
            let cap = cap as usize;
            let mut n = bytes.len().min(cap - 1);
            // Never cut a UTF-8 sequence in half.
            while n > 0 && n < bytes.len() && (bytes[n] & 0xC0) == 0x80 {
                n -= 1;
            }
            let dst = buf.cast::<u8>();
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, n);
            *dst.add(n) = 0;
            n < bytes.len()
        }
        Enc::Wide => {
            let width = wide::unit();
            let encoded = wide::encode(s);
            let total_units = encoded.len() / width;
            out_len.set(match unit {
                Unit::Chars => total_units,
                Unit::Bytes => encoded.len(),
            });
            if buf.is_null() || cap <= 0 {
                return false;
            }
            let cap_units = match unit {
                Unit::Chars => cap as usize,
                Unit::Bytes => (cap as usize) / width,
            };
            if cap_units == 0 {
                return total_units > 0;
            }
            let mut n = total_units.min(cap_units - 1);
            // Never leave the first half of a UTF-16 surrogate pair at the end.
            if width == 2 && n > 0 && n < total_units {
                let last = u16::from_ne_bytes([encoded[2 * n - 2], encoded[2 * n - 1]]);
                if (0xD800..0xDC00).contains(&last) {
                    n -= 1;
                }
            }
            let dst = buf.cast::<u8>();
            std::ptr::copy_nonoverlapping(encoded.as_ptr(), dst, n * width);
            std::ptr::write_bytes(dst.add(n * width), 0, width);
            n < total_units
        }
    }
}

/// Writes a fixed-size value at `ptr` when it is not null.
///
/// # Safety
/// `ptr` is null or writable for a `T`.
pub unsafe fn put<T: Copy>(ptr: *mut T, value: T) {
    if !ptr.is_null() {
        std::ptr::write_unaligned(ptr, value);
    }
}
