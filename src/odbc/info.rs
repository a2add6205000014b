//! SQLGetInfo: what the driver and PostgreSQL 15 can do, as ODBC 3.8 info values.
//! (This file is long because it is a table: one answer for each of the ~170 info types.)
//!
//! Pure data: the answer for each info type comes from constants, plus a few facts only known
//! after connecting ([`InfoContext`]). The FFI layer turns an [`InfoValue`] into bytes; an info
//! type we do not answer yields `None` and the caller reports HY096 (Power BI probes ODBC 4 info
//! types such as 180 and must get a benign error, never a crash).
//!
//! Decisions worth knowing (they bind other layers):
//! - `SQL_DBMS_VER` is `MM.mm.rrrr`. Since PostgreSQL 10 a version has two parts, major and
//!   release ("15.18"), so "15.18" becomes `15.00.0018`; "9.6.24" becomes `09.06.0024`. Tools
//!   that read the first field get the major version either way.
//! - Catalogs: PostgreSQL cannot reach another database from a session, so the only catalog is
//!   the current database. Catalog functions report it as TABLE_CAT, and three-part names
//!   naming it work wherever a schema-qualified name does (checked on PostgreSQL 15: SELECT,
//!   CALL, CREATE TABLE, CREATE INDEX ON, GRANT ON), so `SQL_CATALOG_USAGE` equals
//!   `SQL_SCHEMA_USAGE`.
//! - `SQL_CURSOR_COMMIT_BEHAVIOR` / `ROLLBACK` are `SQL_CB_PRESERVE`, as psqlODBC reports:
//!   pyodbc runs with autocommit off and commits while other cursors are still being read. The
//!   statement layer must therefore drain (buffer) an open streaming result before it sends
//!   COMMIT or ROLLBACK, which it has to do anyway before sending any other statement.
//! - `SQL_ACCESSIBLE_TABLES` / `SQL_ACCESSIBLE_PROCEDURES` are "N": SQLTables lists every
//!   table like `psql \d` does, not only those the user may SELECT from.
//! - `SQL_SPECIAL_CHARACTERS` is "$": the ODBC definition excludes letters, digits and
//!   underscore, and `$` is the one other character PostgreSQL allows in unquoted names.
//! - Only forward-only and static cursors; no bookmarks or positioned statements. SQLSetPos
//!   positions only (`SQL_POS_POSITION`, `SQL_CA1_POS_POSITION`), which is what
//!   `SQL_GD_BLOCK` needs: SQLGetData reads the row SQLSetPos chose in a block cursor.
//! - `SQL_ATTR_MAX_ROWS` is honoured for every result set (`SQL_CA2_MAX_ROWS_SELECT` and
//!   `_CATALOG`): the statement layer must stop fetching after that many rows.

use super::diag::{state, OdbcError, OdbcResult};
use std::borrow::Cow;

/// The answer to SQLGetInfo(`info_type`), checked against the call: an info type with no
/// answer is HY096, and a string answer needs a buffer length that is not negative (HY090).
pub fn checked(answer: Option<InfoValue>, info_type: u16, cap: i16) -> OdbcResult<InfoValue> {
    let Some(answer) = answer else {
        return Err(OdbcError::new(
            state::INVALID_INFO_TYPE,
            format!("information type {info_type} is not supported"),
        ));
    };
    if matches!(answer, InfoValue::Str(_)) {
        super::outbuf::check_length(i64::from(cap))?;
    }
    Ok(answer)
}

/// One SQLGetInfo answer, typed the way the ODBC reference types it (the FFI layer writes 2
/// bytes for `U16`, 4 for `U32`, a SQLULEN for `Usize` and a string otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InfoValue {
    /// A character string (written as narrow or wide text by the caller).
    Str(Cow<'static, str>),
    /// A SQLUSMALLINT value.
    U16(u16),
    /// A SQLUINTEGER value or bitmask.
    U32(u32),
    /// A SQLULEN value (driver handles); nothing answers with it today.
    Usize(u64),
}

/// Facts known only at run time.
#[derive(Debug, Clone, Copy)]
pub struct InfoContext<'a> {
    /// `server_version` as the server reports it, e.g. "15.18" or "15.18 (Debian ...)".
    pub server_version: &'a str,
    pub database: &'a str,
    pub user: &'a str,
    /// The host the session is connected to.
    pub server_name: &'a str,
    /// The DSN the connection was made with (empty for DSN-less connections).
    pub data_source_name: &'a str,
    pub read_only: bool,
    /// The environment's SQL_ATTR_ODBC_VERSION (2, 3 or 380); no answer depends on it yet.
    pub driver_odbc_ver_app: u32,
}

/// SQLGetInfo info type codes (values from sql.h / sqlext.h). Plain `u16` constants so that a
/// number coming from an application is compared, never transmuted into an enum.
pub mod code {
    /// Defines each code as a `u16` constant and lists them all in [`ALL`] (name, value).
    macro_rules! codes {
        ($($name:ident = $value:literal,)*) => {
            $(pub const $name: u16 = $value;)*
            /// Every info type code named here, with its sqlext.h name.
            pub const ALL: &[(&str, u16)] = &[$((stringify!($name), $value),)*];
        };
    }

    codes! {
        SQL_MAX_DRIVER_CONNECTIONS = 0,
        SQL_MAX_CONCURRENT_ACTIVITIES = 1,
        SQL_DATA_SOURCE_NAME = 2,
        SQL_DRIVER_HDBC = 3,
        SQL_DRIVER_HENV = 4,
        SQL_DRIVER_HSTMT = 5,
        SQL_DRIVER_NAME = 6,
        SQL_DRIVER_VER = 7,
        SQL_FETCH_DIRECTION = 8,
        SQL_ODBC_API_CONFORMANCE = 9,
        SQL_ODBC_VER = 10,
        SQL_ROW_UPDATES = 11,
        SQL_ODBC_SAG_CLI_CONFORMANCE = 12,
        SQL_SERVER_NAME = 13,
        SQL_SEARCH_PATTERN_ESCAPE = 14,
        SQL_ODBC_SQL_CONFORMANCE = 15,
        SQL_DATABASE_NAME = 16,
        SQL_DBMS_NAME = 17,
        SQL_DBMS_VER = 18,
        SQL_ACCESSIBLE_TABLES = 19,
        SQL_ACCESSIBLE_PROCEDURES = 20,
        SQL_PROCEDURES = 21,
        SQL_CONCAT_NULL_BEHAVIOR = 22,
        SQL_CURSOR_COMMIT_BEHAVIOR = 23,
        SQL_CURSOR_ROLLBACK_BEHAVIOR = 24,
        SQL_DATA_SOURCE_READ_ONLY = 25,
        SQL_DEFAULT_TXN_ISOLATION = 26,
        SQL_EXPRESSIONS_IN_ORDERBY = 27,
        SQL_IDENTIFIER_CASE = 28,
        SQL_IDENTIFIER_QUOTE_CHAR = 29,
        SQL_MAX_COLUMN_NAME_LEN = 30,
        SQL_MAX_CURSOR_NAME_LEN = 31,
        SQL_MAX_SCHEMA_NAME_LEN = 32,
        SQL_MAX_PROCEDURE_NAME_LEN = 33,
        SQL_MAX_CATALOG_NAME_LEN = 34,
        SQL_MAX_TABLE_NAME_LEN = 35,
        SQL_MULT_RESULT_SETS = 36,
        SQL_MULTIPLE_ACTIVE_TXN = 37,
        SQL_OUTER_JOINS = 38,
        SQL_SCHEMA_TERM = 39,
        SQL_PROCEDURE_TERM = 40,
        SQL_CATALOG_NAME_SEPARATOR = 41,
        SQL_CATALOG_TERM = 42,
        SQL_SCROLL_CONCURRENCY = 43,
        SQL_SCROLL_OPTIONS = 44,
        SQL_TABLE_TERM = 45,
        SQL_TXN_CAPABLE = 46,
        SQL_USER_NAME = 47,
        SQL_CONVERT_FUNCTIONS = 48,
        SQL_NUMERIC_FUNCTIONS = 49,
        SQL_STRING_FUNCTIONS = 50,
        SQL_SYSTEM_FUNCTIONS = 51,
        SQL_TIMEDATE_FUNCTIONS = 52,
        SQL_CONVERT_BIGINT = 53,
        SQL_CONVERT_BINARY = 54,
        SQL_CONVERT_BIT = 55,
        SQL_CONVERT_CHAR = 56,
        SQL_CONVERT_DATE = 57,
        SQL_CONVERT_DECIMAL = 58,
        SQL_CONVERT_DOUBLE = 59,
        SQL_CONVERT_FLOAT = 60,
        SQL_CONVERT_INTEGER = 61,
        SQL_CONVERT_LONGVARCHAR = 62,
        SQL_CONVERT_NUMERIC = 63,
        SQL_CONVERT_REAL = 64,
        SQL_CONVERT_SMALLINT = 65,
        SQL_CONVERT_TIME = 66,
        SQL_CONVERT_TIMESTAMP = 67,
        SQL_CONVERT_TINYINT = 68,
        SQL_CONVERT_VARBINARY = 69,
        SQL_CONVERT_VARCHAR = 70,
        SQL_CONVERT_LONGVARBINARY = 71,
        SQL_TXN_ISOLATION_OPTION = 72,
        SQL_INTEGRITY = 73,
        SQL_CORRELATION_NAME = 74,
        SQL_NON_NULLABLE_COLUMNS = 75,
        SQL_DRIVER_HLIB = 76,
        SQL_DRIVER_ODBC_VER = 77,
        SQL_LOCK_TYPES = 78,
        SQL_POS_OPERATIONS = 79,
        SQL_POSITIONED_STATEMENTS = 80,
        SQL_GETDATA_EXTENSIONS = 81,
        SQL_BOOKMARK_PERSISTENCE = 82,
        SQL_STATIC_SENSITIVITY = 83,
        SQL_FILE_USAGE = 84,
        SQL_NULL_COLLATION = 85,
        SQL_ALTER_TABLE = 86,
        SQL_COLUMN_ALIAS = 87,
        SQL_GROUP_BY = 88,
        SQL_KEYWORDS = 89,
        SQL_ORDER_BY_COLUMNS_IN_SELECT = 90,
        SQL_SCHEMA_USAGE = 91,
        SQL_CATALOG_USAGE = 92,
        SQL_QUOTED_IDENTIFIER_CASE = 93,
        SQL_SPECIAL_CHARACTERS = 94,
        SQL_SUBQUERIES = 95,
        SQL_UNION = 96,
        SQL_MAX_COLUMNS_IN_GROUP_BY = 97,
        SQL_MAX_COLUMNS_IN_INDEX = 98,
        SQL_MAX_COLUMNS_IN_ORDER_BY = 99,
        SQL_MAX_COLUMNS_IN_SELECT = 100,
        SQL_MAX_COLUMNS_IN_TABLE = 101,
        SQL_MAX_INDEX_SIZE = 102,
        SQL_MAX_ROW_SIZE_INCLUDES_LONG = 103,
        SQL_MAX_ROW_SIZE = 104,
        SQL_MAX_STATEMENT_LEN = 105,
        SQL_MAX_TABLES_IN_SELECT = 106,
        SQL_MAX_USER_NAME_LEN = 107,
        SQL_MAX_CHAR_LITERAL_LEN = 108,
        SQL_TIMEDATE_ADD_INTERVALS = 109,
        SQL_TIMEDATE_DIFF_INTERVALS = 110,
        SQL_NEED_LONG_DATA_LEN = 111,
        SQL_MAX_BINARY_LITERAL_LEN = 112,
        SQL_LIKE_ESCAPE_CLAUSE = 113,
        SQL_CATALOG_LOCATION = 114,
        SQL_OJ_CAPABILITIES = 115,
        SQL_ACTIVE_ENVIRONMENTS = 116,
        SQL_ALTER_DOMAIN = 117,
        SQL_SQL_CONFORMANCE = 118,
        SQL_DATETIME_LITERALS = 119,
        SQL_BATCH_ROW_COUNT = 120,
        SQL_BATCH_SUPPORT = 121,
        SQL_CONVERT_WCHAR = 122,
        SQL_CONVERT_INTERVAL_DAY_TIME = 123,
        SQL_CONVERT_INTERVAL_YEAR_MONTH = 124,
        SQL_CONVERT_WLONGVARCHAR = 125,
        SQL_CONVERT_WVARCHAR = 126,
        SQL_CREATE_ASSERTION = 127,
        SQL_CREATE_CHARACTER_SET = 128,
        SQL_CREATE_COLLATION = 129,
        SQL_CREATE_DOMAIN = 130,
        SQL_CREATE_SCHEMA = 131,
        SQL_CREATE_TABLE = 132,
        SQL_CREATE_TRANSLATION = 133,
        SQL_CREATE_VIEW = 134,
        SQL_DRIVER_HDESC = 135,
        SQL_DROP_ASSERTION = 136,
        SQL_DROP_CHARACTER_SET = 137,
        SQL_DROP_COLLATION = 138,
        SQL_DROP_DOMAIN = 139,
        SQL_DROP_SCHEMA = 140,
        SQL_DROP_TABLE = 141,
        SQL_DROP_TRANSLATION = 142,
        SQL_DROP_VIEW = 143,
        SQL_DYNAMIC_CURSOR_ATTRIBUTES1 = 144,
        SQL_DYNAMIC_CURSOR_ATTRIBUTES2 = 145,
        SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES1 = 146,
        SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES2 = 147,
        SQL_INDEX_KEYWORDS = 148,
        SQL_INFO_SCHEMA_VIEWS = 149,
        SQL_KEYSET_CURSOR_ATTRIBUTES1 = 150,
        SQL_KEYSET_CURSOR_ATTRIBUTES2 = 151,
        SQL_ODBC_INTERFACE_CONFORMANCE = 152,
        SQL_PARAM_ARRAY_ROW_COUNTS = 153,
        SQL_PARAM_ARRAY_SELECTS = 154,
        SQL_SQL92_DATETIME_FUNCTIONS = 155,
        SQL_SQL92_FOREIGN_KEY_DELETE_RULE = 156,
        SQL_SQL92_FOREIGN_KEY_UPDATE_RULE = 157,
        SQL_SQL92_GRANT = 158,
        SQL_SQL92_NUMERIC_VALUE_FUNCTIONS = 159,
        SQL_SQL92_PREDICATES = 160,
        SQL_SQL92_RELATIONAL_JOIN_OPERATORS = 161,
        SQL_SQL92_REVOKE = 162,
        SQL_SQL92_ROW_VALUE_CONSTRUCTOR = 163,
        SQL_SQL92_STRING_FUNCTIONS = 164,
        SQL_SQL92_VALUE_EXPRESSIONS = 165,
        SQL_STANDARD_CLI_CONFORMANCE = 166,
        SQL_STATIC_CURSOR_ATTRIBUTES1 = 167,
        SQL_STATIC_CURSOR_ATTRIBUTES2 = 168,
        SQL_AGGREGATE_FUNCTIONS = 169,
        SQL_DDL_INDEX = 170,
        SQL_DM_VER = 171,
        SQL_INSERT_STATEMENT = 172,
        SQL_CONVERT_GUID = 173,
        SQL_DTC_TRANSITION_COST = 1750,
        SQL_XOPEN_CLI_YEAR = 10000,
        SQL_CURSOR_SENSITIVITY = 10001,
        SQL_DESCRIBE_PARAMETER = 10002,
        SQL_CATALOG_NAME = 10003,
        SQL_COLLATION_SEQ = 10004,
        SQL_MAX_IDENTIFIER_LEN = 10005,
        SQL_ASYNC_MODE = 10021,
        SQL_MAX_ASYNC_CONCURRENT_STATEMENTS = 10022,
        SQL_ASYNC_DBC_FUNCTIONS = 10023,
        SQL_DRIVER_AWARE_POOLING_SUPPORTED = 10024,
        SQL_ASYNC_NOTIFICATION = 10025,
    }
}

/// Bit values used in the answers (sqlext.h names, grouped by the info type they belong to).
mod bits {
    // SQL_CONVERT_* targets
    pub const CVT_CHAR: u32 = 0x1;
    pub const CVT_NUMERIC: u32 = 0x2;
    pub const CVT_DECIMAL: u32 = 0x4;
    pub const CVT_INTEGER: u32 = 0x8;
    pub const CVT_SMALLINT: u32 = 0x10;
    pub const CVT_FLOAT: u32 = 0x20;
    pub const CVT_REAL: u32 = 0x40;
    pub const CVT_DOUBLE: u32 = 0x80;
    pub const CVT_VARCHAR: u32 = 0x100;
    pub const CVT_LONGVARCHAR: u32 = 0x200;
    pub const CVT_BINARY: u32 = 0x400;
    pub const CVT_VARBINARY: u32 = 0x800;
    pub const CVT_BIT: u32 = 0x1000;
    pub const CVT_TINYINT: u32 = 0x2000;
    pub const CVT_BIGINT: u32 = 0x4000;
    pub const CVT_DATE: u32 = 0x8000;
    pub const CVT_TIME: u32 = 0x10000;
    pub const CVT_TIMESTAMP: u32 = 0x20000;
    pub const CVT_LONGVARBINARY: u32 = 0x40000;
    pub const CVT_WCHAR: u32 = 0x200000;
    pub const CVT_WLONGVARCHAR: u32 = 0x400000;
    pub const CVT_WVARCHAR: u32 = 0x800000;
    pub const CVT_GUID: u32 = 0x1000000;

    // SQL_STRING_FUNCTIONS
    pub const STR_CONCAT: u32 = 0x1;
    pub const STR_INSERT: u32 = 0x2;
    pub const STR_LEFT: u32 = 0x4;
    pub const STR_LTRIM: u32 = 0x8;
    pub const STR_LENGTH: u32 = 0x10;
    pub const STR_LOCATE: u32 = 0x20;
    pub const STR_LCASE: u32 = 0x40;
    pub const STR_REPEAT: u32 = 0x80;
    pub const STR_REPLACE: u32 = 0x100;
    pub const STR_RIGHT: u32 = 0x200;
    pub const STR_RTRIM: u32 = 0x400;
    pub const STR_SUBSTRING: u32 = 0x800;
    pub const STR_UCASE: u32 = 0x1000;
    pub const STR_ASCII: u32 = 0x2000;
    pub const STR_CHAR: u32 = 0x4000;
    pub const STR_LOCATE_2: u32 = 0x10000;
    pub const STR_SPACE: u32 = 0x40000;
    pub const STR_BIT_LENGTH: u32 = 0x80000;
    pub const STR_CHAR_LENGTH: u32 = 0x100000;
    pub const STR_CHARACTER_LENGTH: u32 = 0x200000;
    pub const STR_OCTET_LENGTH: u32 = 0x400000;
    pub const STR_POSITION: u32 = 0x800000;

    // SQL_TIMEDATE_FUNCTIONS
    pub const TD_NOW: u32 = 0x1;
    pub const TD_CURDATE: u32 = 0x2;
    pub const TD_DAYOFMONTH: u32 = 0x4;
    pub const TD_DAYOFWEEK: u32 = 0x8;
    pub const TD_DAYOFYEAR: u32 = 0x10;
    pub const TD_MONTH: u32 = 0x20;
    pub const TD_QUARTER: u32 = 0x40;
    pub const TD_WEEK: u32 = 0x80;
    pub const TD_YEAR: u32 = 0x100;
    pub const TD_CURTIME: u32 = 0x200;
    pub const TD_HOUR: u32 = 0x400;
    pub const TD_MINUTE: u32 = 0x800;
    pub const TD_SECOND: u32 = 0x1000;
    pub const TD_DAYNAME: u32 = 0x8000;
    pub const TD_MONTHNAME: u32 = 0x10000;
    pub const TD_CURRENT_DATE: u32 = 0x20000;
    pub const TD_CURRENT_TIME: u32 = 0x40000;
    pub const TD_CURRENT_TIMESTAMP: u32 = 0x80000;
    pub const TD_EXTRACT: u32 = 0x100000;

    // SQL_SYSTEM_FUNCTIONS
    pub const SYS_USERNAME: u32 = 0x1;
    pub const SYS_DBNAME: u32 = 0x2;
    pub const SYS_IFNULL: u32 = 0x4;

    // SQL_CONVERT_FUNCTIONS
    pub const FN_CVT_CONVERT: u32 = 0x1;
    pub const FN_CVT_CAST: u32 = 0x2;

    // SQL_*_CURSOR_ATTRIBUTES1 / 2
    pub const CA1_NEXT: u32 = 0x1;
    pub const CA1_ABSOLUTE: u32 = 0x2;
    pub const CA1_RELATIVE: u32 = 0x4;
    pub const CA1_POS_POSITION: u32 = 0x200;
    pub const CA1_POS_UPDATE: u32 = 0x400;
    pub const CA1_POS_DELETE: u32 = 0x800;
    pub const CA1_POS_REFRESH: u32 = 0x1000;
    pub const CA1_BOOKMARK: u32 = 0x8;
    pub const CA1_POSITIONED_UPDATE: u32 = 0x2000;
    pub const CA1_POSITIONED_DELETE: u32 = 0x4000;
    pub const CA1_BULK_ADD: u32 = 0x10000;
    pub const CA1_BULK_UPDATE_BY_BOOKMARK: u32 = 0x20000;
    pub const CA1_BULK_DELETE_BY_BOOKMARK: u32 = 0x40000;
    pub const CA1_BULK_FETCH_BY_BOOKMARK: u32 = 0x80000;
    // SQL_BOOKMARK_PERSISTENCE
    pub const BP_DELETE: u32 = 0x2;
    pub const BP_SCROLL: u32 = 0x10;
    pub const BP_UPDATE: u32 = 0x20;
    // SQL_POSITIONED_STATEMENTS, SQL_STATIC_SENSITIVITY
    pub const PS_POSITIONED_DELETE: u32 = 0x1;
    pub const PS_POSITIONED_UPDATE: u32 = 0x2;
    pub const SS_UPDATES: u32 = 0x4;
    /// What static and keyset-driven cursors do (SQL_*_CURSOR_ATTRIBUTES1): scroll, keep
    /// bookmarks, and update through SQLSetPos, SQLBulkOperations and WHERE CURRENT OF (a
    /// SELECT of one table with SQL_CONCUR_ROWVER or SQL_CONCUR_VALUES; see `super::updatable`).
    pub const SCROLLABLE_CA1: u32 = CA1_NEXT
        | CA1_ABSOLUTE
        | CA1_RELATIVE
        | CA1_BOOKMARK
        | CA1_POS_POSITION
        | CA1_POS_UPDATE
        | CA1_POS_DELETE
        | CA1_POS_REFRESH
        | CA1_POSITIONED_UPDATE
        | CA1_POSITIONED_DELETE
        | CA1_BULK_ADD
        | CA1_BULK_UPDATE_BY_BOOKMARK
        | CA1_BULK_DELETE_BY_BOOKMARK
        | CA1_BULK_FETCH_BY_BOOKMARK;
    /// SQL_*_CURSOR_ATTRIBUTES2 of both: the rows are counted exactly, and a row updated
    /// through the cursor is read again, so the cursor shows its own updates.
    pub const SCROLLABLE_CA2: u32 = CA2_READ_ONLY_CONCURRENCY
        | CA2_OPT_ROWVER_CONCURRENCY
        | CA2_OPT_VALUES_CONCURRENCY
        | CA2_SENSITIVITY_UPDATES
        | CA2_MAX_ROWS_SELECT
        | CA2_MAX_ROWS_CATALOG
        | CA2_CRC_EXACT;
    // SQL_POS_OPERATIONS
    pub const POS_POSITION: u32 = 0x1;
    pub const POS_REFRESH: u32 = 0x2;
    pub const POS_UPDATE: u32 = 0x4;
    pub const POS_DELETE: u32 = 0x8;
    pub const CA2_READ_ONLY_CONCURRENCY: u32 = 0x1;
    pub const CA2_OPT_ROWVER_CONCURRENCY: u32 = 0x4;
    pub const CA2_OPT_VALUES_CONCURRENCY: u32 = 0x8;
    pub const CA2_SENSITIVITY_DELETIONS: u32 = 0x20;
    pub const CA2_SENSITIVITY_UPDATES: u32 = 0x40;
    // SQL_SCROLL_CONCURRENCY
    pub const SCCO_READ_ONLY: u32 = 0x1;
    pub const SCCO_OPT_ROWVER: u32 = 0x4;
    pub const SCCO_OPT_VALUES: u32 = 0x8;
    pub const CA2_MAX_ROWS_SELECT: u32 = 0x80;
    pub const CA2_MAX_ROWS_CATALOG: u32 = 0x800;
    pub const CA2_CRC_EXACT: u32 = 0x1000;

    // SQL_FETCH_DIRECTION (ODBC 2)
    pub const FD_FETCH_NEXT: u32 = 0x1;
    pub const FD_FETCH_FIRST: u32 = 0x2;
    pub const FD_FETCH_LAST: u32 = 0x4;
    pub const FD_FETCH_PRIOR: u32 = 0x8;
    pub const FD_FETCH_ABSOLUTE: u32 = 0x10;
    pub const FD_FETCH_RELATIVE: u32 = 0x20;
    pub const FD_FETCH_BOOKMARK: u32 = 0x80;

    // SQL_TXN_ISOLATION_OPTION / SQL_DEFAULT_TXN_ISOLATION
    pub const TXN_READ_UNCOMMITTED: u32 = 0x1;
    pub const TXN_READ_COMMITTED: u32 = 0x2;
    pub const TXN_REPEATABLE_READ: u32 = 0x4;
    pub const TXN_SERIALIZABLE: u32 = 0x8;

    // SQL_GETDATA_EXTENSIONS
    pub const GD_ANY_COLUMN: u32 = 0x1;
    pub const GD_ANY_ORDER: u32 = 0x2;
    pub const GD_BLOCK: u32 = 0x4;
    pub const GD_BOUND: u32 = 0x8;

    // SQL_SCROLL_OPTIONS
    pub const SO_FORWARD_ONLY: u32 = 0x1;
    pub const SO_KEYSET_DRIVEN: u32 = 0x2;
    pub const SO_STATIC: u32 = 0x10;

    // SQL_OJ_CAPABILITIES
    pub const OJ_ALL: u32 = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x40;

    // SQL_CATALOG_USAGE / SQL_SCHEMA_USAGE
    pub const U_DML_STATEMENTS: u32 = 0x1;
    pub const U_PROCEDURE_INVOCATION: u32 = 0x2;
    pub const U_TABLE_DEFINITION: u32 = 0x4;
    pub const U_INDEX_DEFINITION: u32 = 0x8;
    pub const U_PRIVILEGE_DEFINITION: u32 = 0x10;

    // SQL_ALTER_TABLE
    pub const AT_ADD_COLUMN: u32 = 0x1;
    pub const AT_DROP_COLUMN: u32 = 0x2;
    pub const AT_ADD_CONSTRAINT: u32 = 0x8;
    pub const AT_ADD_COLUMN_SINGLE: u32 = 0x20;
    pub const AT_ADD_COLUMN_DEFAULT: u32 = 0x40;
    pub const AT_ADD_COLUMN_COLLATION: u32 = 0x80;
    pub const AT_SET_COLUMN_DEFAULT: u32 = 0x100;
    pub const AT_DROP_COLUMN_DEFAULT: u32 = 0x200;
    pub const AT_DROP_COLUMN_CASCADE: u32 = 0x400;
    pub const AT_DROP_COLUMN_RESTRICT: u32 = 0x800;
    pub const AT_ADD_TABLE_CONSTRAINT: u32 = 0x1000;
    pub const AT_DROP_TABLE_CONSTRAINT_CASCADE: u32 = 0x2000;
    pub const AT_DROP_TABLE_CONSTRAINT_RESTRICT: u32 = 0x4000;
    pub const AT_CONSTRAINT_NAME_DEFINITION: u32 = 0x8000;
    pub const AT_CONSTRAINT_INITIALLY_DEFERRED: u32 = 0x10000;
    pub const AT_CONSTRAINT_INITIALLY_IMMEDIATE: u32 = 0x20000;
    pub const AT_CONSTRAINT_DEFERRABLE: u32 = 0x40000;
    pub const AT_CONSTRAINT_NON_DEFERRABLE: u32 = 0x80000;

    // SQL_CREATE_TABLE (the constraint-deferral bits share values with SQL_CREATE_DOMAIN's)
    pub const CT_CREATE_TABLE: u32 = 0x1;
    pub const CT_COMMIT_PRESERVE: u32 = 0x2;
    pub const CT_COMMIT_DELETE: u32 = 0x4;
    pub const CT_LOCAL_TEMPORARY: u32 = 0x10;
    pub const CT_CONSTRAINT_INITIALLY_DEFERRED: u32 = 0x20;
    pub const CT_CONSTRAINT_INITIALLY_IMMEDIATE: u32 = 0x40;
    pub const CT_CONSTRAINT_DEFERRABLE: u32 = 0x80;
    pub const CT_CONSTRAINT_NON_DEFERRABLE: u32 = 0x100;
    pub const CT_COLUMN_CONSTRAINT: u32 = 0x200;
    pub const CT_COLUMN_DEFAULT: u32 = 0x400;
    pub const CT_COLUMN_COLLATION: u32 = 0x800;
    pub const CT_TABLE_CONSTRAINT: u32 = 0x1000;
    pub const CT_CONSTRAINT_NAME_DEFINITION: u32 = 0x2000;

    // SQL_CREATE_DOMAIN
    pub const CDO_CREATE_DOMAIN: u32 = 0x1;
    pub const CDO_DEFAULT: u32 = 0x2;
    pub const CDO_CONSTRAINT: u32 = 0x4;
    pub const CDO_COLLATION: u32 = 0x8;
    pub const CDO_CONSTRAINT_NAME_DEFINITION: u32 = 0x10;

    // SQL_ALTER_DOMAIN
    pub const AD_CONSTRAINT_NAME_DEFINITION: u32 = 0x1;
    pub const AD_ADD_DOMAIN_CONSTRAINT: u32 = 0x2;
    pub const AD_DROP_DOMAIN_CONSTRAINT: u32 = 0x4;
    pub const AD_ADD_DOMAIN_DEFAULT: u32 = 0x8;
    pub const AD_DROP_DOMAIN_DEFAULT: u32 = 0x10;

    // SQL_CREATE_VIEW
    pub const CV_CREATE_VIEW: u32 = 0x1;
    pub const CV_CHECK_OPTION: u32 = 0x2;
    pub const CV_CASCADED: u32 = 0x4;
    pub const CV_LOCAL: u32 = 0x8;

    // SQL_DROP_TABLE / VIEW / SCHEMA / DOMAIN: object, RESTRICT, CASCADE
    pub const DROP_ALL: u32 = 0x1 | 0x2 | 0x4;

    // SQL_SUBQUERIES
    pub const SQ_ALL: u32 = 0x1 | 0x2 | 0x4 | 0x8 | 0x10;
    // SQL_UNION
    pub const U_UNION: u32 = 0x1;
    pub const U_UNION_ALL: u32 = 0x2;

    // SQL_AGGREGATE_FUNCTIONS: AVG COUNT MAX MIN SUM DISTINCT ALL
    pub const AF_ALL: u32 = 0x7f;

    // SQL_DATETIME_LITERALS: DATE, TIME, TIMESTAMP and all 13 interval literal forms.
    pub const DL_ALL: u32 = 0xffff;

    // SQL_INFO_SCHEMA_VIEWS
    pub const ISV_CHARACTER_SETS: u32 = 0x2;
    pub const ISV_CHECK_CONSTRAINTS: u32 = 0x4;
    pub const ISV_COLLATIONS: u32 = 0x8;
    pub const ISV_COLUMN_DOMAIN_USAGE: u32 = 0x10;
    pub const ISV_COLUMN_PRIVILEGES: u32 = 0x20;
    pub const ISV_COLUMNS: u32 = 0x40;
    pub const ISV_CONSTRAINT_COLUMN_USAGE: u32 = 0x80;
    pub const ISV_CONSTRAINT_TABLE_USAGE: u32 = 0x100;
    pub const ISV_DOMAIN_CONSTRAINTS: u32 = 0x200;
    pub const ISV_DOMAINS: u32 = 0x400;
    pub const ISV_KEY_COLUMN_USAGE: u32 = 0x800;
    pub const ISV_REFERENTIAL_CONSTRAINTS: u32 = 0x1000;
    pub const ISV_SCHEMATA: u32 = 0x2000;
    pub const ISV_TABLE_CONSTRAINTS: u32 = 0x8000;
    pub const ISV_TABLE_PRIVILEGES: u32 = 0x10000;
    pub const ISV_TABLES: u32 = 0x20000;
    pub const ISV_USAGE_PRIVILEGES: u32 = 0x80000;
    pub const ISV_VIEW_COLUMN_USAGE: u32 = 0x100000;
    pub const ISV_VIEW_TABLE_USAGE: u32 = 0x200000;
    pub const ISV_VIEWS: u32 = 0x400000;

    // SQL_SQL92_GRANT / SQL_SQL92_REVOKE
    pub const SG_USAGE_ON_DOMAIN: u32 = 0x1;
    pub const SG_WITH_GRANT_OPTION: u32 = 0x10;
    pub const SG_TABLE_AND_COLUMN: u32 =
        0x20 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800 | 0x1000;
    pub const SR_USAGE_ON_DOMAIN: u32 = 0x1;
    pub const SR_GRANT_OPTION_FOR: u32 = 0x10;
    pub const SR_CASCADE: u32 = 0x20;
    pub const SR_RESTRICT: u32 = 0x40;
    pub const SR_TABLE_AND_COLUMN: u32 =
        0x80 | 0x100 | 0x200 | 0x400 | 0x800 | 0x1000 | 0x2000 | 0x4000;

    // SQL_SQL92_PREDICATES
    pub const SP_EXISTS: u32 = 0x1;
    pub const SP_ISNOTNULL: u32 = 0x2;
    pub const SP_ISNULL: u32 = 0x4;
    pub const SP_OVERLAPS: u32 = 0x80;
    pub const SP_LIKE: u32 = 0x200;
    pub const SP_IN: u32 = 0x400;
    pub const SP_BETWEEN: u32 = 0x800;
    pub const SP_COMPARISON: u32 = 0x1000;
    pub const SP_QUANTIFIED_COMPARISON: u32 = 0x2000;

    // SQL_SQL92_RELATIONAL_JOIN_OPERATORS
    pub const SRJO_CROSS_JOIN: u32 = 0x2;
    pub const SRJO_EXCEPT_JOIN: u32 = 0x4;
    pub const SRJO_FULL_OUTER_JOIN: u32 = 0x8;
    pub const SRJO_INNER_JOIN: u32 = 0x10;
    pub const SRJO_INTERSECT_JOIN: u32 = 0x20;
    pub const SRJO_LEFT_OUTER_JOIN: u32 = 0x40;
    pub const SRJO_NATURAL_JOIN: u32 = 0x80;
    pub const SRJO_RIGHT_OUTER_JOIN: u32 = 0x100;

    // SQL_SQL92_STRING_FUNCTIONS
    pub const SSF_LOWER: u32 = 0x2;
    pub const SSF_UPPER: u32 = 0x4;
    pub const SSF_SUBSTRING: u32 = 0x8;
    pub const SSF_TRIM_BOTH: u32 = 0x20;
    pub const SSF_TRIM_LEADING: u32 = 0x40;
    pub const SSF_TRIM_TRAILING: u32 = 0x80;
}

use bits::*;

/// The ODBC target types PostgreSQL can CAST to, and the type name the escape translator
/// writes for `{fn CONVERT(value, SQL_xxx)}` (as `CAST(value AS name)`). Character targets
/// become `varchar` without a length: `char` alone would mean `char(1)` and truncate.
pub const CONVERT_TARGETS: &[(&str, &str)] = &[
    ("SQL_BIGINT", "int8"),
    ("SQL_BINARY", "bytea"),
    ("SQL_BIT", "boolean"),
    ("SQL_CHAR", "varchar"),
    ("SQL_DATE", "date"),
    ("SQL_DECIMAL", "numeric"),
    ("SQL_DOUBLE", "float8"),
    ("SQL_FLOAT", "float8"),
    ("SQL_GUID", "uuid"),
    ("SQL_INTEGER", "int4"),
    ("SQL_LONGVARBINARY", "bytea"),
    ("SQL_LONGVARCHAR", "text"),
    ("SQL_NUMERIC", "numeric"),
    ("SQL_REAL", "float4"),
    ("SQL_SMALLINT", "int2"),
    ("SQL_TIME", "time"),
    ("SQL_TIMESTAMP", "timestamp"),
    ("SQL_TINYINT", "int2"),
    ("SQL_TYPE_DATE", "date"),
    ("SQL_TYPE_TIME", "time"),
    ("SQL_TYPE_TIMESTAMP", "timestamp"),
    ("SQL_VARBINARY", "bytea"),
    ("SQL_VARCHAR", "varchar"),
    ("SQL_WCHAR", "varchar"),
    ("SQL_WLONGVARCHAR", "text"),
    ("SQL_WVARCHAR", "varchar"),
];

/// The PostgreSQL type name for an ODBC type keyword in `{fn CONVERT(x, SQL_xxx)}`.
pub fn convert_target(odbc_type: &str) -> Option<&'static str> {
    let wanted = odbc_type.trim();
    CONVERT_TARGETS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
        .map(|&(_, pg)| pg)
}

/// One ODBC scalar function the escape translator rewrites: `{fn NAME(a0, a1, ...)}` with
/// exactly `args` arguments becomes `template` with `{0}`, `{1}`... replaced by the argument
/// text. Arguments used next to operators are parenthesised in the template, so any value
/// expression is safe to substitute. `CONVERT`'s second argument is a type keyword: the
/// translator maps it through [`convert_target`] before substituting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScalarFunction {
    pub name: &'static str,
    pub args: u8,
    pub template: &'static str,
}

const fn sf(name: &'static str, args: u8, template: &'static str) -> ScalarFunction {
    ScalarFunction {
        name,
        args,
        template,
    }
}

/// Every `{fn ...}` scalar function the driver translates; the SQL_*_FUNCTIONS bitmasks below
/// advertise exactly these (a test keeps the two in step). Argument counts that differ are
/// separate entries (LOCATE, SUBSTRING, CURRENT_TIMESTAMP...).
pub const SCALAR_FUNCTIONS: &[ScalarFunction] = &[
    // string functions
    sf("ASCII", 1, "ascii({0})"),
    sf("BIT_LENGTH", 1, "bit_length({0})"),
    sf("CHAR", 1, "chr({0})"),
    sf("CHAR_LENGTH", 1, "char_length({0})"),
    sf("CHARACTER_LENGTH", 1, "char_length({0})"),
    sf("CONCAT", 2, "(({0}) || ({1}))"),
    // Arguments are named in a subquery, in order, so `?` markers keep their positions.
    sf(
        "INSERT",
        4,
        "(SELECT overlay(i.s placing i.r from i.f for i.n) FROM (SELECT ({0})::text AS s, \
         ({1})::int AS f, ({2})::int AS n, ({3})::text AS r) AS i)",
    ),
    sf("LCASE", 1, "lower({0})"),
    sf("LEFT", 2, "left({0}, {1})"),
    // ODBC LENGTH ignores trailing blanks.
    sf("LENGTH", 1, "char_length(rtrim({0}))"),
    sf("LOCATE", 2, "position({0} in {1})"),
    // The search starts at the third argument (below 1: at 1); 0 when not found.
    sf(
        "LOCATE",
        3,
        "(SELECT CASE WHEN l.p > 0 THEN l.p + l.s - 1 ELSE 0 END FROM (SELECT \
         pg_catalog.strpos(pg_catalog.substr(a.h, a.s), a.n) AS p, a.s FROM (SELECT \
         ({0})::text AS n, ({1})::text AS h, GREATEST(({2})::int, 1) AS s) AS a) AS l)",
    ),
    sf("LTRIM", 1, "ltrim({0})"),
    sf("OCTET_LENGTH", 1, "octet_length({0})"),
    // The argument is "a IN b" as written: one argument to the translator.
    sf("POSITION", 1, "position({0})"),
    sf("REPEAT", 2, "repeat({0}, {1})"),
    sf("REPLACE", 3, "replace({0}, {1}, {2})"),
    sf("RIGHT", 2, "right({0}, {1})"),
    sf("RTRIM", 1, "rtrim({0})"),
    sf("SPACE", 1, "repeat(' ', {0})"),
    sf("SUBSTRING", 2, "substr({0}, {1})"),
    sf("SUBSTRING", 3, "substr({0}, {1}, {2})"),
    sf("UCASE", 1, "upper({0})"),
    // numeric functions
    sf("ABS", 1, "abs({0})"),
    sf("ACOS", 1, "acos({0})"),
    sf("ASIN", 1, "asin({0})"),
    sf("ATAN", 1, "atan({0})"),
    sf("ATAN2", 2, "atan2({0}, {1})"),
    sf("CEILING", 1, "ceiling({0})"),
    sf("COS", 1, "cos({0})"),
    sf("COT", 1, "cot({0})"),
    sf("DEGREES", 1, "degrees({0})"),
    sf("EXP", 1, "exp({0})"),
    sf("FLOOR", 1, "floor({0})"),
    sf("LOG", 1, "ln({0})"),
    sf("LOG10", 1, "log({0})"),
    sf("MOD", 2, "mod({0}, {1})"),
    sf("PI", 0, "pi()"),
    sf("POWER", 2, "power({0}, {1})"),
    sf("RADIANS", 1, "radians({0})"),
    sf("RAND", 0, "random()"),
    // round/trunc with a digit count exist only for numeric.
    sf("ROUND", 2, "round(({0})::numeric, {1})"),
    sf("SIGN", 1, "sign({0})"),
    sf("SIN", 1, "sin({0})"),
    sf("SQRT", 1, "sqrt({0})"),
    sf("TAN", 1, "tan({0})"),
    sf("TRUNCATE", 2, "trunc(({0})::numeric, {1})"),
    // time and date functions; NOW and CURTIME have no time zone in ODBC.
    sf("CURDATE", 0, "current_date"),
    sf("CURRENT_DATE", 0, "current_date"),
    sf("CURRENT_TIME", 0, "localtime"),
    sf("CURRENT_TIME", 1, "localtime({0})"),
    sf("CURRENT_TIMESTAMP", 0, "localtimestamp"),
    sf("CURRENT_TIMESTAMP", 1, "localtimestamp({0})"),
    sf("CURTIME", 0, "localtime"),
    sf("DAYNAME", 1, "to_char({0}, 'FMDay')"),
    sf("DAYOFMONTH", 1, "CAST(extract(day FROM {0}) AS integer)"),
    sf(
        "DAYOFWEEK",
        1,
        "(CAST(extract(dow FROM {0}) AS integer) + 1)",
    ),
    sf("DAYOFYEAR", 1, "CAST(extract(doy FROM {0}) AS integer)"),
    // The argument is "field FROM value" as written.
    sf("EXTRACT", 1, "extract({0})"),
    sf("HOUR", 1, "CAST(extract(hour FROM {0}) AS integer)"),
    sf("MINUTE", 1, "CAST(extract(minute FROM {0}) AS integer)"),
    sf("MONTH", 1, "CAST(extract(month FROM {0}) AS integer)"),
    sf("MONTHNAME", 1, "to_char({0}, 'FMMonth')"),
    sf("NOW", 0, "localtimestamp"),
    sf("QUARTER", 1, "CAST(extract(quarter FROM {0}) AS integer)"),
    sf(
        "SECOND",
        1,
        "CAST(floor(extract(second FROM {0})) AS integer)",
    ),
    sf("WEEK", 1, "CAST(extract(week FROM {0}) AS integer)"),
    sf("YEAR", 1, "CAST(extract(year FROM {0}) AS integer)"),
    // system functions
    sf("DATABASE", 0, "current_database()"),
    sf("IFNULL", 2, "coalesce({0}, {1})"),
    sf("USER", 0, "current_user"),
    // conversion: {1} is replaced by convert_target(second argument)
    sf("CONVERT", 2, "CAST({0} AS {1})"),
];

/// The scalar function for `name` (case-insensitive) taking `args` arguments.
pub fn scalar_function(name: &str, args: usize) -> Option<&'static ScalarFunction> {
    SCALAR_FUNCTIONS
        .iter()
        .find(|f| usize::from(f.args) == args && f.name.eq_ignore_ascii_case(name.trim()))
}

const STRING_FUNCTIONS: u32 = STR_CONCAT
    | STR_INSERT
    | STR_LEFT
    | STR_LTRIM
    | STR_LENGTH
    | STR_LOCATE
    | STR_LCASE
    | STR_REPEAT
    | STR_REPLACE
    | STR_RIGHT
    | STR_RTRIM
    | STR_SUBSTRING
    | STR_UCASE
    | STR_ASCII
    | STR_CHAR
    | STR_LOCATE_2
    | STR_SPACE
    | STR_BIT_LENGTH
    | STR_CHAR_LENGTH
    | STR_CHARACTER_LENGTH
    | STR_OCTET_LENGTH
    | STR_POSITION;

/// All 24 ODBC numeric functions, ABS (0x1) through TRUNCATE (0x800000).
const NUMERIC_FUNCTIONS: u32 = 0x00ff_ffff;

const TIMEDATE_FUNCTIONS: u32 = TD_NOW
    | TD_CURDATE
    | TD_DAYOFMONTH
    | TD_DAYOFWEEK
    | TD_DAYOFYEAR
    | TD_MONTH
    | TD_QUARTER
    | TD_WEEK
    | TD_YEAR
    | TD_CURTIME
    | TD_HOUR
    | TD_MINUTE
    | TD_SECOND
    | TD_DAYNAME
    | TD_MONTHNAME
    | TD_CURRENT_DATE
    | TD_CURRENT_TIME
    | TD_CURRENT_TIMESTAMP
    | TD_EXTRACT;

const SYSTEM_FUNCTIONS: u32 = SYS_USERNAME | SYS_DBNAME | SYS_IFNULL;

const CVT_CHARS: u32 =
    CVT_CHAR | CVT_VARCHAR | CVT_LONGVARCHAR | CVT_WCHAR | CVT_WVARCHAR | CVT_WLONGVARCHAR;
const CVT_NUMBERS: u32 = CVT_NUMERIC
    | CVT_DECIMAL
    | CVT_INTEGER
    | CVT_SMALLINT
    | CVT_TINYINT
    | CVT_BIGINT
    | CVT_FLOAT
    | CVT_REAL
    | CVT_DOUBLE;
const CVT_BINARIES: u32 = CVT_BINARY | CVT_VARBINARY | CVT_LONGVARBINARY;

/// Conversions `CAST` performs, by source type (checked against PostgreSQL 15's casts: text
/// converts to anything through I/O; bool converts to integer only; date/time as below).
/// Interval and TINYINT sources: PostgreSQL columns never have these ODBC types, so 0.
fn convert_bitmap(source: u16) -> Option<u32> {
    use code::*;
    let everything = CVT_CHARS
        | CVT_NUMBERS
        | CVT_BIT
        | CVT_BINARIES
        | CVT_DATE
        | CVT_TIME
        | CVT_TIMESTAMP
        | CVT_GUID;
    Some(match source {
        SQL_CONVERT_CHAR
        | SQL_CONVERT_VARCHAR
        | SQL_CONVERT_LONGVARCHAR
        | SQL_CONVERT_WCHAR
        | SQL_CONVERT_WVARCHAR
        | SQL_CONVERT_WLONGVARCHAR => everything,
        SQL_CONVERT_INTEGER => CVT_CHARS | CVT_NUMBERS | CVT_BIT,
        SQL_CONVERT_NUMERIC | SQL_CONVERT_DECIMAL | SQL_CONVERT_SMALLINT | SQL_CONVERT_BIGINT
        | SQL_CONVERT_REAL | SQL_CONVERT_FLOAT | SQL_CONVERT_DOUBLE => CVT_CHARS | CVT_NUMBERS,
        SQL_CONVERT_BIT => CVT_CHARS | CVT_INTEGER | CVT_BIT,
        SQL_CONVERT_BINARY | SQL_CONVERT_VARBINARY | SQL_CONVERT_LONGVARBINARY => {
            CVT_CHARS | CVT_BINARIES
        }
        SQL_CONVERT_DATE => CVT_CHARS | CVT_DATE | CVT_TIMESTAMP,
        SQL_CONVERT_TIME => CVT_CHARS | CVT_TIME,
        SQL_CONVERT_TIMESTAMP => CVT_CHARS | CVT_DATE | CVT_TIME | CVT_TIMESTAMP,
        SQL_CONVERT_GUID => CVT_CHARS | CVT_GUID,
        SQL_CONVERT_TINYINT | SQL_CONVERT_INTERVAL_DAY_TIME | SQL_CONVERT_INTERVAL_YEAR_MONTH => 0,
        _ => return None,
    })
}

/// PostgreSQL reserved words (pg_get_keywords categories R and T, PostgreSQL 15) that are not
/// already in ODBC's own reserved keyword list, as SQL_KEYWORDS wants.
pub const KEYWORDS: &str = "ANALYSE,ANALYZE,ARRAY,ASYMMETRIC,BINARY,CONCURRENTLY,\
CURRENT_CATALOG,CURRENT_ROLE,CURRENT_SCHEMA,DO,FREEZE,ILIKE,ISNULL,LATERAL,LIMIT,LOCALTIME,\
LOCALTIMESTAMP,NOTNULL,OFFSET,PLACING,RETURNING,SIMILAR,SYMMETRIC,TABLESAMPLE,VARIADIC,\
VERBOSE,WINDOW";

/// PostgreSQL's NAMEDATALEN - 1: the longest identifier it keeps.
const MAX_IDENTIFIER: u16 = 63;

/// `server_version` as ODBC's `MM.mm.rrrr`: the numeric parts in front, the last one taken as
/// the release ("15.18" -> 15.00.0018, "9.6.24" -> 09.06.0024, "16beta1" -> 16.00.0000).
pub fn dbms_version(server_version: &str) -> String {
    let numeric: String = server_version
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let parts: Vec<u32> = numeric
        .split('.')
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<u32>().unwrap_or(0))
        .collect();
    let (major, minor, release) = match parts.as_slice() {
        [] => (0, 0, 0),
        [major] => (*major, 0, 0),
        // Two parts: PostgreSQL 10 and later, "major.release".
        [major, release] if *major >= 10 => (*major, 0, *release),
        [major, minor] => (*major, *minor, 0),
        [major, minor, release, ..] => (*major, *minor, *release),
    };
    format!("{major:02}.{minor:02}.{release:04}")
}

/// `SQL_DRIVER_VER`: the crate version of Cargo.toml as `MM.mm.pppp`, so the driver reports the
/// version its packages carry. Built at compile time; a part too wide for its field stops the
/// build instead of being cut.
pub const DRIVER_VER: &str = match std::str::from_utf8(&DRIVER_VER_BYTES) {
    Ok(text) => text,
    Err(_) => panic!("SQL_DRIVER_VER is not ASCII"),
};

const DRIVER_VER_BYTES: [u8; 10] = odbc_version(
    env!("CARGO_PKG_VERSION_MAJOR"),
    env!("CARGO_PKG_VERSION_MINOR"),
    env!("CARGO_PKG_VERSION_PATCH"),
);

/// `MM.mm.pppp` from three decimal version parts, zero-padded.
const fn odbc_version(major: &str, minor: &str, patch: &str) -> [u8; 10] {
    let mut out = *b"00.00.0000";
    right_align(&mut out, 0, 2, major.as_bytes());
    right_align(&mut out, 3, 2, minor.as_bytes());
    right_align(&mut out, 6, 4, patch.as_bytes());
    out
}

/// Copies the decimal `digits` into `out[start..start + width]`, right-aligned over the zeros.
const fn right_align(out: &mut [u8; 10], start: usize, width: usize, digits: &[u8]) {
    assert!(
        digits.len() <= width,
        "version part too wide for SQL_DRIVER_VER"
    );
    let mut i = 0;
    while i < digits.len() {
        assert!(digits[i].is_ascii_digit(), "version part is not decimal");
        out[start + width - digits.len() + i] = digits[i];
        i += 1;
    }
}

fn s(text: &'static str) -> Option<InfoValue> {
    Some(InfoValue::Str(Cow::Borrowed(text)))
}

fn owned(text: &str) -> Option<InfoValue> {
    Some(InfoValue::Str(Cow::Owned(text.to_owned())))
}

fn yes_no(flag: bool) -> Option<InfoValue> {
    s(if flag { "Y" } else { "N" })
}

fn u16v(value: u16) -> Option<InfoValue> {
    Some(InfoValue::U16(value))
}

fn u32v(value: u32) -> Option<InfoValue> {
    Some(InfoValue::U32(value))
}

/// The SQLGetInfo answer for `info_type`, or `None` when the driver does not answer it (the
/// caller reports HY096). Handle-valued types (SQL_DRIVER_HENV/HDBC/HSTMT/HDESC/HLIB) and
/// SQL_DM_VER are answered by the driver manager or the FFI layer, which hold the pointers.
pub fn info_value(info_type: u16, ctx: &InfoContext<'_>) -> Option<InfoValue> {
    use code::*;
    if let Some(bitmap) = convert_bitmap(info_type) {
        return u32v(bitmap);
    }
    match info_type {
        // Driver and data source identity
        SQL_DRIVER_NAME => s("libauroraodbc.so"),
        SQL_DRIVER_VER => s(DRIVER_VER),
        SQL_DRIVER_ODBC_VER => s("03.80"),
        SQL_ODBC_VER => s("03.80.0000"),
        SQL_DBMS_NAME => s("PostgreSQL"),
        SQL_DBMS_VER => Some(InfoValue::Str(Cow::Owned(dbms_version(ctx.server_version)))),
        SQL_DATA_SOURCE_NAME => owned(ctx.data_source_name),
        SQL_DATABASE_NAME => owned(ctx.database),
        SQL_SERVER_NAME => owned(ctx.server_name),
        SQL_USER_NAME => owned(ctx.user),
        SQL_DATA_SOURCE_READ_ONLY => yes_no(ctx.read_only),
        SQL_XOPEN_CLI_YEAR => s("1995"),

        // Conformance
        SQL_ODBC_INTERFACE_CONFORMANCE => u32v(1), // SQL_OIC_CORE, as psqlODBC reports
        SQL_ODBC_API_CONFORMANCE => u16v(1),       // SQL_OAC_LEVEL1
        SQL_ODBC_SQL_CONFORMANCE => u16v(1),       // SQL_OSC_CORE
        SQL_ODBC_SAG_CLI_CONFORMANCE => u16v(1),   // SQL_OSCC_COMPLIANT
        SQL_SQL_CONFORMANCE => u32v(1),            // SQL_SC_SQL92_ENTRY
        SQL_STANDARD_CLI_CONFORMANCE => u32v(1),   // SQL_SCC_XOPEN_CLI_VERSION1
        SQL_INTEGRITY => s("Y"),

        // Terms and names
        SQL_IDENTIFIER_QUOTE_CHAR => s("\""),
        SQL_CATALOG_NAME => s("Y"),
        SQL_CATALOG_NAME_SEPARATOR => s("."),
        SQL_CATALOG_TERM => s("database"),
        SQL_CATALOG_LOCATION => u16v(1), // SQL_CL_START
        SQL_SCHEMA_TERM => s("schema"),
        SQL_CATALOG_USAGE | SQL_SCHEMA_USAGE => u32v(
            U_DML_STATEMENTS
                | U_PROCEDURE_INVOCATION
                | U_TABLE_DEFINITION
                | U_INDEX_DEFINITION
                | U_PRIVILEGE_DEFINITION,
        ),
        SQL_TABLE_TERM => s("table"),
        SQL_PROCEDURE_TERM => s("function"),
        SQL_IDENTIFIER_CASE => u16v(2), // SQL_IC_LOWER: unquoted names fold to lower case
        SQL_QUOTED_IDENTIFIER_CASE => u16v(3), // SQL_IC_SENSITIVE
        SQL_SPECIAL_CHARACTERS => s("$"),
        SQL_SEARCH_PATTERN_ESCAPE => s("\\"),
        SQL_LIKE_ESCAPE_CLAUSE => s("Y"),
        SQL_KEYWORDS => s(KEYWORDS),
        SQL_COLLATION_SEQ => s(""), // the database's collation is not known here
        SQL_ACCESSIBLE_TABLES => s("N"),
        SQL_ACCESSIBLE_PROCEDURES => s("N"),
        SQL_PROCEDURES => s("Y"),

        // Limits (0 = no fixed limit)
        SQL_MAX_COLUMN_NAME_LEN
        | SQL_MAX_CURSOR_NAME_LEN
        | SQL_MAX_SCHEMA_NAME_LEN
        | SQL_MAX_PROCEDURE_NAME_LEN
        | SQL_MAX_CATALOG_NAME_LEN
        | SQL_MAX_TABLE_NAME_LEN
        | SQL_MAX_USER_NAME_LEN
        | SQL_MAX_IDENTIFIER_LEN => u16v(MAX_IDENTIFIER),
        SQL_MAX_COLUMNS_IN_TABLE => u16v(1600),
        SQL_MAX_COLUMNS_IN_SELECT => u16v(1664),
        SQL_MAX_COLUMNS_IN_INDEX => u16v(32),
        SQL_MAX_COLUMNS_IN_GROUP_BY
        | SQL_MAX_COLUMNS_IN_ORDER_BY
        | SQL_MAX_TABLES_IN_SELECT
        | SQL_MAX_DRIVER_CONNECTIONS
        | SQL_MAX_CONCURRENT_ACTIVITIES => u16v(0),
        SQL_MAX_INDEX_SIZE
        | SQL_MAX_ROW_SIZE
        | SQL_MAX_STATEMENT_LEN
        | SQL_MAX_CHAR_LITERAL_LEN
        | SQL_MAX_BINARY_LITERAL_LEN => u32v(0),
        SQL_MAX_ROW_SIZE_INCLUDES_LONG => s("Y"),

        // Transactions
        SQL_TXN_CAPABLE => u16v(2), // SQL_TC_ALL: DDL is transactional
        SQL_DEFAULT_TXN_ISOLATION => u32v(TXN_READ_COMMITTED),
        // READ UNCOMMITTED is accepted and behaves as READ COMMITTED.
        SQL_TXN_ISOLATION_OPTION => {
            u32v(TXN_READ_UNCOMMITTED | TXN_READ_COMMITTED | TXN_REPEATABLE_READ | TXN_SERIALIZABLE)
        }
        SQL_MULTIPLE_ACTIVE_TXN => s("Y"),
        SQL_CURSOR_COMMIT_BEHAVIOR | SQL_CURSOR_ROLLBACK_BEHAVIOR => u16v(2), // SQL_CB_PRESERVE

        // Cursors and fetching
        SQL_SCROLL_OPTIONS => u32v(SO_FORWARD_ONLY | SO_KEYSET_DRIVEN | SO_STATIC),
        // Updatable cursors check row versions (xmin); rows are never locked.
        SQL_SCROLL_CONCURRENCY => u32v(SCCO_READ_ONLY | SCCO_OPT_ROWVER | SCCO_OPT_VALUES),
        SQL_FETCH_DIRECTION => u32v(
            FD_FETCH_NEXT
                | FD_FETCH_FIRST
                | FD_FETCH_LAST
                | FD_FETCH_PRIOR
                | FD_FETCH_ABSOLUTE
                | FD_FETCH_RELATIVE
                | FD_FETCH_BOOKMARK,
        ),
        // SQLSetPos refreshes, updates and deletes through an updatable cursor (a SELECT of
        // one table with SQL_CONCUR_ROWVER or SQL_CONCUR_VALUES; see `super::updatable`).
        SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES1 => {
            u32v(CA1_NEXT | CA1_POS_POSITION | CA1_POS_UPDATE | CA1_POS_DELETE | CA1_POS_REFRESH)
        }
        SQL_STATIC_CURSOR_ATTRIBUTES1 => u32v(SCROLLABLE_CA1),
        SQL_POS_OPERATIONS => u32v(POS_POSITION | POS_REFRESH | POS_UPDATE | POS_DELETE),
        SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES2 => u32v(
            CA2_READ_ONLY_CONCURRENCY
                | CA2_OPT_ROWVER_CONCURRENCY
                | CA2_OPT_VALUES_CONCURRENCY
                | CA2_MAX_ROWS_SELECT
                | CA2_MAX_ROWS_CATALOG,
        ),
        // A static cursor holds its rows, so SQLRowCount is exact; a row updated through the
        // cursor is read again, so the cursor shows its own updates.
        SQL_STATIC_CURSOR_ATTRIBUTES2 => u32v(SCROLLABLE_CA2),
        // Keyset-driven cursors (see `stmt::keyset`) do all a static one does and also see
        // other transactions' deletions (SQL_ROW_DELETED at the next fetch).
        SQL_KEYSET_CURSOR_ATTRIBUTES1 => u32v(SCROLLABLE_CA1),
        SQL_KEYSET_CURSOR_ATTRIBUTES2 => u32v(SCROLLABLE_CA2 | CA2_SENSITIVITY_DELETIONS),
        SQL_DYNAMIC_CURSOR_ATTRIBUTES1 | SQL_DYNAMIC_CURSOR_ATTRIBUTES2 => u32v(0),
        SQL_CURSOR_SENSITIVITY => u32v(1), // SQL_INSENSITIVE: results come from one snapshot
        SQL_GETDATA_EXTENSIONS => u32v(GD_ANY_COLUMN | GD_ANY_ORDER | GD_BOUND | GD_BLOCK),
        // SQL_LCK_NO_CHANGE: SQLSetPos leaves locks as they are.
        SQL_LOCK_TYPES => u32v(1),
        // Bookmarks are row numbers of a cursor's result: valid while it is open, across
        // updates and deletes through it (see `stmt::bookmarks`).
        SQL_BOOKMARK_PERSISTENCE => u32v(BP_DELETE | BP_SCROLL | BP_UPDATE),
        // UPDATE/DELETE ... WHERE CURRENT OF an updatable cursor.
        SQL_POSITIONED_STATEMENTS => u32v(PS_POSITIONED_DELETE | PS_POSITIONED_UPDATE),
        SQL_STATIC_SENSITIVITY => u32v(SS_UPDATES),
        // A keyset-driven cursor's fetch tells rows others updated (SQL_ROW_UPDATED).
        SQL_ROW_UPDATES => s("Y"),
        SQL_MAX_ASYNC_CONCURRENT_STATEMENTS => u32v(0),
        SQL_ASYNC_MODE => u32v(0),          // SQL_AM_NONE
        SQL_ASYNC_DBC_FUNCTIONS => u32v(0), // SQL_ASYNC_DBC_NOT_CAPABLE
        SQL_ASYNC_NOTIFICATION => u32v(0),  // SQL_ASYNC_NOTIFICATION_NOT_CAPABLE
        SQL_DRIVER_AWARE_POOLING_SUPPORTED => u32v(0),
        SQL_ACTIVE_ENVIRONMENTS => u16v(0),
        SQL_FILE_USAGE => u16v(0), // SQL_FILE_NOT_SUPPORTED

        // Statements, parameters and batches
        // psqlODBC says "N" (its SQLDescribeParam answers, but numeric parameters only as
        // numeric(28,6)); pyodbc then takes a Decimal parameter's scale from the values.
        SQL_DESCRIBE_PARAMETER => s("N"),
        SQL_NEED_LONG_DATA_LEN => s("N"),
        SQL_MULT_RESULT_SETS => s("Y"),
        SQL_PARAM_ARRAY_ROW_COUNTS => u32v(1), // SQL_PARC_BATCH: one count per parameter set
        SQL_PARAM_ARRAY_SELECTS => u32v(1),    // SQL_PAS_BATCH: one result set per set
        SQL_BATCH_SUPPORT => u32v(0x1 | 0x2),  // SQL_BS_SELECT_EXPLICIT | ROW_COUNT_EXPLICIT
        SQL_BATCH_ROW_COUNT => u32v(0x2),      // SQL_BRC_EXPLICIT

        // SQL grammar
        SQL_OUTER_JOINS => s("Y"),
        SQL_OJ_CAPABILITIES => u32v(OJ_ALL),
        SQL_EXPRESSIONS_IN_ORDERBY => s("Y"),
        SQL_ORDER_BY_COLUMNS_IN_SELECT => s("N"),
        SQL_GROUP_BY => u16v(2), // SQL_GB_GROUP_BY_CONTAINS_SELECT
        SQL_COLUMN_ALIAS => s("Y"),
        SQL_CORRELATION_NAME => u16v(2),     // SQL_CN_ANY
        SQL_NON_NULLABLE_COLUMNS => u16v(1), // SQL_NNC_NON_NULL
        SQL_NULL_COLLATION => u16v(0),       // SQL_NC_HIGH: NULLs sort as the largest value
        SQL_CONCAT_NULL_BEHAVIOR => u16v(0), // SQL_CB_NULL: 'a' || NULL is NULL
        SQL_SUBQUERIES => u32v(SQ_ALL),
        SQL_UNION => u32v(U_UNION | U_UNION_ALL),
        SQL_AGGREGATE_FUNCTIONS => u32v(AF_ALL),
        SQL_DATETIME_LITERALS => u32v(DL_ALL),
        SQL_INSERT_STATEMENT => u32v(0x1 | 0x2 | 0x4), // literals, searched, SELECT INTO
        SQL_INDEX_KEYWORDS => u32v(0x1 | 0x2),         // SQL_IK_ASC | SQL_IK_DESC
        SQL_DDL_INDEX => u32v(0x1 | 0x2),              // SQL_DI_CREATE_INDEX | DROP_INDEX
        SQL_ALTER_TABLE => u32v(
            AT_ADD_COLUMN
                | AT_DROP_COLUMN
                | AT_ADD_CONSTRAINT
                | AT_ADD_COLUMN_SINGLE
                | AT_ADD_COLUMN_DEFAULT
                | AT_ADD_COLUMN_COLLATION
                | AT_SET_COLUMN_DEFAULT
                | AT_DROP_COLUMN_DEFAULT
                | AT_DROP_COLUMN_CASCADE
                | AT_DROP_COLUMN_RESTRICT
                | AT_ADD_TABLE_CONSTRAINT
                | AT_DROP_TABLE_CONSTRAINT_CASCADE
                | AT_DROP_TABLE_CONSTRAINT_RESTRICT
                | AT_CONSTRAINT_NAME_DEFINITION
                | AT_CONSTRAINT_INITIALLY_DEFERRED
                | AT_CONSTRAINT_INITIALLY_IMMEDIATE
                | AT_CONSTRAINT_DEFERRABLE
                | AT_CONSTRAINT_NON_DEFERRABLE,
        ),
        SQL_ALTER_DOMAIN => u32v(
            AD_CONSTRAINT_NAME_DEFINITION
                | AD_ADD_DOMAIN_CONSTRAINT
                | AD_DROP_DOMAIN_CONSTRAINT
                | AD_ADD_DOMAIN_DEFAULT
                | AD_DROP_DOMAIN_DEFAULT,
        ),
        // GLOBAL TEMPORARY is accepted by PostgreSQL but behaves as LOCAL: not claimed.
        SQL_CREATE_TABLE => u32v(
            CT_CREATE_TABLE
                | CT_COMMIT_PRESERVE
                | CT_COMMIT_DELETE
                | CT_LOCAL_TEMPORARY
                | CT_CONSTRAINT_INITIALLY_DEFERRED
                | CT_CONSTRAINT_INITIALLY_IMMEDIATE
                | CT_CONSTRAINT_DEFERRABLE
                | CT_CONSTRAINT_NON_DEFERRABLE
                | CT_COLUMN_CONSTRAINT
                | CT_COLUMN_DEFAULT
                | CT_COLUMN_COLLATION
                | CT_TABLE_CONSTRAINT
                | CT_CONSTRAINT_NAME_DEFINITION,
        ),
        SQL_CREATE_VIEW => u32v(CV_CREATE_VIEW | CV_CHECK_OPTION | CV_CASCADED | CV_LOCAL),
        SQL_CREATE_SCHEMA => u32v(0x1 | 0x2), // SQL_CS_CREATE_SCHEMA | AUTHORIZATION
        SQL_CREATE_DOMAIN => u32v(
            CDO_CREATE_DOMAIN
                | CDO_DEFAULT
                | CDO_CONSTRAINT
                | CDO_COLLATION
                | CDO_CONSTRAINT_NAME_DEFINITION,
        ),
        SQL_CREATE_COLLATION => u32v(0x1), // SQL_CCOL_CREATE_COLLATION
        SQL_DROP_COLLATION => u32v(0x1),   // SQL_DC_DROP_COLLATION
        SQL_DROP_TABLE | SQL_DROP_VIEW | SQL_DROP_SCHEMA | SQL_DROP_DOMAIN => u32v(DROP_ALL),
        SQL_CREATE_ASSERTION
        | SQL_CREATE_CHARACTER_SET
        | SQL_CREATE_TRANSLATION
        | SQL_DROP_ASSERTION
        | SQL_DROP_CHARACTER_SET
        | SQL_DROP_TRANSLATION => u32v(0),
        SQL_INFO_SCHEMA_VIEWS => u32v(
            ISV_CHARACTER_SETS
                | ISV_CHECK_CONSTRAINTS
                | ISV_COLLATIONS
                | ISV_COLUMN_DOMAIN_USAGE
                | ISV_COLUMN_PRIVILEGES
                | ISV_COLUMNS
                | ISV_CONSTRAINT_COLUMN_USAGE
                | ISV_CONSTRAINT_TABLE_USAGE
                | ISV_DOMAIN_CONSTRAINTS
                | ISV_DOMAINS
                | ISV_KEY_COLUMN_USAGE
                | ISV_REFERENTIAL_CONSTRAINTS
                | ISV_SCHEMATA
                | ISV_TABLE_CONSTRAINTS
                | ISV_TABLE_PRIVILEGES
                | ISV_TABLES
                | ISV_USAGE_PRIVILEGES
                | ISV_VIEW_COLUMN_USAGE
                | ISV_VIEW_TABLE_USAGE
                | ISV_VIEWS,
        ),
        SQL_SQL92_DATETIME_FUNCTIONS => u32v(0x1 | 0x2 | 0x4),
        // CASCADE, NO ACTION, SET DEFAULT, SET NULL
        SQL_SQL92_FOREIGN_KEY_DELETE_RULE | SQL_SQL92_FOREIGN_KEY_UPDATE_RULE => {
            u32v(0x1 | 0x2 | 0x4 | 0x8)
        }
        SQL_SQL92_GRANT => u32v(SG_USAGE_ON_DOMAIN | SG_WITH_GRANT_OPTION | SG_TABLE_AND_COLUMN),
        SQL_SQL92_REVOKE => u32v(
            SR_USAGE_ON_DOMAIN
                | SR_GRANT_OPTION_FOR
                | SR_CASCADE
                | SR_RESTRICT
                | SR_TABLE_AND_COLUMN,
        ),
        // BIT_LENGTH, CHAR_LENGTH, CHARACTER_LENGTH, EXTRACT, OCTET_LENGTH, POSITION
        SQL_SQL92_NUMERIC_VALUE_FUNCTIONS => u32v(0x3f),
        SQL_SQL92_PREDICATES => u32v(
            SP_EXISTS
                | SP_ISNOTNULL
                | SP_ISNULL
                | SP_OVERLAPS
                | SP_LIKE
                | SP_IN
                | SP_BETWEEN
                | SP_COMPARISON
                | SP_QUANTIFIED_COMPARISON,
        ),
        SQL_SQL92_RELATIONAL_JOIN_OPERATORS => u32v(
            SRJO_CROSS_JOIN
                | SRJO_EXCEPT_JOIN
                | SRJO_FULL_OUTER_JOIN
                | SRJO_INNER_JOIN
                | SRJO_INTERSECT_JOIN
                | SRJO_LEFT_OUTER_JOIN
                | SRJO_NATURAL_JOIN
                | SRJO_RIGHT_OUTER_JOIN,
        ),
        // value expression, NULL, DEFAULT, row subquery
        SQL_SQL92_ROW_VALUE_CONSTRUCTOR => u32v(0x1 | 0x2 | 0x4 | 0x8),
        SQL_SQL92_STRING_FUNCTIONS => u32v(
            SSF_LOWER
                | SSF_UPPER
                | SSF_SUBSTRING
                | SSF_TRIM_BOTH
                | SSF_TRIM_LEADING
                | SSF_TRIM_TRAILING,
        ),
        // CASE, CAST, COALESCE, NULLIF
        SQL_SQL92_VALUE_EXPRESSIONS => u32v(0x1 | 0x2 | 0x4 | 0x8),

        // Scalar functions ({fn ...} escapes, see SCALAR_FUNCTIONS)
        SQL_CONVERT_FUNCTIONS => u32v(FN_CVT_CONVERT | FN_CVT_CAST),
        SQL_STRING_FUNCTIONS => u32v(STRING_FUNCTIONS),
        SQL_NUMERIC_FUNCTIONS => u32v(NUMERIC_FUNCTIONS),
        SQL_TIMEDATE_FUNCTIONS => u32v(TIMEDATE_FUNCTIONS),
        SQL_SYSTEM_FUNCTIONS => u32v(SYSTEM_FUNCTIONS),
        // TIMESTAMPADD / TIMESTAMPDIFF are not translated yet.
        SQL_TIMEDATE_ADD_INTERVALS | SQL_TIMEDATE_DIFF_INTERVALS => u32v(0),

        // Answered elsewhere (driver manager, FFI layer) or not applicable (DTC).
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::code::*;
    use super::*;

    fn ctx() -> InfoContext<'static> {
        InfoContext {
            server_version: "15.18 (Debian 15.18-0+deb12u1)",
            database: "sales",
            user: "alice",
            server_name: "db.example.com",
            data_source_name: "Aurora",
            read_only: false,
            driver_odbc_ver_app: 380,
        }
    }

    fn str_of(v: Option<InfoValue>) -> String {
        match v {
            Some(InfoValue::Str(text)) => text.into_owned(),
            other => panic!("not a string: {other:?}"),
        }
    }

    #[test]
    fn important_answers() {
        let c = ctx();
        let cases: &[(u16, InfoValue)] = &[
            (SQL_DBMS_NAME, InfoValue::Str("PostgreSQL".into())),
            (SQL_DBMS_VER, InfoValue::Str("15.00.0018".into())),
            (SQL_DRIVER_NAME, InfoValue::Str("libauroraodbc.so".into())),
            (SQL_DRIVER_VER, InfoValue::Str(DRIVER_VER.into())),
            (SQL_DRIVER_ODBC_VER, InfoValue::Str("03.80".into())),
            (SQL_ODBC_VER, InfoValue::Str("03.80.0000".into())),
            (SQL_ODBC_INTERFACE_CONFORMANCE, InfoValue::U32(1)),
            (SQL_IDENTIFIER_QUOTE_CHAR, InfoValue::Str("\"".into())),
            (SQL_CATALOG_NAME_SEPARATOR, InfoValue::Str(".".into())),
            (SQL_SCHEMA_TERM, InfoValue::Str("schema".into())),
            (SQL_TABLE_TERM, InfoValue::Str("table".into())),
            (SQL_PROCEDURE_TERM, InfoValue::Str("function".into())),
            (SQL_MAX_COLUMN_NAME_LEN, InfoValue::U16(63)),
            (SQL_MAX_TABLE_NAME_LEN, InfoValue::U16(63)),
            (SQL_MAX_SCHEMA_NAME_LEN, InfoValue::U16(63)),
            (SQL_DESCRIBE_PARAMETER, InfoValue::Str("N".into())),
            (SQL_NEED_LONG_DATA_LEN, InfoValue::Str("N".into())),
            (SQL_DATA_SOURCE_READ_ONLY, InfoValue::Str("N".into())),
            (SQL_TXN_CAPABLE, InfoValue::U16(2)),
            (SQL_DEFAULT_TXN_ISOLATION, InfoValue::U32(2)),
            (SQL_TXN_ISOLATION_OPTION, InfoValue::U32(15)),
            (SQL_GETDATA_EXTENSIONS, InfoValue::U32(15)),
            (SQL_CURSOR_COMMIT_BEHAVIOR, InfoValue::U16(2)),
            (SQL_SCROLL_OPTIONS, InfoValue::U32(0x13)),
            (
                SQL_KEYSET_CURSOR_ATTRIBUTES1,
                InfoValue::U32(SCROLLABLE_CA1),
            ),
            (SQL_DYNAMIC_CURSOR_ATTRIBUTES2, InfoValue::U32(0)),
            (SQL_IDENTIFIER_CASE, InfoValue::U16(2)),
            (SQL_QUOTED_IDENTIFIER_CASE, InfoValue::U16(3)),
            (SQL_NULL_COLLATION, InfoValue::U16(0)),
            (SQL_SEARCH_PATTERN_ESCAPE, InfoValue::Str("\\".into())),
            (SQL_PARAM_ARRAY_ROW_COUNTS, InfoValue::U32(1)),
            (SQL_PARAM_ARRAY_SELECTS, InfoValue::U32(1)),
            (SQL_MULT_RESULT_SETS, InfoValue::Str("Y".into())),
            (SQL_ASYNC_MODE, InfoValue::U32(0)),
            (SQL_ODBC_API_CONFORMANCE, InfoValue::U16(1)),
            (SQL_USER_NAME, InfoValue::Str("alice".into())),
            (SQL_DATABASE_NAME, InfoValue::Str("sales".into())),
            (SQL_SERVER_NAME, InfoValue::Str("db.example.com".into())),
            (SQL_DATA_SOURCE_NAME, InfoValue::Str("Aurora".into())),
            (SQL_XOPEN_CLI_YEAR, InfoValue::Str("1995".into())),
            (SQL_CONVERT_FUNCTIONS, InfoValue::U32(3)),
            (SQL_OUTER_JOINS, InfoValue::Str("Y".into())),
        ];
        for (code, expected) in cases {
            assert_eq!(
                info_value(*code, &c).as_ref(),
                Some(expected),
                "info type {code}"
            );
        }
        let ro = InfoContext {
            read_only: true,
            ..c
        };
        assert_eq!(str_of(info_value(SQL_DATA_SOURCE_READ_ONLY, &ro)), "Y");
    }

    #[test]
    fn unknown_and_delegated_types_are_not_answered() {
        let c = ctx();
        for code in [
            180u16,
            174,
            65535,
            65003,
            SQL_DM_VER,
            SQL_DRIVER_HSTMT,
            SQL_DRIVER_HDESC,
        ] {
            assert_eq!(info_value(code, &c), None, "info type {code}");
        }
    }

    #[test]
    fn codes_are_unique_and_cover_every_answer() {
        let mut seen = std::collections::HashMap::new();
        for (name, value) in code::ALL {
            if let Some(other) = seen.insert(*value, *name) {
                panic!("{name} and {other} share {value}");
            }
        }
        let c = ctx();
        for value in 0..=u16::MAX {
            if info_value(value, &c).is_some() {
                assert!(
                    seen.contains_key(&value),
                    "answered code {value} has no name"
                );
            }
        }
    }

    #[test]
    fn answered_codes_have_consistent_types() {
        // An info type answered with a 2-byte value must never be answered with a 4-byte one
        // under another context, and each answer must be stable.
        let c = ctx();
        let ro = InfoContext {
            read_only: true,
            server_version: "9.6.24",
            ..c
        };
        let mut answered = 0;
        for code in 0..=u16::MAX {
            let a = info_value(code, &c);
            let b = info_value(code, &ro);
            match (&a, &b) {
                (None, None) => {}
                (Some(x), Some(y)) => {
                    assert_eq!(std::mem::discriminant(x), std::mem::discriminant(y));
                    answered += 1;
                }
                _ => panic!("info type {code} answered in one context only"),
            }
        }
        assert!(answered > 150, "{answered}");
    }

    #[test]
    fn driver_version_is_the_crate_version() {
        let major: u32 = env!("CARGO_PKG_VERSION_MAJOR").parse().expect("major");
        let minor: u32 = env!("CARGO_PKG_VERSION_MINOR").parse().expect("minor");
        let patch: u32 = env!("CARGO_PKG_VERSION_PATCH").parse().expect("patch");
        assert_eq!(DRIVER_VER, format!("{major:02}.{minor:02}.{patch:04}"));
        assert_eq!(&odbc_version("1", "2", "3"), b"01.02.0003");
        assert_eq!(&odbc_version("12", "34", "5678"), b"12.34.5678");
        assert_eq!(&odbc_version("0", "1", "0"), b"00.01.0000");
    }

    #[test]
    fn dbms_version_formats() {
        assert_eq!(dbms_version("15.18"), "15.00.0018");
        assert_eq!(dbms_version("15.18 (Debian 15.18-0+deb12u1)"), "15.00.0018");
        assert_eq!(dbms_version("9.6.24"), "09.06.0024");
        assert_eq!(dbms_version("16beta1"), "16.00.0000");
        assert_eq!(dbms_version(""), "00.00.0000");
        assert_eq!(dbms_version("garbage"), "00.00.0000");
        // An unparsable part counts as 0; never a panic.
        assert_eq!(dbms_version("99999999999999.1"), "00.01.0000");
    }

    /// `?` markers are numbered by their place in the translated text, so a template must
    /// name each argument once, in the application's order.
    #[test]
    fn scalar_function_templates_keep_argument_order() {
        for f in SCALAR_FUNCTIONS {
            let mut seen = Vec::new();
            let mut rest = f.template;
            while let Some(open) = rest.find('{') {
                let close = rest[open..].find('}').expect("closed placeholder") + open;
                seen.push(
                    rest[open + 1..close]
                        .parse::<usize>()
                        .expect("argument number"),
                );
                rest = &rest[close + 1..];
            }
            let expected: Vec<usize> = (0..usize::from(f.args)).collect();
            assert_eq!(seen, expected, "{}/{}: {}", f.name, f.args, f.template);
        }
    }

    #[test]
    fn scalar_function_bitmaps_match_the_table() {
        let c = ctx();
        let bitmap = |code| match info_value(code, &c) {
            Some(InfoValue::U32(v)) => v,
            other => panic!("{other:?}"),
        };
        let strings = bitmap(SQL_STRING_FUNCTIONS);
        let numerics = bitmap(SQL_NUMERIC_FUNCTIONS);
        let timedate = bitmap(SQL_TIMEDATE_FUNCTIONS);
        let system = bitmap(SQL_SYSTEM_FUNCTIONS);
        let expect =
            |name: &str| assert!(SCALAR_FUNCTIONS.iter().any(|f| f.name == name), "{name}");
        let string_names = [
            (STR_CONCAT, "CONCAT"),
            (STR_INSERT, "INSERT"),
            (STR_LEFT, "LEFT"),
            (STR_LTRIM, "LTRIM"),
            (STR_LENGTH, "LENGTH"),
            (STR_LOCATE, "LOCATE"),
            (STR_LCASE, "LCASE"),
            (STR_REPEAT, "REPEAT"),
            (STR_REPLACE, "REPLACE"),
            (STR_RIGHT, "RIGHT"),
            (STR_RTRIM, "RTRIM"),
            (STR_SUBSTRING, "SUBSTRING"),
            (STR_UCASE, "UCASE"),
            (STR_ASCII, "ASCII"),
            (STR_CHAR, "CHAR"),
            (STR_SPACE, "SPACE"),
            (STR_BIT_LENGTH, "BIT_LENGTH"),
            (STR_CHAR_LENGTH, "CHAR_LENGTH"),
            (STR_CHARACTER_LENGTH, "CHARACTER_LENGTH"),
            (STR_OCTET_LENGTH, "OCTET_LENGTH"),
            (STR_POSITION, "POSITION"),
        ];
        for (bit, name) in string_names {
            assert_ne!(strings & bit, 0, "{name}");
            expect(name);
        }
        assert!(scalar_function("locate", 3).is_some());
        let numeric_names = [
            "ABS", "ACOS", "ASIN", "ATAN", "ATAN2", "CEILING", "COS", "COT", "EXP", "FLOOR", "LOG",
            "MOD", "SIGN", "SIN", "SQRT", "TAN", "PI", "RAND", "DEGREES", "LOG10", "POWER",
            "RADIANS", "ROUND", "TRUNCATE",
        ];
        for (i, name) in numeric_names.iter().enumerate() {
            assert_ne!(numerics & (1 << i), 0, "{name}");
            expect(name);
        }
        assert_eq!(numerics, NUMERIC_FUNCTIONS);
        for name in [
            "NOW",
            "CURDATE",
            "DAYOFMONTH",
            "DAYOFWEEK",
            "DAYOFYEAR",
            "MONTH",
            "QUARTER",
            "WEEK",
            "YEAR",
            "CURTIME",
            "HOUR",
            "MINUTE",
            "SECOND",
            "DAYNAME",
            "MONTHNAME",
            "CURRENT_DATE",
            "CURRENT_TIME",
            "CURRENT_TIMESTAMP",
            "EXTRACT",
        ] {
            expect(name);
        }
        assert_eq!(timedate.count_ones(), 19);
        for name in ["USER", "DATABASE", "IFNULL", "CONVERT"] {
            expect(name);
        }
        assert_eq!(system, 7);
        assert_eq!(
            scalar_function("ucase", 1).map(|f| f.template),
            Some("upper({0})")
        );
        assert_eq!(scalar_function("UCASE", 2), None);
        assert_eq!(convert_target(" sql_integer "), Some("int4"));
        assert_eq!(convert_target("SQL_INTERVAL_DAY"), None);
    }

    #[test]
    fn convert_bitmaps() {
        let c = ctx();
        assert_eq!(
            info_value(SQL_CONVERT_BIT, &c),
            Some(InfoValue::U32(CVT_CHARS | CVT_INTEGER | CVT_BIT))
        );
        assert_eq!(info_value(SQL_CONVERT_TINYINT, &c), Some(InfoValue::U32(0)));
        match info_value(SQL_CONVERT_VARCHAR, &c) {
            Some(InfoValue::U32(v)) => {
                assert_ne!(v & CVT_GUID, 0);
                assert_ne!(v & CVT_TIMESTAMP, 0);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn keywords_are_upper_case_and_comma_separated() {
        assert!(KEYWORDS
            .split(',')
            .all(|w| !w.is_empty() && w == w.to_ascii_uppercase()));
        assert!(KEYWORDS.split(',').any(|w| w == "LIMIT"));
        // Words ODBC already reserves are not repeated.
        assert!(!KEYWORDS.split(',').any(|w| w == "SELECT"));
    }
}
