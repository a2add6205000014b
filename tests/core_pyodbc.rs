//! pyodbc (Python) through unixODBC against the driver: every type, executemany and
//! fast_executemany, unicode, SQLSTATEs, catalog methods and injection attempts, cancel and
//! query timeout. The script is tests/py/core_pyodbc.py.

mod common;
mod support;

use common::{conn_string, single_instance, OdbcConfig};

#[test]
fn pyodbc_end_to_end() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let good = conn_string(&cluster, &writer);
    let bad = good.replace(support::TEST_PASSWORD, "wrong-password");
    let script = include_str!("py/core_pyodbc.py");
    let out = config.python(script, &[&good, &bad]);
    assert!(
        out.contains("all passed"),
        "pyodbc script did not finish:\n{out}"
    );
}
