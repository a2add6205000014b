//! One physical PostgreSQL connection (tokio-postgres underneath) and the result streams on it.
//!
//! Rows stream from the server as the application fetches them. A connection carries one
//! streaming result at a time; when another statement needs the connection while a result is
//! still streaming, the rest of that result is parked (buffered) for its owner first, so that
//! any interleaving of statements works without deadlock and nothing is buffered otherwise.
//!
//! A session opened for an application ([`Session::connect`]) runs its socket task on the
//! application thread that waits on it; one opened from async code ([`Session::open`]: monitors,
//! failover probes) runs it on the shared runtime. See [`runtime::CallerRuntime`].
//!
//! Here: the session, its result streams and single statements. `options` holds what a
//! connection needs, `connect` opens one, `arrays` runs parameter arrays.

use super::error::{EngineError, EngineResult, ErrorClass};
use super::runtime;
use super::value::{ServerText, SessionZone, ValueContext};
use futures_util::{FutureExt, StreamExt};
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::mem::ManuallyDrop;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_postgres::types::{FromSql, IsNull, Kind, ToSql, Type};
use tokio_postgres::{Client, NoTls, Row, RowStream, Statement};

pub use tokio_postgres::Column;

mod arrays;
mod connect;
mod copy_rows;
pub use copy_rows::PerSet;
mod large_objects;
mod libpq_options;
mod notices;
mod options;
mod savepoint;
mod server_text;

pub use libpq_options::Keepalive;
pub use notices::{Notices, MAX_NOTICES_PER_CALL};
pub use options::{ConnectOptions, SslMode};
pub use savepoint::{ErrorRollback, StatementGuard};

/// The `TimeZone` the server last reported (ParameterStatus), written by the socket task
/// when the report changes: at login, and after any `SET TIME ZONE` or `RESET`.
#[derive(Clone, Default)]
struct ReportedZone(Arc<Mutex<Option<String>>>);

/// Facts about the server known from the login itself, with no query: the server reports its
/// version and the session's user (ParameterStatus), and the database is the one the startup
/// message named (the server takes it as given; an empty name means the user's own).
#[derive(Debug, Clone, Default)]
pub struct ServerFacts {
    pub version: String,
    pub database: String,
    pub user: String,
}

/// What a session learned about the instance it reached, on demand (see `topology`): each
/// piece costs a query the first time a plugin needs it and nothing after, and nothing at all
/// when no plugin asks (plain PostgreSQL, instance endpoints), so a connect sends no statement
/// the application did not ask for.
#[derive(Debug, Clone, Default)]
pub struct Learned {
    /// Whether the server has Aurora's functions (`aurora_replica_status()`).
    pub aurora: Option<bool>,
    /// `pg_is_in_recovery()`: a replica (an Aurora reader), not the writer. Read once per
    /// session: a demotion ends an Aurora instance's sessions.
    pub in_recovery: Option<bool>,
    /// `aurora_db_instance_identifier()`.
    pub instance_id: Option<String>,
}

/// A statement prepared on the server: its parameter and result column types.
#[derive(Clone)]
pub struct Prepared {
    statement: Statement,
    /// The parameter types it was prepared with ([`UNSPECIFIED`] where the server chose), so
    /// that a caller can tell whether it must prepare again for other types.
    requested: Arc<[u32]>,
    /// The text it was prepared from, for the SQL-level twin a parameter array runs (see
    /// `arrays.rs`).
    sql: Arc<str>,
}

impl Prepared {
    pub fn columns(&self) -> &[Column] {
        self.statement.columns()
    }
    pub fn params(&self) -> &[Type] {
        self.statement.params()
    }
    /// The parameter type oids the statement was prepared with.
    pub fn requested_types(&self) -> &[u32] {
        &self.requested
    }
}

/// The parameter type oid that leaves the type to the server (it infers it from the statement).
pub const UNSPECIFIED: u32 = 0;

/// The tokio-postgres type of a parameter type oid; [`UNSPECIFIED`] and oids it does not know
/// become a type of that oid and no name, which the Parse message carries as it is.
fn param_type(oid: u32) -> Type {
    Type::from_oid(oid)
        .unwrap_or_else(|| Type::new(String::new(), oid, Kind::Simple, String::new()))
}

/// What executing a statement produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Executed {
    /// A result set is streaming; fetch it with [`Session::fetch`].
    Rows,
    /// No result set; the number of rows the command affected, when it reports one.
    Done { rows_affected: Option<u64> },
}

/// Whether a fetch reached the end of its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetched {
    More,
    End { rows_affected: Option<u64> },
}

/// Identifies the statement that owns a result on a session.
pub type Owner = u64;

struct ActiveStream {
    owner: Owner,
    stream: Pin<Box<RowStream>>,
    /// The first row, read by `execute` so that execution errors, cancels and timeouts
    /// belong to the execute call (as ODBC applications expect), not to the first fetch.
    head: Option<Row>,
}

/// Cancels the query running on a session from any thread (SQLCancel, query timeouts).
#[derive(Clone)]
pub struct Canceller {
    token: tokio_postgres::CancelToken,
    peer: Option<SocketAddr>,
    /// The session's process: a forked child's cancel would cancel the parent's query.
    owner_pid: u32,
}

impl Canceller {
    /// Sends PostgreSQL's cancel request over a new connection to the same server address.
    /// (A session opened with `connect_raw` has no socket configuration of its own, so the
    /// address is the one the session's socket was connected to.)
    pub async fn cancel(&self) -> EngineResult<()> {
        if runtime::process_id() != self.owner_pid {
            // Nothing of this process runs on the parent's session (its calls fail at once,
            // see `Session::check_owner`), and the request would cancel the parent's query.
            return Ok(());
        }
        let Some(peer) = self.peer else {
            return Err(EngineError::internal(
                "the server address of the session is unknown",
            ));
        };
        let stream = TcpStream::connect(peer).await.map_err(|e| {
            EngineError::communication(format!("cannot send the cancel request to {peer}: {e}"))
        })?;
        self.token
            .cancel_query_raw(stream, NoTls)
            .await
            .map_err(|e| {
                EngineError::communication(format!("cancel request to {peer} failed: {e}"))
            })
    }
}

struct ParkedResult {
    rows: VecDeque<Row>,
    rows_affected: Option<u64>,
    /// An error that ended the stream while it was being parked: reported on fetch.
    error: Option<EngineError>,
}

/// Who runs a session's socket task.
enum Driver {
    /// The application thread that waits on the session, on the session's own runtime: rows
    /// stream with no hand-off between threads. Sessions opened by [`Session::connect`].
    Caller(runtime::CallerRuntime),
    /// The shared runtime's workers: sessions opened from async code (monitors, failover
    /// probes), which are awaited there.
    Shared,
}

impl Driver {
    fn block_on<F: Future>(&self, fut: F) -> EngineResult<F::Output> {
        match self {
            Driver::Caller(rt) => rt.block_on(fut),
            Driver::Shared => runtime::block_on(fut),
        }
        .map_err(|e| EngineError::communication(format!("driver runtime unavailable: {e}")))
    }
}

/// A statement's text and parameter types (oids): what a SQL-level twin of it is kept by.
type ArrayStatementKey = (Arc<str>, Vec<u32>);

/// One physical connection.
pub struct Session {
    /// Shared so that a parameter array can be sent from a task on the runtime. Dropped by
    /// hand first in `drop`, so that the socket task can then be run to its end (sending
    /// Terminate) while the runtime still exists.
    client: ManuallyDrop<Arc<Client>>,
    task: tokio::task::JoinHandle<()>,
    /// Why the connection ended, when it did (the socket task records it).
    ended: Arc<Mutex<Option<String>>>,
    /// Set when the connection was cut from outside (a monitor), with the reason to report.
    aborted: Arc<Mutex<Option<EngineError>>>,
    label: String,
    /// Names what the session was opened to (host name, port, pinned address, database):
    /// the key of what the process caches per endpoint (`topology::dialect`).
    endpoint: String,
    facts: ServerFacts,
    learned: Learned,
    active: Option<ActiveStream>,
    parked: HashMap<Owner, ParkedResult>,
    /// Multi-row INSERTs of `insert_rows_atomic`, kept prepared by their text and the
    /// parameter types of one row.
    batch_statements: HashMap<(String, Vec<u32>), Statement>,
    /// One-row INSERTs (by their text and the parameter types of their row) whose arrays
    /// `copy_rows_atomic` found COPY cannot load: they go as multi-row INSERTs.
    unfit_for_copy: std::collections::HashSet<(String, Vec<u32>, bool)>,
    /// The query that tells whether COPY can load a table as an INSERT would, prepared once.
    copy_check: Option<Statement>,
    /// SQL-level prepared statements (`PREPARE`) that parameter arrays run with `EXECUTE`, by
    /// the statement text and parameter types; `None` where `PREPARE` refused the text.
    array_statements: HashMap<ArrayStatementKey, Option<Arc<str>>>,
    /// Numbers the names of `array_statements`.
    array_statement_seq: u64,
    /// Prepared statements the application let go of (see [`Session::retire`]).
    retired: Vec<Prepared>,
    in_transaction: bool,
    /// The server failed a statement in the open transaction (see
    /// [`Session::transaction_failed`]); set where server errors are mapped.
    transaction_failed: std::sync::atomic::AtomicBool,
    /// The driver's savepoint for statement-level rollback (`savepoint.rs`).
    savepoint: savepoint::SavepointState,
    /// The server address the socket is connected to (for cancel requests).
    peer: Option<SocketAddr>,
    driver: Driver,
    /// The process that opened the session. After fork() the child holds a copy of the
    /// session whose socket and server session are the parent's: reading or writing there
    /// would take the parent's replies or interleave with its requests, so the child's copy
    /// never touches the socket (see [`Session::check_owner`]); it can only be let go.
    owner_pid: u32,
    /// What the server reported of the session's settings that values depend on.
    reported_zone: ReportedZone,
    /// The server reports `standard_conforming_strings = off`: a backslash escapes inside
    /// plain `'...'` strings too.
    backslash_strings: Arc<std::sync::atomic::AtomicBool>,
    /// The context values of this session decode in, rebuilt when the reported zone changes.
    values: Arc<ValueContext>,
    /// The server's messages (NOTICE, WARNING...) not yet taken by a caller.
    notices: Arc<notices::NoticeLog>,
}

/// Cuts a session's connection from any thread: a call blocked on the network returns at once.
#[derive(Clone)]
pub struct SessionKiller {
    abort: tokio::task::AbortHandle,
    aborted: Arc<Mutex<Option<EngineError>>>,
}

impl SessionKiller {
    /// Aborts the connection; calls in progress and later calls fail with `reason`.
    pub fn kill(&self, reason: EngineError) {
        let mut slot = self.aborted.lock();
        if slot.is_none() {
            *slot = Some(reason);
        }
        drop(slot);
        self.abort.abort();
    }
}

/// A parameter sent in PostgreSQL's text format; the server infers its type.
#[derive(Debug)]
struct TextParam<'a>(Option<&'a str>);

impl ToSql for TextParam<'_> {
    fn to_sql(
        &self,
        _ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self.0 {
            None => Ok(IsNull::Yes),
            Some(text) => {
                out.extend_from_slice(text.as_bytes());
                Ok(IsNull::No)
            }
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    fn encode_format(&self, _ty: &Type) -> tokio_postgres::types::Format {
        tokio_postgres::types::Format::Text
    }

    tokio_postgres::types::to_sql_checked!();
}

/// A column value's raw bytes (binary format), whatever its type.
struct RawBytes<'a>(&'a [u8]);

impl<'a> FromSql<'a> for RawBytes<'a> {
    fn from_sql(
        _ty: &Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(RawBytes(raw))
    }
    fn accepts(_ty: &Type) -> bool {
        true
    }
}

/// The raw binary value of column `idx` of `row`; `None` for SQL NULL.
#[inline(always)]
pub fn raw_value(row: &Row, idx: usize) -> Option<&[u8]> {
    match row.try_get::<usize, Option<RawBytes<'_>>>(idx) {
        Ok(v) => v.map(|r| r.0),
        Err(_) => None,
    }
}

impl Session {
    /// One round trip (`SELECT 1`) from async code, bounded by `limit`: a health probe.
    pub async fn probe(&self, limit: Duration) -> EngineResult<()> {
        match tokio::time::timeout(limit, self.client.simple_query("SELECT 1")).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(EngineError::from_postgres(&e, &self.label, false)),
            Err(_) => Err(EngineError::timeout(format!(
                "probe of {} timed out after {} ms",
                self.label,
                limit.as_millis()
            ))),
        }
    }

    /// Runs a query returning rows from async code (topology and instance lookups); the
    /// connection must not have a streaming result.
    pub async fn query_rows(&self, sql: &str) -> EngineResult<Vec<Row>> {
        self.client
            .query(sql, &[])
            .await
            .map_err(|e| EngineError::from_postgres(&e, &self.label, false))
    }

    /// Runs `sql` as a simple query (one round trip, where an unnamed extended query takes
    /// two: Parse, then Bind and Execute) from async code, and returns the rows of its last
    /// result as text (`None` for NULL). For the driver's own small queries, whose values are
    /// plain text anyway.
    pub async fn simple_rows(&self, sql: &str) -> EngineResult<Vec<Vec<Option<String>>>> {
        let messages = self
            .client
            .simple_query(sql)
            .await
            .map_err(|e| EngineError::from_postgres(&e, &self.label, false))?;
        Ok(text_rows(messages))
    }

    /// [`Session::simple_rows`], blocking the calling thread (frees the connection first).
    pub fn simple_rows_now(&mut self, sql: &str) -> EngineResult<Vec<Vec<Option<String>>>> {
        self.check_usable()?;
        self.free_connection()?;
        let result = self.block_on(self.client.simple_query(sql))?;
        result.map(text_rows).map_err(|e| self.map_error(&e))
    }

    /// Runs a query returning rows, blocking the calling thread (frees the connection first).
    pub fn query_now(&mut self, sql: &str) -> EngineResult<Vec<Row>> {
        self.check_usable()?;
        self.free_connection()?;
        let result = self.block_on(self.client.query(sql, &[]))?;
        result.map_err(|e| self.map_error(&e))
    }

    /// Whether a backslash escapes inside plain `'...'` strings on this session
    /// (`standard_conforming_strings = off`), as the server last reported it.
    pub fn backslash_escapes_in_plain_strings(&self) -> bool {
        self.backslash_strings
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How values read on this session are to be shown: its time zone as the server last
    /// reported it. Cheap (one uncontended lock and a comparison); callers take it once per
    /// result, not per value. A zone the client's database does not know reads as UTC.
    pub fn value_context(&mut self) -> Arc<ValueContext> {
        let reported = self.reported_zone.0.lock();
        let current = reported.as_deref().unwrap_or("UTC");
        if current != self.values.zone.name() {
            let zone = SessionZone::from_setting(current);
            if !zone.is_known() {
                tracing::warn!(
                    zone = current,
                    "time zone unknown to this client; timestamptz values are shown in UTC"
                );
            }
            self.values = Arc::new(ValueContext {
                zone,
                server_text: ServerText::default(),
            });
        }
        drop(reported);
        self.values.clone()
    }

    /// The server's messages (NOTICE, INFO, WARNING...) received since the last take: those of
    /// the call that just ended, when every call takes them. One atomic load when there are none.
    pub fn take_notices(&self) -> Option<Notices> {
        self.notices.take()
    }

    pub fn facts(&self) -> &ServerFacts {
        &self.facts
    }

    /// What was learned about the instance so far (see [`Learned`]).
    pub fn learned(&self) -> &Learned {
        &self.learned
    }

    /// Records what a plugin learned about the instance (see `topology`).
    pub fn learned_mut(&mut self) -> &mut Learned {
        &mut self.learned
    }

    /// The endpoint the session was opened to: host name, port, pinned address and database.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// "host:port" of this connection, for messages.
    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn killer(&self) -> SessionKiller {
        SessionKiller {
            abort: self.task.abort_handle(),
            aborted: self.aborted.clone(),
        }
    }

    /// Whether the connection is gone (closed by the server, broken, or aborted).
    ///
    /// A caller's runtime runs only while someone waits on it, so a server that closed an idle
    /// connection would go unnoticed: the socket task is given one turn first, which reads
    /// whatever the socket has (an end of stream, an error) without waiting for more.
    pub fn is_broken(&self) -> bool {
        if self.check_owner().is_err() {
            // A forked child's copy: polling the socket would read the parent's replies. It
            // is not broken (nothing to fail over from), only unusable here.
            return false;
        }
        if let Driver::Caller(rt) = &self.driver {
            if runtime::CallerRuntime::can_block() && !self.task.is_finished() {
                let _ = rt.block_on(async {
                    // Two yields: the first lets the runtime poll the socket, the second lets
                    // the socket task act on what it found.
                    tokio::task::yield_now().await;
                    tokio::task::yield_now().await;
                });
            }
        }
        self.client.is_closed() || self.aborted.lock().is_some() || self.task.is_finished()
    }

    /// Whether a result is streaming on the connection: another query would have to buffer
    /// the rest of it first.
    pub fn has_streaming_result(&self) -> bool {
        self.active.is_some()
    }

    pub fn in_transaction(&self) -> bool {
        self.in_transaction
    }

    /// The error to report for a failed network call: a monitor's abort reason wins over
    /// the generic "connection closed".
    fn map_error(&self, err: &tokio_postgres::Error) -> EngineError {
        if let Some(reason) = self.aborted.lock().clone() {
            return reason;
        }
        if self.in_transaction && err.as_db_error().is_some() {
            // Any server error fails the open transaction.
            self.transaction_failed
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let mut e = EngineError::from_postgres(err, &self.label, false);
        if e.class == ErrorClass::Communication {
            if let Some(why) = self.ended.lock().clone() {
                e.message.push_str(&format!(" ({why})"));
            }
        }
        e
    }

    fn check_usable(&self) -> EngineResult<()> {
        if let Some(reason) = self.aborted.lock().clone() {
            return Err(reason);
        }
        if self.client.is_closed() {
            return Err(EngineError::communication(format!(
                "connection to {} is closed",
                self.label
            )));
        }
        Ok(())
    }

    /// Runs `fut` to completion on the calling thread, on whichever runtime drives this
    /// session. Async work that uses the session (`query_rows`, `probe`) must run through
    /// here unless the session was opened from async code.
    pub fn block_on<F: Future>(&self, fut: F) -> EngineResult<F::Output> {
        self.check_owner()?;
        self.driver.block_on(fut)
    }

    /// 08003 in a forked child for a session the parent opened: the socket and the server
    /// session are the parent's (see [`Session::owner_pid`]). The child must open a
    /// connection of its own; letting go of the copy (SQLDisconnect, SQLFreeHandle) is safe.
    pub fn check_owner(&self) -> EngineResult<()> {
        let me = runtime::process_id();
        if me == self.owner_pid {
            return Ok(());
        }
        Err(EngineError::invalid(
            "08003",
            format!(
                "this connection to {} was opened by process {} before fork(); process {me} \
                 cannot use it (its socket is the other process's), so open a new connection",
                self.label, self.owner_pid
            ),
        ))
    }

    /// Runs work that queues many requests at once. On the shared runtime it runs as a task:
    /// the socket task it wakes then runs only after every request is queued, so they leave in
    /// a few large writes (queued from the application thread, the socket task would wake and
    /// write per request). On the caller's runtime the socket task runs only while the caller
    /// waits, which has the same effect without a task.
    fn run_queued<F>(&self, work: F) -> EngineResult<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.check_owner()?;
        match &self.driver {
            Driver::Caller(_) => self.block_on(work),
            Driver::Shared => {
                let queued = runtime::spawn(work).map_err(|e| {
                    EngineError::communication(format!("driver runtime unavailable: {e}"))
                })?;
                self.block_on(queued)?.map_err(|e| {
                    EngineError::communication(format!("the parameter array task failed: {e}"))
                })
            }
        }
    }

    /// Takes prepared statements the application is done with. Dropping a named statement
    /// queues its Close; here the Close waits for the session's next statement and goes out in
    /// the same write, and a session that ends first sends none (the server forgets the
    /// statement with the session), so freeing statements before a disconnect costs the
    /// disconnect no round trip for their answers. At most [`RETIRED_LIMIT`] wait.
    pub fn retire(&mut self, prepared: impl IntoIterator<Item = Prepared>) {
        self.retired.extend(prepared);
        if self.retired.len() > RETIRED_LIMIT {
            let excess = self.retired.len() - RETIRED_LIMIT;
            self.retired.drain(..excess);
        }
    }

    /// Parks the rest of the streaming result, if any, so the connection is free. Every
    /// statement's start passes here: the Close of retired statements is queued ahead of it.
    fn free_connection(&mut self) -> EngineResult<()> {
        if !self.retired.is_empty() {
            let retired = std::mem::take(&mut self.retired);
            match &self.driver {
                // Dropped on the session's own runtime, the statements' Close requests wake the
                // socket task there; from outside, the wake would cost a system call (an
                // eventfd write) and an extra turn of the next wait for the answer.
                Driver::Caller(rt) if runtime::CallerRuntime::can_block() && !rt.inherited() => {
                    let _ = rt.block_on(async move { drop(retired) });
                }
                _ => drop(retired),
            }
        }
        let Some(mut active) = self.active.take() else {
            return Ok(());
        };
        let mut parked = ParkedResult {
            rows: VecDeque::new(),
            rows_affected: None,
            error: None,
        };
        parked.rows.extend(active.head.take());
        let outcome = self.block_on(async {
            while let Some(item) = active.stream.next().await {
                match item {
                    Ok(row) => parked.rows.push_back(row),
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })?;
        match outcome {
            Ok(()) => parked.rows_affected = active.stream.rows_affected(),
            Err(e) => {
                let err = self.map_error(&e);
                let broken = err.is_communication();
                parked.error = Some(err.clone());
                if broken {
                    self.parked.insert(active.owner, parked);
                    return Err(err);
                }
            }
        }
        self.parked.insert(active.owner, parked);
        Ok(())
    }

    /// Prepares `sql` (with `$n` placeholders) on the server; the server infers every
    /// parameter's type.
    pub fn prepare(&mut self, sql: &str) -> EngineResult<Prepared> {
        self.prepare_typed(sql, &[])
    }

    /// Prepares `sql` with its parameters of the types `param_types` gives (oids;
    /// [`UNSPECIFIED`], or none given, leaves one to the server).
    pub fn prepare_typed(&mut self, sql: &str, param_types: &[u32]) -> EngineResult<Prepared> {
        self.check_usable()?;
        self.free_connection()?;
        self.send_due_savepoint()?;
        let types: Vec<Type> = param_types.iter().map(|&oid| param_type(oid)).collect();
        let result = self.block_on(self.client.prepare_typed(sql, &types))?;
        result
            .map(|statement| Prepared {
                statement,
                requested: param_types.into(),
                sql: sql.into(),
            })
            .map_err(|e| self.map_error(&e))
    }

    /// Runs a command without results (BEGIN, COMMIT, SET ...).
    pub fn run_command(&mut self, sql: &str) -> EngineResult<()> {
        self.check_usable()?;
        self.free_connection()?;
        let result = self.block_on(self.client.batch_execute(sql))?;
        result.map_err(|e| self.map_error(&e))
    }

    /// Opens a transaction unless one is open (manual-commit mode).
    pub fn begin_if_needed(&mut self) -> EngineResult<()> {
        if !self.in_transaction {
            self.run_command("BEGIN")?;
            self.reset_savepoint();
            self.in_transaction = true;
        }
        Ok(())
    }

    /// Records that SQL the application wrote itself opened (`BEGIN`) or ended (`COMMIT`, ...)
    /// a transaction block, so that the driver does not wrap its own transaction around it.
    pub fn note_transaction_block(&mut self, open: bool) {
        self.reset_savepoint();
        self.in_transaction = open;
    }

    /// Ends the open transaction, if any.
    pub fn end_transaction(&mut self, commit: bool) -> EngineResult<()> {
        if !self.in_transaction {
            return Ok(());
        }
        self.reset_savepoint();
        let outcome = self.run_command(if commit { "COMMIT" } else { "ROLLBACK" });
        self.in_transaction = false;
        outcome
    }

    /// Executes a prepared statement for `owner`; parameters are text (None = NULL).
    pub fn execute(
        &mut self,
        owner: Owner,
        prepared: &Prepared,
        params: &[Option<&str>],
    ) -> EngineResult<Executed> {
        self.check_usable()?;
        self.close_result(owner);
        self.free_connection()?;
        let values: Vec<TextParam<'_>> = params.iter().map(|p| TextParam(*p)).collect();
        let savepoint = self.take_due_savepoint();
        let client = &self.client;
        let (saved, started) = self.block_on(async {
            futures_util::future::join(
                savepoint_ahead(client, savepoint),
                client.query_raw(&prepared.statement, values.iter()),
            )
            .await
        })?;
        self.savepoint_sent(saved);
        let stream = started.map_err(|e| self.map_error(&e))?;
        self.start_result(owner, prepared, stream)
    }

    /// Prepares `sql` and executes it once with `params`, in one round trip: the prepare
    /// (which tells the statement's parameter and result types) and an execution of the same
    /// text as the unnamed statement go out together, instead of the second waiting for the
    /// first's answer. Halves the latency of SQLExecDirect.
    ///
    /// The outer error is the prepare's (bad SQL) or a broken connection (so that plugins see
    /// it); the inner one is the execution's.
    pub fn prepare_and_execute(
        &mut self,
        owner: Owner,
        sql: &str,
        params: &[Option<&str>],
    ) -> EngineResult<(Prepared, EngineResult<Executed>)> {
        self.prepare_and_execute_typed(owner, sql, &[], params)
    }

    /// [`Session::prepare_and_execute`] with the parameters of the types `param_types` gives,
    /// as [`Session::prepare_typed`] takes them.
    pub fn prepare_and_execute_typed(
        &mut self,
        owner: Owner,
        sql: &str,
        param_types: &[u32],
        params: &[Option<&str>],
    ) -> EngineResult<(Prepared, EngineResult<Executed>)> {
        self.check_usable()?;
        self.close_result(owner);
        self.free_connection()?;
        // Both messages carry the same types, so the execution sees the statement prepared.
        let types: Vec<Type> = (0..params.len())
            .map(|i| param_type(param_types.get(i).copied().unwrap_or(UNSPECIFIED)))
            .collect();
        let values: Vec<(TextParam<'_>, Type)> = params
            .iter()
            .zip(&types)
            .map(|(p, t)| (TextParam(*p), t.clone()))
            .collect();
        let savepoint = self.take_due_savepoint();
        let client = &self.client;
        let (saved, prepared, started) = self.block_on(async {
            futures_util::future::join3(
                savepoint_ahead(client, savepoint),
                client.prepare_typed(sql, &types),
                client.query_typed_raw(sql, values),
            )
            .await
        })?;
        self.savepoint_sent(saved);
        let prepared = Prepared {
            statement: prepared.map_err(|e| self.map_error(&e))?,
            requested: types.iter().map(Type::oid).collect(),
            sql: sql.into(),
        };
        let executed = match started {
            Ok(stream) => self.start_result(owner, &prepared, stream),
            Err(e) => Err(self.map_error(&e)),
        };
        match executed {
            Err(e) if e.is_communication() => Err(e),
            executed => Ok((prepared, executed)),
        }
    }

    /// Takes a just-started result: drains it when the statement has no result columns,
    /// otherwise waits for the first row (or the end, or the error) so that execution
    /// completes within the execute call, as ODBC applications expect.
    fn start_result(
        &mut self,
        owner: Owner,
        prepared: &Prepared,
        stream: RowStream,
    ) -> EngineResult<Executed> {
        let mut stream = Box::pin(stream);
        if prepared.columns().is_empty() {
            let drained = self.block_on(async {
                while let Some(item) = stream.next().await {
                    item?;
                }
                Ok::<(), tokio_postgres::Error>(())
            })?;
            drained.map_err(|e| self.map_error(&e))?;
            return Ok(Executed::Done {
                rows_affected: stream.rows_affected(),
            });
        }
        let first = self.block_on(stream.next())?;
        let head = match first {
            Some(Ok(row)) => Some(row),
            Some(Err(e)) => return Err(self.map_error(&e)),
            None => {
                let rows_affected = stream.rows_affected();
                self.parked.insert(
                    owner,
                    ParkedResult {
                        rows: VecDeque::new(),
                        rows_affected,
                        error: None,
                    },
                );
                return Ok(Executed::Rows);
            }
        };
        self.active = Some(ActiveStream {
            owner,
            stream,
            head,
        });
        Ok(Executed::Rows)
    }

    /// Moves up to `max` rows of `owner`'s result into `out`. Waits for the first row only;
    /// further rows are taken while they are already there.
    pub fn fetch(
        &mut self,
        owner: Owner,
        max: usize,
        out: &mut VecDeque<Row>,
    ) -> EngineResult<Fetched> {
        if let Some(parked) = self.parked.get_mut(&owner) {
            let take = parked.rows.len().min(max.max(1));
            out.extend(parked.rows.drain(..take));
            // Rows go first; the end, or the error that ended the result, comes with the
            // first fetch that finds no rows left.
            if take > 0 {
                return Ok(Fetched::More);
            }
            return match self.parked.remove(&owner) {
                Some(ParkedResult { error: Some(e), .. }) => Err(e),
                Some(done) => Ok(Fetched::End {
                    rows_affected: done.rows_affected,
                }),
                None => Ok(Fetched::End {
                    rows_affected: None,
                }),
            };
        }
        self.check_owner()?;
        let Some(active) = self.active.as_mut().filter(|a| a.owner == owner) else {
            return Ok(Fetched::End {
                rows_affected: None,
            });
        };
        let stream = &mut active.stream;
        let head = active.head.take();
        let batch = self.driver.block_on(async {
            let mut taken = 0usize;
            if let Some(row) = head {
                out.push_back(row);
                taken += 1;
            } else {
                match stream.next().await {
                    Some(Ok(row)) => {
                        out.push_back(row);
                        taken += 1;
                    }
                    Some(Err(e)) => return Err(e),
                    None => return Ok(false),
                }
            }
            while taken < max {
                match stream.next().now_or_never() {
                    Some(Some(Ok(row))) => {
                        out.push_back(row);
                        taken += 1;
                    }
                    Some(Some(Err(e))) => return Err(e),
                    Some(None) => return Ok(false),
                    None => break,
                }
            }
            Ok(true)
        })?;
        match batch {
            Ok(true) => Ok(Fetched::More),
            Ok(false) => {
                let rows_affected = stream.rows_affected();
                self.active = None;
                // Rows taken in this batch are delivered first; the end shows on the next call.
                if out.is_empty() {
                    Ok(Fetched::End { rows_affected })
                } else {
                    self.parked.insert(
                        owner,
                        ParkedResult {
                            rows: VecDeque::new(),
                            rows_affected,
                            error: None,
                        },
                    );
                    Ok(Fetched::More)
                }
            }
            Err(e) => {
                self.active = None;
                Err(self.map_error(&e))
            }
        }
    }

    /// Whether the rest of `owner`'s result is here (parked or streaming), for its next fetch.
    pub fn holds_result(&self, owner: Owner) -> bool {
        self.parked.contains_key(&owner) || self.active.as_ref().is_some_and(|a| a.owner == owner)
    }

    /// Moves every parked result (rows that arrived and were not fetched yet, and the ends not
    /// reported yet) to `to`: a connection handle moving to another session (read/write
    /// splitting) keeps its cursors readable. A streaming result cannot move; callers switch
    /// only without one.
    pub fn hand_over_parked(&mut self, to: &mut Session) {
        for (owner, parked) in self.parked.drain() {
            to.parked.insert(owner, parked);
        }
    }

    /// Forgets `owner`'s result (closing a cursor). A streaming remainder is discarded by the
    /// connection in the background.
    pub fn close_result(&mut self, owner: Owner) {
        self.parked.remove(&owner);
        if self.active.as_ref().is_some_and(|a| a.owner == owner) {
            self.active = None;
        }
    }

    /// A token that cancels the running query from any thread.
    pub fn cancel_token(&self) -> tokio_postgres::CancelToken {
        self.client.cancel_token()
    }

    /// What SQLCancel and query timeouts use to cancel this session's running query.
    pub fn canceller(&self) -> Canceller {
        Canceller {
            token: self.client.cancel_token(),
            peer: self.peer,
            owner_pid: self.owner_pid,
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.active = None;
        // SAFETY: `client` is not touched after this line; its own drop runs exactly once here.
        unsafe { ManuallyDrop::drop(&mut self.client) };
        // Dropping the client queued Terminate; the socket task then ends by itself. A caller's
        // runtime runs only while someone waits on it, so wait (briefly) for that end here.
        if let Driver::Caller(rt) = &self.driver {
            if runtime::CallerRuntime::can_block() && !rt.inherited() && !self.task.is_finished() {
                let task = &mut self.task;
                // The timer is made inside: it needs the runtime's context.
                let _ = rt.block_on(async { tokio::time::timeout(CLOSE_WAIT, task).await });
            }
        }
    }
}

/// The rows of the last result among `messages`, as text.
fn text_rows(messages: Vec<tokio_postgres::SimpleQueryMessage>) -> Vec<Vec<Option<String>>> {
    let mut rows = Vec::new();
    for m in messages {
        match m {
            tokio_postgres::SimpleQueryMessage::RowDescription(_) => rows.clear(),
            tokio_postgres::SimpleQueryMessage::Row(row) => rows.push(
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_string))
                    .collect(),
            ),
            _ => {}
        }
    }
    rows
}

/// Sends `savepoint` (when there is one) as the first request of a round trip: polled before
/// the statement's own futures, its message leaves first, and the statement's follow in the
/// same write.
async fn savepoint_ahead(
    client: &Client,
    savepoint: Option<&str>,
) -> Option<Result<(), tokio_postgres::Error>> {
    match savepoint {
        Some(sql) => Some(client.batch_execute(sql).await),
        None => None,
    }
}

/// How many retired statements a session keeps before closing the oldest at once.
const RETIRED_LIMIT: usize = 64;

/// How long closing a connection waits for the server to take the Terminate message.
const CLOSE_WAIT: Duration = Duration::from_millis(250);
