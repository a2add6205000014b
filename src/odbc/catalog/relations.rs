//! SQLTables, SQLColumns, SQLPrimaryKeys, SQLForeignKeys, SQLStatistics and
//! SQLSpecialColumns.

use super::*;

/// SQLTables, including its three enumeration forms (catalogs, schemas, table types).
pub fn tables(
    catalog: NameArg<'_>,
    schema: NameArg<'_>,
    table: NameArg<'_>,
    table_types: Option<&str>,
    system: &SystemTables,
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
        let system_schemas = if system.show_as_ordinary {
            ""
        } else {
            "\n  AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
        };
        return Query::default().finish(format!(
            "SELECT {list}
FROM pg_catalog.pg_namespace n
WHERE n.nspname !~ '^pg_(toast|temp_)'{system_schemas}
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
    let system_case = if system.show_as_ordinary {
        String::new()
    } else {
        let mut is_system = vec!["n.nspname IN ('pg_catalog', 'information_schema')".to_owned()];
        for prefix in &system.extra_prefixes {
            let p = q.bind(prefix.clone());
            is_system.push(format!("pg_catalog.starts_with(c.relname::text, {p})"));
        }
        format!(
            "WHEN {} THEN
             CASE WHEN c.relkind IN ('v', 'm') THEN 'SYSTEM VIEW' ELSE 'SYSTEM TABLE' END
           ",
            is_system.join(" OR ")
        )
    };
    let type_expr = format!(
        "CASE {system_case}WHEN c.relpersistence = 't' THEN 'LOCAL TEMPORARY'
           WHEN c.relkind IN ('r', 'p') THEN 'TABLE'
           WHEN c.relkind IN ('v', 'm') THEN 'VIEW'
           ELSE 'FOREIGN TABLE' END"
    );
    let list = select_list(
        shape::TABLES,
        &[
            "pg_catalog.current_database()",
            "n.nspname",
            "c.relname",
            &type_expr,
            "pg_catalog.obj_description(c.oid, 'pg_class')",
        ],
    );
    let types = table_types.map(parse_table_types).unwrap_or_default();
    let type_filter = if types.is_empty() {
        // No type asked for: every type but the system ones, as psqlODBC lists them.
        if system.show_as_ordinary {
            String::new()
        } else {
            "\nWHERE s.\"TABLE_TYPE\" NOT IN ('SYSTEM TABLE', 'SYSTEM VIEW')".to_owned()
        }
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
