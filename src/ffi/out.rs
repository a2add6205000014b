//! Every write into application memory: strings (narrow or wide, NUL-terminated, truncation
//! reported the ODBC way), fixed-size values, and the typed answers of the ODBC layer
//! (attribute values, descriptor fields, SQLGetInfo values) in the C width each has.
//!
//! The contract of every function here: an output pointer is null or writable for the width
//! or capacity its argument says, as the ODBC specification of the calling function requires.

use super::text::Enc;
use crate::odbc::attrs::AttrAnswer;
use crate::odbc::desc::FieldValue;
use crate::odbc::diag::{state, Diagnostics, OdbcResult};
use crate::odbc::info::InfoValue;
use crate::odbc::{outbuf, wide};
use std::ffi::c_void;

/// How a buffer length is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    /// Characters of the encoding (bytes for narrow, wide units for wide).
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
    /// The pointer, when not null, is writable for its type.
    pub unsafe fn set(self, value: usize) {
        match self {
            OutLen::None => {}
            // SAFETY: `p` is not null, and writable for an i16 by this function's contract.
            OutLen::Small(p) if !p.is_null() => unsafe {
                std::ptr::write_unaligned(p, i16::try_from(value).unwrap_or(i16::MAX));
            },
            // SAFETY: `p` is not null, and writable for an i32 by this function's contract.
            OutLen::Int(p) if !p.is_null() => unsafe {
                std::ptr::write_unaligned(p, i32::try_from(value).unwrap_or(i32::MAX));
            },
            // SAFETY: `p` is not null, and writable for an isize by this function's contract.
            OutLen::Len(p) if !p.is_null() => unsafe {
                std::ptr::write_unaligned(p, isize::try_from(value).unwrap_or(isize::MAX));
            },
            _ => {}
        }
    }
}

/// Writes `s` into an output buffer of `cap` (in `unit`), NUL-terminated, and its full length
/// into `out_len` (in characters for `Unit::Chars`, bytes for `Unit::Bytes`). Returns whether
/// it was truncated (the caller reports 01004).
///
/// # Safety
/// `buf` is null or writable for `cap` units; `out_len` as [`OutLen::set`].
pub unsafe fn string(
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
            // SAFETY: `out_len` is null or writable (this function's contract).
            unsafe { out_len.set(bytes.len()) };
            let cap = match usize::try_from(cap) {
                Ok(c) if c > 0 && !buf.is_null() => c,
                _ => return !buf.is_null() && !bytes.is_empty(),
            };
            let mut n = bytes.len().min(cap - 1);
            // Never cut a UTF-8 sequence in half.
            while n > 0 && n < bytes.len() && (bytes[n] & 0xC0) == 0x80 {
                n -= 1;
            }
            let dst = buf.cast::<u8>();
            // SAFETY: `buf` is writable for `cap` bytes and `n + 1 <= cap`.
            unsafe {
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, n);
                *dst.add(n) = 0;
            }
            n < bytes.len()
        }
        Enc::Wide => {
            let width = wide::unit();
            let encoded = wide::encode(s);
            let total_units = encoded.len() / width;
            // SAFETY: `out_len` is null or writable (this function's contract).
            unsafe {
                out_len.set(match unit {
                    Unit::Chars => total_units,
                    Unit::Bytes => encoded.len(),
                });
            }
            let cap = match usize::try_from(cap) {
                Ok(c) if c > 0 && !buf.is_null() => c,
                _ => return false,
            };
            let cap_units = match unit {
                Unit::Chars => cap,
                Unit::Bytes => cap / width,
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
            // SAFETY: `buf` is writable for `cap_units` units of `width` bytes and
            // `n + 1 <= cap_units`.
            unsafe {
                std::ptr::copy_nonoverlapping(encoded.as_ptr(), dst, n * width);
                std::ptr::write_bytes(dst.add(n * width), 0, width);
            }
            n < total_units
        }
    }
}

/// [`string`], recording 01004 with `message` in `diag` when the value was truncated.
///
/// # Safety
/// As [`string`].
#[allow(clippy::too_many_arguments)]
pub unsafe fn string_warn(
    diag: &Diagnostics,
    message: &str,
    enc: Enc,
    s: &str,
    buf: *mut c_void,
    cap: isize,
    unit: Unit,
    out_len: OutLen,
) {
    // SAFETY: this function's contract is `string`'s.
    if unsafe { string(enc, s, buf, cap, unit, out_len) } {
        diag.lock()
            .push(state::STRING_TRUNCATED, message.to_string());
    }
}

/// The message of 01004 where no more specific one is given.
pub const TRUNCATED: &str = "string data, right truncated";

/// Writes a fixed-size value at `ptr` when it is not null.
///
/// # Safety
/// `ptr` is null or writable for a `T`.
pub unsafe fn put<T: Copy>(ptr: *mut T, value: T) {
    if !ptr.is_null() {
        // SAFETY: not null, and writable for a `T` by this function's contract.
        unsafe { std::ptr::write_unaligned(ptr, value) };
    }
}

/// Answers an SQLUINTEGER attribute (4 bytes, length 4): HY009 for a null value pointer.
///
/// # Safety
/// `value` is null or writable for 4 bytes; `len` is null or writable.
pub unsafe fn u32_attr(value: *mut c_void, len: *mut i32, v: u32) -> OdbcResult<()> {
    outbuf::require(value.is_null(), "value pointer")?;
    // SAFETY: `value` is writable for a u32 and `len` null or writable (contract).
    unsafe {
        put(value.cast::<u32>(), v);
        put(len, 4);
    }
    Ok(())
}

/// Answers an SQLULEN attribute (the full pointer width; length 8).
///
/// # Safety
/// `value` is null or writable for a usize; `len` is null or writable.
pub unsafe fn ulen_attr(value: *mut c_void, len: *mut i32, v: usize) {
    // SAFETY: both null or writable for their types (contract).
    unsafe {
        put(value.cast::<usize>(), v);
        put(len, 8);
    }
}

/// Writes an attribute answer: integers as SQLUINTEGER, a handle in the pointer width,
/// strings with their length in bytes (01004 in `diag` when truncated).
///
/// # Safety
/// `value` is null or writable for the answer's width (or `cap` bytes for a string); `len` is
/// null or writable.
pub unsafe fn attr(
    enc: Enc,
    diag: &Diagnostics,
    answer: &AttrAnswer,
    value: *mut c_void,
    cap: i32,
    len: *mut i32,
) -> OdbcResult<()> {
    match answer {
        // SAFETY: `value` is null or writable for 4 bytes, `len` null or writable (contract).
        AttrAnswer::U32(v) => unsafe { u32_attr(value, len, *v) },
        AttrAnswer::Handle(h) => {
            // SAFETY: `value` is null or writable for a pointer-sized value (contract).
            unsafe { put(value.cast::<usize>(), *h) };
            Ok(())
        }
        AttrAnswer::Text(t) => {
            outbuf::check_length(i64::from(cap))?;
            let cap = isize::try_from(cap).unwrap_or(isize::MAX);
            // SAFETY: `value` is null or writable for `cap` bytes; `len` null or writable.
            unsafe {
                string_warn(
                    diag,
                    TRUNCATED,
                    enc,
                    t,
                    value,
                    cap,
                    Unit::Bytes,
                    OutLen::Int(len),
                )
            };
            Ok(())
        }
    }
}

/// Writes a descriptor field in its C width; returns whether a string was truncated.
///
/// # Safety
/// `value` is null or writable for the field's C type (or `cap` bytes for strings); `len` is
/// null or writable.
pub unsafe fn field(
    enc: Enc,
    v: &FieldValue,
    value: *mut c_void,
    cap: i32,
    len: *mut i32,
) -> OdbcResult<bool> {
    if let FieldValue::Text(t) = v {
        outbuf::check_length(i64::from(cap))?;
        let cap = isize::try_from(cap).unwrap_or(isize::MAX);
        // SAFETY: `value` is null or writable for `cap` bytes; `len` null or writable.
        return Ok(unsafe { string(enc, t, value, cap, Unit::Bytes, OutLen::Int(len)) });
    }
    outbuf::require(value.is_null(), "the value pointer")?;
    let size = match v {
        FieldValue::Small(n) => {
            // SAFETY: `value` is not null and writable for the field's SQLSMALLINT.
            unsafe { put(value.cast::<i16>(), *n) };
            2
        }
        FieldValue::Int(n) => {
            // SAFETY: `value` is not null and writable for the field's SQLINTEGER.
            unsafe { put(value.cast::<i32>(), *n) };
            4
        }
        FieldValue::Len(n) => {
            let n = isize::try_from(*n).unwrap_or(isize::MAX);
            // SAFETY: `value` is not null and writable for the field's SQLLEN.
            unsafe { put(value.cast::<isize>(), n) };
            8
        }
        FieldValue::ULen(n) => {
            let n = usize::try_from(*n).unwrap_or(usize::MAX);
            // SAFETY: `value` is not null and writable for the field's SQLULEN.
            unsafe { put(value.cast::<usize>(), n) };
            8
        }
        FieldValue::Ptr(p) => {
            // SAFETY: `value` is not null and writable for the field's pointer.
            unsafe { put(value.cast::<usize>(), *p) };
            8
        }
        FieldValue::Text(_) => 0,
    };
    // SAFETY: `len` is null or writable for an i32 (contract).
    unsafe { put(len, size) };
    Ok(false)
}

/// Writes an SQLGetInfo answer: 2 bytes for `U16`, 4 for `U32`, 8 for `Usize`, a string with
/// its length in bytes otherwise (01004 in `diag` when truncated).
///
/// # Safety
/// `value` is null or writable for the answer's width (or `cap` bytes for a string); `len` is
/// null or writable.
pub unsafe fn info(
    enc: Enc,
    diag: &Diagnostics,
    answer: &InfoValue,
    value: *mut c_void,
    cap: i16,
    len: *mut i16,
) {
    match answer {
        InfoValue::Str(s) => {
            let out_len = OutLen::Small(len);
            // SAFETY: `value` is null or writable for `cap` bytes, `len` null or writable.
            unsafe {
                string_warn(
                    diag,
                    TRUNCATED,
                    enc,
                    s,
                    value,
                    isize::from(cap),
                    Unit::Bytes,
                    out_len,
                )
            };
        }
        // SAFETY: `value` is null or writable for an SQLUSMALLINT, `len` for an i16.
        InfoValue::U16(v) => unsafe {
            put(value.cast::<u16>(), *v);
            put(len, 2);
        },
        // SAFETY: `value` is null or writable for an SQLUINTEGER, `len` for an i16.
        InfoValue::U32(v) => unsafe {
            put(value.cast::<u32>(), *v);
            put(len, 4);
        },
        // SAFETY: `value` is null or writable for an SQLULEN, `len` for an i16.
        InfoValue::Usize(v) => unsafe {
            put(value.cast::<u64>(), *v);
            put(len, 8);
        },
    }
}

/// Copies `values` to `dst` (SQLGetFunctions' arrays).
///
/// # Safety
/// `dst` is writable for `values.len()` u16s.
pub unsafe fn u16_array(dst: *mut u16, values: &[u16]) {
    // SAFETY: `dst` is writable for `values.len()` units (contract); the source is ours.
    unsafe { std::ptr::copy_nonoverlapping(values.as_ptr(), dst, values.len()) };
}
