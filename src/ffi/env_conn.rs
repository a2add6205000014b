//! Entry points for environments and connections.
//!
//! # Safety
//! Every exported function here relies on the caller following the ODBC specification for it:
//! handles come from this driver (checked against the registry anyway), and every pointer is
//! null or valid for the length the call passes. That one contract is stated here rather than
//! on each function.
#![allow(clippy::missing_safety_doc)]

use super::guard::{self, call, SQL_ERROR, SQL_INVALID_HANDLE, SQL_SUCCESS};
use super::handles::{self, Object};
use super::text::{self, Enc, OutLen, Unit};
use crate::odbc::conn::Connection;
use crate::odbc::desc::{DescKind, Descriptor};
use crate::odbc::diag::{state, OdbcError, OdbcResult, Outcome};
use crate::odbc::env::{Environment, SQL_OV_ODBC2, SQL_OV_ODBC3, SQL_OV_ODBC3_80};
use crate::odbc::stmt::Statement;
use crate::odbc::{connect, info};
use std::ffi::c_void;
use std::sync::Arc;

const SQL_HANDLE_ENV: i16 = 1;
const SQL_HANDLE_DBC: i16 = 2;
const SQL_HANDLE_STMT: i16 = 3;
const SQL_HANDLE_DESC: i16 = 4;

const SQL_ATTR_ODBC_VERSION: i32 = 200;
const SQL_ATTR_CONNECTION_POOLING: i32 = 201;
const SQL_ATTR_CP_MATCH: i32 = 202;
const SQL_ATTR_OUTPUT_NTS: i32 = 10001;

/// Answers an integer (SQLUINTEGER) attribute: HY009 for a null value pointer.
///
/// # Safety
/// `value` is null or writable for 4 bytes; `len` is null or writable.
unsafe fn put_u32_attribute(value: *mut c_void, len: *mut i32, v: u32) -> OdbcResult<Outcome> {
    if value.is_null() {
        return Err(OdbcError::new(state::NULL_POINTER, "value pointer is null"));
    }
    text::put(value.cast::<u32>(), v);
    text::put(len, 4);
    Ok(Outcome::Success)
}

fn int_value(ptr: *mut c_void) -> i64 {
    ptr as usize as i64
}

unsafe fn alloc_handle(kind: i16, input: *mut c_void, output: *mut *mut c_void) -> i16 {
    if output.is_null() {
        return SQL_ERROR;
    }
    text::put(output, std::ptr::null_mut());
    match kind {
        SQL_HANDLE_ENV => {
            let h = handles::register(Object::Env(Arc::new(Environment::new())));
            text::put(output, h);
            SQL_SUCCESS
        }
        SQL_HANDLE_DBC => {
            let Some(env) = handles::env(input) else {
                return SQL_INVALID_HANDLE;
            };
            let h = handles::register(Object::Conn(Arc::new(Connection::new(env))));
            text::put(output, h);
            SQL_SUCCESS
        }
        SQL_HANDLE_STMT => {
            let conn = handles::conn(input);
            let mut out = std::ptr::null_mut();
            let ret = call(conn, |conn| {
                if !conn.is_connected() {
                    return Err(OdbcError::new(state::NOT_CONNECTED, "connection not open"));
                }
                let stmt = Arc::new(Statement::new(conn.clone()));
                for d in [&stmt.implicit_ard, &stmt.implicit_apd, &stmt.ird, &stmt.ipd] {
                    handles::register(Object::Desc(d.clone()));
                }
                out = handles::register(Object::Stmt(stmt));
                Ok(Outcome::Success)
            });
            text::put(output, out);
            ret
        }
        SQL_HANDLE_DESC => {
            let conn = handles::conn(input);
            let mut out = std::ptr::null_mut();
            let ret = call(conn, |conn| {
                if !conn.is_connected() {
                    return Err(OdbcError::new(state::NOT_CONNECTED, "connection not open"));
                }
                out = handles::register_explicit_desc(
                    conn,
                    Arc::new(Descriptor::new(DescKind::Ard, false)),
                );
                Ok(Outcome::Success)
            });
            text::put(output, out);
            ret
        }
        _ => SQL_ERROR,
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLAllocHandle(
    kind: i16,
    input: *mut c_void,
    output: *mut *mut c_void,
) -> i16 {
    guard::raw(|| alloc_handle(kind, input, output))
}

/// Frees a statement and its implicit descriptors.
pub fn free_statement(handle: *mut c_void, stmt: &Arc<Statement>) {
    let _ = stmt.close_cursor(false);
    for d in [&stmt.implicit_ard, &stmt.implicit_apd, &stmt.ird, &stmt.ipd] {
        handles::unregister(Arc::as_ptr(d) as *mut c_void);
    }
    handles::unregister(handle);
}

fn free_handle(kind: i16, handle: *mut c_void) -> i16 {
    match kind {
        SQL_HANDLE_ENV => {
            let env = handles::env(handle);
            let ret = call(env, |env| {
                if handles::env_has_connections(env) {
                    return Err(OdbcError::new(
                        state::SEQUENCE_ERROR,
                        "connections of this environment are still allocated",
                    ));
                }
                Ok(Outcome::Success)
            });
            if ret == SQL_SUCCESS {
                handles::unregister(handle);
                if handles::env_count() == 0 {
                    crate::release_background_resources();
                }
            }
            ret
        }
        SQL_HANDLE_DBC => {
            let conn = handles::conn(handle);
            let ret = call(conn.clone(), |conn| {
                if conn.is_connected() {
                    return Err(OdbcError::new(
                        state::SEQUENCE_ERROR,
                        "disconnect before freeing the connection",
                    ));
                }
                Ok(Outcome::Success)
            });
            if ret == SQL_SUCCESS {
                if let Some(conn) = conn {
                    handles::free_explicit_descs_of(&conn);
                }
                handles::unregister(handle);
            }
            ret
        }
        SQL_HANDLE_STMT => {
            let Some(stmt) = handles::stmt(handle) else {
                return SQL_INVALID_HANDLE;
            };
            free_statement(handle, &stmt);
            SQL_SUCCESS
        }
        SQL_HANDLE_DESC => {
            let desc = handles::desc(handle);
            let ret = call(desc.clone(), |d| {
                if d.implicit {
                    return Err(OdbcError::new(
                        state::ASSOC_DESC,
                        "an implicitly allocated descriptor cannot be freed",
                    ));
                }
                Ok(Outcome::Success)
            });
            if ret == SQL_SUCCESS {
                if let Some(d) = desc {
                    // Statements that used it go back to their implicit descriptors.
                    handles::detach_descriptor(&d);
                }
                handles::forget_explicit_desc(handle);
                handles::unregister(handle);
            }
            ret
        }
        _ => SQL_ERROR,
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLFreeHandle(kind: i16, handle: *mut c_void) -> i16 {
    guard::raw(|| free_handle(kind, handle))
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetEnvAttr(
    env: *mut c_void,
    attr: i32,
    value: *mut c_void,
    _len: i32,
) -> i16 {
    guard::raw(|| {
        call(handles::env(env), |env| {
            let mut st = env.state.lock();
            match attr {
                SQL_ATTR_ODBC_VERSION => {
                    let v = int_value(value);
                    let v = i32::try_from(v).unwrap_or(-1);
                    if ![SQL_OV_ODBC2, SQL_OV_ODBC3, SQL_OV_ODBC3_80].contains(&v) {
                        return Err(OdbcError::new(
                            state::INVALID_ATTR_VALUE,
                            format!("unsupported ODBC version {v}"),
                        ));
                    }
                    st.odbc_version = v;
                }
                SQL_ATTR_CONNECTION_POOLING => {
                    st.connection_pooling = u32::try_from(int_value(value)).unwrap_or(0)
                }
                SQL_ATTR_CP_MATCH => {}
                SQL_ATTR_OUTPUT_NTS => {
                    if int_value(value) != 1 {
                        return Err(OdbcError::new(
                            state::NOT_IMPLEMENTED,
                            "SQL_ATTR_OUTPUT_NTS can only be SQL_TRUE",
                        ));
                    }
                }
                other => {
                    return Err(OdbcError::new(
                        state::INVALID_ATTRIBUTE,
                        format!("unknown environment attribute {other}"),
                    ))
                }
            }
            Ok(Outcome::Success)
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetEnvAttr(
    env: *mut c_void,
    attr: i32,
    value: *mut c_void,
    _cap: i32,
    len: *mut i32,
) -> i16 {
    guard::raw(|| {
        call(handles::env(env), |env| {
            let st = env.state.lock();
            let v: u32 = match attr {
                SQL_ATTR_ODBC_VERSION => u32::try_from(st.odbc_version).unwrap_or(3),
                SQL_ATTR_CONNECTION_POOLING => st.connection_pooling,
                SQL_ATTR_CP_MATCH => 0,
                SQL_ATTR_OUTPUT_NTS => 1,
                other => {
                    return Err(OdbcError::new(
                        state::INVALID_ATTRIBUTE,
                        format!("unknown environment attribute {other}"),
                    ))
                }
            };
            put_u32_attribute(value, len, v)
        })
    })
}

#[allow(clippy::too_many_arguments)]
unsafe fn connect_impl(
    enc: Enc,
    dbc: *mut c_void,
    dsn: *const c_void,
    dsn_len: i16,
    uid: *const c_void,
    uid_len: i16,
    pwd: *const c_void,
    pwd_len: i16,
) -> i16 {
    call(handles::conn(dbc), |conn| {
        let dsn = text::read(enc, dsn, i32::from(dsn_len))?.unwrap_or_default();
        let uid = text::read(enc, uid, i32::from(uid_len))?;
        let pwd = text::read(enc, pwd, i32::from(pwd_len))?;
        connect::connect_dsn(conn, &dsn, uid, pwd)?;
        Ok(Outcome::Success)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLConnect(
    dbc: *mut c_void,
    dsn: *const u8,
    dsn_len: i16,
    uid: *const u8,
    uid_len: i16,
    pwd: *const u8,
    pwd_len: i16,
) -> i16 {
    guard::raw(|| {
        connect_impl(
            Enc::Narrow,
            dbc,
            dsn.cast(),
            dsn_len,
            uid.cast(),
            uid_len,
            pwd.cast(),
            pwd_len,
        )
    })
}

/// How many 2-byte units of a wide input may be read safely to tell its width.
fn probe_units(len: i16) -> usize {
    if len == text::NTS as i16 || len >= 2 {
        2
    } else {
        0
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLConnectW(
    dbc: *mut c_void,
    dsn: *const u16,
    dsn_len: i16,
    uid: *const u16,
    uid_len: i16,
    pwd: *const u16,
    pwd_len: i16,
) -> i16 {
    crate::odbc::wide::observe_first_input(dsn, probe_units(dsn_len));
    guard::raw(|| {
        connect_impl(
            Enc::Wide,
            dbc,
            dsn.cast(),
            dsn_len,
            uid.cast(),
            uid_len,
            pwd.cast(),
            pwd_len,
        )
    })
}

#[allow(clippy::too_many_arguments)]
unsafe fn driver_connect_impl(
    enc: Enc,
    dbc: *mut c_void,
    input: *const c_void,
    in_len: i16,
    out: *mut c_void,
    out_cap: i16,
    out_len: *mut i16,
    _completion: u16,
) -> i16 {
    call(handles::conn(dbc), |conn| {
        let input = text::read_required(enc, input, i32::from(in_len), "the connection string")?;
        let completed = connect::connect_string(conn, &input)?;
        let truncated = text::write(
            enc,
            &completed,
            out,
            isize::from(out_cap),
            Unit::Chars,
            OutLen::Small(out_len),
        );
        if truncated {
            conn.diag.lock().push(
                state::STRING_TRUNCATED,
                "the completed connection string was truncated",
            );
        }
        Ok(Outcome::Success)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLDriverConnect(
    dbc: *mut c_void,
    _hwnd: *mut c_void,
    input: *const u8,
    in_len: i16,
    out: *mut u8,
    out_cap: i16,
    out_len: *mut i16,
    completion: u16,
) -> i16 {
    guard::raw(|| {
        driver_connect_impl(
            Enc::Narrow,
            dbc,
            input.cast(),
            in_len,
            out.cast(),
            out_cap,
            out_len,
            completion,
        )
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLDriverConnectW(
    dbc: *mut c_void,
    _hwnd: *mut c_void,
    input: *const u16,
    in_len: i16,
    out: *mut u16,
    out_cap: i16,
    out_len: *mut i16,
    completion: u16,
) -> i16 {
    crate::odbc::wide::observe_first_input(input, probe_units(in_len));
    guard::raw(|| {
        driver_connect_impl(
            Enc::Wide,
            dbc,
            input.cast(),
            in_len,
            out.cast(),
            out_cap,
            out_len,
            completion,
        )
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLDisconnect(dbc: *mut c_void) -> i16 {
    guard::raw(|| {
        call(handles::conn(dbc), |conn| {
            conn.disconnect()?;
            // Statements of the connection are freed with it.
            for stmt in handles::conn_statements(conn) {
                free_statement(Arc::as_ptr(&stmt) as *mut c_void, &stmt);
            }
            Ok(Outcome::Success)
        })
    })
}

const SQL_COMMIT: i16 = 0;
const SQL_ROLLBACK: i16 = 1;

fn end_tran(kind: i16, handle: *mut c_void, completion: i16) -> i16 {
    let commit = match completion {
        SQL_COMMIT => true,
        SQL_ROLLBACK => false,
        _ => {
            return match kind {
                SQL_HANDLE_DBC => call(handles::conn(handle), |_| {
                    Err(OdbcError::new(
                        state::INVALID_TXN_OP,
                        "invalid completion type",
                    ))
                }),
                _ => call(handles::env(handle), |_| {
                    Err(OdbcError::new(
                        state::INVALID_TXN_OP,
                        "invalid completion type",
                    ))
                }),
            }
        }
    };
    match kind {
        SQL_HANDLE_DBC => call(handles::conn(handle), |conn| {
            conn.end_transaction(commit)?;
            Ok(Outcome::Success)
        }),
        SQL_HANDLE_ENV => call(handles::env(handle), |_env| {
            Err(OdbcError::new(
                state::NOT_IMPLEMENTED,
                "end transactions per connection",
            ))
        }),
        _ => SQL_INVALID_HANDLE,
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLEndTran(kind: i16, handle: *mut c_void, completion: i16) -> i16 {
    guard::raw(|| end_tran(kind, handle, completion))
}

// ---- connection attributes ----

const SQL_ATTR_ACCESS_MODE: i32 = 101;
const SQL_ATTR_AUTOCOMMIT: i32 = 102;
const SQL_ATTR_LOGIN_TIMEOUT: i32 = 103;
const SQL_ATTR_TRACE: i32 = 104;
const SQL_ATTR_TRACEFILE: i32 = 105;
const SQL_ATTR_TXN_ISOLATION: i32 = 108;
const SQL_ATTR_CURRENT_CATALOG: i32 = 109;
const SQL_ATTR_ODBC_CURSORS: i32 = 110;
const SQL_ATTR_QUIET_MODE: i32 = 111;
const SQL_ATTR_PACKET_SIZE: i32 = 112;
const SQL_ATTR_CONNECTION_TIMEOUT: i32 = 113;
const SQL_ATTR_ANSI_APP: i32 = 115;
const SQL_ATTR_ASYNC_ENABLE: i32 = 4;
const SQL_ATTR_AUTO_IPD: i32 = 10001;
const SQL_ATTR_METADATA_ID: i32 = 10014;
const SQL_ATTR_CONNECTION_DEAD: i32 = 1209;

unsafe fn set_connect_attr(
    enc: Enc,
    dbc: *mut c_void,
    attr: i32,
    value: *mut c_void,
    len: i32,
) -> i16 {
    call(handles::conn(dbc), |conn| {
        let v = int_value(value);
        match attr {
            SQL_ATTR_AUTOCOMMIT => conn.set_autocommit(v != 0)?,
            SQL_ATTR_TXN_ISOLATION => conn.set_isolation(u32::try_from(v).unwrap_or(0))?,
            SQL_ATTR_ACCESS_MODE => conn.set_read_only(v == 1)?,
            SQL_ATTR_LOGIN_TIMEOUT => {
                conn.state.lock().attrs.login_timeout_secs = u32::try_from(v).unwrap_or(0)
            }
            SQL_ATTR_CONNECTION_TIMEOUT => {
                conn.state.lock().attrs.connection_timeout_secs = u32::try_from(v).unwrap_or(0)
            }
            SQL_ATTR_ANSI_APP => {
                let mut st = conn.state.lock();
                st.attrs.ansi_app = v != 0;
                st.limits.wide = v == 0;
            }
            SQL_ATTR_METADATA_ID => conn.state.lock().attrs.metadata_id = v != 0,
            SQL_ATTR_PACKET_SIZE => {
                conn.state.lock().attrs.packet_size = u32::try_from(v).unwrap_or(0)
            }
            SQL_ATTR_QUIET_MODE => conn.state.lock().attrs.quiet_mode = value as usize,
            SQL_ATTR_TRACE | SQL_ATTR_TRACEFILE | SQL_ATTR_ODBC_CURSORS => {}
            SQL_ATTR_ASYNC_ENABLE => {
                if v != 0 {
                    return Err(OdbcError::new(
                        state::NOT_IMPLEMENTED,
                        "asynchronous execution is not supported",
                    ));
                }
            }
            SQL_ATTR_CURRENT_CATALOG => {
                let wanted = text::read(enc, value, len)?.unwrap_or_default();
                let st = conn.state.lock();
                let current = st.session_opt().map(|s| s.facts().database.clone());
                if current.is_some_and(|c| c != wanted) {
                    return Err(OdbcError::new(
                        state::NOT_IMPLEMENTED,
                        "PostgreSQL cannot switch databases on an open connection",
                    ));
                }
            }
            SQL_ATTR_AUTO_IPD | SQL_ATTR_CONNECTION_DEAD => {
                return Err(OdbcError::new(
                    state::INVALID_ATTRIBUTE,
                    format!("connection attribute {attr} is read-only"),
                ))
            }
            other => {
                return Err(OdbcError::new(
                    state::INVALID_ATTRIBUTE,
                    format!("unknown connection attribute {other}"),
                ))
            }
        }
        Ok(Outcome::Success)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetConnectAttr(
    dbc: *mut c_void,
    attr: i32,
    value: *mut c_void,
    len: i32,
) -> i16 {
    guard::raw(|| set_connect_attr(Enc::Narrow, dbc, attr, value, len))
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetConnectAttrW(
    dbc: *mut c_void,
    attr: i32,
    value: *mut c_void,
    len: i32,
) -> i16 {
    guard::raw(|| set_connect_attr(Enc::Wide, dbc, attr, value, len))
}

unsafe fn get_connect_attr(
    enc: Enc,
    dbc: *mut c_void,
    attr: i32,
    value: *mut c_void,
    cap: i32,
    len: *mut i32,
) -> i16 {
    call(handles::conn(dbc), |conn| {
        let st = conn.state.lock();
        let number: u32 = match attr {
            SQL_ATTR_AUTOCOMMIT => u32::from(st.attrs.autocommit),
            SQL_ATTR_TXN_ISOLATION => st.attrs.txn_isolation,
            SQL_ATTR_ACCESS_MODE => u32::from(st.attrs.read_only),
            SQL_ATTR_LOGIN_TIMEOUT => st.attrs.login_timeout_secs,
            SQL_ATTR_CONNECTION_TIMEOUT => st.attrs.connection_timeout_secs,
            SQL_ATTR_ANSI_APP => u32::from(st.attrs.ansi_app),
            SQL_ATTR_METADATA_ID => u32::from(st.attrs.metadata_id),
            SQL_ATTR_PACKET_SIZE => st.attrs.packet_size,
            SQL_ATTR_ASYNC_ENABLE | SQL_ATTR_AUTO_IPD | SQL_ATTR_TRACE | SQL_ATTR_ODBC_CURSORS => 0,
            SQL_ATTR_CONNECTION_DEAD => u32::from(st.session_opt().is_none_or(|s| s.is_broken())),
            SQL_ATTR_QUIET_MODE => {
                if !value.is_null() {
                    text::put(value.cast::<usize>(), st.attrs.quiet_mode);
                }
                return Ok(Outcome::Success);
            }
            SQL_ATTR_CURRENT_CATALOG => {
                let Some(session) = st.session_opt() else {
                    return Err(OdbcError::new(state::NOT_CONNECTED, "connection not open"));
                };
                let name = session.facts().database.clone();
                drop(st);
                if text::write(
                    enc,
                    &name,
                    value,
                    cap as isize,
                    Unit::Bytes,
                    OutLen::Int(len),
                ) {
                    conn.diag
                        .lock()
                        .push(state::STRING_TRUNCATED, "string data, right truncated");
                }
                return Ok(Outcome::Success);
            }
            SQL_ATTR_TRACEFILE => {
                drop(st);
                text::write(enc, "", value, cap as isize, Unit::Bytes, OutLen::Int(len));
                return Ok(Outcome::Success);
            }
            other => {
                return Err(OdbcError::new(
                    state::INVALID_ATTRIBUTE,
                    format!("unknown connection attribute {other}"),
                ))
            }
        };
        put_u32_attribute(value, len, number)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetConnectAttr(
    dbc: *mut c_void,
    attr: i32,
    value: *mut c_void,
    cap: i32,
    len: *mut i32,
) -> i16 {
    guard::raw(|| get_connect_attr(Enc::Narrow, dbc, attr, value, cap, len))
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetConnectAttrW(
    dbc: *mut c_void,
    attr: i32,
    value: *mut c_void,
    cap: i32,
    len: *mut i32,
) -> i16 {
    guard::raw(|| get_connect_attr(Enc::Wide, dbc, attr, value, cap, len))
}

// ---- SQLGetInfo / SQLGetFunctions ----

unsafe fn get_info(
    enc: Enc,
    dbc: *mut c_void,
    info_type: u16,
    value: *mut c_void,
    cap: i16,
    len: *mut i16,
) -> i16 {
    call(handles::conn(dbc), |conn| {
        let answer = connect::info_answer(conn, info_type);
        let Some(answer) = answer else {
            return Err(OdbcError::new(
                state::INVALID_INFO_TYPE,
                format!("information type {info_type} is not supported"),
            ));
        };
        match answer {
            info::InfoValue::Str(s) => {
                if cap < 0 {
                    return Err(OdbcError::new(
                        state::INVALID_LENGTH,
                        "negative buffer length",
                    ));
                }
                if text::write(
                    enc,
                    &s,
                    value,
                    isize::from(cap),
                    Unit::Bytes,
                    OutLen::Small(len),
                ) {
                    conn.diag
                        .lock()
                        .push(state::STRING_TRUNCATED, "string data, right truncated");
                }
            }
            info::InfoValue::U16(v) => {
                text::put(value.cast::<u16>(), v);
                text::put(len, 2);
            }
            info::InfoValue::U32(v) => {
                text::put(value.cast::<u32>(), v);
                text::put(len, 4);
            }
            info::InfoValue::Usize(v) => {
                text::put(value.cast::<u64>(), v);
                text::put(len, 8);
            }
        }
        Ok(Outcome::Success)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetInfo(
    dbc: *mut c_void,
    info_type: u16,
    value: *mut c_void,
    cap: i16,
    len: *mut i16,
) -> i16 {
    guard::raw(|| get_info(Enc::Narrow, dbc, info_type, value, cap, len))
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetInfoW(
    dbc: *mut c_void,
    info_type: u16,
    value: *mut c_void,
    cap: i16,
    len: *mut i16,
) -> i16 {
    guard::raw(|| get_info(Enc::Wide, dbc, info_type, value, cap, len))
}

const SQL_API_ALL_FUNCTIONS: u16 = 0;
const SQL_API_ODBC3_ALL_FUNCTIONS: u16 = 999;

#[no_mangle]
pub unsafe extern "C" fn SQLGetFunctions(dbc: *mut c_void, id: u16, supported: *mut u16) -> i16 {
    guard::raw(|| {
        call(handles::conn(dbc), |_conn| {
            if supported.is_null() {
                return Err(OdbcError::new(
                    state::NULL_POINTER,
                    "output pointer is null",
                ));
            }
            match id {
                SQL_API_ODBC3_ALL_FUNCTIONS => {
                    let bits = crate::odbc::functions::odbc3_bitmap();
                    std::ptr::copy_nonoverlapping(bits.as_ptr(), supported, bits.len());
                }
                SQL_API_ALL_FUNCTIONS => {
                    let arr = crate::odbc::functions::odbc2_array();
                    std::ptr::copy_nonoverlapping(arr.as_ptr(), supported, arr.len());
                }
                one => text::put(
                    supported,
                    u16::from(crate::odbc::functions::is_supported(one)),
                ),
            }
            Ok(Outcome::Success)
        })
    })
}
