//! Replays of BI tools' ODBC call sequences (Power BI, Tableau) as C programs with asserted
//! results, through unixODBC's Unicode entry points (2-byte SQLWCHAR).

mod common;
mod support;

use common::{closed_port, conn_string, single_instance, OdbcConfig};
use std::time::Duration;
use support::{TEST_DATABASE, TEST_USER};

fn run_replay(config: &OdbcConfig, source: &str, args: &[&str]) {
    config.expect_c_program_passes(source, args, Duration::from_secs(180));
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
