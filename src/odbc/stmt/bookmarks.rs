//! Bookmarks (SQL_ATTR_USE_BOOKMARKS): column 0 of a result, bound with SQLBindCol or read
//! with SQLGetData, holds a value that finds the row again with SQLFetchScroll(
//! SQL_FETCH_BOOKMARK) and SQLBulkOperations. As psqlODBC's, a bookmark is the row's number
//! in the result (1-based) as a 4-byte integer: variable-length bookmarks (SQL_UB_VARIABLE,
//! SQL_C_VARBOOKMARK) are those 4 bytes, fixed ones (SQL_UB_ON, SQL_C_BOOKMARK) the integer.
//! A bookmark stays valid while the cursor is open, across updates and deletes through it.

use super::{Statement, StmtState};
use crate::odbc::appmem;
use crate::odbc::convert::c;
use crate::odbc::diag::{state, OdbcError, OdbcResult};

/// SQL_UB_OFF.
pub(super) const BOOKMARKS_OFF: u64 = 0;
/// How many bytes a bookmark takes.
pub(super) const BOOKMARK_SIZE: usize = 4;

/// The C types column 0 can be read as: SQL_C_VARBOOKMARK (SQL_C_BINARY), SQL_C_BOOKMARK
/// (SQL_C_ULONG, or SQL_C_UBIGINT where a driver manager makes it 8 bytes), and the integer
/// types an application may use for a fixed bookmark.
fn bookmark_bytes(c_type: i16, number: u32) -> Option<Vec<u8>> {
    match c_type {
        c::BINARY | c::ULONG | c::SLONG | c::LONG | c::DEFAULT => {
            Some(number.to_ne_bytes().to_vec())
        }
        c::UBIGINT | c::SBIGINT => Some(u64::from(number).to_ne_bytes().to_vec()),
        _ => None,
    }
}

/// 07006 for a C type a bookmark cannot be read as.
fn not_a_bookmark_type(c_type: i16) -> OdbcError {
    OdbcError::new(
        state::RESTRICTED_DATA_TYPE,
        format!(
            "a bookmark cannot be read as C type {c_type}: use SQL_C_VARBOOKMARK or SQL_C_BOOKMARK"
        ),
    )
}

/// 07009 for column 0 while bookmarks are off.
pub(super) fn bookmarks_off() -> OdbcError {
    OdbcError::new(
        state::INVALID_DESCRIPTOR_INDEX,
        "column 0 is the bookmark column: set SQL_ATTR_USE_BOOKMARKS first",
    )
}

/// Writes bookmark `number` as `c_type` into the buffer at `data` (`cap` bytes, zero for
/// none) and its length into `ind`/`len`; 01004 is the caller's when it did not fit.
///
/// # Safety
/// `data` is zero or `cap` writable bytes; `ind` and `len` are zero or writable SQLLENs.
pub(super) unsafe fn write_bookmark(
    number: u64,
    c_type: i16,
    data: usize,
    cap: usize,
    ind: usize,
    len: usize,
) -> OdbcResult<bool> {
    let number = u32::try_from(number).map_err(|_| {
        OdbcError::new(
            state::GENERAL,
            "the row number does not fit a 4-byte bookmark",
        )
    })?;
    let bytes = bookmark_bytes(c_type, number).ok_or_else(|| not_a_bookmark_type(c_type))?;
    // Fixed types take their size whatever BufferLength says.
    let room = if c_type == c::BINARY {
        cap
    } else {
        bytes.len()
    };
    let written = bytes.len().min(room);
    if data != 0 && written > 0 {
        // SAFETY: the caller promised `cap` writable bytes (a fixed type's buffer holds the
        // type); `written` is within both.
        unsafe { appmem::bytes_mut(data, written) }.copy_from_slice(&bytes[..written]);
    }
    let total = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    // SAFETY: as the caller promised.
    unsafe {
        appmem::write_len(ind, total);
        if len != ind {
            appmem::write_len(len, total);
        }
    }
    Ok(written < bytes.len())
}

/// Reads the bookmark the application gives at `addr` (SQL_ATTR_FETCH_BOOKMARK_PTR, or a
/// bound column 0 element): its first 4 bytes as the row number.
///
/// # Safety
/// `addr` is zero or points to at least 4 readable bytes.
pub(super) unsafe fn read_bookmark(addr: usize) -> OdbcResult<u64> {
    if addr == 0 {
        return Err(OdbcError::new(
            state::NULL_POINTER,
            "no bookmark was given (SQL_ATTR_FETCH_BOOKMARK_PTR is null)",
        ));
    }
    // SAFETY: the caller promised 4 readable bytes.
    let raw = unsafe { appmem::bytes(addr, BOOKMARK_SIZE) };
    let mut word = [0u8; BOOKMARK_SIZE];
    word.copy_from_slice(raw);
    Ok(u64::from(u32::from_ne_bytes(word)))
}

impl Statement {
    /// The bookmark (row number) of rowset row `r` of the open result.
    pub(super) fn bookmark_of(st: &StmtState, r: usize) -> u64 {
        st.result
            .as_ref()
            .map_or(0, |rs| rs.row_number() + r as u64)
    }

    /// SQLGetData of column 0: the current row's bookmark.
    pub(super) fn get_bookmark(
        &self,
        st: &StmtState,
        target: i16,
        buf: usize,
        buf_len: i64,
        ind: usize,
    ) -> OdbcResult<bool> {
        if st.attrs.use_bookmarks == BOOKMARKS_OFF {
            return Err(bookmarks_off());
        }
        let number = Self::bookmark_of(st, st.getdata.row);
        let cap = usize::try_from(buf_len).unwrap_or(0);
        // SAFETY: SQLGetData's buffer of `buf_len` bytes (or a fixed type's size) and its
        // indicator, as the application passed them for this call.
        unsafe { write_bookmark(number, target, buf, cap, ind, ind) }
    }
}
