//! Engine errors: every error knows its class and the SQLSTATE it surfaces as.

use std::fmt;

/// What went wrong, at the level a caller (and the failover plugin) decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Could not open a connection (network, refused, timeout, bad TLS).
    Connect,
    /// The server rejected the credentials.
    Authentication,
    /// An established connection broke (reset, closed, aborted by a monitor).
    Communication,
    /// The server answered with an error for a statement.
    Server,
    /// The connection broke and was replaced (failover): the call did not complete, but the
    /// connection works again (08S02, or 08007 when a transaction was lost).
    FailedOver,
    /// A wait ran out (query timeout, waiting on plugin information).
    Timeout,
    /// The caller cancelled the call.
    Cancelled,
    /// Settings or input the engine cannot use.
    Invalid,
    /// Something that should not happen inside the driver.
    Internal,
}

/// The fields a server error carries, kept whole for diagnostics.
#[derive(Debug, Clone, Default)]
pub struct ServerDetail {
    pub severity: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
    pub position: Option<u32>,
}

/// An engine error. `sqlstate` is what the ODBC layer reports.
#[derive(Debug, Clone)]
pub struct EngineError {
    pub class: ErrorClass,
    pub sqlstate: [u8; 5],
    pub message: String,
    /// Boxed: rarely present, and it keeps every `Result<_, EngineError>` small.
    pub server: Option<Box<ServerDetail>>,
    /// Errors of earlier attempts (other hosts) that led to this one.
    pub attempts: Vec<String>,
}

impl EngineError {
    pub fn new(class: ErrorClass, sqlstate: &str, message: impl Into<String>) -> Self {
        let mut state = *b"HY000";
        if sqlstate.len() == 5 {
            state.copy_from_slice(sqlstate.as_bytes());
        }
        EngineError {
            class,
            sqlstate: state,
            message: message.into(),
            server: None,
            attempts: Vec::new(),
        }
    }

    pub fn connect(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Connect, "08001", message)
    }

    pub fn communication(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Communication, "08S01", message)
    }

    pub fn invalid(sqlstate: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Invalid, sqlstate, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Internal, "HY000", message)
    }

    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Timeout, "HYT00", message)
    }

    pub fn sqlstate_str(&self) -> &str {
        std::str::from_utf8(&self.sqlstate).unwrap_or("HY000")
    }

    /// Whether the connection this came from can no longer be used.
    pub fn is_communication(&self) -> bool {
        self.class == ErrorClass::Communication
    }

    /// Turns a tokio-postgres error into an engine error. `during_connect` decides how a
    /// network failure is classed (08001 while connecting, 08S01 afterwards).
    pub fn from_postgres(err: &tokio_postgres::Error, host: &str, during_connect: bool) -> Self {
        if let Some(db) = err.as_db_error() {
            let code = db.code().code();
            let class = match code {
                "28000" | "28P01" => ErrorClass::Authentication,
                "57014" => ErrorClass::Cancelled,
                c if c.starts_with("08") => {
                    if during_connect {
                        ErrorClass::Connect
                    } else {
                        ErrorClass::Communication
                    }
                }
                _ => ErrorClass::Server,
            };
            let mut message = db.message().to_string();
            if let Some(detail) = db.detail() {
                message.push_str(&format!(" (detail: {detail})"));
            }
            let mut e = EngineError::new(class, code, message);
            e.server = Some(Box::new(ServerDetail {
                severity: db.severity().to_string(),
                detail: db.detail().map(str::to_string),
                hint: db.hint().map(str::to_string),
                position: match db.position() {
                    Some(tokio_postgres::error::ErrorPosition::Original(p)) => Some(*p),
                    _ => None,
                },
            }));
            return e;
        }
        let text = error_chain_text(err);
        if during_connect {
            EngineError::connect(format!("could not connect to {host}: {text}"))
        } else {
            EngineError::communication(format!("connection to {host} lost: {text}"))
        }
    }
}

/// The error and its sources as one line ("error connecting to server: Connection refused").
fn error_chain_text(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        for (i, a) in self.attempts.iter().enumerate() {
            write!(f, "; attempt {}: {a}", i + 1)?;
        }
        Ok(())
    }
}

impl std::error::Error for EngineError {}

pub type EngineResult<T> = Result<T, EngineError>;
