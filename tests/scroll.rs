//! Scrollable static cursors (SQLFetchScroll, SQLExtendedFetch) through a C program and
//! unixODBC.

mod common;
mod support;

use common::{build_c_program, conn_string, single_instance, OdbcConfig};
use std::time::Duration;

#[test]
fn static_cursors_scroll_in_every_orientation() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let bin = build_c_program(&config, "scroll.c");
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
        out.status.success() && text.contains("all passed"),
        "C scroll program failed:\n{text}"
    );
}
