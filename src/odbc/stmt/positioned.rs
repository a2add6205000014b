//! SQLSetPos: positioning in the rowset, and through an updatable cursor (see
//! [`crate::odbc::updatable`]) refreshing, updating and deleting rows where they are. Each row
//! is found again by its ctid in the table that holds it and checked by its xmin, so a row
//! another transaction changed or deleted since the fetch is reported (01001, SQL_ROW_ERROR)
//! and never overwritten.

use super::bound_fetch::row_status;
use super::execute::begin_statement;
use super::get_data::GetDataPos;
use super::{Statement, StmtState};
use crate::engine::pipeline::CallKind;
use crate::engine::session::{self, Executed, Fetched};
use crate::odbc::appmem::{self, StatusArray};
use crate::odbc::conn::ConnState;
use crate::odbc::convert::{self, c};
use crate::odbc::diag::{state, OdbcError, OdbcResult, Outcome, SqlState};
use crate::odbc::sqltext::split_statements;
use crate::odbc::updatable::{quote_identifier, HIDDEN_COLUMNS};
use std::collections::VecDeque;
use tokio_postgres::Row;

/// SQLSetPos operations.
mod operation {
    pub const POSITION: u16 = 0;
    pub const REFRESH: u16 = 1;
    pub const UPDATE: u16 = 2;
    pub const DELETE: u16 = 3;
    pub const ADD: u16 = 4;
}

/// SQL_LOCK_NO_CHANGE: the only lock type (rows are checked by version, never locked).
const LOCK_NO_CHANGE: u16 = 0;
/// SQL_ROW_DELETED / SQL_ROW_UPDATED in the row status array.
const ROW_DELETED: u16 = 1;
const ROW_UPDATED: u16 = 2;
/// SQL_ROW_IGNORE in the row operation array.
const ROW_IGNORE: u16 = 1;
/// SQL_COLUMN_IGNORE as a bound column's length: the column is left as it is.
const COLUMN_IGNORE: i64 = -6;

/// 01001: the operation changed no row (another transaction changed or deleted it).
const CURSOR_OPERATION_CONFLICT: SqlState = SqlState::new("01001");
/// 34000: a positioned statement names no cursor of the connection.
const INVALID_CURSOR_NAME: SqlState = SqlState::new("34000");
/// How long a positioned statement waits for the statement holding its cursor.
const SIBLING_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// HY092: an update or delete through a read-only cursor.
const READ_ONLY_CURSOR: SqlState = SqlState::new("HY092");

/// SQLBulkOperations operations.
mod bulk {
    pub const ADD: u16 = 4;
    pub const UPDATE_BY_BOOKMARK: u16 = 5;
    pub const DELETE_BY_BOOKMARK: u16 = 6;
    pub const FETCH_BY_BOOKMARK: u16 = 7;
}

/// SQL_ROW_ADDED in the row status array.
const ROW_ADDED: u16 = 4;
/// HY111: a bookmark that names no row of the cursor.
const INVALID_BOOKMARK: SqlState = SqlState::new("HY111");

/// The bound column 0 (bookmarks) as SQLBulkOperations reads and writes it.
struct BookmarkColumn {
    /// Element 0's address (the bind offset applied), or 0 when not bound.
    data: usize,
    stride: usize,
    c_type: i16,
    elem: usize,
    indicator: usize,
    len_stride: usize,
}

/// Which of the cursor's rows an operation is on.
#[derive(Debug, Clone, Copy)]
enum Place {
    /// Row `i` (0-based) of the current rowset (SQLSetPos).
    Rowset(usize),
    /// Row `k` (0-based) of the whole result (a bookmark's, SQLBulkOperations).
    Result(usize),
}

/// An operation's row, and the element of the bound buffers and row status array it uses.
#[derive(Debug, Clone, Copy)]
struct Target {
    place: Place,
    buffer_row: usize,
}

/// A row's values from the bound buffers, ready for an UPDATE's SET or an INSERT.
struct BoundValues {
    /// The quoted column names, in bound-column order.
    columns: Vec<String>,
    values: Vec<Option<String>>,
    param_types: Vec<u32>,
    /// The table the columns are of.
    table: Option<u32>,
}

impl BoundValues {
    /// `"column" = $1, ...`
    fn assignments(&self) -> String {
        self.columns
            .iter()
            .enumerate()
            .map(|(k, c)| format!("{c} = ${}", k + 1))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Where a fetched row lies: its ctid, the version (xmin) it was read at, and its table.
struct RowIdentity {
    ctid: String,
    xmin: String,
    table: String,
}

impl RowIdentity {
    /// The hidden columns after the `visible` ones of an updatable cursor's row.
    fn of(row: &Row, visible: usize) -> OdbcResult<RowIdentity> {
        let text = |k: usize| {
            session::raw_value(row, visible + k)
                .and_then(|raw| std::str::from_utf8(raw).ok())
                .map(str::to_string)
                .ok_or_else(|| OdbcError::new(state::GENERAL, "the row's identity was not read"))
        };
        Ok(RowIdentity {
            ctid: text(0)?,
            xmin: text(1)?,
            table: text(2)?,
        })
    }
}

impl Statement {
    /// SQLSetPos on row `row` of the rowset (1-based; 0: every row, skipping those the row
    /// operation array marks SQL_ROW_IGNORE). SQL_POSITION makes the row the one SQLGetData
    /// reads; SQL_REFRESH, SQL_UPDATE and SQL_DELETE need an updatable cursor.
    pub fn set_pos(&self, row: u64, op: u16, lock: u16) -> OdbcResult<Outcome> {
        let mut st = self.state.lock();
        let Some(rs) = st.result.as_ref() else {
            return Err(OdbcError::new(
                state::INVALID_CURSOR_STATE,
                "no result set is open",
            ));
        };
        if rs.rowset.is_empty() {
            return Err(OdbcError::new(
                state::INVALID_CURSOR_STATE,
                "no rowset has been fetched",
            ));
        }
        if lock != LOCK_NO_CHANGE {
            return Err(OdbcError::new(
                state::DRIVER_NOT_CAPABLE,
                "SQLSetPos supports SQL_LOCK_NO_CHANGE only (rows are checked by version, not locked)",
            ));
        }
        let fetched = rs.rowset.len();
        let rows: Vec<usize> = if row == 0 {
            if op == operation::POSITION {
                return Err(OdbcError::new(
                    state::DRIVER_NOT_CAPABLE,
                    "SQLSetPos cannot position on every row at once (RowNumber 0)",
                ));
            }
            // SAFETY: SQL_ATTR_ROW_OPERATION_PTR as the application set it, with an element
            // per row of the rowset (ODBC has it keep the array valid while set).
            let operations = unsafe { StatusArray::bound(st.ard.lock().array_status_ptr) };
            (0..fetched)
                .filter(|&i| operations.get(i) != ROW_IGNORE)
                .collect()
        } else {
            let index = usize::try_from(row - 1)
                .ok()
                .filter(|i| *i < fetched)
                .ok_or_else(|| {
                    OdbcError::new(
                        state::INVALID_ROW,
                        format!("row {row} is not in the rowset, which holds {fetched} rows"),
                    )
                })?;
            vec![index]
        };
        match op {
            operation::POSITION => {}
            operation::REFRESH | operation::UPDATE | operation::DELETE => {
                // Reading a row again needs only its identity (a read-only keyset cursor
                // has it); changing it needs an updatable cursor.
                let allowed =
                    st.updatable.is_some() && (st.cursor_updates || op == operation::REFRESH);
                if !allowed {
                    return Err(OdbcError::new(
                        READ_ONLY_CURSOR,
                        "the cursor is read-only: set SQL_ATTR_CONCURRENCY to SQL_CONCUR_ROWVER (or VALUES) before executing a SELECT of one table",
                    ));
                }
                for &i in &rows {
                    let target = Target {
                        place: Place::Rowset(i),
                        buffer_row: i,
                    };
                    match op {
                        operation::REFRESH => self.refresh_row(&mut st, target)?,
                        operation::UPDATE => self.update_row(&mut st, target)?,
                        _ => self.delete_row(&mut st, target)?,
                    }
                }
            }
            operation::ADD => {
                return Err(OdbcError::new(
                    state::DRIVER_NOT_CAPABLE,
                    "SQLSetPos does not add rows",
                ))
            }
            other => {
                return Err(OdbcError::new(
                    READ_ONLY_CURSOR,
                    format!("{other} is not an SQLSetPos operation"),
                ))
            }
        }
        if let [only] = rows.as_slice() {
            st.getdata = GetDataPos {
                row: *only,
                ..GetDataPos::default()
            };
        }
        Ok(Outcome::Success)
    }

    /// SQLBulkOperations: SQL_ADD inserts the rows of the bound buffers into the cursor's
    /// table (each becomes a row of the cursor, its bookmark written to column 0);
    /// SQL_UPDATE_BY_BOOKMARK, SQL_DELETE_BY_BOOKMARK and SQL_FETCH_BY_BOOKMARK act on the
    /// rows whose bookmarks the bound column 0 holds. Every element of the rowset-sized
    /// buffers is used, but those the row operation array marks SQL_ROW_IGNORE.
    pub fn bulk_operations(&self, op: u16) -> OdbcResult<Outcome> {
        let mut st = self.state.lock();
        if st.result.is_none() {
            return Err(OdbcError::new(
                state::INVALID_CURSOR_STATE,
                "no result set is open",
            ));
        }
        if st.updatable.is_none() || !st.cursor_updates {
            return Err(OdbcError::new(
                READ_ONLY_CURSOR,
                "the cursor is read-only: set SQL_ATTR_CONCURRENCY to SQL_CONCUR_ROWVER (or VALUES) before executing a SELECT of one table",
            ));
        }
        let by_bookmark = matches!(
            op,
            bulk::UPDATE_BY_BOOKMARK | bulk::DELETE_BY_BOOKMARK | bulk::FETCH_BY_BOOKMARK
        );
        if op != bulk::ADD && !by_bookmark {
            return Err(OdbcError::new(
                READ_ONLY_CURSOR,
                format!("{op} is not an SQLBulkOperations operation"),
            ));
        }
        if by_bookmark && st.attrs.use_bookmarks == super::bookmarks::BOOKMARKS_OFF {
            return Err(OdbcError::new(
                READ_ONLY_CURSOR,
                "operations by bookmark need SQL_ATTR_USE_BOOKMARKS",
            ));
        }
        let (size, operations, bookmark) = {
            let ard = st.ard.lock();
            // SAFETY: SQL_ATTR_ROW_OPERATION_PTR as the application set it, with an element
            // per row of the rowset (ODBC has it keep the array valid while set).
            let operations = unsafe { StatusArray::bound(ard.array_status_ptr) };
            let size = usize::try_from(ard.array_size.max(1)).unwrap_or(1);
            // SAFETY: as above, for SQL_ATTR_ROW_BIND_OFFSET_PTR.
            let offset = unsafe { appmem::bind_offset(ard.bind_offset_ptr) };
            let bind_type = usize::try_from(ard.bind_type).unwrap_or(0);
            let b = &ard.bookmark;
            let elem = convert::fixed_size(b.concise_type)
                .unwrap_or_else(|| usize::try_from(b.octet_length).unwrap_or(0));
            let stride = if bind_type > 0 { bind_type } else { elem };
            let bookmark = BookmarkColumn {
                data: if b.data_ptr == 0 {
                    0
                } else {
                    b.data_ptr + offset
                },
                stride,
                c_type: b.concise_type,
                elem,
                indicator: if b.indicator_ptr == 0 {
                    0
                } else {
                    b.indicator_ptr + offset
                },
                len_stride: if bind_type > 0 {
                    bind_type
                } else {
                    std::mem::size_of::<isize>()
                },
            };
            (size, operations, bookmark)
        };
        if by_bookmark && bookmark.data == 0 {
            return Err(OdbcError::new(
                state::INVALID_DESCRIPTOR_INDEX,
                "operations by bookmark read the bookmarks bound to column 0: bind it",
            ));
        }
        for r in (0..size).filter(|&r| operations.get(r) != ROW_IGNORE) {
            if op == bulk::ADD {
                self.add_row(&mut st, r, &bookmark)?;
                continue;
            }
            // SAFETY: element `r` of the column 0 buffer the application bound for the
            // rowset; a bookmark is 4 bytes.
            let number =
                unsafe { super::bookmarks::read_bookmark(bookmark.data + r * bookmark.stride) }?;
            let rows = st.result.as_ref().map_or(0, |rs| {
                rs.scroll
                    .as_ref()
                    .map(|rows| rows.len())
                    .or_else(|| rs.keyset.as_ref().map(|keyset| keyset.len()))
                    .unwrap_or(0)
            });
            let k = number
                .checked_sub(1)
                .filter(|&k| k < rows)
                .and_then(|k| usize::try_from(k).ok())
                .ok_or_else(|| {
                    OdbcError::new(
                        INVALID_BOOKMARK,
                        format!("bookmark {number} names no row of the cursor"),
                    )
                })?;
            let target = Target {
                place: Place::Result(k),
                buffer_row: r,
            };
            match op {
                bulk::UPDATE_BY_BOOKMARK => self.update_row(&mut st, target)?,
                bulk::DELETE_BY_BOOKMARK => self.delete_row(&mut st, target)?,
                _ => self.refresh_row(&mut st, target)?,
            }
        }
        Ok(Outcome::Success)
    }

    /// SQL_ADD of element `r` of the bound buffers: an INSERT into the cursor's table; the
    /// new row joins the cursor (its bookmark is the next row number).
    fn add_row(&self, st: &mut StmtState, r: usize, bookmark: &BookmarkColumn) -> OdbcResult<()> {
        let bound = self.bound_values(st, r)?;
        let relation = bound
            .table
            .and_then(|oid| self.relation(oid))
            .ok_or_else(|| OdbcError::new(state::GENERAL, "the cursor's table is not known"))?;
        let placeholders: Vec<String> = (1..=bound.values.len()).map(|k| format!("${k}")).collect();
        let sql = format!(
            "INSERT INTO {relation} ({}) VALUES ({}) RETURNING ctid::text, tableoid::text",
            bound.columns.join(", "),
            placeholders.join(", ")
        );
        let (rows, _) = self.run_own(st, &sql, &bound.param_types, &bound.values)?;
        let text = |k: usize| {
            rows.first()
                .and_then(|row| session::raw_value(row, k))
                .and_then(|raw| std::str::from_utf8(raw).ok())
                .map(str::to_string)
        };
        let (Some(ctid), Some(table)) = (text(0), text(1)) else {
            return Err(OdbcError::new(
                state::GENERAL,
                "the added row was not returned",
            ));
        };
        let fresh = self.read_row(st, &ctid, &table, &relation)?;
        // The new row joins the cursor: a static cursor's rows, or a keyset's keys.
        let visible = self.visible_columns(st);
        let number = match (fresh, st.result.as_mut()) {
            (Some(row), Some(rs)) => match (rs.scroll.as_mut(), rs.keyset.as_mut()) {
                (Some(rows), _) => {
                    rows.push(row);
                    rows.len()
                }
                (None, Some(keyset)) => {
                    keyset.push(super::keyset::key_of(&row, visible)?);
                    keyset.len()
                }
                (None, None) => 0,
            },
            _ => 0,
        };
        self.row_status(st).set(r, ROW_ADDED);
        if number > 0 && bookmark.data != 0 {
            let ind = if bookmark.indicator == 0 {
                0
            } else {
                bookmark.indicator + r * bookmark.len_stride
            };
            // SAFETY: element `r` of the column 0 buffer and indicator the application bound.
            unsafe {
                super::bookmarks::write_bookmark(
                    number,
                    bookmark.c_type,
                    bookmark.data + r * bookmark.stride,
                    bookmark.elem,
                    ind,
                    ind,
                )
            }?;
        }
        Ok(())
    }

    /// SQL_REFRESH (and SQL_FETCH_BY_BOOKMARK) of a row: reads it again into the cursor and
    /// the bound buffers; SQL_ROW_UPDATED when another transaction changed it,
    /// SQL_ROW_DELETED when it is gone.
    fn refresh_row(&self, st: &mut StmtState, target: Target) -> OdbcResult<()> {
        let (identity, relation) = self.identity(st, target.place)?;
        match self.read_row(st, &identity.ctid, &identity.table, &relation)? {
            Some(fresh) => {
                let visible = self.visible_columns(st);
                let changed = RowIdentity::of(&fresh, visible)?.xmin != identity.xmin;
                self.replace_row(st, target.place, fresh.clone());
                let status = if changed {
                    ROW_UPDATED
                } else {
                    row_status::SUCCESS
                };
                self.rewrite_bound_row(st, target.buffer_row, &fresh, status)
            }
            None => {
                self.row_status(st).set(target.buffer_row, ROW_DELETED);
                Ok(())
            }
        }
    }

    /// The bound buffers' values of element `i`: the table columns bound (columns bound with
    /// SQL_COLUMN_IGNORE, and expressions, are left out), their values and types.
    fn bound_values(&self, st: &mut StmtState, i: usize) -> OdbcResult<BoundValues> {
        let cols = self.described_columns(st)?;
        let types: Vec<tokio_postgres::types::Type> = st
            .result
            .as_ref()
            .map(|rs| rs.types.clone())
            .unwrap_or_default();
        let mut columns = Vec::new();
        let mut values: Vec<Option<String>> = Vec::new();
        let mut param_types = Vec::new();
        let mut table = None;
        {
            let ard = st.ard.lock();
            // SAFETY: SQL_ATTR_ROW_BIND_OFFSET_PTR as the application bound it (zero or a
            // readable SQLLEN, kept valid while bound).
            let offset = unsafe { appmem::bind_offset(ard.bind_offset_ptr) };
            let bind_type = usize::try_from(ard.bind_type).unwrap_or(0);
            for (j, col) in cols.iter().enumerate() {
                let Some(rec) = ard.record(j + 1).filter(|r| r.is_bound()) else {
                    continue;
                };
                if col.table_oid.is_none() || col.base_column_name.is_empty() {
                    continue;
                }
                let Some(ty) = types.get(j) else {
                    continue;
                };
                let c_type = if rec.concise_type == c::DEFAULT {
                    convert::default_c_type(ty)
                } else {
                    rec.concise_type
                };
                let Some(cell) = bound_cell(rec, c_type, i, offset, bind_type) else {
                    continue;
                };
                let value = match cell {
                    Some(bytes) => {
                        Some(self.param_text(c_type, col.sql_type, &bytes, j + 1, false)?)
                    }
                    None => None,
                };
                // An `lo` column is written as a new large object holding the bytes.
                let value = match value {
                    Some(text) if crate::odbc::types::is_large_object(ty) => {
                        Some(self.large_object_from(&text, j + 1)?)
                    }
                    other => other,
                };
                columns.push(quote_identifier(&col.base_column_name));
                table = table.or(col.table_oid);
                values.push(value);
                param_types.push(ty.oid());
            }
        }
        if columns.is_empty() {
            return Err(OdbcError::new(
                state::GENERAL,
                "no bound column of the row is a table column to write",
            ));
        }
        Ok(BoundValues {
            columns,
            values,
            param_types,
            table,
        })
    }

    /// SQL_UPDATE of a row from its bound buffers.
    fn update_row(&self, st: &mut StmtState, target: Target) -> OdbcResult<()> {
        let (identity, relation) = self.identity(st, target.place)?;
        let bound = self.bound_values(st, target.buffer_row)?;
        let n = bound.values.len();
        let sql = format!(
            "UPDATE {relation} SET {} WHERE ctid = ${}::tid AND xmin = ${}::xid RETURNING ctid::text",
            bound.assignments(),
            n + 1,
            n + 2
        );
        let BoundValues {
            mut values,
            mut param_types,
            ..
        } = bound;
        values.push(Some(identity.ctid.clone()));
        values.push(Some(identity.xmin.clone()));
        param_types.extend([0, 0]);
        let (rows, _) = self.run_own(st, &sql, &param_types, &values)?;
        let new_ctid = rows
            .first()
            .and_then(|r| session::raw_value(r, 0))
            .and_then(|raw| std::str::from_utf8(raw).ok())
            .map(str::to_string);
        let Some(new_ctid) = new_ctid else {
            self.conflict(st, target.buffer_row, "updated");
            return Ok(());
        };
        if let Some(fresh) = self.read_row(st, &new_ctid, &identity.table, &relation)? {
            self.replace_row(st, target.place, fresh);
        }
        self.row_status(st).set(target.buffer_row, ROW_UPDATED);
        Ok(())
    }

    /// SQL_DELETE of a row.
    fn delete_row(&self, st: &mut StmtState, target: Target) -> OdbcResult<()> {
        let i = target.buffer_row;
        let (identity, relation) = self.identity(st, target.place)?;
        let sql = format!("DELETE FROM {relation} WHERE ctid = $1::tid AND xmin = $2::xid");
        let (_, affected) = self.run_own(
            st,
            &sql,
            &[0, 0],
            &[Some(identity.ctid), Some(identity.xmin)],
        )?;
        if affected == Some(0) {
            self.conflict(st, i, "deleted");
        } else {
            self.row_status(st).set(i, ROW_DELETED);
        }
        Ok(())
    }

    /// A row another transaction changed or deleted since the fetch: 01001, SQL_ROW_ERROR.
    fn conflict(&self, st: &StmtState, i: usize, what: &str) {
        self.row_status(st).set(i, row_status::ERROR);
        self.warn(
            CURSOR_OPERATION_CONFLICT,
            format!(
                "row {} was not {what}: another transaction changed or deleted it since it was fetched",
                i + 1
            ),
        );
    }

    /// The row status array (SQL_ATTR_ROW_STATUS_PTR) as the application set it.
    fn row_status(&self, _st: &StmtState) -> StatusArray {
        // SAFETY: SQL_ATTR_ROW_STATUS_PTR as the application set it, with an element per row
        // of the rowset (ODBC has it keep the array valid while set).
        unsafe { StatusArray::bound(self.ird.lock().array_status_ptr) }
    }

    fn visible_columns(&self, st: &StmtState) -> usize {
        st.result.as_ref().map_or(0, |rs| rs.columns.len())
    }

    /// The cursor's row at `place`.
    fn row_at(st: &StmtState, place: Place) -> Option<&Row> {
        let rs = st.result.as_ref()?;
        match place {
            Place::Rowset(i) => rs.rowset.get(i),
            Place::Result(k) => rs.scroll.as_ref()?.rows().get(k),
        }
    }

    /// The identity of the row at `place`, and the quoted name of the table that holds it.
    fn identity(&self, st: &StmtState, place: Place) -> OdbcResult<(RowIdentity, String)> {
        let visible = self.visible_columns(st);
        let i = match place {
            Place::Rowset(i) | Place::Result(i) => i,
        };
        // A keyset-driven cursor's key is its row's identity (also for a row that is gone,
        // whose rowset entry holds no values).
        let keyed = st.result.as_ref().and_then(|rs| {
            let keyset = rs.keyset.as_ref()?;
            let index = match place {
                Place::Result(k) => k,
                Place::Rowset(i) => usize::try_from(rs.row_number().checked_sub(1)?)
                    .ok()?
                    .checked_add(i)?,
            };
            keyset.key(index)
        });
        let identity = match keyed {
            Some(key) => RowIdentity {
                ctid: key.ctid(),
                xmin: key.xmin().to_string(),
                table: key.table().to_string(),
            },
            None => {
                let row = Self::row_at(st, place).ok_or_else(|| {
                    OdbcError::new(state::INVALID_ROW, "the row is not in the cursor")
                })?;
                if row.len() < visible + HIDDEN_COLUMNS {
                    return Err(OdbcError::new(
                        state::GENERAL,
                        "the cursor's rows carry no identity",
                    ));
                }
                RowIdentity::of(row, visible)?
            }
        };
        let oid: u32 = identity
            .table
            .parse()
            .map_err(|_| OdbcError::new(state::GENERAL, "the row's table is not known"))?;
        let relation = self.relation(oid).ok_or_else(|| {
            OdbcError::new(
                state::GENERAL,
                format!("the table of row {} no longer exists", i + 1),
            )
        })?;
        Ok((identity, relation))
    }

    /// The quoted, schema-qualified name of table `oid` (also `currtid2`'s text).
    pub(super) fn relation(&self, oid: u32) -> Option<String> {
        self.conn
            .state
            .lock()
            .relation_name(oid)
            .map(|(schema, name)| {
                format!("{}.{}", quote_identifier(&schema), quote_identifier(&name))
            })
    }

    /// The row at `ctid` of table `table` (named `relation`) as the cursor's SELECT reads
    /// it, or its newest version when an update elsewhere moved it; `None` when it is gone.
    fn read_row(
        &self,
        st: &StmtState,
        ctid: &str,
        table: &str,
        relation: &str,
    ) -> OdbcResult<Option<Row>> {
        let Some(select) = st.updatable.as_ref() else {
            return Ok(None);
        };
        let (refresh, moved) = (select.refresh_sql.clone(), select.refresh_moved_sql.clone());
        let (rows, _) = self.run_own(
            st,
            &refresh,
            &[0, 0],
            &[Some(ctid.to_string()), Some(table.to_string())],
        )?;
        if let Some(row) = rows.into_iter().next() {
            return Ok(Some(row));
        }
        let (rows, _) = self.run_own(
            st,
            &moved,
            &[0, 0, 0],
            &[
                Some(ctid.to_string()),
                Some(table.to_string()),
                Some(relation.to_string()),
            ],
        )?;
        Ok(rows.into_iter().next())
    }

    /// Puts `row` in place of the cursor's row at `place`, in the cursor's rows and in the
    /// rowset when it is there.
    fn replace_row(&self, st: &mut StmtState, place: Place, row: Row) {
        let Some(rs) = st.result.as_mut() else {
            return;
        };
        // 0-based positions in the whole result, and of the rowset's first row.
        let first = rs.row_number().checked_sub(1);
        let (in_result, in_rowset) = match place {
            Place::Rowset(i) => (first.map(|f| f + i as u64), Some(i)),
            Place::Result(k) => (
                Some(k as u64),
                first
                    .and_then(|f| (k as u64).checked_sub(f))
                    .and_then(|i| usize::try_from(i).ok())
                    .filter(|&i| i < rs.rowset.len()),
            ),
        };
        if let (Some(rows), Some(k)) = (rs.scroll.as_mut(), in_result) {
            rows.replace(k, row.clone());
        }
        // A keyset-driven cursor keeps the row's new key (it may have moved).
        let visible = rs.columns.len();
        if let (Some(keyset), Some(k)) = (rs.keyset.as_mut(), in_result) {
            if let Ok(key) = super::keyset::key_of(&row, visible) {
                keyset.replace(k, key);
            }
        }
        if let Some(slot) = in_rowset.and_then(|i| rs.rowset.get_mut(i)) {
            *slot = row;
        }
    }

    /// Whether another statement of this connection has the cursor name `name`.
    pub(super) fn names_a_cursor(&self, name: &str) -> bool {
        self.conn.statements().iter().any(|sibling| {
            sibling.id != self.id
                && sibling.state.try_lock_for(SIBLING_WAIT).is_some_and(|st| {
                    st.attrs
                        .cursor_name
                        .clone()
                        .unwrap_or_else(|| format!("SQL_CUR{}", sibling.id))
                        .eq_ignore_ascii_case(name)
                })
        })
    }

    /// The row a positioned statement (`WHERE CURRENT OF name`) means: the current row of
    /// the updatable cursor `name` of another statement on this connection, as its ctid and
    /// the oid of its table.
    pub(super) fn current_row_of(&self, name: &str) -> OdbcResult<(String, String)> {
        for sibling in self.conn.statements() {
            if sibling.id == self.id {
                continue;
            }
            // Another thread may be using that statement: wait a while, never forever.
            let Some(st) = sibling.state.try_lock_for(SIBLING_WAIT) else {
                continue;
            };
            let own_name = st
                .attrs
                .cursor_name
                .clone()
                .unwrap_or_else(|| format!("SQL_CUR{}", sibling.id));
            if !own_name.eq_ignore_ascii_case(name) {
                continue;
            }
            let Some(rs) = st.result.as_ref().filter(|rs| !rs.rowset.is_empty()) else {
                return Err(OdbcError::new(
                    state::INVALID_CURSOR_STATE,
                    format!("cursor {name} is not positioned on a row"),
                ));
            };
            if st.updatable.is_none() {
                return Err(OdbcError::new(
                    state::INVALID_CURSOR_STATE,
                    format!("cursor {name} is read-only: open it with SQL_CONCUR_ROWVER or SQL_CONCUR_VALUES on a SELECT of one table to update WHERE CURRENT OF it"),
                ));
            }
            let row = rs.rowset.get(st.getdata.row).ok_or_else(|| {
                OdbcError::new(
                    state::INVALID_CURSOR_STATE,
                    format!("cursor {name} is not positioned on a row"),
                )
            })?;
            let identity = RowIdentity::of(row, rs.columns.len())?;
            return Ok((identity.ctid, identity.table));
        }
        Err(OdbcError::new(
            INVALID_CURSOR_NAME,
            format!("no cursor named {name} is open on this connection"),
        ))
    }

    /// Runs one of the driver's statements for the cursor on the connection, in the
    /// application's transaction (one is opened in manual-commit mode), and reads its rows.
    pub(super) fn run_own(
        &self,
        st: &StmtState,
        sql: &str,
        param_types: &[u32],
        values: &[Option<String>],
    ) -> OdbcResult<(Vec<Row>, Option<u64>)> {
        let _ = st;
        let id = self.id;
        let refs: Vec<Option<&str>> = values.iter().map(Option::as_deref).collect();
        let mut cs = self.conn.state.lock();
        begin_statement(&mut cs, Some(&split_statements(sql)));
        run_own_on(&mut cs, id, sql, param_types, &refs)
    }
}

/// [`Statement::run_own`] on the connection's state.
fn run_own_on(
    cs: &mut ConnState,
    id: u64,
    sql: &str,
    param_types: &[u32],
    refs: &[Option<&str>],
) -> OdbcResult<(Vec<Row>, Option<u64>)> {
    let autocommit = cs.attrs.autocommit;
    let (rows, affected) = cs.call(CallKind::Execute, |session| {
        if !autocommit {
            session.begin_if_needed()?;
        }
        let (_, executed) = session.prepare_and_execute_typed(id, sql, param_types, refs)?;
        match executed? {
            Executed::Done { rows_affected } => Ok((VecDeque::new(), rows_affected)),
            Executed::Rows => {
                let mut rows = VecDeque::new();
                loop {
                    match session.fetch(id, 64, &mut rows)? {
                        Fetched::More => {}
                        Fetched::End { rows_affected } => break Ok((rows, rows_affected)),
                    }
                }
            }
        }
    })?;
    Ok((Vec::from(rows), affected))
}

/// The value bound for column `rec` in rowset row `i`: `None` when the column is to be left
/// alone (SQL_COLUMN_IGNORE), `Some(None)` for NULL, else its bytes.
fn bound_cell(
    rec: &crate::odbc::desc::DescRecord,
    c_type: i16,
    i: usize,
    offset: usize,
    bind_type: usize,
) -> Option<Option<Vec<u8>>> {
    let elem = convert::fixed_size(c_type)
        .unwrap_or_else(|| usize::try_from(rec.octet_length).unwrap_or(0));
    let stride_data = if bind_type > 0 { bind_type } else { elem };
    let stride_len = if bind_type > 0 {
        bind_type
    } else {
        std::mem::size_of::<isize>()
    };
    let at = |base: usize, stride: usize| {
        if base == 0 {
            0
        } else {
            base + offset + i * stride
        }
    };
    let (data, ind, len) = (
        at(rec.data_ptr, stride_data),
        at(rec.indicator_ptr, stride_len),
        at(rec.octet_length_ptr, stride_len),
    );
    // SAFETY: zero or row `i`'s element of the indicator and length arrays the application
    // bound with SQLBindCol, at the offset and stride its descriptor gives.
    let (indicator, length) = unsafe {
        (
            (ind != 0).then(|| appmem::read_len(ind)),
            if len != 0 {
                appmem::read_len(len)
            } else {
                appmem::NTS
            },
        )
    };
    if indicator == Some(COLUMN_IGNORE) || length == COLUMN_IGNORE {
        return None;
    }
    if indicator == Some(appmem::NULL_DATA) || data == 0 {
        return Some(None);
    }
    let n = match convert::fixed_size(c_type) {
        Some(n) => n,
        None if length >= 0 => usize::try_from(length).unwrap_or(0).min(elem),
        // SQL_NTS (or no length): up to the terminator within the element.
        None => {
            // SAFETY: row `i`'s element of the column's buffer, `elem` bytes as bound.
            let bytes = unsafe { appmem::bytes(data, elem) };
            let unit = if c_type == c::WCHAR { 2 } else { 1 };
            bytes
                .chunks(unit)
                .position(|ch| ch.iter().all(|&b| b == 0))
                .map_or(elem, |k| k * unit)
        }
    };
    // SAFETY: row `i`'s element of the column's buffer holds at least `n` bytes (the C type's
    // size, or a length within the bound element).
    Some(Some(unsafe { appmem::bytes(data, n) }.to_vec()))
}
