//! Static (scrollable) cursors: where a fetch orientation moves the rowset.
//!
//! A static cursor holds every row of its result in the statement, read at execution: that is
//! what lets SQLFetchScroll go backwards or jump, and it costs memory proportional to the whole
//! result (about the size of the rows on the wire plus a small per-row overhead). Forward-only
//! cursors, the default, keep streaming with bounded memory. The rules below are the tables of
//! the ODBC 3 reference for SQLFetchScroll ("Cursor positioning rules").

use super::diag::{state, OdbcError, OdbcResult};
use tokio_postgres::Row;

/// SQL_FETCH_* orientations.
pub mod orientation {
    pub const NEXT: i16 = 1;
    pub const FIRST: i16 = 2;
    pub const LAST: i16 = 3;
    pub const PRIOR: i16 = 4;
    pub const ABSOLUTE: i16 = 5;
    pub const RELATIVE: i16 = 6;
    pub const BOOKMARK: i16 = 8;
}

/// SQL_ATTR_CURSOR_TYPE values.
pub mod cursor_type {
    pub const FORWARD_ONLY: u64 = 0;
    pub const KEYSET_DRIVEN: u64 = 1;
    pub const DYNAMIC: u64 = 2;
    pub const STATIC: u64 = 3;
}

/// The cursor position relative to the rows of a static result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    BeforeStart,
    /// The 1-based number of the first row of the current rowset.
    At(u64),
    AfterEnd,
}

/// The result of moving: the new position and whether ODBC wants warning 01S06 (a fetch
/// before the first row returned the first rowset instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    pub position: Position,
    pub before_start_warning: bool,
}

fn at(row: u64, last: u64) -> Position {
    if row == 0 {
        Position::BeforeStart
    } else if row > last {
        Position::AfterEnd
    } else {
        Position::At(row)
    }
}

/// The first rowset instead of one that would start before row 1 (01S06), or after the end
/// of an empty result.
fn clamped_to_first(last: u64) -> Moved {
    Moved {
        position: at(1, last),
        before_start_warning: last > 0,
    }
}

fn plain(position: Position) -> Moved {
    Moved {
        position,
        before_start_warning: false,
    }
}

/// Where orientation `fetch` with `offset` moves a cursor at `current` over `last` rows. `size` is the
/// rowset size of this fetch, `previous_size` the one of the fetch that made the current
/// rowset (NEXT steps over the rows the application has seen).
pub fn move_cursor(
    current: Position,
    fetch: i16,
    offset: i64,
    size: u64,
    previous_size: u64,
    last: u64,
) -> OdbcResult<Moved> {
    use self::orientation as o;
    let size = size.max(1);
    let moved = match fetch {
        o::NEXT => match current {
            Position::BeforeStart => plain(at(1, last)),
            Position::At(start) => plain(at(start.saturating_add(previous_size.max(1)), last)),
            Position::AfterEnd => plain(Position::AfterEnd),
        },
        o::PRIOR => match current {
            Position::BeforeStart | Position::At(1) => plain(Position::BeforeStart),
            Position::At(start) if start <= size => clamped_to_first(last),
            Position::At(start) => plain(at(start - size, last)),
            Position::AfterEnd if last < size => plain(at(1, last)),
            Position::AfterEnd => plain(at(last - size + 1, last)),
        },
        o::FIRST => plain(at(1, last)),
        o::LAST => plain(if size > last {
            at(1, last)
        } else {
            at(last - size + 1, last)
        }),
        o::ABSOLUTE => absolute(offset, size, last),
        o::RELATIVE => match current {
            Position::BeforeStart if offset > 0 => absolute(offset, size, last),
            Position::AfterEnd if offset < 0 => absolute(offset, size, last),
            Position::BeforeStart => plain(Position::BeforeStart),
            Position::AfterEnd => plain(Position::AfterEnd),
            Position::At(start) => {
                let target = i128::from(start) + i128::from(offset);
                if target < 1 {
                    if start == 1 || offset.unsigned_abs() > size {
                        plain(Position::BeforeStart)
                    } else {
                        clamped_to_first(last)
                    }
                } else {
                    plain(at(u64::try_from(target).unwrap_or(u64::MAX), last))
                }
            }
        },
        o::BOOKMARK => {
            return Err(OdbcError::new(
                state::NOT_IMPLEMENTED,
                "bookmarks are not supported",
            ))
        }
        other => {
            return Err(OdbcError::new(
                state::INVALID_FETCH_ORIENTATION,
                format!("fetch orientation {other} is out of range"),
            ))
        }
    };
    Ok(moved)
}

/// SQL_FETCH_ABSOLUTE: positive counts from the start, negative from the end.
fn absolute(offset: i64, size: u64, last: u64) -> Moved {
    if offset == 0 {
        return plain(Position::BeforeStart);
    }
    if offset > 0 {
        return plain(at(offset.unsigned_abs(), last));
    }
    let back = offset.unsigned_abs();
    if back <= last {
        plain(Position::At(last - back + 1))
    } else if back > size {
        plain(Position::BeforeStart)
    } else {
        clamped_to_first(last)
    }
}

/// Where a scrollable cursor (static rows or a keyset) stands over its `len` rows, and the
/// rowset size of the fetch that made the current rowset (NEXT steps over it).
#[derive(Debug, Clone, Copy)]
pub struct ScrollPosition {
    position: Position,
    last_size: u64,
}

impl Default for ScrollPosition {
    fn default() -> Self {
        ScrollPosition {
            position: Position::BeforeStart,
            last_size: 1,
        }
    }
}

impl ScrollPosition {
    /// Moves over `len` rows: the indexes (0-based) of the new rowset of `size` rows (empty
    /// off the rows, cut at the end) and whether 01S06 applies.
    pub fn scroll(
        &mut self,
        orientation: i16,
        offset: i64,
        size: u64,
        len: usize,
    ) -> OdbcResult<(std::ops::Range<usize>, bool)> {
        let size = size.max(1);
        let moved = move_cursor(
            self.position,
            orientation,
            offset,
            size,
            self.last_size,
            len as u64,
        )?;
        self.position = moved.position;
        self.last_size = size;
        let range = match moved.position {
            Position::At(first) => {
                let start = usize::try_from(first - 1).unwrap_or(usize::MAX).min(len);
                let end = start
                    .saturating_add(usize::try_from(size).unwrap_or(usize::MAX))
                    .min(len);
                start..end
            }
            Position::BeforeStart | Position::AfterEnd => 0..0,
        };
        Ok((range, moved.before_start_warning))
    }

    /// SQL_ATTR_ROW_NUMBER: the number of the first row of the rowset, 0 off the rows.
    pub fn row_number(&self) -> u64 {
        match self.position {
            Position::At(n) => n,
            Position::BeforeStart | Position::AfterEnd => 0,
        }
    }
}

/// The rows of a static cursor, all read at execution, and where the cursor stands.
pub struct StaticRows {
    rows: Vec<Row>,
    position: ScrollPosition,
}

impl StaticRows {
    /// The result's first row, wherever the cursor is.
    pub fn first(&self) -> Option<&Row> {
        self.rows.first()
    }

    pub fn new(rows: Vec<Row>) -> StaticRows {
        StaticRows {
            rows,
            position: ScrollPosition::default(),
        }
    }

    /// Puts `row` in place of the row at `index` (0-based): a row read again after an
    /// update through the cursor.
    pub fn replace(&mut self, index: u64, row: Row) {
        if let Some(slot) = usize::try_from(index)
            .ok()
            .and_then(|i| self.rows.get_mut(i))
        {
            *slot = row;
        }
    }

    /// Adds a row at the end (a row added through the cursor).
    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// Every row of the result.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn len(&self) -> u64 {
        self.rows.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Moves the cursor and returns the new rowset (empty before the start or after the end)
    /// and whether 01S06 applies.
    pub fn scroll(
        &mut self,
        orientation: i16,
        offset: i64,
        size: u64,
    ) -> OdbcResult<(Vec<Row>, bool)> {
        let (range, before_start) =
            self.position
                .scroll(orientation, offset, size, self.rows.len())?;
        Ok((self.rows[range].to_vec(), before_start))
    }

    /// SQL_ATTR_ROW_NUMBER: the number of the first row of the rowset, 0 off the rows.
    pub fn row_number(&self) -> u64 {
        self.position.row_number()
    }
}

#[cfg(test)]
mod tests {
    use super::orientation as o;
    use super::*;

    fn go(current: Position, orientation: i16, offset: i64, size: u64, last: u64) -> Position {
        move_cursor(current, orientation, offset, size, size, last)
            .expect("valid orientation")
            .position
    }

    #[test]
    fn next_and_prior_walk_rowsets() {
        let p = go(Position::BeforeStart, o::NEXT, 0, 3, 10);
        assert_eq!(p, Position::At(1));
        assert_eq!(go(Position::At(7), o::NEXT, 0, 3, 10), Position::At(10));
        assert_eq!(go(Position::At(10), o::NEXT, 0, 3, 10), Position::AfterEnd);
        assert_eq!(go(Position::AfterEnd, o::PRIOR, 0, 3, 10), Position::At(8));
        assert_eq!(go(Position::AfterEnd, o::PRIOR, 0, 30, 10), Position::At(1));
        assert_eq!(
            go(Position::At(1), o::PRIOR, 0, 3, 10),
            Position::BeforeStart
        );
        let m = move_cursor(Position::At(2), o::PRIOR, 0, 3, 3, 10).expect("prior");
        assert_eq!(
            m,
            Moved {
                position: Position::At(1),
                before_start_warning: true
            }
        );
    }

    #[test]
    fn absolute_counts_from_either_end() {
        assert_eq!(
            go(Position::BeforeStart, o::ABSOLUTE, 4, 1, 10),
            Position::At(4)
        );
        assert_eq!(
            go(Position::BeforeStart, o::ABSOLUTE, -1, 1, 10),
            Position::At(10)
        );
        assert_eq!(
            go(Position::BeforeStart, o::ABSOLUTE, -10, 1, 10),
            Position::At(1)
        );
        assert_eq!(
            go(Position::BeforeStart, o::ABSOLUTE, -11, 1, 10),
            Position::BeforeStart
        );
        assert_eq!(
            go(Position::BeforeStart, o::ABSOLUTE, -11, 12, 10),
            Position::At(1)
        );
        assert_eq!(
            go(Position::At(3), o::ABSOLUTE, 0, 1, 10),
            Position::BeforeStart
        );
        assert_eq!(
            go(Position::At(3), o::ABSOLUTE, 11, 1, 10),
            Position::AfterEnd
        );
        assert_eq!(
            go(Position::At(3), o::ABSOLUTE, i64::MIN, 1, 10),
            Position::BeforeStart
        );
        assert_eq!(
            go(Position::At(3), o::ABSOLUTE, i64::MAX, 1, 10),
            Position::AfterEnd
        );
    }

    #[test]
    fn relative_moves_and_clamps() {
        assert_eq!(go(Position::At(5), o::RELATIVE, 2, 1, 10), Position::At(7));
        assert_eq!(go(Position::At(5), o::RELATIVE, 0, 1, 10), Position::At(5));
        assert_eq!(
            go(Position::At(5), o::RELATIVE, 6, 1, 10),
            Position::AfterEnd
        );
        assert_eq!(
            go(Position::At(5), o::RELATIVE, -5, 1, 10),
            Position::BeforeStart
        );
        assert_eq!(go(Position::At(2), o::RELATIVE, -3, 4, 10), Position::At(1));
        assert_eq!(
            go(Position::BeforeStart, o::RELATIVE, 3, 1, 10),
            Position::At(3)
        );
        assert_eq!(
            go(Position::BeforeStart, o::RELATIVE, -3, 1, 10),
            Position::BeforeStart
        );
        assert_eq!(
            go(Position::AfterEnd, o::RELATIVE, -2, 1, 10),
            Position::At(9)
        );
        assert_eq!(
            go(Position::AfterEnd, o::RELATIVE, 2, 1, 10),
            Position::AfterEnd
        );
        assert_eq!(
            go(Position::At(5), o::RELATIVE, i64::MAX, 1, 10),
            Position::AfterEnd
        );
        assert_eq!(
            go(Position::At(5), o::RELATIVE, i64::MIN, 1, 10),
            Position::BeforeStart
        );
    }

    #[test]
    fn first_last_and_empty_results() {
        assert_eq!(go(Position::At(5), o::FIRST, 0, 3, 10), Position::At(1));
        assert_eq!(go(Position::At(5), o::LAST, 0, 3, 10), Position::At(8));
        assert_eq!(go(Position::At(5), o::LAST, 0, 30, 10), Position::At(1));
        assert_eq!(
            go(Position::BeforeStart, o::FIRST, 0, 3, 0),
            Position::AfterEnd
        );
        assert_eq!(
            go(Position::BeforeStart, o::LAST, 0, 3, 0),
            Position::AfterEnd
        );
        assert_eq!(
            go(Position::BeforeStart, o::NEXT, 0, 3, 0),
            Position::AfterEnd
        );
    }

    #[test]
    fn bad_orientations_are_errors() {
        assert!(move_cursor(Position::BeforeStart, 99, 0, 1, 1, 10).is_err());
        assert!(move_cursor(Position::BeforeStart, o::BOOKMARK, 0, 1, 1, 10).is_err());
    }
}
