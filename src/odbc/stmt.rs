//! The statement handle: preparing, executing, streaming results, fetching into bound buffers.

use super::appmem;
use super::conn::Connection;
use super::convert::{self, ConvertError, Written};
use super::desc::{DescKind, Descriptor};
use super::diag::{state, Diagnostics, OdbcError, OdbcResult, Outcome};
use super::params;
use super::scroll::{self, StaticRows};
use super::sqltext::{split_statements, transaction_control, translate_escapes, SqlPiece};
use super::types::{self, ColumnInfo};
use crate::engine::batched_insert::InsertTemplate;
use crate::engine::error::EngineResult;
use crate::engine::pipeline::CallKind;
use crate::engine::session::{self, Executed, Fetched, Prepared};
use crate::engine::value;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio_postgres::types::Type;
use tokio_postgres::Row;

use super::convert::c;

/// SQL_ARD_TYPE: SQLGetData takes the type from the ARD record.
const ARD_TYPE: i16 = -99;

/// Row status values (SQL_ROW_*).
mod row_status {
    pub const SUCCESS: u16 = 0;
    pub const NOROW: u16 = 3;
    pub const ERROR: u16 = 5;
    pub const SUCCESS_WITH_INFO: u16 = 6;
}

/// Parameter status values (SQL_PARAM_*).
mod param_status {
    pub const SUCCESS: u16 = 0;
    pub const ERROR: u16 = 5;
    pub const UNUSED: u16 = 7;
    /// In the SQL_ATTR_PARAM_OPERATION_PTR array: leave this set out.
    pub const IGNORE: u16 = 1;
}

/// Which parameter sets the application left out through SQL_ATTR_PARAM_OPERATION_PTR.
fn ignored_set(operation_ptr: usize, set: u64) -> bool {
    // SAFETY (appmem): the operation array was bound by the application for every set.
    operation_ptr != 0
        && unsafe { appmem::read_status(operation_ptr, usize::try_from(set).unwrap_or(0)) }
            == param_status::IGNORE
}

static NEXT_STATEMENT_ID: AtomicU64 = AtomicU64::new(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Allocated,
    Prepared,
    Executed,
    Cursor,
}

/// Statement attributes that do not live in descriptors.
#[derive(Debug, Clone)]
pub struct StmtAttrs {
    pub query_timeout_secs: u64,
    pub max_rows: u64,
    pub cursor_type: u64,
    pub concurrency: u64,
    pub cursor_scrollable: u64,
    pub cursor_sensitivity: u64,
    pub noscan: u64,
    pub use_bookmarks: u64,
    pub metadata_id: bool,
    pub row_number: u64,
    pub cursor_name: Option<String>,
}

impl Default for StmtAttrs {
    fn default() -> Self {
        StmtAttrs {
            query_timeout_secs: 0,
            max_rows: 0,
            cursor_type: 0,
            concurrency: 1,
            cursor_scrollable: 0,
            cursor_sensitivity: 0,
            noscan: 0,
            use_bookmarks: 0,
            metadata_id: false,
            row_number: 0,
            cursor_name: None,
        }
    }
}

/// An open result set.
pub struct ResultSet {
    pub columns: Vec<ColumnInfo>,
    pub types: Vec<Type>,
    buffer: VecDeque<Row>,
    /// The rows of the last fetch (the rowset).
    pub rowset: Vec<Row>,
    ended: bool,
    delivered: u64,
    /// Every row, when the cursor is static (scrollable); `None` while streaming forward-only.
    scroll: Option<StaticRows>,
}

impl ResultSet {
    /// The number of the rowset's first row in the whole result, 0 if none.
    pub fn row_number(&self) -> u64 {
        match &self.scroll {
            Some(rows) => rows.row_number(),
            None if self.rowset.is_empty() => 0,
            None => self.delivered.saturating_sub(self.rowset.len() as u64) + 1,
        }
    }
}

/// What a fetch needs from the statement's ARD and IRD. Kept between fetches while no
/// descriptor changes anywhere ([`super::desc::changes`]), so that fetching one row at a time
/// takes no descriptor lock.
struct FetchLayout {
    /// The descriptor change count it was read at.
    changes: u64,
    /// Which ARD it was read from (the statement's ARD can be swapped).
    ard: usize,
    array_size: usize,
    bind_type: usize,
    bind_offset_ptr: usize,
    rows_fetched_ptr: usize,
    row_status_ptr: usize,
    /// The bound columns, in column order.
    columns: Vec<BoundColumn>,
}

/// One bound column of [`FetchLayout`].
#[derive(Clone, Copy)]
struct BoundColumn {
    /// 0-based column index.
    index: usize,
    concise_type: i16,
    octet_length: i64,
    data_ptr: usize,
    indicator_ptr: usize,
    octet_length_ptr: usize,
}

impl FetchLayout {
    /// Makes `st.layout` current for `st`'s ARD and `ird`: kept when still current, else read
    /// anew.
    fn refresh(st: &mut StmtState, ird: &Descriptor) {
        let changes = super::desc::changes();
        let ard_addr = Arc::as_ptr(&st.ard) as usize;
        let current = st
            .layout
            .as_ref()
            .is_some_and(|l| l.changes == changes && l.ard == ard_addr);
        if !current {
            // Stamped with the count read before locking: a change made meanwhile shows as a
            // newer count at the next fetch, which then reads again.
            let ard = st.ard.lock();
            let ird = ird.lock();
            let columns = ard
                .records
                .iter()
                .enumerate()
                .filter(|(_, rec)| rec.is_bound())
                .map(|(index, rec)| BoundColumn {
                    index,
                    concise_type: rec.concise_type,
                    octet_length: rec.octet_length,
                    data_ptr: rec.data_ptr,
                    indicator_ptr: rec.indicator_ptr,
                    octet_length_ptr: rec.octet_length_ptr,
                })
                .collect();
            let layout = FetchLayout {
                changes,
                ard: ard_addr,
                array_size: usize::try_from(ard.array_size.max(1)).unwrap_or(1),
                bind_type: usize::try_from(ard.bind_type).unwrap_or(0),
                bind_offset_ptr: ard.bind_offset_ptr,
                rows_fetched_ptr: ird.rows_processed_ptr,
                row_status_ptr: ird.array_status_ptr,
                columns,
            };
            drop((ard, ird));
            st.layout = Some(layout);
        }
    }
}

/// One bound column as a fetch writes it: the C type resolved against the result's column
/// type, and the element size and strides worked out.
struct CellTarget {
    rec: BoundColumn,
    type_oid: u32,
    c_type: i16,
    /// Bytes of one element of the data buffer.
    elem: usize,
    stride_data: usize,
    stride_len: usize,
}

impl CellTarget {
    fn new(rec: &BoundColumn, ty: &Type, bind_type: usize) -> CellTarget {
        let c_type = if rec.concise_type == c::DEFAULT {
            convert::default_c_type(ty)
        } else {
            rec.concise_type
        };
        let elem = convert::fixed_size(c_type)
            .unwrap_or_else(|| usize::try_from(rec.octet_length).unwrap_or(0));
        let (stride_data, stride_len) = if bind_type > 0 {
            (bind_type, bind_type)
        } else {
            (elem, std::mem::size_of::<isize>())
        };
        CellTarget {
            rec: *rec,
            type_oid: ty.oid(),
            c_type,
            elem,
            stride_data,
            stride_len,
        }
    }
}

/// Where SQLGetData stands: the current row of the rowset (the first after a fetch, another
/// after SQLSetPos) and how far a piecewise read of one column got.
#[derive(Debug, Default, Clone, Copy)]
struct GetDataPos {
    /// 0-based index of the current row in the rowset.
    row: usize,
    column: u16,
    offset: usize,
    done: bool,
}

pub struct StmtState {
    pub ard: Arc<Descriptor>,
    pub apd: Arc<Descriptor>,
    pub phase: Phase,
    pub pieces: Vec<SqlPiece>,
    pub piece: usize,
    prepared: Vec<Option<Prepared>>,
    /// Session generation the prepared statements belong to.
    generation: u64,
    pub result: Option<ResultSet>,
    pub row_count: i64,
    pub attrs: StmtAttrs,
    getdata: GetDataPos,
    /// Data-at-execution parameters being supplied (SQLParamData/SQLPutData).
    pub dae: Option<super::dae::DataAtExec>,
    /// What the last fetch read from the descriptors (see [`FetchLayout`]).
    layout: Option<FetchLayout>,
    /// Scratch space of a fetch (see [`CellTarget`]).
    cell_targets: Vec<CellTarget>,
}

impl StmtState {
    /// SQL_ATTR_ROW_NUMBER: the number of the current row in the whole result, 0 if none.
    pub fn row_number(&self) -> u64 {
        match self.result.as_ref().map(ResultSet::row_number) {
            Some(0) | None => 0,
            Some(first) => first + self.getdata.row as u64,
        }
    }
}

pub struct Statement {
    pub conn: Arc<Connection>,
    pub id: u64,
    pub diag: Diagnostics,
    pub state: Mutex<StmtState>,
    pub implicit_ard: Arc<Descriptor>,
    pub implicit_apd: Arc<Descriptor>,
    pub ird: Arc<Descriptor>,
    pub ipd: Arc<Descriptor>,
}

impl Statement {
    pub fn new(conn: Arc<Connection>) -> Self {
        let ard = Arc::new(Descriptor::new(DescKind::Ard, true));
        let apd = Arc::new(Descriptor::new(DescKind::Apd, true));
        Statement {
            conn,
            id: NEXT_STATEMENT_ID.fetch_add(1, Ordering::Relaxed),
            diag: Diagnostics::default(),
            state: Mutex::new(StmtState {
                ard: ard.clone(),
                apd: apd.clone(),
                phase: Phase::Allocated,
                pieces: Vec::new(),
                piece: 0,
                prepared: Vec::new(),
                generation: 0,
                result: None,
                row_count: -1,
                attrs: StmtAttrs::default(),
                getdata: GetDataPos::default(),
                dae: None,
                layout: None,
                cell_targets: Vec::new(),
            }),
            implicit_ard: ard,
            implicit_apd: apd,
            ird: Arc::new(Descriptor::new(DescKind::Ird, true)),
            ipd: Arc::new(Descriptor::new(DescKind::Ipd, true)),
        }
    }

    fn warn(&self, st: state_alias::State, message: impl Into<String>) {
        self.diag.lock().push(st, message);
    }

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

    fn close_locked(&self, st: &mut StmtState) {
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

    /// Whether the open result belongs to an earlier session of the connection (failover).
    fn cursor_is_stale(&self, st: &StmtState) -> bool {
        st.result.is_some() && self.conn.session_generation() != st.generation
    }

    /// The statements of the application's text, escape sequences translated unless
    /// SQL_ATTR_NOSCAN is on.
    fn pieces_of(st: &StmtState, sql: &str) -> OdbcResult<Vec<SqlPiece>> {
        if st.attrs.noscan == 1 {
            return Ok(split_statements(sql));
        }
        let translated =
            translate_escapes(sql).map_err(|m| OdbcError::new(state_alias::SYNTAX_ERROR, m))?;
        Ok(split_statements(&translated))
    }

    /// SQLPrepare: prepares the first statement of `sql` so that its result columns and
    /// parameters can be described before execution.
    pub fn prepare(&self, sql: &str) -> OdbcResult<()> {
        let mut st = self.state.lock();
        self.close_locked(&mut st);
        st.pieces = Self::pieces_of(&st, sql)?;
        st.prepared = vec![None; st.pieces.len()];
        st.piece = 0;
        st.row_count = -1;
        st.phase = Phase::Allocated;
        let first = st.pieces[0].sql.clone();
        if !first.is_empty() {
            let (prepared, generation) = {
                let mut cs = self.conn.state.lock();
                let p = cs.call(CallKind::Prepare, |s| s.prepare(&first))?;
                (p, cs.generation())
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
        self.close_locked(&mut st);
        st.pieces = Self::pieces_of(&st, sql)?;
        st.prepared = vec![None; st.pieces.len()];
        st.piece = 0;
        st.phase = Phase::Prepared;
        if let Some(need) = self.start_data_at_exec(&mut st) {
            return Ok(need);
        }
        self.run_piece(&mut st, None)
    }

    /// SQLExecute.
    pub fn execute(&self) -> OdbcResult<Outcome> {
        let mut st = self.state.lock();
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
        if let Some(need) = self.start_data_at_exec(&mut st) {
            return Ok(need);
        }
        self.run_piece(&mut st, None)
    }

    /// Runs a query the driver made itself (catalog functions) with the given parameters.
    pub fn exec_internal(&self, sql: &str, params: &[Option<String>]) -> OdbcResult<Outcome> {
        let mut st = self.state.lock();
        self.close_locked(&mut st);
        st.pieces = vec![SqlPiece {
            sql: sql.to_string(),
            param_count: params.len(),
            first_param: 0,
        }];
        st.prepared = vec![None];
        st.piece = 0;
        st.phase = Phase::Prepared;
        self.run_piece(&mut st, Some(params))
    }

    /// SQLMoreResults: moves to the next statement of a multi-statement string.
    pub fn more_results(&self) -> OdbcResult<Outcome> {
        let mut st = self.state.lock();
        if st.phase != Phase::Cursor && st.phase != Phase::Executed {
            return Ok(Outcome::NoData);
        }
        if st.piece + 1 >= st.pieces.len() {
            self.close_locked(&mut st);
            st.piece = 0;
            return Ok(Outcome::NoData);
        }
        if st.result.take().is_some() {
            if let Ok(session) = self.conn.state.lock().session() {
                session.close_result(self.id);
            }
        }
        st.piece += 1;
        // A searched UPDATE/DELETE that touched no rows is still a result here: SQL_NO_DATA
        // from SQLMoreResults would tell the application the batch has ended.
        match self.run_piece(&mut st, None)? {
            Outcome::NoData => Ok(Outcome::Success),
            other => Ok(other),
        }
    }

    /// Executes the current piece (once per parameter set).
    fn run_piece(
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
        let (paramset_size, processed_ptr, status_ptr) = if internal.is_some() {
            (1, 0, 0)
        } else {
            let apd = st.apd.lock();
            let ipd = self.ipd.lock();
            (
                apd.array_size.max(1),
                ipd.rows_processed_ptr,
                ipd.array_status_ptr,
            )
        };
        let mut cs = self.conn.state.lock();
        let autocommit = cs.attrs.autocommit;
        let limits = cs.limits;
        if cs.generation() != st.generation {
            // The session was replaced (failover): earlier prepared statements are gone.
            st.prepared.iter_mut().for_each(|p| *p = None);
            st.generation = cs.generation();
        }
        let cached = st.prepared[st.piece].clone();
        let id = self.id;
        // The first set's execution when it went out together with the prepare.
        let mut first_set: Option<OdbcResult<Executed>> = None;
        let prepared = match cached {
            Some(p) => p,
            // Not prepared yet and executed once (SQLExecDirect, catalog queries): prepare and
            // execute in one round trip.
            None if paramset_size == 1 => {
                let values = self.values_of_set(st, &piece, internal, 0, status_ptr)?;
                let refs: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
                let running = super::cancel::begin(
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
                    session.prepare_and_execute(id, &piece.sql, &refs)
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
                        // SAFETY (appmem): the status pointer was bound by the application.
                        unsafe { appmem::write_status(status_ptr, 0, param_status::ERROR) };
                        return Err(executed.err().unwrap_or_else(|| {
                            OdbcError::new(state::GENERAL, "the statement could not be prepared")
                        }));
                    }
                }
            }
            None => cs.call(CallKind::Prepare, |session| session.prepare(&piece.sql))?,
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
        if prepared.params().len() != piece.param_count {
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
        // SAFETY (appmem): processed/status pointers were bound by the application.
        unsafe { appmem::write_ulen(processed_ptr, 0) };
        let mut total_affected: Option<u64> = None;
        let mut outcome = Outcome::Success;
        let mut executed_rows = false;
        if paramset_size > 1 && internal.is_none() && prepared.columns().is_empty() {
            return self.run_param_array(
                st,
                &mut cs,
                &piece,
                &prepared,
                paramset_size,
                processed_ptr,
                status_ptr,
            );
        }
        let operation_ptr = if internal.is_none() {
            st.apd.lock().array_status_ptr
        } else {
            0
        };
        for set in 0..paramset_size {
            if first_set.is_none() && ignored_set(operation_ptr, set) {
                // SAFETY: as below.
                unsafe {
                    appmem::write_status(
                        status_ptr,
                        usize::try_from(set).unwrap_or(0),
                        param_status::UNUSED,
                    );
                    appmem::write_ulen(processed_ptr, set + 1);
                }
                continue;
            }
            let executed = match first_set.take() {
                Some(executed) => executed,
                None => {
                    let values = self.values_of_set(st, &piece, internal, set, status_ptr)?;
                    let refs: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
                    let running = super::cancel::begin(
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
                    // SAFETY: as above.
                    unsafe { appmem::write_status(status_ptr, set_index, param_status::SUCCESS) };
                }
                Ok(Executed::Rows) => {
                    executed_rows = true;
                    unsafe { appmem::write_status(status_ptr, set_index, param_status::SUCCESS) };
                    if set + 1 < paramset_size {
                        cs.session()?.close_result(self.id);
                    }
                }
                Err(e) => {
                    unsafe {
                        appmem::write_status(status_ptr, set_index, param_status::ERROR);
                        appmem::write_ulen(processed_ptr, set + 1);
                        for rest in set + 1..paramset_size {
                            appmem::write_status(
                                status_ptr,
                                usize::try_from(rest).unwrap_or(0),
                                param_status::UNUSED,
                            );
                        }
                    }
                    return Err(e);
                }
            }
            unsafe { appmem::write_ulen(processed_ptr, set + 1) };
        }
        if executed_rows {
            let columns = prepared
                .columns()
                .iter()
                .map(|col| types::describe(col.name(), col.type_(), col.type_modifier(), &limits))
                .collect();
            let types = prepared
                .columns()
                .iter()
                .map(|c| c.type_().clone())
                .collect();
            st.result = Some(ResultSet {
                columns,
                types,
                buffer: VecDeque::new(),
                rowset: Vec::new(),
                ended: false,
                delivered: 0,
                scroll: None,
            });
            st.row_count = -1;
            st.phase = Phase::Cursor;
            if st.attrs.cursor_type != scroll::cursor_type::FORWARD_ONLY {
                self.read_static(st, &mut cs)?;
            }
        } else {
            st.row_count = total_affected.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
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
        status_ptr: usize,
    ) -> OdbcResult<Vec<Option<String>>> {
        if let Some(values) = internal {
            return Ok(values.to_vec());
        }
        self.collect_params(st, piece, set).inspect_err(|_| {
            // SAFETY (appmem): the status pointer was bound by the application.
            unsafe {
                appmem::write_status(
                    status_ptr,
                    usize::try_from(set).unwrap_or(0),
                    param_status::ERROR,
                )
            };
        })
    }

    /// A parameter array for a statement without results: every set is sent in one pipeline;
    /// each set's outcome goes to the status array, failures to diagnostics with their row.
    #[allow(clippy::too_many_arguments)]
    fn run_param_array(
        &self,
        st: &mut StmtState,
        cs: &mut super::conn::ConnState,
        piece: &SqlPiece,
        prepared: &Prepared,
        paramset_size: u64,
        processed_ptr: usize,
        status_ptr: usize,
    ) -> OdbcResult<Outcome> {
        let count = usize::try_from(paramset_size).unwrap_or(usize::MAX);
        let operation_ptr = st.apd.lock().array_status_ptr;
        // The sets that run, by their position in the application's arrays.
        let mut positions = Vec::with_capacity(count);
        let mut sets = Vec::with_capacity(count);
        for set in 0..paramset_size {
            let index = usize::try_from(set).unwrap_or(usize::MAX);
            if ignored_set(operation_ptr, set) {
                // SAFETY (appmem): status array bound by the application for every set.
                unsafe { appmem::write_status(status_ptr, index, param_status::UNUSED) };
                continue;
            }
            sets.push(self.collect_params(st, piece, set)?);
            positions.push(index);
        }
        if sets.is_empty() {
            unsafe { appmem::write_ulen(processed_ptr, paramset_size) };
            st.row_count = 0;
            st.phase = Phase::Executed;
            return Ok(Outcome::Success);
        }
        let id = self.id;
        let autocommit = cs.attrs.autocommit;
        // SQLCancel and the query timeout stop the whole array.
        let running = super::cancel::begin(
            id,
            cs.session_opt().map(|s| s.canceller()),
            st.attrs.query_timeout_secs,
        );
        // Fast path: the whole array in one transaction (one commit), as multi-row INSERTs
        // when the key asks for it and the statement allows. When a set fails nothing was
        // applied, and the sets run again one by one so each gets its own outcome; unless the
        // failure was a cancel or the timeout, which ends the call with nothing applied.
        // Multi-row statements tell only the array's total, not each set's count.
        let mut array_total = None;
        let atomic = if autocommit && !cs.session()?.in_transaction() {
            let template = if cs.rewrite_batched_inserts {
                InsertTemplate::parse(&piece.sql, piece.param_count)
            } else {
                None
            };
            let atomic: Option<Vec<EngineResult<Option<u64>>>> = match template {
                Some(template) => running
                    .check(cs.call(CallKind::Execute, |session| {
                        session.insert_rows_atomic(id, &template, &sets)
                    }))?
                    .map(|total| {
                        array_total = Some(total);
                        vec![Ok(None); sets.len()]
                    }),
                None => running
                    .check(cs.call(CallKind::Execute, |session| {
                        session.execute_many_atomic(id, prepared, &sets)
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
            // SAFETY (appmem): status array bound by the application for `paramset_size` sets.
            match outcome {
                Ok(n) => {
                    total += n.unwrap_or(0);
                    unsafe { appmem::write_status(status_ptr, index, param_status::SUCCESS) };
                }
                Err(e) => {
                    failed += 1;
                    unsafe { appmem::write_status(status_ptr, index, param_status::ERROR) };
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
        unsafe { appmem::write_ulen(processed_ptr, paramset_size) };
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

    /// The text values of the parameters of `piece` for parameter set `set`.
    fn collect_params(
        &self,
        st: &StmtState,
        piece: &SqlPiece,
        set: u64,
    ) -> OdbcResult<Vec<Option<String>>> {
        let apd = st.apd.lock();
        let ipd = self.ipd.lock();
        let set = usize::try_from(set).unwrap_or(0);
        let offset = if apd.bind_offset_ptr != 0 {
            // SAFETY: the application bound this offset pointer (SQL_ATTR_PARAM_BIND_OFFSET_PTR).
            usize::try_from(unsafe { appmem::read_len(apd.bind_offset_ptr) }).unwrap_or(0)
        } else {
            0
        };
        let bind_type = usize::try_from(apd.bind_type).unwrap_or(0);
        let mut values = Vec::with_capacity(piece.param_count);
        for k in 0..piece.param_count {
            let number = piece.first_param + k + 1;
            let Some(rec) = apd.record(number).filter(|r| r.is_bound()) else {
                return Err(OdbcError::new(
                    state::COUNT_FIELD_INCORRECT,
                    format!("parameter {number} is not bound"),
                ));
            };
            let sql_type = ipd
                .record(number)
                .map_or(types::sql::VARCHAR, |r| r.concise_type);
            let mut c_type = rec.concise_type;
            if c_type == c::DEFAULT {
                c_type = default_c_type_for_sql(sql_type);
            }
            let elem_size = convert::fixed_size(c_type)
                .unwrap_or_else(|| usize::try_from(rec.octet_length).unwrap_or(0));
            let stride_data = if bind_type > 0 { bind_type } else { elem_size };
            let stride_len = if bind_type > 0 {
                bind_type
            } else {
                std::mem::size_of::<isize>()
            };
            let data = if rec.data_ptr != 0 {
                rec.data_ptr + offset + set * stride_data
            } else {
                0
            };
            let ind_addr = if rec.indicator_ptr != 0 {
                rec.indicator_ptr + offset + set * stride_len
            } else {
                0
            };
            let len_addr = if rec.octet_length_ptr != 0 {
                rec.octet_length_ptr + offset + set * stride_len
            } else {
                0
            };
            // SAFETY: addresses come from the application's parameter bindings.
            let indicator = if ind_addr != 0 {
                Some(unsafe { appmem::read_len(ind_addr) })
            } else {
                None
            };
            let length = if len_addr != 0 {
                unsafe { appmem::read_len(len_addr) }
            } else {
                appmem::NTS
            };
            if indicator != Some(appmem::NULL_DATA)
                && (length == appmem::DATA_AT_EXEC || length <= appmem::LEN_DATA_AT_EXEC_OFFSET)
            {
                let supplied = st.dae.as_ref().and_then(|d| d.value(number, set as u64));
                match supplied {
                    Some(Some(bytes)) => values.push(
                        params::param_to_text(c_type, sql_type, bytes)
                            .map_err(|e| convert_error(&e, Some(number)))?,
                    ),
                    Some(None) => values.push(None),
                    None => {
                        return Err(OdbcError::new(
                            state::SEQUENCE_ERROR,
                            format!(
                                "no data was supplied for data-at-execution parameter {number}"
                            ),
                        ))
                    }
                }
                continue;
            }
            if indicator == Some(appmem::NULL_DATA) || data == 0 {
                values.push(None);
                continue;
            }
            let bytes: &[u8] = match convert::fixed_size(c_type) {
                Some(n) => unsafe { appmem::bytes(data, n) },
                None => {
                    let n = if length == appmem::NTS || length < 0 {
                        let cap = if rec.octet_length > 0 {
                            usize::try_from(rec.octet_length).unwrap_or(usize::MAX)
                        } else {
                            usize::MAX / 2
                        };
                        if c_type == c::WCHAR {
                            unsafe { appmem::wcslen_bytes(data, cap) }
                        } else {
                            unsafe { appmem::strlen(data, cap) }
                        }
                    } else {
                        usize::try_from(length).unwrap_or(0)
                    };
                    unsafe { appmem::bytes(data, n) }
                }
            };
            let text = params::param_to_text(c_type, sql_type, bytes)
                .map_err(|e| convert_error(&e, Some(number)))?;
            values.push(text);
        }
        Ok(values)
    }

    /// SQLNumResultCols.
    pub fn num_result_cols(&self) -> OdbcResult<usize> {
        let st = self.state.lock();
        Ok(self.columns_locked(&st)?.len())
    }

    /// The result columns: of the open result, or of the prepared (not yet executed) statement.
    pub fn columns_locked(&self, st: &StmtState) -> OdbcResult<Vec<ColumnInfo>> {
        if let Some(rs) = &st.result {
            return Ok(rs.columns.clone());
        }
        match st.phase {
            Phase::Allocated => Err(OdbcError::new(
                state::SEQUENCE_ERROR,
                "the statement has not been prepared or executed",
            )),
            Phase::Executed => Ok(Vec::new()),
            _ => {
                let limits = self.conn.state.lock().limits;
                Ok(st
                    .prepared
                    .get(st.piece)
                    .and_then(Option::as_ref)
                    .map_or_else(Vec::new, |p| {
                        p.columns()
                            .iter()
                            .map(|col| {
                                types::describe(
                                    col.name(),
                                    col.type_(),
                                    col.type_modifier(),
                                    &limits,
                                )
                            })
                            .collect()
                    }))
            }
        }
    }

    /// One column's description (1-based).
    pub fn column(&self, number: u16) -> OdbcResult<ColumnInfo> {
        let st = self.state.lock();
        let cols = self.columns_locked(&st)?;
        usize::from(number)
            .checked_sub(1)
            .and_then(|i| cols.get(i).cloned())
            .ok_or_else(|| {
                OdbcError::new(
                    state::INVALID_DESCRIPTOR_INDEX,
                    format!("column {number} does not exist"),
                )
            })
    }

    /// SQLNumParams.
    pub fn num_params(&self) -> OdbcResult<usize> {
        let st = self.state.lock();
        if st.phase == Phase::Allocated {
            return Err(OdbcError::new(
                state::SEQUENCE_ERROR,
                "the statement is not prepared",
            ));
        }
        Ok(st.pieces.iter().map(|p| p.param_count).sum())
    }

    /// The server-inferred type of parameter `number` (1-based), when the statement is prepared.
    pub fn param_type(&self, number: u16) -> OdbcResult<Option<Type>> {
        let st = self.state.lock();
        let idx = usize::from(number).checked_sub(1).ok_or_else(|| {
            OdbcError::new(
                state::INVALID_DESCRIPTOR_INDEX,
                "parameter 0 does not exist",
            )
        })?;
        for (i, piece) in st.pieces.iter().enumerate() {
            if idx >= piece.first_param && idx < piece.first_param + piece.param_count {
                return Ok(st
                    .prepared
                    .get(i)
                    .and_then(Option::as_ref)
                    .and_then(|p| p.params().get(idx - piece.first_param).cloned()));
            }
        }
        Err(OdbcError::new(
            state::INVALID_DESCRIPTOR_INDEX,
            format!("parameter {number} does not exist"),
        ))
    }

    /// SQLRowCount.
    pub fn row_count(&self) -> OdbcResult<i64> {
        let st = self.state.lock();
        if st.phase == Phase::Allocated || st.phase == Phase::Prepared {
            return Err(OdbcError::new(
                state::SEQUENCE_ERROR,
                "the statement has not been executed",
            ));
        }
        Ok(st.row_count)
    }

    /// A static cursor: reads the whole result into the statement now, so that it can be
    /// scrolled. Memory grows with the result (every row is kept until the cursor closes);
    /// SQL_ATTR_MAX_ROWS bounds it. SQLRowCount then reports the number of rows.
    fn read_static(&self, st: &mut StmtState, cs: &mut super::conn::ConnState) -> OdbcResult<()> {
        let id = self.id;
        let max_rows = usize::try_from(st.attrs.max_rows).unwrap_or(usize::MAX);
        let timeout_secs = st.attrs.query_timeout_secs;
        let mut rows = VecDeque::new();
        let read = loop {
            if max_rows > 0 && rows.len() >= max_rows {
                break Ok(());
            }
            let batch = cs.fetch_batch.max(1000);
            let running =
                super::cancel::begin(id, cs.session_opt().map(|s| s.canceller()), timeout_secs);
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

    /// SQLFetch: the next rowset into the bound columns.
    /// SQLSetPos. Only SQL_POSITION (with SQL_LOCK_NO_CHANGE) is supported: it makes row
    /// `row` (1-based) of the current rowset the one SQLGetData reads. Refreshing, updating,
    /// deleting and adding rows through the cursor are not (HYC00); nor is row 0 (every row at
    /// once), which means nothing for positioning.
    pub fn set_pos(&self, row: u64, operation: u16, lock: u16) -> OdbcResult<Outcome> {
        const SQL_POSITION: u16 = 0;
        const SQL_LOCK_NO_CHANGE: u16 = 0;
        let mut st = self.state.lock();
        let Some(rs) = st.result.as_ref() else {
            return Err(OdbcError::new(
                state::INVALID_CURSOR_STATE,
                "no result set is open",
            ));
        };
        if rs.rowset.is_empty() {
            return Err(OdbcError::new(
                state::INVALID_CURSOR_STATE,
                "no rowset has been fetched",
            ));
        }
        if operation != SQL_POSITION {
            return Err(OdbcError::new(
                state::DRIVER_NOT_CAPABLE,
                "SQLSetPos supports SQL_POSITION only: rows cannot be refreshed, updated, deleted or added through the cursor",
            ));
        }
        if lock != SQL_LOCK_NO_CHANGE {
            return Err(OdbcError::new(
                state::DRIVER_NOT_CAPABLE,
                "SQLSetPos supports SQL_LOCK_NO_CHANGE only",
            ));
        }
        if row == 0 {
            return Err(OdbcError::new(
                state::DRIVER_NOT_CAPABLE,
                "SQLSetPos cannot position on every row at once (RowNumber 0)",
            ));
        }
        let fetched = rs.rowset.len();
        let index = usize::try_from(row - 1)
            .ok()
            .filter(|i| *i < fetched)
            .ok_or_else(|| {
                OdbcError::new(
                    state::INVALID_ROW,
                    format!("row {row} is not in the rowset, which holds {fetched} rows"),
                )
            })?;
        st.getdata = GetDataPos {
            row: index,
            ..GetDataPos::default()
        };
        Ok(Outcome::Success)
    }

    pub fn fetch(&self) -> OdbcResult<Outcome> {
        self.fetch_scroll(scroll::orientation::NEXT, 0)
    }

    /// SQLFetchScroll / SQLExtendedFetch: forward-only cursors stream NEXT only; static
    /// cursors move over the rows they hold.
    pub fn fetch_scroll(&self, orientation: i16, offset: i64) -> OdbcResult<Outcome> {
        let mut st = self.state.lock();
        let st = &mut *st;
        if st.result.is_none() {
            return Err(OdbcError::new(
                state::INVALID_CURSOR_STATE,
                "no result set is open",
            ));
        }
        if self.cursor_is_stale(st) {
            // Its rows were streaming from a session failover replaced; the new session knows
            // nothing of them, so reading on would look like a silent end of data.
            self.close_locked(st);
            return Err(OdbcError::new(
                super::diag::SqlState::new("08S02"),
                "the connection failed over after this result set was opened; its remaining rows are lost: execute the statement again",
            ));
        }
        // Taken out for the fetch (and put back at every return) so that it can be read
        // while the rest of the statement state changes.
        FetchLayout::refresh(st, &self.ird);
        let Some(layout) = st.layout.take() else {
            return Err(OdbcError::new(state::GENERAL, "no fetch layout"));
        };
        let outcome = self.fetch_with_layout(st, &layout, orientation, offset);
        st.layout = Some(layout);
        outcome
    }

    fn fetch_with_layout(
        &self,
        st: &mut StmtState,
        layout: &FetchLayout,
        orientation: i16,
        offset: i64,
    ) -> OdbcResult<Outcome> {
        let FetchLayout {
            array_size,
            bind_type,
            bind_offset_ptr,
            rows_fetched_ptr,
            row_status_ptr,
            ..
        } = *layout;
        let max_rows = st.attrs.max_rows;
        let timeout_secs = st.attrs.query_timeout_secs;
        st.getdata = GetDataPos::default();
        let Some(rs) = st.result.as_mut() else {
            return Err(OdbcError::new(
                state::INVALID_CURSOR_STATE,
                "no result set is open",
            ));
        };
        rs.rowset.clear();
        let streaming = rs.scroll.is_none();
        if let Some(rows) = rs.scroll.as_mut() {
            let (rowset, before_start) = rows.scroll(orientation, offset, array_size as u64)?;
            rs.rowset = rowset;
            if before_start {
                self.warn(
                    state_alias::FETCH_BEFORE_START,
                    "the fetch would start before the first row: the first rowset was returned",
                );
            }
        } else if orientation != scroll::orientation::NEXT {
            return Err(OdbcError::new(
                state::INVALID_FETCH_ORIENTATION,
                "only SQL_FETCH_NEXT is supported on a forward-only cursor",
            ));
        }
        let mut wanted = array_size;
        if max_rows > 0 {
            let left = max_rows.saturating_sub(rs.delivered);
            wanted = wanted.min(usize::try_from(left).unwrap_or(usize::MAX));
        }
        while streaming && rs.rowset.len() < wanted {
            if let Some(row) = rs.buffer.pop_front() {
                rs.rowset.push(row);
                continue;
            }
            if rs.ended {
                break;
            }
            let mut cs = self.conn.state.lock();
            let batch = cs.fetch_batch.max(wanted - rs.rowset.len());
            let id = self.id;
            let buffer = &mut rs.buffer;
            let running =
                super::cancel::begin(id, cs.session_opt().map(|s| s.canceller()), timeout_secs);
            match running
                .finish(cs.call(CallKind::Fetch, |session| session.fetch(id, batch, buffer)))?
            {
                Fetched::More => {}
                Fetched::End { rows_affected } => {
                    rs.ended = true;
                    if let Some(n) = rows_affected {
                        st.row_count = i64::try_from(n).unwrap_or(i64::MAX);
                    }
                }
            }
        }
        let fetched = rs.rowset.len();
        rs.delivered += fetched as u64;
        // SAFETY (appmem): the application set these pointers as statement attributes.
        unsafe { appmem::write_ulen(rows_fetched_ptr, fetched as u64) };
        if fetched == 0 {
            for i in 0..array_size {
                unsafe { appmem::write_status(row_status_ptr, i, row_status::NOROW) };
            }
            return Ok(Outcome::NoData);
        }
        let offset = if bind_offset_ptr != 0 {
            usize::try_from(unsafe { appmem::read_len(bind_offset_ptr) }).unwrap_or(0)
        } else {
            0
        };
        let mut any_warning = false;
        let mut errors = 0usize;
        let mut first_error: Option<OdbcError> = None;
        // What every row repeats per bound column, worked out once per fetch (in a buffer the
        // statement keeps, so a fetch allocates nothing).
        let targets = &mut st.cell_targets;
        targets.clear();
        targets.extend(
            layout
                .columns
                .iter()
                .filter(|rec| rec.index < rs.types.len())
                .map(|rec| CellTarget::new(rec, &rs.types[rec.index], bind_type)),
        );
        for (r, row) in rs.rowset.iter().enumerate() {
            let mut status = row_status::SUCCESS;
            for t in targets.iter() {
                let (ci, rec) = (t.rec.index, &t.rec);
                let data = if rec.data_ptr != 0 {
                    rec.data_ptr + offset + r * t.stride_data
                } else {
                    0
                };
                let ind = if rec.indicator_ptr != 0 {
                    rec.indicator_ptr + offset + r * t.stride_len
                } else {
                    0
                };
                let len = if rec.octet_length_ptr != 0 {
                    rec.octet_length_ptr + offset + r * t.stride_len
                } else {
                    0
                };
                match write_cell(
                    row,
                    ci,
                    &rs.types[ci],
                    t.type_oid,
                    t.c_type,
                    data,
                    t.elem,
                    0,
                ) {
                    Ok(CellWrite::Null) => {
                        if ind == 0 {
                            status = row_status::ERROR;
                            first_error.get_or_insert_with(|| {
                                OdbcError::new(
                                    state_alias::INDICATOR_REQUIRED,
                                    format!("column {} is NULL and no indicator was bound", ci + 1),
                                )
                            });
                        } else {
                            // SAFETY: bound indicator.
                            unsafe { appmem::write_len(ind, appmem::NULL_DATA) };
                        }
                    }
                    Ok(CellWrite::Value(w)) => {
                        let total = w
                            .total
                            .map_or(appmem::NO_TOTAL, |t| i64::try_from(t).unwrap_or(i64::MAX));
                        unsafe {
                            appmem::write_len(ind, total);
                            if len != ind {
                                appmem::write_len(len, total);
                            }
                        }
                        if w.truncated {
                            any_warning = true;
                            status = row_status::SUCCESS_WITH_INFO;
                            self.warn(
                                state::STRING_TRUNCATED,
                                format!(
                                    "string data, right truncated (column {}, row {})",
                                    ci + 1,
                                    r + 1
                                ),
                            );
                        } else if w.fractional_truncation {
                            any_warning = true;
                            status = row_status::SUCCESS_WITH_INFO;
                            self.warn(
                                state::FRACTIONAL_TRUNCATION,
                                format!("fractional truncation (column {}, row {})", ci + 1, r + 1),
                            );
                        }
                    }
                    Err(e) => {
                        status = row_status::ERROR;
                        let mut err = e;
                        err.message = format!("{} (column {}, row {})", err.message, ci + 1, r + 1);
                        first_error.get_or_insert(err);
                    }
                }
            }
            if status == row_status::ERROR {
                errors += 1;
            }
            unsafe { appmem::write_status(row_status_ptr, r, status) };
        }
        for r in fetched..array_size {
            unsafe { appmem::write_status(row_status_ptr, r, row_status::NOROW) };
        }
        if let Some(e) = first_error {
            if array_size == 1 || errors == fetched {
                return Err(e);
            }
            self.diag.lock().push_error(&e);
            any_warning = true;
        }
        let _ = any_warning;
        Ok(Outcome::Success)
    }

    /// SQLGetData for column `column` of the current row.
    pub fn get_data(
        &self,
        column: u16,
        target: i16,
        buf: usize,
        buf_len: i64,
        ind: usize,
    ) -> OdbcResult<Outcome> {
        let mut st = self.state.lock();
        let st = &mut *st;
        let Some(rs) = st.result.as_ref() else {
            return Err(OdbcError::new(
                state::INVALID_CURSOR_STATE,
                "no result set is open",
            ));
        };
        let Some(row) = rs.rowset.get(st.getdata.row) else {
            return Err(OdbcError::new(
                state::INVALID_CURSOR_STATE,
                "no row has been fetched",
            ));
        };
        let ci = usize::from(column)
            .checked_sub(1)
            .filter(|i| *i < rs.types.len())
            .ok_or_else(|| {
                OdbcError::new(
                    state::INVALID_DESCRIPTOR_INDEX,
                    format!("column {column} does not exist"),
                )
            })?;
        let ty = &rs.types[ci];
        let mut c_type = target;
        if c_type == ARD_TYPE {
            c_type = st
                .ard
                .lock()
                .record(usize::from(column))
                .map_or(c::CHAR, |r| r.concise_type);
        }
        if c_type == c::DEFAULT {
            c_type = convert::default_c_type(ty);
        }
        if st.getdata.column != column {
            st.getdata = GetDataPos {
                row: st.getdata.row,
                column,
                offset: 0,
                done: false,
            };
        } else if st.getdata.done {
            return Ok(Outcome::NoData);
        }
        let fixed = convert::fixed_size(c_type);
        let cap = match fixed {
            Some(n) => n,
            None => {
                if buf_len < 0 {
                    return Err(OdbcError::new(
                        state::INVALID_LENGTH,
                        "invalid buffer length",
                    ));
                }
                usize::try_from(buf_len).unwrap_or(0)
            }
        };
        let data = if buf == 0 { 0 } else { buf };
        match write_cell(row, ci, ty, ty.oid(), c_type, data, cap, st.getdata.offset)? {
            CellWrite::Null => {
                if ind == 0 {
                    return Err(OdbcError::new(
                        state_alias::INDICATOR_REQUIRED,
                        "the value is NULL and no indicator was given",
                    ));
                }
                // SAFETY: the indicator pointer was given by the application for this call.
                unsafe { appmem::write_len(ind, appmem::NULL_DATA) };
                st.getdata.done = true;
                Ok(Outcome::Success)
            }
            CellWrite::Value(w) => {
                let total = w
                    .total
                    .map_or(appmem::NO_TOTAL, |t| i64::try_from(t).unwrap_or(i64::MAX));
                unsafe { appmem::write_len(ind, total) };
                if fixed.is_some() {
                    st.getdata.done = true;
                } else {
                    st.getdata.offset += w.len;
                    st.getdata.done = !w.truncated;
                }
                if w.truncated {
                    self.warn(state::STRING_TRUNCATED, "string data, right truncated");
                } else if w.fractional_truncation {
                    self.warn(state::FRACTIONAL_TRUNCATION, "fractional truncation");
                }
                Ok(Outcome::Success)
            }
        }
    }

    /// SQLFreeStmt(SQL_UNBIND).
    pub fn unbind_columns(&self) {
        let st = self.state.lock();
        let mut ard = st.ard.lock();
        ard.records.clear();
    }

    /// SQLFreeStmt(SQL_RESET_PARAMS).
    pub fn reset_params(&self) {
        let st = self.state.lock();
        st.apd.lock().records.clear();
        self.ipd.lock().records.clear();
    }

    /// Before an execution: finds the parameters bound as data at execution (in every
    /// parameter set) and, if there are any, returns SQL_NEED_DATA instead of executing.
    fn start_data_at_exec(&self, st: &mut StmtState) -> Option<Outcome> {
        st.dae = None;
        let total: usize = st.pieces.iter().map(|p| p.param_count).sum();
        if total == 0 {
            return None;
        }
        let apd = st.apd.lock();
        let ipd = self.ipd.lock();
        let offset = if apd.bind_offset_ptr != 0 {
            // SAFETY: the application bound this offset pointer.
            usize::try_from(unsafe { appmem::read_len(apd.bind_offset_ptr) }).unwrap_or(0)
        } else {
            0
        };
        let bind_type = usize::try_from(apd.bind_type).unwrap_or(0);
        let mut pending = Vec::new();
        for set in 0..apd.array_size.max(1) {
            let row = usize::try_from(set).unwrap_or(0);
            for number in 1..=total {
                let Some(rec) = apd.record(number).filter(|r| r.is_bound()) else {
                    continue;
                };
                let mut c_type = rec.concise_type;
                if c_type == c::DEFAULT {
                    c_type = default_c_type_for_sql(
                        ipd.record(number)
                            .map_or(types::sql::VARCHAR, |r| r.concise_type),
                    );
                }
                let elem = convert::fixed_size(c_type)
                    .unwrap_or_else(|| usize::try_from(rec.octet_length).unwrap_or(0));
                let stride_data = if bind_type > 0 { bind_type } else { elem };
                let stride_len = if bind_type > 0 {
                    bind_type
                } else {
                    std::mem::size_of::<isize>()
                };
                if rec.octet_length_ptr == 0 {
                    continue;
                }
                // SAFETY: the length pointer was bound by the application for every set.
                let length =
                    unsafe { appmem::read_len(rec.octet_length_ptr + offset + row * stride_len) };
                if length == appmem::DATA_AT_EXEC || length <= appmem::LEN_DATA_AT_EXEC_OFFSET {
                    // The token is the bound value pointer itself for the first set (pyodbc
                    // stores its own bookkeeping pointer there), and that set's element after.
                    let token = if rec.data_ptr == 0 {
                        0
                    } else {
                        rec.data_ptr + offset + row * stride_data
                    };
                    pending.push(super::dae::Pending {
                        number,
                        set,
                        token,
                        c_type,
                    });
                }
            }
        }
        if pending.is_empty() {
            return None;
        }
        drop(apd);
        drop(ipd);
        st.dae = Some(super::dae::DataAtExec {
            pending,
            ..Default::default()
        });
        Some(Outcome::NeedData)
    }

    /// SQLParamData: the token of the next parameter that needs data (with NeedData), or,
    /// when all are in, the outcome of the execution.
    pub fn param_data(&self) -> OdbcResult<(Outcome, usize)> {
        let mut st = self.state.lock();
        let Some(dae) = st.dae.as_mut().filter(|d| !d.complete) else {
            return Err(OdbcError::new(
                state::SEQUENCE_ERROR,
                "no data-at-execution parameter is pending",
            ));
        };
        let next = dae.current.map_or(0, |i| i + 1);
        if let Some(p) = dae.pending.get(next) {
            let token = p.token;
            dae.current = Some(next);
            return Ok((Outcome::NeedData, token));
        }
        dae.current = None;
        dae.complete = true;
        st.piece = 0;
        let outcome = self.run_piece(&mut st, None);
        outcome.map(|o| (o, 0))
    }

    /// SQLPutData: one piece of the current data-at-execution parameter. `len` is the byte
    /// count, SQL_NTS, or SQL_NULL_DATA.
    pub fn put_data(&self, data: usize, len: i64) -> OdbcResult<()> {
        let mut st = self.state.lock();
        let Some(dae) = st
            .dae
            .as_mut()
            .filter(|d| !d.complete && d.current.is_some())
        else {
            return Err(OdbcError::new(
                state::SEQUENCE_ERROR,
                "SQLPutData without a parameter that needs data (call SQLParamData first)",
            ));
        };
        let c_type = dae
            .current
            .and_then(|i| dae.pending.get(i))
            .map_or(c::CHAR, |p| p.c_type);
        if len == appmem::NULL_DATA {
            dae.put(None);
            return Ok(());
        }
        if data == 0 {
            if len == 0 {
                return Ok(());
            }
            return Err(OdbcError::new(
                state::NULL_POINTER,
                "the data pointer is null",
            ));
        }
        let n = match convert::fixed_size(c_type) {
            Some(n) => n,
            None if len == appmem::NTS => {
                // SAFETY: an SQL_NTS piece is NUL-terminated.
                if c_type == c::WCHAR {
                    unsafe { appmem::wcslen_bytes(data, usize::MAX / 2) }
                } else {
                    unsafe { appmem::strlen(data, usize::MAX / 2) }
                }
            }
            None => usize::try_from(len).map_err(|_| {
                OdbcError::new(state::INVALID_LENGTH, format!("invalid length {len}"))
            })?,
        };
        // SAFETY: the application passes `n` readable bytes at `data` for this call.
        let bytes = unsafe { appmem::bytes(data, n) };
        dae.put(Some(bytes));
        Ok(())
    }
}

enum CellWrite {
    Null,
    Value(Written),
}

/// Converts column `ci` of `row` into the buffer at `data` (of `cap` bytes) as `c_type`.
#[allow(clippy::too_many_arguments)]
fn write_cell(
    row: &Row,
    ci: usize,
    ty: &Type,
    type_oid: u32,
    c_type: i16,
    data: usize,
    cap: usize,
    offset: usize,
) -> OdbcResult<CellWrite> {
    let Some(raw) = session::raw_value(row, ci) else {
        return Ok(CellWrite::Null);
    };
    let mut scratch = [0u8; 0];
    let out: &mut [u8] = if data == 0 {
        &mut scratch
    } else {
        // SAFETY: `data` is the application's buffer for this column, `cap` bytes long
        // (or the fixed size of the C type), as bound or passed to SQLGetData.
        unsafe { appmem::bytes_mut(data, cap) }
    };
    if let Some(written) = convert::write_direct(type_oid, c_type, raw, out, offset) {
        return Ok(CellWrite::Value(written));
    }
    let datum = value::decode(ty, raw).map_err(|e| {
        OdbcError::new(
            state::GENERAL,
            format!("could not read a {} value: {e}", ty.name()),
        )
    })?;
    let written =
        convert::write_datum(&datum, c_type, out, offset).map_err(|e| convert_error(&e, None))?;
    Ok(CellWrite::Value(written))
}

fn convert_error(e: &ConvertError, param: Option<usize>) -> OdbcError {
    let message = match param {
        Some(n) => format!("{} (parameter {n})", e.message()),
        None => e.message(),
    };
    OdbcError::new(super::diag::SqlState::new(e.sqlstate()), message)
}

/// SQL_C_DEFAULT for a parameter: the C type ODBC pairs with its SQL type.
fn default_c_type_for_sql(sql_type: i16) -> i16 {
    use types::sql;
    match sql_type {
        sql::BIT => -7,
        sql::TINYINT => -26,
        sql::SMALLINT => -15,
        sql::INTEGER => -16,
        sql::BIGINT => -25,
        sql::REAL => 7,
        sql::FLOAT | sql::DOUBLE => 8,
        sql::TYPE_DATE | sql::DATE => 91,
        sql::TYPE_TIME | sql::TIME => 92,
        sql::TYPE_TIMESTAMP | sql::TIMESTAMP => 93,
        sql::BINARY | sql::VARBINARY | sql::LONGVARBINARY => c::BINARY,
        sql::WCHAR | sql::WVARCHAR | sql::WLONGVARCHAR => c::WCHAR,
        sql::GUID => -11,
        _ => c::CHAR,
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

/// States used only here.
mod state_alias {
    pub use super::super::diag::SqlState as State;
    pub const INDICATOR_REQUIRED: State = State::new("22002");
    pub const SYNTAX_ERROR: State = State::new("42000");
    pub const FETCH_BEFORE_START: State = State::new("01S06");
}
