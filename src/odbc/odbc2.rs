//! ODBC 2 functions the driver answers itself rather than leaving to the driver manager's
//! emulation (isql and other ODBC 2 applications call them): SQLExtendedFetch's block fetch.

use super::diag::{state, OdbcError, OdbcResult, Outcome};
use super::stmt::Statement;

/// SQLExtendedFetch. The rowset size is SQL_ROWSET_SIZE (kept with the row array size); the
/// row count and status array are this call's arguments (addresses) rather than statement
/// attributes, so they stand in for the IRD's pointers during the call. The orientations are
/// SQLFetchScroll's.
pub fn extended_fetch(
    s: &Statement,
    orientation: u16,
    offset: isize,
    row_count: usize,
    row_status: usize,
) -> OdbcResult<Outcome> {
    let orientation = i16::try_from(orientation).map_err(|_| {
        OdbcError::new(
            state::INVALID_FETCH_ORIENTATION,
            format!("fetch orientation {orientation} is out of range"),
        )
    })?;
    let saved = {
        let mut ird = s.ird.lock();
        let saved = (ird.rows_processed_ptr, ird.array_status_ptr);
        ird.rows_processed_ptr = row_count;
        ird.array_status_ptr = row_status;
        saved
    };
    // SQLExtendedFetch passes the bookmark itself as the row (no bookmark pointer).
    let (orientation, offset) = if orientation == crate::odbc::scroll::orientation::BOOKMARK {
        (crate::odbc::scroll::orientation::ABSOLUTE, offset as i64)
    } else {
        (orientation, offset as i64)
    };
    let result = s.fetch_scroll(orientation, offset);
    let mut ird = s.ird.lock();
    ird.rows_processed_ptr = saved.0;
    ird.array_status_ptr = saved.1;
    result
}
