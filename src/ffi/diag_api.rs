//! SQLGetDiagRec, SQLGetDiagField and ODBC 2's SQLError. These do not clear the diagnostics
//! they read, so they run under the bare panic guard. The module contract is in
//! [`crate::ffi`].

use super::guard::{
    self, SQL_ERROR, SQL_INVALID_HANDLE, SQL_NO_DATA, SQL_SUCCESS, SQL_SUCCESS_WITH_INFO,
};
use super::handles::{self, Object};
use super::out::{self, OutLen, Unit};
use super::text::Enc;
use crate::odbc::diag::{DiagRecord, Diagnostics, MESSAGE_PREFIX};
use std::ffi::c_void;
use std::sync::Arc;

const SQL_HANDLE_ENV: i16 = 1;
const SQL_HANDLE_DBC: i16 = 2;
const SQL_HANDLE_STMT: i16 = 3;
const SQL_HANDLE_DESC: i16 = 4;

/// Runs `f` on the diagnostic area behind a handle of the given type.
fn with_area<R>(kind: i16, handle: *mut c_void, f: impl FnOnce(&Diagnostics) -> R) -> Option<R> {
    let obj = handles::any(handle)?;
    Some(match (kind, obj) {
        (SQL_HANDLE_ENV, Object::Env(e)) => f(&e.diag),
        (SQL_HANDLE_DBC, Object::Conn(c)) => f(&c.diag),
        (SQL_HANDLE_STMT, Object::Stmt(s)) => f(&s.diag),
        (SQL_HANDLE_DESC, Object::Desc(d)) => f(&d.diag),
        _ => return None,
    })
}

fn message_of(rec: &DiagRecord) -> String {
    format!("{MESSAGE_PREFIX}{}", rec.message)
}

/// # Safety
/// `state_out` is null or writable for 6 units, `msg` null or writable for `cap` units;
/// `native` and `msg_len` null or writable for their types.
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
        if number < 1 || cap < 0 {
            return SQL_ERROR;
        }
        let area = area.lock();
        let Some(rec) = area
            .records
            .get(usize::try_from(number - 1).unwrap_or(usize::MAX))
        else {
            return SQL_NO_DATA;
        };
        // SAFETY: `state_out` is null or writable for 6 units, `msg` for `cap` units;
        // `native` and `msg_len` null or writable (contract).
        let truncated = unsafe {
            out::string(
                enc,
                rec.state.as_str(),
                state_out.cast(),
                6,
                Unit::Chars,
                OutLen::None,
            );
            out::put(native, rec.native);
            out::string(
                enc,
                &message_of(rec),
                msg.cast(),
                isize::from(cap),
                Unit::Chars,
                OutLen::Small(msg_len),
            )
        };
        if truncated {
            SQL_SUCCESS_WITH_INFO
        } else {
            SQL_SUCCESS
        }
    });
    found.unwrap_or(SQL_INVALID_HANDLE)
}

mod field {
    pub const RETURNCODE: i16 = 1;
    pub const NUMBER: i16 = 2;
    pub const ROW_COUNT: i16 = 3;
    pub const SQLSTATE: i16 = 4;
    pub const NATIVE: i16 = 5;
    pub const MESSAGE_TEXT: i16 = 6;
    pub const DYNAMIC_FUNCTION: i16 = 7;
    pub const CLASS_ORIGIN: i16 = 8;
    pub const SUBCLASS_ORIGIN: i16 = 9;
    pub const CONNECTION_NAME: i16 = 10;
    pub const SERVER_NAME: i16 = 11;
    pub const DYNAMIC_FUNCTION_CODE: i16 = 12;
    pub const CURSOR_ROW_COUNT: i16 = -1249;
    pub const ROW_NUMBER: i16 = -1248;
    pub const COLUMN_NUMBER: i16 = -1247;
}

/// ODBC's rule: states of class 01..HZ defined by ISO start with "ISO 9075", others are ODBC's.
fn class_origin(state: &str) -> &'static str {
    let class = &state[..2.min(state.len())];
    let iso = matches!(
        class,
        "01" | "02"
            | "07"
            | "08"
            | "21"
            | "22"
            | "23"
            | "24"
            | "25"
            | "28"
            | "2D"
            | "34"
            | "3C"
            | "3D"
            | "3F"
            | "40"
            | "42"
            | "44"
            | "HZ"
    );
    if iso {
        "ISO 9075"
    } else {
        "ODBC 3.0"
    }
}

fn subclass_origin(state: &str) -> &'static str {
    const ODBC_DEFINED: &[&str] = &[
        "01S00", "01S01", "01S02", "01S06", "01S07", "07S01", "08S01", "21S01", "21S02", "25S01",
        "25S02", "25S03", "42S01", "42S02", "42S11", "42S12", "42S21", "42S22", "HY095", "HY097",
        "HY098", "HY099", "HY100", "HY101", "HY105", "HY107", "HY109", "HY110", "HY111", "HYT00",
        "HYT01", "IM001", "IM002", "IM003", "IM004", "IM005", "IM006", "IM007", "IM008", "IM010",
        "IM011", "IM012",
    ];
    if ODBC_DEFINED.contains(&state) {
        "ODBC 3.0"
    } else {
        class_origin(state)
    }
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
    let found = with_area(kind, handle, |area| {
        let return_code = area.return_code();
        let area = area.lock();
        let header = match id {
            field::RETURNCODE => Some(Answer::Small(return_code)),
            field::NUMBER => Some(Answer::Int(
                i32::try_from(area.records.len()).unwrap_or(i32::MAX),
            )),
            field::ROW_COUNT | field::CURSOR_ROW_COUNT => {
                if kind != SQL_HANDLE_STMT {
                    return SQL_ERROR;
                }
                Some(Answer::Len(isize::try_from(area.row_count).unwrap_or(-1)))
            }
            field::DYNAMIC_FUNCTION => Some(Answer::Text(String::new())),
            field::DYNAMIC_FUNCTION_CODE => Some(Answer::Int(0)),
            _ => None,
        };
        let answer = match header {
            Some(a) => a,
            None => {
                if number < 1 {
                    return SQL_ERROR;
                }
                let Some(rec) = area
                    .records
                    .get(usize::try_from(number - 1).unwrap_or(usize::MAX))
                else {
                    return SQL_NO_DATA;
                };
                let st = rec.state.as_str();
                match id {
                    field::SQLSTATE => Answer::Text(st.to_string()),
                    field::MESSAGE_TEXT => Answer::Text(message_of(rec)),
                    field::CLASS_ORIGIN => Answer::Text(class_origin(st).to_string()),
                    field::SUBCLASS_ORIGIN => Answer::Text(subclass_origin(st).to_string()),
                    field::CONNECTION_NAME => Answer::Text(String::new()),
                    field::SERVER_NAME => Answer::Text(server_name.clone()),
                    field::NATIVE => Answer::Int(rec.native),
                    field::ROW_NUMBER => Answer::Len(isize::try_from(rec.row).unwrap_or(-1)),
                    field::COLUMN_NUMBER => Answer::Int(rec.column),
                    _ => return SQL_ERROR,
                }
            }
        };
        // SAFETY: `value` is null or writable for the field's type (or `cap` bytes for a
        // string); `len` null or writable (contract).
        let truncated = unsafe {
            match answer {
                Answer::Small(n) => out::put(value.cast::<i16>(), n),
                Answer::Int(n) => out::put(value.cast::<i32>(), n),
                Answer::Len(n) => out::put(value.cast::<isize>(), n),
                Answer::Text(t) => {
                    let out_len = OutLen::Small(len);
                    // The header's empty SQL_DIAG_DYNAMIC_FUNCTION never reports truncation.
                    let cut = out::string(enc, &t, value, isize::from(cap), Unit::Bytes, out_len);
                    return if cut && id != field::DYNAMIC_FUNCTION {
                        SQL_SUCCESS_WITH_INFO
                    } else {
                        SQL_SUCCESS
                    };
                }
            }
            false
        };
        if truncated {
            SQL_SUCCESS_WITH_INFO
        } else {
            SQL_SUCCESS
        }
    });
    found.unwrap_or(SQL_INVALID_HANDLE)
}

/// A diagnostic field in its C width.
enum Answer {
    Small(i16),
    Int(i32),
    Len(isize),
    Text(String),
}

/// SQLError reads (and consumes) records of the most specific handle given.
///
/// # Safety
/// `state_out` is null or writable for 6 units, `msg` null or writable for `cap` units;
/// `native` and `msg_len` null or writable for their types.
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
    let mut area = area.area().lock();
    let idx = area.error_cursor;
    let Some(rec) = area.records.get(idx).cloned() else {
        return SQL_NO_DATA;
    };
    area.error_cursor += 1;
    let odbc2 = match handles::any(env) {
        Some(Object::Env(e)) => e.odbc_version() == crate::odbc::env::SQL_OV_ODBC2,
        _ => false,
    };
    let st = if odbc2 { rec.state.odbc2() } else { rec.state };
    // SAFETY: `state_out` is null or writable for 6 units, `msg` for `cap` units; `native`
    // and `msg_len` null or writable (contract).
    let truncated = unsafe {
        out::string(
            enc,
            st.as_str(),
            state_out.cast(),
            6,
            Unit::Chars,
            OutLen::None,
        );
        out::put(native, rec.native);
        out::string(
            enc,
            &message_of(&rec),
            msg.cast(),
            isize::from(cap),
            Unit::Chars,
            OutLen::Small(msg_len),
        )
    };
    if truncated {
        SQL_SUCCESS_WITH_INFO
    } else {
        SQL_SUCCESS
    }
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
