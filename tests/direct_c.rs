//! The driver library called directly (dlopen, no driver manager) by a C program with bad
//! input: it must answer with the right return codes and SQLSTATEs and never crash.

mod common;
mod support;

use common::{build_c_program_with, driver_so, expect_all_passed, single_instance, OdbcConfig};
use std::time::Duration;

#[test]
fn direct_calls_with_bad_input_never_crash() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let info = cluster.instance(&writer).expect("writer");
    let config = OdbcConfig::new(&[]);
    // No -lodbc: the program talks to the driver alone.
    let bin = build_c_program_with(&config, "direct.c", &["-ldl"]);
    let conn = format!(
        "Server=127.0.0.1;Port={};Database={};UID={};PWD={}",
        info.proxy_port,
        support::TEST_DATABASE,
        support::TEST_USER,
        support::TEST_PASSWORD
    );
    let so = driver_so();
    expect_all_passed(
        "direct.c",
        config.run_program(
            &bin,
            &[so.to_str().expect("path"), &conn],
            Duration::from_secs(120),
        ),
    );
}
