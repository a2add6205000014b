//! The failover plugin against the stand-in cluster: at the engine level with only `failover`
//! in the chain (so nothing here depends on host monitoring), and once end to end through
//! unixODBC and a C program.

mod common;
mod fixtures;
mod support;

use auroraodbc::engine::availability::{self, Availability};
use auroraodbc::engine::error::{EngineError, EngineResult};
use auroraodbc::engine::pipeline::{CallKind, EngineConnection, SessionCharacteristics};
use auroraodbc::engine::selection::{self, HostFilter};
use auroraodbc::engine::settings::Settings;
use auroraodbc::engine::topology;
use auroraodbc::odbc::conn::{connect_options, ConnAttrs};
use fixtures::{host_pairs, instance_of, open_connection, resolve, with_extra};
use std::io::{BufRead, BufReader, Write};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};
use support::{Cluster, ClusterOptions, FaultMode, TEST_DATABASE, TEST_PASSWORD, TEST_USER};

/// Each test gets its own DNS hash: the topology cache is process-wide and keyed by the host
/// pattern, and tests run in parallel on clusters with the same instance names.
fn cluster(hash: &str, replicas: usize) -> Cluster {
    Cluster::start(ClusterOptions {
        replicas,
        dns_hash: hash.into(),
        ..Default::default()
    })
    .expect("start cluster")
}

/// Settings that reach `host` with only `failover` in the chain; `extra` replaces any of them.
fn settings(cluster: &Cluster, host: &str, extra: &[(&str, &str)]) -> Arc<Settings> {
    let mut pairs = host_pairs(cluster, host);
    for (k, v) in [
        ("connect_timeout", "5"),
        ("plugins", "failover"),
        ("failover_timeout_ms", "20000"),
        ("failover_reader_connect_timeout_ms", "2000"),
    ] {
        pairs.push((k.into(), v.into()));
    }
    Arc::new(resolve(&with_extra(pairs, extra)))
}

/// Opens a connection the way the ODBC layer does: pipeline connect, then `connected`.
fn open(cluster: &Cluster, host: &str, extra: &[(&str, &str)]) -> EngineConnection {
    let settings = settings(cluster, host, extra);
    let options = connect_options(&settings, &ConnAttrs::default()).expect("options");
    let characteristics = SessionCharacteristics {
        autocommit: true,
        ..Default::default()
    };
    let conn = open_connection(settings, options, characteristics).expect("connect");
    if !extra.iter().any(|(k, _)| k.eq_ignore_ascii_case("plugins")) {
        assert_eq!(conn.pipeline.codes_loaded(), vec!["failover"]);
    }
    conn
}

fn one_value(conn: &mut EngineConnection, sql: &str) -> EngineResult<String> {
    conn.call(CallKind::Execute, |c| {
        let rows = c.session.query_now(sql)?;
        Ok(rows
            .first()
            .and_then(|r| r.try_get::<_, Option<String>>(0).ok().flatten())
            .unwrap_or_default())
    })
}

fn expect_state(result: EngineResult<String>, state: &str) -> EngineError {
    match result {
        Ok(v) => panic!("expected SQLSTATE {state}, got a result: {v}"),
        Err(e) => {
            assert_eq!(e.sqlstate_str(), state, "unexpected error: {e}");
            e
        }
    }
}

/// Crashes an instance: SIGKILL, and its proxy resets every socket, so that backends that
/// outlive their postmaster for a moment cannot answer a test that expects silence.
fn crash(cluster: &Cluster, id: &str) -> support::Result<()> {
    cluster.kill(id)?;
    cluster.set_fault(id, FaultMode::Reset)
}

/// Cuts the connection's socket the way host monitoring does when it finds a host dead.
fn monitor_abort(conn: &EngineConnection, host: &str, port: u16) {
    availability::mark(
        &availability::host_key(host, port),
        Availability::Unavailable,
    );
    conn.session
        .killer()
        .kill(EngineError::communication(format!(
            "host {host} was found unavailable by host monitoring"
        )));
}

#[test]
fn writer_killed_then_replica_promoted() {
    let cluster = cluster("fowriter", 2);
    let old_writer = cluster.writer_id();
    let new_writer = cluster.reader_ids()[0].clone();
    let mut conn = open(&cluster, &cluster.cluster_endpoint_host(), &[]);
    assert_eq!(conn.instance_id.as_deref(), Some(old_writer.as_str()));
    assert!(
        topology::cached("?.fowriter.us-east-1.rds.amazonaws.com").is_some(),
        "topology cached at connect"
    );
    // The application chose serializable and read-only; failover must bring both back.
    conn.characteristics.isolation = Some("SERIALIZABLE");
    conn.characteristics.read_only = Some(true);
    conn.call(CallKind::SetAttribute, |c| {
        c.session.run_command(
            "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY",
        )
    })
    .expect("set characteristics");

    // A server error is not a connection failure.
    let e = expect_state(
        one_value(&mut conn, "SELECT nonsense FROM nowhere"),
        "42P01",
    );
    assert!(!e.message.contains("failover"));
    assert_eq!(conn.generation, 0);

    // Crash the writer; promote a replica a moment later, while failover is already waiting.
    crash(&cluster, &old_writer).expect("kill writer");
    let promoted = std::thread::scope(|s| {
        let promoter = s.spawn(|| {
            std::thread::sleep(Duration::from_millis(500));
            cluster.promote(&new_writer)
        });
        let started = Instant::now();
        let e = expect_state(instance_of(&mut conn), "08S02");
        assert!(
            e.message.contains(&new_writer),
            "message names the new instance: {e}"
        );
        assert!(promoter.join().expect("promoter").is_ok());
        started.elapsed()
    });
    assert!(
        promoted >= Duration::from_millis(400),
        "failover waited for the promotion ({promoted:?})"
    );
    assert_eq!(conn.instance_id.as_deref(), Some(new_writer.as_str()));
    assert_eq!(conn.generation, 1);
    assert_eq!(
        instance_of(&mut conn).expect("runs on the new writer"),
        new_writer
    );
    assert_eq!(
        one_value(&mut conn, "SHOW transaction_isolation").expect("isolation"),
        "serializable"
    );
    assert_eq!(
        one_value(&mut conn, "SHOW default_transaction_read_only").expect("access mode"),
        "on"
    );
    assert_eq!(
        one_value(&mut conn, "SELECT pg_is_in_recovery()::text").expect("role"),
        "false"
    );
}

#[test]
fn same_writer_back_after_a_reset() {
    let cluster = cluster("foreset", 1);
    let writer = cluster.writer_id();
    let mut conn = open(&cluster, &cluster.cluster_endpoint_host(), &[]);
    // Every socket to the writer is reset, and new ones too, for a moment; no promotion.
    cluster.set_fault(&writer, FaultMode::Reset).expect("reset");
    let restore = std::thread::scope(|s| {
        let back = s.spawn(|| {
            std::thread::sleep(Duration::from_millis(700));
            cluster.set_fault(&writer, FaultMode::PassThrough)
        });
        let e = expect_state(instance_of(&mut conn), "08S02");
        assert!(e.message.contains(&writer), "{e}");
        back.join().expect("restore")
    });
    restore.expect("pass through again");
    assert_eq!(instance_of(&mut conn).expect("same writer again"), writer);
    assert_eq!(conn.generation, 1);
}

#[test]
fn black_holed_writer_aborted_by_monitor() {
    let cluster = cluster("foblack", 2);
    let old_writer = cluster.writer_id();
    let new_writer = cluster.reader_ids()[1].clone();
    let mut conn = open(&cluster, &cluster.cluster_endpoint_host(), &[]);
    cluster
        .set_fault(&old_writer, FaultMode::BlackHole)
        .expect("black hole");
    cluster.fail_over_to(&new_writer).expect("promote");
    let old = cluster.instance(&old_writer).expect("old writer");
    let killer = conn.session.killer();
    let cut = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        availability::mark(
            &availability::host_key(&old.host, old.proxy_port),
            Availability::Unavailable,
        );
        killer.kill(EngineError::communication(format!(
            "host {} was found unavailable by host monitoring",
            old.host
        )));
    });
    // The call hangs in the black hole until the (simulated) monitor cuts it.
    let started = Instant::now();
    expect_state(one_value(&mut conn, "SELECT 'hello'"), "08S02");
    let took = started.elapsed();
    cut.join().expect("cut");
    assert!(
        took < Duration::from_secs(5),
        "black-holed old writer must not stall failover ({took:?})"
    );
    assert_eq!(instance_of(&mut conn).expect("new writer"), new_writer);
}

#[test]
fn transaction_open_gives_08007_and_the_next_transaction_works() {
    let cluster = cluster("fotxn", 1);
    let old_writer = cluster.writer_id();
    let new_writer = cluster.reader_ids()[0].clone();
    cluster
        .query(
            &old_writer,
            "CREATE TABLE items (n int); GRANT ALL ON items TO auroraodbc;",
        )
        .expect("table");
    let mut conn = open(&cluster, &cluster.cluster_endpoint_host(), &[]);
    conn.call(CallKind::Execute, |c| {
        c.session.begin_if_needed()?;
        c.session.run_command("INSERT INTO items VALUES (1)")
    })
    .expect("first statement of the transaction");
    cluster.fail_over_to(&new_writer).expect("failover");
    let e = expect_state(
        conn.call(CallKind::Execute, |c| {
            c.session
                .run_command("INSERT INTO items VALUES (2)")
                .map(|_| String::new())
        }),
        "08007",
    );
    assert!(e.message.contains("outcome is unknown"), "{e}");
    assert!(
        !conn.session.in_transaction(),
        "no transaction open on the replacement"
    );
    conn.call(CallKind::Execute, |c| {
        c.session.begin_if_needed()?;
        c.session.run_command("INSERT INTO items VALUES (3)")
    })
    .expect("next transaction");
    conn.call(CallKind::EndTransaction, |c| {
        c.session.end_transaction(true)
    })
    .expect("commit");
    assert_eq!(
        one_value(&mut conn, "SELECT string_agg(n::text, ',') FROM items").expect("rows"),
        "3"
    );
    assert_eq!(conn.instance_id.as_deref(), Some(new_writer.as_str()));

    // A COMMIT whose connection breaks: its outcome is unknown too.
    conn.call(CallKind::Execute, |c| {
        c.session.begin_if_needed()?;
        c.session.run_command("INSERT INTO items VALUES (4)")
    })
    .expect("open a transaction");
    conn.session
        .killer()
        .kill(EngineError::communication("cut during commit"));
    let e = conn
        .call(CallKind::EndTransaction, |c| {
            c.session.end_transaction(true)
        })
        .expect_err("commit fails");
    assert_eq!(e.sqlstate_str(), "08007", "{e}");
}

#[test]
fn strict_reader_moves_to_another_reader_and_reader_or_writer_falls_back_to_the_writer() {
    let cluster = cluster("foreader", 2);
    let writer = cluster.writer_id();
    // strict_reader through the reader endpoint: the reader it lands on dies.
    let mut strict = open(
        &cluster,
        &cluster.reader_endpoint_host(),
        &[("failover_mode", "strict_reader")],
    );
    // Default mode for a reader endpoint is reader_or_writer.
    let mut either = open(&cluster, &cluster.reader_endpoint_host(), &[]);
    let first = strict.instance_id.clone().expect("instance id");
    assert_ne!(first, writer);
    let other = cluster
        .reader_ids()
        .into_iter()
        .find(|r| *r != first)
        .expect("other reader");
    crash(&cluster, &first).expect("kill reader");
    expect_state(instance_of(&mut strict), "08S02");
    assert_eq!(instance_of(&mut strict).expect("other reader"), other);
    assert_eq!(
        one_value(&mut strict, "SELECT pg_is_in_recovery()::text").expect("role"),
        "true"
    );

    // Now every reader is down: reader_or_writer lands on the writer.
    crash(&cluster, &other).expect("kill second reader");
    expect_state(instance_of(&mut either), "08S02");
    assert_eq!(instance_of(&mut either).expect("writer"), writer);

    // strict_reader never takes the writer: with no reader left it fails with 08S01.
    let mut strict_short = open(
        &cluster,
        &cluster.cluster_endpoint_host(),
        &[
            ("failover_mode", "strict_reader"),
            ("failover_timeout_ms", "1000"),
        ],
    );
    strict_short
        .session
        .killer()
        .kill(EngineError::communication("cut"));
    let e = expect_state(instance_of(&mut strict_short), "08S01");
    assert!(
        e.to_string().contains(&first) || e.to_string().contains(&other),
        "lists what was tried: {e}"
    );
}

#[test]
fn least_connections_sends_a_reader_failover_to_the_least_used_reader() {
    let cluster = cluster("foleast", 2);
    let readers = cluster.reader_ids();
    let (busy, idle) = (readers[0].clone(), readers[1].clone());
    // Connections are counted by the host and port they reached the instance with.
    let seat = |c: &EngineConnection| format!("{}:{}", c.options.host, c.options.port);
    // Two application connections on one reader: each counts there while it lives.
    let held: Vec<EngineConnection> = (0..2)
        .map(|_| open(&cluster, &cluster.instance_host(&busy), &[]))
        .collect();
    assert!(held
        .iter()
        .all(|c| c.instance_id.as_deref() == Some(busy.as_str())));
    let busy_seat = seat(&held[0]);
    assert_eq!(selection::connections_on(&busy_seat), 2);
    for round in 0..3 {
        let mut moving = open(
            &cluster,
            &cluster.cluster_endpoint_host(),
            &[
                ("failover_mode", "strict_reader"),
                ("reader_host_selector_strategy", "least_connections"),
            ],
        );
        moving
            .session
            .killer()
            .kill(EngineError::communication("cut"));
        expect_state(instance_of(&mut moving), "08S02");
        assert_eq!(
            instance_of(&mut moving).expect("reader"),
            idle,
            "round {round}: the reader without connections"
        );
        let idle_seat = seat(&moving);
        assert_ne!(idle_seat, busy_seat);
        assert_eq!(selection::connections_on(&idle_seat), 1);
        drop(moving);
        assert_eq!(selection::connections_on(&idle_seat), 0);
    }
    drop(held);
    assert_eq!(selection::connections_on(&busy_seat), 0);
}

#[test]
fn nothing_reachable_gives_08s01_after_the_timeout_and_plain_postgres_is_left_alone() {
    let cluster = cluster("fonone", 2);
    let mut conn = open(
        &cluster,
        &cluster.cluster_endpoint_host(),
        &[("failover_timeout_ms", "1500")],
    );
    let mut plain = open(
        &cluster,
        &cluster.cluster_endpoint_host(),
        &[("database_dialect", "postgresql")],
    );
    for r in cluster.reader_ids() {
        cluster.set_fault(&r, FaultMode::Refuse).expect("refuse");
    }
    crash(&cluster, &cluster.writer_id()).expect("kill writer");
    let started = Instant::now();
    let e = expect_state(instance_of(&mut conn), "08S01");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1400) && took < Duration::from_secs(6),
        "gave up after {took:?}"
    );
    let text = e.to_string();
    assert!(text.contains("within 1500 ms"), "{text}");
    for id in cluster.instance_ids() {
        assert!(
            text.contains(&id),
            "{id} missing from what was tried: {text}"
        );
    }
    assert_eq!(conn.generation, 0);
    // Later calls try again, and fail the same way while nothing is back.
    expect_state(instance_of(&mut conn), "08S01");

    // With the dialect forced to plain PostgreSQL, failover stays out of the way.
    let e = expect_state(instance_of(&mut plain), "08S01");
    assert!(!e.message.contains("failover"), "{e}");
    assert_eq!(plain.generation, 0);
}

#[test]
fn several_threads_each_with_a_connection_recover() {
    const THREADS: usize = 4;
    let cluster = cluster("fothreads", 1);
    let new_writer = cluster.reader_ids()[0].clone();
    let barrier = Barrier::new(THREADS + 1);
    let results: Vec<(Vec<String>, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    let mut conn = open(&cluster, &cluster.cluster_endpoint_host(), &[]);
                    barrier.wait();
                    let deadline = Instant::now() + Duration::from_secs(40);
                    let mut states = Vec::new();
                    loop {
                        match instance_of(&mut conn) {
                            Ok(id) if id == new_writer => return (states, id),
                            Ok(_) => std::thread::sleep(Duration::from_millis(10)),
                            Err(e) => states.push(e.sqlstate_str().to_string()),
                        }
                        assert!(
                            Instant::now() < deadline,
                            "thread did not recover: {states:?}"
                        );
                    }
                })
            })
            .collect();
        barrier.wait();
        std::thread::sleep(Duration::from_millis(100));
        cluster.fail_over_to(&new_writer).expect("failover");
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    for (states, id) in results {
        assert_eq!(id, new_writer);
        assert_eq!(
            states,
            vec!["08S02".to_string()],
            "each connection fails exactly one call"
        );
    }
}

#[test]
fn host_filter_is_never_left() {
    let cluster = cluster("fofilter", 2);
    let member = cluster.reader_ids()[1].clone();
    let mut conn = open(
        &cluster,
        &cluster.cluster_endpoint_host(),
        &[
            ("failover_mode", "reader_or_writer"),
            ("failover_timeout_ms", "1500"),
        ],
    );
    // What the custom endpoint plugin does for an endpoint whose only member is `member`.
    let only = member.clone();
    conn.host_filter = HostFilter::new(move |i| i.id == only);
    for round in 0..20 {
        let (host, port) = (conn.options.host.clone(), conn.options.port);
        monitor_abort(&conn, &host, port);
        expect_state(instance_of(&mut conn), "08S02");
        assert_eq!(
            conn.instance_id.as_deref(),
            Some(member.as_str()),
            "round {round}"
        );
        assert_eq!(
            instance_of(&mut conn).expect("works"),
            member,
            "round {round}"
        );
    }
    assert_eq!(conn.generation, 20);
    // With the only member gone, failover fails rather than leave the endpoint.
    crash(&cluster, &member).expect("kill member");
    let e = expect_state(instance_of(&mut conn), "08S01");
    assert!(e.to_string().contains(&member), "{e}");
}

/// Reads lines from the child until one starts with `prefix`; returns it.
fn wait_for_line(
    lines: &mut impl Iterator<Item = std::io::Result<String>>,
    prefix: &str,
    seen: &mut Vec<String>,
) -> String {
    for line in lines.by_ref() {
        let line = line.expect("read child output");
        seen.push(line.clone());
        if line.starts_with(prefix) {
            return line;
        }
    }
    panic!("child ended before printing {prefix}:\n{}", seen.join("\n"));
}

#[test]
fn end_to_end_through_the_driver_manager() {
    let cluster = cluster("foodbc", 1);
    let old_writer = cluster.writer_id();
    let new_writer = cluster.reader_ids()[0].clone();
    let config = common::OdbcConfig::new(&[]);
    let bin = common::build_c_program(&config, "failover.c");
    // No `plugins` key: the default chain must carry failover.
    let conn_str = format!(
        "Driver=auroraodbc;Server={};Port=5432;Database={TEST_DATABASE};UID={TEST_USER};PWD={TEST_PASSWORD};\
         host_address_map={{{}}};failover_timeout_ms=20000;connect_timeout=5",
        cluster.cluster_endpoint_host(),
        cluster.host_map()
    );
    let mut child = config.spawn(
        bin.to_str().expect("path"),
        &[&conn_str],
        Duration::from_secs(120),
    );
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let before = wait_for_line(&mut lines, "BEFORE ", &mut seen);
    assert_eq!(before, format!("BEFORE {old_writer}"));
    wait_for_line(&mut lines, "READY", &mut seen);
    cluster.fail_over_to(&new_writer).expect("failover");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"go\n").expect("tell the program to go on");
    }
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    seen.extend(rest);
    let output = child.wait_with_output().expect("wait");
    let text = format!(
        "{}\n{}",
        seen.join("\n"),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "C program failed:\n{text}");
    assert!(seen.iter().any(|l| l == "FAILED_CALL 08S02"), "{text}");
    assert!(
        seen.iter().any(|l| *l == format!("AFTER {new_writer}")),
        "{text}"
    );
    assert!(
        seen.iter().any(|l| *l == format!("DIRECT {new_writer}")),
        "{text}"
    );
    assert!(seen.iter().any(|l| l == "STALE_CURSOR 08S02"), "{text}");
    assert!(seen.iter().any(|l| l == "RERUN 10"), "{text}");
    assert!(seen.iter().any(|l| l == "done"), "{text}");
}

#[test]
fn real_monitor_abort_then_failover_in_one_chain() {
    // Host monitoring and failover together, nothing simulated: the writer stops answering
    // under a long query, the monitor aborts the call, failover finds the promoted replica.
    let cluster = cluster("foefmreal", 2);
    let old_writer = cluster.writer_id();
    let new_writer = cluster.reader_ids()[1].clone();
    let conn = open(
        &cluster,
        &cluster.cluster_endpoint_host(),
        &[
            ("plugins", "failover,host_monitoring"),
            ("failure_detection_time_ms", "1000"),
            ("failure_detection_interval_ms", "500"),
            ("failure_detection_count", "2"),
        ],
    );
    assert_eq!(
        conn.pipeline.codes_loaded(),
        vec!["failover", "host_monitoring"]
    );
    let started = Instant::now();
    let worker = std::thread::spawn(move || {
        let mut conn = conn;
        let out = one_value(&mut conn, "SELECT pg_sleep(30)::text");
        let ended = Instant::now();
        let after = instance_of(&mut conn);
        (out, ended, after)
    });
    std::thread::sleep(Duration::from_millis(1500));
    let outage = Instant::now();
    cluster
        .set_fault(&old_writer, FaultMode::BlackHole)
        .expect("black hole");
    cluster.fail_over_to(&new_writer).expect("promote");
    let (out, ended, after) = worker.join().expect("worker");
    let err = expect_state(out, "08S02");
    assert!(err.message.contains(&new_writer), "{err}");
    assert!(ended > outage, "the call ended before the outage");
    // Detection: interval x count after the outage (+ slack), then the reconnect.
    assert!(
        ended - outage < Duration::from_secs(8),
        "the failed call took {:?} after the outage (started {:?} before it)",
        ended - outage,
        outage - started
    );
    assert_eq!(after.expect("the same connection works"), new_writer);
}
