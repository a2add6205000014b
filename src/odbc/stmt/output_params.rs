//! Output parameters of a procedure call (`{? = call f(?)}`, arguments bound as
//! SQL_PARAM_OUTPUT or SQL_PARAM_INPUT_OUTPUT): at execution the call's first result row
//! fills them, column 1 into the first of them, as psqlODBC fills them. Each is converted as
//! a bound column would be, into the buffer, length and indicator SQLBindParameter gave.

use super::cell::{write_cell, CellWrite, NumericShape};
use super::param_values::default_c_type_for_sql;
use super::{state_alias, Statement, StmtState};
use crate::odbc::appmem;
use crate::odbc::convert::{self, c};
use crate::odbc::diag::{state, OdbcError, OdbcResult};
use crate::odbc::types;

impl Statement {
    /// Writes the first row of the current result into the parameters `outputs` (their
    /// numbers, in column order). A result without rows leaves them as they were; columns
    /// beyond the parameters are left for SQLFetch, parameters beyond the columns unset.
    pub(super) fn write_output_params(&self, st: &StmtState, outputs: &[usize]) -> OdbcResult<()> {
        let Some(rs) = st.result.as_ref() else {
            return Ok(());
        };
        let Some(row) = rs.first_row() else {
            return Ok(());
        };
        let apd = st.apd.lock();
        let ipd = self.ipd.lock();
        // SAFETY: SQL_ATTR_PARAM_BIND_OFFSET_PTR as the application bound it (zero or a
        // readable SQLLEN, kept valid while bound).
        let offset = unsafe { appmem::bind_offset(apd.bind_offset_ptr) };
        for (ci, &number) in outputs.iter().enumerate().take(rs.types.len()) {
            let Some(rec) = apd.record(number).filter(|r| r.is_bound()) else {
                continue;
            };
            let ty = &rs.types[ci];
            let c_type = if rec.concise_type == c::DEFAULT {
                default_c_type_for_sql(
                    ipd.record(number)
                        .map_or(types::sql::VARCHAR, |r| r.concise_type),
                )
            } else {
                rec.concise_type
            };
            let cap = convert::fixed_size(c_type)
                .unwrap_or_else(|| usize::try_from(rec.octet_length).unwrap_or(0));
            let at = |addr: usize| if addr == 0 { 0 } else { addr + offset };
            let (data, ind, len) = (
                at(rec.data_ptr),
                at(rec.indicator_ptr),
                at(rec.octet_length_ptr),
            );
            // SAFETY: `data` is zero or the parameter's buffer as SQLBindParameter gave it,
            // BufferLength bytes (or the C type's size) that no Rust reference points into;
            // an output parameter's buffer must stay valid until the execution returns.
            let cell = unsafe {
                write_cell(
                    row,
                    ci,
                    ty,
                    &rs.values,
                    &rs.reading,
                    ty.oid(),
                    c_type,
                    data,
                    cap,
                    0,
                    NumericShape::of(c_type, rec.precision, rec.scale),
                )
            }
            .map_err(|mut e| {
                e.message = format!("output parameter {number}: {}", e.message);
                e
            })?;
            match cell {
                CellWrite::Null if ind == 0 => {
                    return Err(OdbcError::new(
                        state_alias::INDICATOR_REQUIRED,
                        format!("output parameter {number} is NULL and has no indicator"),
                    ))
                }
                // SAFETY: the parameter's indicator as SQLBindParameter gave it (non-zero).
                CellWrite::Null => unsafe { appmem::write_len(ind, appmem::NULL_DATA) },
                CellWrite::Value(w) => {
                    let total = w
                        .total
                        .map_or(appmem::NO_TOTAL, |t| i64::try_from(t).unwrap_or(i64::MAX));
                    // SAFETY: zero or the parameter's indicator and length as bound.
                    unsafe {
                        appmem::write_len(ind, total);
                        if len != ind {
                            appmem::write_len(len, total);
                        }
                    }
                    if w.truncated {
                        self.warn(
                            state::STRING_TRUNCATED,
                            format!("string data, right truncated (output parameter {number})"),
                        );
                    } else if w.fractional_truncation {
                        self.warn(
                            state::FRACTIONAL_TRUNCATION,
                            format!("fractional truncation (output parameter {number})"),
                        );
                    }
                }
            }
        }
        Ok(())
    }
}
