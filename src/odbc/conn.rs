//! The connection handle: connecting from DSN keys, connection attributes, transactions.

use super::diag::{state, Diagnostics, OdbcError, OdbcResult, ServerMessages};
use super::env::Environment;
use super::stmt::Statement;
use super::table_columns::TableColumnCache;
use super::types::{ColumnInfo, SizeLimits};
use crate::engine::error::EngineResult;
use crate::engine::pipeline::{
    CallKind, CharacteristicsChange, EngineConnection, SessionCharacteristics,
};
use crate::engine::session::{ConnectOptions, ErrorRollback, Session};
use crate::engine::settings::{Key, Settings};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

pub const SQL_TXN_READ_UNCOMMITTED: u32 = 1;
pub const SQL_TXN_READ_COMMITTED: u32 = 2;
pub const SQL_TXN_REPEATABLE_READ: u32 = 4;
pub const SQL_TXN_SERIALIZABLE: u32 = 8;

/// Connection attributes an application can set (before or after connecting).
#[derive(Debug, Clone)]
pub struct ConnAttrs {
    pub autocommit: bool,
    pub txn_isolation: u32,
    /// Set explicitly by the application (otherwise the server default applies).
    pub txn_isolation_set: bool,
    pub read_only: bool,
    /// Set by the application (SQL_ATTR_ACCESS_MODE) or the `read_only` key; otherwise the
    /// server's default access mode applies (a role or database may make it read-only).
    pub access_mode_set: bool,
    pub login_timeout_secs: u32,
    pub connection_timeout_secs: u32,
    /// SQL_ATTR_ANSI_APP: the driver manager says whether the application is ANSI.
    pub ansi_app: bool,
    pub metadata_id: bool,
    pub packet_size: u32,
    pub quiet_mode: usize,
}

impl Default for ConnAttrs {
    fn default() -> Self {
        ConnAttrs {
            autocommit: true,
            txn_isolation: SQL_TXN_READ_COMMITTED,
            txn_isolation_set: false,
            read_only: false,
            access_mode_set: false,
            login_timeout_secs: 0,
            connection_timeout_secs: 0,
            ansi_app: true,
            metadata_id: false,
            packet_size: 0,
            quiet_mode: 0,
        }
    }
}

pub struct ConnState {
    pub engine: Option<EngineConnection>,
    pub attrs: ConnAttrs,
    pub dsn: String,
    /// The connection's settings, the same table its engine connection and plugins read
    /// (shared with other connections opened from the same keys).
    pub settings: Option<Arc<Settings>>,
    pub limits: SizeLimits,
    /// psqlODBC's keys that change how values read and how character parameters are sent.
    pub reading: crate::odbc::convert::Reading,
    /// psqlODBC's own connection attributes (SQL_ATTR_PGOPT_*) without an effect here.
    pub pg_options: crate::odbc::attrs::pgopt::PgOptions,
    /// Rows pulled from the server per batch.
    pub fetch_batch: usize,
    /// Parameter arrays of plain INSERTs run as multi-row statements (`rewrite_batched_inserts`).
    pub rewrite_batched_inserts: bool,
    pub host: String,
    /// What an error inside a transaction undoes (psqlODBC's `Protocol` key).
    pub error_rollback: ErrorRollback,
    /// The session generation as of the last call, readable without this state's lock
    /// (shared with [`Connection::session_generation`]).
    generation_seen: Arc<AtomicU64>,
    /// Where the server's messages of each call wait for the handle that made it (shared with
    /// [`Connection::messages`]).
    messages: Arc<ServerMessages>,
    /// What the catalog said of the tables results came from (nullability, names).
    pub table_columns: TableColumnCache,
    /// The oids of the `lo` extension's domain in the database, looked up the first time a
    /// statement has a SQL_LONGVARBINARY parameter (see [`ConnState::large_object_types`]).
    large_object_types: Option<Vec<u32>>,
    /// For `oid` columns of tables seen in results (table oid, attribute number): the `lo`
    /// type they are declared as (oid and schema), or `None` for a plain `oid` column.
    declared_large_objects: std::collections::HashMap<(u32, i16), Option<(u32, String)>>,
}

impl ConnState {
    /// The open session, or 08003 when the connection is not open.
    pub fn session(&mut self) -> OdbcResult<&mut Session> {
        self.engine
            .as_mut()
            .map(|e| &mut e.session)
            .ok_or_else(not_connected)
    }

    /// The open session, when there is one.
    pub fn session_opt(&self) -> Option<&Session> {
        self.engine.as_ref().map(|e| &e.session)
    }

    /// The oids of the `lo` domain (psqlODBC's large object type) in the database: asked once
    /// per connection, and again after the application creates or drops an extension or a
    /// type ([`ConnState::forget_large_object_types`]).
    pub fn large_object_types(&mut self) -> OdbcResult<&[u32]> {
        if self.large_object_types.is_none() {
            let found = self.call(CallKind::Execute, |s| s.large_object_types())?;
            self.large_object_types = Some(found);
        }
        Ok(self.large_object_types.as_deref().unwrap_or_default())
    }

    /// Forgets what [`ConnState::large_object_types`] found (the extension may have come or
    /// gone).
    pub fn forget_large_object_types(&mut self) {
        self.large_object_types = None;
        self.declared_large_objects.clear();
    }

    /// What is known of table column `key` (table oid, attribute number): `Some(None)` a plain
    /// `oid` column, `Some(Some((type oid, schema)))` an `lo` column, `None` not asked yet.
    pub fn declared_large_object(&self, key: (u32, i16)) -> Option<Option<(u32, String)>> {
        self.declared_large_objects.get(&key).cloned()
    }

    /// Keeps what the catalog said of table column `key` (see
    /// [`ConnState::declared_large_object`]); more than a few thousand and it starts over.
    pub fn note_declared_large_object(&mut self, key: (u32, i16), lo: Option<(u32, String)>) {
        if self.declared_large_objects.len() >= 4096 {
            self.declared_large_objects.clear();
        }
        self.declared_large_objects.insert(key, lo);
    }

    /// Runs a network-bound call through the connection's plugin chain.
    pub fn call<R>(
        &mut self,
        kind: CallKind,
        mut f: impl FnMut(&mut Session) -> EngineResult<R>,
    ) -> OdbcResult<R> {
        let engine = self.engine.as_mut().ok_or_else(not_connected)?;
        let outcome = engine.call(kind, |c| f(&mut c.session));
        // Failover replaces the session only inside a call.
        self.generation_seen
            .store(engine.generation, Ordering::Release);
        if let Some(notices) = engine.session.take_notices() {
            self.messages.add(notices);
        }
        // A statement the server failed inside a transaction (whether the call failed or, as a
        // parameter array does, reported it per set): undo what the rollback mode says. The
        // call's own outcome is what the application hears.
        if let Err(e) = engine
            .session
            .recover_failed_transaction(self.error_rollback)
        {
            tracing::warn!(error = %e, "rollback after a failed statement failed");
        }
        Ok(outcome?)
    }

    /// Fills in what the catalog says of `cols`' table columns, looking up the tables not
    /// known yet first (one query) when the connection is free; see
    /// [`crate::odbc::stmt::Statement::described_columns`]. A failed lookup leaves them unknown.
    pub fn describe_from_catalog(&mut self, cols: &mut [ColumnInfo]) {
        let missing = self.table_columns.missing(cols);
        let free = self
            .session_opt()
            .is_some_and(|s| !s.has_streaming_result());
        if !missing.is_empty() && free {
            let sql = TableColumnCache::lookup_sql(&missing);
            match self.call(CallKind::Catalog, |s| s.query_now(&sql)) {
                Ok(rows) => self.table_columns.store(&missing, &rows),
                Err(e) => tracing::debug!(error = %e, "table column lookup failed"),
            }
        }
        let catalog = self
            .session_opt()
            .map(|s| s.facts().database.clone())
            .unwrap_or_default();
        self.table_columns.apply(cols, &catalog);
    }

    /// The schema and name of the table `oid`, looked up in the catalog when not known yet
    /// (see [`TableColumnCache`]); `None` when the catalog has no such table.
    pub fn relation_name(&mut self, oid: u32) -> Option<(String, String)> {
        if !self.table_columns.knows(oid) {
            let sql = TableColumnCache::lookup_sql(&[oid]);
            match self.call(CallKind::Catalog, |s| s.query_now(&sql)) {
                Ok(rows) => self.table_columns.store(&[oid], &rows),
                Err(e) => tracing::debug!(error = %e, "table lookup failed"),
            }
        }
        self.table_columns.relation_name(oid)
    }

    /// The generation of the current session (see [`EngineConnection::generation`]).
    pub fn generation(&self) -> u64 {
        self.engine.as_ref().map_or(0, |e| e.generation)
    }
}

fn not_connected() -> OdbcError {
    OdbcError::new(state::NOT_CONNECTED, "connection not open")
}

impl ConnState {
    fn characteristics(&self) -> SessionCharacteristics {
        SessionCharacteristics {
            autocommit: self.attrs.autocommit,
            isolation: if self.attrs.txn_isolation_set {
                isolation_sql(self.attrs.txn_isolation)
            } else {
                None
            },
            read_only: self.attrs.access_mode_set.then_some(self.attrs.read_only),
        }
    }
}

pub struct Connection {
    pub env: Arc<Environment>,
    pub diag: Diagnostics,
    pub state: Mutex<ConnState>,
    /// See [`Connection::session_generation`].
    generation_seen: Arc<AtomicU64>,
    /// The server's messages of the last call on this connection, for the diagnostics of the
    /// handle (this connection or one of its statements) whose call it was.
    pub messages: Arc<ServerMessages>,
    /// The statements allocated on the connection, for a positioned statement to find the
    /// cursor it names (`WHERE CURRENT OF`).
    statements: Mutex<Vec<Weak<Statement>>>,
}

pub fn isolation_sql(level: u32) -> Option<&'static str> {
    Some(match level {
        SQL_TXN_READ_UNCOMMITTED => "READ UNCOMMITTED",
        SQL_TXN_READ_COMMITTED => "READ COMMITTED",
        SQL_TXN_REPEATABLE_READ => "REPEATABLE READ",
        SQL_TXN_SERIALIZABLE => "SERIALIZABLE",
        _ => return None,
    })
}

impl Connection {
    /// Records a statement allocated on the connection (statements freed since are dropped
    /// from the list).
    pub fn register_statement(&self, statement: &Arc<Statement>) {
        let mut list = self.statements.lock();
        list.retain(|s| s.strong_count() > 0);
        list.push(Arc::downgrade(statement));
    }

    /// The statements of the connection still allocated.
    pub fn statements(&self) -> Vec<Arc<Statement>> {
        self.statements
            .lock()
            .iter()
            .filter_map(Weak::upgrade)
            .collect()
    }

    pub fn new(env: Arc<Environment>) -> Self {
        let generation_seen = Arc::new(AtomicU64::new(0));
        let messages = Arc::new(ServerMessages::default());
        Connection {
            env,
            diag: Diagnostics::default(),
            generation_seen: generation_seen.clone(),
            messages: messages.clone(),
            statements: Mutex::new(Vec::new()),
            state: Mutex::new(ConnState {
                engine: None,
                attrs: ConnAttrs::default(),
                dsn: String::new(),
                settings: None,
                limits: SizeLimits::default(),
                reading: Default::default(),
                pg_options: Default::default(),
                fetch_batch: 1024,
                rewrite_batched_inserts: false,
                host: String::new(),
                error_rollback: ErrorRollback::default(),
                generation_seen,
                messages,
                table_columns: TableColumnCache::default(),
                large_object_types: None,
                declared_large_objects: std::collections::HashMap::new(),
            }),
        }
    }

    /// Opens the connection from resolved settings.
    pub fn open(&self, dsn: &str, pairs: &[(String, String)]) -> OdbcResult<Arc<Settings>> {
        let mut st = self.state.lock();
        if st.engine.is_some() {
            return Err(OdbcError::new(
                state::CONNECTION_IN_USE,
                "connection already open",
            ));
        }
        let section = if dsn.is_empty() {
            Vec::new()
        } else {
            super::dsn::read_section(dsn)
        };
        let lookup = move |key: &str| -> Option<String> {
            section
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone())
        };
        let settings = Settings::resolve(pairs, &lookup)
            .map_err(|e| OdbcError::new(super::diag::SqlState::new(e.sqlstate()), e.to_string()))?
            .into_shared();
        crate::engine::logging::configure(
            settings.get_enum(Key::LogLevel),
            settings.get_str(Key::LogFile),
        );
        tracing::info!(dsn = %dsn, settings = ?settings.redacted_pairs(), "connecting");
        if settings.unknown_keys().next().is_some() {
            let unknown: Vec<&str> = settings.unknown_keys().collect();
            tracing::warn!(keys = ?unknown, "unknown connection keys were passed on unused");
        }
        let opts = connect_options(&settings, &st.attrs)?;
        tracing::debug!(options = ?opts, "connect options");
        if settings.get_bool(Key::ReadOnly) {
            st.attrs.read_only = true;
            st.attrs.access_mode_set = true;
        }
        let characteristics = st.characteristics();
        let engine = EngineConnection::open(opts.clone(), settings.clone(), characteristics)?;
        // What the server said while logging in belongs to the connect call.
        if let Some(notices) = engine.session.take_notices() {
            st.messages.add(notices);
        }
        st.limits = SizeLimits {
            max_varchar: u32::try_from(settings.get_u64(Key::MaxVarcharSize)).unwrap_or(255),
            max_long_varchar: u32::try_from(settings.get_u64(Key::MaxLongVarcharSize))
                .unwrap_or(8190),
            text_as_long_varchar: settings.get_bool(Key::TextAsLongVarchar),
            bytea_as_long_varbinary: settings.get_bool(Key::ByteaAsLongVarBinary),
            wide: !st.attrs.ansi_app,
            bools_as_char: settings.get_bool(Key::BoolsAsChar),
            unknowns_as_long_varchar: settings.get_bool(Key::UnknownsAsLongVarchar),
            unknown_sizes_unknown: settings.get_enum(Key::UnknownSizes) == Some("1"),
            int8_as: SizeLimits::int8_as_code(settings.get_enum(Key::Int8As)),
            numeric_as: SizeLimits::numeric_as_code(settings.get_enum(Key::NumericAs)),
        };
        st.reading = crate::odbc::convert::Reading {
            true_is_minus1: settings.get_bool(Key::TrueIsMinus1),
            lf_conversion: settings.get_bool(Key::LfConversion),
        };
        st.pg_options = crate::odbc::attrs::pgopt::PgOptions::from_settings(&settings);
        st.fetch_batch = usize::try_from(settings.get_u64(Key::FetchBatchRows))
            .unwrap_or(1024)
            .max(1);
        st.rewrite_batched_inserts = settings.get_bool(Key::RewriteBatchedInserts);
        st.error_rollback = ErrorRollback::from_protocol(settings.get_str(Key::Protocol));
        st.dsn = dsn.to_string();
        st.host = opts.host;
        st.generation_seen
            .store(engine.generation, Ordering::Release);
        st.engine = Some(engine);
        if let Err(e) = apply_session_attrs(&mut st) {
            // The connect fails as a whole (e.g. read-only from the start with no reader and
            // read_only_fallback_to_writer=false): no half-open handle is left behind.
            st.engine = None;
            return Err(e);
        }
        st.settings = Some(settings.clone());
        Ok(settings)
    }

    /// SQLDisconnect. An open transaction is rolled back, as psqlODBC does (ODBC would have
    /// the call fail with 25000, which leaves applications written against psqlODBC unable to
    /// disconnect).
    pub fn disconnect(&self) -> OdbcResult<()> {
        let mut st = self.state.lock();
        let Some(session) = st.engine.as_mut().map(|e| &mut e.session) else {
            return Err(OdbcError::new(state::NOT_CONNECTED, "connection not open"));
        };
        if session.in_transaction() && !session.is_broken() {
            // Closing the connection would roll back as well; saying so first keeps the
            // outcome the same behind a pooler that keeps server connections open.
            if let Err(e) = session.end_transaction(false) {
                tracing::warn!(error = %e, "rollback at disconnect failed");
            }
        }
        st.engine = None;
        st.settings = None;
        Ok(())
    }

    /// The generation of the current session ([`ConnState::generation`]) without taking the
    /// state lock: the per-row check that a cursor still belongs to the current session.
    pub fn session_generation(&self) -> u64 {
        self.generation_seen.load(Ordering::Acquire)
    }

    pub fn is_connected(&self) -> bool {
        self.state.lock().engine.is_some()
    }

    pub fn end_transaction(&self, commit: bool) -> OdbcResult<()> {
        let mut st = self.state.lock();
        st.call(CallKind::EndTransaction, |s| s.end_transaction(commit))?;
        Ok(())
    }

    /// Sets autocommit; switching it on commits an open transaction, as ODBC requires.
    pub fn set_autocommit(&self, on: bool) -> OdbcResult<()> {
        let mut st = self.state.lock();
        if on && !st.attrs.autocommit && st.engine.is_some() {
            st.call(CallKind::EndTransaction, |s| s.end_transaction(true))?;
        }
        st.attrs.autocommit = on;
        let ch = st.characteristics();
        if let Some(e) = st.engine.as_mut() {
            e.characteristics = ch;
        }
        Ok(())
    }

    pub fn set_isolation(&self, level: u32) -> OdbcResult<()> {
        let Some(_) = isolation_sql(level) else {
            return Err(OdbcError::new(
                state::INVALID_ATTR_VALUE,
                format!("invalid transaction isolation level {level}"),
            ));
        };
        let mut st = self.state.lock();
        st.attrs.txn_isolation = level;
        st.attrs.txn_isolation_set = true;
        if st.engine.is_some() {
            apply_session_attrs(&mut st)?;
        }
        Ok(())
    }

    /// SQL_ATTR_ACCESS_MODE. A refused change (25000 inside a transaction, or no reader for
    /// read/write splitting when it may not fall back to the writer) leaves the mode as it was.
    pub fn set_read_only(&self, read_only: bool) -> OdbcResult<()> {
        let mut st = self.state.lock();
        let before = (st.attrs.read_only, st.attrs.access_mode_set);
        st.attrs.read_only = read_only;
        st.attrs.access_mode_set = true;
        if st.engine.is_some() {
            if let Err(e) = apply_session_attrs(&mut st) {
                (st.attrs.read_only, st.attrs.access_mode_set) = before;
                let ch = st.characteristics();
                if let Some(engine) = st.engine.as_mut() {
                    engine.characteristics = ch;
                }
                return Err(e);
            }
        }
        Ok(())
    }
}

impl ConnState {
    /// The application ran `SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY / READ WRITE`
    /// (about to run it): the access mode follows, as SQL_ATTR_ACCESS_MODE would set it, so
    /// that it is reported, restored after failover, and moves the connection under read/write
    /// splitting before the statement runs. The statement itself sets the server's mode.
    pub fn access_mode_from_statement(&mut self, read_only: bool) -> OdbcResult<()> {
        let before = (self.attrs.read_only, self.attrs.access_mode_set);
        self.attrs.read_only = read_only;
        self.attrs.access_mode_set = true;
        let ch = self.characteristics();
        let Some(engine) = self.engine.as_mut() else {
            return Ok(());
        };
        let changed = engine.change_characteristics(ch);
        self.generation_seen
            .store(engine.generation, Ordering::Release);
        if let Err(e) = changed {
            (self.attrs.read_only, self.attrs.access_mode_set) = before;
            return Err(e.into());
        }
        Ok(())
    }
}

/// Sends the session characteristics the application asked for (isolation, access mode);
/// nothing when it asked for none, so that the server's defaults (which an administrator may
/// have set per role or database) stay in force.
///
/// The plugins see the change first: read/write splitting may move the connection to a
/// session that has these characteristics already, or take the change up after the open
/// transaction, and then nothing is sent here.
fn apply_session_attrs(st: &mut ConnState) -> OdbcResult<()> {
    let characteristics = st.characteristics();
    let Some(engine) = st.engine.as_mut() else {
        return Ok(());
    };
    let change = engine.change_characteristics(characteristics.clone());
    // A plugin may have moved the connection to another session.
    st.generation_seen
        .store(engine.generation, Ordering::Release);
    if change? != CharacteristicsChange::CallerSends {
        return Ok(());
    }
    let Some(sql) = characteristics.set_command() else {
        return Ok(());
    };
    if st.session()?.in_transaction() {
        return Err(OdbcError::new(
            state::INVALID_TXN_STATE,
            "cannot change session characteristics inside a transaction",
        ));
    }
    st.call(CallKind::SetAttribute, |s| s.run_command(&sql))?;
    Ok(())
}

/// Builds the options of one physical connection from settings and attributes: the engine
/// reads the settings; the ODBC login timeout attribute, when set, wins over `connect_timeout`.
pub fn connect_options(settings: &Settings, attrs: &ConnAttrs) -> OdbcResult<ConnectOptions> {
    let mut opts = ConnectOptions::from_settings(settings)
        .map_err(|e| OdbcError::new(state::CANNOT_CONNECT, e.message))?;
    if attrs.login_timeout_secs > 0 {
        opts.connect_timeout = Some(Duration::from_secs(u64::from(attrs.login_timeout_secs)));
    }
    Ok(opts)
}
