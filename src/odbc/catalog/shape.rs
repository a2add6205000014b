//! The result shapes of the catalog functions: (column name, PostgreSQL type) in ODBC 3
//! order, and the select lists that produce them.

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

/// The result shape of a catalog function, by its SQL_API id (see [`crate::odbc::functions`]),
/// so the statement layer can describe a catalog result before executing it.
pub fn columns_of(api_id: u16) -> Option<&'static [(&'static str, &'static str)]> {
    Some(match api_id {
        54 => TABLES,
        40 => COLUMNS,
        65 => PRIMARY_KEYS,
        60 => FOREIGN_KEYS,
        53 => STATISTICS,
        52 => SPECIAL_COLUMNS,
        67 => PROCEDURES,
        66 => PROCEDURE_COLUMNS,
        70 => TABLE_PRIVILEGES,
        56 => COLUMN_PRIVILEGES,
        47 => TYPE_INFO,
        _ => return None,
    })
}

/// The select list `(expr)::type AS "NAME", ...` for a shape; `exprs` is in shape order.
pub(super) fn select_list(shape: &[(&str, &str)], exprs: &[&str]) -> String {
    debug_assert_eq!(shape.len(), exprs.len());
    shape
        .iter()
        .zip(exprs)
        .map(|((name, ty), expr)| format!("({expr})::{ty} AS \"{name}\""))
        .collect::<Vec<_>>()
        .join(",\n       ")
}

/// The outer select list re-reading a shape's columns from a subquery aliased `s`.
pub(super) fn outer_list(shape: &[(&str, &str)]) -> String {
    shape
        .iter()
        .map(|(name, _)| format!("s.\"{name}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
