//! Output buffers: no SQLGet*Attr, SQLGetInfo, SQLGetDescField or SQLColAttribute answer
//! writes more bytes than psqlODBC writes for the same item (tests/c/buffers.c fences each
//! one), so programs that pass 4-byte variables, as they could with psqlODBC, keep working.

mod common;
mod support;

use common::{conn_string, single_instance, OdbcConfig};
use std::time::Duration;

#[test]
fn no_answer_writes_more_bytes_than_psqlodbc() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let text = config.expect_c_program_passes(
        "buffers.c",
        &[&conn_string(&cluster, &writer)],
        Duration::from_secs(120),
    );
    for part in [
        "ok info",
        "ok statement attributes",
        "ok connection attributes",
        "ok descriptor fields",
        "ok column attributes",
    ] {
        assert!(text.contains(part), "{part} did not run:\n{text}");
    }
}
