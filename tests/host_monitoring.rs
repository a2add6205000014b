//! Host monitoring against the stand-in cluster: outages made by the fault proxy under running
//! calls, through the engine (no driver manager), and once end to end through unixODBC.
//!
//! The tests run one at a time (a process-wide lock): they measure time against a bound, and
//! monitors and the release function are process-wide.

mod common;
mod fixtures;
mod support;

use auroraodbc::engine::availability::{self, Availability};
use auroraodbc::engine::error::EngineResult;
use auroraodbc::engine::pipeline::{CallKind, EngineConnection, Pipeline};
use auroraodbc::engine::session::{ConnectOptions, Executed, Fetched, Prepared};
use auroraodbc::engine::settings::Settings;
use auroraodbc::plugins::host_monitoring::monitor::live_monitors;
use fixtures::{
    cluster_with, eventually, host_pairs, open_connection, resolve, serial, with_extra,
};
use std::collections::VecDeque;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use support::{Cluster, ClusterOptions, FaultMode};

/// A writer and `instances - 1` replicas.
fn cluster(instances: usize) -> Cluster {
    cluster_with(instances - 1)
}

/// Settings that reach instance `id` by its RDS host name (pinned to its fault proxy).
fn settings(cluster: &Cluster, id: &str, extra: &[(&str, &str)]) -> Arc<Settings> {
    let mut pairs = host_pairs(cluster, &cluster.instance_host(id));
    // Host monitoring alone: with failover in the chain an abort would start a failover
    // (tests/failover.rs covers the two together).
    pairs.push(("plugins".into(), "host_monitoring".into()));
    Arc::new(resolve(&with_extra(pairs, extra)))
}

/// Opens a connection through the plugin chain the settings ask for.
fn open(settings: &Arc<Settings>) -> EngineConnection {
    let options = ConnectOptions::from_settings(settings).expect("options");
    open_connection(settings.clone(), options, Default::default()).expect("connects")
}

/// Executes a prepared statement and fetches every row, as SQLExecute + SQLFetch would.
fn execute(conn: &mut EngineConnection, prepared: &Prepared) -> EngineResult<usize> {
    conn.call(CallKind::Execute, |c| {
        let mut rows = VecDeque::new();
        if let Executed::Rows = c.session.execute(1, prepared, &[])? {
            while let Fetched::More = c.session.fetch(1, 64, &mut rows)? {}
        }
        Ok(rows.len())
    })
}

/// Prepares and runs `sql` in one network-bound call.
fn run(conn: &mut EngineConnection, sql: &str) -> EngineResult<usize> {
    let prepared = conn.call(CallKind::Prepare, |c| c.session.prepare(sql))?;
    execute(conn, &prepared)
}

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

/// The longest gap between two probes of a healthy host (the monitor's `MAX_PROBE_STEP`).
const MAX_PROBE_STEP: Duration = Duration::from_millis(250);

/// The latest a watched call may end when its host went silent at `outage` (the call began at
/// `call_start`): the bound plugins.md promises, max(call_start + time, outage) + interval x
/// count + 500 ms, and one probe step more (the monitor probes a healthy host every
/// min(interval, 250 ms)) for the wake-ups a loaded 2-core machine delays.
fn abort_deadline(
    call_start: Instant,
    outage: Instant,
    time_ms: u64,
    interval_ms: u64,
    count: u32,
) -> Instant {
    let interval = Duration::from_millis(interval_ms);
    let promised = (call_start + Duration::from_millis(time_ms)).max(outage)
        + interval * count
        + Duration::from_millis(500);
    promised + interval.min(MAX_PROBE_STEP)
}

/// Runs `SELECT pg_sleep(60)` on another thread and black-holes the instance `outage_after`
/// into the call; asserts the call fails with 08S01 naming the host within the bound.
fn outage_case(
    cluster: &Cluster,
    time_ms: u64,
    interval_ms: u64,
    count: u32,
    outage_after: Duration,
) {
    let id = cluster.writer_id();
    let (t, i, c) = (
        time_ms.to_string(),
        interval_ms.to_string(),
        count.to_string(),
    );
    let s = settings(
        cluster,
        &id,
        &[
            ("failure_detection_time_ms", &t),
            ("failure_detection_interval_ms", &i),
            ("failure_detection_count", &c),
        ],
    );
    let mut conn = open(&s);
    let host = cluster.instance_host(&id);
    let t0 = Instant::now();
    let worker = thread::spawn(move || {
        let out = run(&mut conn, "SELECT pg_sleep(60)");
        let ended = Instant::now();
        let next = run(&mut conn, "SELECT 1");
        (out, ended, next)
    });
    thread::sleep(outage_after.saturating_sub(t0.elapsed()));
    let t1 = Instant::now();
    cluster
        .set_fault(&id, FaultMode::BlackHole)
        .expect("black hole");
    let (out, ended, next) = worker.join().expect("worker thread");
    cluster
        .set_fault(&id, FaultMode::PassThrough)
        .expect("pass through");

    let bound = abort_deadline(t0, t1, time_ms, interval_ms, count);
    eprintln!(
        "{time_ms}/{interval_ms}/{count}, outage at {} ms: error {} ms after the outage, bound {} ms after it",
        ms(t1 - t0),
        ms(ended - t1),
        ms(bound - t1)
    );
    let err = out.expect_err("the call must be aborted");
    assert_eq!(err.sqlstate_str(), "08S01", "{err}");
    assert!(
        err.message.contains(&host) && err.message.contains("unavailable"),
        "{err}"
    );
    assert!(ended >= t1, "aborted before the outage began");
    assert!(
        ended <= bound,
        "aborted {} ms after the bound",
        ms(ended - bound)
    );
    let next = next.expect_err("the connection stays unusable");
    assert_eq!(next.sqlstate_str(), "08S01", "{next}");
    let port = ConnectOptions::from_settings(&s).expect("options").port;
    let key = availability::host_key(&host, port);
    assert_eq!(availability::get(&key), Availability::Unavailable);
}

#[test]
fn outage_aborts_the_call_within_the_bound() {
    let _serial = serial();
    let cluster = cluster(1);
    outage_case(&cluster, 1000, 500, 2, Duration::from_secs(3));
    outage_case(&cluster, 2000, 1000, 1, Duration::from_secs(3));
    // The outage starts before the detection time has elapsed.
    outage_case(&cluster, 3000, 500, 2, Duration::from_secs(1));
    outage_case(&cluster, 1500, 300, 3, Duration::from_millis(2200));
}

#[test]
fn disabled_monitoring_never_aborts() {
    let _serial = serial();
    let cluster = cluster(1);
    let id = cluster.writer_id();
    let s = settings(
        &cluster,
        &id,
        &[
            ("failure_detection_enabled", "0"),
            ("failure_detection_time_ms", "500"),
            ("failure_detection_interval_ms", "100"),
            ("failure_detection_count", "1"),
        ],
    );
    assert!(Pipeline::build(&s, auroraodbc::plugins::factory)
        .expect("chain")
        .is_empty());
    let mut conn = open(&s);
    let t0 = Instant::now();
    let worker = thread::spawn(move || run(&mut conn, "SELECT pg_sleep(6)"));
    thread::sleep(Duration::from_secs(1));
    cluster
        .set_fault(&id, FaultMode::BlackHole)
        .expect("black hole");
    thread::sleep(Duration::from_secs(3));
    assert!(!worker.is_finished(), "the call must wait out the outage");
    cluster
        .set_fault(&id, FaultMode::PassThrough)
        .expect("pass through");
    let rows = worker
        .join()
        .expect("worker")
        .expect("the call completes once the outage ends");
    assert_eq!(rows, 1);
    assert!(t0.elapsed() >= Duration::from_secs(6));
}

#[test]
fn a_slow_but_healthy_host_is_not_aborted() {
    let _serial = serial();
    let cluster = cluster(1);
    let id = cluster.writer_id();
    let s = settings(
        &cluster,
        &id,
        &[
            ("failure_detection_time_ms", "200"),
            ("failure_detection_interval_ms", "100"),
            ("failure_detection_count", "1"),
        ],
    );
    let mut conn = open(&s);
    let t0 = Instant::now();
    assert_eq!(
        run(&mut conn, "SELECT pg_sleep(5)").expect("pg_sleep(5) completes"),
        1
    );
    assert!(t0.elapsed() >= Duration::from_secs(5));
    assert_eq!(run(&mut conn, "SELECT 1").expect("still usable"), 1);
}

#[test]
fn one_monitor_aborts_every_connection_to_the_host() {
    let _serial = serial();
    let cluster = cluster(1);
    let id = cluster.writer_id();
    let s = settings(
        &cluster,
        &id,
        &[
            ("failure_detection_time_ms", "500"),
            ("failure_detection_interval_ms", "500"),
            ("failure_detection_count", "2"),
            ("monitoring-application_name", "hm-several-watch"),
        ],
    );
    let t0 = Instant::now();
    let workers: Vec<_> = (0..5)
        .map(|_| {
            let mut conn = open(&s);
            thread::spawn(move || (run(&mut conn, "SELECT pg_sleep(60)"), Instant::now()))
        })
        .collect();
    thread::sleep(Duration::from_secs(2));
    let watchers = cluster
        .query(
            &id,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hm-several-watch'",
        )
        .expect("pg_stat_activity");
    assert_eq!(
        watchers, "1",
        "one monitoring connection for five watched connections"
    );
    let t1 = Instant::now();
    cluster
        .set_fault(&id, FaultMode::BlackHole)
        .expect("black hole");
    let bound = abort_deadline(t0, t1, 500, 500, 2);
    for w in workers {
        let (out, ended) = w.join().expect("worker");
        let err = out.expect_err("aborted");
        assert_eq!(err.sqlstate_str(), "08S01");
        assert!(
            ended <= bound,
            "aborted {} ms after the outage, the bound is {} ms",
            ms(ended - t1),
            ms(bound - t1)
        );
    }
    cluster
        .set_fault(&id, FaultMode::PassThrough)
        .expect("pass through");
    eprintln!(
        "five connections aborted {} ms into the run",
        ms(t0.elapsed())
    );
}

fn count_app(cluster: &Cluster, id: &str, app: &str) -> String {
    cluster
        .query(
            id,
            &format!("SELECT count(*) FROM pg_stat_activity WHERE application_name = '{app}'"),
        )
        .expect("pg_stat_activity")
}

#[test]
fn monitoring_prefix_disposal_and_release() {
    let _serial = serial();
    let cluster = cluster(1);
    let id = cluster.writer_id();
    let s = settings(
        &cluster,
        &id,
        &[
            ("application_name", "hm-app"),
            ("monitoring-application_name", "hm-watch"),
            ("monitoring-connect_timeout", "5"),
            ("failure_detection_time_ms", "200"),
            ("failure_detection_interval_ms", "200"),
            ("monitor_disposal_time_ms", "1500"),
        ],
    );
    let mut conn = open(&s);
    assert_eq!(run(&mut conn, "SELECT pg_sleep(1)").expect("runs"), 1);
    // The monitoring connection carries the monitoring- name, the user connection its own.
    assert_eq!(count_app(&cluster, &id, "hm-watch"), "1");
    assert_eq!(count_app(&cluster, &id, "hm-app"), "1");
    // Disposal: no watched call for 1.5 s stops the monitor and closes its connection.
    let idle = Instant::now();
    assert!(
        eventually(Duration::from_secs(5), || count_app(
            &cluster, &id, "hm-watch"
        ) == "0"),
        "not disposed"
    );
    eprintln!(
        "monitoring connection gone {} ms after the last call",
        ms(idle.elapsed())
    );
    assert!(
        idle.elapsed() >= Duration::from_millis(1000),
        "disposed too early"
    );

    // The next call starts a new monitor; release_all stops it at once.
    assert_eq!(run(&mut conn, "SELECT pg_sleep(0.5)").expect("runs"), 1);
    assert_eq!(count_app(&cluster, &id, "hm-watch"), "1");
    let released = Instant::now();
    auroraodbc::plugins::release_all();
    assert!(
        eventually(Duration::from_secs(3), || count_app(
            &cluster, &id, "hm-watch"
        ) == "0"),
        "not released"
    );
    eprintln!(
        "monitoring connection gone {} ms after release_all",
        ms(released.elapsed())
    );
    assert_eq!(live_monitors(), 0);
    // The connection still works and is monitored again.
    assert_eq!(
        run(&mut conn, "SELECT pg_sleep(0.5)").expect("runs after release"),
        1
    );
    assert_eq!(count_app(&cluster, &id, "hm-watch"), "1");
    auroraodbc::plugins::release_all();
}

fn threads_named(prefix: &str) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    dir.flatten()
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.starts_with(prefix))
        })
        .count()
}

fn status_field(name: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[test]
fn scale_one_monitoring_connection_per_host() {
    let _serial = serial();
    // 1,002 calls in flight: each instance allows 360 connections here.
    const PER_HOST: usize = 334;
    let cluster = Cluster::start(ClusterOptions {
        replicas: 2,
        max_connections: 360,
        ..Default::default()
    })
    .expect("the stand-in cluster starts");
    let ids = cluster.instance_ids();
    let extra = [
        ("application_name", "hm-scale-app"),
        ("monitoring-application_name", "hm-scale-watch"),
        ("failure_detection_time_ms", "300"),
        ("failure_detection_interval_ms", "500"),
        ("failure_detection_count", "3"),
    ];
    let opened = Instant::now();
    let mut conns = Vec::new();
    for id in &ids {
        let s = settings(&cluster, id, &extra);
        // Opened from a few threads: each login does a SCRAM exchange.
        let batch: Vec<_> = (0..2)
            .map(|_| {
                let s = s.clone();
                thread::spawn(move || (0..PER_HOST / 2).map(|_| open(&s)).collect::<Vec<_>>())
            })
            .collect();
        for b in batch {
            conns.extend(b.join().expect("open batch"));
        }
    }
    eprintln!(
        "{} connections opened in {} ms",
        conns.len(),
        ms(opened.elapsed())
    );
    let total = conns.len();
    let start = Arc::new(std::sync::Barrier::new(total + 1));
    let workers: Vec<_> = conns
        .into_iter()
        .map(|mut conn| {
            let start = start.clone();
            thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    start.wait();
                    run(&mut conn, "SELECT pg_sleep(3)")
                })
                .expect("spawn")
        })
        .collect();
    start.wait();
    thread::sleep(Duration::from_millis(1500));
    for id in &ids {
        let busy = cluster
            .query(id, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hm-scale-app' AND query LIKE '%pg_sleep%' AND state = 'active'")
            .expect("pg_stat_activity");
        assert_eq!(busy, PER_HOST.to_string(), "calls in flight on {id}");
        assert_eq!(
            count_app(&cluster, id, "hm-scale-watch"),
            "1",
            "monitoring connections on {id}"
        );
    }
    let all = status_field("Threads:");
    let driver = threads_named("auroraodbc-rt");
    eprintln!("{total} monitored calls in flight on {} hosts: {all} OS threads in the process ({total} application threads; driver runtime threads: {driver}); VmRSS {} kB", ids.len(), status_field("VmRSS:"));
    assert!(driver <= 4, "driver threads: {driver}");
    for w in workers {
        assert_eq!(
            w.join()
                .expect("worker")
                .expect("no abort on healthy hosts"),
            1
        );
    }
    auroraodbc::plugins::release_all();
}

#[test]
fn churn_keeps_memory_flat() {
    let _serial = serial();
    // Monitors an earlier test left to expire would be counted below and could expire during
    // the churn: start with none, so the count is this host's monitor alone.
    auroraodbc::plugins::release_all();
    let cluster = cluster(1);
    let id = cluster.writer_id();
    let s = settings(
        &cluster,
        &id,
        &[
            ("failure_detection_time_ms", "1000"),
            ("failure_detection_interval_ms", "500"),
        ],
    );
    let mut conn = open(&s);
    let prepared = conn
        .call(CallKind::Prepare, |c| c.session.prepare("SELECT 1"))
        .expect("prepare");
    for _ in 0..5_000 {
        execute(&mut conn, &prepared).expect("warm-up");
    }
    let before = status_field("VmRSS:");
    let t = Instant::now();
    for _ in 0..100_000 {
        execute(&mut conn, &prepared).expect("SELECT 1");
    }
    let after = status_field("VmRSS:");
    eprintln!(
        "100000 monitored calls in {} ms: VmRSS {before} kB before, {after} kB after",
        ms(t.elapsed())
    );
    assert!(
        after.saturating_sub(before) < 4 * 1024,
        "RSS grew {} kB over 100000 calls",
        after.saturating_sub(before)
    );
    // Connection churn: every new connection reuses the host's monitor, and what a closed
    // connection held is given back. A few connections first fill the allocator's pools.
    let monitors = live_monitors();
    let churn = |n: usize| {
        for _ in 0..n {
            let mut c = open(&s);
            run(&mut c, "SELECT 1").expect("SELECT 1");
        }
    };
    churn(20);
    let churn_before = status_field("VmRSS:");
    churn(200);
    let churn_after = status_field("VmRSS:");
    eprintln!("200 more connections: VmRSS {churn_before} kB before, {churn_after} kB after");
    assert_eq!(
        live_monitors(),
        monitors,
        "one monitor for the host throughout"
    );
    // 4 MB over 200 connections: a leak of 20 kB per connection would show.
    assert!(
        churn_after.saturating_sub(churn_before) < 4 * 1024,
        "RSS grew {} kB over 200 connections",
        churn_after.saturating_sub(churn_before)
    );
    auroraodbc::plugins::release_all();
}

/// End to end through unixODBC: the driver .so, loaded by isql, aborts a blocked SQLExecDirect
/// and the next statement on the same connection fails too.
#[test]
fn odbc_call_fails_fast_with_the_host_named() {
    let _serial = serial();
    let cluster = cluster(1);
    let id = cluster.writer_id();
    let host = cluster.instance_host(&id);
    let keys = with_extra(
        host_pairs(&cluster, &host),
        &[
            ("failure_detection_time_ms", "1000"),
            ("failure_detection_interval_ms", "500"),
            ("failure_detection_count", "2"),
            ("plugins", "host_monitoring"),
        ],
    );
    let config = common::OdbcConfig::new(&[("efm", keys)]);
    let cut = Duration::from_secs(3);
    let started = Instant::now();
    let (stdout, stderr) = thread::scope(|scope| {
        let run = scope.spawn(|| config.isql("efm", &[], "SELECT pg_sleep(60)\nSELECT 1\n"));
        thread::sleep(cut);
        cluster
            .set_fault(&id, FaultMode::BlackHole)
            .expect("black hole");
        run.join().expect("isql")
    });
    let took = started.elapsed();
    cluster
        .set_fault(&id, FaultMode::PassThrough)
        .expect("pass through");
    let text = format!("{stdout}{stderr}");
    eprintln!("{text}isql ran {} ms", ms(took));
    let aborts: Vec<&str> = text.lines().filter(|l| l.contains("[08S01]")).collect();
    assert_eq!(aborts.len(), 2, "both statements fail with 08S01:\n{text}");
    assert!(
        aborts
            .iter()
            .all(|l| l.contains(&host) && l.contains("unavailable")),
        "{text}"
    );
    // Outage at 3 s, detection time 1 s: aborted by the bound after the outage, plus isql's
    // start and exit (2.5 s on a loaded machine).
    let bound = abort_deadline(started, started + cut, 1000, 500, 2) - started;
    assert!(
        took < bound + Duration::from_millis(2500),
        "took {} ms, the bound is {} ms",
        ms(took),
        ms(bound)
    );
}
