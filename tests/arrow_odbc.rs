//! arrow-odbc (PyPI) through unixODBC against the driver: a million rows of seven types read
//! as Arrow batches and written back through parameter arrays, the copy checked in SQL. The
//! script is tests/py/arrow_odbc_roundtrip.py; installer/deps.sh installs arrow-odbc.

mod common;
mod support;

use common::{conn_string, single_instance, OdbcConfig};

#[test]
fn arrow_odbc_reads_and_writes_a_million_rows() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let script = include_str!("py/arrow_odbc_roundtrip.py");
    let out = config.python(script, &[&conn_string(&cluster, &writer), "1000000"]);
    println!("{out}");
    assert!(
        out.contains("all passed"),
        "arrow-odbc script did not finish:\n{out}"
    );
}
