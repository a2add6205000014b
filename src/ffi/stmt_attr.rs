//! SQLSetStmtAttr / SQLGetStmtAttr and the cursor name functions. The rules are in
//! [`crate::odbc::attrs::stmt`]; the module contract is in [`crate::ffi`].

use super::guard::call_stmt;
use super::handles;
use super::out::{self, OutLen, Unit};
use super::text::{self, Enc};
use crate::odbc::attrs;
use crate::odbc::diag::Outcome;
use crate::odbc::outbuf;
use std::ffi::c_void;

/// # Safety
/// `value` is an integer, a pointer the statement keeps, or a descriptor handle; none is read
/// here.
unsafe fn set_stmt_attr(_enc: Enc, h: *mut c_void, id: i32, value: *mut c_void, _len: i32) -> i16 {
    call_stmt(h, |s| {
        attrs::stmt::set(s, id, value.expose_provenance(), |handle| {
            handles::desc(std::ptr::with_exposed_provenance_mut(handle))
        })
    })
}

/// # Safety
/// `value` is null or writable for the attribute's width (4 bytes for the 32-bit ones, an
/// SQLULEN otherwise); `len` is null or writable.
unsafe fn get_stmt_attr(
    _enc: Enc,
    h: *mut c_void,
    id: i32,
    value: *mut c_void,
    _cap: i32,
    len: *mut i32,
) -> i16 {
    call_stmt(h, |s| {
        outbuf::require(value.is_null(), "value pointer")?;
        let v = attrs::stmt::get(s, id)?;
        if attrs::stmt::is_32_bit(id) {
            let v = u32::try_from(v).unwrap_or(u32::MAX);
            // SAFETY: `value` is not null and writable for the attribute's 4 bytes; `len` null
            // or writable.
            unsafe { out::u32_attr(value, len, v) }?;
        } else {
            // SAFETY: `value` is not null and writable for an SQLULEN; `len` null or writable.
            unsafe { out::ulen_attr(value, len, v) };
        }
        Ok(Outcome::Success)
    })
}

/// # Safety
/// `output` is null or writable for `cap` units; `out_len` is null or writable.
unsafe fn get_cursor_name<C>(
    enc: Enc,
    h: *mut c_void,
    output: *mut C,
    cap: i16,
    out_len: *mut i16,
) -> i16 {
    call_stmt(h, |s| {
        outbuf::check_length(i64::from(cap))?;
        let name = attrs::stmt::cursor_name(s);
        // SAFETY: `output` is null or writable for `cap` units; `out_len` null or writable.
        unsafe {
            out::string_warn(
                &s.diag,
                out::TRUNCATED,
                enc,
                &name,
                output.cast(),
                isize::from(cap),
                Unit::Chars,
                OutLen::Small(out_len),
            );
        }
        Ok(Outcome::Success)
    })
}

/// # Safety
/// `name` is null or a string of `len` units (NUL-terminated for SQL_NTS).
unsafe fn set_cursor_name<C>(enc: Enc, h: *mut c_void, name: *const C, len: i16) -> i16 {
    call_stmt(h, |s| {
        // SAFETY: `name` is null or a string of `len` units (contract).
        let name =
            unsafe { text::read_required(enc, name.cast(), i32::from(len), "the cursor name") }?;
        attrs::stmt::set_cursor_name(s, name, &handles::conn_statements(&s.conn))?;
        Ok(Outcome::Success)
    })
}

narrow_and_wide! {
    fn SQLSetStmtAttr / SQLSetStmtAttrW(
        h: *mut c_void,
        id: i32,
        value: *mut c_void,
        len: i32,
    ) => set_stmt_attr;
    fn SQLGetStmtAttr / SQLGetStmtAttrW(
        h: *mut c_void,
        id: i32,
        value: *mut c_void,
        cap: i32,
        len: *mut i32,
    ) => get_stmt_attr;
    fn SQLGetCursorName / SQLGetCursorNameW(
        h: *mut c_void,
        output: *mut Char,
        cap: i16,
        out_len: *mut i16,
    ) => get_cursor_name;
    fn SQLSetCursorName / SQLSetCursorNameW(h: *mut c_void, name: *const Char, len: i16) => set_cursor_name;
}
