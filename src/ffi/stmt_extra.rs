//! Further statement entry points: SQLNativeSql, SQLExtendedFetch (ODBC 2), SQLSetPos,
//! SQLBulkOperations and data at execution (SQLParamData / SQLPutData). The module contract is in [`crate::ffi`].

use super::guard::{self, call, call_stmt};
use super::handles;
use super::out::{self, OutLen, Unit};
use super::text::{self, Enc};
use crate::odbc::diag::Outcome;
use crate::odbc::{native_sql, odbc2};
use std::ffi::c_void;

/// # Safety
/// `input` is null or a string of `in_len` units; `output` is null or writable for `cap`
/// units; `out_len` is null or writable.
unsafe fn native_sql<C>(
    enc: Enc,
    dbc: *mut c_void,
    input: *const C,
    in_len: i32,
    output: *mut C,
    cap: i32,
    out_len: *mut i32,
) -> i16 {
    call(handles::conn(dbc), |c| {
        // SAFETY: `input` is null or a string of `in_len` units (contract).
        let sql = unsafe { text::read_required(enc, input.cast(), in_len, "the statement text") }?;
        let native = native_sql::native_sql(&sql, cap)?;
        let cap = isize::try_from(cap).unwrap_or(isize::MAX);
        // SAFETY: `output` is null or writable for `cap` units; `out_len` null or writable.
        unsafe {
            out::string_warn(
                &c.diag,
                out::TRUNCATED,
                enc,
                &native,
                output.cast(),
                cap,
                Unit::Chars,
                OutLen::Int(out_len),
            );
        }
        Ok(Outcome::Success)
    })
}

narrow_and_wide! {
    fn SQLNativeSql / SQLNativeSqlW(
        dbc: *mut c_void,
        input: *const Char,
        in_len: i32,
        output: *mut Char,
        cap: i32,
        out_len: *mut i32,
    ) => native_sql;
}

#[no_mangle]
/// # Safety
/// `row_count` is null or writable for an SQLULEN and `row_status` null or writable for one
/// SQLUSMALLINT per row of the rowset; the fetch writes them.
pub unsafe extern "C" fn SQLExtendedFetch(
    h: *mut c_void,
    orientation: u16,
    offset: isize,
    row_count: *mut usize,
    row_status: *mut u16,
) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            odbc2::extended_fetch(
                s,
                orientation,
                offset,
                row_count.expose_provenance(),
                row_status.expose_provenance(),
            )
        })
    })
}

#[no_mangle]
/// # Safety
/// `h` is a handle of this driver or anything else (it is checked).
pub unsafe extern "C" fn SQLSetPos(h: *mut c_void, row: u64, operation: u16, lock: u16) -> i16 {
    guard::raw(move || call_stmt(h, move |s| s.set_pos(row, operation, lock)))
}

#[no_mangle]
/// # Safety
/// `h` is a handle of this driver or anything else (it is checked).
pub unsafe extern "C" fn SQLBulkOperations(h: *mut c_void, operation: i16) -> i16 {
    guard::raw(move || {
        call_stmt(h, move |s| {
            let operation = u16::try_from(operation).unwrap_or(u16::MAX);
            s.bulk_operations(operation)
        })
    })
}

#[no_mangle]
/// # Safety
/// `token` is null or writable for a pointer.
pub unsafe extern "C" fn SQLParamData(h: *mut c_void, token: *mut *mut c_void) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            let (outcome, t) = s.param_data()?;
            if outcome == Outcome::NeedData {
                // SAFETY: `token` is null or writable for a pointer (contract).
                unsafe { out::put(token, std::ptr::with_exposed_provenance_mut(t)) };
            }
            Ok(outcome)
        })
    })
}

#[no_mangle]
/// # Safety
/// `data` is null or readable for `len` bytes (or a NUL-terminated string for SQL_NTS); the
/// statement reads it during the call.
pub unsafe extern "C" fn SQLPutData(h: *mut c_void, data: *mut c_void, len: isize) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            s.put_data(data.expose_provenance(), len as i64)?;
            Ok(Outcome::Success)
        })
    })
}
