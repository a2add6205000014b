//! Entry points for statements: execution, results, binding. The module contract is in
//! [`crate::ffi`].

use super::guard::{self, call_stmt};
use super::handles;
use super::out::{self, OutLen, Unit};
use super::text::{self, Enc};
use crate::odbc::bind::{self, ParamShape};
use crate::odbc::describe::{self, ColAttr};
use crate::odbc::diag::Outcome;
use crate::odbc::{lifecycle, outbuf};
use std::ffi::c_void;

/// # Safety
/// `sql` is null or a string of `len` units (NUL-terminated for SQL_NTS).
unsafe fn exec_direct<C>(enc: Enc, h: *mut c_void, sql: *const C, len: i32) -> i16 {
    call_stmt(h, |s| {
        // SAFETY: `sql` is null or a string of `len` units (contract).
        let sql = unsafe { text::read_required(enc, sql.cast(), len, "the statement text") }?;
        s.exec_direct(&sql)
    })
}

/// # Safety
/// `sql` is null or a string of `len` units (NUL-terminated for SQL_NTS).
unsafe fn prepare<C>(enc: Enc, h: *mut c_void, sql: *const C, len: i32) -> i16 {
    call_stmt(h, |s| {
        // SAFETY: `sql` is null or a string of `len` units (contract).
        let sql = unsafe { text::read_required(enc, sql.cast(), len, "the statement text") }?;
        s.prepare(&sql)?;
        Ok(Outcome::Success)
    })
}

/// # Safety
/// `name` is null or writable for `cap` units; the other outputs are null or writable for
/// their types.
#[allow(clippy::too_many_arguments)]
unsafe fn describe_col<C>(
    enc: Enc,
    h: *mut c_void,
    col: u16,
    name: *mut C,
    cap: i16,
    name_len: *mut i16,
    data_type: *mut i16,
    size: *mut usize,
    digits: *mut i16,
    nullable: *mut i16,
) -> i16 {
    call_stmt(h, |s| {
        outbuf::check_length(i64::from(cap))?;
        let d = describe::column(s, col)?;
        // SAFETY: `name` is null or writable for `cap` units; `name_len`, `data_type`,
        // `size`, `digits` and `nullable` are null or writable for their types (contract).
        unsafe {
            out::string_warn(
                &s.diag,
                "column name truncated",
                enc,
                &d.name,
                name.cast(),
                isize::from(cap),
                Unit::Chars,
                OutLen::Small(name_len),
            );
            out::put(data_type, d.sql_type);
            out::put(size, d.column_size);
            out::put(digits, d.decimal_digits);
            out::put(nullable, d.nullable);
        }
        Ok(Outcome::Success)
    })
}

/// # Safety
/// `char_attr` is null or writable for `cap` bytes; `str_len` and `num_attr` are null or
/// writable for their types.
#[allow(clippy::too_many_arguments)]
unsafe fn col_attribute(
    enc: Enc,
    h: *mut c_void,
    col: u16,
    id: u16,
    char_attr: *mut c_void,
    cap: i16,
    str_len: *mut i16,
    num_attr: *mut isize,
) -> i16 {
    call_stmt(h, |s| {
        match describe::col_attribute(s, col, id)? {
            ColAttr::Text(t) => {
                outbuf::check_length(i64::from(cap))?;
                let out_len = OutLen::Small(str_len);
                // SAFETY: `char_attr` is null or writable for `cap` bytes; `str_len` null or
                // writable (contract).
                unsafe {
                    out::string_warn(
                        &s.diag,
                        out::TRUNCATED,
                        enc,
                        &t,
                        char_attr,
                        isize::from(cap),
                        Unit::Bytes,
                        out_len,
                    );
                }
            }
            ColAttr::Number(n) => {
                let n = isize::try_from(n).unwrap_or(isize::MAX);
                // SAFETY: `num_attr` is null or writable for an SQLLEN (contract).
                unsafe { out::put(num_attr, n) };
            }
        }
        Ok(Outcome::Success)
    })
}

narrow_and_wide! {
    fn SQLExecDirect / SQLExecDirectW(h: *mut c_void, sql: *const Char, len: i32) => exec_direct;
    fn SQLPrepare / SQLPrepareW(h: *mut c_void, sql: *const Char, len: i32) => prepare;
    fn SQLDescribeCol / SQLDescribeColW(
        h: *mut c_void,
        col: u16,
        name: *mut Char,
        cap: i16,
        name_len: *mut i16,
        data_type: *mut i16,
        size: *mut usize,
        digits: *mut i16,
        nullable: *mut i16,
    ) => describe_col;
    fn SQLColAttribute / SQLColAttributeW(
        h: *mut c_void,
        col: u16,
        id: u16,
        char_attr: *mut c_void,
        cap: i16,
        str_len: *mut i16,
        num_attr: *mut isize,
    ) => col_attribute;
}

#[no_mangle]
/// # Safety
/// `h` is a handle of this driver or anything else (it is checked).
pub unsafe extern "C" fn SQLExecute(h: *mut c_void) -> i16 {
    guard::raw(|| call_stmt(h, |s| s.execute()))
}

#[no_mangle]
/// # Safety
/// `count` is null or writable for an SQLSMALLINT.
pub unsafe extern "C" fn SQLNumResultCols(h: *mut c_void, count: *mut i16) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            outbuf::require(count.is_null(), "output pointer")?;
            let n = i16::try_from(s.num_result_cols()?).unwrap_or(i16::MAX);
            // SAFETY: `count` is not null and writable for an SQLSMALLINT (contract).
            unsafe { out::put(count, n) };
            Ok(Outcome::Success)
        })
    })
}

#[no_mangle]
/// # Safety
/// `h` is a handle of this driver or anything else (it is checked).
pub unsafe extern "C" fn SQLFetch(h: *mut c_void) -> i16 {
    guard::raw(move || call_stmt(h, |s| s.fetch()))
}

#[no_mangle]
/// # Safety
/// `h` is a handle of this driver or anything else (it is checked).
pub unsafe extern "C" fn SQLFetchScroll(h: *mut c_void, orientation: i16, offset: isize) -> i16 {
    guard::raw(move || call_stmt(h, move |s| s.fetch_scroll(orientation, offset as i64)))
}

#[no_mangle]
/// # Safety
/// `value` is null or writable for `cap` bytes (or the target's fixed size) and `ind` null or
/// writable for an SQLLEN; the statement writes them during the call.
pub unsafe extern "C" fn SQLGetData(
    h: *mut c_void,
    col: u16,
    target: i16,
    value: *mut c_void,
    cap: isize,
    ind: *mut isize,
) -> i16 {
    // The closures take their arguments by value: captured by reference, they were written to
    // the stack and read back in wider loads, a store-forwarding stall on every row.
    guard::raw(move || {
        call_stmt(h, move |s| {
            outbuf::check_get_data_target(target, value.is_null())?;
            s.get_data(
                col,
                target,
                value.expose_provenance(),
                cap as i64,
                ind.expose_provenance(),
            )
        })
    })
}

#[no_mangle]
/// # Safety
/// `value` and `ind` stay valid while bound (the ODBC contract of deferred buffers); nothing
/// is read or written here.
pub unsafe extern "C" fn SQLBindCol(
    h: *mut c_void,
    col: u16,
    target: i16,
    value: *mut c_void,
    cap: isize,
    ind: *mut isize,
) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            bind::bind_col(
                s,
                col,
                target,
                value.expose_provenance(),
                cap,
                ind.expose_provenance(),
            )?;
            Ok(Outcome::Success)
        })
    })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
/// # Safety
/// `value` and `ind` stay valid while bound (the ODBC contract of deferred buffers); nothing
/// is read or written here.
pub unsafe extern "C" fn SQLBindParameter(
    h: *mut c_void,
    number: u16,
    io_type: i16,
    c_type: i16,
    sql_type: i16,
    size: usize,
    digits: i16,
    value: *mut c_void,
    cap: isize,
    ind: *mut isize,
) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            let shape = ParamShape {
                io_type,
                sql_type,
                column_size: size,
                decimal_digits: digits,
            };
            bind::bind_parameter(
                s,
                number,
                c_type,
                shape,
                value.expose_provenance(),
                cap,
                ind.expose_provenance(),
            )?;
            Ok(Outcome::Success)
        })
    })
}

#[no_mangle]
/// # Safety
/// `count` is null or writable for an SQLSMALLINT.
pub unsafe extern "C" fn SQLNumParams(h: *mut c_void, count: *mut i16) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            let n = i16::try_from(s.num_params()?).unwrap_or(i16::MAX);
            // SAFETY: `count` is null or writable for an SQLSMALLINT (contract).
            unsafe { out::put(count, n) };
            Ok(Outcome::Success)
        })
    })
}

#[no_mangle]
/// # Safety
/// Each output is null or writable for its type.
pub unsafe extern "C" fn SQLDescribeParam(
    h: *mut c_void,
    number: u16,
    data_type: *mut i16,
    size: *mut usize,
    digits: *mut i16,
    nullable: *mut i16,
) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            let d = describe::parameter(s, number)?;
            // SAFETY: `data_type`, `size`, `digits` and `nullable` are null or writable for
            // their types (contract).
            unsafe {
                out::put(data_type, d.sql_type);
                out::put(size, d.column_size);
                out::put(digits, d.decimal_digits);
                out::put(nullable, d.nullable);
            }
            Ok(Outcome::Success)
        })
    })
}

#[no_mangle]
/// # Safety
/// `count` is null or writable for an SQLLEN.
pub unsafe extern "C" fn SQLRowCount(h: *mut c_void, count: *mut isize) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            outbuf::require(count.is_null(), "output pointer")?;
            let n = isize::try_from(s.row_count()?).unwrap_or(-1);
            // SAFETY: `count` is not null and writable for an SQLLEN (contract).
            unsafe { out::put(count, n) };
            Ok(Outcome::Success)
        })
    })
}

#[no_mangle]
/// # Safety
/// `h` is a handle of this driver or anything else (it is checked).
pub unsafe extern "C" fn SQLMoreResults(h: *mut c_void) -> i16 {
    guard::raw(|| call_stmt(h, |s| s.more_results()))
}

#[no_mangle]
/// # Safety
/// `h` is a handle of this driver or anything else (it is checked).
pub unsafe extern "C" fn SQLCloseCursor(h: *mut c_void) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            s.close_cursor(true)?;
            Ok(Outcome::Success)
        })
    })
}

#[no_mangle]
/// # Safety
/// `h` is a handle of this driver or anything else (it is checked).
pub unsafe extern "C" fn SQLFreeStmt(h: *mut c_void, option: u16) -> i16 {
    guard::raw(|| {
        if option == lifecycle::SQL_DROP {
            let Some(s) = handles::stmt(h) else {
                return guard::SQL_INVALID_HANDLE;
            };
            super::env_conn::free_statement(h, &s);
            return guard::SQL_SUCCESS;
        }
        call_stmt(h, |s| {
            lifecycle::free_stmt(s, option)?;
            Ok(Outcome::Success)
        })
    })
}

#[no_mangle]
/// # Safety
/// `h` is a handle of this driver or anything else (it is checked).
pub unsafe extern "C" fn SQLCancel(h: *mut c_void) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            lifecycle::cancel(s)?;
            Ok(Outcome::Success)
        })
    })
}
