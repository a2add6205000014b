//! SQLSetConnectAttr / SQLGetConnectAttr: which connection attributes are accepted, stored or
//! applied to the open session.

use super::{pgopt, AttrAnswer, SetValue};
use crate::odbc::conn::Connection;
use crate::odbc::diag::{state, OdbcError, OdbcResult};

pub const SQL_ATTR_ASYNC_ENABLE: i32 = 4;
pub const SQL_ATTR_ACCESS_MODE: i32 = 101;
pub const SQL_ATTR_AUTOCOMMIT: i32 = 102;
pub const SQL_ATTR_LOGIN_TIMEOUT: i32 = 103;
pub const SQL_ATTR_TRACE: i32 = 104;
pub const SQL_ATTR_TRACEFILE: i32 = 105;
pub const SQL_ATTR_TXN_ISOLATION: i32 = 108;
pub const SQL_ATTR_CURRENT_CATALOG: i32 = 109;
pub const SQL_ATTR_ODBC_CURSORS: i32 = 110;
pub const SQL_ATTR_QUIET_MODE: i32 = 111;
pub const SQL_ATTR_PACKET_SIZE: i32 = 112;
pub const SQL_ATTR_CONNECTION_TIMEOUT: i32 = 113;
pub const SQL_ATTR_ANSI_APP: i32 = 115;
pub const SQL_ATTR_CONNECTION_DEAD: i32 = 1209;
pub const SQL_ATTR_AUTO_IPD: i32 = 10001;
pub const SQL_ATTR_METADATA_ID: i32 = 10014;

/// Whether SQLSetConnectAttr's value for `attr` is a string (the FFI layer decodes it) rather
/// than an integer carried in the pointer.
pub fn takes_text(attr: i32) -> bool {
    attr == SQL_ATTR_CURRENT_CATALOG
}

fn unknown(attr: i32) -> OdbcError {
    OdbcError::new(
        state::INVALID_ATTRIBUTE,
        format!("unknown connection attribute {attr}"),
    )
}

/// Sets a connection attribute.
pub fn set(conn: &Connection, attr: i32, value: &SetValue) -> OdbcResult<()> {
    let n = value.num();
    let as_u32 = || u32::try_from(n).unwrap_or(0);
    match attr {
        SQL_ATTR_AUTOCOMMIT => conn.set_autocommit(n != 0)?,
        SQL_ATTR_TXN_ISOLATION => conn.set_isolation(as_u32())?,
        SQL_ATTR_ACCESS_MODE => conn.set_read_only(n == 1)?,
        SQL_ATTR_LOGIN_TIMEOUT => conn.state.lock().attrs.login_timeout_secs = as_u32(),
        SQL_ATTR_CONNECTION_TIMEOUT => conn.state.lock().attrs.connection_timeout_secs = as_u32(),
        SQL_ATTR_ANSI_APP => {
            let mut st = conn.state.lock();
            st.attrs.ansi_app = n != 0;
            st.limits.wide = n == 0;
        }
        SQL_ATTR_METADATA_ID => conn.state.lock().attrs.metadata_id = n != 0,
        SQL_ATTR_PACKET_SIZE => conn.state.lock().attrs.packet_size = as_u32(),
        SQL_ATTR_QUIET_MODE => conn.state.lock().attrs.quiet_mode = n,
        SQL_ATTR_TRACE | SQL_ATTR_TRACEFILE | SQL_ATTR_ODBC_CURSORS => {}
        SQL_ATTR_ASYNC_ENABLE => {
            if n != 0 {
                return Err(OdbcError::new(
                    state::NOT_IMPLEMENTED,
                    "asynchronous execution is not supported",
                ));
            }
        }
        SQL_ATTR_CURRENT_CATALOG => {
            let wanted = match value {
                SetValue::Text(t) => t.as_str(),
                SetValue::Number(_) => "",
            };
            let st = conn.state.lock();
            let current = st.session_opt().map(|s| s.facts().database.clone());
            if current.is_some_and(|c| c != wanted) {
                return Err(OdbcError::new(
                    state::NOT_IMPLEMENTED,
                    "PostgreSQL cannot switch databases on an open connection",
                ));
            }
        }
        SQL_ATTR_AUTO_IPD | SQL_ATTR_CONNECTION_DEAD => {
            return Err(OdbcError::new(
                state::INVALID_ATTRIBUTE,
                format!("connection attribute {attr} is read-only"),
            ))
        }
        other if pgopt::is_pgopt(other) => {
            pgopt::set(&mut conn.state.lock(), other, n);
        }
        other => return Err(unknown(other)),
    }
    Ok(())
}

/// Reads a connection attribute.
pub fn get(conn: &Connection, attr: i32) -> OdbcResult<AttrAnswer> {
    let st = conn.state.lock();
    let number: u32 = match attr {
        SQL_ATTR_AUTOCOMMIT => u32::from(st.attrs.autocommit),
        SQL_ATTR_TXN_ISOLATION => st.attrs.txn_isolation,
        SQL_ATTR_ACCESS_MODE => u32::from(st.attrs.read_only),
        SQL_ATTR_LOGIN_TIMEOUT => st.attrs.login_timeout_secs,
        SQL_ATTR_CONNECTION_TIMEOUT => st.attrs.connection_timeout_secs,
        SQL_ATTR_ANSI_APP => u32::from(st.attrs.ansi_app),
        SQL_ATTR_METADATA_ID => u32::from(st.attrs.metadata_id),
        SQL_ATTR_PACKET_SIZE => st.attrs.packet_size,
        SQL_ATTR_ASYNC_ENABLE | SQL_ATTR_AUTO_IPD | SQL_ATTR_TRACE | SQL_ATTR_ODBC_CURSORS => 0,
        SQL_ATTR_CONNECTION_DEAD => u32::from(st.session_opt().is_none_or(|s| s.is_broken())),
        SQL_ATTR_QUIET_MODE => return Ok(AttrAnswer::Handle(st.attrs.quiet_mode)),
        SQL_ATTR_CURRENT_CATALOG => {
            let Some(session) = st.session_opt() else {
                return Err(OdbcError::new(state::NOT_CONNECTED, "connection not open"));
            };
            return Ok(AttrAnswer::Text(session.facts().database.clone()));
        }
        SQL_ATTR_TRACEFILE => return Ok(AttrAnswer::Text(String::new())),
        other => {
            return pgopt::get(&st, other)
                .map(AttrAnswer::U32)
                .ok_or(unknown(other))
        }
    };
    Ok(AttrAnswer::U32(number))
}
