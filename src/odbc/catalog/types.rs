//! How PostgreSQL types are reported as ODBC types, as SQL over the catalogs.

use super::*;

pub(super) fn char_codes(m: &TypeMapping) -> (i16, i16, i16) {
    if m.unicode {
        (sqltype::WCHAR, sqltype::WVARCHAR, sqltype::WLONGVARCHAR)
    } else {
        (sqltype::CHAR, sqltype::VARCHAR, sqltype::LONGVARCHAR)
    }
}

pub(super) fn datetime_codes(m: &TypeMapping) -> (i16, i16, i16) {
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
pub(super) struct TypeSql {
    pub(super) data_type: String,
    pub(super) type_name: String,
    pub(super) column_size: String,
    pub(super) buffer_length: String,
    pub(super) decimal_digits: String,
    pub(super) radix: String,
    pub(super) sql_data_type: String,
    pub(super) datetime_sub: String,
    pub(super) octet_length: String,
}

/// The `lo` extension's type (a domain over `oid` named `lo`), as a condition on `t`.
const IS_LARGE_OBJECT: &str = "(t.typtype = 'd' AND t.typname = 'lo' AND t.typbasetype = 26)";

/// Resolves a domain to its base type (one level, which is what CREATE DOMAIN produces in
/// practice). Needs `t` joined on the declared type; `{oid}`/`{mod}` are the declared ones.
/// The `lo` type's large objects read as bytes: it is sized as bytea (and always
/// SQL_LONGVARBINARY, see [`type_sql`]), as psqlODBC reports it.
pub(super) fn base_type(oid: &str, typmod: &str) -> String {
    format!(
        "CROSS JOIN LATERAL (SELECT CASE WHEN {IS_LARGE_OBJECT} THEN 17::pg_catalog.oid WHEN t.typtype = 'd' THEN t.typbasetype ELSE {oid} END AS oid,\n\
         \x20                          CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE {typmod} END AS mod) AS bt"
    )
}

/// Base type oids reported under their own `typname` (all valid type names in DDL).
pub(super) const NAMED_TYPES: &str =
    "(16, 17, 18, 19, 20, 21, 23, 25, 26, 700, 701, 1042, 1043, 1082, 1083, 1114, 1184, 1266, 1700, 2950)";

pub(super) fn type_sql(m: &TypeMapping) -> TypeSql {
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

    let (unknown_type, unknown_size) = if m.unknowns_as_long_varchar {
        (lvch, max_lv)
    } else {
        (vch, max_v)
    };
    let (bool_type, bool_size) = if m.bools_as_char {
        (sqltype::VARCHAR, 5)
    } else {
        (sqltype::BIT, 1)
    };
    // NumericAs: the type and size of a numeric declared without precision.
    let (unbounded_numeric, unbounded_numeric_size) = match m.numeric_as {
        Some(sqltype::VARCHAR) => (vch, max_v),
        Some(sqltype::LONGVARCHAR) => (lvch, max_lv),
        Some(sqltype::DOUBLE) => (sqltype::DOUBLE, 15),
        Some(other) => (other, 28),
        None => (sqltype::NUMERIC, 28),
    };
    let data_type = format!(
        "CASE WHEN {IS_LARGE_OBJECT} THEN {long_binary}
      WHEN bt.oid = 16 THEN {bool_type}
      WHEN bt.oid = 17 THEN {bin_type}
      WHEN bt.oid = 18 THEN {ch}
      WHEN bt.oid = 19 THEN {vch}
      WHEN bt.oid = 20 THEN {int8_as}
      WHEN bt.oid = 26 THEN {bigint}
      WHEN bt.oid = 21 THEN {smallint}
      WHEN bt.oid = 23 THEN {integer}
      WHEN bt.oid = 700 THEN {real}
      WHEN bt.oid = 701 THEN {double}
      WHEN bt.oid = 1700 AND bt.mod < 4 THEN {unbounded_numeric}
      WHEN bt.oid = 1700 THEN {numeric}
      WHEN bt.oid = 1082 THEN {date}
      WHEN bt.oid IN (1083, 1266) THEN {time}
      WHEN bt.oid IN (1114, 1184) THEN {timestamp}
      WHEN bt.oid = 2950 THEN {guid}
      WHEN bt.oid = 1042 AND bt.mod >= 4 THEN {ch}
      WHEN bt.oid = 1043 AND bt.mod >= 4 AND {char_len} <= {max_v} THEN {vch}
      WHEN bt.oid = 1043 AND bt.mod >= 4 THEN {lvch}
      WHEN bt.oid IN (25, 1042, 1043) THEN {text_type}
      WHEN bt.oid = 142 THEN {lvch}
      ELSE {unknown_type} END",
        int8_as = m.int8_as,
        long_binary = sqltype::LONGVARBINARY,
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
        "CASE WHEN bt.oid = 16 THEN {bool_size}
      WHEN bt.oid = 18 THEN 1
      WHEN bt.oid = 17 THEN {max_lv}
      WHEN bt.oid = 19 THEN 63
      WHEN bt.oid IN (20, 26) THEN 19
      WHEN bt.oid = 21 THEN 5
      WHEN bt.oid = 23 THEN 10
      WHEN bt.oid = 700 THEN 7
      WHEN bt.oid = 701 THEN 15
      WHEN bt.oid = 1700 THEN CASE WHEN bt.mod >= 4 THEN {num_p} - LEAST({num_s}, 0) ELSE {unbounded_numeric_size} END
      WHEN bt.oid = 1082 THEN 10
      WHEN bt.oid IN (1083, 1266) THEN 8 + CASE WHEN {frac} > 0 THEN {frac} + 1 ELSE 0 END
      WHEN bt.oid IN (1114, 1184) THEN 19 + CASE WHEN {frac} > 0 THEN {frac} + 1 ELSE 0 END
      WHEN bt.oid = 2950 THEN 36
      WHEN bt.oid IN (1042, 1043) AND bt.mod >= 4 THEN {char_len}
      WHEN bt.oid IN (25, 1042, 1043) THEN {text_size}
      WHEN bt.oid = 142 THEN {max_lv}
      ELSE {unknown_size} END"
    );
    // Characters can take up to 4 bytes (UTF-8, or a UTF-16 surrogate pair).
    let char_octets = format!("LEAST(({column_size})::int8 * 4, 2147483647)");
    let buffer_length = format!(
        "CASE WHEN bt.oid = 16 THEN {bool_size}
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
