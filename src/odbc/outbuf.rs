//! Checks on the application's output arguments that come before any answer is written: a
//! buffer length may not be negative (HY090), and an argument the answer needs may not be a
//! null pointer (HY009). The FFI layer, which writes the answers, asks these first.

use super::diag::{state, OdbcError, OdbcResult};

/// HY090 for a negative buffer length.
pub fn check_length(cap: i64) -> OdbcResult<()> {
    if cap < 0 {
        return Err(OdbcError::new(
            state::INVALID_LENGTH,
            "negative buffer length",
        ));
    }
    Ok(())
}

/// HY009 when an argument the call must write through is a null pointer; `what` names it
/// in the message ("output pointer is null").
pub fn require(is_null: bool, what: &str) -> OdbcResult<()> {
    if is_null {
        return Err(OdbcError::new(
            state::NULL_POINTER,
            format!("{what} is null"),
        ));
    }
    Ok(())
}

/// SQLGetData into a fixed-size C type needs a buffer to put the value in.
#[inline]
pub fn check_get_data_target(target: i16, value_is_null: bool) -> OdbcResult<()> {
    if value_is_null && super::convert::fixed_size(target).is_some() {
        return Err(OdbcError::new(
            state::NULL_POINTER,
            "the value pointer is null",
        ));
    }
    Ok(())
}
