//! The server's NOTICE, INFO and WARNING messages become SQL_SUCCESS_WITH_INFO diagnostics
//! (SQLSTATE 01000) of the call that caused them, on statements and on the connection, through
//! unixODBC (tests/c/messages.c). pyodbc's `Cursor.messages` is checked by the pyodbc suite
//! (`test_cursor_messages`).

mod common;
mod support;

use common::{conn_string, single_instance, OdbcConfig};
use std::time::Duration;

#[test]
fn server_messages_are_diagnostics_of_the_call_that_caused_them() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let text = config.expect_c_program_passes(
        "messages.c",
        &[&conn_string(&cluster, &writer)],
        Duration::from_secs(120),
    );
    for part in ["ok statement messages", "ok connection messages"] {
        assert!(text.contains(part), "{part} did not run:\n{text}");
    }
}
