//! Strings coming in across the C boundary: narrow (UTF-8) and wide (UTF-16, or UTF-32 under
//! iODBC) input arguments. Every write into application memory is in [`super::out`].

use crate::odbc::diag::{state, OdbcError, OdbcResult, SqlState};
use crate::odbc::{nul, wide};
use std::ffi::c_void;

/// SQL_NTS: the string is NUL-terminated.
pub const NTS: i32 = -3;

/// Which entry point family a call came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enc {
    Narrow,
    Wide,
}

/// Reads an input string. `len` counts bytes (narrow) or wide units (wide); SQL_NTS means
/// NUL-terminated. A null pointer gives `None`. A counted string may end in NULs (dropped);
/// a NUL with text after it is 22021 (see [`nul`]).
///
/// # Safety
/// `ptr` is null or points to a string of `len` units, or to a NUL-terminated one for SQL_NTS.
pub unsafe fn read(enc: Enc, ptr: *const c_void, len: i32) -> OdbcResult<Option<String>> {
    // SAFETY: this function's contract is `read_checked`'s.
    unsafe { read_checked(enc, ptr, len, "the string", state::NUL_IN_TEXT) }
}

/// [`read`] for SQLConnect's and SQLDriverConnect's strings: a NUL inside is 08001, the state
/// of every connection string the driver cannot use.
///
/// # Safety
/// As [`read`].
pub unsafe fn read_connection_text(
    enc: Enc,
    ptr: *const c_void,
    len: i32,
    what: &str,
) -> OdbcResult<Option<String>> {
    // SAFETY: this function's contract is `read_checked`'s.
    unsafe { read_checked(enc, ptr, len, what, state::CANNOT_CONNECT) }
}

/// [`read`], naming the string `what` and reporting a NUL inside it with `nul_state`.
///
/// # Safety
/// As [`read`].
unsafe fn read_checked(
    enc: Enc,
    ptr: *const c_void,
    len: i32,
    what: &str,
    nul_state: SqlState,
) -> OdbcResult<Option<String>> {
    let nul_error = |position| OdbcError::new(nul_state, nul::message(what, position));
    if ptr.is_null() {
        return Ok(None);
    }
    let counted = match usize::try_from(len) {
        Ok(n) => Some(n),
        Err(_) if len == NTS => None,
        Err(_) => {
            return Err(OdbcError::new(
                state::INVALID_LENGTH,
                format!("invalid string length {len}"),
            ))
        }
    };
    match enc {
        Enc::Narrow => {
            let p = ptr.cast::<u8>();
            let bytes = match counted {
                // SAFETY: `ptr` is not null and, by this function's contract, holds `n` bytes.
                Some(n) => unsafe { std::slice::from_raw_parts(p, n) },
                // SAFETY: for SQL_NTS the contract promises a NUL-terminated string at `ptr`.
                None => unsafe { std::ffi::CStr::from_ptr(p.cast()) }.to_bytes(),
            };
            let bytes = nul::without_terminator(bytes).map_err(nul_error)?;
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
            let n_bytes = match counted {
                Some(n) => n * unit,
                // SAFETY: for SQL_NTS the contract promises a string ending in a zero unit.
                None => unsafe {
                    crate::odbc::appmem::wcslen_bytes(ptr.expose_provenance(), usize::MAX / 2)
                },
            };
            // SAFETY: `ptr` is not null and holds `n_bytes` bytes: `len` units of `unit` bytes
            // each, or the units before the terminator just measured.
            let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), n_bytes) };
            match wide::decode(bytes) {
                Some(s) => Ok(Some(nul::string_without_terminator(s).map_err(nul_error)?)),
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
    // SAFETY: this function's contract is `read_checked`'s.
    required(
        unsafe { read_checked(enc, ptr, len, what, state::NUL_IN_TEXT) }?,
        what,
    )
}

/// A string the call cannot do without: a null pointer (`None`) is HY009.
pub fn required(value: Option<String>, what: &str) -> OdbcResult<String> {
    value.ok_or_else(|| OdbcError::new(state::NULL_POINTER, format!("{what} is a null pointer")))
}

/// Looks at the first wide string a connection is given to tell the driver manager's wide
/// unit (see [`wide::observe_first_input`]). `len` is the argument's SQLSMALLINT length:
/// only SQL_NTS or a length of two or more promises two readable units.
///
/// # Safety
/// `ptr` is null or points to a wide string of `len` units (NUL-terminated for SQL_NTS).
pub unsafe fn observe_wide_unit(ptr: *const u16, len: i16) {
    let units = if i32::from(len) == NTS || len >= 2 {
        2
    } else {
        0
    };
    // SAFETY: `units` is 2 only when the string holds at least two 2-byte units (a terminated
    // string of one character has its terminator as the second unit).
    unsafe { wide::observe_first_input(ptr, units) }
}
