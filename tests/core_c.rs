//! The driver core through a C program built against sql.h/sqlext.h and unixODBC.

mod common;
mod support;

use common::{build_c_program, conn_string, single_instance, OdbcConfig};
use std::time::Duration;

#[test]
fn c_program_exercises_the_core() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let bin = build_c_program(&config, "core.c");
    let out = config.run(
        bin.to_str().expect("path"),
        &[&conn_string(&cluster, &writer)],
        "",
        Duration::from_secs(120),
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success()
            && text.contains("ok param_array (rewritten)")
            && text.contains("all passed"),
        "C core program failed:\n{text}"
    );
}
