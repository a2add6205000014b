//! What the statement says about itself: its result columns, its parameters, its row count.

use super::{Phase, Statement, StmtState};
use crate::odbc::diag::{state, OdbcError, OdbcResult};
use crate::odbc::sqltext::SqlPiece;
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
                // An updatable cursor's hidden columns are the driver's.
                let hidden = if st.updatable.is_some() {
                    crate::odbc::updatable::HIDDEN_COLUMNS
                } else {
                    0
                };
                Ok(st
                    .prepared
                    .get(st.piece)
                    .and_then(Option::as_ref)
                    .map_or_else(Vec::new, |p| {
                        let visible = p.columns().len().saturating_sub(hidden);
                        p.columns()[..visible]
                            .iter()
                            .map(|col| types::describe_result_column(col, &limits))
                            .collect()
                    }))
            }
        }
    }

    /// The result columns as SQLDescribeCol, SQLColAttribute and the IRD describe them: with
    /// what the catalog says of table columns (nullability, table names), looked up on the
    /// first question about a table and kept per connection. Asking needs the connection free:
    /// this statement's result, when still streaming, is first read ahead up to one fetch batch
    /// as SQLRowCount does; a longer result (or another statement's) is not buffered for it,
    /// and the columns of a table not looked up yet are then SQL_NULLABLE_UNKNOWN.
    pub fn described_columns(&self, st: &mut StmtState) -> OdbcResult<Vec<ColumnInfo>> {
        let mut cols = self.columns_locked(st)?;
        if st.result.is_none() {
            cols = self.prepared_large_objects(st, cols)?;
        }
        if cols.iter().any(|c| c.table_oid.is_some()) {
            if !self
                .conn
                .state
                .lock()
                .table_columns
                .missing(&cols)
                .is_empty()
            {
                self.count_ahead(st)?;
            }
            self.conn.state.lock().describe_from_catalog(&mut cols);
        }
        Ok(cols)
    }

    /// One column's description (1-based; 0 is the bookmark column when bookmarks are on).
    pub fn column(&self, number: u16) -> OdbcResult<ColumnInfo> {
        let mut st = self.state.lock();
        if number == 0 {
            return bookmark_column(&st, self.conn.state.lock().limits);
        }
        let cols = self.described_columns(&mut st)?;
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
        Ok(st.pieces.iter().map(SqlPiece::marker_count).sum())
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
            if idx >= piece.first_param && idx < piece.first_param + piece.marker_count() {
                // A procedure call's return value and output parameters are not sent: the
                // server has no type for them.
                let Some(k) = (0..piece.param_count).find(|&k| piece.param_number(k) == idx + 1)
                else {
                    return Ok(None);
                };
                return Ok(st
                    .prepared
                    .get(i)
                    .and_then(Option::as_ref)
                    .and_then(|p| p.params().get(k).cloned()));
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

/// Column 0: the bookmark, as psqlODBC describes it: a 4-byte SQL_BINARY for variable-length
/// bookmarks, an unsigned SQL_INTEGER for fixed ones (ODBC 2's SQL_UB_ON).
fn bookmark_column(st: &StmtState, limits: types::SizeLimits) -> OdbcResult<ColumnInfo> {
    const UB_VARIABLE: u64 = 2;
    if st.attrs.use_bookmarks == super::bookmarks::BOOKMARKS_OFF {
        return Err(super::bookmarks::bookmarks_off());
    }
    let (ty, sql_type) = if st.attrs.use_bookmarks == UB_VARIABLE {
        (Type::BYTEA, types::sql::BINARY)
    } else {
        (Type::INT4, types::sql::INTEGER)
    };
    let mut col = types::describe("", &ty, -1, &limits);
    col.sql_type = sql_type;
    col.column_size = 4;
    col.octet_length = 4;
    col.display_size = 8;
    col.unsigned = true;
    col.nullable = 0;
    col.type_name = "bookmark".to_string();
    Ok(col)
}
