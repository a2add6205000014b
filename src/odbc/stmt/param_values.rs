//! Reading one parameter set's values out of the buffers the application bound with
//! SQLBindParameter (or supplied at execution), as the text the server is sent.

use super::cell::{convert_error, NumericShape};
use super::{Statement, StmtState};
use crate::odbc::appmem;
use crate::odbc::convert::{self, c};
use crate::odbc::diag::{state, OdbcError, OdbcResult};
use crate::odbc::params;
use crate::odbc::sqltext::SqlPiece;
use crate::odbc::types;

impl Statement {
    /// The text values of the parameters of `piece` for parameter set `set`.
    pub(super) fn collect_params(
        &self,
        st: &StmtState,
        piece: &SqlPiece,
        set: u64,
    ) -> OdbcResult<Vec<Option<String>>> {
        let apd = st.apd.lock();
        let ipd = self.ipd.lock();
        let set = usize::try_from(set).unwrap_or(0);
        // SAFETY: SQL_ATTR_PARAM_BIND_OFFSET_PTR as the application bound it (zero or a
        // readable SQLLEN, kept valid while bound).
        let offset = unsafe { appmem::bind_offset(apd.bind_offset_ptr) };
        let bind_type = usize::try_from(apd.bind_type).unwrap_or(0);
        let mut values = Vec::with_capacity(piece.param_count);
        for k in 0..piece.param_count {
            let number = piece.param_number(k);
            let Some(rec) = apd.record(number).filter(|r| r.is_bound()) else {
                return Err(OdbcError::new(
                    state::COUNT_FIELD_INCORRECT,
                    format!("parameter {number} is not bound"),
                ));
            };
            let sql_type = ipd
                .record(number)
                .map_or(types::sql::VARCHAR, |r| r.concise_type);
            let mut c_type = rec.concise_type;
            if c_type == c::DEFAULT {
                c_type = default_c_type_for_sql(sql_type);
            }
            let elem_size = convert::fixed_size(c_type)
                .unwrap_or_else(|| usize::try_from(rec.octet_length).unwrap_or(0));
            let stride_data = if bind_type > 0 { bind_type } else { elem_size };
            let stride_len = if bind_type > 0 {
                bind_type
            } else {
                std::mem::size_of::<isize>()
            };
            let data = if rec.data_ptr != 0 {
                rec.data_ptr + offset + set * stride_data
            } else {
                0
            };
            let ind_addr = if rec.indicator_ptr != 0 {
                rec.indicator_ptr + offset + set * stride_len
            } else {
                0
            };
            let len_addr = if rec.octet_length_ptr != 0 {
                rec.octet_length_ptr + offset + set * stride_len
            } else {
                0
            };
            let indicator = if ind_addr != 0 {
                // SAFETY: the indicator of set `set` in the array the application bound with
                // SQLBindParameter, at the offset and stride its descriptor fields give.
                Some(unsafe { appmem::read_len(ind_addr) })
            } else {
                None
            };
            let length = if len_addr != 0 {
                // SAFETY: the length of set `set`, bound as the indicator above.
                unsafe { appmem::read_len(len_addr) }
            } else {
                appmem::NTS
            };
            if indicator != Some(appmem::NULL_DATA)
                && (length == appmem::DATA_AT_EXEC || length <= appmem::LEN_DATA_AT_EXEC_OFFSET)
            {
                let supplied = st.dae.as_ref().and_then(|d| d.value(number, set as u64));
                match supplied {
                    Some(Some(bytes)) => {
                        values.push(Some(self.param_text(
                            c_type,
                            sql_type,
                            bytes,
                            number,
                            st.lf_params,
                        )?));
                    }
                    Some(None) => values.push(None),
                    None => {
                        return Err(OdbcError::new(
                            state::SEQUENCE_ERROR,
                            format!(
                                "no data was supplied for data-at-execution parameter {number}"
                            ),
                        ))
                    }
                }
                continue;
            }
            if indicator == Some(appmem::NULL_DATA) || data == 0 {
                values.push(None);
                continue;
            }
            let bytes: &[u8] = match convert::fixed_size(c_type) {
                // SAFETY: a bound parameter of a fixed-size C type holds that many bytes
                // (SQLBindParameter ignores BufferLength for them).
                Some(n) => unsafe { appmem::bytes(data, n) },
                None => {
                    let n = if length == appmem::NTS || length < 0 {
                        let cap = if rec.octet_length > 0 {
                            usize::try_from(rec.octet_length).unwrap_or(usize::MAX)
                        } else {
                            usize::MAX / 2
                        };
                        // SAFETY: a bound string without a length is NUL-terminated
                        // (SQL_NTS), and no longer than its buffer when one was given.
                        unsafe {
                            if c_type == c::WCHAR {
                                appmem::wcslen_bytes(data, cap)
                            } else {
                                appmem::strlen(data, cap)
                            }
                        }
                    } else {
                        usize::try_from(length).unwrap_or(0)
                    };
                    // SAFETY: `n` is the length the application gave for this value or the
                    // length of its NUL-terminated text, all readable.
                    unsafe { appmem::bytes(data, n) }
                }
            };
            // SQL_C_NUMERIC with SQL_DESC_PRECISION/SCALE set in the APD: the struct's
            // magnitude is read at the descriptor's scale.
            let shaped;
            let bytes = match NumericShape::of(c_type, rec.precision, rec.scale) {
                Some(shape) => {
                    shaped = numeric_at_scale(bytes, shape);
                    &shaped[..]
                }
                None => bytes,
            };
            values.push(Some(self.param_text(
                c_type,
                sql_type,
                bytes,
                number,
                st.lf_params,
            )?));
        }
        Ok(values)
    }
}

impl Statement {
    /// Parameter `number`'s value as text; 01S07 (once per call) when fractional seconds
    /// were truncated.
    pub(super) fn param_text(
        &self,
        c_type: i16,
        sql_type: i16,
        bytes: &[u8],
        number: usize,
        lf_conversion: bool,
    ) -> OdbcResult<String> {
        let rendered = params::param_to_text(c_type, sql_type, bytes)
            .map_err(|e| convert_error(&e, Some(number)))?;
        if rendered.fraction_truncated {
            let mut diag = self.diag.lock();
            if !diag
                .records
                .iter()
                .any(|r| r.state == state::FRACTIONAL_TRUNCATION)
            {
                diag.push(
                    state::FRACTIONAL_TRUNCATION,
                    format!(
                        "fractional seconds finer than microseconds were truncated (parameter {number})"
                    ),
                );
            }
        }
        let character = matches!(c_type, c::CHAR | c::WCHAR);
        let binary_column = matches!(
            sql_type,
            types::sql::BINARY | types::sql::VARBINARY | types::sql::LONGVARBINARY
        );
        if lf_conversion && character && !binary_column {
            if let std::borrow::Cow::Owned(converted) = convert::lf_line_ends(&rendered.text) {
                return Ok(converted);
            }
        }
        Ok(rendered.text)
    }

    /// The server types (oids) the parameters of `piece` are prepared with: what each one's
    /// SQL type in the IPD names ([`params::server_type_of`]); an output-only parameter, or
    /// one not described, is left to the server (psqlODBC casts input parameters only).
    pub(super) fn param_server_types(&self, piece: &SqlPiece) -> Vec<u32> {
        let ipd = self.ipd.lock();
        (0..piece.param_count)
            .map(|k| {
                ipd.record(piece.param_number(k))
                    .filter(|r| r.parameter_type != SQL_PARAM_OUTPUT)
                    .map_or(0, |r| params::server_type_of(r.concise_type))
            })
            // The driver's own (a positioned statement's row identity) carry their casts.
            .chain(std::iter::repeat_n(0, piece.driver_params()))
            .collect()
    }
}

/// A copy of a SQL_NUMERIC_STRUCT with the precision and scale of `shape`.
fn numeric_at_scale(bytes: &[u8], shape: NumericShape) -> Vec<u8> {
    let mut copy = bytes.to_vec();
    if let [precision, scale, ..] = copy.as_mut_slice() {
        *precision = u8::try_from(shape.precision).unwrap_or(u8::MAX);
        *scale = i8::try_from(shape.scale).unwrap_or(0).to_ne_bytes()[0];
    }
    copy
}

/// SQL_PARAM_OUTPUT (SQLBindParameter's InputOutputType).
const SQL_PARAM_OUTPUT: i16 = 4;

/// SQL_C_DEFAULT for a parameter: the C type ODBC pairs with its SQL type.
pub(super) fn default_c_type_for_sql(sql_type: i16) -> i16 {
    use types::sql;
    match sql_type {
        sql::BIT => -7,
        sql::TINYINT => -26,
        sql::SMALLINT => -15,
        sql::INTEGER => -16,
        sql::BIGINT => -25,
        sql::REAL => 7,
        sql::FLOAT | sql::DOUBLE => 8,
        sql::TYPE_DATE | sql::DATE => 91,
        sql::TYPE_TIME | sql::TIME => 92,
        sql::TYPE_TIMESTAMP | sql::TIMESTAMP => 93,
        sql::BINARY | sql::VARBINARY | sql::LONGVARBINARY => c::BINARY,
        sql::WCHAR | sql::WVARCHAR | sql::WLONGVARCHAR => c::WCHAR,
        sql::GUID => -11,
        _ => c::CHAR,
    }
}
