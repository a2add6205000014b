//! Data at execution: parameters bound with SQL_DATA_AT_EXEC (or SQL_LEN_DATA_AT_EXEC)
//! make the execution answer SQL_NEED_DATA; the application then sends their values with
//! SQLParamData and SQLPutData, and the last SQLParamData runs the statement.

use super::param_values::default_c_type_for_sql;
use super::{Statement, StmtState};
use crate::odbc::appmem;
use crate::odbc::convert::{self, c};
use crate::odbc::dae::{DataAtExec, Pending};
use crate::odbc::diag::{state, OdbcError, OdbcResult, Outcome};
use crate::odbc::types;

impl Statement {
    /// Before an execution: finds the parameters bound as data at execution (in every
    /// parameter set) and, if there are any, returns SQL_NEED_DATA instead of executing.
    pub(super) fn start_data_at_exec(&self, st: &mut StmtState) -> Option<Outcome> {
        st.dae = None;
        // Only parameters that are sent: a procedure call's output parameters hold no value.
        let numbers: Vec<usize> = st
            .pieces
            .iter()
            .flat_map(|p| (0..p.param_count).map(|k| p.param_number(k)))
            .collect();
        if numbers.is_empty() {
            return None;
        }
        let apd = st.apd.lock();
        let ipd = self.ipd.lock();
        // SAFETY: SQL_ATTR_PARAM_BIND_OFFSET_PTR as the application bound it (zero or a
        // readable SQLLEN, kept valid while bound).
        let offset = unsafe { appmem::bind_offset(apd.bind_offset_ptr) };
        let bind_type = usize::try_from(apd.bind_type).unwrap_or(0);
        let mut pending = Vec::new();
        for set in 0..apd.array_size.max(1) {
            let row = usize::try_from(set).unwrap_or(0);
            for &number in &numbers {
                let Some(rec) = apd.record(number).filter(|r| r.is_bound()) else {
                    continue;
                };
                let mut c_type = rec.concise_type;
                if c_type == c::DEFAULT {
                    c_type = default_c_type_for_sql(
                        ipd.record(number)
                            .map_or(types::sql::VARCHAR, |r| r.concise_type),
                    );
                }
                let elem = convert::fixed_size(c_type)
                    .unwrap_or_else(|| usize::try_from(rec.octet_length).unwrap_or(0));
                let stride_data = if bind_type > 0 { bind_type } else { elem };
                let stride_len = if bind_type > 0 {
                    bind_type
                } else {
                    std::mem::size_of::<isize>()
                };
                if rec.octet_length_ptr == 0 {
                    continue;
                }
                let length_addr = rec.octet_length_ptr + offset + row * stride_len;
                // SAFETY: the length of set `row` in the array the application bound with
                // SQLBindParameter (one element per set, at this offset and stride).
                let length = unsafe { appmem::read_len(length_addr) };
                if length == appmem::DATA_AT_EXEC || length <= appmem::LEN_DATA_AT_EXEC_OFFSET {
                    // The token is the bound value pointer itself for the first set (pyodbc
                    // stores its own bookkeeping pointer there), and that set's element after.
                    let token = if rec.data_ptr == 0 {
                        0
                    } else {
                        rec.data_ptr + offset + row * stride_data
                    };
                    pending.push(Pending {
                        number,
                        set,
                        token,
                        c_type,
                    });
                }
            }
        }
        if pending.is_empty() {
            return None;
        }
        drop(apd);
        drop(ipd);
        st.dae = Some(DataAtExec {
            pending,
            ..Default::default()
        });
        Some(Outcome::NeedData)
    }

    /// SQLParamData: the token of the next parameter that needs data (with NeedData), or,
    /// when all are in, the outcome of the execution.
    pub fn param_data(&self) -> OdbcResult<(Outcome, usize)> {
        let mut st = self.state.lock();
        let Some(dae) = st.dae.as_mut().filter(|d| !d.complete) else {
            return Err(OdbcError::new(
                state::SEQUENCE_ERROR,
                "no data-at-execution parameter is pending",
            ));
        };
        let next = dae.current.map_or(0, |i| i + 1);
        if let Some(p) = dae.pending.get(next) {
            let token = p.token;
            dae.current = Some(next);
            return Ok((Outcome::NeedData, token));
        }
        dae.current = None;
        dae.complete = true;
        let outcome = self.run_statements(&mut st);
        outcome.map(|o| (o, 0))
    }

    /// SQLPutData: one piece of the current data-at-execution parameter. `len` is the byte
    /// count, SQL_NTS, or SQL_NULL_DATA.
    pub fn put_data(&self, data: usize, len: i64) -> OdbcResult<()> {
        let mut st = self.state.lock();
        let Some(dae) = st
            .dae
            .as_mut()
            .filter(|d| !d.complete && d.current.is_some())
        else {
            return Err(OdbcError::new(
                state::SEQUENCE_ERROR,
                "SQLPutData without a parameter that needs data (call SQLParamData first)",
            ));
        };
        let c_type = dae
            .current
            .and_then(|i| dae.pending.get(i))
            .map_or(c::CHAR, |p| p.c_type);
        if len == appmem::NULL_DATA {
            dae.put(None);
            return Ok(());
        }
        if data == 0 {
            if len == 0 {
                return Ok(());
            }
            return Err(OdbcError::new(
                state::NULL_POINTER,
                "the data pointer is null",
            ));
        }
        let n = match convert::fixed_size(c_type) {
            Some(n) => n,
            None if len == appmem::NTS => {
                // SAFETY: the application passes an SQL_NTS piece NUL-terminated.
                unsafe {
                    if c_type == c::WCHAR {
                        appmem::wcslen_bytes(data, usize::MAX / 2)
                    } else {
                        appmem::strlen(data, usize::MAX / 2)
                    }
                }
            }
            None => usize::try_from(len).map_err(|_| {
                OdbcError::new(state::INVALID_LENGTH, format!("invalid length {len}"))
            })?,
        };
        // SAFETY: the application passes `n` readable bytes at `data` for this call.
        let bytes = unsafe { appmem::bytes(data, n) };
        dae.put(Some(bytes));
        Ok(())
    }
}
