//! SQLProcedures and SQLProcedureColumns.

use super::*;

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
