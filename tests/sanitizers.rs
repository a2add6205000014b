//! The driver under a memory checker: the core C test (tests/c/core.c, through unixODBC) runs
//! under valgrind memcheck and must pass with no invalid read or write, no use of an
//! uninitialised value and no block definitely lost. (The AddressSanitizer run of every C test
//! program needs a nightly build of the driver and takes longer: `scripts/asan.sh`, run by
//! .ci/run; see docs/reliability.md.)

mod common;
mod support;

use common::{build_c_program, conn_string, output_text, single_instance, OdbcConfig};
use std::time::{Duration, Instant};

/// valgrind's exit status when it found an error (a status the test program never uses).
const VALGRIND_ERROR_STATUS: &str = "97";

#[test]
fn core_c_program_is_clean_under_valgrind_memcheck() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let bin = build_c_program(&config, "core.c");
    let log = config.dir.join("memcheck.log");
    let log_arg = format!("--log-file={}", log.display());
    let error_status = format!("--error-exitcode={VALGRIND_ERROR_STATUS}");
    let conn = conn_string(&cluster, &writer);
    let started = Instant::now();
    // Leaks count as errors only when definitely lost: blocks still reachable, or reachable
    // through an interior pointer ("possibly lost": hash tables, the runtime's worker threads
    // still running at exit), are the process's live state at exit, not leaks.
    let out = config.run(
        "valgrind",
        &[
            "--tool=memcheck",
            &error_status,
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "--show-leak-kinds=definite",
            "--track-origins=yes",
            "--num-callers=40",
            &log_arg,
            bin.to_str().expect("utf-8 path"),
            &conn,
        ],
        "",
        Duration::from_secs(600),
    );
    let elapsed = started.elapsed();
    let text = output_text(&out);
    let report = std::fs::read_to_string(&log).unwrap_or_default();
    println!("core.c under memcheck: {elapsed:?}\n{report}");
    assert!(
        text.contains("all passed"),
        "core.c failed under valgrind ({:?}):\n{text}\n{report}",
        out.status
    );
    assert!(
        out.status.success(),
        "valgrind found errors (status {:?}, {VALGRIND_ERROR_STATUS} means memcheck errors):\n{report}",
        out.status
    );
    // The same from the report itself, so that the test cannot pass on a run valgrind
    // never checked (a missing report, a changed exit-status option).
    assert!(
        report.contains("ERROR SUMMARY: 0 errors from 0 contexts"),
        "memcheck reported errors:\n{report}"
    );
    assert!(
        report.contains("definitely lost: 0 bytes in 0 blocks")
            || report.contains("All heap blocks were freed"),
        "memcheck found a definite leak:\n{report}"
    );
}
