//! One value of a fetched row into one application buffer: the step both fetch paths
//! (bound columns and SQLGetData) repeat for every cell.

use crate::engine::session;
use crate::engine::value::{self, ValueContext};
use crate::odbc::appmem;
use crate::odbc::convert::{self, ConvertError, Reading, WideCursor, Written};
use crate::odbc::diag::{state, OdbcError, OdbcResult, SqlState};
use tokio_postgres::types::Type;
use tokio_postgres::Row;

/// What a cell write needs to know about its column, worked out once when the result opens
/// instead of at every cell: asking a `Type` its oid or kind walks a large match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ColumnFacts {
    /// The column's type oid.
    pub oid: u32,
    /// The binary value is the UTF-8 text itself (see [`convert::is_plain_text`]).
    pub plain_text: bool,
    /// A column of the lo extension's type, read as the object's bytes.
    pub large_object: bool,
    /// Some C type reads this column's binary value directly (see [`convert::write_direct`]).
    pub direct: bool,
}

impl ColumnFacts {
    pub(super) fn of(ty: &Type) -> ColumnFacts {
        let oid = ty.oid();
        ColumnFacts {
            oid,
            plain_text: convert::is_plain_text(oid),
            large_object: crate::odbc::types::is_large_object(ty),
            direct: convert::reads_directly(oid),
        }
    }
}

/// What [`write_cell`] found in the cell.
pub(super) enum CellWrite {
    /// SQL NULL: nothing was written; the caller sets the indicator.
    Null,
    Value(Written),
}

/// Converts column `ci` of `row` into the buffer at `data` (of `cap` bytes) as `c_type`.
///
/// # Safety
/// `data` is zero (nothing is written, only the length is worked out) or the start of `cap`
/// writable bytes of application memory that no Rust reference points into: a bound
/// column's element or the buffer given to SQLGetData.
#[allow(clippy::too_many_arguments)]
#[inline]
pub(super) unsafe fn write_cell(
    row: &Row,
    ci: usize,
    ty: &Type,
    values: &ValueContext,
    reading: &Reading,
    type_oid: u32,
    c_type: i16,
    data: usize,
    cap: usize,
    offset: usize,
    numeric_shape: Option<NumericShape>,
) -> OdbcResult<CellWrite> {
    let Some(raw) = session::raw_value(row, ci) else {
        return Ok(CellWrite::Null);
    };
    let mut scratch = [0u8; 0];
    let out: &mut [u8] = if data == 0 {
        &mut scratch
    } else {
        // SAFETY: non-zero, so the caller promised `cap` writable, unaliased bytes.
        unsafe { appmem::bytes_mut(data, cap) }
    };
    if reading.changes_values() {
        let target = if c_type == convert::c::DEFAULT {
            convert::default_c_type(ty)
        } else {
            c_type
        };
        let datum = match values.server_text.get(type_oid, raw) {
            Some(text) => value::Datum::Text(text),
            None => decode(ty, raw, values)?,
        };
        if let Some(result) = reading.write(&datum, target, out, offset) {
            return result
                .map(CellWrite::Value)
                .map_err(|e| convert_error(&e, None));
        }
    }
    if let Some(written) = convert::write_direct(type_oid, c_type, raw, out, offset) {
        return Ok(CellWrite::Value(written));
    }
    // Read as characters, a value the server rendered for this result is its text.
    if let Some(text) = values.server_text.get(type_oid, raw) {
        let target = if c_type == convert::c::DEFAULT {
            convert::default_c_type(ty)
        } else {
            c_type
        };
        if matches!(target, convert::c::CHAR | convert::c::WCHAR) {
            let written = convert::write_datum(&value::Datum::Text(text), target, out, offset)
                .map_err(|e| convert_error(&e, None))?;
            return Ok(CellWrite::Value(written));
        }
    }
    let datum = decode(ty, raw, values)?;
    let mut written =
        convert::write_datum(&datum, c_type, out, offset).map_err(|e| convert_error(&e, None))?;
    // A value too large for the struct keeps its 01004 (as psqlODBC answers it).
    if let Some(shape) =
        numeric_shape.filter(|_| c_type == convert::c::NUMERIC && !written.truncated)
    {
        written.fractional_truncation |=
            convert::rescale_numeric(out, shape.precision, shape.scale)
                .map_err(|e| convert_error(&e, None))?;
    }
    Ok(CellWrite::Value(written))
}

/// [`write_cell`]'s first step alone, for a column whose facts say it may read directly and a
/// non-zero buffer: the cell is NULL, or written as [`convert::write_direct`] writes it; `None`
/// leaves the cell to [`write_cell`].
///
/// # Safety
/// `data` is the start of `cap` writable bytes of application memory that no Rust reference
/// points into (as for [`write_cell`], but never zero).
#[inline(always)]
pub(super) unsafe fn write_cell_direct(
    row: &Row,
    ci: usize,
    type_oid: u32,
    c_type: i16,
    data: usize,
    cap: usize,
) -> Option<CellWrite> {
    let Some(raw) = session::raw_value(row, ci) else {
        return Some(CellWrite::Null);
    };
    // SAFETY: the caller promised `cap` writable, unaliased bytes at `data`.
    let out = unsafe { appmem::bytes_mut(data, cap) };
    convert::write_direct(type_oid, c_type, raw, out, 0).map(CellWrite::Value)
}

/// The value of a cell, decoded from its binary form.
fn decode<'r>(ty: &Type, raw: &'r [u8], values: &ValueContext) -> OdbcResult<value::Datum<'r>> {
    value::decode_in(ty, raw, values).map_err(|e| {
        OdbcError::new(
            state::GENERAL,
            format!("could not read a {} value: {e}", ty.name()),
        )
    })
}

/// The precision and scale an application set in a descriptor record for SQL_C_NUMERIC
/// (SQL_DESC_PRECISION above 0 says it did): the struct takes them instead of the value's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct NumericShape {
    pub precision: i16,
    pub scale: i16,
}

impl NumericShape {
    /// The shape a descriptor record asks for, when it asks for one.
    pub(super) fn of(c_type: i16, precision: i16, scale: i16) -> Option<NumericShape> {
        (c_type == convert::c::NUMERIC && precision > 0)
            .then_some(NumericShape { precision, scale })
    }
}

/// A conversion failure as the ODBC error it reports, naming the parameter when there is one.
pub(super) fn convert_error(e: &ConvertError, param: Option<usize>) -> OdbcError {
    let message = match param {
        Some(n) => format!("{} (parameter {n})", e.message()),
        None => e.message(),
    };
    OdbcError::new(SqlState::new(e.sqlstate()), message)
}

/// [`write_cell`] for a SQLGetData piece: a plain text column read as SQL_C_WCHAR resumes
/// from `cursor` (where the previous piece of the same column stopped), so each piece costs
/// only its own length; everything else goes through [`write_cell`].
///
/// # Safety
/// As for [`write_cell`].
#[allow(clippy::too_many_arguments)]
#[inline]
pub(super) unsafe fn write_cell_piece(
    row: &Row,
    ci: usize,
    ty: &Type,
    values: &ValueContext,
    reading: &Reading,
    facts: ColumnFacts,
    c_type: i16,
    data: usize,
    cap: usize,
    offset: usize,
    cursor: &mut WideCursor,
    numeric_shape: Option<NumericShape>,
) -> OdbcResult<CellWrite> {
    if c_type == convert::c::WCHAR && facts.plain_text && !reading.changes_values() {
        let Some(raw) = session::raw_value(row, ci) else {
            return Ok(CellWrite::Null);
        };
        let mut scratch = [0u8; 0];
        let out: &mut [u8] = if data == 0 {
            &mut scratch
        } else {
            // SAFETY: non-zero, so the caller promised `cap` writable, unaliased bytes.
            unsafe { appmem::bytes_mut(data, cap) }
        };
        if let Some(written) = convert::write_wide_text(raw, out, offset, cursor) {
            return Ok(CellWrite::Value(written));
        }
    }
    // SAFETY: the caller's promise about `data` and `cap`, passed on unchanged.
    unsafe {
        write_cell(
            row,
            ci,
            ty,
            values,
            reading,
            facts.oid,
            c_type,
            data,
            cap,
            offset,
            numeric_shape,
        )
    }
}
