//! What the driver says about statements and results, as psqlODBC says it, through unixODBC
//! (tests/c/metadata.c): SQLRowCount after statements with and without a count, uuid columns,
//! SQLDescribeParam, and the nullability and names of table columns (also through pyodbc,
//! tests/py/metadata.py). docs/psqlodbc-compatibility.md describes each.

mod common;
mod support;

use common::{conn_string, single_instance, OdbcConfig};
use std::time::Duration;

#[test]
fn row_counts_uuid_columns_and_parameters_as_psqlodbc_gives_them() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    // A small fetch batch, so that the program can show a result longer than one batch.
    let conn = format!("{};fetch_batch_rows=10", conn_string(&cluster, &writer));
    let text = config.expect_c_program_passes("metadata.c", &[&conn], Duration::from_secs(120));
    for part in [
        "ok row counts",
        "ok uuid",
        "ok parameters",
        "ok nullability",
        "ok octets and type names",
    ] {
        assert!(text.contains(part), "{part} did not run:\n{text}");
    }
}

#[test]
fn pyodbc_sees_not_null_columns_as_psqlodbc_shows_them() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let out = config.python(
        include_str!("py/metadata.py"),
        &[&conn_string(&cluster, &writer)],
    );
    assert!(out.contains("all passed"), "{out}");
}
