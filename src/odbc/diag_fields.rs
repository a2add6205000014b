//! What SQLGetDiagRec, SQLGetDiagField and ODBC 2's SQLError answer from a diagnostic area:
//! header and record fields, the origin of a SQLSTATE, and SQLError's consuming read. The
//! FFI layer finds the area behind a handle and writes the answer.

use super::diag::{DiagArea, DiagRecord, Diagnostics, MESSAGE_PREFIX};

/// The message text as the application sees it (with the driver's prefix, unless the record
/// is a server's message).
pub fn message_of(rec: &DiagRecord) -> String {
    if rec.prefixed {
        format!("{MESSAGE_PREFIX}{}", rec.message)
    } else {
        rec.message.clone()
    }
}

/// Record `number` (1-based) of an area.
fn record(area: &DiagArea, number: i16) -> Option<&DiagRecord> {
    area.records
        .get(usize::try_from(number - 1).unwrap_or(usize::MAX))
}

/// What SQLGetDiagRec and SQLError answer for one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordAnswer {
    pub state: String,
    pub native: i32,
    pub message: String,
}

/// How a diagnostic call ends when it has no value to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoAnswer {
    /// SQL_NO_DATA: no such record.
    NoData,
    /// SQL_ERROR: an invalid argument (recorded nowhere, as ODBC requires).
    Error,
}

/// SQLGetDiagRec: record `number`; a number below 1 or a negative buffer length is an error.
pub fn rec(area: &Diagnostics, number: i16, cap: i16) -> Result<RecordAnswer, NoAnswer> {
    if number < 1 || cap < 0 {
        return Err(NoAnswer::Error);
    }
    let area = area.lock();
    let rec = record(&area, number).ok_or(NoAnswer::NoData)?;
    Ok(RecordAnswer {
        state: rec.state.as_str().to_string(),
        native: rec.native,
        message: message_of(rec),
    })
}

/// SQLError: the next record SQLError has not returned yet (it consumes records, unlike
/// SQLGetDiagRec), with ODBC 2 SQLSTATEs for an ODBC 2 application.
pub fn next_error(area: &Diagnostics, odbc2: bool) -> Option<RecordAnswer> {
    let mut area = area.lock();
    let rec = area.records.get(area.error_cursor).cloned()?;
    area.error_cursor += 1;
    let state = if odbc2 { rec.state.odbc2() } else { rec.state };
    Some(RecordAnswer {
        state: state.as_str().to_string(),
        native: rec.native,
        message: message_of(&rec),
    })
}

/// SQL_DIAG_* identifiers.
mod field {
    pub const RETURNCODE: i16 = 1;
    pub const NUMBER: i16 = 2;
    pub const ROW_COUNT: i16 = 3;
    pub const SQLSTATE: i16 = 4;
    pub const NATIVE: i16 = 5;
    pub const MESSAGE_TEXT: i16 = 6;
    pub const DYNAMIC_FUNCTION: i16 = 7;
    pub const CLASS_ORIGIN: i16 = 8;
    pub const SUBCLASS_ORIGIN: i16 = 9;
    pub const CONNECTION_NAME: i16 = 10;
    pub const SERVER_NAME: i16 = 11;
    pub const DYNAMIC_FUNCTION_CODE: i16 = 12;
    pub const CURSOR_ROW_COUNT: i16 = -1249;
    pub const ROW_NUMBER: i16 = -1248;
    pub const COLUMN_NUMBER: i16 = -1247;
}

/// A diagnostic field in its C width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldAnswer {
    Small(i16),
    Int(i32),
    Len(isize),
    /// A string; `report_truncation` is false for the header's (always empty)
    /// SQL_DIAG_DYNAMIC_FUNCTION.
    Text {
        value: String,
        report_truncation: bool,
    },
}

fn text(value: String) -> FieldAnswer {
    FieldAnswer::Text {
        value,
        report_truncation: true,
    }
}

/// SQLGetDiagField: header field `id`, or field `id` of record `number`. `statement` says
/// whether the area is a statement's (only those have row counts); `server_name` is the
/// connection's host.
pub fn field(
    area: &Diagnostics,
    statement: bool,
    number: i16,
    id: i16,
    server_name: &str,
) -> Result<FieldAnswer, NoAnswer> {
    let return_code = area.return_code();
    let area = area.lock();
    match id {
        field::RETURNCODE => return Ok(FieldAnswer::Small(return_code)),
        field::NUMBER => {
            return Ok(FieldAnswer::Int(
                i32::try_from(area.records.len()).unwrap_or(i32::MAX),
            ))
        }
        field::ROW_COUNT | field::CURSOR_ROW_COUNT => {
            if !statement {
                return Err(NoAnswer::Error);
            }
            return Ok(FieldAnswer::Len(
                isize::try_from(area.row_count).unwrap_or(-1),
            ));
        }
        field::DYNAMIC_FUNCTION => {
            return Ok(FieldAnswer::Text {
                value: String::new(),
                report_truncation: false,
            })
        }
        field::DYNAMIC_FUNCTION_CODE => return Ok(FieldAnswer::Int(0)),
        _ => {}
    }
    if number < 1 {
        return Err(NoAnswer::Error);
    }
    let rec = record(&area, number).ok_or(NoAnswer::NoData)?;
    let st = rec.state.as_str();
    Ok(match id {
        field::SQLSTATE => text(st.to_string()),
        field::MESSAGE_TEXT => text(message_of(rec)),
        field::CLASS_ORIGIN => text(class_origin(st).to_string()),
        field::SUBCLASS_ORIGIN => text(subclass_origin(st).to_string()),
        field::CONNECTION_NAME => text(String::new()),
        field::SERVER_NAME => text(server_name.to_string()),
        field::NATIVE => FieldAnswer::Int(rec.native),
        field::ROW_NUMBER => FieldAnswer::Len(isize::try_from(rec.row).unwrap_or(-1)),
        field::COLUMN_NUMBER => FieldAnswer::Int(rec.column),
        _ => return Err(NoAnswer::Error),
    })
}

/// ODBC's rule: states of class 01..HZ defined by ISO start with "ISO 9075", others are ODBC's.
fn class_origin(state: &str) -> &'static str {
    let class = &state[..2.min(state.len())];
    let iso = matches!(
        class,
        "01" | "02"
            | "07"
            | "08"
            | "21"
            | "22"
            | "23"
            | "24"
            | "25"
            | "28"
            | "2D"
            | "34"
            | "3C"
            | "3D"
            | "3F"
            | "40"
            | "42"
            | "44"
            | "HZ"
    );
    if iso {
        "ISO 9075"
    } else {
        "ODBC 3.0"
    }
}

fn subclass_origin(state: &str) -> &'static str {
    const ODBC_DEFINED: &[&str] = &[
        "01S00", "01S01", "01S02", "01S06", "01S07", "07S01", "08S01", "21S01", "21S02", "25S01",
        "25S02", "25S03", "42S01", "42S02", "42S11", "42S12", "42S21", "42S22", "HY095", "HY097",
        "HY098", "HY099", "HY100", "HY101", "HY105", "HY107", "HY109", "HY110", "HY111", "HYT00",
        "HYT01", "IM001", "IM002", "IM003", "IM004", "IM005", "IM006", "IM007", "IM008", "IM010",
        "IM011", "IM012",
    ];
    if ODBC_DEFINED.contains(&state) {
        "ODBC 3.0"
    } else {
        class_origin(state)
    }
}
