//! SQLGetDiagRec, SQLGetDiagField and ODBC 2's SQLError. These do not clear the diagnostics
//! they read, so they run under the bare panic guard. The answers come from
//! [`crate::odbc::diag_fields`]; the module contract is in [`crate::ffi`].

use super::guard::{
    self, SQL_ERROR, SQL_INVALID_HANDLE, SQL_NO_DATA, SQL_SUCCESS, SQL_SUCCESS_WITH_INFO,
};
use super::handles::{self, Object};
use super::out::{self, OutLen, Unit};
use super::text::Enc;
use crate::odbc::diag::Diagnostics;
use crate::odbc::diag_fields::{self, FieldAnswer, NoAnswer, RecordAnswer};
use crate::odbc::lifecycle::HandleKind;
use std::ffi::c_void;
use std::sync::Arc;

/// Runs `f` on the diagnostic area behind a handle of the given type.
fn with_area<R>(kind: i16, handle: *mut c_void, f: impl FnOnce(&Diagnostics) -> R) -> Option<R> {
    let obj = handles::any(handle)?;
    Some(match (HandleKind::from_code(kind)?, obj) {
        (HandleKind::Env, Object::Env(e)) => f(&e.diag),
        (HandleKind::Dbc, Object::Conn(c)) => f(&c.diag),
        (HandleKind::Stmt, Object::Stmt(s)) => f(&s.diag),
        (HandleKind::Desc, Object::Desc(d)) => f(&d.diag),
        _ => return None,
    })
}

fn no_answer(n: NoAnswer) -> i16 {
    match n {
        NoAnswer::NoData => SQL_NO_DATA,
        NoAnswer::Error => SQL_ERROR,
    }
}

/// Writes a record's SQLSTATE (5 characters and a NUL), native code and message.
///
/// # Safety
/// `state_out` is null or writable for 6 units, `msg` null or writable for `cap` units;
/// `native` and `msg_len` null or writable for their types.
#[allow(clippy::too_many_arguments)]
unsafe fn write_record<C>(
    enc: Enc,
    rec: &RecordAnswer,
    state_out: *mut C,
    native: *mut i32,
    msg: *mut C,
    cap: i16,
    msg_len: *mut i16,
) -> i16 {
    let msg_len = OutLen::Small(msg_len);
    // SAFETY: `state_out` is null or writable for 6 units, `msg` for `cap` units; `native`
    // and `msg_len` null or writable (this function's contract).
    let truncated = unsafe {
        out::string(
            enc,
            &rec.state,
            state_out.cast(),
            6,
            Unit::Chars,
            OutLen::None,
        );
        out::put(native, rec.native);
        out::string(
            enc,
            &rec.message,
            msg.cast(),
            isize::from(cap),
            Unit::Chars,
            msg_len,
        )
    };
    if truncated {
        SQL_SUCCESS_WITH_INFO
    } else {
        SQL_SUCCESS
    }
}

/// # Safety
/// As [`write_record`].
#[allow(clippy::too_many_arguments)]
unsafe fn get_diag_rec<C>(
    enc: Enc,
    kind: i16,
    handle: *mut c_void,
    number: i16,
    state_out: *mut C,
    native: *mut i32,
    msg: *mut C,
    cap: i16,
    msg_len: *mut i16,
) -> i16 {
    let found = with_area(kind, handle, |area| {
        match diag_fields::rec(area, number, cap) {
            // SAFETY: the output pointers are the caller's, as `write_record` requires.
            Ok(rec) => unsafe { write_record(enc, &rec, state_out, native, msg, cap, msg_len) },
            Err(n) => no_answer(n),
        }
    });
    found.unwrap_or(SQL_INVALID_HANDLE)
}

/// # Safety
/// `value` is null or writable for the field's type (or `cap` bytes for strings); `len` is
/// null or writable.
#[allow(clippy::too_many_arguments)]
unsafe fn get_diag_field(
    enc: Enc,
    kind: i16,
    handle: *mut c_void,
    number: i16,
    id: i16,
    value: *mut c_void,
    cap: i16,
    len: *mut i16,
) -> i16 {
    let server_name = match handles::any(handle) {
        Some(Object::Conn(c)) => c.state.lock().host.clone(),
        Some(Object::Stmt(s)) => s.conn.state.lock().host.clone(),
        _ => String::new(),
    };
    let statement = HandleKind::from_code(kind) == Some(HandleKind::Stmt);
    let found = with_area(kind, handle, |area| {
        let answer = match diag_fields::field(area, statement, number, id, &server_name) {
            Ok(a) => a,
            Err(n) => return no_answer(n),
        };
        match answer {
            // SAFETY: `value` is null or writable for an SQLSMALLINT (contract).
            FieldAnswer::Small(n) => unsafe { out::put(value.cast::<i16>(), n) },
            // SAFETY: `value` is null or writable for an SQLINTEGER (contract).
            FieldAnswer::Int(n) => unsafe { out::put(value.cast::<i32>(), n) },
            // SAFETY: `value` is null or writable for an SQLLEN (contract).
            FieldAnswer::Len(n) => unsafe { out::put(value.cast::<isize>(), n) },
            FieldAnswer::Text {
                value: t,
                report_truncation,
            } => {
                // A string into a negative length: SQL_ERROR, with no record (the
                // diagnostic functions post none of their own).
                if cap < 0 {
                    return SQL_ERROR;
                }
                let out_len = OutLen::Small(len);
                // SAFETY: `value` is null or writable for `cap` bytes, `len` null or writable.
                let cut =
                    unsafe { out::string(enc, &t, value, isize::from(cap), Unit::Bytes, out_len) };
                if cut && report_truncation {
                    return SQL_SUCCESS_WITH_INFO;
                }
            }
        }
        SQL_SUCCESS
    });
    found.unwrap_or(SQL_INVALID_HANDLE)
}

/// SQLError reads (and consumes) records of the most specific handle given.
///
/// # Safety
/// As [`write_record`].
#[allow(clippy::too_many_arguments)]
unsafe fn error_impl<C>(
    enc: Enc,
    env: *mut c_void,
    dbc: *mut c_void,
    stmt: *mut c_void,
    state_out: *mut C,
    native: *mut i32,
    msg: *mut C,
    cap: i16,
    msg_len: *mut i16,
) -> i16 {
    let area: Option<Arc<dyn AsArea>> = if !stmt.is_null() {
        handles::stmt(stmt).map(|s| s as Arc<dyn AsArea>)
    } else if !dbc.is_null() {
        handles::conn(dbc).map(|c| c as Arc<dyn AsArea>)
    } else if !env.is_null() {
        handles::env(env).map(|e| e as Arc<dyn AsArea>)
    } else {
        None
    };
    let Some(area) = area else {
        return SQL_INVALID_HANDLE;
    };
    let odbc2 = match handles::any(env) {
        Some(Object::Env(e)) => e.odbc_version() == crate::odbc::env::SQL_OV_ODBC2,
        _ => false,
    };
    let Some(rec) = diag_fields::next_error(area.area(), odbc2) else {
        return SQL_NO_DATA;
    };
    // SAFETY: the output pointers are the caller's, as `write_record` requires.
    unsafe { write_record(enc, &rec, state_out, native, msg, cap, msg_len) }
}

trait AsArea {
    fn area(&self) -> &Diagnostics;
}
impl<T: guard::HasDiag> AsArea for T {
    fn area(&self) -> &Diagnostics {
        self.diag()
    }
}

narrow_and_wide! {
    fn SQLGetDiagRec / SQLGetDiagRecW(
        kind: i16,
        handle: *mut c_void,
        number: i16,
        state: *mut Char,
        native: *mut i32,
        msg: *mut Char,
        cap: i16,
        msg_len: *mut i16,
    ) => get_diag_rec;
    fn SQLGetDiagField / SQLGetDiagFieldW(
        kind: i16,
        handle: *mut c_void,
        number: i16,
        id: i16,
        value: *mut c_void,
        cap: i16,
        len: *mut i16,
    ) => get_diag_field;
    fn SQLError / SQLErrorW(
        env: *mut c_void,
        dbc: *mut c_void,
        stmt: *mut c_void,
        state: *mut Char,
        native: *mut i32,
        msg: *mut Char,
        cap: i16,
        msg_len: *mut i16,
    ) => error_impl;
}
