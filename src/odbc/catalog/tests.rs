//! Unit tests of the catalog queries.

use super::*;

/// SQLTables with system relations hidden and no extra prefixes, so the parameters are the
/// application's names alone.
fn tables(
    catalog: NameArg<'_>,
    schema: NameArg<'_>,
    table: NameArg<'_>,
    table_types: Option<&str>,
) -> CatalogQuery {
    super::tables(
        catalog,
        schema,
        table,
        table_types,
        &SystemTables::new(false, ""),
    )
}

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

#[test]
fn system_relations_follow_show_system_tables_and_the_prefixes() {
    let none = NameArg::Absent;
    // Default: system relations are a type of their own, left out unless asked for.
    let q = super::tables(none, none, none, None, &SystemTables::default());
    assert_eq!(q.params, vec![Some("dd_".to_owned())]);
    assert!(q.sql.contains("starts_with(c.relname::text, $1::text)"));
    assert!(q.sql.contains("NOT IN ('SYSTEM TABLE', 'SYSTEM VIEW')"));
    let q = super::tables(
        none,
        NameArg::Pattern("s%"),
        none,
        Some("SYSTEM TABLE"),
        &SystemTables::new(false, "dd_; tmp_ ;"),
    );
    assert_eq!(
        q.params,
        vec![
            Some("s%".to_owned()),
            Some("dd_".to_owned()),
            Some("tmp_".to_owned()),
            Some("SYSTEM TABLE".to_owned())
        ]
    );
    assert_eq!(placeholders(&q.sql), (4, true));
    assert!(!q.sql.contains("NOT IN ('SYSTEM TABLE'"));
    // ShowSystemTables: no system type at all, nothing filtered, prefixes unused.
    let shown = SystemTables::new(true, "dd_;");
    let q = super::tables(none, none, none, None, &shown);
    assert!(q.params.is_empty());
    assert!(!q.sql.contains("SYSTEM TABLE") && !q.sql.contains("NOT IN"));
    // The schema list leaves the system schemas out unless they are shown.
    let e = NameArg::Pattern("");
    let all = NameArg::Pattern("%");
    let q = super::tables(e, all, e, None, &SystemTables::default());
    assert!(q
        .sql
        .contains("NOT IN ('pg_catalog', 'information_schema')"));
    let q = super::tables(e, all, e, None, &shown);
    assert!(!q.sql.contains("'information_schema'"));
}
