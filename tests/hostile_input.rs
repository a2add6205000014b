//! Hostile input through unixODBC: deeply nested escape sequences (a clean 42000, the
//! process lives on) and a 50 MB text value read in small SQLGetData pieces (byte for byte,
//! in linear time). The script is tests/py/hostile_input.py.

mod common;
mod support;

use common::{conn_string, single_instance, OdbcConfig};

#[test]
fn hostile_sql_and_long_piecewise_reads() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let cs = conn_string(&cluster, &writer);
    let script = include_str!("py/hostile_input.py");
    let out = config.python(script, &[&cs]);
    assert!(
        out.contains("all passed"),
        "hostile input script failed:\n{out}"
    );
}
