//! The cursor's life: closing it, and reading a static (scrollable) cursor whole.

use super::get_data::GetDataPos;
use super::{Phase, Statement, StmtState};
use crate::engine::pipeline::CallKind;
use crate::engine::session::Fetched;
use crate::odbc::cancel;
use crate::odbc::conn::ConnState;
use crate::odbc::diag::{state, OdbcError, OdbcResult};
use crate::odbc::scroll::StaticRows;
use std::collections::VecDeque;

impl Statement {
    /// Closes the cursor (SQLCloseCursor / SQLFreeStmt(SQL_CLOSE)); `strict` reports 24000
    /// when no cursor is open.
    pub fn close_cursor(&self, strict: bool) -> OdbcResult<()> {
        let mut st = self.state.lock();
        if strict && st.phase != Phase::Cursor {
            return Err(OdbcError::new(
                state::INVALID_CURSOR_STATE,
                "no cursor is open",
            ));
        }
        self.close_locked(&mut st);
        Ok(())
    }

    /// Frees the statement (SQLFreeHandle, SQLFreeStmt with SQL_DROP): closes its cursor and
    /// hands its prepared statements to the session they were prepared on, which closes them
    /// on the server with its next statement (`Session::retire`), so that a disconnect right
    /// after waits for no answer to their Close.
    pub fn free(&self) {
        let mut st = self.state.lock();
        self.close_locked(&mut st);
        self.retire_prepared(&mut st);
    }

    /// Hands the statement's prepared statements to the session that prepared them, which
    /// closes them on the server with its next statement (`Session::retire`); one prepared on
    /// an earlier session (before a failover) is simply let go.
    pub(super) fn retire_prepared(&self, st: &mut StmtState) {
        if st.prepared.iter().all(Option::is_none) {
            return;
        }
        let prepared = std::mem::take(&mut st.prepared);
        let mut cs = self.conn.state.lock();
        if cs.generation() == st.generation {
            if let Ok(session) = cs.session() {
                session.retire(prepared.into_iter().flatten());
            }
        }
    }

    pub(super) fn close_locked(&self, st: &mut StmtState) {
        // Closing the cursor discards the results a batch has not reached yet as well.
        st.later_results.clear();
        if st.result.take().is_some() {
            if let Ok(session) = self.conn.state.lock().session() {
                session.close_result(self.id);
            }
        }
        st.phase = if st.prepared.iter().any(Option::is_some)
            && st.pieces.len() == st.prepared.len()
            && st.piece == 0
        {
            Phase::Prepared
        } else if st.pieces.is_empty() {
            Phase::Allocated
        } else {
            Phase::Prepared
        };
        st.getdata = GetDataPos::default();
    }

    /// Whether the open result belongs to an earlier session of the connection (failover)
    /// and its rest is lost. Not when the session changed but the rows are all here (the end
    /// was read) or were handed over to the current session (read/write splitting moves
    /// parked results along); checking that takes the connection's lock, only after a change.
    #[inline]
    pub(super) fn cursor_is_stale(&self, st: &StmtState) -> bool {
        let Some(rs) = st.result.as_ref() else {
            return false;
        };
        if self.conn.session_generation() == st.generation || rs.ended {
            return false;
        }
        !self
            .conn
            .state
            .lock()
            .session_opt()
            .is_some_and(|s| s.holds_result(self.id))
    }

    /// Reads the rest of the open forward-only result into the statement (a statement of a
    /// batch, whose later statements need the connection now), so that the session holds
    /// nothing of it; its end and row count are known at once. SQL_ATTR_MAX_ROWS bounds it.
    pub(super) fn read_whole(&self, st: &mut StmtState) -> OdbcResult<()> {
        let mut cs = self.conn.state.lock();
        self.read_whole_with(st, &mut cs)
    }

    /// [`Self::read_whole`] for a caller that holds the connection's state.
    pub(super) fn read_whole_with(&self, st: &mut StmtState, cs: &mut ConnState) -> OdbcResult<()> {
        let id = self.id;
        let max_rows = usize::try_from(st.attrs.max_rows).unwrap_or(usize::MAX);
        let timeout_secs = st.attrs.query_timeout_secs;
        let Some(rs) = st.result.as_mut().filter(|rs| !rs.ended) else {
            return Ok(());
        };
        let read = loop {
            if max_rows > 0 && rs.buffer.len() >= max_rows {
                break Ok(None);
            }
            let batch = cs.fetch_batch.max(1000);
            let running = cancel::begin(id, cs.session_opt().map(|s| s.canceller()), timeout_secs);
            let buffer = &mut rs.buffer;
            match running
                .finish(cs.call(CallKind::Fetch, |session| session.fetch(id, batch, buffer)))
            {
                Ok(Fetched::More) => {}
                Ok(Fetched::End { rows_affected }) => break Ok(rows_affected),
                Err(e) => break Err(e),
            }
        };
        if let Ok(session) = cs.session() {
            session.close_result(id);
        }
        rs.ended = true;
        if max_rows > 0 {
            rs.buffer.truncate(max_rows);
        }
        if let Some(n) = read? {
            st.row_count = i64::try_from(n).unwrap_or(i64::MAX);
        }
        Ok(())
    }

    /// SQLRowCount (and a first question about a table's columns, which needs the connection
    /// free) on a forward-only result whose end has not been read: reads ahead up to one fetch
    /// batch into the result's buffer, where the next fetches take rows from. A result
    /// that ends within it gets its exact count (psqlODBC counts every result, having read it
    /// whole at execution); a longer one goes on streaming with bounded memory, its count -1
    /// until its end is fetched. A server error met on the way is this call's error.
    pub(super) fn count_ahead(&self, st: &mut StmtState) -> OdbcResult<()> {
        if st.phase != Phase::Cursor || st.row_count != -1 || self.cursor_is_stale(st) {
            return Ok(());
        }
        let id = self.id;
        let max_rows = st.attrs.max_rows;
        let timeout_secs = st.attrs.query_timeout_secs;
        let Some(rs) = st
            .result
            .as_mut()
            .filter(|rs| !rs.ended && rs.scroll.is_none())
        else {
            return Ok(());
        };
        let mut cs = self.conn.state.lock();
        let batch = cs.fetch_batch.max(1);
        while rs.buffer.len() <= batch {
            let want = batch + 1 - rs.buffer.len();
            let running = cancel::begin(id, cs.session_opt().map(|s| s.canceller()), timeout_secs);
            let buffer = &mut rs.buffer;
            match running
                .finish(cs.call(CallKind::Fetch, |session| session.fetch(id, want, buffer)))
            {
                Ok(Fetched::More) => {}
                Ok(Fetched::End { rows_affected }) => {
                    rs.ended = true;
                    if let Some(n) = rows_affected {
                        let n = if max_rows > 0 { n.min(max_rows) } else { n };
                        st.row_count = i64::try_from(n).unwrap_or(i64::MAX);
                    }
                    break;
                }
                Err(e) => {
                    rs.ended = true;
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// A static cursor: reads the whole result into the statement now, so that it can be
    /// scrolled. Memory grows with the result (every row is kept until the cursor closes);
    /// SQL_ATTR_MAX_ROWS bounds it. SQLRowCount then reports the number of rows.
    pub(super) fn read_static(&self, st: &mut StmtState, cs: &mut ConnState) -> OdbcResult<()> {
        let id = self.id;
        let max_rows = usize::try_from(st.attrs.max_rows).unwrap_or(usize::MAX);
        let timeout_secs = st.attrs.query_timeout_secs;
        let mut rows = VecDeque::new();
        let read = loop {
            if max_rows > 0 && rows.len() >= max_rows {
                break Ok(());
            }
            let batch = cs.fetch_batch.max(1000);
            let running = cancel::begin(id, cs.session_opt().map(|s| s.canceller()), timeout_secs);
            match running.finish(cs.call(CallKind::Fetch, |session| {
                session.fetch(id, batch, &mut rows)
            })) {
                Ok(Fetched::More) => {}
                Ok(Fetched::End { .. }) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        // Done with the server's side either way (a remainder past MAX_ROWS is discarded).
        if let Ok(session) = cs.session() {
            session.close_result(id);
        }
        if let Err(e) = read {
            st.result = None;
            st.phase = Phase::Prepared;
            return Err(e);
        }
        let mut rows = Vec::from(rows);
        if max_rows > 0 {
            rows.truncate(max_rows);
        }
        st.row_count = i64::try_from(rows.len()).unwrap_or(i64::MAX);
        if let Some(rs) = st.result.as_mut() {
            rs.ended = true;
            rs.scroll = Some(StaticRows::new(rows));
        }
        Ok(())
    }
}
