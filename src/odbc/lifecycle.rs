//! Rules of allocating and freeing handles and of ending transactions: what must be true of a
//! connection, environment or descriptor before it can be made or freed. The handle registry
//! itself (which addresses are live) belongs to the FFI layer.

use super::conn::Connection;
use super::desc::{DescKind, Descriptor};
use super::diag::{state, OdbcError, OdbcResult, Outcome};
use super::stmt::Statement;
use std::sync::Arc;

/// SQL_HANDLE_ENV .. SQL_HANDLE_DESC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandleKind {
    Env,
    Dbc,
    Stmt,
    Desc,
}

impl HandleKind {
    pub fn from_code(code: i16) -> Option<Self> {
        match code {
            1 => Some(HandleKind::Env),
            2 => Some(HandleKind::Dbc),
            3 => Some(HandleKind::Stmt),
            4 => Some(HandleKind::Desc),
            _ => None,
        }
    }
}

fn require_connected(conn: &Connection) -> OdbcResult<()> {
    if !conn.is_connected() {
        return Err(OdbcError::new(state::NOT_CONNECTED, "connection not open"));
    }
    Ok(())
}

/// A new statement on an open connection.
pub fn new_statement(conn: &Arc<Connection>) -> OdbcResult<Arc<Statement>> {
    require_connected(conn)?;
    let statement = Arc::new(Statement::new(conn.clone()));
    conn.register_statement(&statement);
    Ok(statement)
}

/// A new explicitly allocated descriptor on an open connection.
pub fn new_descriptor(conn: &Connection) -> OdbcResult<Arc<Descriptor>> {
    require_connected(conn)?;
    Ok(Arc::new(Descriptor::new(DescKind::Ard, false)))
}

/// An environment is freed only after its connections.
pub fn check_env_free(has_connections: bool) -> OdbcResult<()> {
    if has_connections {
        return Err(OdbcError::new(
            state::SEQUENCE_ERROR,
            "connections of this environment are still allocated",
        ));
    }
    Ok(())
}

/// A connection is freed only after it is disconnected.
pub fn check_conn_free(conn: &Connection) -> OdbcResult<()> {
    if conn.is_connected() {
        return Err(OdbcError::new(
            state::SEQUENCE_ERROR,
            "disconnect before freeing the connection",
        ));
    }
    Ok(())
}

/// Only explicitly allocated descriptors can be freed.
pub fn check_desc_free(d: &Descriptor) -> OdbcResult<()> {
    if d.implicit {
        return Err(OdbcError::new(
            state::ASSOC_DESC,
            "an implicitly allocated descriptor cannot be freed",
        ));
    }
    Ok(())
}

/// A freed descriptor: every statement that used it as its ARD or APD goes back to its
/// implicit one.
pub fn detach_descriptor(desc: &Arc<Descriptor>, statements: &[Arc<Statement>]) {
    for s in statements {
        let mut st = s.state.lock();
        if Arc::ptr_eq(&st.ard, desc) {
            st.ard = s.implicit_ard.clone();
        }
        if Arc::ptr_eq(&st.apd, desc) {
            st.apd = s.implicit_apd.clone();
        }
    }
}

const SQL_COMMIT: i16 = 0;
const SQL_ROLLBACK: i16 = 1;

/// Whether SQLEndTran's completion type is neither SQL_COMMIT nor SQL_ROLLBACK.
pub fn completion_is_invalid(completion: i16) -> bool {
    completion != SQL_COMMIT && completion != SQL_ROLLBACK
}

/// SQLEndTran on a connection (`Some`) or an environment (`None`, not offered: transactions
/// end per connection). An invalid completion type is HY012 either way.
pub fn end_transaction(conn: Option<&Connection>, completion: i16) -> OdbcResult<Outcome> {
    if completion_is_invalid(completion) {
        return Err(OdbcError::new(
            state::INVALID_TXN_OP,
            "invalid completion type",
        ));
    }
    match conn {
        Some(conn) => {
            conn.end_transaction(completion == SQL_COMMIT)?;
            Ok(Outcome::Success)
        }
        None => Err(OdbcError::new(
            state::NOT_IMPLEMENTED,
            "end transactions per connection",
        )),
    }
}

const SQL_CLOSE: u16 = 0;
const SQL_UNBIND: u16 = 2;
const SQL_RESET_PARAMS: u16 = 3;
/// SQLFreeStmt's option that frees the statement (done by the handle registry).
pub const SQL_DROP: u16 = 1;

/// SQLFreeStmt with any option but SQL_DROP.
pub fn free_stmt(s: &Statement, option: u16) -> OdbcResult<()> {
    match option {
        SQL_CLOSE => s.close_cursor(false)?,
        SQL_UNBIND => s.unbind_columns(),
        SQL_RESET_PARAMS => s.reset_params(),
        other => {
            return Err(OdbcError::new(
                state::INVALID_ATTR_VALUE,
                format!("invalid SQLFreeStmt option {other}"),
            ))
        }
    }
    Ok(())
}

/// SQLCancel: a call running on another thread is stopped through the session's cancel
/// request (that call then fails with HY008). With nothing running, a pending
/// data-at-execution sequence is abandoned; otherwise there is nothing to do.
pub fn cancel(s: &Statement) -> OdbcResult<()> {
    if !super::cancel::cancel(s.id)? {
        if let Some(mut st) = s.state.try_lock() {
            st.dae = None;
        }
    }
    Ok(())
}
