//! What the statement says about itself: its result columns, its parameters, its row count.

use super::{Phase, Statement, StmtState};
use crate::odbc::diag::{state, OdbcError, OdbcResult};
use crate::odbc::types::{self, ColumnInfo};
use tokio_postgres::types::Type;

impl Statement {
    /// SQLNumResultCols.
    pub fn num_result_cols(&self) -> OdbcResult<usize> {
        let st = self.state.lock();
        Ok(self.columns_locked(&st)?.len())
    }

    /// The result columns: of the open result, or of the prepared (not yet executed) statement.
    pub fn columns_locked(&self, st: &StmtState) -> OdbcResult<Vec<ColumnInfo>> {
        if let Some(rs) = &st.result {
            return Ok(rs.columns.clone());
        }
        match st.phase {
            Phase::Allocated => Err(OdbcError::new(
                state::SEQUENCE_ERROR,
                "the statement has not been prepared or executed",
            )),
            Phase::Executed => Ok(Vec::new()),
            _ => {
                let limits = self.conn.state.lock().limits;
                Ok(st
                    .prepared
                    .get(st.piece)
                    .and_then(Option::as_ref)
                    .map_or_else(Vec::new, |p| {
                        p.columns()
                            .iter()
                            .map(|col| {
                                types::describe(
                                    col.name(),
                                    col.type_(),
                                    col.type_modifier(),
                                    &limits,
                                )
                            })
                            .collect()
                    }))
            }
        }
    }

    /// One column's description (1-based).
    pub fn column(&self, number: u16) -> OdbcResult<ColumnInfo> {
        let st = self.state.lock();
        let cols = self.columns_locked(&st)?;
        usize::from(number)
            .checked_sub(1)
            .and_then(|i| cols.get(i).cloned())
            .ok_or_else(|| {
                OdbcError::new(
                    state::INVALID_DESCRIPTOR_INDEX,
                    format!("column {number} does not exist"),
                )
            })
    }

    /// SQLNumParams.
    pub fn num_params(&self) -> OdbcResult<usize> {
        let st = self.state.lock();
        if st.phase == Phase::Allocated {
            return Err(OdbcError::new(
                state::SEQUENCE_ERROR,
                "the statement is not prepared",
            ));
        }
        Ok(st.pieces.iter().map(|p| p.param_count).sum())
    }

    /// The server-inferred type of parameter `number` (1-based), when the statement is prepared.
    pub fn param_type(&self, number: u16) -> OdbcResult<Option<Type>> {
        let st = self.state.lock();
        let idx = usize::from(number).checked_sub(1).ok_or_else(|| {
            OdbcError::new(
                state::INVALID_DESCRIPTOR_INDEX,
                "parameter 0 does not exist",
            )
        })?;
        for (i, piece) in st.pieces.iter().enumerate() {
            if idx >= piece.first_param && idx < piece.first_param + piece.param_count {
                return Ok(st
                    .prepared
                    .get(i)
                    .and_then(Option::as_ref)
                    .and_then(|p| p.params().get(idx - piece.first_param).cloned()));
            }
        }
        Err(OdbcError::new(
            state::INVALID_DESCRIPTOR_INDEX,
            format!("parameter {number} does not exist"),
        ))
    }

    /// SQLRowCount.
    pub fn row_count(&self) -> OdbcResult<i64> {
        let mut st = self.state.lock();
        if st.phase == Phase::Allocated || st.phase == Phase::Prepared {
            return Err(OdbcError::new(
                state::SEQUENCE_ERROR,
                "the statement has not been executed",
            ));
        }
        self.count_ahead(&mut st)?;
        Ok(st.row_count)
    }
}
