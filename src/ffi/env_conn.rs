//! Entry points for environments and connections: handle allocation and release, attributes,
//! connecting, transactions, SQLGetInfo and SQLGetFunctions. The module contract is in
//! [`crate::ffi`].

use super::guard::{self, call, SQL_INVALID_HANDLE, SQL_SUCCESS};
use super::handles::{self, Object};
use super::out::{self, OutLen, Unit};
use super::text::{self, Enc};
use crate::odbc::attrs::{self, SetValue};
use crate::odbc::conn::Connection;
use crate::odbc::diag::{state, OdbcError, Outcome};
use crate::odbc::env::Environment;
use crate::odbc::lifecycle::{self, HandleKind};
use crate::odbc::stmt::Statement;
use crate::odbc::{connect, functions, info, outbuf};
use std::ffi::c_void;
use std::sync::Arc;

/// The handle value the application will see for `obj`.
fn handle_of<T>(obj: &Arc<T>) -> *mut c_void {
    Arc::as_ptr(obj).cast::<c_void>().cast_mut()
}

/// # Safety
/// `output` is null or writable for a handle.
unsafe fn alloc_handle(kind: i16, input: *mut c_void, output: *mut *mut c_void) -> i16 {
    let kind = HandleKind::from_code(kind);
    if output.is_null() || kind.is_none() {
        if !output.is_null() {
            // SAFETY: `output` is not null and writable for a handle (contract).
            unsafe { out::put(output, std::ptr::null_mut()) };
        }
        return refuse_alloc(kind, input, output.is_null());
    }
    // SAFETY: `output` is not null and writable for a handle (contract).
    unsafe { out::put(output, std::ptr::null_mut()) };
    let mut made = std::ptr::null_mut();
    let ret = match kind {
        Some(HandleKind::Env) => {
            made = handles::register(Object::Env(Arc::new(Environment::new())));
            SQL_SUCCESS
        }
        Some(HandleKind::Dbc) => match handles::env(input) {
            Some(env) => {
                made = handles::register(Object::Conn(Arc::new(Connection::new(env))));
                SQL_SUCCESS
            }
            None => SQL_INVALID_HANDLE,
        },
        Some(HandleKind::Stmt) => call(handles::conn(input), |conn| {
            let stmt = lifecycle::new_statement(conn)?;
            for d in [&stmt.implicit_ard, &stmt.implicit_apd, &stmt.ird, &stmt.ipd] {
                handles::register(Object::Desc(d.clone()));
            }
            made = handles::register(Object::Stmt(stmt));
            Ok(Outcome::Success)
        }),
        Some(HandleKind::Desc) => call(handles::conn(input), |conn| {
            made = handles::register_explicit_desc(conn, lifecycle::new_descriptor(conn)?);
            Ok(Outcome::Success)
        }),
        // Refused above.
        None => guard::SQL_ERROR,
    };
    // SAFETY: `output` is not null and writable for a handle (contract).
    unsafe { out::put(output, made) };
    ret
}

/// SQLAllocHandle's refusals before anything is made: a NULL output pointer (HY009) or an
/// unknown handle type (HY092). The error is recorded on the input handle, so that the
/// application can read why; an input that is not a live handle of the type the new handle
/// needs is SQL_INVALID_HANDLE, as for any other call. An environment has no input handle:
/// SQL_ERROR alone.
fn refuse_alloc(kind: Option<HandleKind>, input: *mut c_void, null_output: bool) -> i16 {
    let error = || {
        if null_output {
            OdbcError::new(
                state::NULL_POINTER,
                "SQLAllocHandle: the output handle pointer is NULL",
            )
        } else {
            OdbcError::new(
                state::INVALID_HANDLE_TYPE,
                "SQLAllocHandle: the handle type is not one ODBC defines",
            )
        }
    };
    match kind {
        Some(HandleKind::Env) => guard::SQL_ERROR,
        Some(HandleKind::Dbc) => call(handles::env(input), |_| Err(error())),
        Some(HandleKind::Stmt | HandleKind::Desc) => call(handles::conn(input), |_| Err(error())),
        None => match handles::any(input) {
            Some(Object::Env(env)) => call(Some(env), |_| Err(error())),
            Some(Object::Conn(conn)) => call(Some(conn), |_| Err(error())),
            _ if input.is_null() => guard::SQL_ERROR,
            _ => SQL_INVALID_HANDLE,
        },
    }
}

#[no_mangle]
/// # Safety
/// `output` is null or writable for a handle; `input` is a handle of this driver or null.
pub unsafe extern "C" fn SQLAllocHandle(
    kind: i16,
    input: *mut c_void,
    output: *mut *mut c_void,
) -> i16 {
    // SAFETY: `output` is the caller's handle slot, as `alloc_handle` requires.
    guard::raw(|| unsafe { alloc_handle(kind, input, output) })
}

/// Frees a statement and its implicit descriptors.
pub fn free_statement(handle: *mut c_void, stmt: &Arc<Statement>) {
    stmt.free();
    for d in [&stmt.implicit_ard, &stmt.implicit_apd, &stmt.ird, &stmt.ipd] {
        handles::unregister(handle_of(d));
    }
    handles::unregister(handle);
}

fn free_handle(kind: i16, handle: *mut c_void) -> i16 {
    match HandleKind::from_code(kind) {
        Some(HandleKind::Env) => {
            let ret = call(handles::env(handle), |env| {
                lifecycle::check_env_free(handles::env_has_connections(env))?;
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
        Some(HandleKind::Dbc) => {
            let conn = handles::conn(handle);
            let ret = call(conn.clone(), |conn| {
                lifecycle::check_conn_free(conn)?;
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
        Some(HandleKind::Stmt) => {
            let Some(stmt) = handles::stmt(handle) else {
                return SQL_INVALID_HANDLE;
            };
            free_statement(handle, &stmt);
            SQL_SUCCESS
        }
        Some(HandleKind::Desc) => {
            let desc = handles::desc(handle);
            let ret = call(desc.clone(), |d| {
                lifecycle::check_desc_free(d)?;
                Ok(Outcome::Success)
            });
            if ret == SQL_SUCCESS {
                if let Some(d) = desc {
                    // Statements that used it go back to their implicit descriptors.
                    lifecycle::detach_descriptor(&d, &handles::all_statements());
                }
                handles::forget_explicit_desc(handle);
                handles::unregister(handle);
            }
            ret
        }
        None => guard::SQL_ERROR,
    }
}

#[no_mangle]
/// # Safety
/// `handle` is a handle of this driver or anything else (it is checked).
pub unsafe extern "C" fn SQLFreeHandle(kind: i16, handle: *mut c_void) -> i16 {
    guard::raw(|| free_handle(kind, handle))
}

#[no_mangle]
/// # Safety
/// `env` is a handle of this driver or anything else (it is checked); `value` is an integer.
pub unsafe extern "C" fn SQLSetEnvAttr(
    env: *mut c_void,
    attr: i32,
    value: *mut c_void,
    _len: i32,
) -> i16 {
    guard::raw(|| {
        call(handles::env(env), |env| {
            attrs::env::set(env, attr, value.expose_provenance())?;
            Ok(Outcome::Success)
        })
    })
}

#[no_mangle]
/// # Safety
/// `value` is null or writable for an SQLUINTEGER; `len` is null or writable.
pub unsafe extern "C" fn SQLGetEnvAttr(
    env: *mut c_void,
    attr: i32,
    value: *mut c_void,
    _cap: i32,
    len: *mut i32,
) -> i16 {
    guard::raw(|| {
        call(handles::env(env), |env| {
            let v = attrs::env::get(env, attr)?;
            // SAFETY: `value` is null or writable for 4 bytes, `len` null or writable.
            unsafe { out::u32_attr(value, len, v) }?;
            Ok(Outcome::Success)
        })
    })
}

/// # Safety
/// `dsn`, `uid` and `pwd` are null or strings of their lengths (or NUL-terminated).
#[allow(clippy::too_many_arguments)]
unsafe fn connect_impl<C>(
    enc: Enc,
    dbc: *mut c_void,
    dsn: *const C,
    dsn_len: i16,
    uid: *const C,
    uid_len: i16,
    pwd: *const C,
    pwd_len: i16,
) -> i16 {
    if enc == Enc::Wide {
        // SAFETY: `dsn` is null or a wide string of `dsn_len` units (contract).
        unsafe { text::observe_wide_unit(dsn.cast(), dsn_len) };
    }
    call(handles::conn(dbc), |conn| {
        // SAFETY: each name is null or a string of its length (contract).
        let (dsn, uid, pwd) = unsafe {
            (
                text::read_connection_text(enc, dsn.cast(), i32::from(dsn_len), "the DSN")?
                    .unwrap_or_default(),
                text::read_connection_text(enc, uid.cast(), i32::from(uid_len), "the user name")?,
                text::read_connection_text(enc, pwd.cast(), i32::from(pwd_len), "the password")?,
            )
        };
        connect::connect_dsn(conn, &dsn, uid, pwd)?;
        Ok(Outcome::Success)
    })
}

/// # Safety
/// `input` is null or a string of `in_len` units; `out` is null or writable for `out_cap`
/// units; `out_len` is null or writable.
#[allow(clippy::too_many_arguments)]
unsafe fn driver_connect_impl<C>(
    enc: Enc,
    dbc: *mut c_void,
    _hwnd: *mut c_void,
    input: *const C,
    in_len: i16,
    output: *mut C,
    out_cap: i16,
    out_len: *mut i16,
    _completion: u16,
) -> i16 {
    if enc == Enc::Wide {
        // SAFETY: `input` is null or a wide string of `in_len` units (contract).
        unsafe { text::observe_wide_unit(input.cast(), in_len) };
    }
    call(handles::conn(dbc), |conn| {
        let what = "the connection string";
        // SAFETY: `input` is null or a string of `in_len` units (contract).
        let input =
            unsafe { text::read_connection_text(enc, input.cast(), i32::from(in_len), what) }?;
        let input = text::required(input, what)?;
        // Checked before connecting: a call that cannot be answered must not open a session.
        outbuf::check_length(i64::from(out_cap))?;
        let completed = connect::connect_string(conn, &input)?;
        // SAFETY: `output` is null or writable for `out_cap` units, `out_len` null or writable.
        unsafe {
            out::string_warn(
                &conn.diag,
                "the completed connection string was truncated",
                enc,
                &completed,
                output.cast(),
                isize::from(out_cap),
                Unit::Chars,
                OutLen::Small(out_len),
            );
        }
        Ok(Outcome::Success)
    })
}

/// # Safety
/// `value` is an integer, or for string attributes null or a string of `len` units.
unsafe fn set_connect_attr(
    enc: Enc,
    dbc: *mut c_void,
    attr: i32,
    value: *mut c_void,
    len: i32,
) -> i16 {
    call(handles::conn(dbc), |conn| {
        let value = if attrs::conn::takes_text(attr) {
            // SAFETY: for a string attribute `value` is null or a string of `len` units.
            SetValue::Text(unsafe { text::read(enc, value, len) }?.unwrap_or_default())
        } else {
            SetValue::Number(value.expose_provenance())
        };
        attrs::conn::set(conn, attr, &value)?;
        Ok(Outcome::Success)
    })
}

/// # Safety
/// `value` is null or writable for the attribute's type (or `cap` bytes for strings); `len`
/// is null or writable.
unsafe fn get_connect_attr(
    enc: Enc,
    dbc: *mut c_void,
    attr: i32,
    value: *mut c_void,
    cap: i32,
    len: *mut i32,
) -> i16 {
    call(handles::conn(dbc), |conn| {
        let answer = attrs::conn::get(conn, attr)?;
        // SAFETY: `value` is null or writable for the attribute (or `cap` bytes); `len` null
        // or writable.
        unsafe { out::attr(enc, &conn.diag, &answer, value, cap, len) }?;
        Ok(Outcome::Success)
    })
}

/// # Safety
/// `value` is null or writable for the information type's value (or `cap` bytes for
/// strings); `len` is null or writable.
unsafe fn get_info(
    enc: Enc,
    dbc: *mut c_void,
    info_type: u16,
    value: *mut c_void,
    cap: i16,
    len: *mut i16,
) -> i16 {
    call(handles::conn(dbc), |conn| {
        let answer = info::checked(connect::info_answer(conn, info_type), info_type, cap)?;
        // SAFETY: `value` is null or writable for the answer (or `cap` bytes); `len` null or
        // writable.
        unsafe { out::info(enc, &conn.diag, &answer, value, cap, len) };
        Ok(Outcome::Success)
    })
}

narrow_and_wide! {
    fn SQLConnect / SQLConnectW(
        dbc: *mut c_void,
        dsn: *const Char,
        dsn_len: i16,
        uid: *const Char,
        uid_len: i16,
        pwd: *const Char,
        pwd_len: i16,
    ) => connect_impl;
    fn SQLDriverConnect / SQLDriverConnectW(
        dbc: *mut c_void,
        hwnd: *mut c_void,
        input: *const Char,
        in_len: i16,
        output: *mut Char,
        out_cap: i16,
        out_len: *mut i16,
        completion: u16,
    ) => driver_connect_impl;
    fn SQLSetConnectAttr / SQLSetConnectAttrW(
        dbc: *mut c_void,
        attr: i32,
        value: *mut c_void,
        len: i32,
    ) => set_connect_attr;
    fn SQLGetConnectAttr / SQLGetConnectAttrW(
        dbc: *mut c_void,
        attr: i32,
        value: *mut c_void,
        cap: i32,
        len: *mut i32,
    ) => get_connect_attr;
    fn SQLGetInfo / SQLGetInfoW(
        dbc: *mut c_void,
        info_type: u16,
        value: *mut c_void,
        cap: i16,
        len: *mut i16,
    ) => get_info;
}

#[no_mangle]
/// # Safety
/// `dbc` is a handle of this driver or anything else (it is checked).
pub unsafe extern "C" fn SQLDisconnect(dbc: *mut c_void) -> i16 {
    guard::raw(|| {
        call(handles::conn(dbc), |conn| {
            conn.disconnect()?;
            // Statements of the connection are freed with it.
            for stmt in handles::conn_statements(conn) {
                free_statement(handle_of(&stmt), &stmt);
            }
            Ok(Outcome::Success)
        })
    })
}

fn end_tran(kind: i16, handle: *mut c_void, completion: i16) -> i16 {
    match HandleKind::from_code(kind) {
        Some(HandleKind::Dbc) => call(handles::conn(handle), |conn| {
            lifecycle::end_transaction(Some(conn), completion)
        }),
        Some(HandleKind::Env) => call(handles::env(handle), |_| {
            lifecycle::end_transaction(None, completion)
        }),
        // An invalid completion type is reported on the environment's diagnostics.
        _ if lifecycle::completion_is_invalid(completion) => call(handles::env(handle), |_| {
            lifecycle::end_transaction(None, completion)
        }),
        _ => SQL_INVALID_HANDLE,
    }
}

#[no_mangle]
/// # Safety
/// `handle` is a handle of this driver or anything else (it is checked).
pub unsafe extern "C" fn SQLEndTran(kind: i16, handle: *mut c_void, completion: i16) -> i16 {
    guard::raw(|| end_tran(kind, handle, completion))
}

#[no_mangle]
/// # Safety
/// `supported` is null or writable for the answer: one SQLUSMALLINT, or the 100 of
/// SQL_API_ALL_FUNCTIONS, or the bitmap of SQL_API_ODBC3_ALL_FUNCTIONS.
pub unsafe extern "C" fn SQLGetFunctions(dbc: *mut c_void, id: u16, supported: *mut u16) -> i16 {
    guard::raw(|| {
        call(handles::conn(dbc), |_conn| {
            outbuf::require(supported.is_null(), "output pointer")?;
            // SAFETY: `supported` is not null and writable for the answer's length (contract).
            unsafe { out::u16_array(supported, &functions::answer(id)) };
            Ok(Outcome::Success)
        })
    })
}
