//! Running statements: SQLPrepare, SQLExecDirect, SQLExecute, SQLMoreResults and the
//! driver's own catalog queries. One statement of a multi-statement string (a piece) runs
//! once per parameter set, or as one pipelined parameter array ([`super::param_array`]).

use super::get_data::GetDataPos;
use super::large_objects;
use super::param_array::{ignored_set, param_status};
use super::{state_alias, Phase, ResultSet, Statement, StmtState};
use crate::engine::pipeline::CallKind;
use crate::engine::session::{
    self, ErrorRollback, Executed, Prepared, StatementGuard, UNSPECIFIED,
};
use crate::engine::settings::Key;
use crate::engine::value::{self, ServerText, ValueContext};
use crate::odbc::appmem::{CountSlot, StatusArray};
use crate::odbc::cancel;
use crate::odbc::conn::ConnState;
use crate::odbc::diag::{state, OdbcError, OdbcResult, Outcome};
use crate::odbc::procedure_call::{self, ProcedureCall};
use crate::odbc::updatable;

/// SQL_CONCUR_READ_ONLY.
const CONCUR_READ_ONLY: u64 = 1;
/// The word a positioned statement (`WHERE CURRENT OF`) needs, looked for before parsing.
const CURRENT: &[u8] = b"current";
use crate::odbc::scroll;
use crate::odbc::sqltext::{
    changes_table_definition, moves_savepoints, reports_no_row_count, session_access_mode,
    sets_transaction, split_statements_in, transaction_control, translate_escapes_in, Quoting,
    SqlPiece,
};
use crate::odbc::types::{self, SizeLimits};
use std::collections::VecDeque;
use std::sync::Arc;
use tokio_postgres::types::Type;
use tokio_postgres::Row;

/// What one statement of a batch left for SQLMoreResults.
pub(super) struct BatchResult {
    result: Option<super::ResultSet>,
    row_count: i64,
    phase: Phase,
    outcome: Outcome,
    /// The statement of the text it belongs to.
    piece: usize,
}

impl Statement {
    /// The statements of the application's text, escape sequences translated unless
    /// SQL_ATTR_NOSCAN is on.
    pub(super) fn pieces_of(&self, st: &StmtState, sql: &str) -> OdbcResult<Vec<SqlPiece>> {
        let quoting = self.quoting();
        if st.attrs.noscan == 1 {
            return Ok(split_statements_in(sql, quoting));
        }
        if let Some(call) = procedure_call::parse(sql, quoting) {
            let call = call.map_err(|m| OdbcError::new(state_alias::SYNTAX_ERROR, m))?;
            return Ok(vec![self.plan_call(&call, 0, quoting)?]);
        }
        let translated = translate_escapes_in(sql, quoting)
            .map_err(|m| OdbcError::new(state_alias::SYNTAX_ERROR, m))?;
        let mut pieces = split_statements_in(&translated, quoting);
        // Positioned statements (rare: look for the word before parsing).
        if translated
            .as_bytes()
            .windows(CURRENT.len())
            .any(|w| w.eq_ignore_ascii_case(CURRENT))
        {
            for piece in &mut pieces {
                // A name no statement of the connection has is left to the server (a cursor
                // the application DECLAREd in SQL).
                if let Some((sql, cursor)) =
                    updatable::positioned(&piece.sql, piece.param_count, quoting)
                        .filter(|(_, cursor)| self.names_a_cursor(cursor))
                {
                    piece.sql = sql;
                    piece.current_of = Some(cursor);
                }
            }
        }
        Ok(pieces)
    }

    /// An updatable cursor, when the application asked for a concurrency other than
    /// read-only: the SELECT is sent with its rows' identities in hidden columns (see
    /// [`updatable`]). A statement that is not one table's SELECT gets a read-only cursor, and
    /// 01S02 says so.
    fn plan_updatable(&self, st: &mut StmtState) {
        st.updatable = None;
        st.cursor_updates = false;
        let mut wants_updates = st.attrs.concurrency != CONCUR_READ_ONLY;
        let wants_keyset = st.attrs.cursor_type == scroll::cursor_type::KEYSET_DRIVEN;
        if wants_updates && !self.updatable_cursors_offered() {
            self.warn(
                state::OPTION_CHANGED,
                "the cursor is read-only: updatable cursors are off (UpdatableCursors=0)",
            );
            wants_updates = false;
        }
        if !wants_updates && !wants_keyset {
            return;
        }
        let analysed = match st.pieces.as_slice() {
            [only] => updatable::analyse(&only.sql, self.quoting()),
            _ => None,
        };
        match analysed {
            Some(select) => {
                st.pieces[0].sql.clone_from(&select.sql);
                st.updatable = Some(select);
                st.cursor_updates = wants_updates;
            }
            None if wants_updates => self.warn(
                state::OPTION_CHANGED,
                "the cursor is read-only: only a SELECT of one table's rows can be updated through the cursor",
            ),
            None => self.warn(
                state::OPTION_CHANGED,
                "the cursor is static: a keyset-driven cursor needs a SELECT of one table's rows",
            ),
        }
    }

    /// psqlODBC's UpdatableCursors key (on unless the DSN turns it off).
    fn updatable_cursors_offered(&self) -> bool {
        self.conn
            .state
            .lock()
            .settings
            .as_ref()
            .is_none_or(|s| s.get_u64(Key::UpdatableCursors) != 0)
    }

    /// After `failed`: when the statement was sent as an updatable cursor and the server has
    /// no row identity for it (a view: "column ctid does not exist"), it goes back to the
    /// application's text with a read-only cursor (01S02) and `true` says to run it again.
    fn read_only_after_all(&self, st: &mut StmtState, failed: &OdbcError) -> bool {
        if failed.state.as_str() != "42703" || !failed.message.contains("ctid") {
            return false;
        }
        let Some(select) = st.updatable.take() else {
            return false;
        };
        st.cursor_updates = false;
        st.pieces[0].sql = select.original_sql;
        if let Some(p) = st.prepared.first_mut() {
            *p = None;
        }
        self.warn(
            state::OPTION_CHANGED,
            "the cursor is read-only: the SELECT's rows have no identity (ctid) to update them by",
        );
        true
    }

    /// A procedure call planned for its parameters as the IPD describes them now.
    fn plan_call(
        &self,
        call: &ProcedureCall,
        first_param: usize,
        quoting: Quoting,
    ) -> OdbcResult<SqlPiece> {
        let ipd = self.ipd.lock();
        call.plan(first_param, quoting, |n| {
            ipd.record(n).map_or(0, |r| r.parameter_type)
        })
        .map_err(|m| OdbcError::new(state_alias::SYNTAX_ERROR, m))
    }

    /// Plans the statement's procedure calls again before an execution: the application may
    /// have bound parameters as output (or input) since SQLPrepare. A call whose text
    /// changes is prepared again.
    fn replan_calls(&self, st: &mut StmtState) -> OdbcResult<()> {
        if st.pieces.iter().all(|p| p.call.is_none()) {
            return Ok(());
        }
        let quoting = self.quoting();
        for i in 0..st.pieces.len() {
            let Some(plan) = st.pieces[i].call.as_ref() else {
                continue;
            };
            let planned = self.plan_call(&plan.call, st.pieces[i].first_param, quoting)?;
            if planned.sql != st.pieces[i].sql {
                if let Some(p) = st.prepared.get_mut(i) {
                    *p = None;
                }
            }
            st.pieces[i] = planned;
        }
        Ok(())
    }

    /// How the connection's session reads backslashes in strings (standard before connect).
    fn quoting(&self) -> Quoting {
        let cs = self.conn.state.lock();
        Quoting {
            backslash_escapes_in_plain_strings: cs
                .session_opt()
                .is_some_and(|s| s.backslash_escapes_in_plain_strings()),
        }
    }

    /// SQLPrepare: prepares the first statement of `sql` so that its result columns and
    /// parameters can be described before execution.
    pub fn prepare(&self, sql: &str) -> OdbcResult<()> {
        let mut st = self.state.lock();
        refuse_while_data_pending(&st)?;
        self.close_locked(&mut st);
        st.pieces = self.pieces_of(&st, sql)?;
        self.plan_updatable(&mut st);
        self.retire_prepared(&mut st);
        st.prepared = vec![None; st.pieces.len()];
        st.piece = 0;
        st.row_count = -1;
        st.phase = Phase::Allocated;
        let first = st.pieces[0].clone();
        if !first.sql.is_empty() {
            // Parameters bound already give their types now; ones bound later prepare the
            // statement again at execution (see `run_piece`).
            let types = self.param_server_types(&first);
            let (prepared, generation) = {
                let mut cs = self.conn.state.lock();
                // A parse error fails an open transaction as an execution does.
                begin_statement(&mut cs, Some(&st.pieces[..1]));
                let prepared =
                    match cs.call(CallKind::Prepare, |s| s.prepare_typed(&first.sql, &types)) {
                        Err(e) if self.read_only_after_all(&mut st, &e) => {
                            let sql = st.pieces[0].sql.clone();
                            cs.call(CallKind::Prepare, |s| s.prepare_typed(&sql, &types))
                        }
                        prepared => prepared,
                    }?;
                (prepared, cs.generation())
            };
            st.prepared[0] = Some(prepared);
            st.generation = generation;
        }
        st.phase = Phase::Prepared;
        Ok(())
    }

    /// SQLExecDirect.
    pub fn exec_direct(&self, sql: &str) -> OdbcResult<Outcome> {
        let mut st = self.state.lock();
        refuse_while_data_pending(&st)?;
        self.close_locked(&mut st);
        st.pieces = self.pieces_of(&st, sql)?;
        self.plan_updatable(&mut st);
        self.retire_prepared(&mut st);
        st.prepared = vec![None; st.pieces.len()];
        st.piece = 0;
        st.phase = Phase::Prepared;
        if let Some(need) = self.start_data_at_exec(&mut st) {
            return Ok(need);
        }
        self.run_statements(&mut st)
    }

    /// SQLExecute.
    pub fn execute(&self) -> OdbcResult<Outcome> {
        let mut st = self.state.lock();
        refuse_while_data_pending(&st)?;
        if st.phase == Phase::Cursor && self.cursor_is_stale(&st) {
            // The cursor was on a session failover replaced: nothing is left to close, and
            // re-running the statement is exactly what the application was told to do.
            self.close_locked(&mut st);
        }
        match st.phase {
            Phase::Allocated => {
                return Err(OdbcError::new(
                    state::SEQUENCE_ERROR,
                    "the statement is not prepared",
                ))
            }
            Phase::Cursor => {
                return Err(OdbcError::new(
                    state::INVALID_CURSOR_STATE,
                    "a cursor is open; close it first",
                ))
            }
            _ => {}
        }
        st.piece = 0;
        self.replan_calls(&mut st)?;
        if let Some(need) = self.start_data_at_exec(&mut st) {
            return Ok(need);
        }
        self.run_statements(&mut st)
    }

    /// Runs a query the driver made itself (catalog functions) with the given parameters.
    pub fn exec_internal(&self, sql: &str, params: &[Option<String>]) -> OdbcResult<Outcome> {
        let mut st = self.state.lock();
        refuse_while_data_pending(&st)?;
        self.close_locked(&mut st);
        st.updatable = None;
        st.cursor_updates = false;
        st.pieces = vec![SqlPiece {
            sql: sql.to_string(),
            param_count: params.len(),
            first_param: 0,
            call: None,
            current_of: None,
        }];
        self.retire_prepared(&mut st);
        st.prepared = vec![None];
        st.piece = 0;
        st.phase = Phase::Prepared;
        // Catalog queries only read: they get no savepoint, and leave the driver's alone.
        begin_statement(&mut self.conn.state.lock(), None);
        self.run_piece(&mut st, Some(params))
    }

    /// SQLMoreResults: moves to the next result of a multi-statement string. Every statement
    /// ran when the string was executed ([`Self::run_statements`]); this only walks what they
    /// left.
    pub fn more_results(&self) -> OdbcResult<Outcome> {
        let mut st = self.state.lock();
        if st.phase != Phase::Cursor && st.phase != Phase::Executed {
            return Ok(Outcome::NoData);
        }
        let Some(next) = st.later_results.pop_front() else {
            self.close_locked(&mut st);
            st.piece = 0;
            return Ok(Outcome::NoData);
        };
        // The current result was read whole, so the session holds nothing of it.
        st.result = next.result;
        st.row_count = next.row_count;
        st.phase = next.phase;
        st.getdata = GetDataPos::default();
        st.piece = next.piece;
        // A searched UPDATE/DELETE that touched no rows is still a result here: SQL_NO_DATA
        // from SQLMoreResults would tell the application the batch has ended.
        match next.outcome {
            Outcome::NoData => Ok(Outcome::Success),
            other => Ok(other),
        }
    }

    /// Runs the whole text from its first statement: SQLExecDirect, SQLExecute and the
    /// SQLParamData that supplies the last data-at-execution value.
    ///
    /// One statement runs as it always did, its result streaming. Several (a batch) all run
    /// now, as psqlODBC and psql run them (one simple-query message): each statement's result
    /// is read whole and kept for SQLMoreResults, the first one is current, and the first
    /// error stops the batch and is this call's error, so no statement is skipped without the
    /// application hearing of it. In autocommit mode the batch is one transaction, as
    /// PostgreSQL makes a multi-statement query one implicit transaction: an error undoes the
    /// statements before it. A batch with its own BEGIN/COMMIT/ROLLBACK gets no transaction
    /// from the driver, and stops at its first error all the same.
    ///
    /// The whole text is one statement for the rollback mode (psqlODBC's `Protocol`): in an
    /// open transaction, statement-level rollback sets a savepoint ahead of it, and an error
    /// anywhere in it rolls back to there.
    pub(super) fn run_statements(&self, st: &mut StmtState) -> OdbcResult<Outcome> {
        st.piece = 0;
        st.later_results.clear();
        {
            let mut cs = self.conn.state.lock();
            begin_statement(&mut cs, Some(&st.pieces));
        }
        if st.pieces.len() < 2 {
            // Large objects a parameter writes are created in the statement's transaction:
            // one is opened around them in autocommit mode.
            let wrapped = self.large_objects_need_transaction(st)?;
            let ran = match self.run_piece(st, None) {
                Err(e) if self.read_only_after_all(st, &e) => self.run_piece(st, None),
                ran => ran,
            };
            if wrapped {
                let commit = ran.is_ok();
                self.conn
                    .state
                    .lock()
                    .call(CallKind::EndTransaction, |session| {
                        session.end_transaction(commit)
                    })?;
            }
            return ran;
        }
        let autocommit = self.conn.state.lock().attrs.autocommit;
        let wrapped = autocommit
            && !st
                .pieces
                .iter()
                .any(|p| transaction_control(&p.sql).is_some());
        if wrapped {
            self.conn
                .state
                .lock()
                .call(CallKind::Execute, |session| session.begin_if_needed())?;
        }
        let ran = self.run_batch(st);
        let ended = if wrapped {
            let commit = ran.is_ok();
            self.conn
                .state
                .lock()
                .call(CallKind::EndTransaction, |session| {
                    session.end_transaction(commit)
                })
        } else {
            Ok(())
        };
        let mut results = match (ran, ended) {
            (Ok(results), Ok(())) => results,
            (Err(e), _) | (Ok(_), Err(e)) => {
                st.result = None;
                st.later_results.clear();
                st.piece = 0;
                st.row_count = -1;
                st.phase = Phase::Prepared;
                return Err(e);
            }
        };
        let Some(first) = results.pop_front() else {
            return Err(OdbcError::new(state::GENERAL, "the batch gave no result"));
        };
        st.result = first.result;
        st.row_count = first.row_count;
        st.phase = first.phase;
        st.getdata = GetDataPos::default();
        st.piece = 0;
        st.later_results = results;
        // Warnings of later statements are in this call's diagnostics already.
        Ok(first.outcome)
    }

    /// Runs every statement of a batch in order, reading each one's rows whole; stops at the
    /// first error.
    fn run_batch(&self, st: &mut StmtState) -> OdbcResult<VecDeque<BatchResult>> {
        let mut results = VecDeque::with_capacity(st.pieces.len());
        for piece in 0..st.pieces.len() {
            st.piece = piece;
            let outcome = self.run_piece(st, None)?;
            if st.phase == Phase::Cursor {
                self.read_whole(st)?;
            }
            results.push_back(BatchResult {
                result: st.result.take(),
                row_count: st.row_count,
                phase: st.phase,
                outcome,
                piece,
            });
            // A parameter array's later sets, each a result of its own.
            results.extend(st.later_results.drain(..));
        }
        Ok(results)
    }

    /// Executes the current piece (once per parameter set).
    pub(super) fn run_piece(
        &self,
        st: &mut StmtState,
        internal: Option<&[Option<String>]>,
    ) -> OdbcResult<Outcome> {
        st.result = None;
        st.getdata = GetDataPos::default();
        let piece = st.pieces[st.piece].clone();
        if piece.sql.is_empty() {
            st.row_count = -1;
            st.phase = Phase::Executed;
            return Ok(Outcome::Success);
        }
        let (paramset_size, processed, status) = if internal.is_some() {
            (1, CountSlot::NONE, StatusArray::NONE)
        } else {
            let apd = st.apd.lock();
            let ipd = self.ipd.lock();
            // SAFETY: SQL_ATTR_PARAMS_PROCESSED_PTR and SQL_ATTR_PARAM_STATUS_PTR as the
            // application bound them; ODBC has it keep them valid, the status array with an
            // element per parameter set (SQL_ATTR_PARAMSET_SIZE, read under the same lock).
            unsafe {
                (
                    apd.array_size.max(1),
                    CountSlot::bound(ipd.rows_processed_ptr),
                    StatusArray::bound(ipd.array_status_ptr),
                )
            }
        };
        let mut cs = self.conn.state.lock();
        let autocommit = cs.attrs.autocommit;
        let limits = cs.limits;
        st.lf_params = cs.reading.lf_conversion;
        // The AWS ODBC wrapper's trigger for read/write splitting: the access mode follows the
        // statement, and a connection that moves does so before it runs.
        if internal.is_none() {
            if let Some(read_only) = session_access_mode(&piece.sql) {
                cs.access_mode_from_statement(read_only)?;
            }
        }
        if cs.generation() != st.generation {
            // The session was replaced (failover): earlier prepared statements are gone.
            st.prepared.iter_mut().for_each(|p| *p = None);
            st.generation = cs.generation();
        }
        // The parameters' server types follow the SQL types bound now (psqlODBC casts them
        // at execution); a statement prepared for other types is prepared again.
        let large_objects = internal.is_none() && self.may_write_large_objects(&mut cs, &piece)?;
        let param_types = if internal.is_some() {
            vec![UNSPECIFIED; piece.param_count]
        } else {
            self.param_server_types(&piece)
        };
        let cached = st.prepared[st.piece]
            .clone()
            .filter(|p| p.requested_types() == param_types.as_slice());
        let id = self.id;
        // The first set's execution when it went out together with the prepare.
        let mut first_set: Option<OdbcResult<Executed>> = None;
        let prepared = match cached {
            Some(p) => p,
            // Not prepared yet and executed once (SQLExecDirect, catalog queries): prepare and
            // execute in one round trip. Not when a parameter may write a large object: the
            // prepare says whether it does before its value is sent.
            None if paramset_size == 1 && !large_objects => {
                let values = self.values_of_set(st, &piece, internal, 0, status)?;
                let refs: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
                let running = cancel::begin(
                    id,
                    cs.session_opt().map(|s| s.canceller()),
                    st.attrs.query_timeout_secs,
                );
                // Catalog queries (`internal`) read the system catalogs and open no transaction
                // of their own, as psqlODBC's do: browsing must not leave the session idle in a
                // transaction.
                let opens_transaction = !autocommit && internal.is_none();
                let outcome = cs.call(CallKind::Execute, |session| {
                    if opens_transaction {
                        session.begin_if_needed()?;
                    }
                    session.prepare_and_execute_typed(id, &piece.sql, &param_types, &refs)
                });
                let (prepared, executed) = match outcome {
                    Ok((p, executed)) => (Some(p), executed.map_err(OdbcError::from)),
                    Err(e) => (None, Err(e)),
                };
                let executed = running.finish(executed);
                match prepared {
                    Some(p) => {
                        first_set = Some(executed);
                        p
                    }
                    None => {
                        status.set(0, param_status::ERROR);
                        return Err(executed.err().unwrap_or_else(|| {
                            OdbcError::new(state::GENERAL, "the statement could not be prepared")
                        }));
                    }
                }
            }
            None => cs.call(CallKind::Prepare, |session| {
                session.prepare_typed(&piece.sql, &param_types)
            })?,
        };
        let large_object_params = if large_objects {
            large_objects::large_object_params(&prepared, piece.param_count)
        } else {
            Vec::new()
        };
        // Manual-commit mode: the execution belongs in a transaction. A statement prepared
        // earlier (SQLPrepare, or an execution before the last SQLEndTran) has not opened one.
        if !autocommit
            && internal.is_none()
            && first_set.is_none()
            && !cs.session()?.in_transaction()
        {
            cs.call(CallKind::Execute, |session| session.begin_if_needed())?;
        }
        // The application's own BEGIN/COMMIT/ROLLBACK: a block it opened must not get the
        // driver's transaction around a parameter array (whose COMMIT would end it), and one
        // it ended must not be ended again. An ending statement ends the block even when it
        // fails; a BEGIN counts once it has run.
        let control = if internal.is_none() {
            transaction_control(&piece.sql)
        } else {
            None
        };
        if control == Some(false) {
            cs.session()?.note_transaction_block(false);
        }
        // Keep it for later executions of a prepared statement.
        st.prepared[st.piece] = Some(prepared.clone());
        if prepared.params().len() != piece.param_count + piece.driver_params() {
            if first_set.is_some() {
                cs.session()?.close_result(id);
            }
            return Err(OdbcError::new(
                state::GENERAL,
                format!(
                    "the statement has {} parameter markers but the server sees {}",
                    piece.param_count,
                    prepared.params().len()
                ),
            ));
        }
        tracing::debug!(
            statement = id,
            piece = st.piece,
            parameters = piece.param_count,
            sets = paramset_size,
            "execute"
        );
        processed.set(0);
        let mut total_affected: Option<u64> = None;
        let mut outcome = Outcome::Success;
        let mut executed_rows = false;
        // Under a parameter array, each set's rows (INSERT ... RETURNING, a SELECT) are a
        // result of their own, read whole, as psqlODBC gives them: the first is current and
        // the others follow through SQLMoreResults.
        let results_per_set = paramset_size > 1 && internal.is_none();
        let mut set_results: VecDeque<BatchResult> = VecDeque::new();
        if paramset_size > 1
            && internal.is_none()
            && prepared.columns().is_empty()
            && large_object_params.is_empty()
        {
            return self.run_param_array(
                st,
                &mut cs,
                &piece,
                &prepared,
                paramset_size,
                processed,
                status,
            );
        }
        let operations = if internal.is_none() {
            let apd = st.apd.lock();
            // SAFETY: SQL_ATTR_PARAM_OPERATION_PTR as the application bound it, with an
            // element per parameter set (ODBC has it keep the array valid while bound).
            unsafe { StatusArray::bound(apd.array_status_ptr) }
        } else {
            StatusArray::NONE
        };
        for set in 0..paramset_size {
            if first_set.is_none() && ignored_set(operations, set) {
                status.set_at(set, param_status::UNUSED);
                processed.set(set + 1);
                continue;
            }
            let executed = match first_set.take() {
                Some(executed) => executed,
                None => {
                    let mut values = self.values_of_set(st, &piece, internal, set, status)?;
                    if !large_object_params.is_empty() {
                        large_objects::write_large_objects(
                            &mut cs,
                            &piece,
                            &large_object_params,
                            &mut values,
                        )
                        .inspect_err(|_| status.set_at(set, param_status::ERROR))?;
                    }
                    let refs: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
                    let running = cancel::begin(
                        id,
                        cs.session_opt().map(|s| s.canceller()),
                        st.attrs.query_timeout_secs,
                    );
                    running.finish(cs.call(CallKind::Execute, |session| {
                        session.execute(id, &prepared, &refs)
                    }))
                }
            };
            let set_index = usize::try_from(set).unwrap_or(usize::MAX);
            match executed {
                Ok(Executed::Done { rows_affected }) => {
                    if let Some(n) = rows_affected {
                        total_affected = Some(total_affected.unwrap_or(0) + n);
                    }
                    status.set(set_index, param_status::SUCCESS);
                }
                Ok(Executed::Rows) if results_per_set => {
                    status.set(set_index, param_status::SUCCESS);
                    st.result = Some(new_result_set(&prepared, &limits, &mut cs)?);
                    st.phase = Phase::Cursor;
                    self.read_static(st, &mut cs)?;
                    set_results.push_back(BatchResult {
                        result: st.result.take(),
                        row_count: st.row_count,
                        phase: Phase::Cursor,
                        outcome: Outcome::Success,
                        piece: st.piece,
                    });
                }
                Ok(Executed::Rows) => {
                    executed_rows = true;
                    status.set(set_index, param_status::SUCCESS);
                }
                Err(e) => {
                    status.set(set_index, param_status::ERROR);
                    processed.set(set + 1);
                    for rest in set + 1..paramset_size {
                        status.set_at(rest, param_status::UNUSED);
                    }
                    return Err(e);
                }
            }
            processed.set(set + 1);
        }
        if let Some(first) = set_results.pop_front() {
            st.result = first.result;
            st.row_count = first.row_count;
            st.phase = Phase::Cursor;
            st.later_results = set_results;
        } else if executed_rows {
            let mut result = new_result_set(&prepared, &limits, &mut cs)?;
            if st.updatable.is_some() {
                result.hide_trailing(updatable::HIDDEN_COLUMNS);
            }
            st.result = Some(result);
            st.row_count = -1;
            st.phase = Phase::Cursor;
            // A keyset-driven cursor keeps its rows' keys; a static or updatable one its rows
            // (to update them where they are).
            if st.attrs.cursor_type == scroll::cursor_type::KEYSET_DRIVEN && st.updatable.is_some()
            {
                self.read_keyset(st, &mut cs)?;
            } else if st.attrs.cursor_type != scroll::cursor_type::FORWARD_ONLY
                || st.updatable.is_some()
            {
                self.read_static(st, &mut cs)?;
            }
            self.attach_server_text(st, &mut cs, &prepared)?;
            if let Some(plan) = piece.call.as_ref().filter(|p| !p.outputs.is_empty()) {
                // The first row fills the output parameters now; it stays in the result
                // for SQLFetch.
                if st.result.as_ref().is_some_and(|rs| !rs.is_static()) {
                    self.read_whole_with(st, &mut cs)?;
                }
                self.write_output_params(st, &plan.outputs)?;
            }
        } else {
            if changes_table_definition(&piece.sql) {
                cs.table_columns.clear();
            }
            if large_objects::may_change_types(&piece.sql) || changes_table_definition(&piece.sql) {
                cs.forget_large_object_types();
            }
            st.row_count = if reports_no_row_count(&piece.sql) {
                -1
            } else {
                total_affected.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX))
            };
            st.phase = Phase::Executed;
            if total_affected == Some(0) && is_searched_update_or_delete(&piece.sql) {
                outcome = Outcome::NoData;
            }
        }
        if control == Some(true) {
            cs.session()?.note_transaction_block(true);
        }
        Ok(outcome)
    }

    /// The text values of parameter set `set` (or the driver's own values of an internal
    /// query); a set that cannot be converted is marked in the status array.
    fn values_of_set(
        &self,
        st: &StmtState,
        piece: &SqlPiece,
        internal: Option<&[Option<String>]>,
        set: u64,
        status: StatusArray,
    ) -> OdbcResult<Vec<Option<String>>> {
        if let Some(values) = internal {
            return Ok(values.to_vec());
        }
        let mut values = self
            .collect_params(st, piece, set)
            .inspect_err(|_| status.set_at(set, param_status::ERROR))?;
        if let Some(cursor) = &piece.current_of {
            let (ctid, table) = self.current_row_of(cursor)?;
            values.push(Some(ctid));
            values.push(Some(table));
        }
        Ok(values)
    }
}

impl Statement {
    /// Before running a one-statement text in autocommit mode: when a parameter may write a
    /// large object, opens a transaction (the caller ends it) so that the objects and the
    /// statement that stores their oids commit or roll back together. `true` when it did.
    fn large_objects_need_transaction(&self, st: &StmtState) -> OdbcResult<bool> {
        let Some(piece) = st.pieces.first() else {
            return Ok(false);
        };
        if piece.param_count == 0 || !self.has_long_binary_params(piece) {
            return Ok(false);
        }
        let mut cs = self.conn.state.lock();
        if !cs.attrs.autocommit || cs.session()?.in_transaction() {
            return Ok(false);
        }
        if !self.may_write_large_objects(&mut cs, piece)? {
            return Ok(false);
        }
        cs.call(CallKind::Execute, |session| session.begin_if_needed())?;
        Ok(true)
    }
}

/// HY010 for an execution (SQLExecDirect, SQLExecute, SQLPrepare, a catalog function) while
/// the statement waits for data-at-execution values (SQL_NEED_DATA was returned and the last
/// SQLParamData has not come): the driver manager checks this, but a program without one
/// reaches the driver directly. SQLCancel ends the wait.
fn refuse_while_data_pending(st: &StmtState) -> OdbcResult<()> {
    if st.dae.as_ref().is_some_and(|d| !d.complete) {
        return Err(OdbcError::new(
            state::SEQUENCE_ERROR,
            "the statement is waiting for data-at-execution values (SQLParamData/SQLPutData); finish or cancel it first",
        ));
    }
    Ok(())
}

impl Statement {
    /// For a result with columns whose text only the server can give (money, reg* types,
    /// extension types: [`value::needs_server_text`]), as psqlODBC shows them: the result is
    /// read whole now and each distinct value of those columns rendered by the server in one
    /// more round trip; the text is kept with the result for character reads. Results of
    /// other types (nearly all) stream as before, with one check per column here.
    fn attach_server_text(
        &self,
        st: &mut StmtState,
        cs: &mut ConnState,
        prepared: &Prepared,
    ) -> OdbcResult<()> {
        let columns: Vec<(usize, &Type)> = prepared
            .columns()
            .iter()
            .enumerate()
            .filter(|(_, c)| value::needs_server_text(c.type_()))
            .map(|(i, c)| (i, c.type_()))
            .collect();
        if columns.is_empty() {
            return Ok(());
        }
        self.read_whole_with(st, cs)?;
        let Some(rs) = st.result.as_mut() else {
            return Ok(());
        };
        let rows: Vec<&Row> = match &rs.scroll {
            Some(rows) => rows.rows().iter().collect(),
            None => rs.buffer.iter().collect(),
        };
        let mut seen = ServerText::default();
        let mut values: Vec<(Type, &[u8])> = Vec::new();
        for row in rows {
            for &(i, ty) in &columns {
                if let Some(raw) = session::raw_value(row, i) {
                    if !seen.has(ty.oid(), raw) {
                        seen.insert(ty.oid(), raw, String::new());
                        values.push((ty.clone(), raw));
                    }
                }
            }
        }
        if values.is_empty() {
            return Ok(());
        }
        let rendered = cs.call(CallKind::Execute, |session| {
            match session.server_text(&values) {
                Ok(text) => Ok(Some(text)),
                Err(e) if e.is_communication() => Err(e),
                // A type without a binary input function: the driver's own rendering stays.
                Err(e) => {
                    tracing::debug!(error = %e, "the server could not render values as text");
                    Ok(None)
                }
            }
        })?;
        let Some(server_text) = rendered else {
            return Ok(());
        };
        rs.values = Arc::new(ValueContext {
            zone: rs.values.zone.clone(),
            server_text,
        });
        Ok(())
    }
}

/// How the driver's savepoint treats the application's statements `pieces`: none around the
/// application's own transaction and savepoint commands (as psqlODBC) or `SET TRANSACTION`
/// (refused inside a subtransaction), one ahead of anything else when the rollback mode is
/// statement-level.
fn statement_guard(pieces: &[SqlPiece], mode: ErrorRollback) -> StatementGuard {
    if pieces.iter().any(|p| moves_savepoints(&p.sql)) {
        StatementGuard::MovesSavepoints
    } else if mode == ErrorRollback::Statement
        && !pieces
            .iter()
            .any(|p| transaction_control(&p.sql).is_some() || sets_transaction(&p.sql))
    {
        StatementGuard::Savepoint
    } else {
        StatementGuard::Unguarded
    }
}

/// Tells the session a statement starts (see [`crate::engine::session::Session::begin_statement`]):
/// the application's `pieces`, or `None` for the driver's own catalog query. Nothing when the
/// connection is closed, which the statement's first call reports.
pub(super) fn begin_statement(cs: &mut ConnState, pieces: Option<&[SqlPiece]>) {
    let guard = match pieces {
        Some(pieces) => statement_guard(pieces, cs.error_rollback),
        None => StatementGuard::Unguarded,
    };
    if let Ok(session) = cs.session() {
        session.begin_statement(guard);
    }
}

/// ODBC wants SQL_NO_DATA from a searched UPDATE or DELETE that touched no row.
fn is_searched_update_or_delete(sql: &str) -> bool {
    let word: String = sql
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    word.eq_ignore_ascii_case("update") || word.eq_ignore_ascii_case("delete")
}

/// An empty result for the rows `prepared` is about to give, described for the application.
fn new_result_set(
    prepared: &Prepared,
    limits: &SizeLimits,
    cs: &mut ConnState,
) -> OdbcResult<ResultSet> {
    let columns: Vec<types::ColumnInfo> = prepared
        .columns()
        .iter()
        .map(|col| types::describe_result_column(col, limits))
        .collect();
    let types: Vec<Type> = prepared
        .columns()
        .iter()
        .map(|c| c.type_().clone())
        .collect();
    let values = cs.session()?.value_context();
    let (columns, types) = large_objects::declared_large_objects(cs, columns, types, limits)?;
    let facts = types.iter().map(super::cell::ColumnFacts::of).collect();
    Ok(ResultSet {
        columns,
        types,
        facts,
        values,
        reading: cs.reading,
        buffer: VecDeque::new(),
        rowset: Vec::new(),
        ended: false,
        delivered: 0,
        scroll: None,
        keyset: None,
    })
}
