//! Large objects (the `lo` extension's type) through unixODBC (tests/c/large_objects.c): an
//! `lo` column is SQL_LONGVARBINARY; a parameter writes a new large object (bound whole, or in
//! SQLPutData pieces) in the statement's transaction; SQLGetData reads the object back in
//! pieces, binary or as hex digits, and SQLFetch into a bound buffer; NULL, an empty object,
//! a missing object (42704) and a C type an object cannot be read as (07006). And through
//! pyodbc (tests/py/large_objects.py).

mod common;
mod support;

use common::{conn_string, single_instance, OdbcConfig};
use std::time::Duration;

#[test]
fn large_objects_are_written_and_read_as_bytes() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let text = config.expect_c_program_passes(
        "large_objects.c",
        &[&conn_string(&cluster, &writer)],
        Duration::from_secs(180),
    );
    for part in [
        "ok insert whole",
        "ok insert in pieces",
        "ok null, empty and failed insert",
        "ok oids stored",
        "ok described and bound",
        "ok read back",
        "ok hex",
        "ok null and restricted type",
        "ok missing object",
        "ok bytea parameters",
        "ok manual commit",
        "ok updatable cursor",
    ] {
        assert!(text.contains(part), "{part} did not run:\n{text}");
    }
    // Then pyodbc (after the C program: it counts the database's large objects).
    let out = config.python(
        include_str!("py/large_objects.py"),
        &[&conn_string(&cluster, &writer)],
    );
    assert!(
        out.contains("all passed"),
        "large_objects.py failed:\n{out}"
    );
}
