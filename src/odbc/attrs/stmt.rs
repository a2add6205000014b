//! SQLSetStmtAttr / SQLGetStmtAttr and the cursor name. Most statement attributes are header
//! fields of the statement's descriptors seen from the statement; the cursor attributes may
//! change only while no cursor is open, and the values this driver cannot honour keep their
//! defaults with 01S02.

use crate::odbc::desc::{checked_array_size, Descriptor};
use crate::odbc::diag::{state, OdbcError, OdbcResult, Outcome, SqlState};
use crate::odbc::scroll::cursor_type;
use crate::odbc::stmt::Statement;
use std::sync::Arc;

/// Statement attribute identifiers (SQL_ATTR_*).
pub mod attr {
    pub const QUERY_TIMEOUT: i32 = 0;
    pub const MAX_ROWS: i32 = 1;
    pub const NOSCAN: i32 = 2;
    pub const MAX_LENGTH: i32 = 3;
    pub const ASYNC_ENABLE: i32 = 4;
    pub const ROW_BIND_TYPE: i32 = 5;
    pub const CURSOR_TYPE: i32 = 6;
    pub const CONCURRENCY: i32 = 7;
    pub const KEYSET_SIZE: i32 = 8;
    pub const ROWSET_SIZE: i32 = 9;
    pub const SIMULATE_CURSOR: i32 = 10;
    pub const RETRIEVE_DATA: i32 = 11;
    pub const USE_BOOKMARKS: i32 = 12;
    pub const ROW_NUMBER: i32 = 14;
    pub const ENABLE_AUTO_IPD: i32 = 15;
    pub const FETCH_BOOKMARK_PTR: i32 = 16;
    pub const PARAM_BIND_OFFSET_PTR: i32 = 17;
    pub const PARAM_BIND_TYPE: i32 = 18;
    pub const PARAM_OPERATION_PTR: i32 = 19;
    pub const PARAM_STATUS_PTR: i32 = 20;
    pub const PARAMS_PROCESSED_PTR: i32 = 21;
    pub const PARAMSET_SIZE: i32 = 22;
    pub const ROW_BIND_OFFSET_PTR: i32 = 23;
    pub const ROW_OPERATION_PTR: i32 = 24;
    pub const ROW_STATUS_PTR: i32 = 25;
    pub const ROWS_FETCHED_PTR: i32 = 26;
    pub const ROW_ARRAY_SIZE: i32 = 27;
    pub const CURSOR_SCROLLABLE: i32 = -1;
    pub const CURSOR_SENSITIVITY: i32 = -2;
    pub const APP_ROW_DESC: i32 = 10010;
    pub const APP_PARAM_DESC: i32 = 10011;
    pub const IMP_ROW_DESC: i32 = 10012;
    pub const IMP_PARAM_DESC: i32 = 10013;
    pub const METADATA_ID: i32 = 10014;
}

const SQL_NONSCROLLABLE: u64 = 0;
const SQL_SCROLLABLE: u64 = 1;
const SQL_CONCUR_READ_ONLY: u64 = 1;
const SQL_CONCUR_LOCK: u64 = 2;
const SQL_CONCUR_ROWVER: u64 = 3;
const SQL_CONCUR_VALUES: u64 = 4;
const SQL_RD_ON: u64 = 1;

const INVALID_CURSOR_NAME: SqlState = SqlState::new("34000");
const DUPLICATE_CURSOR_NAME: SqlState = SqlState::new("3C000");

/// Sets statement attribute `id` from the SQLPOINTER `value`. `descriptor` turns a descriptor
/// handle (SQL_ATTR_APP_ROW_DESC / APP_PARAM_DESC) into its descriptor, `None` when it names
/// none. The result is `Success`, with 01S02 recorded when a value was substituted.
pub fn set(
    s: &Statement,
    id: i32,
    value: usize,
    descriptor: impl FnOnce(usize) -> Option<Arc<Descriptor>>,
) -> OdbcResult<Outcome> {
    let v = value as u64;
    let addr = value;
    let mut st = s.state.lock();
    match id {
        attr::ROW_ARRAY_SIZE | attr::ROWSET_SIZE => {
            st.ard.lock().array_size = checked_array_size(v, "the row array size")?;
        }
        attr::ROW_BIND_TYPE => st.ard.lock().bind_type = v,
        attr::ROW_BIND_OFFSET_PTR => st.ard.lock().bind_offset_ptr = addr,
        attr::ROW_STATUS_PTR => s.ird.lock().array_status_ptr = addr,
        attr::ROWS_FETCHED_PTR => s.ird.lock().rows_processed_ptr = addr,
        attr::PARAMSET_SIZE => {
            st.apd.lock().array_size = checked_array_size(v, "the parameter set size")?;
        }
        attr::PARAM_BIND_TYPE => st.apd.lock().bind_type = v,
        attr::PARAM_BIND_OFFSET_PTR => st.apd.lock().bind_offset_ptr = addr,
        attr::PARAM_STATUS_PTR => s.ipd.lock().array_status_ptr = addr,
        attr::PARAMS_PROCESSED_PTR => s.ipd.lock().rows_processed_ptr = addr,
        attr::PARAM_OPERATION_PTR => st.apd.lock().array_status_ptr = addr,
        attr::ROW_OPERATION_PTR => st.ard.lock().array_status_ptr = addr,
        attr::QUERY_TIMEOUT => st.attrs.query_timeout_secs = v,
        attr::MAX_ROWS => st.attrs.max_rows = v,
        attr::MAX_LENGTH | attr::RETRIEVE_DATA => {
            // Neither truncating long values nor fetching without data is offered: the
            // attribute keeps its default and the application is told (01S02).
            let default = if id == attr::MAX_LENGTH { 0 } else { SQL_RD_ON };
            if v != default {
                drop(st);
                s.diag.lock().push(
                    state::OPTION_CHANGED,
                    if id == attr::MAX_LENGTH {
                        "values are never truncated by the driver; SQL_ATTR_MAX_LENGTH stays 0"
                    } else {
                        "rows are always fetched with their data; SQL_ATTR_RETRIEVE_DATA stays SQL_RD_ON"
                    },
                );
                return Ok(Outcome::Success);
            }
        }
        attr::NOSCAN => st.attrs.noscan = v,
        attr::METADATA_ID => st.attrs.metadata_id = v != 0,
        attr::ASYNC_ENABLE => {
            if v != 0 {
                return Err(OdbcError::new(
                    state::NOT_IMPLEMENTED,
                    "asynchronous execution is not supported",
                ));
            }
        }
        attr::CURSOR_TYPE => {
            if st.result.is_some() {
                return Err(OdbcError::new(
                    state::INVALID_CURSOR_STATE,
                    "a cursor is open; close it before changing the cursor type",
                ));
            }
            match v {
                cursor_type::FORWARD_ONLY | cursor_type::STATIC | cursor_type::KEYSET_DRIVEN => {
                    st.attrs.cursor_type = v;
                }
                cursor_type::DYNAMIC => {
                    // A keyset-driven cursor sees other transactions' updates and deletes;
                    // only their inserts are beyond it.
                    st.attrs.cursor_type = cursor_type::KEYSET_DRIVEN;
                    drop(st);
                    s.diag.lock().push(state::OPTION_CHANGED, "dynamic cursors are not available; the cursor type is SQL_CURSOR_KEYSET_DRIVEN");
                    return Ok(Outcome::Success);
                }
                other => {
                    return Err(OdbcError::new(
                        state::INVALID_ATTR_VALUE,
                        format!("invalid cursor type {other}"),
                    ))
                }
            }
        }
        attr::CONCURRENCY => {
            if st.result.is_some() {
                return Err(OdbcError::new(
                    state::INVALID_CURSOR_STATE,
                    "a cursor is open; close it before changing the concurrency",
                ));
            }
            match v {
                SQL_CONCUR_READ_ONLY | SQL_CONCUR_ROWVER | SQL_CONCUR_VALUES => {
                    st.attrs.concurrency = v;
                }
                // Rows are never locked at fetch: row versions are checked instead.
                SQL_CONCUR_LOCK => {
                    st.attrs.concurrency = SQL_CONCUR_ROWVER;
                    drop(st);
                    s.diag.lock().push(
                        state::OPTION_CHANGED,
                        "rows are not locked when fetched; the concurrency is SQL_CONCUR_ROWVER",
                    );
                    return Ok(Outcome::Success);
                }
                other => {
                    return Err(OdbcError::new(
                        state::INVALID_ATTR_VALUE,
                        format!("invalid concurrency {other}"),
                    ))
                }
            }
        }
        attr::CURSOR_SCROLLABLE => {
            if st.result.is_some() {
                return Err(OdbcError::new(
                    state::INVALID_CURSOR_STATE,
                    "a cursor is open; close it before changing scrollability",
                ));
            }
            // SQL_SCROLLABLE asks for a cursor that can scroll: the static one.
            match v {
                SQL_NONSCROLLABLE => st.attrs.cursor_type = cursor_type::FORWARD_ONLY,
                SQL_SCROLLABLE => st.attrs.cursor_type = cursor_type::STATIC,
                other => {
                    return Err(OdbcError::new(
                        state::INVALID_ATTR_VALUE,
                        format!("invalid scrollability {other}"),
                    ))
                }
            }
        }
        attr::CURSOR_SENSITIVITY => st.attrs.cursor_sensitivity = v,
        attr::USE_BOOKMARKS => {
            if st.result.is_some() {
                return Err(OdbcError::new(
                    state::INVALID_CURSOR_STATE,
                    "a cursor is open; close it before changing bookmarks",
                ));
            }
            // SQL_UB_OFF, SQL_UB_ON (fixed, ODBC 2) and SQL_UB_VARIABLE.
            if v > 2 {
                return Err(OdbcError::new(
                    state::INVALID_ATTR_VALUE,
                    format!("invalid SQL_ATTR_USE_BOOKMARKS value {v}"),
                ));
            }
            st.attrs.use_bookmarks = v;
        }
        attr::FETCH_BOOKMARK_PTR => st.attrs.fetch_bookmark_ptr = value,
        attr::KEYSET_SIZE | attr::SIMULATE_CURSOR | attr::ENABLE_AUTO_IPD => {}
        attr::APP_ROW_DESC | attr::APP_PARAM_DESC => {
            let is_row = id == attr::APP_ROW_DESC;
            let own_implicit = if is_row {
                &s.implicit_ard
            } else {
                &s.implicit_apd
            };
            let chosen = if value == 0 {
                own_implicit.clone()
            } else {
                let Some(d) = descriptor(value) else {
                    return Err(OdbcError::new(
                        state::INVALID_ATTR_VALUE,
                        "not a descriptor handle",
                    ));
                };
                if d.implicit && !Arc::ptr_eq(&d, own_implicit) {
                    return Err(OdbcError::new(
                        state::INVALID_ATTR_VALUE,
                        "an implicit descriptor of another statement cannot be used",
                    ));
                }
                d
            };
            if is_row {
                st.ard = chosen;
            } else {
                st.apd = chosen;
            }
        }
        attr::IMP_ROW_DESC | attr::IMP_PARAM_DESC | attr::ROW_NUMBER => {
            return Err(OdbcError::new(
                state::INVALID_ATTRIBUTE,
                format!("statement attribute {id} is read-only"),
            ));
        }
        other => {
            return Err(OdbcError::new(
                state::INVALID_ATTRIBUTE,
                format!("unknown statement attribute {other}"),
            ))
        }
    }
    Ok(Outcome::Success)
}

/// A descriptor's handle: the address the handle registry knows it by.
fn descriptor_handle(d: &Arc<Descriptor>) -> usize {
    Arc::as_ptr(d).addr()
}

/// Whether statement attribute `id` is answered as a 32-bit integer (4 bytes, length 4).
/// psqlODBC writes these as SQLINTEGER/SQLUINTEGER whatever the ODBC headers say, and
/// programs written against it pass 4-byte variables (often with SQL_IS_UINTEGER); the
/// sizes, counts, timeouts, pointers and descriptor handles keep the full SQLULEN width.
pub fn is_32_bit(id: i32) -> bool {
    matches!(
        id,
        attr::NOSCAN
            | attr::ASYNC_ENABLE
            | attr::ROW_BIND_TYPE
            | attr::CURSOR_TYPE
            | attr::CONCURRENCY
            | attr::SIMULATE_CURSOR
            | attr::RETRIEVE_DATA
            | attr::USE_BOOKMARKS
            | attr::ROW_NUMBER
            | attr::ENABLE_AUTO_IPD
            | attr::PARAM_BIND_TYPE
            | attr::CURSOR_SCROLLABLE
            | attr::CURSOR_SENSITIVITY
            | attr::METADATA_ID
    )
}

/// Reads statement attribute `id`; [`is_32_bit`] says in which width it is written.
pub fn get(s: &Statement, id: i32) -> OdbcResult<usize> {
    let st = s.state.lock();
    let wide = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    Ok(match id {
        attr::ROW_ARRAY_SIZE | attr::ROWSET_SIZE => wide(st.ard.lock().array_size),
        attr::ROW_BIND_TYPE => wide(st.ard.lock().bind_type),
        attr::ROW_BIND_OFFSET_PTR => st.ard.lock().bind_offset_ptr,
        attr::ROW_STATUS_PTR => s.ird.lock().array_status_ptr,
        attr::ROWS_FETCHED_PTR => s.ird.lock().rows_processed_ptr,
        attr::PARAMSET_SIZE => wide(st.apd.lock().array_size),
        attr::PARAM_BIND_TYPE => wide(st.apd.lock().bind_type),
        attr::PARAM_BIND_OFFSET_PTR => st.apd.lock().bind_offset_ptr,
        attr::PARAM_STATUS_PTR => s.ipd.lock().array_status_ptr,
        attr::PARAMS_PROCESSED_PTR => s.ipd.lock().rows_processed_ptr,
        attr::PARAM_OPERATION_PTR => st.apd.lock().array_status_ptr,
        attr::ROW_OPERATION_PTR => st.ard.lock().array_status_ptr,
        attr::QUERY_TIMEOUT => wide(st.attrs.query_timeout_secs),
        attr::MAX_ROWS => wide(st.attrs.max_rows),
        attr::MAX_LENGTH => 0,
        attr::NOSCAN => wide(st.attrs.noscan),
        attr::RETRIEVE_DATA => wide(SQL_RD_ON),
        attr::METADATA_ID => usize::from(st.attrs.metadata_id),
        attr::CURSOR_TYPE => wide(st.attrs.cursor_type),
        attr::CONCURRENCY => wide(st.attrs.concurrency),
        attr::CURSOR_SCROLLABLE => usize::from(st.attrs.cursor_type != cursor_type::FORWARD_ONLY),
        attr::CURSOR_SENSITIVITY => wide(st.attrs.cursor_sensitivity),
        attr::USE_BOOKMARKS => wide(st.attrs.use_bookmarks),
        attr::FETCH_BOOKMARK_PTR => st.attrs.fetch_bookmark_ptr,
        attr::ASYNC_ENABLE | attr::KEYSET_SIZE | attr::SIMULATE_CURSOR | attr::ENABLE_AUTO_IPD => 0,
        attr::ROW_NUMBER => wide(st.row_number()),
        attr::APP_ROW_DESC => descriptor_handle(&st.ard),
        attr::APP_PARAM_DESC => descriptor_handle(&st.apd),
        attr::IMP_ROW_DESC => descriptor_handle(&s.ird),
        attr::IMP_PARAM_DESC => descriptor_handle(&s.ipd),
        other => {
            return Err(OdbcError::new(
                state::INVALID_ATTRIBUTE,
                format!("unknown statement attribute {other}"),
            ))
        }
    })
}

/// The statement's cursor name: the one set, or the generated `SQL_CUR<id>`.
pub fn cursor_name(s: &Statement) -> String {
    s.state
        .lock()
        .attrs
        .cursor_name
        .clone()
        .unwrap_or_else(|| format!("SQL_CUR{}", s.id))
}

/// SQLSetCursorName: `siblings` are the statements of the same connection, whose names a new
/// one must not repeat (names compare without regard to case).
pub fn set_cursor_name(
    s: &Arc<Statement>,
    name: String,
    siblings: &[Arc<Statement>],
) -> OdbcResult<()> {
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
    let taken = siblings.iter().any(|o| {
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
    Ok(())
}
