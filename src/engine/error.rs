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

/// The fields a server error carries besides its message and SQLSTATE, kept whole for
/// diagnostics.
#[derive(Debug, Clone, Default)]
pub struct ServerDetail {
    /// ERROR, FATAL or PANIC (localized), printed before the message as psqlODBC and psql do.
    pub severity: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
    /// Where in the statement text the server found the error: a character count from 1.
    pub position: Option<u32>,
}

impl ServerDetail {
    /// Writes the fields as the lines psql prints below a server error, each on a line of its
    /// own: `DETAIL:  ...`, `HINT:  ...`.
    ///
    /// The position is written as a number, on a `STATEMENT_POSITION:  n` line (psqlODBC's
    /// name for it), and not as psql's `LINE n:` excerpt with a caret: the position counts
    /// characters in the text the server parsed, which is the driver's rewrite of the
    /// application's SQL (escape clauses expanded, `?` markers turned into `$n`), so a caret
    /// under that text would point at text the application never wrote; the number stays
    /// exact and the application can show it against whatever text it has.
    fn write_lines(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(detail) = &self.detail {
            write!(f, "\nDETAIL:  {detail}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nHINT:  {hint}")?;
        }
        if let Some(position) = self.position {
            write!(f, "\nSTATEMENT_POSITION:  {position}")?;
        }
        Ok(())
    }
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

    /// A message the server sent (ErrorResponse or NoticeResponse) with its fields.
    pub fn from_db(db: &tokio_postgres::error::DbError, during_connect: bool) -> Self {
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
        let mut e = EngineError::new(class, code, db.message());
        e.server = Some(Box::new(ServerDetail {
            severity: db.severity().to_string(),
            detail: db.detail().map(str::to_string),
            hint: db.hint().map(str::to_string),
            position: match db.position() {
                Some(tokio_postgres::error::ErrorPosition::Original(p)) => Some(*p),
                _ => None,
            },
        }));
        e
    }

    /// Turns a tokio-postgres error into an engine error. `during_connect` decides how a
    /// network failure is classed (08001 while connecting, 08S01 afterwards).
    pub fn from_postgres(err: &tokio_postgres::Error, host: &str, during_connect: bool) -> Self {
        if let Some(db) = err.as_db_error() {
            return Self::from_db(db, during_connect);
        }
        let text = error_chain_text(err);
        if during_connect {
            EngineError::connect(format!("could not connect to {host}: {text}"))
        } else {
            EngineError::communication(format!("connection to {host} lost: {text}"))
        }
    }
}

/// The error and its sources as one line ("error connecting to server: Connection refused"),
/// without repeating a part an outer error already shows.
pub fn error_chain_text(err: &dyn std::error::Error) -> String {
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

/// The text diagnostics show: a server error's severity and message on the first line
/// (`ERROR: relation "t" does not exist`, the way psqlODBC words it, so programs that match on
/// psqlODBC's messages keep working), the earlier attempts after it, then the server error's
/// other fields on lines of their own, as psql prints them (see [`ServerDetail::write_lines`]).
impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.server {
            Some(server) if !server.severity.is_empty() => {
                write!(f, "{}: {}", server.severity, self.message)?
            }
            _ => write!(f, "{}", self.message)?,
        }
        for (i, a) in self.attempts.iter().enumerate() {
            write!(f, "; attempt {}: {a}", i + 1)?;
        }
        if let Some(server) = &self.server {
            server.write_lines(f)?;
        }
        Ok(())
    }
}

impl std::error::Error for EngineError {}

pub type EngineResult<T> = Result<T, EngineError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn server_error(
        detail: Option<&str>,
        hint: Option<&str>,
        position: Option<u32>,
    ) -> EngineError {
        let mut e = EngineError::new(ErrorClass::Server, "23505", "duplicate key value");
        e.server = Some(Box::new(ServerDetail {
            severity: "ERROR".to_string(),
            detail: detail.map(str::to_string),
            hint: hint.map(str::to_string),
            position,
        }));
        e
    }

    #[test]
    fn severity_leads_and_fields_follow_on_lines_of_their_own() {
        let e = server_error(
            Some("Key (id)=(1) already exists."),
            Some("Try 2."),
            Some(8),
        );
        assert_eq!(
            e.to_string(),
            "ERROR: duplicate key value\nDETAIL:  Key (id)=(1) already exists.\nHINT:  Try 2.\n\
             STATEMENT_POSITION:  8"
        );
        assert_eq!(e.sqlstate_str(), "23505");
    }

    #[test]
    fn absent_fields_add_no_lines() {
        assert_eq!(
            server_error(None, None, None).to_string(),
            "ERROR: duplicate key value"
        );
        assert_eq!(
            server_error(None, Some("h"), None).to_string(),
            "ERROR: duplicate key value\nHINT:  h"
        );
    }

    #[test]
    fn attempts_stay_on_the_first_line() {
        let mut e = server_error(Some("d"), None, None);
        e.attempts = vec!["a:1: refused".to_string()];
        assert_eq!(
            e.to_string(),
            "ERROR: duplicate key value; attempt 1: a:1: refused\nDETAIL:  d"
        );
    }

    #[test]
    fn errors_without_server_fields_print_as_before() {
        let e = EngineError::connect("could not connect to h:5432: refused");
        assert_eq!(e.to_string(), "could not connect to h:5432: refused");
        assert_eq!(e.sqlstate_str(), "08001");
    }

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1
                .as_deref()
                .map(|l| l as &(dyn std::error::Error + 'static))
        }
    }

    #[test]
    fn chain_text_joins_sources_without_repeating_them() {
        let inner = Layer("Connection refused", None);
        let middle = Layer("io error: Connection refused", Some(Box::new(inner)));
        let outer = Layer("dispatch failure", Some(Box::new(middle)));
        assert_eq!(
            error_chain_text(&outer),
            "dispatch failure: io error: Connection refused"
        );
    }
}
