//! SQLNativeSql: the text the driver would send, with ODBC escape sequences translated.

use super::diag::{OdbcError, OdbcResult, SqlState};

/// The native form of `sql`; `?` markers stay as they are (they become `$n` only on the
/// wire). A malformed escape is a syntax error (42000).
pub fn native_sql(sql: &str, cap: i32) -> OdbcResult<String> {
    super::outbuf::check_length(i64::from(cap))?;
    super::sqltext::translate_escapes(sql).map_err(|m| OdbcError::new(SqlState::new("42000"), m))
}
