//! The initial connection and connection tracker plugins against the stand-in cluster, through
//! unixODBC and pyodbc with the default plugin chain.
//!
//! Stale DNS is stood in by a `host_address_map` taken before a failover: it still sends the
//! cluster (writer) endpoint to the old writer, which is then rebuilt as a replica of the new
//! writer, as Aurora brings a failed-over writer back as a reader; and it sends the reader
//! endpoint to the instance that was just promoted.

mod common;
mod fixtures;
mod support;

use auroraodbc::engine::pipeline::SessionCharacteristics;
use auroraodbc::odbc::conn::{connect_options, ConnAttrs};
use common::OdbcConfig;
use fixtures::{host_pairs, instance_of, open_connection, resolve, with_extra};
use std::io::{BufRead, BufReader, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{Cluster, ClusterOptions, FaultMode, TEST_DATABASE, TEST_PASSWORD, TEST_USER};

/// Each test its own DNS hash: the topology cache and the tracker are process-wide.
fn cluster(hash: &str, replicas: usize) -> Cluster {
    Cluster::start(ClusterOptions {
        replicas,
        dns_hash: hash.into(),
        ..Default::default()
    })
    .expect("start cluster")
}

/// DSN keys reaching `server` through `host_map`, with the default chain unless `extra` says
/// otherwise.
fn dsn(server: &str, host_map: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = vec![
        ("Server".into(), server.into()),
        ("Port".into(), "5432".into()),
        ("Database".into(), TEST_DATABASE.into()),
        ("UID".into(), TEST_USER.into()),
        ("PWD".into(), TEST_PASSWORD.into()),
        ("host_address_map".into(), host_map.into()),
        ("connect_timeout".into(), "5".into()),
    ];
    for (k, v) in extra {
        keys.retain(|(key, _)| !key.eq_ignore_ascii_case(k));
        keys.push((k.to_string(), v.to_string()));
    }
    keys
}

/// One line of `initial_connection.py`: (instance, in recovery, write outcome).
fn landings(output: &str) -> Vec<(String, bool, String)> {
    output
        .lines()
        .filter_map(|l| l.strip_prefix("conn "))
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(parts.len(), 3, "bad line {l:?}");
            (parts[0].to_string(), parts[1] == "t", parts[2].to_string())
        })
        .collect()
}

fn connect_ms(output: &str) -> f64 {
    output
        .lines()
        .find_map(|l| l.strip_prefix("connect_ms "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no connect_ms line in:\n{output}"))
}

fn run_script(config: &OdbcConfig, dsn_name: &str, count: usize, mode: &str) -> String {
    config.python(
        include_str!("py/initial_connection.py"),
        &[dsn_name, &count.to_string(), mode],
    )
}

#[test]
fn stale_writer_dns_lands_every_connection_on_the_new_writer() {
    let cluster = cluster("icstale", 2);
    let old_writer = cluster.writer_id();
    let new_writer = cluster.reader_ids()[0].clone();
    let other_reader = cluster.reader_ids()[1].clone();
    // DNS as it was before the failover.
    let stale_map = cluster.host_map();
    cluster.fail_over_to(&new_writer).expect("failover");
    // Aurora brings the old writer back as a reader: rebuilt as a replica of the new writer.
    cluster
        .restart(&old_writer)
        .expect("old writer back as a replica");
    assert_eq!(
        cluster
            .query(&old_writer, "SELECT pg_is_in_recovery()")
            .expect("role"),
        "t",
        "the old writer is a reader now"
    );
    cluster
        .query(
            &new_writer,
            "CREATE TABLE landed (n int, instance text); GRANT ALL ON landed TO auroraodbc;",
        )
        .expect("table");
    cluster.wait_replicated().expect("replicated");
    let writer_ep = cluster.cluster_endpoint_host();
    let reader_ep = cluster.reader_endpoint_host();
    let config = OdbcConfig::new(&[
        ("writer_default", dsn(&writer_ep, &stale_map, &[])),
        (
            "writer_without",
            dsn(
                &writer_ep,
                &stale_map,
                &[(
                    "plugins",
                    "failover,aurora_connection_tracker,host_monitoring",
                )],
            ),
        ),
        ("reader_default", dsn(&reader_ep, &stale_map, &[])),
        (
            "writer_plain",
            dsn(&writer_ep, &stale_map, &[("Database", "template1")]),
        ),
    ]);

    // Without the plugin the stale name really leads to the old writer, where writes fail.
    let control = landings(&run_script(&config, "writer_without", 1, "write"));
    assert_eq!(
        control,
        vec![(old_writer.clone(), true, "25006".to_string())],
        "the stale map must lead to the demoted old writer"
    );

    // Sessions the old writer (now a replica) has seen in the test database.
    let sessions_on_old = || -> u64 {
        std::thread::sleep(Duration::from_millis(1200));
        cluster
            .query(
                &old_writer,
                "SELECT sessions FROM pg_stat_database WHERE datname = current_database()",
            )
            .expect("sessions")
            .parse()
            .expect("a number")
    };
    let sessions_before = sessions_on_old();

    // With the default chain, 100 new connections all land on the new writer and can write.
    let out = run_script(&config, "writer_default", 100, "write");
    let landed = landings(&out);
    assert_eq!(landed.len(), 100, "{out}");
    for (i, (instance, in_recovery, outcome)) in landed.iter().enumerate() {
        assert_eq!(instance, &new_writer, "connection {i}: {out}");
        assert!(!in_recovery, "connection {i} is on a replica: {out}");
        assert_eq!(outcome, "ok", "connection {i} could not write: {out}");
    }
    assert_eq!(
        cluster
            .query(
                &new_writer,
                "SELECT count(*) || ' ' || count(DISTINCT instance) FROM landed"
            )
            .expect("rows"),
        "100 1"
    );
    // Once the endpoint was found stale, later connections go straight to the writer: only
    // the first (and psql's own reads) logged in on the old writer, not all 100.
    let extra_sessions = sessions_on_old() - sessions_before;
    assert!(
        extra_sessions <= 5,
        "{extra_sessions} sessions on the old writer for 100 connections"
    );
    eprintln!(
        "stale writer DNS: mean connect {:.2} ms, {extra_sessions} sessions on the old writer",
        connect_ms(&out)
    );

    // The stale reader endpoint names the promoted instance; readers exist, so each connection
    // moves to one of them.
    let out = run_script(&config, "reader_default", 20, "read");
    let landed = landings(&out);
    assert_eq!(landed.len(), 20, "{out}");
    for (instance, in_recovery, _) in &landed {
        assert!(*in_recovery, "reader endpoint landed on the writer: {out}");
        assert!(
            *instance == old_writer || *instance == other_reader,
            "unexpected instance {instance}: {out}"
        );
    }

    // Plain PostgreSQL (a database without Aurora's functions) is left alone, stale or not.
    let plain = config.python(
        "import sys, pyodbc\n\
         pyodbc.pooling = False\n\
         c = pyodbc.connect('DSN=writer_plain', autocommit=True)\n\
         r = c.cursor().execute(\"SELECT current_setting('cluster_name'), pg_is_in_recovery(), \
         to_regproc('aurora_replica_status') IS NULL\").fetchone()\n\
         print('plain %s %s %s' % (r[0], r[1], r[2]), flush=True)\n",
        &[],
    );
    assert!(
        plain.contains(&format!("plain {old_writer} True True")),
        "plain PostgreSQL must stay where DNS led: {plain}"
    );
}

#[test]
fn reader_endpoint_without_readers_keeps_the_writer() {
    let cluster = cluster("icnoreader", 0);
    let writer = cluster.writer_id();
    let map = cluster.host_map();
    let config = OdbcConfig::new(&[
        ("reader", dsn(&cluster.reader_endpoint_host(), &map, &[])),
        ("writer", dsn(&cluster.cluster_endpoint_host(), &map, &[])),
    ]);
    let out = run_script(&config, "reader", 3, "read");
    assert_eq!(
        landings(&out),
        vec![(writer.clone(), false, "none".to_string()); 3],
        "{out}"
    );
    let out = run_script(&config, "writer", 3, "read");
    assert_eq!(
        landings(&out),
        vec![(writer.clone(), false, "none".to_string()); 3],
        "{out}"
    );
}

/// Runs `connection_tracker.py` on DSN `name` through one failover from the current writer to
/// `to` (the old writer black-holed first, so its sockets go silent rather than closed).
/// Returns (A's outcome and ms, B's outcome and ms, the whole output).
fn tracker_round(
    cluster: &Cluster,
    config: &OdbcConfig,
    name: &str,
    to: &str,
) -> ((String, f64), (String, f64), String) {
    let script = config.dir.join(format!("connection_tracker_{name}.py"));
    std::fs::write(&script, include_str!("py/connection_tracker.py")).expect("write script");
    let mut child = config.spawn(
        "python3",
        &[script.to_str().expect("utf-8 path"), name],
        Duration::from_secs(120),
    );
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut seen: Vec<String> = Vec::new();
    let mut next = |seen: &mut Vec<String>| {
        let line = lines.next().and_then(|l| l.ok()).unwrap_or_default();
        seen.push(line.clone());
        line
    };
    let old = cluster.writer_id();
    assert_eq!(next(&mut seen), format!("a={old}"), "{seen:?}");
    assert_eq!(next(&mut seen), format!("b={old}"), "{seen:?}");
    cluster
        .set_fault(&old, FaultMode::BlackHole)
        .expect("black hole");
    cluster.fail_over_to(to).expect("failover");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"go\n")
        .expect("signal the script");
    let parse = |line: &str, name: &str| -> (String, f64) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(parts.first().copied(), Some(name), "{line:?}");
        (
            parts[1].to_string(),
            parts[2].parse().expect("milliseconds"),
        )
    };
    let a = parse(&next(&mut seen), "A");
    let b = parse(&next(&mut seen), "B");
    assert_eq!(next(&mut seen), format!("a_after={to}"), "{seen:?}");
    assert_eq!(next(&mut seen), format!("b_after={to}"), "{seen:?}");
    let output = child.wait_with_output().expect("wait");
    assert!(
        output.status.success(),
        "{seen:?}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (a, b, seen.join("\n"))
}

#[test]
fn tracker_fails_the_other_connection_over_at_once() {
    let cluster = cluster("ictrack", 2);
    let first = cluster.reader_ids()[0].clone();
    let second = cluster.reader_ids()[1].clone();
    // Host monitoring finds a silent writer within about 2 s of a call's start.
    let efm = [
        ("failure_detection_time_ms", "1000"),
        ("failure_detection_interval_ms", "500"),
        ("failure_detection_count", "2"),
        ("failover_timeout_ms", "20000"),
    ];
    let map = cluster.host_map();
    let endpoint = cluster.cluster_endpoint_host();
    let without: Vec<(&str, &str)> = efm
        .iter()
        .copied()
        .chain([("plugins", "failover,initial_connection,host_monitoring")])
        .collect();
    let config = OdbcConfig::new(&[("tracked", dsn(&endpoint, &map, &efm))]);

    // Default chain: A hangs until host monitoring gives up on the old writer, fails over,
    // and the tracker closes B's connection to the old writer at that moment.
    let (a, b, text) = tracker_round(&cluster, &config, "tracked", &first);
    assert_eq!(a.0, "08S02", "{text}");
    assert_eq!(b.0, "08S02", "B fails over too: {text}");
    assert!(a.1 >= 1000.0, "A waited for host monitoring: {text}");
    assert!(
        b.1 < 500.0 && b.1 * 4.0 < a.1,
        "B's next call must fail over at once, not wait like A: {text}"
    );
    eprintln!(
        "tracker: A (saw the failover) {:.0} ms, B {:.0} ms",
        a.1, b.1
    );

    // Without the tracker, B's next call waits on the silent old writer like A's did.
    let map = cluster.host_map();
    let config = OdbcConfig::new(&[("untracked", dsn(&endpoint, &map, &without))]);
    let (a2, b2, text) = tracker_round(&cluster, &config, "untracked", &second);
    assert_eq!(a2.0, "08S02", "{text}");
    assert_eq!(b2.0, "08S02", "{text}");
    assert!(
        b2.1 >= 1000.0,
        "without the tracker B waits for host monitoring ({text})"
    );
    eprintln!("without tracker: A {:.0} ms, B {:.0} ms", a2.1, b2.1);
}

#[test]
fn a_new_writer_read_at_connect_cuts_the_connections_on_the_old_one() {
    // No connection fails over here: a new connection's topology read at connect is what tells
    // the process that the writer changed.
    let cluster = cluster("icreadnew", 1);
    let old = cluster.writer_id();
    let new = cluster.reader_ids()[0].clone();
    let open = |map_from: &Cluster| {
        let mut pairs = host_pairs(map_from, &map_from.cluster_endpoint_host());
        pairs = with_extra(
            pairs,
            &[
                ("connect_timeout", "5"),
                ("failover_timeout_ms", "20000"),
                ("topology_refresh_rate_ms", "100"),
            ],
        );
        let settings = Arc::new(resolve(&pairs));
        let options = connect_options(&settings, &ConnAttrs::default()).expect("options");
        let characteristics = SessionCharacteristics {
            autocommit: true,
            ..Default::default()
        };
        open_connection(settings, options, characteristics).expect("connect")
    };
    let mut a = open(&cluster);
    assert_eq!(a.instance_id.as_deref(), Some(old.as_str()));
    assert!(a
        .pipeline
        .codes_loaded()
        .contains(&"aurora_connection_tracker"));
    // The old writer goes silent (its sockets stay open), a replica is promoted.
    cluster
        .set_fault(&old, FaultMode::BlackHole)
        .expect("black hole");
    cluster.fail_over_to(&new).expect("failover");
    std::thread::sleep(Duration::from_millis(200));
    let c = open(&cluster);
    assert_eq!(c.instance_id.as_deref(), Some(new.as_str()));
    // A's next call fails over at once instead of waiting on the silent host (host monitoring
    // would take 30 s + 3 x 5 s with the seed settings).
    let started = Instant::now();
    let e = instance_of(&mut a).expect_err("A was cut");
    let took = started.elapsed();
    assert_eq!(e.sqlstate_str(), "08S02", "{e}");
    assert!(took < Duration::from_secs(3), "A's call took {took:?}");
    assert_eq!(instance_of(&mut a).expect("A on the new writer"), new);
    eprintln!("cut by a topology read at connect: A failed over in {took:?}");
}
