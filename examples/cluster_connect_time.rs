//! Figures for docs/performance.md, "Connect time through a cluster endpoint": the time to open
//! a connection through the cluster (writer) endpoint, run `SELECT 1` and close it, with
//! - the default plugin chain (failover, initial_connection, aurora_connection_tracker,
//!   host_monitoring),
//! - the chain that was the default before initial_connection and the tracker joined it
//!   (`plugins=failover,host_monitoring`),
//! - no plugins (`plugins=`),
//! - the default chain while the endpoint's DNS is stale (it names a reader): the first
//!   connection logs in twice (where DNS leads, then on the writer); for 30 s after that the
//!   plugin goes straight to the writer, and then tries the endpoint again.
//!
//!     cargo run --example cluster_connect_time [CONNECTS] [ROUNDS]
//!
//! Starts its own stand-in cluster (a writer and one replica, each behind its fault proxy;
//! SCRAM-SHA-256 logins, no TLS). The chains take turns connection by connection so drift on
//! a shared machine hits each alike; the median and mean of every connection's time are
//! printed, and the statements the writer ran per connection (from its transaction counter in
//! pg_stat_database): the round trips each chain costs after the login.

#[path = "../tests/support/mod.rs"]
mod support;

use auroraodbc::engine::pipeline::{CallKind, EngineConnection, SessionCharacteristics};
use auroraodbc::engine::settings::Settings;
use auroraodbc::odbc::conn::{connect_options, ConnAttrs};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{Cluster, ClusterOptions, TEST_DATABASE, TEST_PASSWORD, TEST_USER};

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let connects: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(9);
    let cluster = Cluster::start(ClusterOptions {
        replicas: 1,
        dns_hash: "connecttime".into(),
        ..Default::default()
    })
    .map_err(|e| format!("starting the stand-in: {e}"))?;
    let endpoint = cluster.cluster_endpoint_host();
    let current_map = cluster.host_map();
    // A second writer endpoint name of the same cluster that leads to the replica: DNS right
    // after a failover. (A name of its own, so that the stale one the plugin remembers does not
    // change how the other chains connect.)
    let stale_endpoint = format!("stale.cluster-{}", cluster.domain());
    let reader = cluster.reader_ids().first().cloned().ok_or("no replica")?;
    let reader_port = cluster.instance(&reader).ok_or("no replica")?.proxy_port;
    let map = format!("{current_map},{stale_endpoint}=127.0.0.1:{reader_port}");
    let settings = |server: &str, plugins: Option<&str>| -> Result<Arc<Settings>, String> {
        let mut pairs: Vec<(String, String)> = vec![
            ("Server".into(), server.into()),
            ("Port".into(), "5432".into()),
            ("host_address_map".into(), map.clone()),
            ("Database".into(), TEST_DATABASE.into()),
            ("UID".into(), TEST_USER.into()),
            ("PWD".into(), TEST_PASSWORD.into()),
        ];
        if let Some(p) = plugins {
            pairs.push(("plugins".into(), p.into()));
        }
        Settings::resolve(&pairs, &|_| None)
            .map(Arc::new)
            .map_err(|e| e.to_string())
    };
    let modes: Vec<(&str, Arc<Settings>)> = vec![
        ("default chain", settings(&endpoint, None)?),
        (
            "failover,host_monitoring (the default chain before)",
            settings(&endpoint, Some("failover,host_monitoring"))?,
        ),
        ("no plugins", settings(&endpoint, Some(""))?),
        (
            "default chain, stale DNS (straight to the writer once found stale)",
            settings(&stale_endpoint, None)?,
        ),
    ];
    let once = |settings: &Arc<Settings>| -> Result<(Duration, String), String> {
        let began = Instant::now();
        let options =
            connect_options(settings, &ConnAttrs::default()).map_err(|e| e.to_string())?;
        let characteristics = SessionCharacteristics {
            autocommit: true,
            ..Default::default()
        };
        let mut conn = EngineConnection::open(options, settings.clone(), characteristics)
            .map_err(|e| e.to_string())?;
        let in_recovery = conn
            .call(CallKind::Execute, |c| {
                let rows = c
                    .session
                    .query_now("SELECT 1, pg_catalog.pg_is_in_recovery()")?;
                Ok(rows
                    .first()
                    .and_then(|r| r.try_get::<_, bool>(1).ok())
                    .unwrap_or(true))
            })
            .map_err(|e| e.to_string())?;
        drop(conn);
        Ok((
            began.elapsed(),
            if in_recovery { "reader" } else { "writer" }.to_string(),
        ))
    };
    // Warm up (runtimes, topology cache) and check that each mode lands on the writer.
    for (name, settings) in &modes {
        for _ in 0..5 {
            let (_, role) = once(settings)?;
            if role != "writer" {
                return Err(format!("{name}: landed on the {role}"));
            }
        }
    }
    // Statements the writer ran per connection, from its transaction counter (every statement
    // in autocommit is one transaction): the round trips after the login, per chain.
    let xacts = || -> Result<u64, String> {
        std::thread::sleep(Duration::from_millis(1200));
        cluster
            .query(
                &cluster.writer_id(),
                "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()",
            )
            .map_err(|e| e.to_string())?
            .trim()
            .parse::<u64>()
            .map_err(|e| e.to_string())
    };
    let idle_a = xacts()?;
    let idle_b = xacts()?;
    let reading = idle_b.saturating_sub(idle_a);
    let mut statements: Vec<f64> = Vec::new();
    for (_, settings) in &modes {
        let before = xacts()?;
        for _ in 0..50 {
            once(settings)?;
        }
        let after = xacts()?;
        statements.push((after.saturating_sub(before).saturating_sub(reading)) as f64 / 50.0);
    }
    // Times: the modes take turns connection by connection, so load from other work on the
    // machine falls on each alike; the median of every connection's time is printed.
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); modes.len()];
    for _ in 0..rounds {
        for _ in 0..connects {
            for (i, (_, settings)) in modes.iter().enumerate() {
                samples[i].push(once(settings)?.0.as_secs_f64() * 1000.0);
            }
        }
    }
    let median = |values: &mut Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    println!(
        "{} connections per chain, taking turns; connect + SELECT 1 + close",
        connects * rounds
    );
    println!("| chain | median ms | mean ms | statements on the writer per connection (SELECT 1 included) |");
    println!("|---|---|---|---|");
    for (i, (name, _)) in modes.iter().enumerate() {
        let mean = samples[i].iter().sum::<f64>() / samples[i].len() as f64;
        let m = median(&mut samples[i]);
        let st = if name.contains("stale") {
            format!("{:.2} on the writer", statements[i])
        } else {
            format!("{:.2}", statements[i])
        };
        println!("| {name} | {m:.3} | {mean:.3} | {st} |");
    }
    Ok(())
}
