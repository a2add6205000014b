//! SQLGetDiagRec, SQLGetDiagField and ODBC 2's SQLError.
//!
//! # Safety
//! Every exported function here relies on the caller following the ODBC specification for it:
//! handles come from this driver (checked against the registry anyway), and every pointer is
//! null or valid for the length the call passes. That one contract is stated here rather than
//! on each function.
#![allow(clippy::missing_safety_doc)]

use super::guard::{
    self, SQL_ERROR, SQL_INVALID_HANDLE, SQL_NO_DATA, SQL_SUCCESS, SQL_SUCCESS_WITH_INFO,
};
use super::handles::{self, Object};
use super::text::{self, Enc, OutLen, Unit};
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

#[allow(clippy::too_many_arguments)]
unsafe fn get_diag_rec(
    enc: Enc,
    kind: i16,
    handle: *mut c_void,
    number: i16,
    state_out: *mut c_void,
    native: *mut i32,
    msg: *mut c_void,
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
        text::write(
            enc,
            rec.state.as_str(),
            state_out,
            6,
            Unit::Chars,
            OutLen::None,
        );
        text::put(native, rec.native);
        let truncated = text::write(
            enc,
            &message_of(rec),
            msg,
            isize::from(cap),
            Unit::Chars,
            OutLen::Small(msg_len),
        );
        if truncated {
            SQL_SUCCESS_WITH_INFO
        } else {
            SQL_SUCCESS
        }
    });
    found.unwrap_or(SQL_INVALID_HANDLE)
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetDiagRec(
    kind: i16,
    handle: *mut c_void,
    number: i16,
    state: *mut u8,
    native: *mut i32,
    msg: *mut u8,
    cap: i16,
    msg_len: *mut i16,
) -> i16 {
    guard::raw(|| {
        get_diag_rec(
            Enc::Narrow,
            kind,
            handle,
            number,
            state.cast(),
            native,
            msg.cast(),
            cap,
            msg_len,
        )
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetDiagRecW(
    kind: i16,
    handle: *mut c_void,
    number: i16,
    state: *mut u16,
    native: *mut i32,
    msg: *mut u16,
    cap: i16,
    msg_len: *mut i16,
) -> i16 {
    guard::raw(|| {
        get_diag_rec(
            Enc::Wide,
            kind,
            handle,
            number,
            state.cast(),
            native,
            msg.cast(),
            cap,
            msg_len,
        )
    })
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
        match id {
            field::RETURNCODE => {
                text::put(value.cast::<i16>(), return_code);
                return SQL_SUCCESS;
            }
            field::NUMBER => {
                text::put(
                    value.cast::<i32>(),
                    i32::try_from(area.records.len()).unwrap_or(i32::MAX),
                );
                return SQL_SUCCESS;
            }
            field::ROW_COUNT | field::CURSOR_ROW_COUNT => {
                if kind != SQL_HANDLE_STMT {
                    return SQL_ERROR;
                }
                text::put(
                    value.cast::<isize>(),
                    isize::try_from(area.row_count).unwrap_or(-1),
                );
                return SQL_SUCCESS;
            }
            field::DYNAMIC_FUNCTION => {
                text::write(
                    enc,
                    "",
                    value,
                    isize::from(cap),
                    Unit::Bytes,
                    OutLen::Small(len),
                );
                return SQL_SUCCESS;
            }
            field::DYNAMIC_FUNCTION_CODE => {
                text::put(value.cast::<i32>(), 0);
                return SQL_SUCCESS;
            }
            _ => {}
        }
        if number < 1 {
            return SQL_ERROR;
        }
        let Some(rec) = area
            .records
            .get(usize::try_from(number - 1).unwrap_or(usize::MAX))
        else {
            return SQL_NO_DATA;
        };
        let st = rec.state.as_str().to_string();
        let text_value = match id {
            field::SQLSTATE => Some(st.clone()),
            field::MESSAGE_TEXT => Some(message_of(rec)),
            field::CLASS_ORIGIN => Some(class_origin(&st).to_string()),
            field::SUBCLASS_ORIGIN => Some(subclass_origin(&st).to_string()),
            field::CONNECTION_NAME => Some(String::new()),
            field::SERVER_NAME => Some(server_name.clone()),
            _ => None,
        };
        if let Some(t) = text_value {
            if text::write(
                enc,
                &t,
                value,
                isize::from(cap),
                Unit::Bytes,
                OutLen::Small(len),
            ) {
                return SQL_SUCCESS_WITH_INFO;
            }
            return SQL_SUCCESS;
        }
        match id {
            field::NATIVE => text::put(value.cast::<i32>(), rec.native),
            field::ROW_NUMBER => text::put(
                value.cast::<isize>(),
                isize::try_from(rec.row).unwrap_or(-1),
            ),
            field::COLUMN_NUMBER => text::put(value.cast::<i32>(), rec.column),
            _ => return SQL_ERROR,
        }
        SQL_SUCCESS
    });
    found.unwrap_or(SQL_INVALID_HANDLE)
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetDiagField(
    kind: i16,
    handle: *mut c_void,
    number: i16,
    id: i16,
    value: *mut c_void,
    cap: i16,
    len: *mut i16,
) -> i16 {
    guard::raw(|| get_diag_field(Enc::Narrow, kind, handle, number, id, value, cap, len))
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetDiagFieldW(
    kind: i16,
    handle: *mut c_void,
    number: i16,
    id: i16,
    value: *mut c_void,
    cap: i16,
    len: *mut i16,
) -> i16 {
    guard::raw(|| get_diag_field(Enc::Wide, kind, handle, number, id, value, cap, len))
}

/// SQLError reads (and consumes) records of the most specific handle given.
#[allow(clippy::too_many_arguments)]
unsafe fn error_impl(
    enc: Enc,
    env: *mut c_void,
    dbc: *mut c_void,
    stmt: *mut c_void,
    state_out: *mut c_void,
    native: *mut i32,
    msg: *mut c_void,
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
    let odbc2 = match handles::any(if !env.is_null() {
        env
    } else {
        std::ptr::null_mut()
    }) {
        Some(Object::Env(e)) => e.odbc_version() == crate::odbc::env::SQL_OV_ODBC2,
        _ => false,
    };
    let st = if odbc2 { rec.state.odbc2() } else { rec.state };
    text::write(enc, st.as_str(), state_out, 6, Unit::Chars, OutLen::None);
    text::put(native, rec.native);
    if text::write(
        enc,
        &message_of(&rec),
        msg,
        isize::from(cap),
        Unit::Chars,
        OutLen::Small(msg_len),
    ) {
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

#[no_mangle]
pub unsafe extern "C" fn SQLError(
    env: *mut c_void,
    dbc: *mut c_void,
    stmt: *mut c_void,
    state: *mut u8,
    native: *mut i32,
    msg: *mut u8,
    cap: i16,
    msg_len: *mut i16,
) -> i16 {
    guard::raw(|| {
        error_impl(
            Enc::Narrow,
            env,
            dbc,
            stmt,
            state.cast(),
            native,
            msg.cast(),
            cap,
            msg_len,
        )
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLErrorW(
    env: *mut c_void,
    dbc: *mut c_void,
    stmt: *mut c_void,
    state: *mut u16,
    native: *mut i32,
    msg: *mut u16,
    cap: i16,
    msg_len: *mut i16,
) -> i16 {
    guard::raw(|| {
        error_impl(
            Enc::Wide,
            env,
            dbc,
            stmt,
            state.cast(),
            native,
            msg.cast(),
            cap,
            msg_len,
        )
    })
}
