//! Diagnostics: the records SQLGetDiagRec/SQLGetDiagField/SQLError read, and the error type
//! every ODBC-layer function returns.

use crate::engine::error::{EngineError, ErrorClass};
use crate::engine::session::Notices;
use std::fmt;

/// A five-character SQLSTATE.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SqlState(pub [u8; 5]);

impl SqlState {
    pub const fn new(s: &str) -> SqlState {
        let b = s.as_bytes();
        SqlState([b[0], b[1], b[2], b[3], b[4]])
    }
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("HY000")
    }
    /// ODBC 2 applications see some states under their old names (SQLError).
    pub fn odbc2(&self) -> SqlState {
        match &self.0 {
            b"07009" => SqlState::new("S1093"),
            b"HY000" => SqlState::new("S1000"),
            b"HY001" => SqlState::new("S1001"),
            b"HY009" => SqlState::new("S1009"),
            b"HY010" => SqlState::new("S1010"),
            b"HY090" => SqlState::new("S1090"),
            b"HY092" => SqlState::new("S1092"),
            b"HY096" => SqlState::new("S1096"),
            b"HYC00" => SqlState::new("S1C00"),
            b"HYT00" => SqlState::new("S1T00"),
            b"42S02" => SqlState::new("S0002"),
            b"42S01" => SqlState::new("S0001"),
            _ => *self,
        }
    }
}

impl fmt::Debug for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Well-known states, named.
pub mod state {
    use super::SqlState;
    pub const GENERAL: SqlState = SqlState::new("HY000");
    pub const STRING_TRUNCATED: SqlState = SqlState::new("01004");
    pub const OPTION_CHANGED: SqlState = SqlState::new("01S02");
    pub const FRACTIONAL_TRUNCATION: SqlState = SqlState::new("01S07");
    pub const INVALID_CONN_STR_ATTR: SqlState = SqlState::new("01S00");
    pub const CANNOT_CONNECT: SqlState = SqlState::new("08001");
    pub const CONNECTION_IN_USE: SqlState = SqlState::new("08002");
    pub const NOT_CONNECTED: SqlState = SqlState::new("08003");
    pub const LINK_FAILURE: SqlState = SqlState::new("08S01");
    pub const INVALID_DESCRIPTOR_INDEX: SqlState = SqlState::new("07009");
    pub const RESTRICTED_DATA_TYPE: SqlState = SqlState::new("07006");
    pub const COUNT_FIELD_INCORRECT: SqlState = SqlState::new("07002");
    pub const NOT_PREPARED: SqlState = SqlState::new("HY007");
    pub const INVALID_CURSOR_STATE: SqlState = SqlState::new("24000");
    pub const INVALID_TXN_STATE: SqlState = SqlState::new("25000");
    pub const SEQUENCE_ERROR: SqlState = SqlState::new("HY010");
    pub const NULL_POINTER: SqlState = SqlState::new("HY009");
    pub const INVALID_LENGTH: SqlState = SqlState::new("HY090");
    pub const INVALID_ATTRIBUTE: SqlState = SqlState::new("HY092");
    pub const INVALID_ATTR_VALUE: SqlState = SqlState::new("HY024");
    pub const INVALID_INFO_TYPE: SqlState = SqlState::new("HY096");
    pub const INVALID_C_TYPE: SqlState = SqlState::new("HY003");
    pub const INVALID_SQL_TYPE: SqlState = SqlState::new("HY004");
    pub const NOT_IMPLEMENTED: SqlState = SqlState::new("HYC00");
    pub const DRIVER_NOT_CAPABLE: SqlState = SqlState::new("HYC00");
    pub const NO_DATA_SOURCE: SqlState = SqlState::new("IM002");
    pub const INVALID_CHAR_VALUE: SqlState = SqlState::new("22018");
    /// Character not in repertoire: a NUL inside text, as PostgreSQL reports it.
    pub const NUL_IN_TEXT: SqlState = SqlState::new("22021");
    pub const OUT_OF_RANGE: SqlState = SqlState::new("22003");
    pub const INVALID_ROW: SqlState = SqlState::new("HY107");
    pub const INVALID_FETCH_ORIENTATION: SqlState = SqlState::new("HY106");
    pub const FUNCTION_TYPE_OUT_OF_RANGE: SqlState = SqlState::new("HY095");
    pub const TIMEOUT: SqlState = SqlState::new("HYT00");
    pub const CANCELLED: SqlState = SqlState::new("HY008");
    pub const INVALID_HANDLE_TYPE: SqlState = SqlState::new("HY092");
    pub const MEMORY: SqlState = SqlState::new("HY001");
    pub const INVALID_TXN_OP: SqlState = SqlState::new("HY012");
    pub const INVALID_DESC_FIELD: SqlState = SqlState::new("HY091");
    pub const CANNOT_MODIFY_IRD: SqlState = SqlState::new("HY016");
    pub const ASSOC_DESC: SqlState = SqlState::new("HY017");
    pub const WARNING: SqlState = SqlState::new("01000");
}

/// The vendor prefix every message carries, as ODBC asks for.
pub const MESSAGE_PREFIX: &str = "[auroraodbc]";

/// One diagnostic record.
#[derive(Debug, Clone)]
pub struct DiagRecord {
    pub state: SqlState,
    pub native: i32,
    pub message: String,
    /// Column and row a record refers to (SQL_DIAG_COLUMN_NUMBER / SQL_DIAG_ROW_NUMBER).
    pub column: i32,
    pub row: i64,
    /// Whether the message is shown after the driver's prefix ([`MESSAGE_PREFIX`]). A
    /// server's NOTICE or WARNING is shown as the server worded it, as psqlODBC shows it.
    pub prefixed: bool,
}

/// The diagnostic area of one handle.
#[derive(Debug, Default)]
pub struct DiagArea {
    pub records: Vec<DiagRecord>,
    /// SQL_DIAG_CURSOR_ROW_COUNT / SQL_DIAG_ROW_COUNT
    pub row_count: i64,
    /// How far SQLError has read (it consumes records, SQLGetDiagRec does not).
    pub error_cursor: usize,
}

impl DiagArea {
    pub fn clear(&mut self) {
        self.records.clear();
        self.error_cursor = 0;
    }
    pub fn push(&mut self, state: SqlState, message: impl Into<String>) {
        self.records.push(DiagRecord {
            state,
            native: 0,
            message: message.into(),
            column: -1,
            row: -1,
            prefixed: true,
        });
    }
    pub fn push_error(&mut self, e: &OdbcError) {
        self.records.push(DiagRecord {
            state: e.state,
            native: e.native,
            message: e.message.clone(),
            column: -1,
            row: -1,
            prefixed: true,
        });
    }
}

/// A handle's diagnostic area with a lock-free fast path: a call that succeeds without
/// warnings on a handle whose area is already empty takes no lock at all (two atomic loads),
/// which matters for per-row calls like SQLFetch and SQLGetData.
#[derive(Debug, Default)]
pub struct Diagnostics {
    area: parking_lot::Mutex<DiagArea>,
    /// Set by every access through [`Diagnostics::lock`]: the area may hold records.
    touched: std::sync::atomic::AtomicBool,
    /// SQL_DIAG_RETURNCODE of the last call.
    return_code: std::sync::atomic::AtomicI16,
}

impl Diagnostics {
    /// Locks the area for reading or adding records.
    pub fn lock(&self) -> parking_lot::MutexGuard<'_, DiagArea> {
        self.touched
            .store(true, std::sync::atomic::Ordering::Release);
        self.area.lock()
    }

    /// Clears the area at the start of a call (no lock when nothing was recorded).
    pub fn clear(&self) {
        // A plain load first: most calls find nothing recorded and skip the atomic swap.
        if self.touched.load(std::sync::atomic::Ordering::Acquire)
            && self
                .touched
                .swap(false, std::sync::atomic::Ordering::AcqRel)
        {
            self.area.lock().clear();
        }
    }

    /// Whether records may have been added since the last [`Diagnostics::clear`].
    pub fn touched(&self) -> bool {
        self.touched.load(std::sync::atomic::Ordering::Acquire)
    }

    pub fn set_return_code(&self, code: i16) {
        self.return_code
            .store(code, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn return_code(&self) -> i16 {
        self.return_code.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// The server's messages (NOTICE, INFO, WARNING...) that calls on one connection received,
/// held until the handle whose call it was takes them into its diagnostics
/// ([`ServerMessages::move_into`]). Shared by the connection's state, which adds them at the
/// end of every network call, and the handles; looking costs one atomic load when none came.
#[derive(Debug, Default)]
pub struct ServerMessages {
    pending: std::sync::atomic::AtomicBool,
    notices: parking_lot::Mutex<Notices>,
}

impl ServerMessages {
    pub fn add(&self, notices: Notices) {
        self.notices.lock().append(notices);
        self.pending
            .store(true, std::sync::atomic::Ordering::Release);
    }

    /// Adds the waiting messages to `diag` as warnings after its other records: SQLSTATE
    /// 01000, native error -1 and the server's text (severity first, then DETAIL and HINT
    /// lines), one record per message, as psqlODBC reports them (it joins them into one record
    /// with `;`). Messages beyond the bound are counted in one last record.
    #[inline]
    pub fn move_into(&self, diag: &Diagnostics) {
        // Every ODBC call ends here; almost none has a message waiting.
        if self.pending.load(std::sync::atomic::Ordering::Acquire) {
            self.move_pending_into(diag);
        }
    }

    #[cold]
    #[inline(never)]
    fn move_pending_into(&self, diag: &Diagnostics) {
        use std::sync::atomic::Ordering;
        if !self.pending.swap(false, Ordering::AcqRel) {
            return;
        }
        let notices = std::mem::take(&mut *self.notices.lock());
        if notices.is_empty() {
            return;
        }
        let mut area = diag.lock();
        for text in notices.texts {
            area.records.push(DiagRecord {
                state: state::WARNING,
                native: -1,
                message: text,
                column: -1,
                row: -1,
                prefixed: false,
            });
        }
        if notices.left_out > 0 {
            area.push(
                state::WARNING,
                format!(
                    "{} more server messages of this call were left out (at most {} are kept)",
                    notices.left_out,
                    crate::engine::session::MAX_NOTICES_PER_CALL
                ),
            );
        }
    }
}

/// An ODBC-layer failure: the SQLSTATE it surfaces as, and its message.
#[derive(Debug, Clone)]
pub struct OdbcError {
    pub state: SqlState,
    pub native: i32,
    pub message: String,
}

impl OdbcError {
    pub fn new(state: SqlState, message: impl Into<String>) -> Self {
        OdbcError {
            state,
            native: 0,
            message: message.into(),
        }
    }
}

impl fmt::Display for OdbcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.state.as_str(), self.message)
    }
}

impl From<EngineError> for OdbcError {
    fn from(e: EngineError) -> Self {
        let native = match e.class {
            ErrorClass::Server | ErrorClass::Authentication => 1,
            _ => 0,
        };
        let state = if e.class == ErrorClass::Cancelled {
            state::CANCELLED
        } else {
            SqlState(e.sqlstate)
        };
        OdbcError {
            state,
            native,
            message: e.to_string(),
        }
    }
}

pub type OdbcResult<T> = Result<T, OdbcError>;

/// How an ODBC function ended when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    NoData,
    NeedData,
}
