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
//!   information_schema -> SYSTEM TABLE / SYSTEM VIEW; temporary relations -> LOCAL
//!   TEMPORARY. Partitions are not listed by SQLTables (their parent is), but every other
//!   function accepts them by name.
//! - Data types follow [`TypeMapping`]: char types become W types for Unicode applications,
//!   unbounded text is capped at `max_long_varchar` (or `max_varchar`) so bulk clients do not
//!   allocate gigabytes per row, domains report their base type, and every type without an
//!   ODBC counterpart (json, arrays, enums, intervals...) is reported as text.
//! - SQLSpecialColumns: SQL_BEST_ROWID gives the primary key (nothing without one);
//!   SQL_ROWVER gives the `xmin` system column, which changes on every update.

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
        }
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

/// Result shapes: (column name, PostgreSQL type) in ODBC 3 order.
pub mod shape {
    pub const TABLES: &[(&str, &str)] = &[
        ("TABLE_CAT", "varchar"),
        ("TABLE_SCHEM", "varchar"),
        ("TABLE_NAME", "varchar"),
        ("TABLE_TYPE", "varchar"),
        ("REMARKS", "varchar"),
    ];
    pub const COLUMNS: &[(&str, &str)] = &[
        ("TABLE_CAT", "varchar"),
        ("TABLE_SCHEM", "varchar"),
        ("TABLE_NAME", "varchar"),
        ("COLUMN_NAME", "varchar"),
        ("DATA_TYPE", "int2"),
        ("TYPE_NAME", "varchar"),
        ("COLUMN_SIZE", "int4"),
        ("BUFFER_LENGTH", "int4"),
        ("DECIMAL_DIGITS", "int2"),
        ("NUM_PREC_RADIX", "int2"),
        ("NULLABLE", "int2"),
        ("REMARKS", "varchar"),
        ("COLUMN_DEF", "varchar"),
        ("SQL_DATA_TYPE", "int2"),
        ("SQL_DATETIME_SUB", "int2"),
        ("CHAR_OCTET_LENGTH", "int4"),
        ("ORDINAL_POSITION", "int4"),
        ("IS_NULLABLE", "varchar"),
    ];
    pub const PRIMARY_KEYS: &[(&str, &str)] = &[
        ("TABLE_CAT", "varchar"),
        ("TABLE_SCHEM", "varchar"),
        ("TABLE_NAME", "varchar"),
        ("COLUMN_NAME", "varchar"),
        ("KEY_SEQ", "int2"),
        ("PK_NAME", "varchar"),
    ];
    pub const FOREIGN_KEYS: &[(&str, &str)] = &[
        ("PKTABLE_CAT", "varchar"),
        ("PKTABLE_SCHEM", "varchar"),
        ("PKTABLE_NAME", "varchar"),
        ("PKCOLUMN_NAME", "varchar"),
        ("FKTABLE_CAT", "varchar"),
        ("FKTABLE_SCHEM", "varchar"),
        ("FKTABLE_NAME", "varchar"),
        ("FKCOLUMN_NAME", "varchar"),
        ("KEY_SEQ", "int2"),
        ("UPDATE_RULE", "int2"),
        ("DELETE_RULE", "int2"),
        ("FK_NAME", "varchar"),
        ("PK_NAME", "varchar"),
        ("DEFERRABILITY", "int2"),
    ];
    pub const STATISTICS: &[(&str, &str)] = &[
        ("TABLE_CAT", "varchar"),
        ("TABLE_SCHEM", "varchar"),
        ("TABLE_NAME", "varchar"),
        ("NON_UNIQUE", "int2"),
        ("INDEX_QUALIFIER", "varchar"),
        ("INDEX_NAME", "varchar"),
        ("TYPE", "int2"),
        ("ORDINAL_POSITION", "int2"),
        ("COLUMN_NAME", "varchar"),
        ("ASC_OR_DESC", "char(1)"),
        ("CARDINALITY", "int4"),
        ("PAGES", "int4"),
        ("FILTER_CONDITION", "varchar"),
    ];
    pub const SPECIAL_COLUMNS: &[(&str, &str)] = &[
        ("SCOPE", "int2"),
        ("COLUMN_NAME", "varchar"),
        ("DATA_TYPE", "int2"),
        ("TYPE_NAME", "varchar"),
        ("COLUMN_SIZE", "int4"),
        ("BUFFER_LENGTH", "int4"),
        ("DECIMAL_DIGITS", "int2"),
        ("PSEUDO_COLUMN", "int2"),
    ];
    pub const PROCEDURES: &[(&str, &str)] = &[
        ("PROCEDURE_CAT", "varchar"),
        ("PROCEDURE_SCHEM", "varchar"),
        ("PROCEDURE_NAME", "varchar"),
        ("NUM_INPUT_PARAMS", "int4"),
        ("NUM_OUTPUT_PARAMS", "int4"),
        ("NUM_RESULT_SETS", "int4"),
        ("REMARKS", "varchar"),
        ("PROCEDURE_TYPE", "int2"),
    ];
    pub const PROCEDURE_COLUMNS: &[(&str, &str)] = &[
        ("PROCEDURE_CAT", "varchar"),
        ("PROCEDURE_SCHEM", "varchar"),
        ("PROCEDURE_NAME", "varchar"),
        ("COLUMN_NAME", "varchar"),
        ("COLUMN_TYPE", "int2"),
        ("DATA_TYPE", "int2"),
        ("TYPE_NAME", "varchar"),
        ("COLUMN_SIZE", "int4"),
        ("BUFFER_LENGTH", "int4"),
        ("DECIMAL_DIGITS", "int2"),
        ("NUM_PREC_RADIX", "int2"),
        ("NULLABLE", "int2"),
        ("REMARKS", "varchar"),
        ("COLUMN_DEF", "varchar"),
        ("SQL_DATA_TYPE", "int2"),
        ("SQL_DATETIME_SUB", "int2"),
        ("CHAR_OCTET_LENGTH", "int4"),
        ("ORDINAL_POSITION", "int4"),
        ("IS_NULLABLE", "varchar"),
    ];
    pub const TABLE_PRIVILEGES: &[(&str, &str)] = &[
        ("TABLE_CAT", "varchar"),
        ("TABLE_SCHEM", "varchar"),
        ("TABLE_NAME", "varchar"),
        ("GRANTOR", "varchar"),
        ("GRANTEE", "varchar"),
        ("PRIVILEGE", "varchar"),
        ("IS_GRANTABLE", "varchar"),
    ];
    pub const COLUMN_PRIVILEGES: &[(&str, &str)] = &[
        ("TABLE_CAT", "varchar"),
        ("TABLE_SCHEM", "varchar"),
        ("TABLE_NAME", "varchar"),
        ("COLUMN_NAME", "varchar"),
        ("GRANTOR", "varchar"),
        ("GRANTEE", "varchar"),
        ("PRIVILEGE", "varchar"),
        ("IS_GRANTABLE", "varchar"),
    ];
    pub const TYPE_INFO: &[(&str, &str)] = &[
        ("TYPE_NAME", "varchar"),
        ("DATA_TYPE", "int2"),
        ("COLUMN_SIZE", "int4"),
        ("LITERAL_PREFIX", "varchar"),
        ("LITERAL_SUFFIX", "varchar"),
        ("CREATE_PARAMS", "varchar"),
        ("NULLABLE", "int2"),
        ("CASE_SENSITIVE", "int2"),
        ("SEARCHABLE", "int2"),
        ("UNSIGNED_ATTRIBUTE", "int2"),
        ("FIXED_PREC_SCALE", "int2"),
        ("AUTO_UNIQUE_VALUE", "int2"),
        ("LOCAL_TYPE_NAME", "varchar"),
        ("MINIMUM_SCALE", "int2"),
        ("MAXIMUM_SCALE", "int2"),
        ("SQL_DATA_TYPE", "int2"),
        ("SQL_DATETIME_SUB", "int2"),
        ("NUM_PREC_RADIX", "int4"),
        ("INTERVAL_PRECISION", "int2"),
    ];
}

/// The result shape of a catalog function, by its SQL_API id (see [`crate::odbc::functions`]),
/// so the statement layer can describe a catalog result before executing it.
pub fn columns_of(api_id: u16) -> Option<&'static [(&'static str, &'static str)]> {
    Some(match api_id {
        54 => shape::TABLES,
        40 => shape::COLUMNS,
        65 => shape::PRIMARY_KEYS,
        60 => shape::FOREIGN_KEYS,
        53 => shape::STATISTICS,
        52 => shape::SPECIAL_COLUMNS,
        67 => shape::PROCEDURES,
        66 => shape::PROCEDURE_COLUMNS,
        70 => shape::TABLE_PRIVILEGES,
        56 => shape::COLUMN_PRIVILEGES,
        47 => shape::TYPE_INFO,
        _ => return None,
    })
}

/// The select list `(expr)::type AS "NAME", ...` for a shape; `exprs` is in shape order.
fn select_list(shape: &[(&str, &str)], exprs: &[&str]) -> String {
    debug_assert_eq!(shape.len(), exprs.len());
    shape
        .iter()
        .zip(exprs)
        .map(|((name, ty), expr)| format!("({expr})::{ty} AS \"{name}\""))
        .collect::<Vec<_>>()
        .join(",\n       ")
}

/// The outer select list re-reading a shape's columns from a subquery aliased `s`.
fn outer_list(shape: &[(&str, &str)]) -> String {
    shape
        .iter()
        .map(|(name, _)| format!("s.\"{name}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// If an ODBC search pattern has no wildcard, the literal it matches (escapes removed).
fn pattern_literal(pattern: &str) -> Option<String> {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next) => out.push(next),
                None => out.push('\\'),
            },
            '%' | '_' => return None,
            other => out.push(other),
        }
    }
    Some(out)
}

/// A pattern PostgreSQL's LIKE accepts: a lone trailing escape character (an error there)
/// becomes a literal backslash.
fn like_pattern(pattern: &str) -> String {
    let trailing = pattern.chars().rev().take_while(|&c| c == '\\').count();
    let mut fixed = pattern.to_owned();
    if trailing % 2 == 1 {
        fixed.push('\\');
    }
    fixed
}

/// The name an identifier argument denotes: `"Mixed Case"` keeps its case (doubled quotes
/// inside become one), an unquoted name folds to lower case.
fn identifier_value(raw: &str) -> String {
    let trimmed = raw.trim();
    if trimmed.len() >= 2 && trimmed.starts_with('"') && trimmed.ends_with('"') {
        trimmed[1..trimmed.len() - 1].replace("\"\"", "\"")
    } else {
        trimmed.to_lowercase()
    }
}

/// Splits SQLTables' TableType list ("TABLE,VIEW" or "'TABLE','VIEW'") into upper-case names.
/// An empty list, or one holding "%", means every type.
pub fn parse_table_types(list: &str) -> Vec<String> {
    let types: Vec<String> = list
        .split(',')
        .map(|t| t.trim().trim_matches('\'').trim().to_uppercase())
        .filter(|t| !t.is_empty())
        .collect();
    if types.iter().any(|t| t == "%") {
        Vec::new()
    } else {
        types
    }
}

/// Collects parameters and WHERE conditions while a query is built.
#[derive(Default)]
struct Query {
    params: Vec<Option<String>>,
    conds: Vec<String>,
}

impl Query {
    /// Adds a parameter and returns its placeholder.
    fn bind(&mut self, value: String) -> String {
        self.params.push(Some(value));
        format!("${}::text", self.params.len())
    }

    /// Restricts `column` by `arg`. `empty_is_any`: an empty string imposes nothing (catalog
    /// and schema arguments, see the module notes).
    fn name(&mut self, column: &str, arg: &NameArg<'_>, empty_is_any: bool) {
        if empty_is_any && arg.is_empty_string() {
            return;
        }
        match *arg {
            NameArg::Absent => {}
            NameArg::Pattern("%") => {}
            NameArg::Pattern(p) => match pattern_literal(p) {
                Some(literal) => {
                    let ph = self.bind(literal);
                    self.conds.push(format!("{column} = {ph}"));
                }
                None => {
                    let ph = self.bind(like_pattern(p));
                    self.conds.push(format!("{column} LIKE {ph}"));
                }
            },
            NameArg::Exact(v) => {
                let ph = self.bind(v.to_owned());
                self.conds.push(format!("{column} = {ph}"));
            }
            NameArg::Identifier(v) => {
                let ph = self.bind(identifier_value(v));
                self.conds.push(format!("{column} = {ph}"));
            }
        }
    }

    /// Catalog, schema and table restrictions for a relation `c` in namespace `n`. With
    /// `visible_default`, an absent or empty schema selects the relation the search_path finds.
    fn relation(
        &mut self,
        catalog: &NameArg<'_>,
        schema: &NameArg<'_>,
        table: &NameArg<'_>,
        visible_default: bool,
    ) {
        self.relation_as("c", "n", catalog, schema, table, visible_default);
    }

    /// [`Query::relation`] for a pg_class alias `rel` and pg_namespace alias `ns`.
    fn relation_as(
        &mut self,
        rel: &str,
        ns: &str,
        catalog: &NameArg<'_>,
        schema: &NameArg<'_>,
        table: &NameArg<'_>,
        visible_default: bool,
    ) {
        self.name("pg_catalog.current_database()", catalog, true);
        if visible_default && schema.is_absent_or_empty() && !matches!(table, NameArg::Absent) {
            self.conds
                .push(format!("pg_catalog.pg_table_is_visible({rel}.oid)"));
        } else {
            self.name(&format!("{ns}.nspname"), schema, true);
        }
        self.name(&format!("{rel}.relname"), table, false);
    }

    fn where_clause(&self) -> String {
        if self.conds.is_empty() {
            String::new()
        } else {
            format!("\n  AND {}", self.conds.join("\n  AND "))
        }
    }

    /// Takes the collected conditions (for a second part of the same query).
    fn take_where(&mut self) -> String {
        let clause = self.where_clause();
        self.conds.clear();
        clause
    }

    fn finish(self, sql: String) -> CatalogQuery {
        CatalogQuery {
            sql,
            params: self.params,
        }
    }
}

/// Relation kinds that hold columns applications query.
const QUERYABLE_RELKINDS: &str = "('r', 'p', 'v', 'm', 'f')";

/// Sessions see each other's temporary schemas in the catalogs; hide them.
const NOT_OTHER_TEMP: &str = "NOT pg_catalog.pg_is_other_temp_schema(n.oid)";

fn char_codes(m: &TypeMapping) -> (i16, i16, i16) {
    if m.unicode {
        (sqltype::WCHAR, sqltype::WVARCHAR, sqltype::WLONGVARCHAR)
    } else {
        (sqltype::CHAR, sqltype::VARCHAR, sqltype::LONGVARCHAR)
    }
}

fn datetime_codes(m: &TypeMapping) -> (i16, i16, i16) {
    if m.odbc2 {
        (
            sqltype::ODBC2_DATE,
            sqltype::ODBC2_TIME,
            sqltype::ODBC2_TIMESTAMP,
        )
    } else {
        (
            sqltype::TYPE_DATE,
            sqltype::TYPE_TIME,
            sqltype::TYPE_TIMESTAMP,
        )
    }
}

/// The ODBC type columns of a PostgreSQL type, as SQL expressions over `t` (the declared
/// pg_type row) and `bt(oid, mod)` (the base type and typmod, see [`BASE_TYPE`]).
struct TypeSql {
    data_type: String,
    type_name: String,
    column_size: String,
    buffer_length: String,
    decimal_digits: String,
    radix: String,
    sql_data_type: String,
    datetime_sub: String,
    octet_length: String,
}

/// Resolves a domain to its base type (one level, which is what CREATE DOMAIN produces in
/// practice). Needs `t` joined on the declared type; `{oid}`/`{mod}` are the declared ones.
fn base_type(oid: &str, typmod: &str) -> String {
    format!(
        "CROSS JOIN LATERAL (SELECT CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE {oid} END AS oid,\n\
         \x20                          CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE {typmod} END AS mod) AS bt"
    )
}

/// Base type oids reported under their own `typname` (all valid type names in DDL).
const NAMED_TYPES: &str =
    "(16, 17, 18, 19, 20, 21, 23, 25, 26, 700, 701, 1042, 1043, 1082, 1083, 1114, 1184, 1266, 1700, 2950)";

fn type_sql(m: &TypeMapping) -> TypeSql {
    let (ch, vch, lvch) = char_codes(m);
    let (date, time, timestamp) = datetime_codes(m);
    let max_v = m.max_varchar.max(1);
    let max_lv = m.max_long_varchar.max(1);
    let (text_type, text_size) = if m.text_as_long_varchar {
        (lvch, max_lv)
    } else {
        (vch, max_v)
    };
    let bin_type = if m.bytea_as_long_varbinary {
        sqltype::LONGVARBINARY
    } else {
        sqltype::VARBINARY
    };
    // numeric typmod: precision in the high 16 bits, scale as an 11-bit signed number (negative
    // scales exist since PostgreSQL 15; they are reported as extra precision with scale 0).
    let num_p = "(((bt.mod - 4) >> 16) & 65535)";
    let num_s = "((((bt.mod - 4) & 2047) # 1024) - 1024)";
    let frac = "(CASE WHEN bt.mod >= 0 THEN bt.mod ELSE 6 END)";
    let char_len = "(bt.mod - 4)";

    let data_type = format!(
        "CASE WHEN bt.oid = 16 THEN {bit}
      WHEN bt.oid = 17 THEN {bin_type}
      WHEN bt.oid = 18 THEN {ch}
      WHEN bt.oid = 19 THEN {vch}
      WHEN bt.oid IN (20, 26) THEN {bigint}
      WHEN bt.oid = 21 THEN {smallint}
      WHEN bt.oid = 23 THEN {integer}
      WHEN bt.oid = 700 THEN {real}
      WHEN bt.oid = 701 THEN {double}
      WHEN bt.oid = 1700 THEN {numeric}
      WHEN bt.oid = 1082 THEN {date}
      WHEN bt.oid IN (1083, 1266) THEN {time}
      WHEN bt.oid IN (1114, 1184) THEN {timestamp}
      WHEN bt.oid = 2950 THEN {guid}
      WHEN bt.oid = 1042 AND bt.mod >= 4 THEN {ch}
      WHEN bt.oid = 1043 AND bt.mod >= 4 AND {char_len} <= {max_v} THEN {vch}
      WHEN bt.oid = 1043 AND bt.mod >= 4 THEN {lvch}
      ELSE {text_type} END",
        bit = sqltype::BIT,
        bigint = sqltype::BIGINT,
        smallint = sqltype::SMALLINT,
        integer = sqltype::INTEGER,
        real = sqltype::REAL,
        double = sqltype::DOUBLE,
        numeric = sqltype::NUMERIC,
        guid = sqltype::GUID,
    );
    let type_name = format!(
        "CASE WHEN t.oid IN {NAMED_TYPES} THEN t.typname::text \
         ELSE pg_catalog.format_type(t.oid, NULL) END"
    );
    let column_size = format!(
        "CASE WHEN bt.oid IN (16, 18) THEN 1
      WHEN bt.oid = 17 THEN {max_lv}
      WHEN bt.oid = 19 THEN 63
      WHEN bt.oid IN (20, 26) THEN 19
      WHEN bt.oid = 21 THEN 5
      WHEN bt.oid = 23 THEN 10
      WHEN bt.oid = 700 THEN 7
      WHEN bt.oid = 701 THEN 15
      WHEN bt.oid = 1700 THEN CASE WHEN bt.mod >= 4 THEN {num_p} - LEAST({num_s}, 0) ELSE 28 END
      WHEN bt.oid = 1082 THEN 10
      WHEN bt.oid IN (1083, 1266) THEN 8 + CASE WHEN {frac} > 0 THEN {frac} + 1 ELSE 0 END
      WHEN bt.oid IN (1114, 1184) THEN 19 + CASE WHEN {frac} > 0 THEN {frac} + 1 ELSE 0 END
      WHEN bt.oid = 2950 THEN 36
      WHEN bt.oid IN (1042, 1043) AND bt.mod >= 4 THEN {char_len}
      ELSE {text_size} END"
    );
    // Characters can take up to 4 bytes (UTF-8, or a UTF-16 surrogate pair).
    let char_octets = format!("LEAST(({column_size})::int8 * 4, 2147483647)");
    let buffer_length = format!(
        "CASE WHEN bt.oid = 16 THEN 1
      WHEN bt.oid = 17 THEN {max_lv}
      WHEN bt.oid IN (20, 26, 701) THEN 8
      WHEN bt.oid = 21 THEN 2
      WHEN bt.oid IN (23, 700) THEN 4
      WHEN bt.oid = 1700 THEN ({column_size}) + 2
      WHEN bt.oid IN (1082, 1083, 1266) THEN 6
      WHEN bt.oid IN (1114, 1184, 2950) THEN 16
      ELSE {char_octets} END"
    );
    let decimal_digits = format!(
        "CASE WHEN bt.oid IN (20, 21, 23, 26) THEN 0
      WHEN bt.oid = 1700 THEN CASE WHEN bt.mod >= 4 THEN GREATEST({num_s}, 0) ELSE 6 END
      WHEN bt.oid IN (1083, 1266, 1114, 1184) THEN {frac} END"
    );
    let radix = "CASE WHEN bt.oid IN (20, 21, 23, 26, 700, 701, 1700) THEN 10 END".to_owned();
    let sql_data_type = format!(
        "CASE WHEN bt.oid IN (1082, 1083, 1266, 1114, 1184) THEN {datetime} ELSE {data_type} END",
        datetime = sqltype::DATETIME
    );
    let datetime_sub = "CASE WHEN bt.oid = 1082 THEN 1 WHEN bt.oid IN (1083, 1266) THEN 2 \
                        WHEN bt.oid IN (1114, 1184) THEN 3 END"
        .to_owned();
    let octet_length = format!(
        "CASE WHEN bt.oid = 17 THEN {max_lv}
      WHEN bt.oid IN (16, 20, 21, 23, 26, 700, 701, 1700, 1082, 1083, 1266, 1114, 1184, 2950) THEN NULL
      ELSE {char_octets} END"
    );
    TypeSql {
        data_type,
        type_name,
        column_size,
        buffer_length,
        decimal_digits,
        radix,
        sql_data_type,
        datetime_sub,
        octet_length,
    }
}

/// SQLTables, including its three enumeration forms (catalogs, schemas, table types).
pub fn tables(
    catalog: NameArg<'_>,
    schema: NameArg<'_>,
    table: NameArg<'_>,
    table_types: Option<&str>,
) -> CatalogQuery {
    let all = |arg: &NameArg<'_>| matches!(arg, NameArg::Pattern("%"));
    let types_all = matches!(table_types.map(str::trim), Some("%"));
    let empty = |arg: &NameArg<'_>| arg.is_empty_string();

    if all(&catalog) && empty(&schema) && empty(&table) {
        let list = select_list(
            shape::TABLES,
            &[
                "pg_catalog.current_database()",
                "NULL",
                "NULL",
                "NULL",
                "NULL",
            ],
        );
        return Query::default().finish(format!("SELECT {list}"));
    }
    if all(&schema) && empty(&catalog) && empty(&table) {
        let list = select_list(
            shape::TABLES,
            &["NULL", "n.nspname", "NULL", "NULL", "NULL"],
        );
        return Query::default().finish(format!(
            "SELECT {list}
FROM pg_catalog.pg_namespace n
WHERE n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 2"
        ));
    }
    if types_all && empty(&catalog) && empty(&schema) && empty(&table) {
        let list = select_list(shape::TABLES, &["NULL", "NULL", "NULL", "v.type", "NULL"]);
        return Query::default().finish(format!(
            "SELECT {list}
FROM (VALUES ('FOREIGN TABLE'), ('LOCAL TEMPORARY'), ('SYSTEM TABLE'), ('SYSTEM VIEW'),
             ('TABLE'), ('VIEW')) AS v(type)
ORDER BY 4"
        ));
    }

    let mut q = Query::default();
    q.relation(&catalog, &schema, &table, false);
    let relation_filter = q.take_where();
    let type_expr = "CASE WHEN n.nspname IN ('pg_catalog', 'information_schema') THEN
             CASE WHEN c.relkind IN ('v', 'm') THEN 'SYSTEM VIEW' ELSE 'SYSTEM TABLE' END
           WHEN c.relpersistence = 't' THEN 'LOCAL TEMPORARY'
           WHEN c.relkind IN ('r', 'p') THEN 'TABLE'
           WHEN c.relkind IN ('v', 'm') THEN 'VIEW'
           ELSE 'FOREIGN TABLE' END";
    let list = select_list(
        shape::TABLES,
        &[
            "pg_catalog.current_database()",
            "n.nspname",
            "c.relname",
            type_expr,
            "pg_catalog.obj_description(c.oid, 'pg_class')",
        ],
    );
    let types = table_types.map(parse_table_types).unwrap_or_default();
    let type_filter = if types.is_empty() {
        String::new()
    } else {
        let placeholders: Vec<String> = types.into_iter().map(|t| q.bind(t)).collect();
        format!("\nWHERE s.\"TABLE_TYPE\" IN ({})", placeholders.join(", "))
    };
    let sql = format!(
        "SELECT {outer} FROM (
SELECT {list}
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN {QUERYABLE_RELKINDS}
  AND NOT c.relispartition
  AND {NOT_OTHER_TEMP}{relation_filter}
) AS s{type_filter}
ORDER BY 4, 1, 2, 3",
        outer = outer_list(shape::TABLES),
    );
    q.finish(sql)
}

/// SQLColumns. Dropped and system columns are left out; ORDINAL_POSITION counts the visible
/// columns (the position in `SELECT *`), not attnum with its gaps.
pub fn columns(
    catalog: NameArg<'_>,
    schema: NameArg<'_>,
    table: NameArg<'_>,
    column: NameArg<'_>,
    mapping: &TypeMapping,
) -> CatalogQuery {
    let ty = type_sql(mapping);
    let mut q = Query::default();
    q.relation(&catalog, &schema, &table, false);
    let relation_filter = q.take_where();
    q.name("s.\"COLUMN_NAME\"", &column, false);
    let column_filter = if q.conds.is_empty() {
        String::new()
    } else {
        format!("\nWHERE {}", q.conds.join(" AND "))
    };
    q.conds.clear();
    let not_null = "(a.attnotnull OR (t.typtype = 'd' AND t.typnotnull))";
    let nullable = format!("CASE WHEN {not_null} THEN 0 ELSE 1 END");
    let is_nullable = format!("CASE WHEN {not_null} THEN 'NO' ELSE 'YES' END");
    let list = select_list(
        shape::COLUMNS,
        &[
            "pg_catalog.current_database()",
            "n.nspname",
            "c.relname",
            "a.attname",
            &ty.data_type,
            &ty.type_name,
            &ty.column_size,
            &ty.buffer_length,
            &ty.decimal_digits,
            &ty.radix,
            &nullable,
            "pg_catalog.col_description(c.oid, a.attnum)",
            "CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END",
            &ty.sql_data_type,
            &ty.datetime_sub,
            &ty.octet_length,
            "pg_catalog.row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum)",
            &is_nullable,
        ],
    );
    let sql = format!(
        "SELECT {outer} FROM (
SELECT {list}
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
{base}
WHERE c.relkind IN {QUERYABLE_RELKINDS}
  AND {NOT_OTHER_TEMP}{relation_filter}
) AS s{column_filter}
ORDER BY 1, 2, 3, 17",
        outer = outer_list(shape::COLUMNS),
        base = base_type("a.atttypid", "a.atttypmod"),
    );
    q.finish(sql)
}

/// SQLPrimaryKeys.
pub fn primary_keys(catalog: NameArg<'_>, schema: NameArg<'_>, table: NameArg<'_>) -> CatalogQuery {
    let mut q = Query::default();
    q.relation(&catalog, &schema, &table, true);
    let filter = q.take_where();
    let list = select_list(
        shape::PRIMARY_KEYS,
        &[
            "pg_catalog.current_database()",
            "n.nspname",
            "c.relname",
            "a.attname",
            "k.seq",
            "con.conname",
        ],
    );
    let sql = format!(
        "SELECT {list}
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_constraint con ON con.conrelid = c.oid AND con.contype = 'p'
CROSS JOIN LATERAL pg_catalog.unnest(con.conkey) WITH ORDINALITY AS k(attnum, seq)
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
WHERE {NOT_OTHER_TEMP}{filter}
ORDER BY 1, 2, 3, 5"
    );
    q.finish(sql)
}

/// SQLForeignKeys: the keys of `fk_*` referencing `pk_*`, either side may be absent.
pub fn foreign_keys(
    pk_catalog: NameArg<'_>,
    pk_schema: NameArg<'_>,
    pk_table: NameArg<'_>,
    fk_catalog: NameArg<'_>,
    fk_schema: NameArg<'_>,
    fk_table: NameArg<'_>,
) -> CatalogQuery {
    let mut q = Query::default();
    q.relation_as("pc", "pn", &pk_catalog, &pk_schema, &pk_table, true);
    let pk_filter = q.take_where();
    q.relation_as("fc", "fn", &fk_catalog, &fk_schema, &fk_table, true);
    let fk_filter = q.take_where();
    let rule = |column: &str| {
        format!(
            "CASE {column} WHEN 'c' THEN 0 WHEN 'r' THEN 1 WHEN 'n' THEN 2 WHEN 'a' THEN 3 \
             WHEN 'd' THEN 4 END"
        )
    };
    let update_rule = rule("con.confupdtype");
    let delete_rule = rule("con.confdeltype");
    let list = select_list(
        shape::FOREIGN_KEYS,
        &[
            "pg_catalog.current_database()",
            "pn.nspname",
            "pc.relname",
            "pa.attname",
            "pg_catalog.current_database()",
            "fn.nspname",
            "fc.relname",
            "fa.attname",
            "k.seq",
            &update_rule,
            &delete_rule,
            "con.conname",
            "ic.relname",
            "CASE WHEN con.condeferrable AND con.condeferred THEN 5 \
             WHEN con.condeferrable THEN 6 ELSE 7 END",
        ],
    );
    // Ordered by the side the application did not name.
    let order = if matches!(pk_table, NameArg::Absent) {
        "1, 2, 3, 9"
    } else {
        "5, 6, 7, 9"
    };
    let sql = format!(
        "SELECT {list}
FROM pg_catalog.pg_constraint con
CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(con.conkey), pg_catalog.unnest(con.confkey))
    WITH ORDINALITY AS k(fkatt, pkatt, seq)
JOIN pg_catalog.pg_class fc ON fc.oid = con.conrelid
JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
JOIN pg_catalog.pg_class pc ON pc.oid = con.confrelid
JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
JOIN pg_catalog.pg_attribute fa ON fa.attrelid = con.conrelid AND fa.attnum = k.fkatt
JOIN pg_catalog.pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = k.pkatt
LEFT JOIN pg_catalog.pg_class ic ON ic.oid = con.conindid
WHERE con.contype = 'f'
  AND con.conparentid = 0{pk_filter}{fk_filter}
ORDER BY {order}"
    );
    q.finish(sql)
}

/// SQLStatistics: one SQL_TABLE_STAT row, then one row per index key column. `unique_only`
/// is SQL_INDEX_UNIQUE; the Reserved (accuracy) argument makes no difference: the figures are
/// the planner's estimates either way.
pub fn statistics(
    catalog: NameArg<'_>,
    schema: NameArg<'_>,
    table: NameArg<'_>,
    unique_only: bool,
) -> CatalogQuery {
    let mut q = Query::default();
    q.relation(&catalog, &schema, &table, true);
    let filter = q.take_where();
    let estimate = |rel: &str| {
        format!("CASE WHEN {rel}.reltuples >= 0 THEN LEAST({rel}.reltuples, 2147483647) END")
    };
    let table_card = estimate("r");
    let index_card = estimate("ic");
    let table_row = select_list(
        shape::STATISTICS,
        &[
            "pg_catalog.current_database()",
            "r.nspname",
            "r.relname",
            "NULL",
            "NULL",
            "NULL",
            "0",
            "NULL",
            "NULL",
            "NULL",
            &table_card,
            "r.relpages",
            "NULL",
        ],
    );
    let index_rows = select_list(
        shape::STATISTICS,
        &[
            "pg_catalog.current_database()",
            "r.nspname",
            "r.relname",
            "CASE WHEN i.indisunique THEN 0 ELSE 1 END",
            "r.nspname",
            "ic.relname",
            "CASE WHEN i.indisclustered THEN 1 WHEN am.amname = 'hash' THEN 2 ELSE 3 END",
            "k.pos",
            "CASE WHEN i.indkey[k.pos - 1] <> 0 THEN a.attname::text \
             ELSE pg_catalog.pg_get_indexdef(i.indexrelid, k.pos, true) END",
            "CASE WHEN am.amname = 'btree' THEN \
             CASE WHEN i.indoption[k.pos - 1] & 1 = 1 THEN 'D' ELSE 'A' END END",
            &index_card,
            "ic.relpages",
            "pg_catalog.pg_get_expr(i.indpred, i.indrelid)",
        ],
    );
    let unique = if unique_only {
        "\n  AND i.indisunique"
    } else {
        ""
    };
    let sql = format!(
        "WITH r AS (
SELECT c.oid, c.relname, c.reltuples, c.relpages, n.nspname
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm', 'f')
  AND {NOT_OTHER_TEMP}{filter}
)
SELECT {outer} FROM (
SELECT {table_row}
FROM r
UNION ALL
SELECT {index_rows}
FROM r
JOIN pg_catalog.pg_index i ON i.indrelid = r.oid
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
CROSS JOIN LATERAL pg_catalog.generate_series(1, i.indnkeyatts::int4) AS k(pos)
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum = i.indkey[k.pos - 1]
WHERE i.indisvalid{unique}
) AS s
ORDER BY s.\"NON_UNIQUE\" NULLS FIRST, s.\"TYPE\", s.\"INDEX_QUALIFIER\", s.\"INDEX_NAME\",
         s.\"ORDINAL_POSITION\"",
        outer = outer_list(shape::STATISTICS),
    );
    q.finish(sql)
}

/// SQLSpecialColumns. `scope` and `nullable` never narrow the answer: primary key columns
/// are valid for the session and never NULL. An unknown `identifier_type` yields no rows
/// (the caller reports HY097 before getting here).
pub fn special_columns(
    identifier_type: u16,
    catalog: NameArg<'_>,
    schema: NameArg<'_>,
    table: NameArg<'_>,
    _scope: u16,
    _nullable: u16,
    mapping: &TypeMapping,
) -> CatalogQuery {
    let mut q = Query::default();
    q.relation(&catalog, &schema, &table, true);
    let filter = q.take_where();
    let sql = match identifier_type {
        SQL_BEST_ROWID => {
            let ty = type_sql(mapping);
            let list = select_list(
                shape::SPECIAL_COLUMNS,
                &[
                    "2", // SQL_SCOPE_SESSION
                    "a.attname",
                    &ty.data_type,
                    &ty.type_name,
                    &ty.column_size,
                    &ty.buffer_length,
                    &ty.decimal_digits,
                    "1", // SQL_PC_NOT_PSEUDO
                ],
            );
            format!(
                "SELECT {list}
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_constraint con ON con.conrelid = c.oid AND con.contype = 'p'
CROSS JOIN LATERAL pg_catalog.unnest(con.conkey) WITH ORDINALITY AS k(attnum, seq)
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
{base}
WHERE {NOT_OTHER_TEMP}{filter}
ORDER BY k.seq",
                base = base_type("a.atttypid", "a.atttypmod"),
            )
        }
        SQL_ROWVER => {
            // xmin is an unsigned 32-bit transaction id: BIGINT holds every value.
            let list = select_list(
                shape::SPECIAL_COLUMNS,
                &["NULL", "'xmin'", "-5", "'xid'", "10", "8", "0", "2"], // SQL_PC_PSEUDO
            );
            format!(
                "SELECT {list}
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm')
  AND {NOT_OTHER_TEMP}{filter}"
            )
        }
        _ => {
            let nulls = vec!["NULL"; shape::SPECIAL_COLUMNS.len()];
            return Query::default().finish(format!(
                "SELECT {} WHERE false",
                select_list(shape::SPECIAL_COLUMNS, &nulls)
            ));
        }
    };
    q.finish(sql)
}

/// SQLProcedures: functions and procedures (aggregates and window functions are left out).
pub fn procedures(
    catalog: NameArg<'_>,
    schema: NameArg<'_>,
    procedure: NameArg<'_>,
) -> CatalogQuery {
    let mut q = Query::default();
    q.name("pg_catalog.current_database()", &catalog, true);
    q.name("n.nspname", &schema, true);
    q.name("p.proname", &procedure, false);
    let filter = q.take_where();
    let list = select_list(
        shape::PROCEDURES,
        &[
            "pg_catalog.current_database()",
            "n.nspname",
            "p.proname",
            "NULL",
            "NULL",
            "NULL",
            "pg_catalog.obj_description(p.oid, 'pg_proc')",
            // SQL_PT_PROCEDURE for procedures and void functions, SQL_PT_FUNCTION otherwise.
            "CASE WHEN p.prokind = 'p' OR p.prorettype = 2278 THEN 1 ELSE 2 END",
        ],
    );
    let sql = format!(
        "SELECT {list}
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f', 'p')
  AND {NOT_OTHER_TEMP}{filter}
ORDER BY 1, 2, 3"
    );
    q.finish(sql)
}

/// SQLProcedureColumns: per routine, the return value (ORDINAL_POSITION 0) then every
/// argument in declaration order; RETURNS TABLE columns come last as result columns.
pub fn procedure_columns(
    catalog: NameArg<'_>,
    schema: NameArg<'_>,
    procedure: NameArg<'_>,
    column: NameArg<'_>,
    mapping: &TypeMapping,
) -> CatalogQuery {
    let ty = type_sql(mapping);
    let mut q = Query::default();
    q.name("pg_catalog.current_database()", &catalog, true);
    q.name("n.nspname", &schema, true);
    q.name("p.proname", &procedure, false);
    let filter = q.take_where();
    q.name("s.\"COLUMN_NAME\"", &column, false);
    let column_filter = if q.conds.is_empty() {
        String::new()
    } else {
        format!("\nWHERE {}", q.conds.join(" AND "))
    };
    q.conds.clear();
    let list = select_list(
        shape::PROCEDURE_COLUMNS,
        &[
            "pg_catalog.current_database()",
            "n.nspname",
            "p.proname",
            "COALESCE(arg.name, '')",
            "arg.column_type",
            &ty.data_type,
            &ty.type_name,
            &ty.column_size,
            &ty.buffer_length,
            &ty.decimal_digits,
            &ty.radix,
            "1", // SQL_NULLABLE: any argument may be NULL
            "NULL",
            // Positions count every argument, as pg_get_function_arg_default does.
            "CASE WHEN arg.pos > 0 THEN \
             pg_catalog.pg_get_function_arg_default(p.oid, arg.pos::int4) END",
            &ty.sql_data_type,
            &ty.datetime_sub,
            &ty.octet_length,
            "arg.pos",
            "'YES'",
        ],
    );
    // Argument modes: i IN, b INOUT, o OUT, v VARIADIC (an input), t RETURNS TABLE column.
    let sql = format!(
        "SELECT {outer} FROM (
SELECT {list}, p.oid AS proc_oid
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
CROSS JOIN LATERAL (
    SELECT u.name, u.typ, u.pos,
           CASE COALESCE(u.mode, 'i') WHEN 'b' THEN 2 WHEN 'o' THEN 4 WHEN 't' THEN 3
                ELSE 1 END AS column_type
    FROM ROWS FROM (pg_catalog.unnest(COALESCE(p.proallargtypes, p.proargtypes::oid[])),
                   pg_catalog.unnest(p.proargmodes), pg_catalog.unnest(p.proargnames))
         WITH ORDINALITY AS u(typ, mode, name, pos)
    UNION ALL
    SELECT NULL, p.prorettype, 0, 5
    WHERE p.prokind = 'f' AND p.prorettype <> 2278
      AND NOT COALESCE(p.proargmodes && ARRAY['o', 'b', 't']::\"char\"[], false)
) AS arg
JOIN pg_catalog.pg_type t ON t.oid = arg.typ
{base}
WHERE p.prokind IN ('f', 'p')
  AND {NOT_OTHER_TEMP}{filter}
) AS s{column_filter}
ORDER BY 1, 2, 3, s.proc_oid, 18",
        outer = outer_list(shape::PROCEDURE_COLUMNS),
        base = base_type("arg.typ", "-1"),
    );
    q.finish(sql)
}

/// The privileges in a relation's ACL (its default ACL when never granted), one row each.
const RELATION_ACL: &str =
    "pg_catalog.aclexplode(COALESCE(c.relacl, pg_catalog.acldefault('r', c.relowner)))";

fn grantee(acl: &str) -> String {
    format!("CASE WHEN {acl}.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid({acl}.grantee) END")
}

/// SQLTablePrivileges.
pub fn table_privileges(
    catalog: NameArg<'_>,
    schema: NameArg<'_>,
    table: NameArg<'_>,
) -> CatalogQuery {
    let mut q = Query::default();
    q.relation(&catalog, &schema, &table, false);
    let filter = q.take_where();
    let grantee = grantee("acl");
    let list = select_list(
        shape::TABLE_PRIVILEGES,
        &[
            "pg_catalog.current_database()",
            "n.nspname",
            "c.relname",
            "pg_catalog.pg_get_userbyid(acl.grantor)",
            &grantee,
            "acl.privilege_type",
            "CASE WHEN acl.is_grantable THEN 'YES' ELSE 'NO' END",
        ],
    );
    let sql = format!(
        "SELECT {list}
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL {RELATION_ACL} AS acl
WHERE c.relkind IN {QUERYABLE_RELKINDS}
  AND {NOT_OTHER_TEMP}{filter}
ORDER BY 1, 2, 3, 6, 5"
    );
    q.finish(sql)
}

/// SQLColumnPrivileges: column grants plus the table grants that apply to every column.
pub fn column_privileges(
    catalog: NameArg<'_>,
    schema: NameArg<'_>,
    table: NameArg<'_>,
    column: NameArg<'_>,
) -> CatalogQuery {
    let mut q = Query::default();
    q.relation(&catalog, &schema, &table, true);
    let filter = q.take_where();
    q.name("a.attname", &column, false);
    let column_filter = q.take_where();
    let grantee = grantee("acl");
    let list = select_list(
        shape::COLUMN_PRIVILEGES,
        &[
            "pg_catalog.current_database()",
            "r.nspname",
            "r.relname",
            "a.attname",
            "pg_catalog.pg_get_userbyid(acl.grantor)",
            &grantee,
            "acl.privilege_type",
            "CASE WHEN acl.is_grantable THEN 'YES' ELSE 'NO' END",
        ],
    );
    let sql = format!(
        "WITH r AS (
SELECT c.oid, c.relname, c.relacl, c.relowner, n.nspname
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN {QUERYABLE_RELKINDS}
  AND {NOT_OTHER_TEMP}{filter}
), a AS (
SELECT a.attrelid, a.attname, a.attacl
FROM pg_catalog.pg_attribute a
JOIN r ON r.oid = a.attrelid
WHERE a.attnum > 0 AND NOT a.attisdropped{column_filter}
)
SELECT {list}
FROM r
JOIN a ON a.attrelid = r.oid
CROSS JOIN LATERAL pg_catalog.aclexplode(COALESCE(r.relacl, pg_catalog.acldefault('r', r.relowner))) AS acl
WHERE acl.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES')
UNION
SELECT {list}
FROM r
JOIN a ON a.attrelid = r.oid
CROSS JOIN LATERAL pg_catalog.aclexplode(a.attacl) AS acl
ORDER BY 1, 2, 3, 4, 7, 6"
    );
    q.finish(sql)
}

/// One SQLGetTypeInfo row; `None` is NULL.
struct TypeRow {
    name: &'static str,
    data_type: i16,
    size: i32,
    prefix: Option<&'static str>,
    suffix: Option<&'static str>,
    create_params: Option<&'static str>,
    case_sensitive: bool,
    searchable: i16,
    numeric: bool,
    auto_unique: bool,
    scale: Option<(i16, i16)>,
}

fn sql_str(value: Option<&str>) -> String {
    // Only driver constants reach here; quotes are doubled all the same.
    value.map_or_else(
        || "NULL".to_owned(),
        |v| format!("'{}'", v.replace('\'', "''")),
    )
}

fn sql_num<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "NULL".to_owned(), |v| v.to_string())
}

/// SQLGetTypeInfo. `data_type` 0 (SQL_ALL_TYPES) lists every type; rows come ordered by
/// DATA_TYPE and then by how closely the PostgreSQL type matches (the one to use first).
pub fn type_info(data_type: i16, mapping: &TypeMapping) -> CatalogQuery {
    use sqltype::*;
    let (date, time, timestamp) = datetime_codes(mapping);
    let max_v = mapping.max_varchar.max(1);
    let max_lv = mapping.max_long_varchar.max(1);
    let quote = Some("'");
    let exact = |name, data_type, size, auto_unique, max_scale| TypeRow {
        name,
        data_type,
        size,
        prefix: None,
        suffix: None,
        create_params: if max_scale > 0 {
            Some("precision,scale")
        } else {
            None
        },
        case_sensitive: false,
        searchable: 2, // SQL_PRED_BASIC: everything but LIKE
        numeric: true,
        auto_unique,
        scale: Some((0, max_scale)),
    };
    let approx = |name, data_type, size| TypeRow {
        scale: None,
        ..exact(name, data_type, size, false, 0)
    };
    let text = |name, data_type, size, create_params| TypeRow {
        name,
        data_type,
        size,
        prefix: quote,
        suffix: quote,
        create_params,
        case_sensitive: true,
        searchable: 3, // SQL_SEARCHABLE
        numeric: false,
        auto_unique: false,
        scale: None,
    };
    let other = |name, data_type, size, prefix, scale| TypeRow {
        name,
        data_type,
        size,
        prefix,
        suffix: quote.filter(|_| prefix.is_some()),
        create_params: None,
        case_sensitive: false,
        searchable: 2,
        numeric: false,
        auto_unique: false,
        scale,
    };
    let mut rows = vec![
        other("bool", BIT, 1, None, None),
        exact("int2", SMALLINT, 5, false, 0),
        exact("int4", INTEGER, 10, false, 0),
        exact("serial", INTEGER, 10, true, 0),
        exact("int8", BIGINT, 19, false, 0),
        exact("bigserial", BIGINT, 19, true, 0),
        exact("numeric", NUMERIC, 1000, false, 1000),
        exact("numeric", DECIMAL, 1000, false, 1000),
        approx("float4", REAL, 7),
        approx("float8", DOUBLE, 15),
        text("bpchar", CHAR, max_v, Some("length")),
        text("varchar", VARCHAR, max_v, Some("max length")),
        text("text", LONGVARCHAR, max_lv, None),
        TypeRow {
            searchable: 3,
            ..other("bytea", VARBINARY, max_lv, Some("'\\x"), None)
        },
        TypeRow {
            searchable: 3,
            ..other("bytea", LONGVARBINARY, max_lv, Some("'\\x"), None)
        },
        other("date", date, 10, quote, None),
        other("time", time, 15, quote, Some((0, 6))),
        other("timestamp", timestamp, 26, quote, Some((0, 6))),
        other("timestamptz", timestamp, 26, quote, Some((0, 6))),
        other("uuid", GUID, 36, quote, None),
    ];
    if mapping.unicode {
        rows.push(text("bpchar", WCHAR, max_v, Some("length")));
        rows.push(text("varchar", WVARCHAR, max_v, Some("max length")));
        rows.push(text("text", WLONGVARCHAR, max_lv, None));
    }
    let values: Vec<String> = rows
        .iter()
        .enumerate()
        .map(|(order, r)| {
            let (sql_data_type, sub) = match r.data_type {
                TYPE_DATE | ODBC2_DATE => (DATETIME, Some(1)),
                TYPE_TIME | ODBC2_TIME => (DATETIME, Some(2)),
                TYPE_TIMESTAMP | ODBC2_TIMESTAMP => (DATETIME, Some(3)),
                other => (other, None),
            };
            let values = [
                sql_str(Some(r.name)),
                r.data_type.to_string(),
                r.size.to_string(),
                sql_str(r.prefix),
                sql_str(r.suffix),
                sql_str(r.create_params),
                "1".to_owned(), // SQL_NULLABLE
                i16::from(r.case_sensitive).to_string(),
                r.searchable.to_string(),
                sql_num(r.numeric.then_some(0)),
                "0".to_owned(),
                sql_num(r.numeric.then_some(i16::from(r.auto_unique))),
                "NULL".to_owned(),
                sql_num(r.scale.map(|s| s.0)),
                sql_num(r.scale.map(|s| s.1)),
                sql_data_type.to_string(),
                sql_num(sub),
                sql_num(r.numeric.then_some(10)),
                "NULL".to_owned(),
            ];
            let typed: Vec<String> = values
                .iter()
                .zip(shape::TYPE_INFO)
                .map(|(v, (_, ty))| format!("{v}::{ty}"))
                .collect();
            format!("({}, {order})", typed.join(", "))
        })
        .collect();
    let names: Vec<String> = shape::TYPE_INFO
        .iter()
        .map(|(n, _)| format!("\"{n}\""))
        .collect();
    let mut q = Query::default();
    let filter = if data_type == 0 {
        String::new()
    } else {
        // The codes of the other ODBC version name the same types.
        let wanted = match (data_type, mapping.odbc2) {
            (TYPE_DATE, true) => ODBC2_DATE,
            (TYPE_TIME, true) => ODBC2_TIME,
            (TYPE_TIMESTAMP, true) => ODBC2_TIMESTAMP,
            (ODBC2_DATE, false) => TYPE_DATE,
            (ODBC2_TIME, false) => TYPE_TIME,
            (ODBC2_TIMESTAMP, false) => TYPE_TIMESTAMP,
            (other, _) => other,
        };
        let ph = q.bind(wanted.to_string());
        format!("\nWHERE v.\"DATA_TYPE\" = ({ph})::int2")
    };
    let sql = format!(
        "SELECT {outer}
FROM (VALUES {values}) AS v({names}, sort_order){filter}
ORDER BY v.\"DATA_TYPE\", v.sort_order",
        outer = shape::TYPE_INFO
            .iter()
            .map(|(n, _)| format!("v.\"{n}\""))
            .collect::<Vec<_>>()
            .join(", "),
        values = values.join(",\n       "),
        names = names.join(", "),
    );
    q.finish(sql)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Highest `$n` in the SQL, and whether every `$1..$n` occurs.
    fn placeholders(sql: &str) -> (usize, bool) {
        let bytes = sql.as_bytes();
        let mut seen = std::collections::BTreeSet::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'$' {
                let digits: String = sql[i + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                if let Ok(n) = digits.parse::<usize>() {
                    seen.insert(n);
                }
            }
            i += 1;
        }
        let max = seen.iter().next_back().copied().unwrap_or(0);
        (max, (1..=max).all(|n| seen.contains(&n)))
    }

    fn check(q: &CatalogQuery) {
        let (max, dense) = placeholders(&q.sql);
        assert_eq!(max, q.params.len(), "{}", q.sql);
        assert!(dense, "{}", q.sql);
    }

    fn names_in_order(q: &CatalogQuery, shape: &[(&str, &str)]) {
        let mut at = 0;
        for (name, _) in shape {
            let needle = format!("\"{name}\"");
            let found = q.sql[at..]
                .find(&needle)
                .unwrap_or_else(|| panic!("{name} in {}", q.sql));
            at += found + needle.len();
        }
    }

    const EVIL: &str = "x'; DROP TABLE t; --";

    #[test]
    fn shapes_have_the_odbc_column_counts() {
        assert_eq!(shape::TABLES.len(), 5);
        assert_eq!(shape::COLUMNS.len(), 18);
        assert_eq!(shape::PRIMARY_KEYS.len(), 6);
        assert_eq!(shape::FOREIGN_KEYS.len(), 14);
        assert_eq!(shape::STATISTICS.len(), 13);
        assert_eq!(shape::SPECIAL_COLUMNS.len(), 8);
        assert_eq!(shape::PROCEDURES.len(), 8);
        assert_eq!(shape::PROCEDURE_COLUMNS.len(), 19);
        assert_eq!(shape::TABLE_PRIVILEGES.len(), 7);
        assert_eq!(shape::COLUMN_PRIVILEGES.len(), 8);
        assert_eq!(shape::TYPE_INFO.len(), 19);
        assert_eq!(columns_of(54), Some(shape::TABLES));
        assert_eq!(columns_of(13), None);
    }

    #[test]
    fn names_are_parameters_never_sql() {
        let m = TypeMapping::default();
        let p = NameArg::Pattern(EVIL);
        let e = NameArg::Exact(EVIL);
        let queries = [
            tables(p, p, p, Some(EVIL)),
            columns(p, p, p, p, &m),
            primary_keys(e, e, e),
            foreign_keys(e, e, e, e, e, e),
            statistics(e, e, e, false),
            special_columns(SQL_BEST_ROWID, e, e, e, 0, 1, &m),
            special_columns(SQL_ROWVER, e, e, e, 0, 1, &m),
            procedures(p, p, p),
            procedure_columns(p, p, p, p, &m),
            table_privileges(p, p, p),
            column_privileges(e, e, e, p),
        ];
        for q in &queries {
            assert!(!q.sql.contains("DROP TABLE"), "{}", q.sql);
            assert!(
                q.params.iter().any(|v| v.as_deref() == Some(EVIL)),
                "{}",
                q.sql
            );
            check(q);
        }
    }

    #[test]
    fn result_columns_in_odbc_order() {
        let m = TypeMapping::default();
        let t = NameArg::Exact("t");
        names_in_order(
            &tables(NameArg::Absent, NameArg::Absent, t, None),
            shape::TABLES,
        );
        names_in_order(
            &columns(NameArg::Absent, NameArg::Absent, t, NameArg::Absent, &m),
            shape::COLUMNS,
        );
        names_in_order(
            &primary_keys(NameArg::Absent, NameArg::Absent, t),
            shape::PRIMARY_KEYS,
        );
        names_in_order(
            &foreign_keys(
                NameArg::Absent,
                NameArg::Absent,
                t,
                NameArg::Absent,
                NameArg::Absent,
                NameArg::Absent,
            ),
            shape::FOREIGN_KEYS,
        );
        names_in_order(
            &statistics(NameArg::Absent, NameArg::Absent, t, true),
            shape::STATISTICS,
        );
        names_in_order(
            &procedures(NameArg::Absent, NameArg::Absent, t),
            shape::PROCEDURES,
        );
        names_in_order(
            &procedure_columns(NameArg::Absent, NameArg::Absent, t, NameArg::Absent, &m),
            shape::PROCEDURE_COLUMNS,
        );
        names_in_order(
            &table_privileges(NameArg::Absent, NameArg::Absent, t),
            shape::TABLE_PRIVILEGES,
        );
        names_in_order(
            &column_privileges(NameArg::Absent, NameArg::Absent, t, NameArg::Absent),
            shape::COLUMN_PRIVILEGES,
        );
        names_in_order(&type_info(0, &m), shape::TYPE_INFO);
        for kind in [SQL_BEST_ROWID, SQL_ROWVER, 99] {
            names_in_order(
                &special_columns(kind, NameArg::Absent, NameArg::Absent, t, 0, 1, &m),
                shape::SPECIAL_COLUMNS,
            );
        }
    }

    #[test]
    fn patterns() {
        assert_eq!(pattern_literal("orders"), Some("orders".to_owned()));
        assert_eq!(pattern_literal("my\\_table"), Some("my_table".to_owned()));
        assert_eq!(pattern_literal("a\\\\b"), Some("a\\b".to_owned()));
        assert_eq!(pattern_literal("ord%"), None);
        assert_eq!(pattern_literal("t_1"), None);
        assert_eq!(pattern_literal("end\\"), Some("end\\".to_owned()));
        assert_eq!(like_pattern("ab%\\"), "ab%\\\\");
        assert_eq!(like_pattern("ab%\\\\"), "ab%\\\\");
        assert_eq!(like_pattern("ab%"), "ab%");

        let q = tables(
            NameArg::Absent,
            NameArg::Pattern("pub%"),
            NameArg::Pattern("my\\_t"),
            None,
        );
        assert_eq!(
            q.params,
            vec![Some("pub%".to_owned()), Some("my_t".to_owned())]
        );
        assert!(q.sql.contains("n.nspname LIKE $1::text"));
        assert!(q.sql.contains("c.relname = $2::text"));

        // "%" alone restricts nothing; an empty schema is ignored, an empty table is not.
        let q = tables(
            NameArg::Pattern("%"),
            NameArg::Pattern(""),
            NameArg::Pattern("%"),
            None,
        );
        assert!(q.params.is_empty());
        let q = columns(
            NameArg::Absent,
            NameArg::Absent,
            NameArg::Pattern(""),
            NameArg::Absent,
            &TypeMapping::default(),
        );
        assert_eq!(q.params, vec![Some(String::new())]);
    }

    #[test]
    fn identifiers_fold_like_postgresql() {
        assert_eq!(identifier_value("Orders  "), "orders");
        assert_eq!(identifier_value("\"Orders\""), "Orders");
        assert_eq!(identifier_value(" \"a\"\"b\" "), "a\"b");
        assert_eq!(identifier_value("\""), "\"");
        assert_eq!(identifier_value(""), "");
        let q = primary_keys(
            NameArg::Absent,
            NameArg::Identifier("Public"),
            NameArg::Identifier("\"T\""),
        );
        assert_eq!(
            q.params,
            vec![Some("public".to_owned()), Some("T".to_owned())]
        );
        // Pattern characters mean nothing in an identifier.
        let q = tables(
            NameArg::Absent,
            NameArg::Absent,
            NameArg::Identifier("a%"),
            None,
        );
        assert_eq!(q.params, vec![Some("a%".to_owned())]);
        assert!(q.sql.contains("c.relname = $1"));
        assert_eq!(NameArg::from_odbc(None, true, false), NameArg::Absent);
        assert_eq!(
            NameArg::from_odbc(Some("x"), true, false),
            NameArg::Pattern("x")
        );
        assert_eq!(
            NameArg::from_odbc(Some("x"), false, false),
            NameArg::Exact("x")
        );
        assert_eq!(
            NameArg::from_odbc(Some("x"), true, true),
            NameArg::Identifier("x")
        );
    }

    #[test]
    fn table_type_lists() {
        assert_eq!(parse_table_types("TABLE,VIEW"), vec!["TABLE", "VIEW"]);
        assert_eq!(parse_table_types("'TABLE', 'VIEW'"), vec!["TABLE", "VIEW"]);
        assert_eq!(
            parse_table_types(" table ,, 'system table'"),
            vec!["TABLE", "SYSTEM TABLE"]
        );
        assert!(parse_table_types("").is_empty());
        assert!(parse_table_types("%").is_empty());
        assert!(parse_table_types("TABLE,%").is_empty());
        assert!(parse_table_types("''").is_empty());
        let q = tables(
            NameArg::Absent,
            NameArg::Absent,
            NameArg::Absent,
            Some("TABLE,VIEW"),
        );
        assert_eq!(
            q.params,
            vec![Some("TABLE".to_owned()), Some("VIEW".to_owned())]
        );
        assert!(q.sql.contains("IN ($1::text, $2::text)"));
        let q = tables(NameArg::Absent, NameArg::Absent, NameArg::Absent, Some("%"));
        assert!(q.params.is_empty() && !q.sql.contains("TABLE_TYPE\" IN"));
    }

    #[test]
    fn enumerations() {
        let e = NameArg::Pattern("");
        let all = NameArg::Pattern("%");
        let q = tables(all, e, e, None);
        assert!(q.sql.contains("current_database()") && !q.sql.contains("pg_class"));
        let q = tables(e, all, e, None);
        assert!(q.sql.contains("pg_namespace") && !q.sql.contains("pg_class"));
        let q = tables(e, e, e, Some("%"));
        assert!(q.sql.contains("'LOCAL TEMPORARY'") && !q.sql.contains("pg_class"));
        // Absent is not the empty string: catalog "%" alone lists tables.
        let q = tables(all, NameArg::Absent, NameArg::Absent, None);
        assert!(q.sql.contains("pg_class"));
        for q in [
            tables(all, e, e, None),
            tables(e, all, e, None),
            tables(e, e, e, Some("%")),
        ] {
            names_in_order(&q, shape::TABLES);
            check(&q);
        }
    }

    #[test]
    fn ordinary_arguments_default_to_the_search_path() {
        let q = primary_keys(NameArg::Absent, NameArg::Absent, NameArg::Exact("t"));
        assert!(q.sql.contains("pg_table_is_visible(c.oid)"));
        let q = primary_keys(NameArg::Absent, NameArg::Exact("s"), NameArg::Exact("t"));
        assert!(!q.sql.contains("pg_table_is_visible"));
        let q = foreign_keys(
            NameArg::Absent,
            NameArg::Absent,
            NameArg::Exact("p"),
            NameArg::Absent,
            NameArg::Exact("s"),
            NameArg::Exact("f"),
        );
        assert!(q.sql.contains("pg_table_is_visible(pc.oid)"));
        assert!(q.sql.contains("fn.nspname = $2::text"));
        assert!(q.sql.contains("ORDER BY 5, 6, 7, 9"));
        check(&q);
    }

    #[test]
    fn type_mapping_options() {
        let narrow = TypeMapping::default();
        let wide = TypeMapping {
            unicode: true,
            odbc2: true,
            ..narrow
        };
        let q = columns(
            NameArg::Absent,
            NameArg::Absent,
            NameArg::Absent,
            NameArg::Absent,
            &narrow,
        );
        assert!(q.sql.contains("ELSE -1 END") && q.sql.contains("THEN 91"));
        let q = columns(
            NameArg::Absent,
            NameArg::Absent,
            NameArg::Absent,
            NameArg::Absent,
            &wide,
        );
        assert!(q.sql.contains("ELSE -10 END") && q.sql.contains("THEN 9\n"));
        let q = type_info(0, &wide);
        assert!(q.sql.contains("-9::int2") && q.params.is_empty());
        let q = type_info(93, &wide);
        assert_eq!(q.params, vec![Some("11".to_owned())]);
        let q = type_info(9, &narrow);
        assert_eq!(q.params, vec![Some("91".to_owned())]);
        let q = type_info(12, &narrow);
        assert!(!q.sql.contains("-9::int2"));
        check(&q);
        // Nonsense sizes never produce invalid SQL.
        let odd = TypeMapping {
            max_varchar: -5,
            max_long_varchar: 0,
            ..narrow
        };
        assert!(!type_info(0, &odd).sql.contains("-5::int4"));
    }
}
