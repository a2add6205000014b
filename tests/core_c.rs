//! The driver core through a C program built against sql.h/sqlext.h and unixODBC.

mod common;
mod support;

use common::{conn_string, single_instance, OdbcConfig};
use std::time::Duration;

#[test]
fn c_program_exercises_the_core() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let text = config.expect_c_program_passes(
        "core.c",
        &[&conn_string(&cluster, &writer)],
        Duration::from_secs(120),
    );
    assert!(
        text.contains("ok param_array (rewritten)"),
        "the rewritten pass did not run:\n{text}"
    );
    assert!(
        text.contains("ok param_array_copy"),
        "the COPY arrays did not run:\n{text}"
    );
    assert!(
        text.contains("ok param_array_default_copy"),
        "the default-path COPY arrays did not run:\n{text}"
    );
    assert!(
        text.contains("ok param_array_values"),
        "the escaped-values arrays did not run:\n{text}"
    );
}
