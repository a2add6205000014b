//! Figure for docs/performance.md, "Read/write splitting": what a read-only toggle plus one
//! query costs with the reader connection kept, against the same query without splitting.
//! Starts its own stand-in cluster (a writer and one replica, each behind a fault proxy).
//!
//!     cargo run --example rws_toggle
//!
//! Five kinds of sample on the same cluster, one of each per iteration (each kind first in
//! turn) so that load on a shared machine hits them alike; medians of single samples:
//! - plain: `SELECT 1` on a connection without the plugin (one round trip: the unit);
//! - toggled: SQL_ATTR_ACCESS_MODE read-only, `SELECT 1` (on the reader), read-write, applied
//!   the way the ODBC layer applies the attribute (plugins first, a SET only when none of
//!   them put the mode in force);
//! - on the reader: `SELECT 1` on a connection straight to the reader, without the plugin;
//! - loaded: `SELECT 1` with the plugin loaded and no toggle (the plugin's per-call cost);
//! - switches alone: read-only then read-write with no query (no network at all when both
//!   sessions are kept with their characteristics).
//!
//! The first switch, which opens the reader connection, is timed on its own.

#[path = "../tests/support/mod.rs"]
mod support;

use auroraodbc::engine::error::EngineResult;
use auroraodbc::engine::pipeline::{
    CallKind, CharacteristicsChange, EngineConnection, SessionCharacteristics,
};
use auroraodbc::engine::session::ConnectOptions;
use auroraodbc::engine::settings::Settings;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{Cluster, ClusterOptions, TEST_DATABASE, TEST_PASSWORD, TEST_USER};

const SAMPLES: usize = 5000;

fn open(cluster: &Cluster, server: &str, plugins: &str) -> Result<EngineConnection, String> {
    let pairs: Vec<(String, String)> = vec![
        ("Server".into(), server.into()),
        ("Port".into(), "5432".into()),
        ("host_address_map".into(), cluster.host_map()),
        ("Database".into(), TEST_DATABASE.into()),
        ("UID".into(), TEST_USER.into()),
        ("PWD".into(), TEST_PASSWORD.into()),
        ("plugins".into(), plugins.into()),
    ];
    let settings = Settings::resolve(&pairs, &|_| None)
        .map(Arc::new)
        .map_err(|e| e.to_string())?;
    let options = ConnectOptions::from_settings(&settings).map_err(|e| e.to_string())?;
    let characteristics = SessionCharacteristics {
        autocommit: true,
        ..Default::default()
    };
    EngineConnection::open(options, settings, characteristics).map_err(|e| e.to_string())
}

/// SQL_ATTR_ACCESS_MODE as `odbc::conn` applies it.
fn set_read_only(conn: &mut EngineConnection, read_only: bool) -> EngineResult<()> {
    let mut ch = conn.characteristics.clone();
    ch.read_only = Some(read_only);
    if conn.change_characteristics(ch.clone())? == CharacteristicsChange::CallerSends {
        if let Some(sql) = ch.set_command() {
            conn.call(CallKind::SetAttribute, |c| c.session.run_command(&sql))?;
        }
    }
    Ok(())
}

fn query(conn: &mut EngineConnection, sql: &str) -> EngineResult<String> {
    conn.call(CallKind::Execute, |c| {
        let rows = c.session.query_now(sql)?;
        Ok(rows
            .first()
            .and_then(|r| r.try_get::<_, Option<String>>(0).ok().flatten())
            .unwrap_or_default())
    })
}

fn run() -> Result<(), String> {
    let cluster = Cluster::start(ClusterOptions {
        replicas: 1,
        dns_hash: "rwstoggle".into(),
        ..Default::default()
    })
    .map_err(|e| e.to_string())?;
    let endpoint = cluster.cluster_endpoint_host();
    let mut plain = open(&cluster, &endpoint, "failover")?;
    let mut split = open(&cluster, &endpoint, "read_write_splitting,failover")?;
    let reader_host = cluster.instance_host(&cluster.reader_ids()[0]);
    let mut reader = open(&cluster, &reader_host, "failover")?;
    let err = |e: auroraodbc::engine::error::EngineError| e.to_string();
    let role = "SELECT pg_is_in_recovery()::text";

    let started = Instant::now();
    set_read_only(&mut split, true).map_err(err)?;
    let on_reader = query(&mut split, role).map_err(err)?;
    let first = started.elapsed();
    if on_reader != "true" {
        return Err("read-only did not reach the reader".into());
    }
    set_read_only(&mut split, false).map_err(err)?;
    if query(&mut split, role).map_err(err)? != "false" {
        return Err("read-write did not reach the writer".into());
    }

    // One sample of each per iteration, back to back, so that load from other processes
    // (a shared machine) hits them alike; medians of single samples ignore the spikes.
    let (mut plain_us, mut toggled_us, mut loaded_us, mut reader_us, mut switch_us) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    for i in 0..SAMPLES {
        // Each kind goes first in turn.
        for which in 0..5 {
            let t = Instant::now();
            match (i + which) % 5 {
                0 => {
                    query(&mut plain, "SELECT 1::text").map_err(err)?;
                    plain_us.push(us(t.elapsed()));
                }
                1 => {
                    set_read_only(&mut split, true).map_err(err)?;
                    query(&mut split, "SELECT 1::text").map_err(err)?;
                    set_read_only(&mut split, false).map_err(err)?;
                    toggled_us.push(us(t.elapsed()));
                }
                2 => {
                    query(&mut split, "SELECT 1::text").map_err(err)?;
                    loaded_us.push(us(t.elapsed()));
                }
                3 => {
                    query(&mut reader, "SELECT 1::text").map_err(err)?;
                    reader_us.push(us(t.elapsed()));
                }
                _ => {
                    set_read_only(&mut split, true).map_err(err)?;
                    set_read_only(&mut split, false).map_err(err)?;
                    switch_us.push(us(t.elapsed()));
                }
            }
        }
    }
    // Still switching for real at the end.
    set_read_only(&mut split, true).map_err(err)?;
    let still_reader = query(&mut split, role).map_err(err)?;
    set_read_only(&mut split, false).map_err(err)?;

    let q = |v: &[f64], percent: usize| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[(v.len() - 1) * percent / 100]
    };
    let (p, t, l, w) = (
        q(&plain_us, 50),
        q(&toggled_us, 50),
        q(&loaded_us, 50),
        q(&switch_us, 50),
    );
    println!(
        "first switch to read-only + query (opens the reader): {:.1} ms",
        first.as_secs_f64() * 1e3
    );
    println!("{SAMPLES} samples of each, median (10th percentile):");
    let line = |what: &str, v: &[f64]| {
        println!("  {what:<52} {:8.1} us ({:.1})", q(v, 50), q(v, 10));
    };
    line("plain: SELECT 1, no plugin (one round trip)", &plain_us);
    line("on the reader: SELECT 1 straight to the reader", &reader_us);
    line("loaded: SELECT 1, read_write_splitting loaded", &loaded_us);
    line("toggled: read-only + SELECT 1 + read-write", &toggled_us);
    line(
        "switches alone: read-only + read-write, no query",
        &switch_us,
    );
    println!(
        "  toggled - plain: {:+.1} us = {:.2} round trips; loaded - plain: {:+.1} us; switches alone {:.1} us",
        t - p,
        (t - p) / p,
        l - p,
        w
    );
    println!(
        "  the last toggled query ran on the reader: {}",
        still_reader == "true"
    );
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("rws_toggle: {e}");
        std::process::exit(1);
    }
}
