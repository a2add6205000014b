//! The driver under the iODBC driver manager, whose wide character is 4 bytes: a smoke run
//! through iODBC's own iodbctest client.

mod common;
mod support;

use common::{driver_so, single_instance, OdbcConfig};
use std::time::Duration;
use support::{TEST_DATABASE, TEST_PASSWORD, TEST_USER};

#[test]
fn iodbctest_connects_and_queries() {
    let cluster = single_instance();
    let info = cluster.instance(&cluster.writer_id()).expect("writer");
    let conn = format!(
        "DRIVER={};Server=127.0.0.1;Port={};Database={TEST_DATABASE};UID={TEST_USER};PWD={TEST_PASSWORD}",
        driver_so().display(),
        info.proxy_port
    );
    let config = OdbcConfig::new(&[]);
    let sql = "SELECT 40 + 2 AS answer, 'grüße 🚀' AS greeting, aurora_db_instance_identifier() AS instance\n\
               SELECT * FROM no_such_table\nquit\n";
    let out = config.run("iodbctest", &[&conn], sql, Duration::from_secs(60));
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("libauroraodbc.so"),
        "driver not loaded:\n{text}"
    );
    // The row as its own line of fields, so that the "42" of "42P01" further down cannot
    // stand in for the answer.
    let row = ["42", "grüße 🚀", info.id.as_str()];
    assert!(
        text.lines().any(|line| {
            let fields: Vec<&str> = line.split('|').map(str::trim).collect();
            fields == row
        }),
        "row {row:?} missing:\n{text}"
    );
    assert!(text.contains("1 rows"), "row count missing:\n{text}");
    assert!(
        text.contains("42P01") && text.contains("no_such_table"),
        "server error not reported:\n{text}"
    );
}
