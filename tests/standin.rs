//! Self-tests of the stand-in cluster harness. They start real PostgreSQL servers.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use support::{
    Cluster, CustomEndpoint, CustomEndpointType, FaultMode, RdsStub, Repeat, Role, RowUpdate,
    StubFault, StubOptions,
};
use tokio_postgres::{Client, NoTls};

fn start_cluster() -> Cluster {
    let cluster = Cluster::start_default().expect("the stand-in cluster starts");
    eprintln!(
        "stand-in cluster of {} started in {:.2} s",
        cluster.instances().len(),
        cluster.startup_time().as_secs_f64()
    );
    cluster
}

async fn connect(conn: &str) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(conn, NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

async fn connect_to(cluster: &Cluster, id: &str) -> Client {
    let conn = cluster.conn_str(id).expect("instance exists");
    connect(&conn)
        .await
        .expect("the test user connects through the proxy")
}

async fn instance_id(client: &Client) -> String {
    client
        .query_one("SELECT aurora_db_instance_identifier()::text", &[])
        .await
        .expect("aurora_db_instance_identifier() answers")
        .get(0)
}

/// (server_id, session_id) rows of aurora_replica_status().
async fn topology(client: &Client) -> Vec<(String, String)> {
    client
        .query(
            "SELECT server_id, session_id FROM aurora_replica_status() ORDER BY server_id",
            &[],
        )
        .await
        .expect("aurora_replica_status() answers")
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

fn writer_of(rows: &[(String, String)]) -> Vec<String> {
    rows.iter()
        .filter(|(_, session)| session == "MASTER_SESSION_ID")
        .map(|(server, _)| server.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replication_carries_a_write_to_the_readers() {
    let cluster = start_cluster();
    assert!(
        cluster.startup_time() < Duration::from_secs(20),
        "startup took {:?}",
        cluster.startup_time()
    );
    assert_eq!(cluster.writer_id(), "instance-1");
    assert_eq!(cluster.reader_ids(), ["instance-2", "instance-3"]);

    let writer = connect_to(&cluster, "instance-1").await;
    writer
        .batch_execute("CREATE TABLE carried (v int); INSERT INTO carried VALUES (42);")
        .await
        .expect("the test user writes on the writer");
    cluster.wait_replicated().expect("replicas catch up");

    for id in ["instance-2", "instance-3"] {
        let reader = connect_to(&cluster, id).await;
        let v: i32 = reader
            .query_one("SELECT v FROM carried", &[])
            .await
            .expect("the write reached the reader")
            .get(0);
        assert_eq!(v, 42);
        assert_eq!(instance_id(&reader).await, id);
        let rows = topology(&reader).await;
        assert_eq!(rows.len(), 3);
        assert_eq!(writer_of(&rows), ["instance-1"]);
        let read_only: String = reader
            .query_one("SHOW transaction_read_only", &[])
            .await
            .expect("SHOW answers")
            .get(0);
        assert_eq!(read_only, "on");
    }

    // Password authentication is really checked for the test user.
    let info = cluster.instance("instance-1").expect("instance-1 exists");
    let wrong = format!(
        "host=127.0.0.1 port={} user=auroraodbc password=wrong dbname=auroraodbc",
        info.proxy_port
    );
    let Err(err) = connect(&wrong).await else {
        panic!("a wrong password must be refused");
    };
    assert!(
        format!("{err:?}").contains("28P01"),
        "expected invalid_password, got {err:?}"
    );

    // The host map sends every instance name and the endpoints to proxied loopback ports.
    let map = cluster.host_map();
    assert!(map.contains(&format!(
        "instance-2.abc123.us-east-1.rds.amazonaws.com=127.0.0.1:{}",
        cluster
            .instance("instance-2")
            .expect("instance-2")
            .proxy_port
    )));
    assert!(map.contains(&format!(
        "standin-cluster.cluster-abc123.us-east-1.rds.amazonaws.com=127.0.0.1:{}",
        info.proxy_port
    )));
    cluster
        .pin_custom_endpoint("reporting", "instance-3")
        .expect("pin");
    assert!(cluster.host_map().contains(&format!(
        "reporting.cluster-custom-abc123.us-east-1.rds.amazonaws.com=127.0.0.1:{}",
        cluster
            .instance("instance-3")
            .expect("instance-3")
            .proxy_port
    )));

    // A row can be made stale; live rows report the time of the query.
    cluster
        .modify_topology(|rows| {
            if let Some(row) = rows.iter_mut().find(|r| r.server_id == "instance-3") {
                row.last_update = RowUpdate::SecondsAgo(600);
                row.cpu = 12.5;
            }
        })
        .expect("topology rewritten");
    let reader = connect_to(&cluster, "instance-2").await;
    let rows = reader
        .query(
            "SELECT server_id, (now() - last_update_timestamp) > interval '299 seconds', cpu \
             FROM aurora_replica_status() ORDER BY server_id",
            &[],
        )
        .await
        .expect("aurora_replica_status() answers");
    let stale: Vec<(String, bool, f64)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(stale[0], ("instance-1".to_string(), false, 0.0));
    assert_eq!(stale[2], ("instance-3".to_string(), true, 12.5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_changes_what_every_live_node_reports() {
    let cluster = start_cluster();
    let began = Instant::now();
    cluster
        .fail_over_to("instance-2")
        .expect("failover to instance-2");
    eprintln!("failover took {:.2} s", began.elapsed().as_secs_f64());
    assert_eq!(cluster.writer_id(), "instance-2");
    assert!(!cluster.instance("instance-1").expect("instance-1").running);

    for id in ["instance-2", "instance-3"] {
        let client = connect_to(&cluster, id).await;
        assert_eq!(instance_id(&client).await, id);
        assert_eq!(
            writer_of(&topology(&client).await),
            ["instance-2"],
            "on {id}"
        );
    }

    // The new writer takes writes and the remaining replica follows it.
    let writer = connect_to(&cluster, "instance-2").await;
    writer
        .batch_execute(
            "CREATE TABLE after_failover (v int); INSERT INTO after_failover VALUES (7);",
        )
        .await
        .expect("the new writer takes writes");
    cluster
        .wait_replicated()
        .expect("instance-3 follows the new writer");
    let reader = connect_to(&cluster, "instance-3").await;
    let v: i32 = reader
        .query_one("SELECT v FROM after_failover", &[])
        .await
        .expect("instance-3 sees the new writer's data")
        .get(0);
    assert_eq!(v, 7);

    // The old writer comes back as a reader of the new writer.
    cluster.restart("instance-1").expect("instance-1 restarts");
    let old = cluster.instance("instance-1").expect("instance-1");
    assert!(old.running);
    assert_eq!(old.role, Role::Reader);
    cluster.wait_replicated().expect("instance-1 follows");
    let client = connect_to(&cluster, "instance-1").await;
    assert_eq!(instance_id(&client).await, "instance-1");
    assert_eq!(writer_of(&topology(&client).await), ["instance-2"]);
    let v: i32 = client
        .query_one("SELECT v FROM after_failover", &[])
        .await
        .expect("instance-1 has the new writer's data")
        .get(0);
    assert_eq!(v, 7);

    // A crash of the writer, then promotion of another replica.
    cluster.kill("instance-2").expect("kill instance-2");
    assert!(!cluster.instance("instance-2").expect("instance-2").running);
    cluster.promote("instance-3").expect("promote instance-3");
    for id in ["instance-1", "instance-3"] {
        let client = connect_to(&cluster, id).await;
        assert_eq!(
            writer_of(&topology(&client).await),
            ["instance-3"],
            "on {id}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_faults_black_hole_reset_and_refuse() {
    let cluster = start_cluster();
    let proxy = cluster.proxy("instance-2").expect("proxy of instance-2");
    let held = connect_to(&cluster, "instance-2").await;
    let other = connect_to(&cluster, "instance-3").await;
    assert_eq!(proxy.open_connections(), 1);

    // Black hole: the client waits, the other instance answers.
    proxy.set_mode(FaultMode::BlackHole).expect("black hole");
    let waited =
        tokio::time::timeout(Duration::from_millis(800), held.simple_query("SELECT 1")).await;
    assert!(waited.is_err(), "a black-holed query must not answer");
    let answer = tokio::time::timeout(Duration::from_secs(5), other.simple_query("SELECT 1")).await;
    assert!(
        matches!(answer, Ok(Ok(_))),
        "the pass-through proxy answers"
    );
    // New connections are accepted but get nothing.
    let conn = cluster.conn_str("instance-2").expect("conn str");
    let fresh = tokio::time::timeout(Duration::from_millis(800), connect(&conn)).await;
    assert!(fresh.is_err(), "a connect through a black hole must hang");
    assert!(proxy.open_connections() >= 1);

    // Back to pass-through: the held connection works again.
    proxy
        .set_mode(FaultMode::PassThrough)
        .expect("pass through");
    let answer = tokio::time::timeout(Duration::from_secs(5), held.simple_query("SELECT 2")).await;
    assert!(
        matches!(answer, Ok(Ok(_))),
        "held connection answers after the black hole"
    );

    // Reset: a raw socket sees a real RST, a client gets an error.
    let mut raw = TcpStream::connect(proxy.addr()).expect("raw connect");
    raw.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    wait_for(|| proxy.open_connections() >= 2);
    proxy.set_mode(FaultMode::Reset).expect("reset");
    let mut buf = [0u8; 16];
    let read = raw.read(&mut buf);
    assert_eq!(
        read.as_ref().map_err(|e| e.kind()).err(),
        Some(ErrorKind::ConnectionReset),
        "expected RST, got {read:?}"
    );
    let Err(err) = held.simple_query("SELECT 3").await else {
        panic!("a query on a reset connection must fail");
    };
    assert!(
        err.is_closed() || format!("{err:?}").contains("reset"),
        "{err:?}"
    );
    assert_eq!(proxy.open_connections(), 0);

    // Refuse: connects are refused; leaving it binds the same port again.
    proxy
        .set_mode(FaultMode::PassThrough)
        .expect("pass through");
    let survivor = connect_to(&cluster, "instance-2").await;
    proxy.set_mode(FaultMode::Refuse).expect("refuse");
    let refused = TcpStream::connect_timeout(&proxy.addr(), Duration::from_secs(2));
    assert_eq!(
        refused.as_ref().map_err(|e| e.kind()).err(),
        Some(ErrorKind::ConnectionRefused),
        "expected a refused connect, got {refused:?}"
    );
    let answer =
        tokio::time::timeout(Duration::from_secs(5), survivor.simple_query("SELECT 4")).await;
    assert!(
        matches!(answer, Ok(Ok(_))),
        "open connections keep working while refusing"
    );
    proxy
        .set_mode(FaultMode::PassThrough)
        .expect("listen again");
    let again = connect_to(&cluster, "instance-2").await;
    assert_eq!(instance_id(&again).await, "instance-2");
}

fn wait_for(mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !condition() {
        assert!(Instant::now() < deadline, "condition not met within 5 s");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// POSTs a form body with a raw HTTP/1.1 client; returns (status, body).
fn post(addr: SocketAddr, body: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let _ = stream.shutdown(Shutdown::Both);
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

const DESCRIBE: &str = "Action=DescribeDBClusterEndpoints&Version=2014-10-31\
    &DBClusterEndpointIdentifier=reporting\
    &Filters.Filter.1.Name=db-cluster-endpoint-type&Filters.Filter.1.Values.Value.1=custom";

#[test]
fn rds_stub_describes_endpoints_and_reflects_changes() {
    let stub = RdsStub::start(StubOptions::default()).expect("stub starts");
    stub.put_endpoint(CustomEndpoint::with_static(
        "reporting",
        "standin-cluster",
        &["instance-2", "instance-3"],
    ));

    let (status, xml) = post(stub.addr(), DESCRIBE).expect("describe");
    assert_eq!(status, 200, "{xml}");
    let expected =
        "<DescribeDBClusterEndpointsResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\">\
        <DescribeDBClusterEndpointsResult><DBClusterEndpoints><DBClusterEndpointList>\
        <DBClusterEndpointIdentifier>reporting</DBClusterEndpointIdentifier>\
        <DBClusterIdentifier>standin-cluster</DBClusterIdentifier>\
        <DBClusterEndpointResourceIdentifier>cluster-endpoint-";
    assert!(xml.contains(expected), "{xml}");
    for part in [
        "<Endpoint>reporting.cluster-custom-abc123.us-east-1.rds.amazonaws.com</Endpoint>",
        "<Status>available</Status><EndpointType>CUSTOM</EndpointType>",
        "<CustomEndpointType>ANY</CustomEndpointType>",
        "<StaticMembers><member>instance-2</member><member>instance-3</member></StaticMembers>",
        "<ExcludedMembers></ExcludedMembers>",
        "<DBClusterEndpointArn>arn:aws:rds:us-east-1:123456789012:cluster-endpoint:reporting</DBClusterEndpointArn>",
        "</DBClusterEndpointList></DBClusterEndpoints></DescribeDBClusterEndpointsResult>",
        "<ResponseMetadata><RequestId>",
    ] {
        assert!(xml.contains(part), "missing {part} in {xml}");
    }
    assert_eq!(xml.matches("<DBClusterEndpointList>").count(), 1);

    // A change through the Rust API shows in the next answer.
    assert!(stub.set_static_members("reporting", &[]));
    assert!(stub.set_excluded_members("reporting", &["instance-1"]));
    assert!(stub.set_endpoint_type("reporting", CustomEndpointType::Reader));
    let (_, xml) = post(stub.addr(), DESCRIBE).expect("describe");
    assert!(xml.contains("<StaticMembers></StaticMembers>"), "{xml}");
    assert!(
        xml.contains("<ExcludedMembers><member>instance-1</member></ExcludedMembers>"),
        "{xml}"
    );
    assert!(
        xml.contains("<CustomEndpointType>READER</CustomEndpointType>"),
        "{xml}"
    );

    // Filters and identifiers select.
    let (_, xml) = post(
        stub.addr(),
        "Action=DescribeDBClusterEndpoints&Version=2014-10-31\
         &Filters.Filter.1.Name=db-cluster-endpoint-custom-type&Filters.Filter.1.Values.Value.1=any",
    )
    .expect("describe");
    assert!(!xml.contains("<DBClusterEndpointList>"), "{xml}");
    let (_, xml) = post(
        stub.addr(),
        "Action=DescribeDBClusterEndpoints&Version=2014-10-31&DBClusterEndpointIdentifier=other",
    )
    .expect("describe");
    assert!(
        xml.contains("<DBClusterEndpoints></DBClusterEndpoints>"),
        "{xml}"
    );

    // Create, modify, delete over HTTP.
    let (status, xml) = post(
        stub.addr(),
        "Action=CreateDBClusterEndpoint&Version=2014-10-31&DBClusterIdentifier=standin-cluster\
         &DBClusterEndpointIdentifier=analytics&EndpointType=ANY\
         &StaticMembers.member.1=instance-3&StaticMembers.member.2=instance-1",
    )
    .expect("create");
    assert_eq!(status, 200, "{xml}");
    assert!(
        xml.contains("<CreateDBClusterEndpointResult><DBClusterEndpointIdentifier>analytics"),
        "{xml}"
    );
    let created = stub.endpoint("analytics").expect("created");
    assert_eq!(created.static_members, ["instance-3", "instance-1"]);
    let (status, xml) = post(
        stub.addr(),
        "Action=ModifyDBClusterEndpoint&Version=2014-10-31&DBClusterEndpointIdentifier=analytics\
         &StaticMembers.member.1=instance-2",
    )
    .expect("modify");
    assert_eq!(status, 200, "{xml}");
    assert_eq!(
        stub.endpoint("analytics")
            .expect("still there")
            .static_members,
        ["instance-2"]
    );
    let (status, _) = post(
        stub.addr(),
        "Action=DeleteDBClusterEndpoint&Version=2014-10-31&DBClusterEndpointIdentifier=analytics",
    )
    .expect("delete");
    assert_eq!(status, 200);
    assert!(stub.endpoint("analytics").is_none());
    let (status, xml) = post(
        stub.addr(),
        "Action=DeleteDBClusterEndpoint&Version=2014-10-31&DBClusterEndpointIdentifier=analytics",
    )
    .expect("delete again");
    assert_eq!(status, 404);
    assert!(
        xml.contains("<Code>DBClusterEndpointNotFoundFault</Code>"),
        "{xml}"
    );

    // Injected errors, in order, then normal answers again.
    stub.inject(StubFault::Throttling, Repeat::Next(2));
    stub.inject(StubFault::AccessDenied, Repeat::Next(1));
    stub.inject(StubFault::ServerError, Repeat::Next(1));
    let expect_error = |status: u16, code: &str| {
        let (got, xml) = post(stub.addr(), DESCRIBE).expect("describe");
        assert_eq!(got, status, "{xml}");
        assert!(
            xml.contains(
                "<ErrorResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><Error><Type>"
            ) && xml.contains(&format!("<Code>{code}</Code><Message>")),
            "{xml}"
        );
    };
    expect_error(400, "Throttling");
    expect_error(400, "Throttling");
    expect_error(403, "AccessDenied");
    expect_error(500, "InternalFailure");
    assert_eq!(post(stub.addr(), DESCRIBE).expect("describe").0, 200);

    // A hung answer never comes.
    stub.inject(StubFault::Hang, Repeat::Always);
    let hung = post(stub.addr(), DESCRIBE);
    assert!(
        matches!(&hung, Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "{hung:?}"
    );
    stub.clear_faults();
    assert_eq!(post(stub.addr(), DESCRIBE).expect("describe").0, 200);

    // The log has every request with its action and identifier.
    let log = stub.requests();
    assert_eq!(stub.count("DescribeDBClusterEndpoints"), 11);
    assert_eq!(log[0].action, "DescribeDBClusterEndpoints");
    assert_eq!(log[0].endpoint_id.as_deref(), Some("reporting"));
    assert!(log.windows(2).all(|w| w[0].at <= w[1].at));
    assert!(log.iter().any(|r| r.action == "CreateDBClusterEndpoint"
        && r.cluster_id.as_deref() == Some("standin-cluster")));
}

/// Pids of processes whose command line mentions `needle`.
fn processes_mentioning(needle: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            String::from_utf8_lossy(&cmdline)
                .contains(needle)
                .then_some(pid)
        })
        .collect()
}

fn postmaster_pids(cluster: &Cluster) -> Vec<u32> {
    cluster
        .instances()
        .iter()
        .filter_map(|i| {
            let text = std::fs::read_to_string(i.data_dir.join("postmaster.pid")).ok()?;
            text.lines().next()?.trim().parse().ok()
        })
        .collect()
}

fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| s.contains(") Z "))
            .unwrap_or(true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_left_running_after_drop() {
    let cluster = start_cluster();
    let base = cluster.base_dir().to_path_buf();
    let pids = postmaster_pids(&cluster);
    assert_eq!(pids.len(), 3);
    assert!(
        pids.iter().all(|pid| alive(*pid)),
        "one live postmaster per instance"
    );
    let proxy_addr = cluster.proxy("instance-1").expect("proxy").addr();
    let _client = connect_to(&cluster, "instance-1").await;
    drop(cluster);
    assert!(!base.exists(), "{} removed", base.display());
    for pid in pids {
        assert!(!alive(pid), "postmaster {pid} still running");
    }
    assert_no_process_mentions(&base);
    wait_for(|| TcpStream::connect(proxy_addr).is_err());

    // Also when the test that owns the cluster panics.
    let (tx, rx) = std::sync::mpsc::channel();
    let outcome = std::thread::spawn(move || {
        let cluster = Cluster::start_default().expect("cluster starts");
        let _ = tx.send((cluster.base_dir().to_path_buf(), postmaster_pids(&cluster)));
        panic!("a failing test");
    })
    .join();
    assert!(outcome.is_err());
    let (base, pids) = rx.recv().expect("the thread reported its cluster");
    assert!(!base.exists());
    for pid in pids {
        assert!(!alive(pid), "postmaster {pid} still running after a panic");
    }
    assert_no_process_mentions(&base);
}

/// No process may still carry the data directory in its command line (a moment is allowed for
/// the kernel to tear down processes that were just killed).
fn assert_no_process_mentions(base: &std::path::Path) {
    let needle = base.display().to_string();
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let left = processes_mentioning(&needle);
        if left.is_empty() {
            return;
        }
        if Instant::now() > deadline {
            let details: Vec<String> = left
                .iter()
                .map(|pid| {
                    let stat =
                        std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
                    let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                    format!(
                        "{stat} :: {}",
                        String::from_utf8_lossy(&cmd).replace('\0', " ")
                    )
                })
                .collect();
            panic!("processes still mention {needle}: {details:#?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Tests share the harness across threads (`Arc<Cluster>`), so it must stay Send + Sync.
#[test]
fn harness_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Cluster>();
    check::<RdsStub>();
    check::<support::FaultProxy>();
}
