//! SQL for the catalog functions (SQLTables, SQLColumns, ... SQLGetTypeInfo).
//!
//! Each builder returns a [`CatalogQuery`]: SQL with `$1, $2...` placeholders and the values
//! for them. Every name an application passes reaches the server as a parameter, never as SQL
//! text. Result columns carry the ODBC 3 names, order and types (SMALLINT as int2, INTEGER as
//! int4, VARCHAR as varchar), because applications read them by position and type; the
//! [`columns_of`] tables are the single place those shapes are written down.
//!
//! Decisions:
//! - The only catalog is the current database (a session cannot see others). A catalog
//!   argument that does not match it yields no rows; an empty one is ignored.
//! - An empty schema argument is ignored too: PostgreSQL has no tables outside schemas, and
//!   applications pass "" meaning "any".
//! - For functions whose table argument is an ordinary (non-pattern) argument, an absent or
//!   empty schema means "the table the search_path finds", as an unqualified name would.
//! - TABLE_TYPE: r, p -> TABLE; v, m -> VIEW (materialized views are listed as views so BI
//!   tools asking for "TABLE,VIEW" show them); f -> FOREIGN TABLE; anything in pg_catalog or
//!   information_schema, or named with one of [`SystemTables::extra_prefixes`] -> SYSTEM
//!   TABLE / SYSTEM VIEW, listed only when asked for by type (psqlODBC's rule; with
//!   ShowSystemTables they are ordinary tables and views); temporary relations -> LOCAL
//!   TEMPORARY. Partitions are not listed by SQLTables (their parent is), but every other
//!   function accepts them by name.
//! - Data types follow [`TypeMapping`]: char types become W types for Unicode applications,
//!   unbounded text is capped at `max_long_varchar` (or `max_varchar`) so bulk clients do not
//!   allocate gigabytes per row, domains report their base type, and every type without an
//!   ODBC counterpart (json, arrays, enums, intervals...) is reported as text.
//! - SQLSpecialColumns: SQL_BEST_ROWID gives the primary key (nothing without one);
//!   SQL_ROWVER gives the `xmin` system column, which changes on every update.
//!
//! The folder by concern: [`shape`] (result columns of each function), [`query`] (building
//! WHERE clauses from name arguments), [`types`] (how PostgreSQL types map to ODBC ones),
//! [`relations`], [`routines`] and [`privileges`] (the queries), [`type_info`]
//! (SQLGetTypeInfo), and [`request`] (checking and classifying an application's arguments).

mod privileges;
mod query;
mod relations;
pub mod request;
mod routines;
pub mod shape;
#[cfg(test)]
mod tests;
mod type_info;
mod types;

pub use privileges::{column_privileges, table_privileges};
pub use query::parse_table_types;
use query::*;
pub use relations::{columns, foreign_keys, primary_keys, special_columns, statistics, tables};
pub use routines::{procedure_columns, procedures};
pub use shape::columns_of;
use shape::{outer_list, select_list};
pub use type_info::type_info;
use types::*;

/// SQL text with `$n` placeholders and the value for each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogQuery {
    pub sql: String,
    pub params: Vec<Option<String>>,
}

/// One name argument of a catalog function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameArg<'a> {
    /// A null pointer: no restriction.
    Absent,
    /// A search pattern (`%`, `_`, `\` escape), case-sensitive.
    Pattern(&'a str),
    /// A literal value, compared exactly.
    Exact(&'a str),
    /// An identifier (SQL_ATTR_METADATA_ID true): quotes are removed, otherwise trailing
    /// blanks are dropped and the name folds to lower case like PostgreSQL folds it.
    Identifier(&'a str),
}

impl<'a> NameArg<'a> {
    /// Classifies an application argument. `pattern_arg` says whether the function takes a
    /// pattern in that position; `metadata_id` is the statement's SQL_ATTR_METADATA_ID.
    pub fn from_odbc(value: Option<&'a str>, pattern_arg: bool, metadata_id: bool) -> Self {
        match value {
            None => NameArg::Absent,
            Some(v) if metadata_id => NameArg::Identifier(v),
            Some(v) if pattern_arg => NameArg::Pattern(v),
            Some(v) => NameArg::Exact(v),
        }
    }

    fn is_empty_string(&self) -> bool {
        matches!(
            self,
            NameArg::Pattern("") | NameArg::Exact("") | NameArg::Identifier("")
        )
    }

    fn is_absent_or_empty(&self) -> bool {
        matches!(self, NameArg::Absent) || self.is_empty_string()
    }
}

/// How PostgreSQL types are reported as ODBC types; the statement layer describes result
/// columns with the same rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeMapping {
    /// Size reported for unbounded VARCHAR-mapped values, and the largest varchar(n) still
    /// reported as VARCHAR (psqlODBC's MaxVarcharSize).
    pub max_varchar: i32,
    /// Size reported for LONGVARCHAR / LONGVARBINARY values (psqlODBC's MaxLongVarcharSize).
    pub max_long_varchar: i32,
    /// Report character types as SQL_WCHAR / SQL_WVARCHAR / SQL_WLONGVARCHAR.
    pub unicode: bool,
    /// Report `text` (and unbounded varchar) as SQL_LONGVARCHAR rather than SQL_VARCHAR.
    pub text_as_long_varchar: bool,
    /// Report `bytea` as SQL_LONGVARBINARY rather than SQL_VARBINARY.
    pub bytea_as_long_varbinary: bool,
    /// The application uses ODBC 2 date/time codes (SQL_DATE 9, SQL_TIME 10, SQL_TIMESTAMP 11).
    pub odbc2: bool,
    /// Report bool as SQL_VARCHAR(5) (psqlODBC's BoolsAsChar).
    pub bools_as_char: bool,
    /// Report types without an ODBC equivalent as SQL_LONGVARCHAR (psqlODBC's
    /// UnknownsAsLongVarchar); otherwise SQL_VARCHAR.
    pub unknowns_as_long_varchar: bool,
    /// The SQL type of int8 (psqlODBC's Int8As).
    pub int8_as: i16,
    /// The SQL type of numeric without a declared precision (psqlODBC's NumericAs).
    pub numeric_as: Option<i16>,
}

impl Default for TypeMapping {
    /// psqlODBC's defaults, which existing DSNs and tools are tuned for.
    fn default() -> Self {
        TypeMapping {
            max_varchar: 255,
            max_long_varchar: 8190,
            unicode: false,
            text_as_long_varchar: true,
            bytea_as_long_varbinary: false,
            odbc2: false,
            bools_as_char: false,
            unknowns_as_long_varchar: true,
            int8_as: sqltype::BIGINT,
            numeric_as: None,
        }
    }
}

/// Which relations SQLTables calls system ones: psqlODBC's ShowSystemTables and
/// ExtraSysTablePrefixes, so tools tuned to psqlODBC see the same table lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemTables {
    /// Relations of the system schemas are ordinary tables and views, listed like any other.
    pub show_as_ordinary: bool,
    /// Name prefixes that make a relation a system table, besides the system schemas.
    pub extra_prefixes: Vec<String>,
}

impl SystemTables {
    /// From the two keys' values; the prefix list is separated by `;` as psqlODBC writes it.
    pub fn new(show_as_ordinary: bool, prefix_list: &str) -> SystemTables {
        SystemTables {
            show_as_ordinary,
            extra_prefixes: prefix_list
                .split(';')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }
}

impl Default for SystemTables {
    /// psqlODBC's defaults: system tables hidden, `dd_` the one extra prefix.
    fn default() -> Self {
        SystemTables::new(false, "dd_;")
    }
}

/// ODBC SQL type codes used in results.
mod sqltype {
    pub const CHAR: i16 = 1;
    pub const NUMERIC: i16 = 2;
    pub const DECIMAL: i16 = 3;
    pub const INTEGER: i16 = 4;
    pub const SMALLINT: i16 = 5;
    pub const REAL: i16 = 7;
    pub const DOUBLE: i16 = 8;
    pub const DATETIME: i16 = 9;
    pub const VARCHAR: i16 = 12;
    pub const TYPE_DATE: i16 = 91;
    pub const TYPE_TIME: i16 = 92;
    pub const TYPE_TIMESTAMP: i16 = 93;
    pub const LONGVARCHAR: i16 = -1;
    pub const VARBINARY: i16 = -3;
    pub const LONGVARBINARY: i16 = -4;
    pub const BIGINT: i16 = -5;
    pub const BIT: i16 = -7;
    pub const WCHAR: i16 = -8;
    pub const WVARCHAR: i16 = -9;
    pub const WLONGVARCHAR: i16 = -10;
    pub const GUID: i16 = -11;
    pub const ODBC2_DATE: i16 = 9;
    pub const ODBC2_TIME: i16 = 10;
    pub const ODBC2_TIMESTAMP: i16 = 11;
}

/// SQLSpecialColumns IdentifierType values.
pub const SQL_BEST_ROWID: u16 = 1;
pub const SQL_ROWVER: u16 = 2;
