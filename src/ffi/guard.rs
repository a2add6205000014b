//! The uniform shape of every entry point: catch panics, check the handle, reset
//! diagnostics, run a safe function, and turn its result into an SQLRETURN.

use crate::odbc::conn::Connection;
use crate::odbc::desc::Descriptor;
use crate::odbc::diag::{state, DiagArea, OdbcResult, Outcome};
use crate::odbc::env::Environment;
use crate::odbc::stmt::Statement;
use parking_lot::Mutex;
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
    fn diag(&self) -> &Mutex<DiagArea>;
}

impl HasDiag for Environment {
    fn diag(&self) -> &Mutex<DiagArea> {
        &self.diag
    }
}
impl HasDiag for Connection {
    fn diag(&self) -> &Mutex<DiagArea> {
        &self.diag
    }
}
impl HasDiag for Statement {
    fn diag(&self) -> &Mutex<DiagArea> {
        &self.diag
    }
}
impl HasDiag for Descriptor {
    fn diag(&self) -> &Mutex<DiagArea> {
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
pub fn call<T: HasDiag>(obj: Option<Arc<T>>, f: impl FnOnce(&Arc<T>) -> OdbcResult<Outcome>) -> i16 {
    let Some(obj) = obj else { return SQL_INVALID_HANDLE };
    obj.diag().lock().clear();
    let result = catch_unwind(AssertUnwindSafe(|| f(&obj)));
    let mut diag = obj.diag().lock();
    let ret = match result {
        Ok(Ok(outcome)) => match outcome {
            Outcome::Success if diag.records.is_empty() => SQL_SUCCESS,
            Outcome::Success => SQL_SUCCESS_WITH_INFO,
            Outcome::NoData => SQL_NO_DATA,
            Outcome::NeedData => SQL_NEED_DATA,
        },
        Ok(Err(e)) => {
            diag.push_error(&e);
            SQL_ERROR
        }
        Err(payload) => {
            diag.push(state::GENERAL, format!("internal driver error: {}", panic_text(payload.as_ref())));
            SQL_ERROR
        }
    };
    diag.return_code = ret;
    ret
}

/// Runs `f` without touching diagnostics (the diagnostic functions themselves), still
/// catching panics.
pub fn raw(f: impl FnOnce() -> i16) -> i16 {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(SQL_ERROR)
}
