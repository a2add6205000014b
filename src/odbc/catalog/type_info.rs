//! SQLGetTypeInfo: one row per ODBC type PostgreSQL can serve.

use super::*;

/// One SQLGetTypeInfo row; `None` is NULL.
pub(super) struct TypeRow {
    pub(super) name: &'static str,
    pub(super) data_type: i16,
    pub(super) size: i32,
    pub(super) prefix: Option<&'static str>,
    pub(super) suffix: Option<&'static str>,
    pub(super) create_params: Option<&'static str>,
    pub(super) case_sensitive: bool,
    pub(super) searchable: i16,
    pub(super) numeric: bool,
    pub(super) auto_unique: bool,
    pub(super) scale: Option<(i16, i16)>,
}

pub(super) fn sql_str(value: Option<&str>) -> String {
    // Only driver constants reach here; quotes are doubled all the same.
    value.map_or_else(
        || "NULL".to_owned(),
        |v| format!("'{}'", v.replace('\'', "''")),
    )
}

pub(super) fn sql_num<T: std::fmt::Display>(value: Option<T>) -> String {
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
