//! Entry points for statements: execution, results, binding, statement attributes.
//!
//! # Safety
//! Every exported function here relies on the caller following the ODBC specification for it:
//! handles come from this driver (checked against the registry anyway), and every pointer is
//! null or valid for the length the call passes. That one contract is stated here rather than
//! on each function.
#![allow(clippy::missing_safety_doc)]

use super::guard::{self, call_stmt};
use super::handles;
use super::text::{self, Enc, OutLen, Unit};
use crate::odbc::diag::{state, OdbcError, Outcome};
use crate::odbc::stmt::Statement;
use crate::odbc::types;
use std::ffi::c_void;
use std::sync::Arc;

fn stmt(h: *mut c_void) -> Option<Arc<Statement>> {
    handles::stmt(h)
}

unsafe fn exec_direct(enc: Enc, h: *mut c_void, sql: *const c_void, len: i32) -> i16 {
    call_stmt(h, |s| {
        let sql = text::read_required(enc, sql, len, "the statement text")?;
        s.exec_direct(&sql)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLExecDirect(h: *mut c_void, sql: *const u8, len: i32) -> i16 {
    guard::raw(|| exec_direct(Enc::Narrow, h, sql.cast(), len))
}

#[no_mangle]
pub unsafe extern "C" fn SQLExecDirectW(h: *mut c_void, sql: *const u16, len: i32) -> i16 {
    guard::raw(|| exec_direct(Enc::Wide, h, sql.cast(), len))
}

unsafe fn prepare(enc: Enc, h: *mut c_void, sql: *const c_void, len: i32) -> i16 {
    call_stmt(h, |s| {
        let sql = text::read_required(enc, sql, len, "the statement text")?;
        s.prepare(&sql)?;
        Ok(Outcome::Success)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLPrepare(h: *mut c_void, sql: *const u8, len: i32) -> i16 {
    guard::raw(|| prepare(Enc::Narrow, h, sql.cast(), len))
}

#[no_mangle]
pub unsafe extern "C" fn SQLPrepareW(h: *mut c_void, sql: *const u16, len: i32) -> i16 {
    guard::raw(|| prepare(Enc::Wide, h, sql.cast(), len))
}

#[no_mangle]
pub unsafe extern "C" fn SQLExecute(h: *mut c_void) -> i16 {
    guard::raw(|| call_stmt(h, |s| s.execute()))
}

#[no_mangle]
pub unsafe extern "C" fn SQLNumResultCols(h: *mut c_void, count: *mut i16) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            if count.is_null() {
                return Err(OdbcError::new(
                    state::NULL_POINTER,
                    "output pointer is null",
                ));
            }
            let n = s.num_result_cols()?;
            text::put(count, i16::try_from(n).unwrap_or(i16::MAX));
            Ok(Outcome::Success)
        })
    })
}

fn odbc2_app(s: &Statement) -> bool {
    s.conn.env.odbc_version() == crate::odbc::env::SQL_OV_ODBC2
}

#[allow(clippy::too_many_arguments)]
unsafe fn describe_col(
    enc: Enc,
    h: *mut c_void,
    col: u16,
    name: *mut c_void,
    cap: i16,
    name_len: *mut i16,
    data_type: *mut i16,
    size: *mut usize,
    digits: *mut i16,
    nullable: *mut i16,
) -> i16 {
    call_stmt(h, |s| {
        let info = s.column(col)?;
        if text::write(
            enc,
            &info.name,
            name,
            isize::from(cap),
            Unit::Chars,
            OutLen::Small(name_len),
        ) {
            s.diag
                .lock()
                .push(state::STRING_TRUNCATED, "column name truncated");
        }
        let t = if odbc2_app(s) {
            types::odbc2_sql_type(info.sql_type)
        } else {
            info.sql_type
        };
        text::put(data_type, t);
        text::put(
            size,
            usize::try_from(info.column_size).unwrap_or(usize::MAX),
        );
        text::put(digits, info.decimal_digits);
        text::put(nullable, info.nullable);
        Ok(Outcome::Success)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLDescribeCol(
    h: *mut c_void,
    col: u16,
    name: *mut u8,
    cap: i16,
    name_len: *mut i16,
    data_type: *mut i16,
    size: *mut usize,
    digits: *mut i16,
    nullable: *mut i16,
) -> i16 {
    guard::raw(|| {
        describe_col(
            Enc::Narrow,
            h,
            col,
            name.cast(),
            cap,
            name_len,
            data_type,
            size,
            digits,
            nullable,
        )
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLDescribeColW(
    h: *mut c_void,
    col: u16,
    name: *mut u16,
    cap: i16,
    name_len: *mut i16,
    data_type: *mut i16,
    size: *mut usize,
    digits: *mut i16,
    nullable: *mut i16,
) -> i16 {
    guard::raw(|| {
        describe_col(
            Enc::Wide,
            h,
            col,
            name.cast(),
            cap,
            name_len,
            data_type,
            size,
            digits,
            nullable,
        )
    })
}

/// Descriptor field identifiers SQLColAttribute answers (ODBC 3 and their ODBC 2 aliases).
mod field {
    pub const COLUMN_COUNT: u16 = 0;
    pub const COLUMN_NAME: u16 = 1;
    pub const CONCISE_TYPE: u16 = 2;
    pub const COLUMN_LENGTH: u16 = 3;
    pub const COLUMN_PRECISION: u16 = 4;
    pub const COLUMN_SCALE: u16 = 5;
    pub const DISPLAY_SIZE: u16 = 6;
    pub const COLUMN_NULLABLE: u16 = 7;
    pub const UNSIGNED: u16 = 8;
    pub const FIXED_PREC_SCALE: u16 = 9;
    pub const UPDATABLE: u16 = 10;
    pub const AUTO_UNIQUE_VALUE: u16 = 11;
    pub const CASE_SENSITIVE: u16 = 12;
    pub const SEARCHABLE: u16 = 13;
    pub const TYPE_NAME: u16 = 14;
    pub const TABLE_NAME: u16 = 15;
    pub const SCHEMA_NAME: u16 = 16;
    pub const CATALOG_NAME: u16 = 17;
    pub const LABEL: u16 = 18;
    pub const BASE_COLUMN_NAME: u16 = 22;
    pub const BASE_TABLE_NAME: u16 = 23;
    pub const LITERAL_PREFIX: u16 = 27;
    pub const LITERAL_SUFFIX: u16 = 28;
    pub const LOCAL_TYPE_NAME: u16 = 29;
    pub const NUM_PREC_RADIX: u16 = 32;
    pub const COUNT: u16 = 1001;
    pub const TYPE: u16 = 1002;
    pub const LENGTH: u16 = 1003;
    pub const PRECISION: u16 = 1005;
    pub const SCALE: u16 = 1006;
    pub const DATETIME_INTERVAL_CODE: u16 = 1007;
    pub const NULLABLE: u16 = 1008;
    pub const NAME: u16 = 1011;
    pub const UNNAMED: u16 = 1012;
    pub const OCTET_LENGTH: u16 = 1013;
}

enum AttrValue {
    Text(String),
    Number(i64),
}

#[allow(clippy::too_many_arguments)]
unsafe fn col_attribute(
    enc: Enc,
    h: *mut c_void,
    col: u16,
    id: u16,
    char_attr: *mut c_void,
    cap: i16,
    str_len: *mut i16,
    num_attr: *mut isize,
) -> i16 {
    call_stmt(h, |s| {
        let value = if id == field::COUNT || id == field::COLUMN_COUNT {
            AttrValue::Number(i64::try_from(s.num_result_cols()?).unwrap_or(0))
        } else {
            let info = s.column(col)?;
            let odbc2 = odbc2_app(s);
            let concise = if odbc2 {
                types::odbc2_sql_type(info.sql_type)
            } else {
                info.sql_type
            };
            let num = |v: i64| AttrValue::Number(v);
            match id {
                field::COLUMN_NAME | field::NAME | field::LABEL | field::BASE_COLUMN_NAME => {
                    AttrValue::Text(info.name.clone())
                }
                field::CONCISE_TYPE => num(i64::from(concise)),
                field::TYPE => num(i64::from(if odbc2 {
                    concise
                } else {
                    types::verbose_type(info.sql_type).0
                })),
                field::DATETIME_INTERVAL_CODE => {
                    num(i64::from(types::verbose_type(info.sql_type).1))
                }
                field::COLUMN_LENGTH => num(info.octet_length),
                field::LENGTH => num(i64::try_from(info.column_size).unwrap_or(i64::MAX)),
                field::COLUMN_PRECISION => num(i64::try_from(info.column_size).unwrap_or(i64::MAX)),
                field::PRECISION => num(i64::from(info.precision)),
                field::COLUMN_SCALE | field::SCALE => num(i64::from(info.scale)),
                field::DISPLAY_SIZE => num(info.display_size),
                field::COLUMN_NULLABLE | field::NULLABLE => num(i64::from(info.nullable)),
                field::UNSIGNED => num(i64::from(info.unsigned || !is_numeric(info.sql_type))),
                field::FIXED_PREC_SCALE => num(i64::from(info.fixed_prec_scale)),
                field::UPDATABLE => num(2),
                field::AUTO_UNIQUE_VALUE => num(0),
                field::CASE_SENSITIVE => num(i64::from(info.case_sensitive)),
                field::SEARCHABLE => num(i64::from(info.searchable)),
                field::TYPE_NAME | field::LOCAL_TYPE_NAME => {
                    AttrValue::Text(info.type_name.clone())
                }
                field::TABLE_NAME
                | field::SCHEMA_NAME
                | field::CATALOG_NAME
                | field::BASE_TABLE_NAME => AttrValue::Text(String::new()),
                field::LITERAL_PREFIX | field::LITERAL_SUFFIX => {
                    AttrValue::Text(literal_quote(info.sql_type).to_string())
                }
                field::NUM_PREC_RADIX => num(i64::from(info.num_prec_radix)),
                field::UNNAMED => num(0),
                field::OCTET_LENGTH => num(info.octet_length),
                other => {
                    return Err(OdbcError::new(
                        state::INVALID_DESC_FIELD,
                        format!("unknown column attribute {other}"),
                    ))
                }
            }
        };
        match value {
            AttrValue::Text(t) => {
                if text::write(
                    enc,
                    &t,
                    char_attr,
                    isize::from(cap),
                    Unit::Bytes,
                    OutLen::Small(str_len),
                ) {
                    s.diag
                        .lock()
                        .push(state::STRING_TRUNCATED, "string data, right truncated");
                }
            }
            AttrValue::Number(n) => text::put(num_attr, isize::try_from(n).unwrap_or(isize::MAX)),
        }
        Ok(Outcome::Success)
    })
}

fn is_numeric(t: i16) -> bool {
    use types::sql;
    matches!(
        t,
        sql::SMALLINT
            | sql::INTEGER
            | sql::BIGINT
            | sql::REAL
            | sql::DOUBLE
            | sql::FLOAT
            | sql::NUMERIC
            | sql::DECIMAL
            | sql::TINYINT
    )
}

fn literal_quote(t: i16) -> &'static str {
    use types::sql;
    match t {
        sql::CHAR
        | sql::VARCHAR
        | sql::LONGVARCHAR
        | sql::WCHAR
        | sql::WVARCHAR
        | sql::WLONGVARCHAR
        | sql::TYPE_DATE
        | sql::TYPE_TIME
        | sql::TYPE_TIMESTAMP
        | sql::GUID => "'",
        _ => "",
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLColAttribute(
    h: *mut c_void,
    col: u16,
    id: u16,
    char_attr: *mut c_void,
    cap: i16,
    str_len: *mut i16,
    num_attr: *mut isize,
) -> i16 {
    guard::raw(|| col_attribute(Enc::Narrow, h, col, id, char_attr, cap, str_len, num_attr))
}

#[no_mangle]
pub unsafe extern "C" fn SQLColAttributeW(
    h: *mut c_void,
    col: u16,
    id: u16,
    char_attr: *mut c_void,
    cap: i16,
    str_len: *mut i16,
    num_attr: *mut isize,
) -> i16 {
    guard::raw(|| col_attribute(Enc::Wide, h, col, id, char_attr, cap, str_len, num_attr))
}

#[no_mangle]
pub unsafe extern "C" fn SQLFetch(h: *mut c_void) -> i16 {
    guard::raw(move || call_stmt(h, |s| s.fetch()))
}

#[no_mangle]
pub unsafe extern "C" fn SQLFetchScroll(h: *mut c_void, orientation: i16, offset: isize) -> i16 {
    guard::raw(move || call_stmt(h, move |s| s.fetch_scroll(orientation, offset as i64)))
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetData(
    h: *mut c_void,
    col: u16,
    target: i16,
    value: *mut c_void,
    cap: isize,
    ind: *mut isize,
) -> i16 {
    // The closures take their arguments by value: captured by reference, they were written to
    // the stack and read back in wider loads, a store-forwarding stall on every row.
    guard::raw(move || {
        call_stmt(h, move |s| {
            if value.is_null() && crate::odbc::convert::fixed_size(target).is_some() {
                return Err(OdbcError::new(
                    state::NULL_POINTER,
                    "the value pointer is null",
                ));
            }
            s.get_data(col, target, value as usize, cap as i64, ind as usize)
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLBindCol(
    h: *mut c_void,
    col: u16,
    target: i16,
    value: *mut c_void,
    cap: isize,
    ind: *mut isize,
) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            if col == 0 {
                return Err(OdbcError::new(
                    state::INVALID_DESCRIPTOR_INDEX,
                    "bookmarks are not supported",
                ));
            }
            if cap < 0 {
                return Err(OdbcError::new(
                    state::INVALID_LENGTH,
                    "negative buffer length",
                ));
            }
            let st = s.state.lock();
            let mut ard = st.ard.lock();
            ard.record_mut(usize::from(col))
                .bind(target, value as usize, cap as i64, ind as usize);
            if value.is_null() && ind.is_null() {
                ard.trim();
            }
            Ok(Outcome::Success)
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLBindParameter(
    h: *mut c_void,
    number: u16,
    io_type: i16,
    c_type: i16,
    sql_type: i16,
    size: usize,
    digits: i16,
    value: *mut c_void,
    cap: isize,
    ind: *mut isize,
) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            if number == 0 {
                return Err(OdbcError::new(
                    state::INVALID_DESCRIPTOR_INDEX,
                    "parameter numbers start at 1",
                ));
            }
            if io_type != 1 {
                return Err(OdbcError::new(
                    state::NOT_IMPLEMENTED,
                    "only input parameters are supported",
                ));
            }
            if cap < 0 {
                return Err(OdbcError::new(
                    state::INVALID_LENGTH,
                    "negative buffer length",
                ));
            }
            let st = s.state.lock();
            {
                let mut apd = st.apd.lock();
                apd.record_mut(usize::from(number)).bind(
                    c_type,
                    value as usize,
                    cap as i64,
                    ind as usize,
                );
            }
            let mut ipd = s.ipd.lock();
            let rec = ipd.record_mut(usize::from(number));
            rec.concise_type = sql_type;
            rec.length = size as u64;
            rec.scale = digits;
            rec.parameter_type = io_type;
            Ok(Outcome::Success)
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLNumParams(h: *mut c_void, count: *mut i16) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            let n = s.num_params()?;
            text::put(count, i16::try_from(n).unwrap_or(i16::MAX));
            Ok(Outcome::Success)
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLDescribeParam(
    h: *mut c_void,
    number: u16,
    data_type: *mut i16,
    size: *mut usize,
    digits: *mut i16,
    nullable: *mut i16,
) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            let ty = s.param_type(number)?;
            let limits = s.conn.state.lock().limits;
            let info = match ty {
                Some(t) => types::describe("", &t, -1, &limits),
                None => types::describe("", &tokio_postgres::types::Type::VARCHAR, -1, &limits),
            };
            text::put(data_type, info.sql_type);
            text::put(size, usize::try_from(info.column_size).unwrap_or(0));
            text::put(digits, info.decimal_digits);
            text::put(nullable, 2);
            Ok(Outcome::Success)
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLRowCount(h: *mut c_void, count: *mut isize) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            if count.is_null() {
                return Err(OdbcError::new(
                    state::NULL_POINTER,
                    "output pointer is null",
                ));
            }
            let n = s.row_count()?;
            text::put(count, isize::try_from(n).unwrap_or(-1));
            Ok(Outcome::Success)
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLMoreResults(h: *mut c_void) -> i16 {
    guard::raw(|| call_stmt(h, |s| s.more_results()))
}

#[no_mangle]
pub unsafe extern "C" fn SQLCloseCursor(h: *mut c_void) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            s.close_cursor(true)?;
            Ok(Outcome::Success)
        })
    })
}

const SQL_CLOSE: u16 = 0;
const SQL_DROP: u16 = 1;
const SQL_UNBIND: u16 = 2;
const SQL_RESET_PARAMS: u16 = 3;

#[no_mangle]
pub unsafe extern "C" fn SQLFreeStmt(h: *mut c_void, option: u16) -> i16 {
    guard::raw(|| {
        if option == SQL_DROP {
            let Some(s) = stmt(h) else {
                return guard::SQL_INVALID_HANDLE;
            };
            super::env_conn::free_statement(h, &s);
            return guard::SQL_SUCCESS;
        }
        call_stmt(h, |s| {
            match option {
                SQL_CLOSE => s.close_cursor(false)?,
                SQL_UNBIND => s.unbind_columns(),
                SQL_RESET_PARAMS => s.reset_params(),
                other => {
                    return Err(OdbcError::new(
                        state::INVALID_ATTR_VALUE,
                        format!("invalid SQLFreeStmt option {other}"),
                    ))
                }
            }
            Ok(Outcome::Success)
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLCancel(h: *mut c_void) -> i16 {
    guard::raw(|| {
        call_stmt(h, |s| {
            // A call running on another thread is stopped through the session's cancel
            // request (that call then fails with HY008). With nothing running, a pending
            // data-at-execution sequence is abandoned; otherwise there is nothing to do.
            if !crate::odbc::cancel::cancel(s.id)? {
                if let Some(mut st) = s.state.try_lock() {
                    st.dae = None;
                }
            }
            Ok(Outcome::Success)
        })
    })
}
