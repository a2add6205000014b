//! Messages the server sends besides results (NOTICE, INFO, WARNING, ...: NoticeResponse),
//! kept for the call that caused them. The socket task records them as they arrive, which is
//! before the results that follow them in the stream; the caller takes them when its call ends.

use crate::engine::error::EngineError;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// At most this many messages are kept for one call; the rest are only counted, so that a
/// statement raising a notice per row cannot grow memory without bound.
pub const MAX_NOTICES_PER_CALL: usize = 100;

/// The messages of one call, as the text diagnostics show (`NOTICE: text`, then DETAIL and
/// HINT lines, as server errors are shown).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notices {
    pub texts: Vec<String>,
    /// Messages beyond [`MAX_NOTICES_PER_CALL`], left out.
    pub left_out: u64,
}

impl Notices {
    pub fn push(&mut self, text: String) {
        if self.texts.len() < MAX_NOTICES_PER_CALL {
            self.texts.push(text);
        } else {
            self.left_out += 1;
        }
    }

    /// Adds `later`'s messages after these, keeping the bound.
    pub fn append(&mut self, later: Notices) {
        for text in later.texts {
            self.push(text);
        }
        self.left_out += later.left_out;
    }

    pub fn is_empty(&self) -> bool {
        self.texts.is_empty() && self.left_out == 0
    }
}

/// Shared by a session and its socket task. Taking costs one atomic load when nothing came.
#[derive(Default)]
pub(super) struct NoticeLog {
    pending: AtomicBool,
    notices: Mutex<Notices>,
}

impl NoticeLog {
    /// Called by the socket task for each NoticeResponse.
    pub(super) fn record(&self, notice: &tokio_postgres::error::DbError) {
        let text = EngineError::from_db(notice, false).to_string();
        tracing::debug!(message = %text, "server message");
        self.notices.lock().push(text);
        self.pending.store(true, Ordering::Release);
    }

    /// The messages received since the last take, if any.
    pub(super) fn take(&self) -> Option<Notices> {
        if !self.pending.load(Ordering::Acquire) || !self.pending.swap(false, Ordering::AcqRel) {
            return None;
        }
        let taken = std::mem::take(&mut *self.notices.lock());
        (!taken.is_empty()).then_some(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_past_the_bound_are_counted_not_kept() {
        let mut first = Notices::default();
        for i in 0..MAX_NOTICES_PER_CALL - 1 {
            first.push(format!("n{i}"));
        }
        let mut later = Notices::default();
        for i in 0..5 {
            later.push(format!("m{i}"));
        }
        first.append(later);
        assert_eq!(first.texts.len(), MAX_NOTICES_PER_CALL);
        assert_eq!(first.texts.last().map(String::as_str), Some("m0"));
        assert_eq!(first.left_out, 4);
    }

    #[test]
    fn take_is_empty_until_something_is_recorded() {
        let log = NoticeLog::default();
        assert_eq!(log.take(), None);
    }
}
