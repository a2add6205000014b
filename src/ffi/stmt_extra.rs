//! Further statement entry points: SQLNativeSql, cursor names, SQLExtendedFetch (ODBC 2),
//! and data at execution (SQLParamData / SQLPutData).
//!
//! # Safety
//! Every exported function here relies on the caller following the ODBC specification for it:
//! handles come from this driver (checked against the registry anyway), and every pointer is
//! null or valid for the length the call passes. That one contract is stated here rather than
//! on each function.
#![allow(clippy::missing_safety_doc)]

use super::guard::{self, call, call_stmt};
use super::handles;
use super::text::{self, Enc, OutLen, Unit};
use crate::odbc::diag::{state, OdbcError, Outcome, SqlState};
use crate::odbc::stmt::Statement;
use std::ffi::c_void;
use std::sync::Arc;

const INVALID_CURSOR_NAME: SqlState = SqlState::new("34000");
const DUPLICATE_CURSOR_NAME: SqlState = SqlState::new("3C000");

unsafe fn native_sql(
    enc: Enc,
    dbc: *mut c_void,
    input: *const c_void,
    in_len: i32,
    out: *mut c_void,
    cap: i32,
    out_len: *mut i32,
) -> i16 {
    call(handles::conn(dbc), |c| {
        let sql = text::read_required(enc, input, in_len, "the statement text")?;
        if cap < 0 {
            return Err(OdbcError::new(
                state::INVALID_LENGTH,
                "negative buffer length",
            ));
        }
        // The native form is the text with ODBC escape sequences translated; `?` markers
        // stay as they are (they become $n only on the wire).
        let native = crate::odbc::sqltext::translate_escapes(&sql)
            .map_err(|m| OdbcError::new(crate::odbc::diag::SqlState::new("42000"), m))?;
        if text::write(
            enc,
            &native,
            out,
            cap as isize,
            Unit::Chars,
            OutLen::Int(out_len),
        ) {
            c.diag
                .lock()
                .push(state::STRING_TRUNCATED, "string data, right truncated");
        }
        Ok(Outcome::Success)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLNativeSql(
    dbc: *mut c_void,
    input: *const u8,
    in_len: i32,
    out: *mut u8,
    cap: i32,
    out_len: *mut i32,
) -> i16 {
    guard::raw(|| {
        native_sql(
            Enc::Narrow,
            dbc,
            input.cast(),
            in_len,
            out.cast(),
            cap,
            out_len,
        )
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLNativeSqlW(
    dbc: *mut c_void,
    input: *const u16,
    in_len: i32,
    out: *mut u16,
    cap: i32,
    out_len: *mut i32,
) -> i16 {
    guard::raw(|| {
        native_sql(
            Enc::Wide,
            dbc,
            input.cast(),
            in_len,
            out.cast(),
            cap,
            out_len,
        )
    })
}

/// The statement's cursor name: the one set, or the generated `SQL_CUR<id>`.
fn cursor_name(s: &Statement) -> String {
    s.state
        .lock()
        .attrs
        .cursor_name
        .clone()
        .unwrap_or_else(|| format!("SQL_CUR{}", s.id))
}

unsafe fn get_cursor_name(
    enc: Enc,
    h: *mut c_void,
    out: *mut c_void,
    cap: i16,
    out_len: *mut i16,
) -> i16 {
    call_stmt(h, |s| {
        if cap < 0 {
            return Err(OdbcError::new(
                state::INVALID_LENGTH,
                "negative buffer length",
            ));
        }
        if text::write(
            enc,
            &cursor_name(s),
            out,
            isize::from(cap),
            Unit::Chars,
            OutLen::Small(out_len),
        ) {
            s.diag
                .lock()
                .push(state::STRING_TRUNCATED, "string data, right truncated");
        }
        Ok(Outcome::Success)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetCursorName(
    h: *mut c_void,
    out: *mut u8,
    cap: i16,
    out_len: *mut i16,
) -> i16 {
    guard::raw(|| get_cursor_name(Enc::Narrow, h, out.cast(), cap, out_len))
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetCursorNameW(
    h: *mut c_void,
    out: *mut u16,
    cap: i16,
    out_len: *mut i16,
) -> i16 {
    guard::raw(|| get_cursor_name(Enc::Wide, h, out.cast(), cap, out_len))
}

unsafe fn set_cursor_name(enc: Enc, h: *mut c_void, name: *const c_void, len: i16) -> i16 {
    call_stmt(h, |s: &Arc<Statement>| {
        let name = text::read_required(enc, name, i32::from(len), "the cursor name")?;
        if name.is_empty() || name.len() > 128 || name.to_ascii_uppercase().starts_with("SQL_CUR") {
            return Err(OdbcError::new(
                INVALID_CURSOR_NAME,
                format!("invalid cursor name \"{name}\""),
            ));
        }
        if s.state.lock().result.is_some() {
            return Err(OdbcError::new(
                state::INVALID_CURSOR_STATE,
                "a cursor is open",
            ));
        }
        let taken = handles::conn_statements(&s.conn).iter().any(|o| {
            !Arc::ptr_eq(o, s)
                && o.state
                    .lock()
                    .attrs
                    .cursor_name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(&name))
        });
        if taken {
            return Err(OdbcError::new(
                DUPLICATE_CURSOR_NAME,
                format!("cursor name \"{name}\" is already in use"),
            ));
        }
        s.state.lock().attrs.cursor_name = Some(name);
        Ok(Outcome::Success)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetCursorName(h: *mut c_void, name: *const u8, len: i16) -> i16 {
    guard::raw(|| set_cursor_name(Enc::Narrow, h, name.cast(), len))
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetCursorNameW(h: *mut c_void, name: *const u16, len: i16) -> i16 {
    guard::raw(|| set_cursor_name(Enc::Wide, h, name.cast(), len))
}

/// SQLExtendedFetch: the ODBC 2 block fetch. The rowset size is SQL_ROWSET_SIZE (kept with
/// the row array size); the row count and status array are this call's arguments rather
/// than statement attributes, so they stand in for the IRD's pointers for the call. The
/// orientations are SQLFetchScroll's.
#[no_mangle]
pub unsafe extern "C" fn SQLExtendedFetch(
    h: *mut c_void,
    orientation: u16,
    offset: isize,
    row_count: *mut usize,
    row_status: *mut u16,
) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            let orientation = i16::try_from(orientation).map_err(|_| {
                OdbcError::new(
                    state::INVALID_FETCH_ORIENTATION,
                    format!("fetch orientation {orientation} is out of range"),
                )
            })?;
            let saved = {
                let mut ird = s.ird.lock();
                let saved = (ird.rows_processed_ptr, ird.array_status_ptr);
                ird.rows_processed_ptr = row_count as usize;
                ird.array_status_ptr = row_status as usize;
                saved
            };
            let result = s.fetch_scroll(orientation, offset as i64);
            let mut ird = s.ird.lock();
            ird.rows_processed_ptr = saved.0;
            ird.array_status_ptr = saved.1;
            result
        })
    })
}

/// Positions the cursor on a row of the rowset for SQLGetData (SQL_POSITION only).
#[no_mangle]
pub unsafe extern "C" fn SQLSetPos(h: *mut c_void, row: u64, operation: u16, lock: u16) -> i16 {
    guard::raw(move || call_stmt(h, move |s| s.set_pos(row, operation, lock)))
}

#[no_mangle]
pub unsafe extern "C" fn SQLParamData(h: *mut c_void, token: *mut *mut c_void) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            let (outcome, t) = s.param_data()?;
            if outcome == Outcome::NeedData {
                text::put(token, t as *mut c_void);
            }
            Ok(outcome)
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLPutData(h: *mut c_void, data: *mut c_void, len: isize) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            s.put_data(data as usize, len as i64)?;
            Ok(Outcome::Success)
        })
    })
}
