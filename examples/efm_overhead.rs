//! Figures for docs/performance.md, "Host monitoring": the per-call cost of host monitoring and
//! how fast it notices an outage. Starts its own stand-in instance.
//!
//!     cargo run --release --example efm_overhead
//!
//! Overhead: 10,000 executes of a prepared `SELECT 1` per chain, run in interleaved rounds so
//! that drift on a shared machine hits every chain alike. Latency: `SELECT pg_sleep(60)` with
//! the instance black-holed at a chosen moment, time from the outage to the error.

#[path = "../tests/support/mod.rs"]
mod support;

use auroraodbc::engine::error::EngineResult;
use auroraodbc::engine::pipeline::{
    CallKind, ConnectPurpose, ConnectRequest, EngineConnection, Pipeline,
};
use auroraodbc::engine::session::{ConnectOptions, Executed, Fetched, Prepared};
use auroraodbc::engine::settings::Settings;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{Cluster, ClusterOptions, FaultMode, TEST_DATABASE, TEST_PASSWORD, TEST_USER};

const CALLS: usize = 10_000;
const ROUNDS: usize = 20;

fn settings(cluster: &Cluster, extra: &[(&str, &str)]) -> Result<Arc<Settings>, String> {
    let id = cluster.writer_id();
    let mut pairs: Vec<(String, String)> = vec![
        ("Server".into(), cluster.instance_host(&id)),
        ("Port".into(), "5432".into()),
        ("host_address_map".into(), cluster.host_map()),
        ("Database".into(), TEST_DATABASE.into()),
        ("UID".into(), TEST_USER.into()),
        ("PWD".into(), TEST_PASSWORD.into()),
    ];
    pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Settings::resolve(&pairs, &|_| None)
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

fn open(settings: &Arc<Settings>) -> EngineResult<EngineConnection> {
    let pipeline = Arc::new(Pipeline::build(settings, auroraodbc::plugins::factory)?);
    let options = ConnectOptions::from_settings(settings)?;
    let request = ConnectRequest {
        options: options.clone(),
        settings: settings.clone(),
        purpose: ConnectPurpose::Initial,
    };
    let session = pipeline.connect(&request)?;
    let mut conn = EngineConnection {
        session,
        options,
        settings: settings.clone(),
        pipeline: pipeline.clone(),
        instance_id: None,
        instance_seat: None,
        characteristics: Default::default(),
        generation: 0,
        host_filter: auroraodbc::engine::selection::HostFilter::allow_all(),
    };
    pipeline.connected(&mut conn)?;
    Ok(conn)
}

fn execute(conn: &mut EngineConnection, prepared: &Prepared) -> EngineResult<()> {
    conn.call(CallKind::Execute, |c| {
        let mut rows = VecDeque::new();
        if let Executed::Rows = c.session.execute(1, prepared, &[])? {
            while let Fetched::More = c.session.fetch(1, 64, &mut rows)? {}
        }
        Ok(())
    })
}

fn overhead(cluster: &Cluster) -> Result<(), String> {
    let chains: [(&str, Vec<(&str, &str)>); 3] = [
        ("plugins= (empty)", vec![("plugins", "")]),
        (
            "default chain (failover, initial_connection, aurora_connection_tracker, host_monitoring; seed settings)",
            vec![],
        ),
        (
            "host_monitoring, failure_detection_time_ms=0 (every call probed)",
            vec![
                ("plugins", "host_monitoring"),
                ("failure_detection_time_ms", "0"),
                ("failure_detection_interval_ms", "500"),
            ],
        ),
    ];
    let mut conns = Vec::new();
    for (name, extra) in &chains {
        let mut conn = open(&settings(cluster, extra)?).map_err(|e| e.to_string())?;
        let prepared = conn
            .call(CallKind::Prepare, |c| c.session.prepare("SELECT 1"))
            .map_err(|e| e.to_string())?;
        for _ in 0..1_000 {
            execute(&mut conn, &prepared).map_err(|e| e.to_string())?;
        }
        conns.push((*name, conn, prepared, Duration::ZERO, Vec::new()));
    }
    for _ in 0..ROUNDS {
        for (_, conn, prepared, total, rounds) in conns.iter_mut() {
            let began = Instant::now();
            for _ in 0..CALLS / ROUNDS {
                execute(conn, prepared).map_err(|e| e.to_string())?;
            }
            let took = began.elapsed();
            *total += took;
            rounds.push(took.as_secs_f64());
        }
    }
    let base_total = conns[0].3;
    let base_rounds = conns[0].4.clone();
    println!(
        "| chain | 10,000 executes | per call | total vs plugins= | median of per-round ratios |"
    );
    println!("|---|---|---|---|---|");
    for (name, _, _, total, rounds) in &conns {
        let per_call = total.as_secs_f64() * 1e6 / CALLS as f64;
        let delta = (total.as_secs_f64() / base_total.as_secs_f64() - 1.0) * 100.0;
        let mut ratios: Vec<f64> = rounds
            .iter()
            .zip(&base_rounds)
            .map(|(r, b)| (r / b - 1.0) * 100.0)
            .collect();
        ratios.sort_by(f64::total_cmp);
        let median = ratios.get(ratios.len() / 2).copied().unwrap_or(0.0);
        println!(
            "| {name} | {:.0} ms | {per_call:.1} µs | {delta:+.1}% | {median:+.1}% |",
            total.as_secs_f64() * 1e3
        );
    }
    Ok(())
}

/// The plugins' own cost, without the network: calls whose work is empty, through an empty
/// chain, host monitoring, and the default chain before and after issue 17 added the initial
/// connection and connection tracker plugins. Isolates what a round trip's noise hides.
fn bare_cost(cluster: &Cluster) -> Result<(), String> {
    const N: u32 = 1_000_000;
    println!("| chain | per call, empty work |");
    println!("|---|---|");
    for (name, extra) in [
        ("plugins= (empty)", vec![("plugins", "")]),
        ("host_monitoring", vec![("plugins", "host_monitoring")]),
        (
            "failover,host_monitoring (the default chain before issue 17)",
            vec![("plugins", "failover,host_monitoring")],
        ),
        ("default chain", vec![]),
    ] {
        let mut conn = open(&settings(cluster, &extra)?).map_err(|e| e.to_string())?;
        for _ in 0..10_000 {
            conn.call(CallKind::Execute, |_| Ok(()))
                .map_err(|e| e.to_string())?;
        }
        let began = Instant::now();
        for _ in 0..N {
            conn.call(CallKind::Execute, |_| Ok(()))
                .map_err(|e| e.to_string())?;
        }
        println!(
            "| {name} | {:.0} ns |",
            began.elapsed().as_secs_f64() * 1e9 / f64::from(N)
        );
    }
    Ok(())
}

/// One outage run; returns (outage -> error, outage -> bound) in ms.
fn detect(
    cluster: &Cluster,
    time: u64,
    interval: u64,
    count: u32,
    outage_at: Duration,
) -> Result<(u128, u128), String> {
    let id = cluster.writer_id();
    let (t, i, c) = (time.to_string(), interval.to_string(), count.to_string());
    let s = settings(
        cluster,
        &[
            // Detection alone: with failover in the chain the abort would start a failover.
            ("plugins", "host_monitoring"),
            ("failure_detection_time_ms", &t),
            ("failure_detection_interval_ms", &i),
            ("failure_detection_count", &c),
        ],
    )?;
    let mut conn = open(&s).map_err(|e| e.to_string())?;
    let t0 = Instant::now();
    let worker = std::thread::spawn(move || {
        let out = conn.call(CallKind::Execute, |c| {
            let p = c.session.prepare("SELECT pg_sleep(60)")?;
            let mut rows = VecDeque::new();
            if let Executed::Rows = c.session.execute(1, &p, &[])? {
                while let Fetched::More = c.session.fetch(1, 64, &mut rows)? {}
            }
            Ok(())
        });
        (out, Instant::now())
    });
    std::thread::sleep(outage_at.saturating_sub(t0.elapsed()));
    let t1 = Instant::now();
    cluster
        .set_fault(&id, FaultMode::BlackHole)
        .map_err(|e| e.to_string())?;
    let joined = worker.join();
    cluster
        .set_fault(&id, FaultMode::PassThrough)
        .map_err(|e| e.to_string())?;
    let (out, ended) = joined.map_err(|_| "worker panicked".to_string())?;
    match out {
        Err(e) if e.sqlstate_str() == "08S01" => {}
        other => {
            return Err(format!(
                "expected an abort, got {:?}",
                other.map_err(|e| e.to_string())
            ))
        }
    }
    let bound = (t0 + Duration::from_millis(time)).max(t1)
        + Duration::from_millis(interval) * count
        + Duration::from_millis(500);
    Ok(((ended - t1).as_millis(), (bound - t1).as_millis()))
}

fn latency(cluster: &Cluster) -> Result<(), String> {
    println!("| time / interval / count | outage at (after call start) | outage -> error | outage -> bound |");
    println!("|---|---|---|---|");
    let cases: &[(u64, u64, u32)] = &[
        (1000, 500, 2),
        (2000, 1000, 1),
        (3000, 500, 2),
        (2000, 500, 4),
        (5000, 1000, 3),
    ];
    for &(time, interval, count) in cases {
        for outage_at in [
            Duration::from_millis(time / 2),
            Duration::from_millis(time + 1300),
        ] {
            let (measured, bound) = detect(cluster, time, interval, count, outage_at)?;
            println!(
                "| {time} / {interval} / {count} | {} ms | {measured} ms | {bound} ms |",
                outage_at.as_millis()
            );
        }
    }
    Ok(())
}

fn main() -> Result<(), String> {
    let cluster = Cluster::start(ClusterOptions {
        replicas: 0,
        ..Default::default()
    })
    .map_err(|e| e.to_string())?;
    overhead(&cluster)?;
    println!();
    bare_cost(&cluster)?;
    println!();
    latency(&cluster)?;
    auroraodbc::release_background_resources();
    Ok(())
}
