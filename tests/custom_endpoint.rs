//! The custom endpoint plugin against the stand-in cluster, the RDS API stub and the real
//! aws-sdk-rds: through the engine's pipeline (no driver manager), plus one run through isql.
//!
//! The endpoint's DNS answer is stood in by `host_address_map` (`Cluster::pin_custom_endpoint`),
//! so pinning the name to a non-member plays a DNS answer that lags a membership change.

mod common;
mod fixtures;
mod support;

use auroraodbc::engine::error::EngineResult;
use auroraodbc::engine::pipeline::{CallKind, EngineConnection};
use auroraodbc::engine::selection::HostFilter;
use auroraodbc::engine::session::ConnectOptions;
use auroraodbc::engine::settings::{Key, Settings};
use auroraodbc::engine::topology::{self, Instance};
use auroraodbc::plugins::custom_endpoint::monitor;
use fixtures::{
    cluster_with, eventually, login_pairs, open_connection, resolve as settings, session_options,
    with_extra,
};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use support::{Cluster, CustomEndpoint, CustomEndpointType, RdsStub, Repeat, StubFault};

const DESCRIBE: &str = "DescribeDBClusterEndpoints";

/// The refresh period the tests' connections ask for (`custom_endpoint_info_refresh_rate_ms`).
const REFRESH_MS: u64 = 300;

/// How long a change at the API may take to reach open connections: the next poll is due
/// within one refresh period; four more cover the poll, its API call and the wake-ups a loaded
/// 2-core machine delays.
const FOLLOW_LIMIT: Duration = Duration::from_millis(5 * REFRESH_MS);

/// Waits until the open connection's host filter satisfies `check`; panics with `what`
/// after [`FOLLOW_LIMIT`].
fn filter_follows(open: &EngineConnection, what: &str, check: impl Fn(&HostFilter) -> bool) {
    let changed = Instant::now();
    assert!(
        eventually(FOLLOW_LIMIT, || check(&open.host_filter)),
        "{what}: not seen {:?} after the change",
        changed.elapsed()
    );
}

fn start(replicas: usize) -> (Cluster, RdsStub) {
    common::aws_test_env();
    let cluster = cluster_with(replicas);
    let stub = RdsStub::start(cluster.stub_options()).expect("stub");
    (cluster, stub)
}

/// DSN keys for a connection through custom endpoint `ep` of `cluster`, the API at `stub`.
fn keys(
    cluster: &Cluster,
    stub: &RdsStub,
    ep: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut pairs = vec![("Server".to_string(), cluster.custom_endpoint_host(ep))];
    pairs.extend(login_pairs());
    for (k, v) in [
        ("plugins", "custom_endpoint".to_string()),
        ("host_address_map", cluster.host_map()),
        ("rds_endpoint_url", stub.url()),
        (
            "custom_endpoint_info_refresh_rate_ms",
            REFRESH_MS.to_string(),
        ),
        ("wait_for_custom_endpoint_info_timeout_ms", "5000".into()),
        ("connect_timeout", "10".into()),
    ] {
        pairs.push((k.to_string(), v));
    }
    with_extra(pairs, extra)
}

/// Opens a connection the way the ODBC layer does: pipeline, connect, connected.
fn connect(settings: Settings) -> EngineResult<EngineConnection> {
    let shared = Arc::new(settings);
    let host = shared.get_str(Key::Server).unwrap_or_default().to_string();
    let mut port = 5432;
    let address = shared.pinned_address(&host).map(|pin| {
        port = pin.port.unwrap_or(port);
        std::net::SocketAddr::new(pin.addr, port)
    });
    let options = ConnectOptions {
        host,
        address,
        ..session_options(port, "custom-endpoint-test")
    };
    open_connection(shared, options, Default::default())
}

/// The instance a connection is on, asked through the plugin chain; it must answer.
fn instance_of(conn: &mut EngineConnection) -> String {
    fixtures::instance_of(conn).expect("instance id")
}

fn instance(id: &str, is_writer: bool) -> Instance {
    Instance {
        id: id.into(),
        is_writer,
        cpu: 0.0,
        lag_ms: 0.0,
        age_secs: Some(0.0),
    }
}

/// Times (ms since the first) of the stub's Describe requests.
fn request_times(stub: &RdsStub) -> Vec<u128> {
    let times: Vec<SystemTime> = stub
        .requests()
        .iter()
        .filter(|r| r.action == DESCRIBE)
        .map(|r| r.at)
        .collect();
    let Some(first) = times.first().copied() else {
        return Vec::new();
    };
    times
        .iter()
        .map(|t| t.duration_since(first).unwrap_or_default().as_millis())
        .collect()
}

fn gaps(times: &[u128]) -> Vec<u128> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

#[test]
fn connections_land_on_members_and_follow_changes() {
    let (cluster, stub) = start(2);
    let writer = cluster.writer_id();
    let readers = cluster.reader_ids();
    let (r1, r2) = (readers[0].clone(), readers[1].clone());
    stub.put_endpoint(CustomEndpoint::with_static(
        "reporting",
        "standin-cluster",
        &[&r1, &r2],
    ));

    // The name resolves to a member: 50 connections, all on members.
    cluster.pin_custom_endpoint("reporting", &r1).expect("pin");
    let members: HashSet<String> = [r1.clone(), r2.clone()].into();
    for _ in 0..50 {
        let mut conn =
            connect(settings(&keys(&cluster, &stub, "reporting", &[]))).expect("connect");
        let id = instance_of(&mut conn);
        assert!(members.contains(&id), "landed on {id}");
        assert_eq!(
            conn.instance_id.as_deref(),
            Some(id.as_str()),
            "the plugin reports the instance"
        );
    }

    // The name resolves to a non-member (DNS lagging): the driver still ends on a member.
    cluster
        .pin_custom_endpoint("reporting", &writer)
        .expect("pin");
    let mut seen = HashSet::new();
    for _ in 0..10 {
        let mut conn =
            connect(settings(&keys(&cluster, &stub, "reporting", &[]))).expect("connect");
        let id = instance_of(&mut conn);
        assert!(
            members.contains(&id),
            "pinned to the writer, landed on {id}"
        );
        seen.insert(id);
    }
    assert_eq!(seen.len(), 2, "both members used: {seen:?}");

    // Members change while a connection is open: its host filter and new connections follow
    // within one refresh period (300 ms).
    let mut open = connect(settings(&keys(&cluster, &stub, "reporting", &[]))).expect("connect");
    assert!(open.host_filter.allows(&instance(&r1, false)));
    assert!(!open.host_filter.allows(&instance(&writer, true)));
    assert!(stub.set_static_members("reporting", &[&r2]));
    let changed = Instant::now();
    filter_follows(&open, "the filter drops the removed member", |f| {
        !f.allows(&instance(&r1, false)) && f.allows(&instance(&r2, false))
    });
    cluster.pin_custom_endpoint("reporting", &r1).expect("pin");
    for _ in 0..5 {
        let mut conn =
            connect(settings(&keys(&cluster, &stub, "reporting", &[]))).expect("connect");
        assert_eq!(
            instance_of(&mut conn),
            r2,
            "the change was made {:?} ago",
            changed.elapsed()
        );
    }
    let _ = instance_of(&mut open);

    // Exclusion list: every instance but the excluded ones, writer included for ANY.
    assert!(stub.update_endpoint("reporting", |e| {
        e.static_members.clear();
        e.excluded_members = vec![r1.clone()];
    }));
    filter_follows(&open, "the exclusion list lets the writer in", |f| {
        f.allows(&instance(&writer, true)) && !f.allows(&instance(&r1, false))
    });
    let mut seen = HashSet::new();
    for _ in 0..20 {
        let mut conn =
            connect(settings(&keys(&cluster, &stub, "reporting", &[]))).expect("connect");
        let id = instance_of(&mut conn);
        assert_ne!(id, r1, "excluded member used");
        seen.insert(id);
    }
    assert!(
        seen.contains(&writer) && seen.contains(&r2),
        "exclusion list spreads over the rest: {seen:?}"
    );
    assert!(open.host_filter.allows(&instance(&writer, true)));

    // READER type: never the writer, whatever the lists and the DNS answer say.
    assert!(stub.set_endpoint_type("reporting", CustomEndpointType::Reader));
    assert!(stub.set_excluded_members("reporting", &[]));
    filter_follows(&open, "a READER endpoint without exclusions", |f| {
        !f.allows(&instance(&writer, true))
            && f.allows(&instance(&r1, false))
            && f.allows(&instance(&r2, false))
    });
    cluster
        .pin_custom_endpoint("reporting", &writer)
        .expect("pin");
    for _ in 0..15 {
        let mut conn =
            connect(settings(&keys(&cluster, &stub, "reporting", &[]))).expect("connect");
        assert_ne!(
            instance_of(&mut conn),
            writer,
            "READER endpoint reached the writer"
        );
    }
    assert!(!open.host_filter.allows(&instance(&writer, true)));
    // A static list naming the writer does not let a READER endpoint use it.
    assert!(stub.set_static_members("reporting", &[&writer, &r1]));
    filter_follows(&open, "a READER endpoint's static list", |f| {
        f.allows(&instance(&r1, false)) && !f.allows(&instance(&r2, false))
    });
    for _ in 0..10 {
        let mut conn =
            connect(settings(&keys(&cluster, &stub, "reporting", &[]))).expect("connect");
        assert_eq!(instance_of(&mut conn), r1);
    }
}

#[test]
fn api_errors_wait_then_fail_with_the_reason() {
    let (cluster, stub) = start(1);
    let reader = cluster.reader_ids()[0].clone();
    stub.put_endpoint(CustomEndpoint::with_static(
        "denied",
        "standin-cluster",
        &[&reader],
    ));
    stub.put_endpoint(CustomEndpoint::with_static(
        "slow",
        "standin-cluster",
        &[&reader],
    ));
    cluster.pin_custom_endpoint("denied", &reader).expect("pin");
    cluster.pin_custom_endpoint("slow", &reader).expect("pin");
    // Long enough for a new monitor's first API call to be answered on a loaded machine
    // (building the SDK client alone has taken most of a second there).
    let wait = Duration::from_millis(2500);
    let wait_ms = wait.as_millis().to_string();
    let short = [("wait_for_custom_endpoint_info_timeout_ms", wait_ms.as_str())];

    // AccessDenied: connect waits the timeout, then 08001 with the stub's reason.
    stub.inject(StubFault::AccessDenied, Repeat::Always);
    let started = Instant::now();
    let err = connect(settings(&keys(&cluster, &stub, "denied", &short)))
        .err()
        .expect("must fail");
    let waited = started.elapsed();
    assert_eq!(err.sqlstate_str(), "08001", "{err}");
    assert!(
        waited >= wait - Duration::from_millis(50) && waited < wait + Duration::from_secs(4),
        "waited {waited:?} with a {wait:?} timeout"
    );
    for part in ["'denied'", "AccessDenied", "waiting", "ms"] {
        assert!(err.message.contains(part), "missing {part}: {err}");
    }
    // 403: the monitor pauses (5 minutes): further connects fail with the kept reason and
    // the stub hears nothing more for the rest of the test.
    assert_eq!(stub.count(DESCRIBE), 1);
    let err = connect(settings(&keys(&cluster, &stub, "denied", &short)))
        .err()
        .expect("still denied");
    assert!(err.message.contains("AccessDenied"), "{err}");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        stub.count(DESCRIBE),
        1,
        "requests during the access-denied pause"
    );

    // A hung API: the wait ends at the timeout and says a call is still waiting for an answer.
    stub.clear_faults();
    stub.inject(StubFault::Hang, Repeat::Always);
    let started = Instant::now();
    let err = connect(settings(&keys(&cluster, &stub, "slow", &short)))
        .err()
        .expect("must fail");
    assert!(started.elapsed() < wait + Duration::from_secs(4));
    assert_eq!(err.sqlstate_str(), "08001");
    assert!(
        err.message.contains("'slow'")
            && err.message.contains("waiting")
            && err.message.contains("for an answer"),
        "{err}"
    );
    stub.clear_faults();
}

#[test]
fn statement_waits_then_fails_with_hyt00() {
    let (cluster, stub) = start(1);
    let reader = cluster.reader_ids()[0].clone();
    stub.put_endpoint(CustomEndpoint::with_static(
        "stmt",
        "standin-cluster",
        &[&reader],
    ));
    cluster.pin_custom_endpoint("stmt", &reader).expect("pin");
    let extra = [
        ("wait_for_custom_endpoint_info_timeout_ms", "700"),
        ("custom_endpoint_idle_monitor_expiration_ms", "400"),
    ];
    let mut conn = connect(settings(&keys(&cluster, &stub, "stmt", &extra))).expect("connect");
    assert_eq!(instance_of(&mut conn), reader);
    // The monitor expires while the connection is idle; the API then refuses. The next call
    // restarts the monitor, waits for info and times out.
    stub.inject(StubFault::AccessDenied, Repeat::Always);
    std::thread::sleep(Duration::from_millis(1200));
    let started = Instant::now();
    let Err(err) = conn.call(CallKind::Execute, |c| {
        topology::query_instance_id(&mut c.session)
    }) else {
        panic!("must time out");
    };
    assert_eq!(err.sqlstate_str(), "HYT00", "{err}");
    assert!(started.elapsed() >= Duration::from_millis(650));
    assert!(
        err.message.contains("'stmt'") && err.message.contains("AccessDenied"),
        "{err}"
    );
    // Once the API answers again (after the denied pause, or here: a new monitor), calls work.
    stub.clear_faults();
    std::thread::sleep(Duration::from_millis(1000));
    // The refused monitor pauses for minutes; stopping it lets the next call start a new one.
    for key in monitor::keys()
        .into_iter()
        .filter(|k| k.target.endpoint_url.as_deref() == Some(stub.url().as_str()))
    {
        monitor::stop(&key);
    }
    assert_eq!(instance_of(&mut conn), reader);
}

#[test]
fn throttling_backs_off() {
    common::aws_test_env();
    let stub = RdsStub::start(support::StubOptions::default()).expect("stub");
    stub.put_endpoint(CustomEndpoint::with_static(
        "busy",
        "standin-cluster",
        &["instance-2"],
    ));
    stub.inject(StubFault::Throttling, Repeat::Always);
    let host = "busy.cluster-custom-abc123.us-east-1.rds.amazonaws.com".to_string();
    let pairs: Vec<(String, String)> = vec![
        ("Server".into(), host),
        ("plugins".into(), "custom_endpoint".into()),
        ("rds_endpoint_url".into(), stub.url()),
        ("custom_endpoint_info_refresh_rate_ms".into(), "100".into()),
        ("custom_endpoint_max_refresh_rate_ms".into(), "1600".into()),
        ("custom_endpoint_refresh_backoff_factor".into(), "2".into()),
        (
            "wait_for_custom_endpoint_info_timeout_ms".into(),
            "3500".into(),
        ),
        (
            "host_address_map".into(),
            "busy.cluster-custom-abc123.us-east-1.rds.amazonaws.com=127.0.0.1:1".into(),
        ),
    ];
    let err = connect(settings(&pairs))
        .err()
        .expect("throttled throughout");
    assert!(err.message.contains("Throttling"), "{err}");
    let times = request_times(&stub);
    let g = gaps(&times);
    // Periods 200, 400, 800, 1600 ms: four or five calls in 3.5 s, each gap about double.
    assert!((3..=6).contains(&times.len()), "calls at {times:?}");
    assert!(g.first().is_some_and(|x| *x >= 180), "first gap {g:?}");
    // Each gap clearly longer than the one before (scheduling noise on a busy machine adds
    // tens of milliseconds to any gap), and the last several times the first.
    for w in g.windows(2) {
        assert!(w[1] as f64 >= w[0] as f64 * 1.3, "gaps do not grow: {g:?}");
    }
    assert!(
        g.last().zip(g.first()).is_some_and(|(l, f)| *l >= f * 3),
        "gaps: {g:?}"
    );
    // Back down on success: after the throttling ends, the period returns toward 100 ms.
    stub.clear_faults();
    std::thread::sleep(Duration::from_millis(4000));
    let times = request_times(&stub);
    let g = gaps(&times);
    assert!(
        g.last().is_some_and(|x| *x < 300),
        "period after recovery: {g:?}"
    );
}

#[test]
fn one_poller_for_many_connections_then_idle_expiry() {
    let (cluster, stub) = start(1);
    let reader = cluster.reader_ids()[0].clone();
    stub.put_endpoint(CustomEndpoint::with_static(
        "shared",
        "standin-cluster",
        &[&reader],
    ));
    cluster.pin_custom_endpoint("shared", &reader).expect("pin");
    let extra = [
        ("custom_endpoint_info_refresh_rate_ms", "300"),
        ("custom_endpoint_idle_monitor_expiration_ms", "1500"),
    ];
    let mut conns = Vec::new();
    for _ in 0..50 {
        conns.push(connect(settings(&keys(&cluster, &stub, "shared", &extra))).expect("connect"));
    }
    // Busy connections: each makes calls, and still one monitor polls at ~1 per 300 ms.
    stub.clear_requests();
    let window = Instant::now();
    while window.elapsed() < Duration::from_millis(2400) {
        for c in conns.iter_mut().take(10) {
            let _ = instance_of(c);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let calls = stub.count(DESCRIBE);
    // One poller: about window / period requests. A late poll on a loaded machine makes fewer,
    // never more; a poller per connection (or per call) would make many times more.
    let periods = usize::try_from(window.elapsed().as_millis() / u128::from(REFRESH_MS))
        .expect("a few periods");
    assert!(
        (periods / 2..=periods + 2).contains(&calls),
        "{calls} requests in {:?} at a {REFRESH_MS} ms period",
        window.elapsed()
    );
    let mine = monitor::keys()
        .into_iter()
        .filter(|k| k.target.endpoint_url.as_deref() == Some(stub.url().as_str()))
        .count();
    assert_eq!(mine, 1, "one monitor for the endpoint");

    // Unused (connections open but idle): the monitor stops after 1.5 s; the stub hears no more.
    let idle = Instant::now();
    let expiry = Duration::from_millis(1500);
    let mine = || {
        monitor::keys()
            .into_iter()
            .filter(|k| k.target.endpoint_url.as_deref() == Some(stub.url().as_str()))
            .count()
    };
    assert!(
        eventually(expiry + FOLLOW_LIMIT, || mine() == 0),
        "the monitor still runs {:?} after the last use",
        idle.elapsed()
    );
    let after = stub.count(DESCRIBE);
    std::thread::sleep(Duration::from_millis(4 * REFRESH_MS));
    assert_eq!(stub.count(DESCRIBE), after, "requests after idle expiry");
    // A use starts it again.
    let _ = instance_of(&mut conns[0]);
    assert!(stub.count(DESCRIBE) > after);
}

#[test]
fn region_from_the_name_and_the_override() {
    common::aws_test_env();
    let stub = RdsStub::start(support::StubOptions::default()).expect("stub");
    let url = stub.url();
    let cases = [
        (
            "a.cluster-custom-abc123.eu-west-3.rds.amazonaws.com",
            None,
            "eu-west-3",
        ),
        (
            "b.cluster-custom-abc123.rds.cn-north-1.amazonaws.com.cn",
            None,
            "cn-north-1",
        ),
        (
            "c.cluster-custom-abc123.cn-northwest-1.rds.amazonaws.com.cn",
            None,
            "cn-northwest-1",
        ),
        (
            "d.cluster-custom-abc123.us-gov-west-1.rds.amazonaws.com",
            None,
            "us-gov-west-1",
        ),
        (
            "e.cluster-custom-abc123.us-east-1.rds.amazonaws.com",
            Some("ap-south-2"),
            "ap-south-2",
        ),
        (
            "f.cluster-custom-abc123.db.example.internal",
            Some("us-west-2"),
            "us-west-2",
        ),
    ];
    for (host, region, expected) in cases {
        let id = host.split('.').next().unwrap_or_default();
        stub.put_endpoint(CustomEndpoint::with_static(
            id,
            "standin-cluster",
            &["instance-2"],
        ));
        let mut pairs: Vec<(String, String)> = vec![
            ("Server".into(), host.into()),
            ("plugins".into(), "custom_endpoint".into()),
            ("rds_endpoint_url".into(), url.clone()),
            // Nothing listens there: connect fails after the monitor answered.
            ("host_address_map".into(), format!("{host}=127.0.0.1:1")),
        ];
        if let Some(r) = region {
            pairs.push(("custom_endpoint_region".into(), r.into()));
        }
        let err = connect(settings(&pairs)).err().expect("nothing listens");
        assert!(
            !err.message.contains("custom endpoint"),
            "{host}: the monitor should have answered: {err}"
        );
        let key = monitor::keys()
            .into_iter()
            .find(|k| k.endpoint_id == id && k.target.endpoint_url.as_deref() == Some(url.as_str()))
            .unwrap_or_else(|| panic!("no monitor for {host}"));
        assert_eq!(key.target.region, expected, "{host}");
    }
    assert_eq!(stub.count(DESCRIBE), cases.len());
    // No region in the name and no override: a connect error that says what to set.
    let pairs: Vec<(String, String)> = vec![
        (
            "Server".into(),
            "g.cluster-custom-abc123.db.example.internal".into(),
        ),
        ("plugins".into(), "custom_endpoint".into()),
        ("rds_endpoint_url".into(), url.clone()),
    ];
    let err = connect(settings(&pairs)).err().expect("no region");
    assert_eq!(err.sqlstate_str(), "08001");
    assert!(err.message.contains("custom_endpoint_region"), "{err}");
}

#[test]
fn isql_through_the_custom_endpoint_lands_on_a_member() {
    let (cluster, stub) = start(2);
    let writer = cluster.writer_id();
    let member = cluster.reader_ids()[1].clone();
    stub.put_endpoint(CustomEndpoint::with_static(
        "odbc",
        "standin-cluster",
        &[&member],
    ));
    // The name resolves to the writer, which is not a member.
    cluster.pin_custom_endpoint("odbc", &writer).expect("pin");
    let config = common::OdbcConfig::new(&[("customdsn", keys(&cluster, &stub, "odbc", &[]))]);
    let (out, err) = config.isql("customdsn", &[], "SELECT aurora_db_instance_identifier()\n");
    assert!(
        out.lines().any(|l| l.trim() == member),
        "expected {member}:\n{out}\n{err}"
    );
}
