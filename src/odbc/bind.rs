//! SQLBindCol and SQLBindParameter: binding is writing the statement's descriptor records (the
//! ARD for columns; the APD and IPD for parameters), so SQLSetDescField sees the same binding.
//! Buffers are kept as addresses; only the fetch and execute code reads or writes them.

use super::diag::{state, OdbcError, OdbcResult};
use super::outbuf;
use super::procedure_call::io_type;
use super::stmt::Statement;

const SQL_PARAM_INPUT: i16 = 1;
/// HY105: an InputOutputType ODBC does not define.
const INVALID_PARAMETER_TYPE: crate::odbc::diag::SqlState =
    crate::odbc::diag::SqlState::new("HY105");

/// SQLBindCol: binds column `col` (1-based) to the buffer at `value` of `cap` bytes and the
/// length/indicator at `ind`; both null unbind it.
pub fn bind_col(
    s: &Statement,
    col: u16,
    target: i16,
    value: usize,
    cap: isize,
    ind: usize,
) -> OdbcResult<()> {
    if col == 0 {
        // The bookmark column (see `stmt::bookmarks`).
        let st = s.state.lock();
        if st.attrs.use_bookmarks == 0 {
            return Err(OdbcError::new(
                state::INVALID_DESCRIPTOR_INDEX,
                "column 0 is the bookmark column: set SQL_ATTR_USE_BOOKMARKS first",
            ));
        }
        outbuf::check_length(cap as i64)?;
        st.ard.lock().bookmark.bind(target, value, cap as i64, ind);
        return Ok(());
    }
    outbuf::check_length(cap as i64)?;
    let st = s.state.lock();
    let mut ard = st.ard.lock();
    ard.record_mut(usize::from(col))
        .bind(target, value, cap as i64, ind);
    if value == 0 && ind == 0 {
        ard.trim();
    }
    Ok(())
}

/// How SQLBindParameter describes a parameter to the driver (its IPD record).
#[derive(Debug, Clone, Copy)]
pub struct ParamShape {
    pub io_type: i16,
    pub sql_type: i16,
    pub column_size: usize,
    pub decimal_digits: i16,
}

/// SQLBindParameter: the application's buffer goes into the APD record, the parameter's
/// description into the IPD record. Output and input/output parameters take their values
/// from a procedure call's result (`super::procedure_call`); streamed ones are not supported.
pub fn bind_parameter(
    s: &Statement,
    number: u16,
    c_type: i16,
    shape: ParamShape,
    value: usize,
    cap: isize,
    ind: usize,
) -> OdbcResult<()> {
    if number == 0 {
        return Err(OdbcError::new(
            state::INVALID_DESCRIPTOR_INDEX,
            "parameter numbers start at 1",
        ));
    }
    match shape.io_type {
        SQL_PARAM_INPUT | io_type::INPUT_OUTPUT | io_type::OUTPUT => {}
        io_type::INPUT_OUTPUT_STREAM | io_type::OUTPUT_STREAM => {
            return Err(OdbcError::new(
                state::NOT_IMPLEMENTED,
                "streamed output parameters are not supported",
            ))
        }
        other => {
            return Err(OdbcError::new(
                INVALID_PARAMETER_TYPE,
                format!("{other} is not a parameter type (InputOutputType)"),
            ))
        }
    }
    outbuf::check_length(cap as i64)?;
    let st = s.state.lock();
    st.apd
        .lock()
        .record_mut(usize::from(number))
        .bind(c_type, value, cap as i64, ind);
    let mut ipd = s.ipd.lock();
    let rec = ipd.record_mut(usize::from(number));
    rec.concise_type = shape.sql_type;
    rec.length = shape.column_size as u64;
    rec.scale = shape.decimal_digits;
    rec.parameter_type = shape.io_type;
    Ok(())
}
