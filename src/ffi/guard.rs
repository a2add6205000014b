//! The uniform shape of every entry point: catch panics, check the handle, reset
//! diagnostics, run a safe function, and turn its result into an SQLRETURN.

use crate::odbc::conn::Connection;
use crate::odbc::desc::Descriptor;
use crate::odbc::diag::{state, Diagnostics, OdbcResult, Outcome, ServerMessages};
use crate::odbc::env::Environment;
use crate::odbc::stmt::Statement;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

pub const SQL_SUCCESS: i16 = 0;
pub const SQL_SUCCESS_WITH_INFO: i16 = 1;
pub const SQL_NO_DATA: i16 = 100;
pub const SQL_NEED_DATA: i16 = 99;
pub const SQL_ERROR: i16 = -1;
pub const SQL_INVALID_HANDLE: i16 = -2;

/// Anything with a diagnostic area.
pub trait HasDiag {
    fn diag(&self) -> &Diagnostics;
    /// Where the server's messages of the handle's calls wait (connections and statements).
    fn server_messages(&self) -> Option<&ServerMessages> {
        None
    }
}

impl HasDiag for Environment {
    fn diag(&self) -> &Diagnostics {
        &self.diag
    }
}
impl HasDiag for Connection {
    fn diag(&self) -> &Diagnostics {
        &self.diag
    }
    fn server_messages(&self) -> Option<&ServerMessages> {
        Some(&self.messages)
    }
}
impl HasDiag for Statement {
    fn diag(&self) -> &Diagnostics {
        &self.diag
    }
    fn server_messages(&self) -> Option<&ServerMessages> {
        Some(&self.conn.messages)
    }
}
impl HasDiag for Descriptor {
    fn diag(&self) -> &Diagnostics {
        &self.diag
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Runs `f` for the object behind a handle. `None` (a bad handle) gives SQL_INVALID_HANDLE.
pub fn call<T: HasDiag>(
    obj: Option<Arc<T>>,
    f: impl FnOnce(&Arc<T>) -> OdbcResult<Outcome>,
) -> i16 {
    call_ref(obj.as_ref(), f)
}

/// [`call`] for a borrowed object (see `handles::with_stmt`).
pub fn call_ref<T: HasDiag>(
    obj: Option<&Arc<T>>,
    f: impl FnOnce(&Arc<T>) -> OdbcResult<Outcome>,
) -> i16 {
    let Some(obj) = obj else {
        return SQL_INVALID_HANDLE;
    };
    let diag = obj.diag();
    diag.clear();
    let result = catch_unwind(AssertUnwindSafe(|| f(obj)));
    // The server's messages of this call go after its error, if any (errors come first).
    let server_messages = || {
        if let Some(messages) = obj.server_messages() {
            messages.move_into(diag);
        }
    };
    let ret = match result {
        Ok(Ok(outcome)) => {
            server_messages();
            match outcome {
                // Only a call that recorded something pays for a look at the records.
                Outcome::Success if !diag.touched() || diag.lock().records.is_empty() => {
                    SQL_SUCCESS
                }
                Outcome::Success => SQL_SUCCESS_WITH_INFO,
                Outcome::NoData => SQL_NO_DATA,
                Outcome::NeedData => SQL_NEED_DATA,
            }
        }
        Ok(Err(e)) => {
            diag.lock().push_error(&e);
            server_messages();
            SQL_ERROR
        }
        Err(payload) => {
            diag.lock().push(
                state::GENERAL,
                format!("internal driver error: {}", panic_text(payload.as_ref())),
            );
            SQL_ERROR
        }
    };
    diag.set_return_code(ret);
    ret
}

/// Runs `f` without touching diagnostics (the diagnostic functions themselves), still
/// catching panics.
pub fn raw(f: impl FnOnce() -> i16) -> i16 {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(SQL_ERROR)
}

/// [`call`] for a statement handle, borrowing the statement from the thread's lookup cache
/// (see `handles::with_stmt`): the per-row entry points go through here.
pub fn call_stmt(
    handle: *mut std::ffi::c_void,
    f: impl FnOnce(&Arc<Statement>) -> OdbcResult<Outcome>,
) -> i16 {
    super::handles::with_stmt(handle, |s| call_ref(s, f))
}
