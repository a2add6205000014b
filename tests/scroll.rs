//! Scrollable static cursors (SQLFetchScroll, SQLExtendedFetch) through a C program and
//! unixODBC.

mod common;
mod support;

use common::{conn_string, single_instance, OdbcConfig};
use std::time::Duration;

#[test]
fn static_cursors_scroll_in_every_orientation() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    config.expect_c_program_passes(
        "scroll.c",
        &[&conn_string(&cluster, &writer)],
        Duration::from_secs(120),
    );
}
