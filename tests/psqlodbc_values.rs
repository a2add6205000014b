//! Values read as psqlODBC gives them, through unixODBC (a C program reading SQL_C_CHAR,
//! SQL_C_WCHAR and, for timestamps, SQL_C_TYPE_TIMESTAMP). docs/psqlodbc-compatibility.md
//! lists these rows.

mod common;
mod support;

use common::{build_c_program, conn_string, single_instance, OdbcConfig};
use std::collections::HashMap;
use std::time::Duration;

/// One value as the C reader got it.
struct Read {
    char_form: String,
    wide_form: String,
    /// "YYYY-MM-DD HH:MM:SS.fffffffff" from a TIMESTAMP_STRUCT; empty for other types.
    stamp: String,
}

/// Runs `queries` (label, one-column SQL or a statement without result) through the C
/// reader, on one connection whose connection string ends with `extra`.
fn read_values(extra: &str, queries: &[(&str, &str)]) -> HashMap<String, Read> {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let bin = build_c_program(&config, "values.c");
    let mut args = vec![format!("{}{extra}", conn_string(&cluster, &writer))];
    args.extend(queries.iter().map(|(label, sql)| format!("{label}={sql}")));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = config.run(
        bin.to_str().expect("path"),
        &args,
        "",
        Duration::from_secs(60),
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "values program failed:\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .filter_map(|line| {
            let mut parts = line.splitn(4, '|');
            let label = parts.next()?.to_string();
            let read = Read {
                char_form: parts.next()?.to_string(),
                wide_form: parts.next().unwrap_or_default().to_string(),
                stamp: parts.next().unwrap_or_default().to_string(),
            };
            Some((label, read))
        })
        .collect()
}

#[test]
fn bytea_reads_as_bare_hex_digits_as_psqlodbc_gives_it() {
    let got = read_values(
        "",
        &[
            ("bytes", "SELECT '\\x0001feff'::bytea"),
            ("empty", "SELECT ''::bytea"),
            ("word", "SELECT 'Hi!'::bytea"),
            // Inside an array the server's own form stays, `\x` included (psqlODBC passes the
            // server's array text through).
            ("array", "SELECT ARRAY['\\x0102'::bytea]"),
        ],
    );
    let want = [
        ("bytes", "0001feff"),
        ("empty", ""),
        ("word", "486921"),
        ("array", "{\"\\\\x0102\"}"),
    ];
    for (label, expected) in want {
        assert_eq!(got[label].char_form, expected, "{label} as SQL_C_CHAR");
        assert_eq!(got[label].wide_form, expected, "{label} as SQL_C_WCHAR");
    }
}

/// timestamptz as text (without an offset, as psqlODBC writes it) and as a struct: the
/// wall-clock time of the session's zone, following `SET TIME ZONE` and daylight saving.
#[test]
fn timestamptz_reads_in_the_sessions_time_zone() {
    let got = read_values(
        "",
        &[
            ("paris", "SET TIME ZONE 'Europe/Paris'"),
            ("winter", "SELECT '2024-01-02 02:04:05.5+00'::timestamptz"),
            ("summer", "SELECT '2024-07-01 12:00:00+00'::timestamptz"),
            ("new_york", "SET TIME ZONE 'America/New_York'"),
            ("before", "SELECT '2024-03-10 06:59:59+00'::timestamptz"),
            ("after", "SELECT '2024-03-10 07:00:00+00'::timestamptz"),
            ("timetz", "SELECT '03:04:05+05:30'::timetz"),
        ],
    );
    let want = [
        (
            "winter",
            "2024-01-02 03:04:05.5",
            "2024-01-02 03:04:05.500000000",
        ),
        (
            "summer",
            "2024-07-01 14:00:00",
            "2024-07-01 14:00:00.000000000",
        ),
        (
            "before",
            "2024-03-10 01:59:59",
            "2024-03-10 01:59:59.000000000",
        ),
        (
            "after",
            "2024-03-10 03:00:00",
            "2024-03-10 03:00:00.000000000",
        ),
    ];
    for (label, text, stamp) in want {
        let read = &got[label];
        assert_eq!(read.char_form, text, "{label} as SQL_C_CHAR");
        assert_eq!(read.wide_form, text, "{label} as SQL_C_WCHAR");
        assert_eq!(read.stamp, stamp, "{label} as SQL_C_TYPE_TIMESTAMP");
    }
    // timetz keeps the offset it was stored with.
    assert_eq!(got["timetz"].char_form, "03:04:05+05:30");
}

/// The same through pyodbc: timestamptz as the session's wall-clock datetime.
#[test]
fn pyodbc_reads_timestamptz_in_the_sessions_time_zone() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let out = config.python(
        include_str!("py/psqlodbc_values.py"),
        &[&conn_string(&cluster, &writer)],
    );
    assert!(out.contains("all passed"), "{out}");
}

/// Types whose text only the server can give (issue 14 item 4): money with the currency
/// symbol and grouping of `lc_monetary`, the reg* types as names (schema-qualified where the
/// search path does not show them), and types the driver has no binary decoding for, also
/// inside arrays, as psqlODBC gives the server's text.
#[test]
fn money_reg_types_and_undecoded_types_read_as_the_servers_text() {
    let got = read_values(
        "",
        &[
            ("monetary", "SET lc_monetary = 'C'"),
            ("money", "SELECT '-1234.56'::money"),
            (
                "money_array",
                "SELECT ARRAY['1.5'::money, '1234567'::money]",
            ),
            ("regclass", "SELECT 'pg_class'::regclass"),
            (
                "regclass_qualified",
                "SELECT 'information_schema.tables'::regclass",
            ),
            ("regproc", "SELECT 'now'::regproc"),
            ("regprocedure", "SELECT 'abs(int4)'::regprocedure"),
            ("regtype", "SELECT 'int4'::regtype"),
            (
                "regtype_array",
                "SELECT ARRAY['int4'::regtype, 'varchar'::regtype]",
            ),
            ("regnamespace", "SELECT 'pg_catalog'::regnamespace"),
            ("regoperator", "SELECT '+(int4,int4)'::regoperator"),
            ("regrole", "SELECT current_user::regrole"),
            ("user", "SELECT current_user::text"),
            ("tsvector", "SELECT 'a fat cat'::tsvector"),
            ("tsquery", "SELECT 'fat & rat'::tsquery"),
            ("snapshot", "SELECT '10:20:10,14,15'::pg_snapshot"),
        ],
    );
    let want = [
        ("money", "-$1,234.56"),
        ("money_array", "{$1.50,\"$1,234,567.00\"}"),
        ("regclass", "pg_class"),
        ("regclass_qualified", "information_schema.tables"),
        ("regproc", "now"),
        ("regprocedure", "abs(integer)"),
        ("regtype", "integer"),
        ("regtype_array", "{integer,\"character varying\"}"),
        ("regnamespace", "pg_catalog"),
        ("regoperator", "+(integer,integer)"),
        ("tsvector", "'a' 'cat' 'fat'"),
        ("tsquery", "'fat' & 'rat'"),
        ("snapshot", "10:20:10,14,15"),
    ];
    for (label, expected) in want {
        assert_eq!(got[label].char_form, expected, "{label} as SQL_C_CHAR");
        assert_eq!(got[label].wide_form, expected, "{label} as SQL_C_WCHAR");
    }
    assert_eq!(got["regrole"].char_form, got["user"].char_form, "regrole");
}
