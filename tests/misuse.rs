//! Every exported function called the way a careless or hostile application would, without a
//! driver manager (tests/c/misuse.c loads the library with dlopen): bad handles, NULL and zero
//! arguments, odd buffer lengths, 16 threads on one connection with cancel, disconnect and
//! free from other threads, and fork() with open connections. Each call must give a defined
//! return code (SQL_INVALID_HANDLE for a bad handle, SQL_ERROR with a SQLSTATE), never crash
//! or hang. See docs/reliability.md.

mod common;
mod support;

use common::{build_c_program_with, driver_so, expect_all_passed, single_instance, OdbcConfig};
use std::process::Command;
use std::time::Duration;

/// The SQL functions the built library exports (nm), which misuse.c must all know.
fn exported_sql_functions() -> Vec<String> {
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(driver_so())
        .output()
        .expect("run nm");
    assert!(out.status.success(), "nm failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .filter(|name| name.starts_with("SQL"))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_export_survives_misuse_threads_and_fork() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let info = cluster.instance(&writer).expect("writer");
    let config = OdbcConfig::new(&[]);
    let bin = build_c_program_with(&config, "misuse.c", &["-ldl", "-lpthread"]);
    let conn = format!(
        "Server=127.0.0.1;Port={};Database={};UID={};PWD={}",
        info.proxy_port,
        support::TEST_DATABASE,
        support::TEST_USER,
        support::TEST_PASSWORD
    );
    let so = driver_so();
    let exports = exported_sql_functions();
    assert!(exports.len() > 80, "too few exports: {exports:?}");
    let mut args = vec![so.to_str().expect("path"), conn.as_str()];
    args.extend(exports.iter().map(String::as_str));
    let text = expect_all_passed(
        "misuse.c",
        config.run_program(&bin, &args, Duration::from_secs(300)),
    );
    for part in [
        "ok bad handles",
        "ok zero arguments",
        "ok odd lengths",
        "ok 16 threads on one connection",
        "ok 16 threads on one statement",
        "ok statements freed from other threads",
        "ok SQLDisconnect and SQLFreeHandle from another thread",
        "ok fork: child uses its copy",
        "ok fork: the parent's open cursor read all 20000 rows in order",
    ] {
        assert!(text.contains(part), "part {part:?} did not run:\n{text}");
    }
}
