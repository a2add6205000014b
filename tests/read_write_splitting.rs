//! Read/write splitting against the stand-in cluster: through unixODBC (a C program and a
//! pyodbc script: toggles, writes on a read-only connection, prepared statements, session
//! settings, transaction pinning, the statement-text trigger), and at the engine level with
//! `read_write_splitting,failover` in the chain for what needs faults: custom endpoint
//! members, no reader reachable, failover on either side, the idle reader closed, and the
//! fastest_response strategy.

mod common;
mod fixtures;
mod support;

use auroraodbc::engine::availability;
use auroraodbc::engine::error::{EngineError, EngineResult};
use auroraodbc::engine::pipeline::{CallKind, CharacteristicsChange, EngineConnection};
use auroraodbc::engine::response_time;
use auroraodbc::engine::settings::Settings;
use auroraodbc::odbc::conn::{connect_options, ConnAttrs};
use fixtures::{eventually, host_pairs, open_connection, resolve, with_extra};
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::sync::Arc;
use std::time::Duration;
use support::{
    Cluster, ClusterOptions, CustomEndpoint, FaultMode, RdsStub, TEST_DATABASE, TEST_PASSWORD,
    TEST_USER,
};

/// Each test its own DNS hash: the topology cache is per process and keyed by host pattern.
fn cluster(hash: &str, replicas: usize) -> Cluster {
    Cluster::start(ClusterOptions {
        replicas,
        dns_hash: hash.into(),
        ..Default::default()
    })
    .expect("start cluster")
}

fn settings(cluster: &Cluster, host: &str, extra: &[(&str, &str)]) -> Arc<Settings> {
    let mut pairs = host_pairs(cluster, host);
    for (k, v) in [
        ("connect_timeout", "5"),
        ("plugins", "read_write_splitting,failover"),
        ("failover_timeout_ms", "20000"),
        ("failover_reader_connect_timeout_ms", "2000"),
    ] {
        pairs.push((k.into(), v.into()));
    }
    Arc::new(resolve(&with_extra(pairs, extra)))
}

fn open_with(settings: Arc<Settings>) -> EngineConnection {
    let options = connect_options(&settings, &ConnAttrs::default()).expect("options");
    let characteristics = auroraodbc::engine::pipeline::SessionCharacteristics {
        autocommit: true,
        ..Default::default()
    };
    open_connection(settings, options, characteristics).expect("connect")
}

fn open(cluster: &Cluster, extra: &[(&str, &str)]) -> EngineConnection {
    open_with(settings(cluster, &cluster.cluster_endpoint_host(), extra))
}

/// SQL_ATTR_ACCESS_MODE as the ODBC layer applies it: the plugins first, then the SET command
/// when none of them put the mode in force.
fn set_read_only(
    conn: &mut EngineConnection,
    read_only: bool,
) -> EngineResult<CharacteristicsChange> {
    let mut ch = conn.characteristics.clone();
    ch.read_only = Some(read_only);
    let change = conn.change_characteristics(ch.clone())?;
    if change == CharacteristicsChange::CallerSends {
        if let Some(sql) = ch.set_command() {
            conn.call(CallKind::SetAttribute, |c| c.session.run_command(&sql))?;
        }
    }
    Ok(change)
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

/// The instance the connection's statements run on, and whether it is a replica.
fn who(conn: &mut EngineConnection) -> (String, bool) {
    let v = one_value(
        conn,
        "SELECT aurora_db_instance_identifier()::text || '/' || pg_is_in_recovery()::text",
    )
    .expect("who");
    let (id, recovery) = v.split_once('/').expect("id/recovery");
    (id.to_string(), recovery == "true")
}

fn expect_state<T: std::fmt::Debug>(result: EngineResult<T>, state: &str) -> EngineError {
    match result {
        Ok(v) => panic!("expected SQLSTATE {state}, got {v:?}"),
        Err(e) => {
            assert_eq!(e.sqlstate_str(), state, "unexpected error: {e}");
            e
        }
    }
}

/// Crashes an instance: SIGKILL, and its proxy resets every socket.
fn crash(cluster: &Cluster, id: &str) {
    cluster.kill(id).expect("kill");
    cluster.set_fault(id, FaultMode::Reset).expect("reset");
}

fn odbc_conn_str(cluster: &Cluster, extra: &str) -> String {
    format!(
        "Driver=auroraodbc;Server={};Port=5432;Database={TEST_DATABASE};UID={TEST_USER};PWD={TEST_PASSWORD};\
         host_address_map={{{}}};plugins=read_write_splitting,failover,host_monitoring;connect_timeout=5;{extra}",
        cluster.cluster_endpoint_host(),
        cluster.host_map()
    )
}

#[test]
fn c_program_toggles_between_writer_and_reader() {
    let cluster = cluster("rwsc", 2);
    let writer = cluster.writer_id();
    cluster
        .query(
            &writer,
            "CREATE TABLE rws_c (x int); GRANT ALL ON rws_c TO PUBLIC",
        )
        .expect("table");
    cluster.wait_replicated().expect("replicated");
    let config = common::OdbcConfig::new(&[]);
    let out = config.expect_c_program_passes(
        "read_write_splitting.c",
        &[
            &odbc_conn_str(&cluster, ""),
            &writer,
            &cluster.reader_ids().join(","),
        ],
        Duration::from_secs(120),
    );
    assert!(out.contains("CURSOR_READ_ON"), "{out}");
    assert!(out.contains("WRITE_ON_READER 25006"), "{out}");
    assert!(out.contains("REFUSED 25000"), "{out}");
}

#[test]
fn pyodbc_toggles_carry_settings_and_follow_the_statement_text() {
    let cluster = cluster("rwspy", 2);
    let writer = cluster.writer_id();
    cluster
        .query(
            &writer,
            "CREATE TABLE rws_py (x int); GRANT ALL ON rws_py TO PUBLIC",
        )
        .expect("table");
    cluster.wait_replicated().expect("replicated");
    let config = common::OdbcConfig::new(&[]);
    let out = config.python(
        include_str!("py/read_write_splitting.py"),
        &[
            &odbc_conn_str(&cluster, ""),
            &writer,
            &cluster.reader_ids().join(","),
        ],
    );
    assert!(
        out.contains("all passed"),
        "read_write_splitting.py:\n{out}"
    );
}

#[test]
fn custom_endpoint_readers_are_only_its_members() {
    common::aws_test_env();
    let cluster = cluster("rwsce", 2);
    let stub = RdsStub::start(cluster.stub_options()).expect("stub");
    let writer = cluster.writer_id();
    let readers = cluster.reader_ids();
    let (outside, member) = (readers[0].clone(), readers[1].clone());
    stub.put_endpoint(CustomEndpoint::with_static(
        "mixed",
        &cluster.options().cluster_id,
        &[&writer, &member],
    ));
    cluster.pin_custom_endpoint("mixed", &writer).expect("pin");
    let host = cluster.custom_endpoint_host("mixed");
    let url = stub.url();
    let extra = [
        ("plugins", "custom_endpoint,read_write_splitting,failover"),
        ("rds_endpoint_url", url.as_str()),
        ("custom_endpoint_info_refresh_rate_ms", "300"),
        ("wait_for_custom_endpoint_info_timeout_ms", "5000"),
    ];
    let mut seen = HashSet::new();
    for _ in 0..10 {
        let mut conn = open_with(settings(&cluster, &host, &extra));
        assert_eq!(who(&mut conn), (writer.clone(), false));
        set_read_only(&mut conn, true).expect("read-only");
        let (id, replica) = who(&mut conn);
        assert!(replica, "read-only on a replica");
        assert_ne!(id, outside, "a reader outside the custom endpoint was used");
        seen.insert(id);
        set_read_only(&mut conn, false).expect("read-write");
        assert_eq!(who(&mut conn), (writer.clone(), false));
    }
    assert_eq!(
        seen,
        HashSet::from([member.clone()]),
        "only the member reader"
    );

    // An endpoint without the writer: read-write cannot leave it.
    stub.put_endpoint(CustomEndpoint::with_static(
        "readers",
        &cluster.options().cluster_id,
        &[&member],
    ));
    cluster
        .pin_custom_endpoint("readers", &member)
        .expect("pin");
    let host = cluster.custom_endpoint_host("readers");
    let mut conn = open_with(settings(&cluster, &host, &extra));
    assert_eq!(who(&mut conn), (member.clone(), true));
    let e = expect_state(set_read_only(&mut conn, false), "08001");
    assert!(e.to_string().contains("not among"), "{e}");
    assert_eq!(who(&mut conn), (member, true));
}

#[test]
fn no_reader_reachable_falls_back_to_the_writer_or_fails_when_told() {
    let cluster = cluster("rwsdown", 1);
    let writer = cluster.writer_id();
    let reader = cluster.reader_ids()[0].clone();
    cluster
        .query(
            &writer,
            "CREATE TABLE rws_down (x int); GRANT ALL ON rws_down TO PUBLIC",
        )
        .expect("table");
    cluster
        .set_fault(&reader, FaultMode::Refuse)
        .expect("refuse");

    // Default: the writer serves the reads, in a read-only session.
    let mut conn = open(&cluster, &[]);
    assert_eq!(
        set_read_only(&mut conn, true).expect("read-only"),
        CharacteristicsChange::CallerSends
    );
    assert_eq!(who(&mut conn), (writer.clone(), false));
    let e = expect_state(
        one_value(&mut conn, "INSERT INTO rws_down VALUES (1) RETURNING 'x'"),
        "25006",
    );
    assert!(e.message.contains("read-only"), "{e}");
    set_read_only(&mut conn, false).expect("read-write");
    one_value(&mut conn, "INSERT INTO rws_down VALUES (1) RETURNING 'x'").expect("write");

    // Read-only asked for inside a transaction, no reader when it ends: the writer goes on
    // serving, its session made read-only at the end of the transaction.
    let mut pinned = open(&cluster, &[]);
    pinned
        .call(CallKind::Execute, |c| c.session.begin_if_needed())
        .expect("begin");
    one_value(&mut pinned, "INSERT INTO rws_down VALUES (2) RETURNING 'x'").expect("write");
    assert_eq!(
        set_read_only(&mut pinned, true).expect("read-only in the transaction"),
        CharacteristicsChange::AfterTransaction
    );
    pinned
        .call(CallKind::EndTransaction, |c| {
            c.session.end_transaction(true)
        })
        .expect("commit");
    assert_eq!(who(&mut pinned), (writer.clone(), false));
    assert_eq!(
        one_value(&mut pinned, "SHOW default_transaction_read_only").expect("mode"),
        "on"
    );

    // read_only_fallback_to_writer=false: setting read-only fails, and the mode stays.
    let mut strict = open(&cluster, &[("read_only_fallback_to_writer", "false")]);
    let e = expect_state(set_read_only(&mut strict, true), "08001");
    assert!(
        e.to_string().contains(&reader),
        "names the reader tried: {e}"
    );
    assert_ne!(strict.characteristics.read_only, Some(true));
    assert_eq!(who(&mut strict), (writer.clone(), false));

    // The reader back: the next switch uses it (a mark of unavailability only orders it last).
    cluster
        .set_fault(&reader, FaultMode::PassThrough)
        .expect("pass");
    set_read_only(&mut strict, true).expect("read-only with the reader back");
    assert_eq!(who(&mut strict), (reader, true));
}

#[test]
fn failover_while_on_a_reader_and_while_on_the_writer() {
    let cluster = cluster("rwsfo", 3);
    let writer = cluster.writer_id();
    let mut conn = open(&cluster, &[]);

    // On a reader: it crashes. Failover (strict_writer for the cluster endpoint) replaces it
    // with the writer, and read/write splitting moves the read-only handle on to a live reader
    // before the failed call returns.
    set_read_only(&mut conn, true).expect("read-only");
    let (crashed, _) = who(&mut conn);
    crash(&cluster, &crashed);
    expect_state(one_value(&mut conn, "SELECT 1::text"), "08S02");
    let (parked, replica) = who(&mut conn);
    assert!(replica && parked != crashed, "after failover on {parked}");
    assert_eq!(
        one_value(&mut conn, "SHOW default_transaction_read_only").expect("mode"),
        "on",
        "the read-only session"
    );
    // Read-write: the writer; read-only again: the same reader session.
    set_read_only(&mut conn, false).expect("read-write");
    assert_eq!(who(&mut conn), (writer.clone(), false));
    set_read_only(&mut conn, true).expect("read-only");
    assert_eq!(who(&mut conn), (parked.clone(), true));
    let last = cluster
        .reader_ids()
        .into_iter()
        .find(|r| *r != crashed && *r != parked)
        .expect("a third reader");

    // On the writer with that reader parked: the writer crashes and the parked reader is
    // promoted. Failover moves the handle to it; the parked session (now the writer's) is let
    // go, so read-only then lands on the one live reader left.
    set_read_only(&mut conn, false).expect("read-write");
    assert_eq!(who(&mut conn), (writer.clone(), false));
    crash(&cluster, &writer);
    cluster.promote(&parked).expect("promote");
    expect_state(one_value(&mut conn, "SELECT 1::text"), "08S02");
    assert_eq!(who(&mut conn), (parked.clone(), false), "on the new writer");
    set_read_only(&mut conn, true).expect("read-only");
    assert_eq!(who(&mut conn), (last, true));
    set_read_only(&mut conn, false).expect("read-write");
    assert_eq!(who(&mut conn), (parked, false));
}

#[test]
fn idle_reader_connection_is_closed_after_the_keep_alive() {
    let cluster = cluster("rwsidle", 1);
    let writer = cluster.writer_id();
    let reader = cluster.reader_ids()[0].clone();
    let proxy = cluster.proxy(&reader).expect("reader proxy");
    let mut conn = open(&cluster, &[("cached_reader_keep_alive_timeout_ms", "700")]);
    let accepted = proxy.accepted_connections();
    set_read_only(&mut conn, true).expect("read-only");
    assert_eq!(who(&mut conn), (reader.clone(), true));
    assert_eq!(proxy.open_connections(), 1);
    set_read_only(&mut conn, false).expect("read-write");
    assert_eq!(who(&mut conn), (writer.clone(), false));
    // Kept while fresh: going back costs no new connection.
    set_read_only(&mut conn, true).expect("read-only");
    assert_eq!(
        proxy.accepted_connections(),
        accepted + 1,
        "the kept reader was reused"
    );
    set_read_only(&mut conn, false).expect("read-write");
    // Idle past the keep-alive with no call on the handle: closed by the timer.
    assert!(
        eventually(Duration::from_secs(5), || proxy.open_connections() == 0),
        "the idle reader connection is still open"
    );
    // The next switch opens another one.
    set_read_only(&mut conn, true).expect("read-only");
    assert_eq!(who(&mut conn), (reader.clone(), true));
    assert_eq!(proxy.accepted_connections(), accepted + 2);

    // Connected through the reader endpoint: read-write moves to the writer, read-only back to
    // the reader session it started on.
    let mut through_reader = open_with(settings(&cluster, &cluster.reader_endpoint_host(), &[]));
    assert_eq!(who(&mut through_reader), (reader.clone(), true));
    set_read_only(&mut through_reader, false).expect("read-write");
    assert_eq!(who(&mut through_reader), (writer.clone(), false));
    let before = proxy.accepted_connections();
    set_read_only(&mut through_reader, true).expect("read-only");
    assert_eq!(who(&mut through_reader), (reader, true));
    assert_eq!(
        proxy.accepted_connections(),
        before,
        "the first reader session was kept"
    );
}

/// The key the driver measures an instance under: its name and the port it is reached on
/// (the fault proxy's, through the host map).
fn measured_key(cluster: &Cluster, id: &str) -> String {
    let port = cluster.proxy(id).expect("proxy").port();
    availability::host_key(&cluster.instance_host(id), port)
}

#[test]
fn fastest_response_picks_the_faster_reader_with_one_probe_per_reader() {
    let cluster = cluster("rwsfast", 2);
    let readers = cluster.reader_ids();
    let (slow, fast) = (readers[0].clone(), readers[1].clone());
    cluster
        .proxy(&slow)
        .expect("proxy")
        .set_latency(Duration::from_millis(150));
    let extra = [
        ("reader_host_selector_strategy", "fastest_response"),
        ("response_measurement_interval_ms", "200"),
    ];
    // The first switch starts the probes (nothing measured yet: any reader will do).
    let mut first = open(&cluster, &extra);
    set_read_only(&mut first, true).expect("read-only");
    let measured = |id: &str| response_time::measured(&measured_key(&cluster, id));
    assert!(
        eventually(Duration::from_secs(10), || measured(&slow)
            .zip(measured(&fast))
            .is_some_and(|(s, f)| s > f)),
        "both readers measured, the slow one slower: {:?} {:?}",
        measured(&slow),
        measured(&fast)
    );
    let slow_time = measured(&slow).expect("slow measured");
    assert!(slow_time >= Duration::from_millis(150), "{slow_time:?}");
    drop(first);
    let slow_accepted = cluster.proxy(&slow).expect("proxy").accepted_connections();
    for _ in 0..10 {
        let mut conn = open(&cluster, &extra);
        set_read_only(&mut conn, true).expect("read-only");
        assert_eq!(who(&mut conn), (fast.clone(), true));
    }
    // One probe per reader for the whole process, not one per connection.
    assert_eq!(response_time::live_probers(), 2);
    assert_eq!(
        cluster.proxy(&slow).expect("proxy").accepted_connections(),
        slow_accepted,
        "no connection (probe or reader) was opened to the slow reader"
    );

    // The times change: selections follow within a few intervals.
    cluster
        .proxy(&slow)
        .expect("proxy")
        .set_latency(Duration::ZERO);
    cluster
        .proxy(&fast)
        .expect("proxy")
        .set_latency(Duration::from_millis(150));
    assert!(
        eventually(Duration::from_secs(10), || measured(&slow)
            .zip(measured(&fast))
            .is_some_and(|(s, f)| s < f)),
        "the measurements follow the latency change"
    );
    let mut conn = open(&cluster, &extra);
    set_read_only(&mut conn, true).expect("read-only");
    assert_eq!(who(&mut conn), (slow, true));
}

#[test]
fn pyodbc_failover_while_on_a_reader() {
    let cluster = cluster("rwspyfo", 2);
    let writer = cluster.writer_id();
    let config = common::OdbcConfig::new(&[]);
    let script = config.dir.join("read_write_splitting_failover.py");
    std::fs::write(&script, include_str!("py/read_write_splitting_failover.py"))
        .expect("write script");
    let conn_str = odbc_conn_str(&cluster, "failover_timeout_ms=20000");
    let mut child = config.spawn(
        "python3",
        &[script.to_str().expect("path"), &conn_str, &writer],
        Duration::from_secs(120),
    );
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let reader_line = loop {
        match lines.next() {
            Some(Ok(line)) => {
                seen.push(line.clone());
                if let Some(id) = line.strip_prefix("READER ") {
                    break id.to_string();
                }
            }
            _ => panic!("the script ended before switching:\n{}", seen.join("\n")),
        }
    };
    crash(&cluster, &reader_line);
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"go\n")
        .expect("tell the script to go on");
    seen.extend(lines.map_while(Result::ok));
    let output = child.wait_with_output().expect("wait");
    let text = format!(
        "{}\n{}",
        seen.join("\n"),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "script failed:\n{text}");
    assert!(seen.iter().any(|l| l == "FAILED_CALL 08S02"), "{text}");
    assert!(seen.iter().any(|l| l == "all passed"), "{text}");
}

#[test]
fn host_monitoring_watches_the_reader_in_use() {
    let cluster = cluster("rwsefm", 1);
    let writer = cluster.writer_id();
    let reader = cluster.reader_ids()[0].clone();
    let mut conn = open(
        &cluster,
        &[
            ("plugins", "read_write_splitting,failover,host_monitoring"),
            ("failure_detection_time_ms", "1000"),
            ("failure_detection_interval_ms", "500"),
            ("failure_detection_count", "2"),
        ],
    );
    set_read_only(&mut conn, true).expect("read-only");
    assert_eq!(who(&mut conn), (reader.clone(), true));
    let worker = std::thread::spawn(move || {
        let mut conn = conn;
        let out = one_value(&mut conn, "SELECT pg_sleep(30)::text");
        let ended = std::time::Instant::now();
        (out, ended, who(&mut conn))
    });
    std::thread::sleep(Duration::from_millis(1500));
    let outage = std::time::Instant::now();
    cluster
        .set_fault(&reader, FaultMode::BlackHole)
        .expect("black hole");
    let (out, ended, after) = worker.join().expect("worker");
    let e = expect_state(out, "08S02");
    assert!(e.message.contains(&writer), "{e}");
    assert!(
        ended - outage < Duration::from_secs(8),
        "the call on the silent reader took {:?} after the outage",
        ended - outage
    );
    assert_eq!(after, (writer, false));
}

#[test]
fn writer_failover_while_on_a_reader_then_read_write_finds_the_new_writer() {
    let cluster = cluster("rwsfo2", 2);
    let old_writer = cluster.writer_id();
    let mut conn = open(&cluster, &[]);
    set_read_only(&mut conn, true).expect("read-only");
    let (reader, _) = who(&mut conn);
    let promoted = cluster
        .reader_ids()
        .into_iter()
        .find(|r| *r != reader)
        .expect("another reader");
    // The writer the handle keeps dies, another reader is promoted; the handle, on its reader,
    // notices nothing (the topology it cached at connect still names the old writer).
    crash(&cluster, &old_writer);
    cluster.promote(&promoted).expect("promote");
    assert_eq!(who(&mut conn), (reader.clone(), true));
    // Read-write: the kept writer session is gone and the cached writer answers no more; the
    // topology read again names the promoted instance.
    set_read_only(&mut conn, false).expect("read-write finds the new writer at once");
    assert_eq!(who(&mut conn), (promoted, false));
    set_read_only(&mut conn, true).expect("read-only");
    assert_eq!(who(&mut conn), (reader, true), "the kept reader again");
}
