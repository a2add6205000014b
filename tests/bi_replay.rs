//! Replays of BI tools' ODBC call sequences (Power BI, Tableau) as C programs with asserted
//! results, through unixODBC's Unicode entry points (2-byte SQLWCHAR).

mod common;
mod support;

use common::{build_c_program, conn_string, single_instance, OdbcConfig};
use std::time::Duration;
use support::{TEST_DATABASE, TEST_USER};

fn run_replay(config: &OdbcConfig, source: &str, args: &[&str]) {
    let bin = build_c_program(config, source);
    let out = config.run(
        bin.to_str().expect("path"),
        args,
        "",
        Duration::from_secs(180),
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && text.contains("all passed"),
        "{source} replay failed:\n{text}"
    );
}

/// A loopback port nothing listens on: bound by the kernel, then released.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    port
}

#[test]
fn power_bi_call_sequence() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    run_replay(&config, "powerbi.c", &[&conn_string(&cluster, &writer)]);
}

#[test]
fn tableau_call_sequence() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let good = conn_string(&cluster, &writer);
    let port = cluster.instance(&writer).expect("instance").proxy_port;
    let bad_password = format!("Driver=auroraodbc;Server=127.0.0.1;Port={port};Database={TEST_DATABASE};UID={TEST_USER};PWD=not-the-password");
    let unreachable = format!(
        "Driver=auroraodbc;Server=127.0.0.1;Port={};Database={TEST_DATABASE};UID={TEST_USER};PWD=x",
        closed_port()
    );
    run_replay(&config, "tableau.c", &[&good, &bad_password, &unreachable]);
}
