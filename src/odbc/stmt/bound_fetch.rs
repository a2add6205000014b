//! SQLFetch / SQLFetchScroll: the next rowset, streamed or scrolled, written into the
//! buffers the application bound with SQLBindCol. This is the hot path of bulk reads: the
//! descriptor fields are read once into a [`FetchLayout`] and kept while no descriptor
//! changes, each bound column's conversion is worked out once per fetch ([`CellTarget`]),
//! and a row costs only the conversions of its cells.

use super::cell::{write_cell, write_cell_direct, CellWrite, NumericShape};
use super::{state_alias, Phase, ResultSet, Statement, StmtState};
use crate::engine::pipeline::CallKind;
use crate::engine::session::Fetched;
use crate::odbc::appmem::{self, CountSlot, StatusArray};
use crate::odbc::cancel;
use crate::odbc::convert::{self, c};
use crate::odbc::desc::{self, Descriptor};
use crate::odbc::diag::{state, OdbcError, OdbcResult, Outcome, SqlState};
use crate::odbc::scroll;
use std::sync::Arc;
use tokio_postgres::types::Type;
use tokio_postgres::Row;

/// Row status values (SQL_ROW_*).
pub(super) mod row_status {
    pub const SUCCESS: u16 = 0;
    pub const NOROW: u16 = 3;
    pub const ERROR: u16 = 5;
    pub const SUCCESS_WITH_INFO: u16 = 6;
}

/// What a fetch needs from the statement's ARD and IRD. Kept between fetches while no
/// descriptor changes anywhere ([`desc::changes`]), so that fetching one row at a time
/// takes no descriptor lock.
pub(super) struct FetchLayout {
    /// The descriptor change count it was read at.
    changes: u64,
    /// Which ARD it was read from (the statement's ARD can be swapped).
    ard: usize,
    array_size: usize,
    bind_type: usize,
    bind_offset_ptr: usize,
    /// SQL_ATTR_ROWS_FETCHED_PTR.
    rows_fetched: CountSlot,
    /// SQL_ATTR_ROW_STATUS_PTR.
    row_status: StatusArray,
    /// The bound columns, in column order.
    columns: Vec<BoundColumn>,
    /// Column 0, the bookmark, when bound.
    bookmark: Option<BoundColumn>,
}

/// One bound column of [`FetchLayout`].
#[derive(Clone, Copy)]
struct BoundColumn {
    /// 0-based column index.
    index: usize,
    concise_type: i16,
    octet_length: i64,
    data_ptr: usize,
    indicator_ptr: usize,
    octet_length_ptr: usize,
    /// SQL_DESC_PRECISION / SQL_DESC_SCALE, for SQL_C_NUMERIC.
    precision: i16,
    scale: i16,
}

impl FetchLayout {
    /// Makes `st.layout` current for `st`'s ARD and `ird`: kept when still current, else read
    /// anew.
    fn refresh(st: &mut StmtState, ird: &Descriptor) {
        let changes = desc::changes();
        let ard_addr = Arc::as_ptr(&st.ard) as usize;
        let current = st
            .layout
            .as_ref()
            .is_some_and(|l| l.changes == changes && l.ard == ard_addr);
        if !current {
            // Stamped with the count read before locking: a change made meanwhile shows as a
            // newer count at the next fetch, which then reads again.
            let ard = st.ard.lock();
            let ird = ird.lock();
            let columns = ard
                .records
                .iter()
                .enumerate()
                .filter(|(_, rec)| rec.is_bound())
                .map(|(index, rec)| BoundColumn {
                    index,
                    concise_type: rec.concise_type,
                    octet_length: rec.octet_length,
                    data_ptr: rec.data_ptr,
                    indicator_ptr: rec.indicator_ptr,
                    octet_length_ptr: rec.octet_length_ptr,
                    precision: rec.precision,
                    scale: rec.scale,
                })
                .collect();
            // The IRD's SQL_ATTR_ROWS_FETCHED_PTR and SQL_ATTR_ROW_STATUS_PTR as the
            // application set them: ODBC has it keep them valid while set, the status array
            // with an element per row of the rowset (`array_size`). A layout is read anew at
            // the first fetch after any descriptor change, so it never uses stale ones.
            // SAFETY: as just said.
            let rows_fetched = unsafe { CountSlot::bound(ird.rows_processed_ptr) };
            // SAFETY: as just said.
            let row_status = unsafe { StatusArray::bound(ird.array_status_ptr) };
            let layout = FetchLayout {
                changes,
                ard: ard_addr,
                array_size: usize::try_from(ard.array_size.max(1)).unwrap_or(1),
                bind_type: usize::try_from(ard.bind_type).unwrap_or(0),
                bind_offset_ptr: ard.bind_offset_ptr,
                rows_fetched,
                row_status,
                columns,
                bookmark: ard.bookmark.is_bound().then_some(BoundColumn {
                    index: 0,
                    concise_type: ard.bookmark.concise_type,
                    octet_length: ard.bookmark.octet_length,
                    data_ptr: ard.bookmark.data_ptr,
                    indicator_ptr: ard.bookmark.indicator_ptr,
                    octet_length_ptr: ard.bookmark.octet_length_ptr,
                    precision: 0,
                    scale: 0,
                }),
            };
            drop((ard, ird));
            st.layout = Some(Box::new(layout));
        }
    }
}

/// One bound column as a fetch writes it: the C type resolved against the result's column
/// type, and the element size and strides worked out.
pub(super) struct CellTarget {
    rec: BoundColumn,
    type_oid: u32,
    c_type: i16,
    /// The column is the `lo` type's: the large object is read (see `large_objects`).
    large_object: bool,
    /// The column's type is one [`convert::write_direct`] may read (see `write_cell_direct`).
    direct: bool,
    /// Bytes of one element of the data buffer.
    elem: usize,
    stride_data: usize,
    stride_len: usize,
}

impl CellTarget {
    #[inline]
    fn new(rec: &BoundColumn, ty: &Type, bind_type: usize) -> CellTarget {
        let c_type = if rec.concise_type == c::DEFAULT {
            convert::default_c_type(ty)
        } else {
            rec.concise_type
        };
        let elem = convert::fixed_size(c_type)
            .unwrap_or_else(|| usize::try_from(rec.octet_length).unwrap_or(0));
        let (stride_data, stride_len) = if bind_type > 0 {
            (bind_type, bind_type)
        } else {
            (elem, std::mem::size_of::<isize>())
        };
        CellTarget {
            rec: *rec,
            type_oid: ty.oid(),
            c_type,
            large_object: crate::odbc::types::is_large_object(ty),
            direct: convert::reads_directly(ty.oid()),
            elem,
            stride_data,
            stride_len,
        }
    }
}

impl Statement {
    /// SQLFetch: the next rowset into the bound columns.
    pub fn fetch(&self) -> OdbcResult<Outcome> {
        self.fetch_scroll(scroll::orientation::NEXT, 0)
    }

    /// SQLFetchScroll / SQLExtendedFetch: forward-only cursors stream NEXT only; static
    /// cursors move over the rows they hold.
    pub fn fetch_scroll(&self, orientation: i16, offset: i64) -> OdbcResult<Outcome> {
        let mut st = self.state.lock();
        let st = &mut *st;
        if st.result.is_none() {
            // After a statement that ran without a result set psqlODBC answers SQL_NO_DATA,
            // and programs written against it loop on SQLFetch after any statement.
            if st.phase == Phase::Executed {
                return Ok(Outcome::NoData);
            }
            return Err(OdbcError::new(
                state::INVALID_CURSOR_STATE,
                "no result set is open",
            ));
        }
        if self.cursor_is_stale(st) {
            // Its rows were streaming from a session failover replaced; the new session knows
            // nothing of them, so reading on would look like a silent end of data.
            self.close_locked(st);
            return Err(OdbcError::new(
                SqlState::new("08S02"),
                "the connection failed over after this result set was opened; its remaining rows are lost: execute the statement again",
            ));
        }
        // SQL_FETCH_BOOKMARK is SQL_FETCH_ABSOLUTE at the bookmark's row plus the offset.
        let (orientation, offset) = if orientation == scroll::orientation::BOOKMARK {
            if st.attrs.use_bookmarks == super::bookmarks::BOOKMARKS_OFF {
                return Err(OdbcError::new(
                    state::INVALID_FETCH_ORIENTATION,
                    "SQL_FETCH_BOOKMARK needs SQL_ATTR_USE_BOOKMARKS",
                ));
            }
            // SAFETY: SQL_ATTR_FETCH_BOOKMARK_PTR as the application set it: null or a
            // bookmark it got from this cursor (4 bytes).
            let bookmark = unsafe { super::bookmarks::read_bookmark(st.attrs.fetch_bookmark_ptr) }?;
            let row = i64::try_from(bookmark)
                .ok()
                .filter(|&b| b > 0)
                .and_then(|b| b.checked_add(offset))
                .ok_or_else(|| OdbcError::new(SqlState::new("HY111"), "invalid bookmark value"))?;
            (scroll::orientation::ABSOLUTE, row)
        } else {
            (orientation, offset)
        };
        // Taken out for the fetch (and put back at every return) so that it can be read
        // while the rest of the statement state changes.
        FetchLayout::refresh(st, &self.ird);
        let Some(layout) = st.layout.take() else {
            return Err(OdbcError::new(state::GENERAL, "no fetch layout"));
        };
        let outcome = self.fetch_with_layout(st, &layout, orientation, offset);
        st.layout = Some(layout);
        outcome
    }

    fn fetch_with_layout(
        &self,
        st: &mut StmtState,
        layout: &FetchLayout,
        orientation: i16,
        offset: i64,
    ) -> OdbcResult<Outcome> {
        let FetchLayout {
            array_size,
            bind_type,
            bind_offset_ptr,
            rows_fetched,
            row_status,
            ..
        } = *layout;
        let max_rows = st.attrs.max_rows;
        let timeout_secs = st.attrs.query_timeout_secs;
        st.getdata.reset();
        // A keyset-driven cursor reads its rowset's rows anew by their keys.
        let mut keyset_statuses = Vec::new();
        if st.result.as_ref().is_some_and(|rs| rs.keyset.is_some()) {
            let fetched = self.fetch_keyset(st, orientation, offset, array_size as u64)?;
            if fetched.before_start {
                self.warn(
                    state_alias::FETCH_BEFORE_START,
                    "the fetch would start before the first row: the first rowset was returned",
                );
            }
            keyset_statuses = fetched.statuses;
            if let Some(rs) = st.result.as_mut() {
                rs.rowset = fetched.rows;
            }
        }
        let Some(rs) = st.result.as_mut() else {
            return Err(OdbcError::new(
                state::INVALID_CURSOR_STATE,
                "no result set is open",
            ));
        };
        let streaming = rs.scroll.is_none() && rs.keyset.is_none();
        if rs.keyset.is_some() {
            // Read above.
        } else if let Some(rows) = rs.scroll.as_mut() {
            rs.rowset.clear();
            let (rowset, before_start) = rows.scroll(orientation, offset, array_size as u64)?;
            rs.rowset = rowset;
            if before_start {
                self.warn(
                    state_alias::FETCH_BEFORE_START,
                    "the fetch would start before the first row: the first rowset was returned",
                );
            }
        } else if orientation != scroll::orientation::NEXT {
            return Err(OdbcError::new(
                state::INVALID_FETCH_ORIENTATION,
                "only SQL_FETCH_NEXT is supported on a forward-only cursor",
            ));
        } else {
            rs.rowset.clear();
        }
        let mut wanted = array_size;
        if max_rows > 0 {
            let left = max_rows.saturating_sub(rs.delivered);
            wanted = wanted.min(usize::try_from(left).unwrap_or(usize::MAX));
        }
        while streaming && rs.rowset.len() < wanted {
            if let Some(row) = rs.buffer.pop_front() {
                rs.rowset.push(row);
                continue;
            }
            if rs.ended {
                break;
            }
            let mut cs = self.conn.state.lock();
            let batch = cs.fetch_batch.max(wanted - rs.rowset.len());
            let id = self.id;
            let buffer = &mut rs.buffer;
            let running = cancel::begin(id, cs.session_opt().map(|s| s.canceller()), timeout_secs);
            match running
                .finish(cs.call(CallKind::Fetch, |session| session.fetch(id, batch, buffer)))?
            {
                Fetched::More => {}
                Fetched::End { rows_affected } => {
                    rs.ended = true;
                    if let Some(n) = rows_affected {
                        st.row_count = i64::try_from(n).unwrap_or(i64::MAX);
                    }
                }
            }
        }
        let fetched = rs.rowset.len();
        rs.delivered += fetched as u64;
        rows_fetched.set(fetched as u64);
        if fetched == 0 {
            for i in 0..array_size {
                row_status.set(i, row_status::NOROW);
            }
            return Ok(Outcome::NoData);
        }
        // SAFETY: SQL_ATTR_ROW_BIND_OFFSET_PTR as the application bound it (zero or a
        // readable SQLLEN, kept valid while bound).
        let offset = unsafe { appmem::bind_offset(bind_offset_ptr) };
        let mut errors = 0usize;
        let mut first_error: Option<OdbcError> = None;
        // What every row repeats per bound column, worked out once per fetch (in a buffer the
        // statement keeps, so a fetch allocates nothing).
        let targets = &mut st.cell_targets;
        fill_targets(targets, layout, &rs.types, bind_type);
        for (r, row) in rs.rowset.iter().enumerate() {
            // A keyset row another transaction deleted has no values to write.
            let keyset_status = keyset_statuses.get(r).copied();
            if keyset_status == Some(super::keyset::ROW_DELETED) {
                row_status.set(r, super::keyset::ROW_DELETED);
                continue;
            }
            let (mut status, error) = self.write_bound_row(rs, targets, r, row, offset);
            if status == row_status::SUCCESS && keyset_status == Some(super::keyset::ROW_UPDATED) {
                status = super::keyset::ROW_UPDATED;
            }
            if status == row_status::ERROR {
                errors += 1;
            }
            if let Some(e) = error {
                first_error.get_or_insert(e);
            }
            row_status.set(r, status);
        }
        if let Some(bookmark) = layout.bookmark.as_ref() {
            let first = rs.row_number();
            for r in 0..fetched {
                write_bookmark_at(bookmark, bind_type, offset, r, first + r as u64)?;
            }
        }
        for r in fetched..array_size {
            row_status.set(r, row_status::NOROW);
        }
        if let Some(e) = first_error {
            if array_size == 1 || errors == fetched {
                return Err(e);
            }
            self.diag.lock().push_error(&e);
        }
        Ok(Outcome::Success)
    }

    /// Writes row `r` of the rowset (`row`) into the bound buffers: its status (SQL_ROW_*)
    /// and the first error of its cells. Warnings are recorded as they happen.
    #[inline(always)]
    fn write_bound_row(
        &self,
        rs: &ResultSet,
        targets: &[CellTarget],
        r: usize,
        row: &Row,
        offset: usize,
    ) -> (u16, Option<OdbcError>) {
        let mut status = row_status::SUCCESS;
        let mut first_error: Option<OdbcError> = None;
        for t in targets.iter() {
            let (ci, rec) = (t.rec.index, &t.rec);
            let data = if rec.data_ptr != 0 {
                rec.data_ptr + offset + r * t.stride_data
            } else {
                0
            };
            let ind = if rec.indicator_ptr != 0 {
                rec.indicator_ptr + offset + r * t.stride_len
            } else {
                0
            };
            let len = if rec.octet_length_ptr != 0 {
                rec.octet_length_ptr + offset + r * t.stride_len
            } else {
                0
            };
            // An `lo` column's buffer gets the large object's bytes, not the oid (the rare
            // case, kept out of the common path's way).
            // Numbers and text into their own C types first, without the general path's checks.
            let direct = if t.direct && data != 0 && !rs.reading.changes_values() {
                // SAFETY: `data` is row `r`'s element of the column's buffer (non-zero here),
                // as for `write_cell` below.
                unsafe { write_cell_direct(row, ci, t.type_oid, t.c_type, data, t.elem) }
            } else {
                None
            };
            let cell = if let Some(cell) = direct {
                Ok(cell)
            } else if t.large_object {
                // SAFETY: as for `write_cell` below.
                unsafe { self.large_object_cell(row, ci, t.c_type, data, t.elem) }
            } else {
                // SAFETY: `data` is zero or row `r`'s element of the column's buffer, which the
                // application bound (SQLBindCol) with room for `array_size` elements of `elem`
                // bytes at this offset and stride, and which no Rust reference points into.
                unsafe {
                    write_cell(
                        row,
                        ci,
                        &rs.types[ci],
                        &rs.values,
                        &rs.reading,
                        t.type_oid,
                        t.c_type,
                        data,
                        t.elem,
                        0,
                        NumericShape::of(t.c_type, rec.precision, rec.scale),
                    )
                }
            };
            match cell {
                Ok(CellWrite::Null) => {
                    if ind == 0 {
                        status = row_status::ERROR;
                        first_error.get_or_insert_with(|| {
                            OdbcError::new(
                                state_alias::INDICATOR_REQUIRED,
                                format!("column {} is NULL and no indicator was bound", ci + 1),
                            )
                        });
                    } else {
                        // SAFETY: row `r`'s element of the bound indicator array (non-zero
                        // here), at the same offset and stride as the data.
                        unsafe { appmem::write_len(ind, appmem::NULL_DATA) };
                    }
                }
                Ok(CellWrite::Value(w)) => {
                    let total = w
                        .total
                        .map_or(appmem::NO_TOTAL, |t| i64::try_from(t).unwrap_or(i64::MAX));
                    // SAFETY: zero or row `r`'s element of the bound indicator and length
                    // arrays, at the same offset and stride as the data.
                    unsafe {
                        appmem::write_len(ind, total);
                        if len != ind {
                            appmem::write_len(len, total);
                        }
                    }
                    if w.truncated {
                        status = row_status::SUCCESS_WITH_INFO;
                        self.warn(
                            state::STRING_TRUNCATED,
                            format!(
                                "string data, right truncated (column {}, row {})",
                                ci + 1,
                                r + 1
                            ),
                        );
                    } else if w.fractional_truncation {
                        status = row_status::SUCCESS_WITH_INFO;
                        self.warn(
                            state::FRACTIONAL_TRUNCATION,
                            format!("fractional truncation (column {}, row {})", ci + 1, r + 1),
                        );
                    }
                }
                Err(e) => {
                    status = row_status::ERROR;
                    let mut err = e;
                    err.message = format!("{} (column {}, row {})", err.message, ci + 1, r + 1);
                    first_error.get_or_insert(err);
                }
            }
        }
        (status, first_error)
    }

    /// Writes `row` into element `r` of the bound buffers (a row SQLSetPos or
    /// SQLBulkOperations read anew) and sets that entry of the row status array to `status`;
    /// an error of its cells is returned.
    pub(super) fn rewrite_bound_row(
        &self,
        st: &mut StmtState,
        r: usize,
        row: &Row,
        status: u16,
    ) -> OdbcResult<()> {
        FetchLayout::refresh(st, &self.ird);
        let Some(layout) = st.layout.as_ref() else {
            return Ok(());
        };
        let Some(rs) = st.result.as_ref() else {
            return Ok(());
        };
        // SAFETY: SQL_ATTR_ROW_BIND_OFFSET_PTR as the application bound it (zero or a
        // readable SQLLEN, kept valid while bound).
        let offset = unsafe { appmem::bind_offset(layout.bind_offset_ptr) };
        let targets = &mut st.cell_targets;
        fill_targets(targets, layout, &rs.types, layout.bind_type);
        let (written, error) = self.write_bound_row(rs, targets, r, row, offset);
        layout.row_status.set(
            r,
            if written == row_status::SUCCESS {
                status
            } else {
                written
            },
        );
        error.map_or(Ok(()), Err)
    }
}

/// The bound columns of `layout` that `types` has, as a fetch writes them.
fn fill_targets(
    targets: &mut Vec<CellTarget>,
    layout: &FetchLayout,
    types: &[Type],
    bind_type: usize,
) {
    // Reading column by column (SQLGetData) binds nothing: nothing to clear or fill.
    if layout.columns.is_empty() && targets.is_empty() {
        return;
    }
    targets.clear();
    targets.extend(
        layout
            .columns
            .iter()
            .filter(|rec| rec.index < types.len())
            .map(|rec| CellTarget::new(rec, &types[rec.index], bind_type)),
    );
}

/// Writes bookmark `number` into element `r` of the bound column 0.
fn write_bookmark_at(
    bookmark: &BoundColumn,
    bind_type: usize,
    offset: usize,
    r: usize,
    number: u64,
) -> OdbcResult<()> {
    let elem = convert::fixed_size(bookmark.concise_type)
        .unwrap_or_else(|| usize::try_from(bookmark.octet_length).unwrap_or(0));
    let (stride_data, stride_len) = if bind_type > 0 {
        (bind_type, bind_type)
    } else {
        (elem, std::mem::size_of::<isize>())
    };
    let at = |base: usize, stride: usize| {
        if base == 0 {
            0
        } else {
            base + offset + r * stride
        }
    };
    // SAFETY: element `r` of the column 0 buffer, indicator and length the application bound
    // with SQLBindCol, with room for the rowset at this offset and stride.
    unsafe {
        super::bookmarks::write_bookmark(
            number,
            bookmark.concise_type,
            at(bookmark.data_ptr, stride_data),
            elem,
            at(bookmark.indicator_ptr, stride_len),
            at(bookmark.octet_length_ptr, stride_len),
        )
    }
    .map(|_| ())
}
