//! SQLTablePrivileges and SQLColumnPrivileges.

use super::*;

/// The privileges in a relation's ACL (its default ACL when never granted), one row each.
pub(super) const RELATION_ACL: &str =
    "pg_catalog.aclexplode(COALESCE(c.relacl, pg_catalog.acldefault('r', c.relowner)))";

pub(super) fn grantee(acl: &str) -> String {
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
