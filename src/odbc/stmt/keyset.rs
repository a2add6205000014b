//! Keyset-driven cursors (SQL_CURSOR_KEYSET_DRIVEN): at execution the cursor keeps only each
//! row's key (where it lies, the version it was read at, its table: 16 bytes a row), not the
//! row; every fetch reads its rowset's rows anew by their keys, so rows other transactions
//! updated show their new values (SQL_ROW_UPDATED) and rows they deleted show as
//! SQL_ROW_DELETED. The set of rows is fixed when the cursor opens, as ODBC defines a keyset.
//! It needs a SELECT of one table (see [`crate::odbc::updatable`]); other statements get a
//! static cursor (01S02).

use super::{Statement, StmtState};
use crate::engine::pipeline::CallKind;
use crate::engine::session::{self, Fetched};
use crate::odbc::cancel;
use crate::odbc::conn::ConnState;
use crate::odbc::diag::{state, OdbcError, OdbcResult};
use crate::odbc::scroll::ScrollPosition;
use std::collections::VecDeque;
use std::ops::Range;
use tokio_postgres::Row;

/// SQL_ROW_* a keyset fetch reports beside SQL_ROW_SUCCESS.
pub(super) const ROW_DELETED: u16 = 1;
pub(super) const ROW_UPDATED: u16 = 2;

/// One row's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Key {
    block: u32,
    offset: u16,
    xmin: u32,
    table: u32,
}

impl Key {
    /// The key of a row from its identity columns (ctid, xmin and tableoid as text).
    pub(super) fn parse(ctid: &str, xmin: &str, table: &str) -> Option<Key> {
        let (block, offset) = ctid.strip_prefix('(')?.strip_suffix(')')?.split_once(',')?;
        Some(Key {
            block: block.trim().parse().ok()?,
            offset: offset.trim().parse().ok()?,
            xmin: xmin.parse().ok()?,
            table: table.parse().ok()?,
        })
    }

    pub(super) fn ctid(&self) -> String {
        format!("({},{})", self.block, self.offset)
    }

    pub(super) fn xmin(&self) -> u32 {
        self.xmin
    }

    pub(super) fn table(&self) -> u32 {
        self.table
    }
}

/// The keys of a keyset-driven cursor and where it stands.
pub struct Keyset {
    keys: Vec<Key>,
    position: ScrollPosition,
}

impl Keyset {
    pub fn len(&self) -> u64 {
        self.keys.len() as u64
    }

    /// The number of the rowset's first row, 0 off the rows.
    pub fn row_number(&self) -> u64 {
        self.position.row_number()
    }

    /// Moves the cursor: the keys of the new rowset (an empty range off the rows) and
    /// whether 01S06 applies.
    fn scroll(
        &mut self,
        orientation: i16,
        offset: i64,
        size: u64,
    ) -> OdbcResult<(Range<usize>, bool)> {
        self.position
            .scroll(orientation, offset, size, self.keys.len())
    }

    /// The key of row `index` (0-based) of the keyset.
    pub(super) fn key(&self, index: usize) -> Option<Key> {
        self.keys.get(index).copied()
    }

    /// Adds a row's key at the end (a row added through the cursor).
    pub(super) fn push(&mut self, key: Key) {
        self.keys.push(key);
    }

    /// Puts a row's new key in place (after an update through the cursor).
    pub(super) fn replace(&mut self, index: u64, key: Key) {
        if let Some(slot) = usize::try_from(index)
            .ok()
            .and_then(|i| self.keys.get_mut(i))
        {
            *slot = key;
        }
    }
}

/// The rows of one keyset fetch, with the status of each.
pub(super) struct KeysetRows {
    pub rows: Vec<Row>,
    pub statuses: Vec<u16>,
    pub before_start: bool,
}

impl Statement {
    /// Opens a keyset-driven cursor: reads the result's rows batch by batch, keeping each
    /// one's key and dropping the row, so memory holds keys only.
    pub(super) fn read_keyset(&self, st: &mut StmtState, cs: &mut ConnState) -> OdbcResult<()> {
        let id = self.id;
        let max_rows = usize::try_from(st.attrs.max_rows).unwrap_or(usize::MAX);
        let timeout_secs = st.attrs.query_timeout_secs;
        let visible = st.result.as_ref().map_or(0, |rs| rs.columns.len());
        let mut keys = Vec::new();
        let mut batch_rows = VecDeque::new();
        let read = loop {
            if max_rows > 0 && keys.len() >= max_rows {
                break Ok(());
            }
            let batch = cs.fetch_batch.max(1000);
            let running = cancel::begin(id, cs.session_opt().map(|s| s.canceller()), timeout_secs);
            let fetched = running.finish(cs.call(CallKind::Fetch, |session| {
                session.fetch(id, batch, &mut batch_rows)
            }));
            for row in batch_rows.drain(..) {
                keys.push(key_of(&row, visible)?);
            }
            match fetched {
                Ok(Fetched::More) => {}
                Ok(Fetched::End { .. }) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        if let Ok(session) = cs.session() {
            session.close_result(id);
        }
        if let Err(e) = read {
            st.result = None;
            st.phase = super::Phase::Prepared;
            return Err(e);
        }
        if max_rows > 0 {
            keys.truncate(max_rows);
        }
        keys.shrink_to_fit();
        st.row_count = i64::try_from(keys.len()).unwrap_or(i64::MAX);
        if let Some(rs) = st.result.as_mut() {
            rs.ended = true;
            rs.keyset = Some(Keyset {
                keys,
                position: ScrollPosition::default(),
            });
        }
        Ok(())
    }

    /// Moves a keyset-driven cursor and reads the new rowset's rows by their keys.
    pub(super) fn fetch_keyset(
        &self,
        st: &mut StmtState,
        orientation: i16,
        offset: i64,
        size: u64,
    ) -> OdbcResult<KeysetRows> {
        let Some(keyset) = st.result.as_mut().and_then(|rs| rs.keyset.as_mut()) else {
            return Err(OdbcError::new(state::GENERAL, "the cursor has no keyset"));
        };
        let (range, before_start) = keyset.scroll(orientation, offset, size)?;
        let keys: Vec<Key> = keyset.keys[range].to_vec();
        let visible = st.result.as_ref().map_or(0, |rs| rs.columns.len());
        let sql = st
            .updatable
            .as_ref()
            .map(|u| u.keyset_sql.clone())
            .ok_or_else(|| OdbcError::new(state::GENERAL, "the cursor has no keyset query"))?;
        let mut rows: Vec<Option<Row>> = vec![None; keys.len()];
        // One query per table the rowset's rows lie in (partitions of one table).
        let mut tables: Vec<u32> = keys.iter().map(|k| k.table).collect();
        tables.sort_unstable();
        tables.dedup();
        for table in tables {
            let positions: Vec<usize> = (0..keys.len())
                .filter(|&i| keys[i].table == table)
                .collect();
            let array = format!(
                "{{{}}}",
                positions
                    .iter()
                    .map(|&i| format!("\"{}\"", keys[i].ctid()))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            let relation = self.relation(table).ok_or_else(|| {
                OdbcError::new(state::GENERAL, "a table of the cursor no longer exists")
            })?;
            let (found, _) = self.run_own(
                st,
                &sql,
                &[0, 0, 0],
                &[Some(array), Some(table.to_string()), Some(relation)],
            )?;
            for (&i, row) in positions.iter().zip(found) {
                rows[i] = Some(row);
            }
        }
        let mut statuses = Vec::with_capacity(keys.len());
        let mut out = Vec::with_capacity(keys.len());
        for (key, row) in keys.iter().zip(rows) {
            let Some(row) = row else {
                return Err(OdbcError::new(
                    state::GENERAL,
                    "a row of the keyset was not answered",
                ));
            };
            let status = match session::raw_value(&row, visible + 1)
                .and_then(|raw| std::str::from_utf8(raw).ok())
                .and_then(|x| x.parse::<u32>().ok())
            {
                None => ROW_DELETED,
                Some(xmin) if xmin != key.xmin => ROW_UPDATED,
                Some(_) => 0,
            };
            statuses.push(status);
            out.push(row);
        }
        Ok(KeysetRows {
            rows: out,
            statuses,
            before_start,
        })
    }
}

/// The key of a row read with the hidden identity columns after its `visible` ones.
pub(super) fn key_of(row: &Row, visible: usize) -> OdbcResult<Key> {
    let text = |k: usize| {
        session::raw_value(row, visible + k).and_then(|raw| std::str::from_utf8(raw).ok())
    };
    match (text(0), text(1), text(2)) {
        (Some(ctid), Some(xmin), Some(table)) => Key::parse(ctid, xmin, table),
        _ => None,
    }
    .ok_or_else(|| OdbcError::new(state::GENERAL, "a row's key was not read"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_from_identity_text() {
        let key = Key::parse("(12,3)", "745", "16384").expect("a key");
        assert_eq!(key.ctid(), "(12,3)");
        assert_eq!(key.xmin, 745);
        assert_eq!(key.table, 16384);
        assert!(Key::parse("12,3", "1", "2").is_none());
        assert!(Key::parse("(a,3)", "1", "2").is_none());
        assert!(Key::parse("(1,3)", "x", "2").is_none());
        assert_eq!(std::mem::size_of::<Key>(), 16);
    }
}
