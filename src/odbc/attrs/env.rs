//! SQLSetEnvAttr / SQLGetEnvAttr.

use crate::odbc::diag::{state, OdbcError, OdbcResult};
use crate::odbc::env::{Environment, SQL_OV_ODBC2, SQL_OV_ODBC3, SQL_OV_ODBC3_80};

pub const SQL_ATTR_ODBC_VERSION: i32 = 200;
pub const SQL_ATTR_CONNECTION_POOLING: i32 = 201;
pub const SQL_ATTR_CP_MATCH: i32 = 202;
pub const SQL_ATTR_OUTPUT_NTS: i32 = 10001;

fn unknown(attr: i32) -> OdbcError {
    OdbcError::new(
        state::INVALID_ATTRIBUTE,
        format!("unknown environment attribute {attr}"),
    )
}

/// Sets an environment attribute from the SQLPOINTER `value` (all of them are integers).
pub fn set(env: &Environment, attr: i32, value: usize) -> OdbcResult<()> {
    let mut st = env.state.lock();
    match attr {
        SQL_ATTR_ODBC_VERSION => {
            let v = i32::try_from(value.cast_signed()).unwrap_or(-1);
            if ![SQL_OV_ODBC2, SQL_OV_ODBC3, SQL_OV_ODBC3_80].contains(&v) {
                return Err(OdbcError::new(
                    state::INVALID_ATTR_VALUE,
                    format!("unsupported ODBC version {v}"),
                ));
            }
            st.odbc_version = v;
        }
        SQL_ATTR_CONNECTION_POOLING => st.connection_pooling = u32::try_from(value).unwrap_or(0),
        SQL_ATTR_CP_MATCH => {}
        SQL_ATTR_OUTPUT_NTS => {
            if value != 1 {
                return Err(OdbcError::new(
                    state::NOT_IMPLEMENTED,
                    "SQL_ATTR_OUTPUT_NTS can only be SQL_TRUE",
                ));
            }
        }
        other => return Err(unknown(other)),
    }
    Ok(())
}

/// Reads an environment attribute (all of them are SQLUINTEGERs).
pub fn get(env: &Environment, attr: i32) -> OdbcResult<u32> {
    let st = env.state.lock();
    Ok(match attr {
        SQL_ATTR_ODBC_VERSION => u32::try_from(st.odbc_version).unwrap_or(3),
        SQL_ATTR_CONNECTION_POOLING => st.connection_pooling,
        SQL_ATTR_CP_MATCH => 0,
        SQL_ATTR_OUTPUT_NTS => 1,
        other => return Err(unknown(other)),
    })
}
