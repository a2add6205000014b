//! SQL text as programs written against psqlODBC send it, through unixODBC
//! (tests/c/sql_text.c): scalar-function escapes whose PostgreSQL form reorders arguments
//! keep parameters in place, `SELECT @@IDENTITY` reads `lastval()`, and SQLFetch after a
//! statement without a result set answers SQL_NO_DATA; procedure calls fill output parameters.

mod common;
mod support;

use common::{conn_string, single_instance, OdbcConfig};
use std::time::Duration;

#[test]
fn sql_text_as_psqlodbc_treats_it() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let text = config.expect_c_program_passes(
        "sql_text.c",
        &[&conn_string(&cluster, &writer)],
        Duration::from_secs(120),
    );
    for part in [
        "ok scalar functions",
        "ok identity",
        "ok backslashes in strings",
        "ok fetch without a result set",
    ] {
        assert!(text.contains(part), "{part} did not run:\n{text}");
    }
}

/// `{? = call f(?)}` and OUT / INOUT arguments (tests/c/procedure_call.c): the return value
/// and output parameters are filled from the call's row, inputs keep their numbers.
#[test]
fn procedure_calls_fill_output_parameters() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let text = config.expect_c_program_passes(
        "procedure_call.c",
        &[&conn_string(&cluster, &writer)],
        Duration::from_secs(120),
    );
    for part in [
        "ok return value",
        "ok prepared",
        "ok null",
        "ok out arguments",
        "ok in-out arguments",
        "ok input only",
    ] {
        assert!(text.contains(part), "{part} did not run:\n{text}");
    }
}
