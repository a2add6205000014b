//! psqlODBC's DSN keys doing what psqlODBC's documentation says, through unixODBC with
//! pyodbc (tests/py/psqlodbc_keys.py): ShowSystemTables and ExtraSysTablePrefixes in
//! SQLTables; KeepaliveTime, KeepaliveInterval, pqopt and ConnSettings on the connection.

mod common;
mod support;

use common::{conn_string, single_instance, OdbcConfig};

#[test]
fn psqlodbc_keys_through_pyodbc() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let out = config.python(
        include_str!("py/psqlodbc_keys.py"),
        &[&conn_string(&cluster, &writer)],
    );
    assert!(out.contains("all passed"), "script did not finish:\n{out}");
}

/// psqlODBC's own connection attributes (SQL_ATTR_PGOPT_*) read and set by a C program
/// through unixODBC: 4-byte values, the DSN's keys read back, the type-description ones
/// changing later statements' columns.
#[test]
fn psqlodbc_connection_attributes_through_c() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    config.expect_c_program_passes(
        "pgopt.c",
        &[&conn_string(&cluster, &writer)],
        std::time::Duration::from_secs(120),
    );
}
