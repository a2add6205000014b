//! SQLGetData: one column of the current row into the buffer of the call, in pieces for
//! character and binary data.

use super::cell::{write_cell_piece, CellWrite, ColumnFacts, NumericShape};
use super::large_objects::large_object_oid;
use super::{state_alias, Statement, StmtState};
use crate::engine::session;
use crate::odbc::appmem;
use crate::odbc::convert::{self, c, WideCursor};
use crate::odbc::diag::{state, OdbcError, OdbcResult, Outcome};

/// SQL_ARD_TYPE: SQLGetData takes the type from the ARD record.
const ARD_TYPE: i16 = -99;

/// Where SQLGetData stands: the current row of the rowset (the first after a fetch, another
/// after SQLSetPos) and how far a piecewise read of one column got.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct GetDataPos {
    /// 0-based index of the current row in the rowset.
    pub(super) row: usize,
    /// The column a piecewise read is under way on (0: none).
    pub(super) column: u16,
    /// Bytes of that column already delivered.
    pub(super) offset: usize,
    /// The column has been read to its end: the next call answers SQL_NO_DATA.
    pub(super) done: bool,
    /// Where a SQL_C_WCHAR read of a text column stands in the UTF-8 value, so the next
    /// piece does not encode the value again from its start.
    pub(super) wide: WideCursor,
    /// The size of the large object a read of a `lo` column is under way on, asked for at
    /// its first piece (see `large_objects`).
    pub(super) large_object_size: Option<u64>,
}

impl GetDataPos {
    /// Back to the first row of a new rowset, no read under way. Field by field: this runs
    /// at every fetch, and building a whole value to copy over costs a store-forwarding stall.
    #[inline]
    pub(super) fn reset(&mut self) {
        self.start_column(0);
        self.row = 0;
    }

    /// A read of `column` starts on the current row.
    #[inline]
    pub(super) fn start_column(&mut self, column: u16) {
        self.column = column;
        self.offset = 0;
        self.done = false;
        self.wide = WideCursor::default();
        self.large_object_size = None;
    }
}

/// The open result and the row SQLGetData reads, or the 24000 a read without them gets.
#[inline]
fn current_row(
    result: &Option<super::ResultSet>,
    row: usize,
) -> OdbcResult<(&super::ResultSet, &tokio_postgres::Row)> {
    let Some(rs) = result.as_ref() else {
        return Err(OdbcError::new(
            state::INVALID_CURSOR_STATE,
            "no result set is open",
        ));
    };
    let Some(row) = rs.rowset.get(row) else {
        return Err(OdbcError::new(
            state::INVALID_CURSOR_STATE,
            "no row has been fetched",
        ));
    };
    Ok((rs, row))
}

impl Statement {
    /// SQLGetData for column `column` of the current row.
    pub fn get_data(
        &self,
        column: u16,
        target: i16,
        buf: usize,
        buf_len: i64,
        ind: usize,
    ) -> OdbcResult<Outcome> {
        let mut st = self.state.lock();
        let st = &mut *st;
        let (rs, row) = current_row(&st.result, st.getdata.row)?;
        if column == 0 {
            let truncated = self.get_bookmark(st, target, buf, buf_len, ind)?;
            if truncated {
                self.warn(
                    state::STRING_TRUNCATED,
                    "the bookmark did not fit the buffer",
                );
            }
            return Ok(Outcome::Success);
        }
        let ci = usize::from(column)
            .checked_sub(1)
            .filter(|i| *i < rs.types.len())
            .ok_or_else(|| {
                OdbcError::new(
                    state::INVALID_DESCRIPTOR_INDEX,
                    format!("column {column} does not exist"),
                )
            })?;
        let facts = rs.facts[ci];
        // The common case first: the first read of a number or a text column as a C type
        // that takes its binary value as it is.
        if facts.direct && st.getdata.column != column && buf != 0 && !rs.reading.changes_values() {
            if let Some(raw) = session::raw_value(row, ci) {
                let fixed = convert::fixed_size(target);
                let cap = match fixed {
                    Some(n) => Some(n),
                    None if target == c::CHAR => usize::try_from(buf_len).ok(),
                    None => None,
                };
                if let Some(cap) = cap {
                    // SAFETY: non-zero, so the buffer the application passed to this call:
                    // BufferLength (`cap`) bytes, or the fixed size of the C type, which ODBC
                    // has it provide.
                    let out = unsafe { appmem::bytes_mut(buf, cap) };
                    if let Some(w) = convert::write_direct(facts.oid, target, raw, out, 0) {
                        st.getdata.start_column(column);
                        return Ok(self.delivered(st, ind, w, fixed.is_some()));
                    }
                }
            }
        }
        self.get_data_general(st, column, ci, facts, target, buf, buf_len, ind)
    }

    /// SQLGetData for any C type and any piece: everything the direct path of
    /// [`Statement::get_data`] does not take.
    #[allow(clippy::too_many_arguments)]
    fn get_data_general(
        &self,
        st: &mut StmtState,
        column: u16,
        ci: usize,
        facts: ColumnFacts,
        target: i16,
        buf: usize,
        buf_len: i64,
        ind: usize,
    ) -> OdbcResult<Outcome> {
        let (rs, row) = current_row(&st.result, st.getdata.row)?;
        let ty = &rs.types[ci];
        let mut c_type = target;
        // SQL_ARD_TYPE takes the type, and for SQL_C_NUMERIC the precision and scale, from
        // the ARD record.
        let mut numeric_shape = None;
        if c_type == ARD_TYPE {
            let ard = st.ard.lock();
            let rec = ard.record(usize::from(column));
            c_type = rec.map_or(c::CHAR, |r| r.concise_type);
            numeric_shape = rec.and_then(|r| NumericShape::of(c_type, r.precision, r.scale));
        }
        if c_type == c::DEFAULT {
            c_type = convert::default_c_type(ty);
        }
        if st.getdata.column != column {
            st.getdata.start_column(column);
        } else if st.getdata.done {
            return Ok(Outcome::NoData);
        }
        let fixed = convert::fixed_size(c_type);
        let cap = match fixed {
            Some(n) => n,
            None => {
                if buf_len < 0 {
                    return Err(OdbcError::new(
                        state::INVALID_LENGTH,
                        "invalid buffer length",
                    ));
                }
                usize::try_from(buf_len).unwrap_or(0)
            }
        };
        if facts.large_object {
            let oid = large_object_oid(row, ci)?;
            // SAFETY: `buf` is zero or the buffer the application passed to this call, `cap`
            // bytes long, and `ind` zero or its indicator.
            return unsafe { self.get_large_object(st, oid, column, c_type, buf, cap, ind) };
        }
        // Character data of a type whose pieces cannot resume from the wire value (numeric,
        // json, xml, arrays, records, ... and any value TrueIsMinus1/LFConversion change) is
        // rendered whole at the first piece and kept: later pieces copy from it, so a
        // piecewise read costs its length once, not once per piece.
        let terminator = match c_type {
            c::CHAR => 1,
            c::WCHAR => crate::odbc::wide::unit(),
            _ => 0,
        };
        let resumes_from_wire = facts.plain_text && !rs.reading.changes_values();
        let kept = terminator > 0 && !resumes_from_wire;
        // Past the first piece the kept rendering is longer than the offset, so never empty.
        if kept && st.getdata.offset > 0 && !st.getdata_rendered.is_empty() {
            let mut scratch = [0u8; 0];
            let out: &mut [u8] = if buf == 0 {
                &mut scratch
            } else {
                // SAFETY: non-zero, so the buffer the application passed to this call,
                // BufferLength (`cap`) bytes long.
                unsafe { appmem::bytes_mut(buf, cap) }
            };
            let w = convert::write_piece(&st.getdata_rendered, out, st.getdata.offset, terminator);
            return Ok(self.delivered(st, ind, w, false));
        }
        // SAFETY: `buf` is zero or the buffer the application passed to this call, BufferLength
        // (`cap`) bytes long, or the fixed size of the C type, which ODBC has it provide.
        let pos = &mut st.getdata;
        let cell = unsafe {
            write_cell_piece(
                row,
                ci,
                ty,
                &rs.values,
                &rs.reading,
                facts,
                c_type,
                buf,
                cap,
                pos.offset,
                &mut pos.wide,
                numeric_shape,
            )
        };
        match cell? {
            CellWrite::Null => {
                if ind == 0 {
                    return Err(OdbcError::new(
                        state_alias::INDICATOR_REQUIRED,
                        "the value is NULL and no indicator was given",
                    ));
                }
                // SAFETY: the indicator the application passed to this call (non-zero here).
                unsafe { appmem::write_len(ind, appmem::NULL_DATA) };
                st.getdata.done = true;
                Ok(Outcome::Success)
            }
            CellWrite::Value(w) => {
                if kept && w.truncated {
                    // More pieces follow: keep the whole rendering for them.
                    let whole = w.total.unwrap_or(0);
                    let mut rendered = std::mem::take(&mut st.getdata_rendered);
                    rendered.clear();
                    rendered.resize(whole + terminator, 0);
                    let mut wide = WideCursor::default();
                    // SAFETY: `rendered` is a buffer of ours, `whole + terminator` bytes long,
                    // that no other reference points into while the call writes it.
                    let again = unsafe {
                        write_cell_piece(
                            row,
                            ci,
                            ty,
                            &rs.values,
                            &rs.reading,
                            facts,
                            c_type,
                            rendered.as_mut_ptr() as usize,
                            rendered.len(),
                            0,
                            &mut wide,
                            numeric_shape,
                        )
                    }?;
                    if let CellWrite::Value(full) = again {
                        rendered.truncate(full.len);
                    }
                    st.getdata_rendered = rendered;
                }
                Ok(self.delivered(st, ind, w, fixed.is_some()))
            }
        }
    }

    /// Reports a delivered piece: the indicator, where the read now stands, and the
    /// truncation warnings.
    #[inline]
    pub(super) fn delivered(
        &self,
        st: &mut StmtState,
        ind: usize,
        w: convert::Written,
        fixed: bool,
    ) -> Outcome {
        let total = w
            .total
            .map_or(appmem::NO_TOTAL, |t| i64::try_from(t).unwrap_or(i64::MAX));
        // SAFETY: zero or the indicator the application passed to this call.
        unsafe { appmem::write_len(ind, total) };
        if fixed {
            st.getdata.done = true;
        } else {
            st.getdata.offset += w.len;
            st.getdata.done = !w.truncated;
        }
        if st.getdata.done && !st.getdata_rendered.is_empty() {
            // The read is over: a kept rendering of a large value is not held on to.
            st.getdata_rendered = Vec::new();
        }
        if w.truncated {
            self.warn(state::STRING_TRUNCATED, "string data, right truncated");
        } else if w.fractional_truncation {
            self.warn(state::FRACTIONAL_TRUNCATION, "fractional truncation");
        }
        Outcome::Success
    }
}
