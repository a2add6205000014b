//! Multi-statement batches through pyodbc and unixODBC: every statement runs at `execute`,
//! the first error stops the batch and is raised there. The script is tests/py/batches.py;
//! the C side is `test_batch_runs_whole` in tests/c/core.c. Parameter arrays whose statement
//! gives rows: tests/c/array_results.c.

mod common;
mod support;

use common::{conn_string, single_instance, OdbcConfig};

#[test]
fn pyodbc_execute_runs_the_whole_batch() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let cs = conn_string(&cluster, &writer);
    let out = config.python(include_str!("py/batches.py"), &[&cs]);
    assert!(out.contains("all passed"), "batch script failed:\n{out}");
}

/// A parameter array with RETURNING (and a SELECT under an array) gives every set's rows,
/// one result per set through SQLMoreResults (tests/c/array_results.c, unixODBC).
#[test]
fn parameter_arrays_give_every_sets_rows() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let text = config.expect_c_program_passes(
        "array_results.c",
        &[&conn_string(&cluster, &writer)],
        std::time::Duration::from_secs(120),
    );
    for part in ["ok insert returning", "ok select"] {
        assert!(text.contains(part), "{part} did not run:\n{text}");
    }
}
