//! Large objects, as psqlODBC supports them: a column of the `lo` extension's type (a domain
//! over `oid`, [`types::is_large_object`]) holds a large object's oid and is read and written
//! as the object's bytes (SQL_LONGVARBINARY).
//!
//! - Reading: SQLGetData reads the object piece by piece (`lo_get` with an offset and the
//!   buffer's length), as SQL_C_BINARY or, as psqlODBC, hex digits for SQL_C_CHAR/WCHAR;
//!   SQLFetch writes as much as the bound buffer holds. A NULL column is NULL; an oid without
//!   an object is 42704.
//! - Writing: a parameter bound as SQL_LONGVARBINARY is prepared without a type (as always),
//!   so the server says what it targets; when the database has the `lo` type, one the server
//!   types `lo` gets a new large object holding its bytes (whole, or as SQLPutData supplied
//!   them), created in the statement's transaction, and the statement gets the object's oid.

use super::cell::CellWrite;
use super::{state_alias, Statement, StmtState};
use crate::engine::pipeline::CallKind;
use crate::engine::session::{self, Prepared};
use crate::odbc::appmem;
use crate::odbc::conn::ConnState;
use crate::odbc::convert::{c, Written};
use crate::odbc::diag::{state, OdbcError, OdbcResult, Outcome, SqlState};
use crate::odbc::sqltext::SqlPiece;
use crate::odbc::types::{self, SizeLimits};
use tokio_postgres::types::{Kind, Type};
use tokio_postgres::Row;

/// The most bytes one read asks for (a bytea value is at most 1 GB); a larger buffer gets
/// this much and 01004, and the next SQLGetData goes on.
const MAX_READ: usize = 256 << 20;

/// 42704 (undefined object): the server's state for a large object that does not exist.
const NO_SUCH_OBJECT: SqlState = SqlState::new("42704");

/// How a large object's bytes are written into a C type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rendering {
    /// As they are (SQL_C_BINARY).
    Binary,
    /// Two hex digits per byte, characters of `unit` bytes, NUL-terminated (SQL_C_CHAR: 1,
    /// SQL_C_WCHAR: the driver manager's SQLWCHAR size).
    Hex { unit: usize },
}

impl Rendering {
    /// The rendering of C type `c_type`; `None` for one a large object cannot be read as.
    pub(super) fn of(c_type: i16) -> Option<Rendering> {
        match c_type {
            c::BINARY | c::DEFAULT => Some(Rendering::Binary),
            c::CHAR => Some(Rendering::Hex { unit: 1 }),
            c::WCHAR => Some(Rendering::Hex {
                unit: crate::odbc::wide::unit(),
            }),
            _ => None,
        }
    }

    /// Bytes of output per byte of the object.
    fn per_byte(self) -> usize {
        match self {
            Rendering::Binary => 1,
            Rendering::Hex { unit } => 2 * unit,
        }
    }

    fn terminator(self) -> usize {
        match self {
            Rendering::Binary => 0,
            Rendering::Hex { unit } => unit,
        }
    }
}

/// The part of an object one buffer takes: `count` bytes from byte `from`, after `delivered`
/// bytes of output went to earlier pieces, and the length of the output that remained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Piece {
    pub from: u64,
    pub count: usize,
    pub remaining_output: u64,
}

/// Plans the next piece of an object of `size` bytes for a buffer of `cap` bytes.
pub(super) fn plan_piece(rendering: Rendering, size: u64, delivered: usize, cap: usize) -> Piece {
    let per_byte = rendering.per_byte();
    let from = (delivered / per_byte) as u64;
    let left = size.saturating_sub(from);
    let fits = cap.saturating_sub(rendering.terminator()) / per_byte;
    let count = usize::try_from(left)
        .unwrap_or(usize::MAX)
        .min(fits)
        .min(MAX_READ);
    Piece {
        from: from.min(size),
        count,
        remaining_output: left.saturating_mul(per_byte as u64),
    }
}

/// Writes `bytes` into `out` as `rendering` says (with its terminator when there is room);
/// returns the bytes written before the terminator.
pub(super) fn render(rendering: Rendering, bytes: &[u8], out: &mut [u8]) -> usize {
    match rendering {
        Rendering::Binary => {
            let n = bytes.len().min(out.len());
            out[..n].copy_from_slice(&bytes[..n]);
            n
        }
        Rendering::Hex { unit } => {
            const DIGITS: &[u8; 16] = b"0123456789abcdef";
            let mut at = 0;
            for b in bytes {
                at = put_char(out, at, unit, DIGITS[usize::from(b >> 4)]);
                at = put_char(out, at, unit, DIGITS[usize::from(b & 15)]);
            }
            put_char(out, at, unit, 0);
            at
        }
    }
}

/// Writes ASCII character `ch` as a character of `unit` bytes at `at` in `out` when it fits;
/// returns where the next one goes.
fn put_char(out: &mut [u8], at: usize, unit: usize, ch: u8) -> usize {
    let Some(slot) = out.get_mut(at..at + unit) else {
        return at;
    };
    match unit {
        1 => slot[0] = ch,
        2 => slot.copy_from_slice(&u16::from(ch).to_ne_bytes()),
        _ => slot.copy_from_slice(&u32::from(ch).to_ne_bytes()),
    }
    at + unit
}

/// The oid column `ci` of `row` holds; `None` for NULL.
pub(super) fn large_object_oid(row: &Row, ci: usize) -> OdbcResult<Option<u32>> {
    match session::raw_value(row, ci) {
        None => Ok(None),
        Some(raw) => <[u8; 4]>::try_from(raw)
            .map(|b| Some(u32::from_be_bytes(b)))
            .map_err(|_| OdbcError::new(state::GENERAL, "a large object column gave no oid")),
    }
}

/// A value a parameter conversion rendered for a binary SQL type (`\x` and hex digits) as
/// its bytes.
fn bytes_of_param(text: &str, number: usize) -> OdbcResult<Vec<u8>> {
    let not_binary = || {
        OdbcError::new(
            state::INVALID_CHAR_VALUE,
            format!("parameter {number} is not binary data for a large object"),
        )
    };
    let hex = text.strip_prefix("\\x").ok_or_else(not_binary)?.as_bytes();
    if !hex.len().is_multiple_of(2) {
        return Err(not_binary());
    }
    let digit = |d: u8| char::from(d).to_digit(16).ok_or_else(not_binary);
    hex.chunks_exact(2)
        .map(|p| Ok(u8::try_from(digit(p[0])? * 16 + digit(p[1])?).unwrap_or(0)))
        .collect()
}

/// Whether `sql` may create or drop the `lo` type (an extension, a domain or a type).
pub(super) fn may_change_types(sql: &str) -> bool {
    let mut words = sql.split_whitespace();
    let first = words.next().unwrap_or_default();
    let second = words.next().unwrap_or_default();
    ["create", "drop", "alter"]
        .iter()
        .any(|w| first.eq_ignore_ascii_case(w))
        && ["extension", "domain", "type"]
            .iter()
            .any(|w| second.eq_ignore_ascii_case(w))
}

/// The positions (0-based) of the application's parameters that `prepared` types as large
/// objects.
pub(super) fn large_object_params(prepared: &Prepared, param_count: usize) -> Vec<usize> {
    prepared
        .params()
        .iter()
        .take(param_count)
        .enumerate()
        .filter(|(_, ty)| types::is_large_object(ty))
        .map(|(k, _)| k)
        .collect()
}

/// Creates a large object for each of `positions` in `values` (a set of text values as
/// [`Statement::collect_params`] made them) and puts its oid in the value's place.
pub(super) fn write_large_objects(
    cs: &mut ConnState,
    piece: &SqlPiece,
    positions: &[usize],
    values: &mut [Option<String>],
) -> OdbcResult<()> {
    for &k in positions {
        let Some(text) = values.get_mut(k).and_then(Option::take) else {
            continue;
        };
        let bytes = bytes_of_param(&text, piece.param_number(k))?;
        drop(text);
        let oid = cs.call(CallKind::Execute, |s| s.create_large_object(&bytes))?;
        values[k] = Some(oid.to_string());
    }
    Ok(())
}

/// The result columns that are table columns declared `lo`, as the `lo` type: the server
/// describes a domain's column by its base type (`oid`), so, as psqlODBC does from its column
/// info, the catalog is asked for the declared type of a result's `oid` columns that come from
/// a table, when the database has the `lo` type (one query, only for such results).
pub(super) fn declared_large_objects(
    cs: &mut ConnState,
    mut columns: Vec<types::ColumnInfo>,
    mut result_types: Vec<Type>,
    limits: &SizeLimits,
) -> OdbcResult<(Vec<types::ColumnInfo>, Vec<Type>)> {
    // User tables only (the catalogs' oid columns are plain oids): FirstNormalObjectId.
    let candidates: Vec<(usize, u32, i16)> = columns
        .iter()
        .zip(&result_types)
        .enumerate()
        .filter(|(_, (_, ty))| **ty == Type::OID)
        .filter_map(|(i, (c, _))| Some((i, c.table_oid?, c.column_id?)))
        .filter(|(_, table, _)| *table >= 16384)
        .collect();
    if candidates.is_empty() {
        return Ok((columns, result_types));
    }
    let lo_types = cs.large_object_types()?.to_vec();
    if lo_types.is_empty() {
        return Ok((columns, result_types));
    }
    // Asked once per connection and table column: later results of the same tables stream
    // without a catalog query ahead of their rows.
    let unknown: Vec<(usize, u32, i16)> = candidates
        .iter()
        .copied()
        .filter(|(_, t, n)| cs.declared_large_object((*t, *n)).is_none())
        .collect();
    if !unknown.is_empty() {
        let sql = declared_types_sql(&unknown, &lo_types);
        let rows = cs.call(CallKind::Catalog, |s| s.query_now(&sql))?;
        for &(_, t, n) in &unknown {
            cs.note_declared_large_object((t, n), None);
        }
        for row in rows {
            if let (Ok(table), Ok(number), Ok(type_oid), Ok(schema)) = (
                row.try_get::<_, u32>(0),
                row.try_get::<_, i16>(1),
                row.try_get::<_, u32>(2),
                row.try_get::<_, String>(3),
            ) {
                cs.note_declared_large_object((table, number), Some((type_oid, schema)));
            }
        }
    }
    for (i, table, number) in candidates {
        let Some(Some((type_oid, schema))) = cs.declared_large_object((table, number)) else {
            continue;
        };
        let lo = Type::new("lo".into(), type_oid, Kind::Domain(Type::OID), schema);
        let was = &columns[i];
        let mut info = types::describe(&was.name, &lo, -1, limits);
        info.table_oid = was.table_oid;
        info.column_id = was.column_id;
        info.nullable = was.nullable;
        columns[i] = info;
        result_types[i] = lo;
    }
    Ok((columns, result_types))
}

/// The catalog query for which of `candidates` (index, table oid, attribute number) are
/// declared as one of `lo_types` (numbers only, so they are written into the text).
fn declared_types_sql(candidates: &[(usize, u32, i16)], lo_types: &[u32]) -> String {
    let pairs: Vec<String> = candidates
        .iter()
        .map(|(_, table, number)| format!("({table}::pg_catalog.oid, {number}::pg_catalog.int2)"))
        .collect();
    let lo: Vec<String> = lo_types.iter().map(u32::to_string).collect();
    format!(
        "SELECT a.attrelid, a.attnum, a.atttypid, n.nspname::text FROM pg_catalog.pg_attribute a \
         JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
         JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
         WHERE (a.attrelid, a.attnum) IN ({}) AND a.atttypid IN ({})",
        pairs.join(", "),
        lo.join(", ")
    )
}

impl Statement {
    /// The columns of the prepared (not yet executed) statement, `cols`, with its `lo` table
    /// columns described as large objects ([`declared_large_objects`]).
    pub(super) fn prepared_large_objects(
        &self,
        st: &StmtState,
        cols: Vec<types::ColumnInfo>,
    ) -> OdbcResult<Vec<types::ColumnInfo>> {
        let Some(prepared) = st.prepared.get(st.piece).and_then(Option::as_ref) else {
            return Ok(cols);
        };
        let column_types: Vec<Type> = prepared
            .columns()
            .iter()
            .take(cols.len())
            .map(|c| c.type_().clone())
            .collect();
        if column_types.len() != cols.len() || !column_types.contains(&Type::OID) {
            return Ok(cols);
        }
        let mut cs = self.conn.state.lock();
        let limits = cs.limits;
        Ok(declared_large_objects(&mut cs, cols, column_types, &limits)?.0)
    }

    /// Whether a parameter of `piece` is bound as SQL_LONGVARBINARY: it writes a large object
    /// when the server types it `lo`.
    pub(super) fn has_long_binary_params(&self, piece: &SqlPiece) -> bool {
        let ipd = self.ipd.lock();
        (0..piece.param_count).any(|k| {
            ipd.record(piece.param_number(k))
                .is_some_and(|r| r.concise_type == types::sql::LONGVARBINARY)
        })
    }

    /// Whether `piece` may write large objects: it has a SQL_LONGVARBINARY parameter and the
    /// database has the `lo` type (asked once per connection).
    pub(super) fn may_write_large_objects(
        &self,
        cs: &mut ConnState,
        piece: &SqlPiece,
    ) -> OdbcResult<bool> {
        Ok(self.has_long_binary_params(piece) && !cs.large_object_types()?.is_empty())
    }

    /// A new large object holding the bytes of `text` (a value rendered for a binary SQL type,
    /// see [`write_large_objects`]) for column or parameter `number`: its oid as text.
    pub(super) fn large_object_from(&self, text: &str, number: usize) -> OdbcResult<String> {
        let bytes = bytes_of_param(text, number)?;
        let mut cs = self.conn.state.lock();
        // Manual-commit mode: the object belongs to the application's transaction.
        let autocommit = cs.attrs.autocommit;
        let oid = cs.call(CallKind::Execute, |s| {
            if !autocommit {
                s.begin_if_needed()?;
            }
            s.create_large_object(&bytes)
        })?;
        Ok(oid.to_string())
    }

    /// SQLGetData of a large object column: the next piece of the object whose oid the
    /// column holds, in `c_type`, into `buf` (`cap` bytes).
    ///
    /// # Safety
    /// `buf` is zero or `cap` writable bytes the application passed to this call, and `ind`
    /// zero or its indicator; no Rust reference points into either.
    #[allow(clippy::too_many_arguments)]
    pub(super) unsafe fn get_large_object(
        &self,
        st: &mut StmtState,
        oid: Option<u32>,
        column: u16,
        c_type: i16,
        buf: usize,
        cap: usize,
        ind: usize,
    ) -> OdbcResult<Outcome> {
        let Some(oid) = oid else {
            if ind == 0 {
                return Err(OdbcError::new(
                    state_alias::INDICATOR_REQUIRED,
                    "the value is NULL and no indicator was given",
                ));
            }
            // SAFETY: the indicator the application passed to this call (non-zero here).
            unsafe { appmem::write_len(ind, appmem::NULL_DATA) };
            st.getdata.done = true;
            return Ok(Outcome::Success);
        };
        let rendering = Rendering::of(c_type).ok_or_else(|| not_readable_as(c_type, column))?;
        let size = match st.getdata.large_object_size {
            Some(size) => size,
            None => {
                let size = self.large_object_size(oid, column)?;
                st.getdata.large_object_size = Some(size);
                size
            }
        };
        let piece = plan_piece(
            rendering,
            size,
            st.getdata.offset,
            if buf == 0 { 0 } else { cap },
        );
        let bytes = self.read_piece(oid, piece)?;
        // SAFETY: the caller's promise about `buf` and `cap`, passed on.
        let w = unsafe { write_piece(rendering, &bytes, piece, size, buf, cap) };
        Ok(self.delivered(st, ind, w, false))
    }

    /// A large object column into a bound buffer (`data`, `cap` bytes) at SQLFetch: as much
    /// of the object as fits.
    ///
    /// # Safety
    /// `data` is zero or `cap` writable bytes of a bound column's element, which no Rust
    /// reference points into.
    #[cold]
    #[inline(never)]
    pub(super) unsafe fn large_object_cell(
        &self,
        row: &Row,
        ci: usize,
        c_type: i16,
        data: usize,
        cap: usize,
    ) -> OdbcResult<CellWrite> {
        let column = u16::try_from(ci + 1).unwrap_or(u16::MAX);
        let Some(oid) = large_object_oid(row, ci)? else {
            return Ok(CellWrite::Null);
        };
        let rendering = Rendering::of(c_type).ok_or_else(|| not_readable_as(c_type, column))?;
        let size = self.large_object_size(oid, column)?;
        // Nothing is read for a column bound without a data buffer (only its length).
        let piece = plan_piece(rendering, size, 0, if data == 0 { 0 } else { cap });
        let bytes = self.read_piece(oid, piece)?;
        // SAFETY: the caller's promise about `data` and `cap`, passed on.
        let w = unsafe { write_piece(rendering, &bytes, piece, size, data, cap) };
        Ok(CellWrite::Value(w))
    }

    /// The size of large object `oid` (column `column`'s); 42704 when it does not exist.
    fn large_object_size(&self, oid: u32, column: u16) -> OdbcResult<u64> {
        self.conn
            .state
            .lock()
            .call(CallKind::Fetch, |s| s.large_object_size(oid))?
            .ok_or_else(|| {
                OdbcError::new(
                    NO_SUCH_OBJECT,
                    format!("large object {oid} (column {column}) does not exist"),
                )
            })
    }

    fn read_piece(&self, oid: u32, piece: Piece) -> OdbcResult<Vec<u8>> {
        if piece.count == 0 {
            return Ok(Vec::new());
        }
        self.conn.state.lock().call(CallKind::Fetch, |s| {
            s.read_large_object(oid, piece.from, piece.count)
        })
    }
}

/// Writes a piece read for `piece` into the application's buffer (none when `buf` is 0) and
/// says what was delivered.
///
/// # Safety
/// `buf` is zero or the start of `cap` writable bytes that no Rust reference points into.
unsafe fn write_piece(
    rendering: Rendering,
    bytes: &[u8],
    piece: Piece,
    size: u64,
    buf: usize,
    cap: usize,
) -> Written {
    let len = if buf == 0 {
        0
    } else {
        // SAFETY: non-zero, so the caller promised `cap` writable, unaliased bytes.
        let out = unsafe { appmem::bytes_mut(buf, cap) };
        render(rendering, bytes, out)
    };
    // The object may have shrunk since its size was read: what was not there is not owed.
    let read_to = piece.from + bytes.len() as u64;
    Written {
        len,
        total: Some(usize::try_from(piece.remaining_output).unwrap_or(usize::MAX)),
        truncated: read_to < size && !(bytes.is_empty() && piece.count > 0),
        fractional_truncation: false,
    }
}

/// 07006: a large object read as a C type other than binary or characters.
fn not_readable_as(c_type: i16, column: u16) -> OdbcError {
    OdbcError::new(
        state::RESTRICTED_DATA_TYPE,
        format!(
            "column {column} is a large object: it reads as SQL_C_BINARY or SQL_C_CHAR (hex), not C type {c_type}"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_pieces_cover_the_object() {
        let r = Rendering::Binary;
        let first = plan_piece(r, 10, 0, 4);
        assert_eq!(
            (first.from, first.count, first.remaining_output),
            (0, 4, 10)
        );
        let last = plan_piece(r, 10, 8, 4);
        assert_eq!((last.from, last.count, last.remaining_output), (8, 2, 2));
        let empty = plan_piece(r, 0, 0, 4);
        assert_eq!((empty.count, empty.remaining_output), (0, 0));
    }

    #[test]
    fn hex_pieces_leave_room_for_the_terminator() {
        let r = Rendering::Hex { unit: 1 };
        // 7 bytes of buffer: 3 object bytes (6 digits) and the NUL.
        let p = plan_piece(r, 5, 0, 7);
        assert_eq!((p.count, p.remaining_output), (3, 10));
        let next = plan_piece(r, 5, 6, 7);
        assert_eq!((next.from, next.count, next.remaining_output), (3, 2, 4));
        let mut out = [0xffu8; 7];
        assert_eq!(render(r, &[0x0a, 0xff, 0x10], &mut out), 6);
        assert_eq!(&out, b"0aff10\0");
        let wide = Rendering::Hex { unit: 2 };
        let mut out = [0xffu8; 6];
        assert_eq!(render(wide, &[0xab], &mut out), 4);
        let units: Vec<u8> = [u16::from(b'a'), u16::from(b'b'), 0]
            .iter()
            .flat_map(|u| u.to_ne_bytes())
            .collect();
        assert_eq!(out.to_vec(), units);
    }

    #[test]
    fn a_buffer_too_small_for_one_byte_takes_nothing() {
        let p = plan_piece(Rendering::Hex { unit: 1 }, 3, 0, 2);
        assert_eq!((p.count, p.remaining_output), (0, 6));
        let mut out = [0xffu8; 2];
        assert_eq!(render(Rendering::Hex { unit: 1 }, &[], &mut out), 0);
        assert_eq!(out[0], 0, "the terminator still goes in");
    }

    #[test]
    fn parameter_text_back_to_bytes() {
        assert_eq!(bytes_of_param("\\x00ff10", 1).unwrap(), vec![0, 255, 16]);
        assert_eq!(bytes_of_param("\\x", 1).unwrap(), Vec::<u8>::new());
        for bad in ["00ff", "\\x0", "\\xzz", "12345"] {
            let e = bytes_of_param(bad, 2).unwrap_err();
            assert_eq!(e.state.as_str(), "22018", "{bad}");
        }
    }

    #[test]
    fn declared_type_query_names_the_candidates() {
        let sql = declared_types_sql(&[(1, 16384, 2), (3, 16390, 1)], &[90001]);
        assert!(sql.contains(
            "IN ((16384::pg_catalog.oid, 2::pg_catalog.int2), (16390::pg_catalog.oid, 1::pg_catalog.int2))"
        ));
        assert!(sql.contains("a.atttypid IN (90001)"));
    }

    #[test]
    fn statements_that_may_change_types() {
        assert!(may_change_types("CREATE EXTENSION IF NOT EXISTS lo"));
        assert!(may_change_types("drop extension lo cascade"));
        assert!(may_change_types("CREATE DOMAIN lo AS oid"));
        assert!(!may_change_types("CREATE TABLE t (a lo)"));
        assert!(!may_change_types("INSERT INTO t VALUES (1)"));
    }
}
