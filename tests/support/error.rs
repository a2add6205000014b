//! One plain error type: harness failures are reported to a person reading a test log, so a
//! message with its context is all that is needed.

use std::fmt;

/// A harness failure, with what was being done when it happened.
#[derive(Debug)]
pub struct Error {
    message: String,
}

/// Result alias used across the harness.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
        }
    }

    /// Wraps a lower-level error with what the harness was doing.
    pub fn context(what: impl fmt::Display, err: impl fmt::Display) -> Self {
        Error::new(format!("{what}: {err}"))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::new(err.to_string())
    }
}
