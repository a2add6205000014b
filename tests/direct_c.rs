//! The driver library called directly (dlopen, no driver manager) by a C program with bad
//! input: it must answer with the right return codes and SQLSTATEs and never crash.

mod common;
mod support;

use common::{driver_so, single_instance, OdbcConfig};
use std::process::Command;
use std::time::Duration;

#[test]
fn direct_calls_with_bad_input_never_crash() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let info = cluster.instance(&writer).expect("writer");
    let config = OdbcConfig::new(&[]);
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/direct.c");
    let bin = config.dir.join("direct");
    // No -lodbc: the program talks to the driver alone.
    let status = Command::new("cc")
        .args(["-O1", "-Wall", "-o"])
        .arg(&bin)
        .arg(&src)
        .arg("-ldl")
        .status()
        .expect("run cc");
    assert!(status.success(), "cc failed for {}", src.display());
    let conn = format!(
        "Server=127.0.0.1;Port={};Database={};UID={};PWD={}",
        info.proxy_port,
        support::TEST_DATABASE,
        support::TEST_USER,
        support::TEST_PASSWORD
    );
    let so = driver_so();
    let out = config.run(
        bin.to_str().expect("path"),
        &[so.to_str().expect("path"), &conn],
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
        "direct C program failed ({:?}):\n{text}",
        out.status
    );
}
