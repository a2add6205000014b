//! A parameter array (SQL_ATTR_PARAMSET_SIZE > 1) for a statement without results: every set
//! goes to the server in one pipeline, and each set's outcome to the status array.

use super::{Phase, Statement, StmtState};
use crate::engine::batched_insert::InsertTemplate;
use crate::engine::error::{EngineError, EngineResult};
use crate::engine::pipeline::CallKind;
use crate::engine::session::{PerSet, Prepared};
use crate::odbc::appmem::{CountSlot, StatusArray};
use crate::odbc::cancel;
use crate::odbc::conn::ConnState;
use crate::odbc::diag::{state, OdbcError, OdbcResult, Outcome};
use crate::odbc::sqltext::SqlPiece;

/// Parameter status values (SQL_PARAM_*).
pub(super) mod param_status {
    pub const SUCCESS: u16 = 0;
    pub const ERROR: u16 = 5;
    pub const UNUSED: u16 = 7;
    /// In the SQL_ATTR_PARAM_OPERATION_PTR array: leave this set out.
    pub const IGNORE: u16 = 1;
}

/// Which parameter sets the application left out through SQL_ATTR_PARAM_OPERATION_PTR
/// (`operations`, [`StatusArray::NONE`] when it bound none).
pub(super) fn ignored_set(operations: StatusArray, set: u64) -> bool {
    operations.get(usize::try_from(set).unwrap_or(0)) == param_status::IGNORE
}

/// The fewest sets a default-path array loads by COPY: the COPY takes three round trips and a
/// catalog check, the `EXECUTE` statements one round trip, so small arrays stay with those.
const COPY_MIN_SETS: usize = 32;

impl Statement {
    /// A parameter array for a statement without results: every set is sent in one pipeline;
    /// each set's outcome goes to the status array, failures to diagnostics with their row.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run_param_array(
        &self,
        st: &mut StmtState,
        cs: &mut ConnState,
        piece: &SqlPiece,
        prepared: &Prepared,
        paramset_size: u64,
        processed: CountSlot,
        status: StatusArray,
    ) -> OdbcResult<Outcome> {
        let count = usize::try_from(paramset_size).unwrap_or(usize::MAX);
        let operations = {
            let apd = st.apd.lock();
            // SAFETY: SQL_ATTR_PARAM_OPERATION_PTR as the application bound it, with an
            // element per parameter set (ODBC has it keep the array valid while bound).
            unsafe { StatusArray::bound(apd.array_status_ptr) }
        };
        // The sets that run, by their position in the application's arrays.
        let mut positions = Vec::new();
        let mut sets = Vec::new();
        // An array the process cannot hold is HY001, not an abort of the whole process.
        if positions.try_reserve_exact(count).is_err() || sets.try_reserve_exact(count).is_err() {
            return Err(OdbcError::new(
                state::MEMORY,
                format!("not enough memory for a parameter array of {count} sets"),
            ));
        }
        for set in 0..paramset_size {
            let index = usize::try_from(set).unwrap_or(usize::MAX);
            if ignored_set(operations, set) {
                status.set(index, param_status::UNUSED);
                continue;
            }
            sets.push(self.collect_params(st, piece, set)?);
            positions.push(index);
        }
        if sets.is_empty() {
            processed.set(paramset_size);
            st.row_count = 0;
            st.phase = Phase::Executed;
            return Ok(Outcome::Success);
        }
        let id = self.id;
        let autocommit = cs.attrs.autocommit;
        // SQLCancel and the query timeout stop the whole array.
        let running = cancel::begin(
            id,
            cs.session_opt().map(|s| s.canceller()),
            st.attrs.query_timeout_secs,
        );
        // Fast path: the whole array in one transaction (one commit), as one COPY or as
        // multi-row INSERTs when the key asks for it and the statement allows. When a set fails nothing was
        // applied, and the sets run again one by one so each gets its own outcome; unless the
        // failure was a cancel or the timeout, which ends the call with nothing applied.
        // COPY and multi-row statements tell only the array's total, not each set's count.
        let mut array_total = None;
        let atomic = if autocommit && !cs.session()?.in_transaction() {
            let template = InsertTemplate::parse(&piece.sql, piece.param_count);
            let atomic: Option<Vec<EngineResult<Option<u64>>>> = match template {
                Some(template) if cs.rewrite_batched_inserts => running
                    .check(cs.call(CallKind::Execute, |session| {
                        let types = prepared.requested_types();
                        // COPY where it inserts what the INSERTs would, else multi-row INSERTs.
                        match session.copy_rows_atomic(
                            id,
                            &template,
                            types,
                            &sets,
                            PerSet::Merged,
                        )? {
                            Some(copied) => Ok(copied),
                            None => session.insert_rows_atomic(id, &template, types, &sets),
                        }
                    }))?
                    .map(|total| {
                        array_total = Some(total);
                        vec![Ok(None); sets.len()]
                    }),
                // The default path: one COPY where it cannot differ from a statement per
                // set (then each set inserted exactly one row), else the sets' own statements.
                template => running
                    .check(cs.call(CallKind::Execute, |session| {
                        let copied = match &template {
                            Some(template) if sets.len() >= COPY_MIN_SETS => session
                                .copy_rows_atomic(
                                    id,
                                    template,
                                    prepared.requested_types(),
                                    &sets,
                                    PerSet::Statements,
                                )?,
                            _ => None,
                        };
                        match copied {
                            Some(Some(rows)) if rows == sets.len() as u64 => {
                                Ok(Some(vec![1; sets.len()]))
                            }
                            // Not seen: every set of such a table inserts one row.
                            Some(Some(rows)) => Err(EngineError::internal(format!(
                                "COPY inserted {rows} rows for {} parameter sets (the array was \
                                 applied)",
                                sets.len()
                            ))),
                            Some(None) => Ok(None),
                            None => session.execute_many_atomic(id, prepared, &sets),
                        }
                    }))?
                    .map(|counts| counts.into_iter().map(|n| Ok(Some(n))).collect()),
            };
            if atomic.is_none() {
                if let Some(stopped) = running.stopped("nothing of the parameter array was applied")
                {
                    return Err(stopped);
                }
            }
            atomic
        } else {
            None
        };
        let outcomes = match atomic {
            Some(outcomes) => outcomes,
            None => running.check(cs.call(CallKind::Execute, |session| {
                session.execute_many(id, prepared, &sets)
            }))?,
        };
        let mut total = 0u64;
        let mut failed = 0usize;
        for (outcome, &index) in outcomes.iter().zip(&positions) {
            match outcome {
                Ok(n) => {
                    total += n.unwrap_or(0);
                    status.set(index, param_status::SUCCESS);
                }
                Err(e) => {
                    failed += 1;
                    status.set(index, param_status::ERROR);
                    let mut diag = self.diag.lock();
                    diag.push_error(&OdbcError::from(e.clone()));
                    if let Some(rec) = diag.records.last_mut() {
                        rec.row = i64::try_from(index + 1).unwrap_or(-1);
                        rec.message = format!("{} (parameter set {})", rec.message, index + 1);
                    }
                }
            }
        }
        // Every position was dealt with, the ignored ones included (their status says so).
        processed.set(paramset_size);
        let total = array_total.unwrap_or(total);
        st.row_count = i64::try_from(total).unwrap_or(i64::MAX);
        st.phase = Phase::Executed;
        if failed > 0 {
            if let Some(stopped) = running
                .stopped("the sets marked SQL_PARAM_ERROR in the status array were not applied")
            {
                // The sets' own records only repeat the cancel; the status array keeps which
                // sets it hit, and the call's record comes first for the application.
                self.diag.lock().records.clear();
                return Err(stopped);
            }
        }
        if failed == outcomes.len() {
            // Every set failed: report the first error as the call's failure.
            let first = self.diag.lock().records.first().cloned();
            if let Some(rec) = first {
                self.diag.lock().records.remove(0);
                return running.check(Err(OdbcError {
                    state: rec.state,
                    native: rec.native,
                    message: rec.message,
                }));
            }
        }
        Ok(Outcome::Success)
    }
}
