//! Server errors in full: DETAIL, HINT and the statement position reach the application's
//! diagnostics on lines of their own (as psql prints them), below the server's message, and
//! the SQLSTATE stays the server's. Through unixODBC's isql and through pyodbc.

mod common;
mod support;

use common::{conn_string, dsn_keys, single_instance, OdbcConfig};

/// Runs `sql` through isql and returns everything it printed.
fn isql_all(config: &OdbcConfig, sql: &str) -> String {
    let (out, err) = config.isql("pg", &[], sql);
    format!("{out}{err}")
}

#[test]
fn isql_shows_detail_hint_and_position_with_the_servers_sqlstate() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[("pg", dsn_keys(&cluster, &writer))]);

    // A unique violation: the first line is the server's message as before, DETAIL below it.
    let all = isql_all(
        &config,
        "CREATE TABLE se_unique (id int primary key)\n\
         INSERT INTO se_unique VALUES (1)\n\
         INSERT INTO se_unique VALUES (1)\n",
    );
    assert!(all.contains("[23505]"), "unique violation state: {all}");
    assert!(
        all.contains(
            "[auroraodbc]ERROR: duplicate key value violates unique constraint \"se_unique_pkey\"\n\
             DETAIL:  Key (id)=(1) already exists."
        ),
        "unique violation text: {all}"
    );
    assert!(!all.contains("(detail:"), "old inline detail: {all}");
    isql_all(&config, "DROP TABLE se_unique\n");

    // RAISE with DETAIL and HINT and an application-chosen SQLSTATE.
    let all = isql_all(
        &config,
        "DO $$ BEGIN RAISE EXCEPTION 'order 7 is locked' USING DETAIL = 'locked by batch 3', \
         HINT = 'retry after the batch ends', ERRCODE = 'AB123'; END $$\n",
    );
    assert!(all.contains("[AB123]"), "raised state: {all}");
    assert!(
        all.contains(
            "[auroraodbc]ERROR: order 7 is locked\nDETAIL:  locked by batch 3\n\
             HINT:  retry after the batch ends"
        ),
        "raised text: {all}"
    );

    // A syntax error: the position (a character count from 1) of the second FROM.
    let all = isql_all(&config, "SELECT 1 FROM FROM se_nothing\n");
    assert!(all.contains("[42601]"), "syntax error state: {all}");
    assert!(
        all.contains(
            "[auroraodbc]ERROR: syntax error at or near \"FROM\"\nSTATEMENT_POSITION:  15"
        ),
        "syntax error text: {all}"
    );

    // An error with none of the fields prints its message alone.
    let all = isql_all(&config, "SELECT * FROM se_no_such_table\n");
    assert!(
        all.contains("[42P01]")
            && all.contains("relation \"se_no_such_table\" does not exist")
            && !all.contains("DETAIL:")
            && !all.contains("HINT:"),
        "plain error: {all}"
    );
}

#[test]
fn isql_login_failure_names_no_secret() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let mut keys = dsn_keys(&cluster, &writer);
    keys.retain(|(k, _)| k != "PWD");
    keys.push(("PWD".into(), "se-secret-Pw-91".into()));
    let config = OdbcConfig::new(&[("pg", keys)]);
    let all = isql_all(&config, "SELECT 1\n");
    assert!(all.contains("28P01"), "login failure: {all}");
    assert!(
        !all.contains("se-secret-Pw-91"),
        "password in a message: {all}"
    );
}

const PYODBC_SCRIPT: &str = r#"
import sys
import pyodbc

cn = pyodbc.connect(sys.argv[1], autocommit=True)
cur = cn.cursor()

def failure(sql):
    try:
        cur.execute(sql)
    except pyodbc.Error as e:
        return e.args[0], e.args[1]
    raise AssertionError(f"no error from {sql}")

cur.execute("DROP TABLE IF EXISTS se_py")
cur.execute("CREATE TABLE se_py (id int primary key)")
cur.execute("INSERT INTO se_py VALUES (?)", 1)
state, text = failure("INSERT INTO se_py VALUES (1)")
assert state == "23505", (state, text)
assert "[auroraodbc]ERROR: duplicate key value violates unique constraint" in text, text
assert "\nDETAIL:  Key (id)=(1) already exists." in text, text

state, text = failure(
    "DO $$ BEGIN RAISE EXCEPTION 'nope' USING HINT = 'ask the owner', ERRCODE = '42501'; END $$")
assert state == "42501", (state, text)
assert "[auroraodbc]ERROR: nope\nHINT:  ask the owner" in text, text

state, text = failure("SELECT 1 FROM FROM se_py")
assert state == "42601", (state, text)
assert "\nSTATEMENT_POSITION:  15" in text, text

cur.execute("DROP TABLE se_py")
print("all passed")
"#;

#[test]
fn pyodbc_sees_the_same_lines() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let out = config.python(PYODBC_SCRIPT, &[&conn_string(&cluster, &writer)]);
    assert!(out.contains("all passed"), "pyodbc script:\n{out}");
}
