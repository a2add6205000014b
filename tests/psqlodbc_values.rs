//! Values read in character form as psqlODBC gives them, through unixODBC (a C program
//! reading SQL_C_CHAR and SQL_C_WCHAR). docs/psqlodbc-compatibility.md lists these rows.

mod common;
mod support;

use common::{build_c_program, conn_string, single_instance, OdbcConfig};
use std::collections::HashMap;
use std::time::Duration;

/// Runs `queries` (label, one-column SQL) through the C reader; label -> (char, wchar).
fn read_as_text(queries: &[(&str, &str)]) -> HashMap<String, (String, String)> {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let bin = build_c_program(&config, "values.c");
    let mut args = vec![conn_string(&cluster, &writer)];
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
            let mut parts = line.splitn(3, '|');
            let label = parts.next()?.to_string();
            let char_form = parts.next()?.to_string();
            let wide_form = parts.next().unwrap_or_default().to_string();
            Some((label, (char_form, wide_form)))
        })
        .collect()
}

#[test]
fn bytea_reads_as_bare_hex_digits_as_psqlodbc_gives_it() {
    let got = read_as_text(&[
        ("bytes", "SELECT '\\x0001feff'::bytea"),
        ("empty", "SELECT ''::bytea"),
        ("word", "SELECT 'Hi!'::bytea"),
        // Inside an array the server's own form stays, `\x` included (psqlODBC passes the
        // server's array text through).
        ("array", "SELECT ARRAY['\\x0102'::bytea]"),
    ]);
    let want = [
        ("bytes", "0001feff"),
        ("empty", ""),
        ("word", "486921"),
        ("array", "{\"\\\\x0102\"}"),
    ];
    for (label, expected) in want {
        let (char_form, wide_form) = &got[label];
        assert_eq!(char_form, expected, "{label} as SQL_C_CHAR");
        assert_eq!(wide_form, expected, "{label} as SQL_C_WCHAR");
    }
}
