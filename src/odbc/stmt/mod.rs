//! The statement handle: its state, its attributes, and where each of its jobs lives.
//!
//! [`Statement`] is one ODBC statement handle. Its methods are spread over modules by concern:
//!
//! | module | what it does |
//! |---|---|
//! | `execute` | SQLPrepare, SQLExecDirect, SQLExecute, SQLMoreResults: running one statement per parameter set |
//! | `param_array` | a parameter array sent in one pipeline, with per-set status |
//! | `param_values` | reading a parameter set's values out of the application's bound buffers |
//! | `data_at_exec` | SQLParamData / SQLPutData |
//! | `describe` | SQLNumResultCols, SQLDescribeCol's data, SQLNumParams, SQLRowCount |
//! | `cursor` | closing, static (scrollable) cursors |
//! | `positioned` | SQLSetPos and SQLBulkOperations: updating rows through the cursor, `WHERE CURRENT OF` |
//! | `bookmarks` | column 0: bookmarks, SQL_FETCH_BOOKMARK |
//! | `keyset` | keyset-driven cursors: keys kept, rows read anew at each fetch |
//! | `bound_fetch` | SQLFetch / SQLFetchScroll into bound column buffers (the hot path) |
//! | `get_data` | SQLGetData, piece by piece |
//! | `large_objects` | the `lo` type's large objects: read as their bytes, parameters written as new objects |
//! | `cell` | one value of a row into one application buffer, shared by the two fetch paths |
//!
//! Application memory is touched only through [`super::appmem`].

mod bookmarks;
mod bound_fetch;
mod cell;
mod cursor;
mod data_at_exec;
mod describe;
mod execute;
mod get_data;
mod keyset;
mod large_objects;
mod output_params;
mod param_array;
mod param_values;
mod positioned;

use super::conn::Connection;
use super::desc::{DescKind, Descriptor};
use super::diag::Diagnostics;
use super::scroll::StaticRows;
use super::sqltext::SqlPiece;
use super::types::ColumnInfo;
use crate::engine::session::Prepared;
use bound_fetch::{CellTarget, FetchLayout};
use get_data::GetDataPos;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio_postgres::types::Type;
use tokio_postgres::Row;

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
    /// SQL_ATTR_FETCH_BOOKMARK_PTR: where SQLFetchScroll(SQL_FETCH_BOOKMARK) reads the
    /// bookmark.
    pub fetch_bookmark_ptr: usize,
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
            fetch_bookmark_ptr: 0,
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
    /// What reading a cell of each column needs to know, in the order of `types`.
    facts: Vec<cell::ColumnFacts>,
    /// How the session that produced the rows shows values (its time zone), taken once
    /// when the result starts.
    pub values: std::sync::Arc<crate::engine::value::ValueContext>,
    /// psqlODBC's keys that change how values read (TrueIsMinus1, LFConversion).
    pub reading: crate::odbc::convert::Reading,
    buffer: VecDeque<Row>,
    /// The rows of the last fetch (the rowset).
    pub rowset: Vec<Row>,
    ended: bool,
    delivered: u64,
    /// Every row, when the cursor is static (scrollable); `None` while streaming forward-only.
    scroll: Option<StaticRows>,
    /// Every row's key, when the cursor is keyset-driven (see `keyset`).
    keyset: Option<keyset::Keyset>,
}

impl ResultSet {
    /// Leaves the last `n` columns out of the result's description: the driver's own (an
    /// updatable cursor's row identities), still in every row after the application's.
    pub fn hide_trailing(&mut self, n: usize) {
        let visible = self.columns.len().saturating_sub(n);
        self.columns.truncate(visible);
        self.types.truncate(visible);
        self.facts.truncate(visible);
    }

    /// Whether every row is held for scrolling (a static cursor).
    pub fn is_static(&self) -> bool {
        self.scroll.is_some()
    }

    /// The result's first row while it is still held (before fetching moves past it).
    pub fn first_row(&self) -> Option<&Row> {
        match &self.scroll {
            Some(rows) => rows.first(),
            None => self.buffer.front(),
        }
    }

    /// The number of the rowset's first row in the whole result, 0 if none.
    pub fn row_number(&self) -> u64 {
        if let Some(keyset) = &self.keyset {
            return keyset.row_number();
        }
        match &self.scroll {
            Some(rows) => rows.row_number(),
            None if self.rowset.is_empty() => 0,
            None => self.delivered.saturating_sub(self.rowset.len() as u64) + 1,
        }
    }
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
    /// The results of a batch's later statements, for SQLMoreResults.
    later_results: VecDeque<execute::BatchResult>,
    /// What the last fetch read from the descriptors (see [`FetchLayout`]).
    /// Boxed: every fetch moves it out of the state and back.
    layout: Option<Box<FetchLayout>>,
    /// Scratch space of a fetch (see [`CellTarget`]).
    cell_targets: Vec<CellTarget>,
    /// psqlODBC's LFConversion for the parameters of the statement being executed: CR LF in
    /// character data is sent as LF.
    lf_params: bool,
    /// The whole character form of the column a piecewise SQLGetData read is under way on,
    /// rendered at its first piece, for the types whose pieces cannot resume from the wire
    /// value (see `get_data`); valid only while that read's offset is past 0.
    getdata_rendered: Vec<u8>,
    /// The statement's SELECT as an updatable cursor reads it (with its rows' identities in
    /// hidden columns), when the application asked for one and the SELECT allows it.
    pub updatable: Option<crate::odbc::updatable::UpdatableSelect>,
    /// Whether SQLSetPos, SQLBulkOperations and WHERE CURRENT OF may change the cursor's
    /// rows: an updatable SELECT with SQL_CONCUR_ROWVER / VALUES while UpdatableCursors is on.
    pub cursor_updates: bool,
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
                later_results: VecDeque::new(),
                layout: None,
                cell_targets: Vec::new(),
                lf_params: false,
                getdata_rendered: Vec::new(),
                updatable: None,
                cursor_updates: false,
            }),
            implicit_ard: ard,
            implicit_apd: apd,
            ird: Arc::new(Descriptor::new(DescKind::Ird, true)),
            ipd: Arc::new(Descriptor::new(DescKind::Ipd, true)),
        }
    }

    #[inline]
    fn warn(&self, st: state_alias::State, message: impl Into<String>) {
        self.diag.lock().push(st, message);
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
}

/// States used only by the statement.
mod state_alias {
    pub use crate::odbc::diag::SqlState as State;
    pub const INDICATOR_REQUIRED: State = State::new("22002");
    pub const SYNTAX_ERROR: State = State::new("42000");
    pub const FETCH_BEFORE_START: State = State::new("01S06");
}
