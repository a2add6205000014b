//! Opening a session: address resolution, the TCP connection, TLS and the login. What the
//! driver needs to know about the server comes with the login (ParameterStatus); the login is
//! the only round trip unless the application asked for ConnSettings.

use super::notices::NoticeLog;
use super::{runtime, ConnectOptions, Driver, ReportedZone, ServerFacts, Session, SslMode};
use crate::engine::credentials::{CredentialSource, Credentials, LoginRetry};
use crate::engine::error::{EngineError, EngineResult, ErrorClass};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Poll;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_postgres::{AsyncMessage, Config, Connection, NoTls};

impl Session {
    /// Opens a connection and learns the server's basic facts, blocking the calling thread.
    /// The socket task then runs on whichever thread waits on the session (see
    /// [`runtime::CallerRuntime`]), or on the shared runtime once the process has as many
    /// caller runtimes as it may.
    pub fn connect(opts: &ConnectOptions) -> EngineResult<Session> {
        let rt = runtime::CallerRuntime::try_new();
        // `open` spawns the socket task on the runtime that runs it.
        let outcome = match &rt {
            Some(rt) => rt.block_on(Self::open(opts)),
            None => runtime::block_on(Self::open(opts)),
        };
        let mut session = outcome
            .map_err(|e| EngineError::connect(format!("driver runtime unavailable: {e}")))??;
        if let Some(rt) = rt {
            session.driver = Driver::Caller(rt);
        }
        Ok(session)
    }

    /// Opens a connection from async code (monitors, pollers), bounded by the connect timeout;
    /// its socket task runs on the runtime that runs this.
    pub async fn open(opts: &ConnectOptions) -> EngineResult<Session> {
        let label = format!("{}:{}", opts.host, opts.port);
        let fut = Self::login(opts, label.clone());
        match opts.connect_timeout {
            Some(limit) if !limit.is_zero() => match tokio::time::timeout(limit, fut).await {
                Ok(r) => r,
                Err(_) => Err(EngineError::connect(format!(
                    "could not connect to {label}: timed out after {} ms",
                    limit.as_millis()
                ))),
            },
            _ => fut.await,
        }
    }

    /// Connects with the options' password, or with what their credential source supplies:
    /// a refused login with cached credentials is tried once more with fresh ones, or, when
    /// the source has a retry budget, refused logins are retried with fresh credentials until
    /// it is spent.
    async fn login(opts: &ConnectOptions, label: String) -> EngineResult<Session> {
        let Some(source) = opts.credentials.clone() else {
            return Self::connect_async(opts.clone(), label).await;
        };
        let with = |c: Credentials| {
            let mut o = opts.clone();
            if let Some(user) = c.user {
                o.user = user;
            }
            o.password = Some(c.password);
            o
        };
        if let Some(retry) = source.login_retry().filter(|r| !r.budget.is_zero()) {
            return Self::login_within(opts, label, source.as_ref(), retry, with).await;
        }
        let first = source.credentials(opts, false).await?;
        let cached = first.cached;
        let outcome = match Self::connect_async(with(first), label.clone()).await {
            Err(e) if cached && e.class == ErrorClass::Authentication => {
                tracing::info!(host = %opts.host, port = opts.port, plugin = source.code(), "login with cached credentials refused; trying fresh ones once");
                let fresh = source.credentials(opts, true).await?;
                Self::connect_async(with(fresh), label).await
            }
            outcome => outcome,
        };
        outcome.map_err(|e| with_refusal_hint(e, opts, source.as_ref()))
    }

    /// Logs in, retrying refused logins with fresh credentials within `retry`'s budget. A
    /// credentials failure after a refusal is waited out too; the last refusal is the error.
    async fn login_within(
        opts: &ConnectOptions,
        label: String,
        source: &dyn CredentialSource,
        retry: LoginRetry,
        with: impl Fn(Credentials) -> ConnectOptions,
    ) -> EngineResult<Session> {
        let deadline = tokio::time::Instant::now() + retry.budget;
        let mut refused: Option<EngineError> = None;
        let mut last_wait = None;
        loop {
            match source.credentials(opts, refused.is_some()).await {
                Err(e) if refused.is_none() => return Err(e),
                Err(e) => {
                    tracing::debug!(plugin = source.code(), error = %e, "credentials unavailable while retrying a refused login");
                }
                Ok(c) => match Self::connect_async(with(c), label.clone()).await {
                    Err(e) if e.class == ErrorClass::Authentication => refused = Some(e),
                    outcome => return outcome,
                },
            }
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let Some(wait) = retry.next_wait(last_wait, remaining) else {
                return Err(refused.unwrap_or_else(|| {
                    EngineError::internal("login retry ended without a refusal")
                }));
            };
            tracing::info!(host = %opts.host, port = opts.port, plugin = source.code(), wait_ms = wait.as_millis(), "login refused; retrying with fresh credentials");
            tokio::time::sleep(wait).await;
            last_wait = Some(wait);
        }
    }

    async fn connect_async(opts: ConnectOptions, label: String) -> EngineResult<Session> {
        let tls = crate::engine::tls::client_config(opts.ssl_mode, opts.ssl_root_cert.as_deref())?;
        let addrs: Vec<SocketAddr> = match opts.address {
            Some(a) => vec![a],
            None => resolve(&opts.host, opts.port).await?,
        };
        let mut attempts = Vec::new();
        let mut stream = None;
        for addr in &addrs {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => attempts.push(format!("{addr}: {e}")),
            }
        }
        let Some(stream) = stream else {
            let mut err = EngineError::connect(format!(
                "could not connect to {label}: {}",
                attempts
                    .last()
                    .cloned()
                    .unwrap_or_else(|| "no address".to_string())
            ));
            if attempts.len() > 1 {
                err.attempts = attempts;
            }
            return Err(err);
        };
        let _ = stream.set_nodelay(true);
        super::libpq_options::apply_keepalive(&stream, &opts.keepalive);
        super::libpq_options::apply_user_timeout(&stream, opts.tcp_user_timeout);
        let peer = stream.peer_addr().ok();
        let mut config = Config::new();
        config
            .user(&opts.user)
            .dbname(&opts.database)
            .application_name(&opts.application_name);
        if let Some(options) = &opts.startup_options {
            config.options(options);
        }
        if let Some(pw) = &opts.password {
            config.password(pw.as_bytes());
        }
        let reported_zone = ReportedZone::default();
        let backslash_strings = Arc::new(AtomicBool::new(false));
        let notices = Arc::new(NoticeLog::default());
        let ended = Arc::new(Mutex::new(None));
        let ended_in_task = ended.clone();
        // The socket task records why the connection ended, whatever the stream type.
        let record = move |result: Result<(), tokio_postgres::Error>| {
            if let Err(e) = result {
                *ended_in_task.lock() = Some(e.to_string());
            }
        };
        let reported;
        let (client, task) = match tls {
            None => {
                config.ssl_mode(tokio_postgres::config::SslMode::Disable);
                let (client, connection) = config
                    .connect_raw(stream, NoTls)
                    .await
                    .map_err(|e| EngineError::from_postgres(&e, &label, true))?;
                reported = LoginReport::of(&connection);
                let watched = drive(
                    connection,
                    reported_zone.clone(),
                    backslash_strings.clone(),
                    notices.clone(),
                );
                (client, tokio::spawn(async move { record(watched.await) }))
            }
            Some(tls_config) => {
                let required = !matches!(opts.ssl_mode, SslMode::Allow | SslMode::Prefer);
                config.ssl_mode(if required {
                    tokio_postgres::config::SslMode::Require
                } else {
                    tokio_postgres::config::SslMode::Prefer
                });
                let mut maker =
                    tokio_postgres_rustls::MakeRustlsConnect::new((*tls_config).clone());
                let connector = <tokio_postgres_rustls::MakeRustlsConnect as tokio_postgres::tls::MakeTlsConnect<TcpStream>>::make_tls_connect(&mut maker, &opts.host)
                    .map_err(|e| EngineError::connect(format!("TLS setup for {} failed: {e}", opts.host)))?;
                let (client, connection) = config
                    .connect_raw(stream, connector)
                    .await
                    .map_err(|e| EngineError::from_postgres(&e, &label, true))?;
                reported = LoginReport::of(&connection);
                let watched = drive(
                    connection,
                    reported_zone.clone(),
                    backslash_strings.clone(),
                    notices.clone(),
                );
                (client, tokio::spawn(async move { record(watched.await) }))
            }
        };
        if let Some(sql) = &opts.conn_settings {
            // A failing ConnSettings fails the connection: a session without the setup the
            // DSN asks for (search_path, time zone, role) would give wrong answers quietly.
            client.batch_execute(sql).await.map_err(|e| {
                let mut err = EngineError::from_postgres(&e, &label, true);
                let first_line_end = err.message.find('\n').unwrap_or(err.message.len());
                err.message
                    .insert_str(first_line_end, " (running ConnSettings)");
                err
            })?;
        }
        let facts = match reported.version {
            Some(version) => ServerFacts {
                version,
                // The server takes the startup message's database as given, and an empty one
                // as the user's own: what current_database() would answer.
                database: if opts.database.is_empty() {
                    opts.user.clone()
                } else {
                    opts.database.clone()
                },
                user: reported.user.unwrap_or_else(|| opts.user.clone()),
            },
            // Every PostgreSQL reports its version at login; something in between that does
            // not is asked once (one round trip, simple protocol).
            None => ask_facts(&client, &label).await?,
        };
        let endpoint = format!(
            "{}:{}@{}/{}",
            opts.host,
            opts.port,
            opts.address.map(|a| a.to_string()).unwrap_or_default(),
            opts.database
        );
        Ok(Session {
            client: ManuallyDrop::new(Arc::new(client)),
            task,
            ended,
            aborted: Arc::new(Mutex::new(None)),
            label,
            endpoint,
            facts,
            learned: Default::default(),
            active: None,
            parked: HashMap::new(),
            batch_statements: HashMap::new(),
            unfit_for_copy: Default::default(),
            copy_check: None,
            array_statements: HashMap::new(),
            array_statement_seq: 0,
            retired: Vec::new(),
            in_transaction: false,
            transaction_failed: Default::default(),
            savepoint: Default::default(),
            peer,
            driver: Driver::Shared,
            owner_pid: runtime::process_id(),
            reported_zone,
            backslash_strings,
            values: Arc::default(),
            notices,
        })
    }
}

/// What the server reported at login (ParameterStatus) that the session's facts come from.
#[derive(Default)]
struct LoginReport {
    version: Option<String>,
    /// `session_authorization`: the role that logged in, as the server spells it.
    user: Option<String>,
}

impl LoginReport {
    fn of<S, T>(connection: &Connection<S, T>) -> LoginReport
    where
        S: AsyncRead + AsyncWrite + Unpin,
        T: AsyncRead + AsyncWrite + Unpin,
    {
        LoginReport {
            version: connection.parameter("server_version").map(str::to_string),
            user: connection
                .parameter("session_authorization")
                .map(str::to_string),
        }
    }
}

/// The facts from a query, for a server that did not report its version at login.
async fn ask_facts(client: &tokio_postgres::Client, label: &str) -> EngineResult<ServerFacts> {
    let messages = client
        .simple_query(
            "SELECT current_setting('server_version'), current_database()::text, current_user::text",
        )
        .await
        .map_err(|e| EngineError::from_postgres(&e, label, true))?;
    let row = messages.into_iter().find_map(|m| match m {
        tokio_postgres::SimpleQueryMessage::Row(row) => Some(row),
        _ => None,
    });
    let text = |i: usize| {
        row.as_ref()
            .and_then(|r| r.get(i))
            .unwrap_or_default()
            .to_string()
    };
    Ok(ServerFacts {
        version: text(0),
        database: text(1),
        user: text(2),
    })
}

/// Drives `connection` (the socket task): records the server's messages (NoticeResponse) in
/// `notices`, and copies the `TimeZone` the server reports into `reported` whenever the report
/// changes. The server reports it at login and after every change (`SET TIME ZONE`, `RESET`, a
/// function's `SET` clause ending), and the connection keeps the latest report: one map lookup
/// and comparison per wake-up of the task, the lock only on a change. `standard_conforming_strings`
/// is reported the same way; `backslash_strings` is set while it is off.
fn drive<S, T>(
    connection: Connection<S, T>,
    reported: ReportedZone,
    backslash_strings: Arc<AtomicBool>,
    notices: Arc<NoticeLog>,
) -> impl Future<Output = Result<(), tokio_postgres::Error>>
where
    S: AsyncRead + AsyncWrite + Unpin,
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut connection = Box::new(connection);
    let mut seen: Option<String> = None;
    std::future::poll_fn(move |cx| {
        let polled = loop {
            match connection.poll_message(cx) {
                Poll::Ready(Some(Ok(AsyncMessage::Notice(notice)))) => notices.record(&notice),
                // LISTEN/NOTIFY is not offered through ODBC.
                Poll::Ready(Some(Ok(_))) => {}
                Poll::Ready(Some(Err(e))) => break Poll::Ready(Err(e)),
                Poll::Ready(None) => break Poll::Ready(Ok(())),
                Poll::Pending => break Poll::Pending,
            }
        };
        let off = connection.parameter("standard_conforming_strings") == Some("off");
        backslash_strings.store(off, Ordering::Relaxed);
        let now = connection.parameter("TimeZone");
        if now != seen.as_deref() {
            seen = now.map(str::to_string);
            *reported.0.lock() = seen.clone();
        }
        polled
    })
}

/// The socket addresses of `host`: a literal address as is, a name through the resolver.
/// The lookup runs on the shared runtime's blocking threads, so that a connection's own
/// runtime never starts threads of its own.
async fn resolve(host: &str, port: u16) -> EngineResult<Vec<SocketAddr>> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let name = host.to_string();
    let lookup = runtime::spawn(async move {
        tokio::net::lookup_host((name.as_str(), port))
            .await
            .map(|found| found.collect::<Vec<_>>())
    })
    .map_err(|e| EngineError::connect(format!("driver runtime unavailable: {e}")))?;
    match lookup.await {
        Ok(Ok(addrs)) => Ok(addrs),
        Ok(Err(e)) => Err(EngineError::connect(format!(
            "could not resolve host {host}: {e}"
        ))),
        Err(e) => Err(EngineError::connect(format!(
            "could not resolve host {host}: the lookup failed: {e}"
        ))),
    }
}

/// A refused login through a credential source carries the source's explanation as the
/// server error's HINT (or after the message when the server gave a hint of its own).
fn with_refusal_hint(
    mut e: EngineError,
    opts: &ConnectOptions,
    source: &dyn CredentialSource,
) -> EngineError {
    if e.class != ErrorClass::Authentication {
        return e;
    }
    let Some(hint) = source.refusal_hint(opts) else {
        return e;
    };
    match e.server.as_mut() {
        Some(server) if server.hint.is_none() => server.hint = Some(hint),
        _ => e.message = format!("{} ({hint})", e.message),
    }
    e
}
