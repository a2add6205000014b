//! Conversions as psqlODBC performs them (issue 14 items 3 and 5), through unixODBC: the
//! server type a parameter's SQL type gives it, and values read as C types.
//! docs/psqlodbc-compatibility.md and docs/conversions.md describe them.

mod common;
mod support;

use common::{conn_string, single_instance, OdbcConfig};
use std::time::Duration;

#[test]
fn c_program_checks_conversions() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let plain = conn_string(&cluster, &writer);
    let rewriting = format!("{plain};RewriteBatchedInserts=1");
    let text = config.expect_c_program_passes(
        "conversions.c",
        &[&plain, &rewriting],
        Duration::from_secs(120),
    );
    assert!(
        text.contains("ok typed_param_array (rewritten)"),
        "the rewritten pass did not run:\n{text}"
    );
}
