//! Transactions as psqlODBC runs them, through unixODBC (tests/c/transactions.c and
//! tests/py/transactions.py): no session setting the application did not ask for,
//! SQL_ATTR_ACCESS_MODE, SQLDisconnect rolling back, statement-level rollback on error by
//! default and the other modes of psqlODBC's `Protocol` key.

mod common;
mod support;

use common::{conn_string, single_instance, OdbcConfig};
use std::time::Duration;
use support::Cluster;
use support::TEST_DATABASE;

/// A role whose administrator made its transactions read-only by default.
const READ_ONLY_ROLE: &str = "tx_reader";

/// A cluster with the tables the programs use and the read-only role; the connection strings
/// of the test user and of that role.
fn prepared_cluster() -> (Cluster, String, String) {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    cluster
        .query(
            &writer,
            &format!(
                "CREATE TABLE tx_shared (x int); GRANT ALL ON tx_shared TO PUBLIC;
                 CREATE TABLE tx_py (x int); GRANT ALL ON tx_py TO PUBLIC;
                 CREATE ROLE {READ_ONLY_ROLE} LOGIN PASSWORD 'reader';
                 ALTER ROLE {READ_ONLY_ROLE} SET default_transaction_read_only = on;
                 GRANT ALL ON DATABASE {TEST_DATABASE} TO {READ_ONLY_ROLE};"
            ),
        )
        .expect("set up the tables and the read-only role");
    let cs = conn_string(&cluster, &writer);
    let reader = format!("{};UID={READ_ONLY_ROLE};PWD=reader", strip_credentials(&cs));
    (cluster, cs, reader)
}

#[test]
fn c_program_runs_transactions_as_psqlodbc() {
    let (_cluster, cs, reader) = prepared_cluster();
    let config = OdbcConfig::new(&[]);
    config.expect_c_program_passes("transactions.c", &[&cs, &reader], Duration::from_secs(120));
}

#[test]
fn pyodbc_runs_transactions_as_psqlodbc() {
    let (_cluster, cs, reader) = prepared_cluster();
    let config = OdbcConfig::new(&[]);
    let out = config.python(include_str!("py/transactions.py"), &[&cs, &reader]);
    assert!(out.contains("all passed"), "transactions.py failed:\n{out}");
}

/// The connection string without its UID and PWD.
fn strip_credentials(cs: &str) -> String {
    cs.split(';')
        .filter(|kv| !kv.starts_with("UID=") && !kv.starts_with("PWD="))
        .collect::<Vec<_>>()
        .join(";")
}
