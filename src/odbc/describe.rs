//! What SQLDescribeCol, SQLColAttribute and SQLDescribeParam answer about a result column or
//! a parameter, in the types an ODBC 2 or ODBC 3 application expects.

use super::diag::{state, OdbcError, OdbcResult};
use super::stmt::Statement;
use super::types::{self, sql, ColumnInfo};

fn is_odbc2(s: &Statement) -> bool {
    s.conn.env.odbc_version() == super::env::SQL_OV_ODBC2
}

/// The concise SQL type an application of this statement's ODBC version sees.
fn concise(s: &Statement, info: &ColumnInfo) -> i16 {
    if is_odbc2(s) {
        types::odbc2_sql_type(info.sql_type)
    } else {
        info.sql_type
    }
}

/// SQLDescribeCol's answer (or SQLDescribeParam's, without a name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    pub name: String,
    pub sql_type: i16,
    pub column_size: usize,
    pub decimal_digits: i16,
    pub nullable: i16,
}

/// SQLDescribeCol for column `col` (1-based).
pub fn column(s: &Statement, col: u16) -> OdbcResult<Description> {
    let info = s.column(col)?;
    Ok(Description {
        sql_type: concise(s, &info),
        column_size: usize::try_from(info.column_size).unwrap_or(usize::MAX),
        decimal_digits: info.decimal_digits,
        nullable: info.nullable,
        name: info.name,
    })
}

const SQL_NULLABLE: i16 = 1;

/// SQLDescribeParam for parameter `number` (1-based): its type as the server inferred it, or
/// VARCHAR when it did not; SQL_NULLABLE, as psqlODBC answers. A numeric parameter is
/// numeric(28,6) (a parameter has no type modifier), as psqlODBC's; SQLGetInfo's
/// SQL_DESCRIBE_PARAMETER is "N", as psqlODBC's, so that applications (pyodbc) do not take
/// that for the column's precision and scale.
pub fn parameter(s: &Statement, number: u16) -> OdbcResult<Description> {
    let ty = s.param_type(number)?;
    let limits = s.conn.state.lock().limits;
    let info = match ty {
        Some(t) => types::describe("", &t, -1, &limits),
        None => types::describe("", &tokio_postgres::types::Type::VARCHAR, -1, &limits),
    };
    Ok(Description {
        name: String::new(),
        sql_type: info.sql_type,
        column_size: usize::try_from(info.column_size).unwrap_or(0),
        decimal_digits: info.decimal_digits,
        nullable: SQL_NULLABLE,
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

/// One SQLColAttribute answer: a string, or a number (written as an SQLLEN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColAttr {
    Text(String),
    Number(i64),
}

/// SQLColAttribute: field `id` of column `col` (1-based).
pub fn col_attribute(s: &Statement, col: u16, id: u16) -> OdbcResult<ColAttr> {
    if id == field::COUNT || id == field::COLUMN_COUNT {
        return Ok(ColAttr::Number(
            i64::try_from(s.num_result_cols()?).unwrap_or(0),
        ));
    }
    let info = s.column(col)?;
    let odbc2 = is_odbc2(s);
    let concise = concise(s, &info);
    let num = ColAttr::Number;
    let size = i64::try_from(info.column_size).unwrap_or(i64::MAX);
    Ok(match id {
        field::COLUMN_NAME | field::NAME | field::LABEL => ColAttr::Text(info.name.clone()),
        field::BASE_COLUMN_NAME => ColAttr::Text(base_column_name(&info).to_string()),
        field::CONCISE_TYPE => num(i64::from(concise)),
        field::TYPE => num(i64::from(if odbc2 {
            concise
        } else {
            types::verbose_type(info.sql_type).0
        })),
        field::DATETIME_INTERVAL_CODE => num(i64::from(types::verbose_type(info.sql_type).1)),
        field::COLUMN_LENGTH => num(info.octet_length),
        field::LENGTH | field::COLUMN_PRECISION => num(size),
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
        field::TYPE_NAME | field::LOCAL_TYPE_NAME => ColAttr::Text(info.type_name.clone()),
        field::TABLE_NAME | field::BASE_TABLE_NAME => ColAttr::Text(info.table_name.clone()),
        field::SCHEMA_NAME => ColAttr::Text(info.schema_name.clone()),
        field::CATALOG_NAME => ColAttr::Text(info.catalog_name.clone()),
        field::LITERAL_PREFIX | field::LITERAL_SUFFIX => {
            ColAttr::Text(literal_quote(info.sql_type).to_string())
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
    })
}

/// The table column's own name when the catalog gave it, else the result column's name.
pub fn base_column_name(info: &ColumnInfo) -> &str {
    if info.base_column_name.is_empty() {
        &info.name
    } else {
        &info.base_column_name
    }
}

fn is_numeric(t: i16) -> bool {
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
