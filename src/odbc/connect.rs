//! Connecting a connection handle: from SQLConnect's DSN/UID/PWD or a SQLDriverConnect string;
//! and the connection-level SQLGetInfo answers.

use super::conn::Connection;
use super::connstr::ConnString;
use super::diag::{OdbcError, OdbcResult, SqlState};
use super::info::{self, InfoContext, InfoValue};

/// SQLConnect: the DSN's keys, with UID/PWD given in the call taking precedence.
pub fn connect_dsn(
    conn: &Connection,
    dsn: &str,
    uid: Option<String>,
    pwd: Option<String>,
) -> OdbcResult<()> {
    let mut pairs = vec![("DSN".to_string(), dsn.to_string())];
    if let Some(uid) = uid.filter(|u| !u.is_empty()) {
        pairs.push(("UID".to_string(), uid));
    }
    if let Some(pwd) = pwd.filter(|p| !p.is_empty()) {
        pairs.push(("PWD".to_string(), pwd));
    }
    conn.open(dsn, &pairs)?;
    Ok(())
}

/// SQLDriverConnect: connects from a connection string and returns the completed string.
pub fn connect_string(conn: &Connection, text: &str) -> OdbcResult<String> {
    let parsed = ConnString::parse(text)
        .map_err(|e| OdbcError::new(SqlState::new(e.sqlstate()), e.to_string()))?;
    let dsn = parsed.get("DSN").unwrap_or("").to_string();
    conn.open(&dsn, parsed.pairs())?;
    Ok(parsed.to_output_string(false))
}

/// The SQLGetInfo answer for `info_type`, with the connection's run-time facts.
pub fn info_answer(conn: &Connection, info_type: u16) -> Option<InfoValue> {
    let odbc_version = conn.env.odbc_version();
    let st = conn.state.lock();
    let facts = st
        .session_opt()
        .map(|s| s.facts().clone())
        .unwrap_or_default();
    let version = facts
        .version
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string();
    let ctx = InfoContext {
        server_version: &version,
        database: &facts.database,
        user: &facts.user,
        server_name: &st.host,
        data_source_name: &st.dsn,
        read_only: st.attrs.read_only,
        driver_odbc_ver_app: u32::try_from(odbc_version).unwrap_or(3),
    };
    info::info_value(info_type, &ctx)
}
