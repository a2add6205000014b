//! What an error inside an open transaction undoes: psqlODBC's "level of rollback on errors"
//! (`Protocol=7.4-N`). By default only the failed statement: a savepoint goes out ahead of each
//! statement in an open transaction, in the same round trip as the statement, and a failure
//! rolls back to it, so the transaction goes on.
//!
//! Where psqlODBC sets no savepoint, neither does this: outside a transaction (autocommit,
//! where the statement is its own transaction), before the first statement of a transaction
//! (undoing the transaction undoes exactly that statement), around the application's own
//! BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE, around the driver's catalog queries, and once the
//! transaction has failed. A statement run without a savepoint that fails inside a transaction
//! rolls the transaction back, as psqlODBC does.
//!
//! The savepoint of a statement that succeeded is released lazily, ahead of the next
//! statement's own (`RELEASE ...; SAVEPOINT ...` in one message), so a success costs no
//! round trip of its own; only a failure costs one (`ROLLBACK TO SAVEPOINT`).

use super::Session;
use crate::engine::error::EngineResult;
use std::sync::atomic::Ordering;

/// What an error inside an open transaction undoes (psqlODBC's `Protocol=7.4-N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorRollback {
    /// Nothing: the transaction stays failed until the application ends it (`7.4-0`).
    Nothing,
    /// The whole transaction; the next statement starts a new one (`7.4-1`).
    Transaction,
    /// Only the failed statement; the transaction goes on (`7.4-2`, the default).
    #[default]
    Statement,
}

impl ErrorRollback {
    /// The mode a psqlODBC `Protocol` value selects: the digit after `7.4-`; none (or no
    /// value) selects psqlODBC's default for servers since 8.0, statement-level.
    pub fn from_protocol(protocol: Option<&str>) -> ErrorRollback {
        match protocol
            .and_then(|p| p.rsplit_once('-'))
            .map(|(_, n)| n.trim())
        {
            Some("0") => ErrorRollback::Nothing,
            Some("1") => ErrorRollback::Transaction,
            _ => ErrorRollback::Statement,
        }
    }
}

/// How the driver's savepoint treats the statement about to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementGuard {
    /// A savepoint goes out ahead of it (statement-level rollback), when a transaction is open.
    Savepoint,
    /// None, and the statement leaves savepoints alone (the driver's catalog queries, the
    /// application's BEGIN/COMMIT, other rollback modes).
    Unguarded,
    /// None, and the statement may move the savepoint stack (the application's own SAVEPOINT,
    /// RELEASE, ROLLBACK TO): the driver's savepoint may be gone or no longer on top.
    MovesSavepoints,
}

/// The driver's savepoint in the open transaction.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct SavepointState {
    /// Goes out ahead of the next request of the statement being run.
    due: bool,
    /// The driver's savepoint is on top of the server's savepoint stack (so it can be released).
    on_top: bool,
    /// It went out ahead of the statement being run: rolling back to it undoes exactly that
    /// statement.
    covers_current: bool,
}

/// The driver's savepoint. An identifier applications are unlikely to use.
const NAME: &str = "_auroraodbc_statement";
const SET: &str = "SAVEPOINT _auroraodbc_statement";
const RELEASE_AND_SET: &str =
    "RELEASE SAVEPOINT _auroraodbc_statement; SAVEPOINT _auroraodbc_statement";

impl Session {
    /// Called as each statement starts (before its first request): whether a savepoint goes
    /// out ahead of it. Only inside an open transaction that has not failed.
    pub fn begin_statement(&mut self, guard: StatementGuard) {
        let protect = guard == StatementGuard::Savepoint && !self.transaction_failed();
        let sp = &mut self.savepoint;
        sp.due = protect && self.in_transaction;
        sp.covers_current = sp.due;
        if guard == StatementGuard::MovesSavepoints {
            sp.on_top = false;
        }
    }

    /// The savepoint command to send ahead of the next request, if one is due; the caller
    /// sends it in the same round trip and reports with [`Session::savepoint_sent`].
    pub(super) fn take_due_savepoint(&mut self) -> Option<&'static str> {
        if !std::mem::take(&mut self.savepoint.due) {
            return None;
        }
        if self.transaction_failed() {
            // Failed since the statement began (the rest of an earlier result, read to free
            // the connection, ended in an error): the server would refuse the savepoint.
            self.savepoint.covers_current = false;
            return None;
        }
        Some(if self.savepoint.on_top {
            RELEASE_AND_SET
        } else {
            SET
        })
    }

    /// Records how the savepoint command went (`None`: none was sent).
    pub(super) fn savepoint_sent(&mut self, outcome: Option<Result<(), tokio_postgres::Error>>) {
        match outcome {
            None => {}
            Some(Ok(())) => self.savepoint.on_top = true,
            Some(Err(e)) => {
                // Noted (a server error fails the transaction); the statement's own outcome is
                // what the caller reports.
                let e = self.map_error(&e);
                tracing::debug!(error = %e, "statement savepoint failed");
                self.savepoint.on_top = false;
                self.savepoint.covers_current = false;
            }
        }
    }

    /// Sends a due savepoint on its own, for requests that are not sent together with one.
    pub(super) fn send_due_savepoint(&mut self) -> EngineResult<()> {
        if let Some(sql) = self.take_due_savepoint() {
            let outcome = self.block_on(self.client.batch_execute(sql))?;
            self.savepoint_sent(Some(outcome));
        }
        Ok(())
    }

    /// Forgets the savepoint: the transaction ended or a new one began.
    pub(super) fn reset_savepoint(&mut self) {
        self.savepoint = SavepointState::default();
        self.transaction_failed.store(false, Ordering::Relaxed);
    }

    /// The driver undid a failure of its own inside the transaction (rolled back to a
    /// savepoint of its own): the transaction has not failed.
    pub(super) fn transaction_recovered(&self) {
        self.transaction_failed.store(false, Ordering::Relaxed);
    }

    /// Whether the server failed a statement in the open transaction, which then accepts
    /// nothing but a rollback.
    pub fn transaction_failed(&self) -> bool {
        self.in_transaction && self.transaction_failed.load(Ordering::Relaxed)
    }

    /// After a call, when the server failed a statement inside the open transaction: undoes
    /// what `mode` says. Statement-level rolls back to the statement's savepoint, or the
    /// whole transaction when the statement ran without one; transaction-level rolls the
    /// transaction back; `Nothing` leaves it for the application.
    pub fn recover_failed_transaction(&mut self, mode: ErrorRollback) -> EngineResult<()> {
        if !self.transaction_failed() {
            return Ok(());
        }
        match mode {
            ErrorRollback::Nothing => Ok(()),
            ErrorRollback::Statement if self.savepoint.covers_current => {
                self.run_command(&format!("ROLLBACK TO SAVEPOINT {NAME}"))?;
                self.transaction_failed.store(false, Ordering::Relaxed);
                // Rolled back to, the savepoint stays on top; a later failure of the same
                // statement (its rows, read later) rolls back to it again.
                Ok(())
            }
            _ => self.end_transaction(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_selects_the_rollback_mode() {
        for (protocol, mode) in [
            (None, ErrorRollback::Statement),
            (Some("7.4"), ErrorRollback::Statement),
            (Some("7.4-2"), ErrorRollback::Statement),
            (Some("7.4-1"), ErrorRollback::Transaction),
            (Some("7.4-0"), ErrorRollback::Nothing),
            (Some("7.4- 1"), ErrorRollback::Transaction),
        ] {
            assert_eq!(ErrorRollback::from_protocol(protocol), mode, "{protocol:?}");
        }
    }
}
