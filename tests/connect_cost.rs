//! What a connect sends: no statement the application did not ask for (issue 20).
//!
//! A relay between the driver and the stand-in reads the PostgreSQL protocol of every
//! connection through it and records, per connection, the application name of its startup
//! message, the statements it sent (Query and Parse messages) and its round trips (runs of client
//! writes answered by the server) after the login. Connections are opened the way SQLConnect opens
//! them (the ODBC layer's `Connection::open`, default plugin chain), so anything added to the
//! connect path that talks to the server shows up here.

mod fixtures;
mod support;

use auroraodbc::odbc::conn::Connection;
use auroraodbc::odbc::env::Environment;
use auroraodbc::odbc::stmt::Statement;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{Cluster, ClusterOptions, TEST_DATABASE, TEST_PASSWORD, TEST_USER};

/// The application name of the connections under test; monitoring connections get another.
const APP: &str = "connect-cost";

/// What one connection through the relay did.
#[derive(Default, Clone, Debug)]
struct Conversation {
    application_name: String,
    /// Whether the server has finished the login (its first ReadyForQuery).
    logged_in: bool,
    /// Statements after the login: the text of each Query and Parse message.
    statements: Vec<String>,
    /// Runs of client messages after the login, each ended by the server's answer.
    round_trips: usize,
    /// Which side sent the last message seen after the login ('C' or 'S').
    last: char,
    /// Close messages from the client after the login.
    closes: usize,
}

/// Splits whole protocol messages off `buf`: `(type, body)`. While `untyped_first`, the next
/// message has no type byte (the client's startup message; type 0 here).
fn messages(buf: &mut Vec<u8>, untyped_first: &mut bool) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    loop {
        let (kind, header) = if *untyped_first {
            (0u8, 0)
        } else {
            (buf.first().copied().unwrap_or(0), 1)
        };
        if buf.len() < header + 4 {
            return out;
        }
        let len = u32::from_be_bytes([
            buf[header],
            buf[header + 1],
            buf[header + 2],
            buf[header + 3],
        ]) as usize;
        let total = header + len;
        if buf.len() < total {
            return out;
        }
        let body = buf[header + 4..total].to_vec();
        buf.drain(..total);
        if *untyped_first {
            // 80877103: SSLRequest, 80877104: GSSENCRequest; the startup message follows.
            let code = body
                .get(..4)
                .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
            if !matches!(code, Some(80877103) | Some(80877104)) {
                *untyped_first = false;
            }
        }
        out.push((kind, body));
    }
}

/// The NUL-terminated strings of a message body.
fn strings(body: &[u8]) -> Vec<String> {
    body.split(|b| *b == 0)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// A relay in front of `upstream` that records every connection's conversation.
struct Relay {
    port: u16,
    conversations: Arc<Mutex<Vec<Conversation>>>,
}

impl Relay {
    fn start(upstream: u16) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let conversations: Arc<Mutex<Vec<Conversation>>> = Arc::default();
        let all = conversations.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    return;
                };
                let index = {
                    let mut all = all.lock().expect("conversations");
                    all.push(Conversation::default());
                    all.len() - 1
                };
                let (c2, s2) = (
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                );
                pipe(client, server, 'C', index, all.clone());
                pipe(s2, c2, 'S', index, all.clone());
            }
        });
        Relay {
            port,
            conversations,
        }
    }

    /// The conversations of the connections under test (not monitoring ones), in order.
    fn of_app(&self) -> Vec<Conversation> {
        self.conversations
            .lock()
            .expect("conversations")
            .iter()
            .filter(|c| c.application_name == APP)
            .cloned()
            .collect()
    }
}

/// Copies `from` to `to`, recording the messages of one direction (`side`) of conversation
/// `index`.
fn pipe(
    mut from: TcpStream,
    mut to: TcpStream,
    side: char,
    index: usize,
    all: Arc<Mutex<Vec<Conversation>>>,
) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        let mut pending = Vec::new();
        // The client's first message is the startup message (sslmode=disable: no SSL request,
        // whose one-byte answer would not be a message).
        let mut untyped_first = side == 'C';
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            pending.extend_from_slice(&buf[..n]);
            {
                let mut all = all.lock().expect("conversations");
                let c = &mut all[index];
                for (kind, body) in messages(&mut pending, &mut untyped_first) {
                    match (side, kind) {
                        ('C', 0) => {
                            let fields = strings(body.get(4..).unwrap_or_default());
                            if let Some(i) = fields.iter().position(|f| f == "application_name") {
                                c.application_name = fields.get(i + 1).cloned().unwrap_or_default();
                            }
                        }
                        ('S', b'Z') if !c.logged_in => {
                            c.logged_in = true;
                            c.last = 'S';
                            continue;
                        }
                        _ => {}
                    }
                    // Terminate expects no answer: closing is not a round trip.
                    if !c.logged_in || (side == 'C' && kind == b'X') {
                        continue;
                    }
                    if side == 'C' {
                        if c.last != 'C' {
                            c.round_trips += 1;
                        }
                        match kind {
                            b'Q' => c.statements.push(strings(&body)[0].clone()),
                            b'P' => c
                                .statements
                                .push(strings(&body).get(1).cloned().unwrap_or_default()),
                            b'C' => c.closes += 1,
                            _ => {}
                        }
                    }
                    c.last = side;
                }
            }
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(std::net::Shutdown::Write);
    });
}

/// Connection-string keys for the stand-in's test role through the relay, with the default
/// plugin chain: plain TCP (the relay reads the protocol), monitoring connections named apart.
fn keys(server: &str, port: u16, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = vec![
        ("Server".into(), server.into()),
        ("Port".into(), port.to_string()),
        ("Database".into(), TEST_DATABASE.into()),
        ("UID".into(), TEST_USER.into()),
        ("PWD".into(), TEST_PASSWORD.into()),
        ("sslmode".into(), "disable".into()),
        ("application_name".into(), APP.into()),
        (
            "monitoring-application_name".into(),
            "connect-cost-monitor".into(),
        ),
    ];
    keys.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    keys
}

/// Opens a connection the way SQLDriverConnect does (the ODBC layer, default chain) and
/// closes it again.
fn connect_and_close(pairs: &[(String, String)]) {
    let conn = Connection::new(Arc::new(Environment::new()));
    conn.open("", pairs).expect("connect");
    conn.disconnect().expect("disconnect");
}

/// Waits until the relay has seen `n` connections of the application end (their Terminate
/// makes the last round trip count settle).
fn settled(relay: &Relay, n: usize) -> Vec<Conversation> {
    assert!(
        fixtures::eventually(Duration::from_secs(5), || relay.of_app().len() >= n),
        "the relay saw {} connections of the application, expected {n}",
        relay.of_app().len()
    );
    std::thread::sleep(Duration::from_millis(100));
    relay.of_app()
}

/// Plain PostgreSQL by address (no Aurora host name, no `cluster_instance_host_pattern`): the
/// default chain sends nothing at all after the login, so a connect costs the login alone.
#[test]
fn a_plain_connect_sends_no_statement() {
    let cluster = fixtures::cluster_with(0);
    let writer = cluster.instance(&cluster.writer_id()).expect("writer");
    let relay = Relay::start(writer.port);
    let pairs = keys("127.0.0.1", relay.port, &[]);
    connect_and_close(&pairs);
    connect_and_close(&pairs);
    for c in settled(&relay, 2) {
        assert!(c.logged_in, "{c:?}");
        assert_eq!(
            c.statements,
            Vec::<String>::new(),
            "statements after the login: {c:?}"
        );
        assert_eq!(c.round_trips, 0, "round trips after the login: {c:?}");
    }
}

/// Through an Aurora cluster (writer) endpoint: the first connection of the process to the
/// endpoint learns its dialect and reads the cluster's topology; every later one sends exactly
/// one statement, which learns the instance and its role at once (for initial connection,
/// failover and the connection tracker alike), in one round trip.
#[test]
fn a_cluster_endpoint_connect_sends_one_statement_once_the_cluster_is_known() {
    let cluster = Cluster::start(ClusterOptions {
        replicas: 1,
        dns_hash: "connectcost".into(),
        ..Default::default()
    })
    .expect("start cluster");
    let writer = cluster.instance(&cluster.writer_id()).expect("writer");
    let relay = Relay::start(writer.port);
    let endpoint = cluster.cluster_endpoint_host();
    let map = format!("{endpoint}=127.0.0.1:{}", relay.port);
    let pairs = keys(&endpoint, 5432, &[("host_address_map", &map)]);
    connect_and_close(&pairs);
    let first = settled(&relay, 1);
    assert_eq!(
        first[0].statements.len(),
        first[0].round_trips,
        "one round trip per statement: {:?}",
        first[0]
    );
    assert!(
        first[0].statements.len() <= 3,
        "the first connect: dialect, role and topology at most: {:?}",
        first[0]
    );
    for _ in 0..3 {
        connect_and_close(&pairs);
    }
    let all = settled(&relay, 4);
    for c in &all[1..] {
        assert_eq!(c.statements.len(), 1, "statements after the login: {c:?}");
        assert!(
            c.statements[0].contains("aurora_db_instance_identifier()")
                && c.statements[0].contains("pg_is_in_recovery()"),
            "{c:?}"
        );
        assert_eq!(c.round_trips, 1, "round trips after the login: {c:?}");
    }
}

/// An application that frees its statement and disconnects (the pattern of a connection per
/// request): the statement's Close is not sent, since the server forgets the statement with
/// the session, so the disconnect waits for no answer. A statement freed while the session
/// goes on is closed, with the next statement's messages rather than in a round trip of its own.
#[test]
fn a_freed_statement_costs_no_round_trip() {
    let cluster = fixtures::cluster_with(0);
    let writer = cluster.instance(&cluster.writer_id()).expect("writer");
    let relay = Relay::start(writer.port);
    let pairs = keys("127.0.0.1", relay.port, &[]);
    let run = |statements: &[&str]| {
        let conn = Arc::new(Connection::new(Arc::new(Environment::new())));
        conn.open("", &pairs).expect("connect");
        for sql in statements {
            let stmt = Statement::new(Arc::clone(&conn));
            stmt.exec_direct(sql).expect("execute");
            stmt.free();
        }
        conn.disconnect().expect("disconnect");
    };
    run(&["SELECT 1"]);
    let c = &settled(&relay, 1)[0];
    // Prepared and executed together: a Parse for each, in one round trip.
    assert!(
        !c.statements.is_empty() && c.statements.iter().all(|s| s == "SELECT 1"),
        "{c:?}"
    );
    assert_eq!(c.round_trips, 1, "round trips after the login: {c:?}");
    assert_eq!(c.closes, 0, "Close messages: {c:?}");

    run(&["SELECT 1", "SELECT 2"]);
    let c = &settled(&relay, 2)[1];
    assert_eq!(c.round_trips, 2, "one round trip per statement: {c:?}");
    assert_eq!(c.closes, 1, "the first statement is closed: {c:?}");
}
