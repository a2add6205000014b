//! Cancelling a statement's running call from outside it: SQLCancel from another thread and
//! SQL_ATTR_QUERY_TIMEOUT.
//!
//! A statement's network-bound call holds the connection's lock for its whole duration, so a
//! cancel cannot go through the connection. Instead the call registers a [`Running`] entry,
//! keyed by statement id, holding the session's [`Canceller`]; SQLCancel and the timeout timer
//! find it here without touching any lock the call holds. The server then ends the query with
//! 57014, which the call reports as HY008 (cancelled) or HYT00 (the timer did it).

use super::diag::{state, OdbcError, OdbcResult};
use crate::engine::runtime;
use crate::engine::session::Canceller;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

const NONE: u8 = 0;
const CANCELLED: u8 = 1;
const TIMED_OUT: u8 = 2;

struct Entry {
    canceller: Canceller,
    /// Why the call was stopped, if it was.
    reason: AtomicU8,
}

static RUNNING: LazyLock<Mutex<HashMap<u64, Arc<Entry>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// A call in progress on statement `id`; dropping it ends the registration and the timer.
pub struct Running {
    id: u64,
    entry: Option<Arc<Entry>>,
    timer: Option<tokio::task::JoinHandle<()>>,
}

/// Registers a call of statement `id`. `timeout_secs` 0 means no timeout.
pub fn begin(id: u64, canceller: Option<Canceller>, timeout_secs: u64) -> Running {
    let Some(canceller) = canceller else {
        return Running {
            id,
            entry: None,
            timer: None,
        };
    };
    let entry = Arc::new(Entry {
        canceller,
        reason: AtomicU8::new(NONE),
    });
    RUNNING.lock().insert(id, entry.clone());
    let timer = if timeout_secs > 0 {
        let e = entry.clone();
        runtime::spawn(async move {
            tokio::time::sleep(Duration::from_secs(timeout_secs)).await;
            if e.reason
                .compare_exchange(NONE, TIMED_OUT, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                let _ = e.canceller.cancel().await;
            }
        })
        .ok()
    } else {
        None
    };
    Running {
        id,
        entry: Some(entry),
        timer,
    }
}

impl Running {
    /// The call's result, with a failure caused by a cancel or the timeout reported as such.
    pub fn finish<T>(self, result: OdbcResult<T>) -> OdbcResult<T> {
        self.check(result)
    }

    /// Like [`Running::finish`], for a call made of several steps under one registration.
    pub fn check<T>(&self, result: OdbcResult<T>) -> OdbcResult<T> {
        match result {
            Err(e) => Err(self.stopped(&e.message).unwrap_or(e)),
            ok => ok,
        }
    }

    /// The HY008/HYT00 error when a cancel or the timeout has stopped this call, quoting
    /// `detail` (what the server said).
    pub fn stopped(&self, detail: &str) -> Option<OdbcError> {
        let reason = self
            .entry
            .as_ref()
            .map_or(NONE, |e| e.reason.load(Ordering::SeqCst));
        match reason {
            TIMED_OUT => Some(OdbcError::new(
                state::TIMEOUT,
                format!("query timeout expired ({detail})"),
            )),
            CANCELLED => Some(OdbcError::new(
                state::CANCELLED,
                format!("operation cancelled ({detail})"),
            )),
            _ => None,
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(t) = self.timer.take() {
            t.abort();
        }
        if let Some(entry) = &self.entry {
            let mut map = RUNNING.lock();
            if map.get(&self.id).is_some_and(|e| Arc::ptr_eq(e, entry)) {
                map.remove(&self.id);
            }
        }
    }
}

/// SQLCancel: stops the call running on statement `id`, if any; returns whether one was.
pub fn cancel(id: u64) -> OdbcResult<bool> {
    let entry = RUNNING.lock().get(&id).cloned();
    let Some(entry) = entry else { return Ok(false) };
    if entry
        .reason
        .compare_exchange(NONE, CANCELLED, Ordering::SeqCst, Ordering::SeqCst)
        .is_err()
    {
        return Ok(true);
    }
    let canceller = entry.canceller.clone();
    runtime::block_on(async move { canceller.cancel().await })
        .map_err(|e| OdbcError::new(state::GENERAL, format!("driver runtime unavailable: {e}")))?
        .map_err(OdbcError::from)?;
    Ok(true)
}
