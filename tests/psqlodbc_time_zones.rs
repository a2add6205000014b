//! timestamptz read in the session's time zone, as psql and psqlODBC show it: the session
//! learns its `TimeZone` from the server's reports (the server default, then every
//! `SET TIME ZONE`), and `value::decode_in` turns the UTC instant the server sends into the
//! wall-clock time of that zone. Engine level (no driver manager); compared with what the
//! server itself prints for the same values.

mod support;

use auroraodbc::engine::session::{ConnectOptions, Executed, Fetched, Session};
use auroraodbc::engine::value::decode_in;
use std::collections::VecDeque;
use std::time::Duration;
use support::{Cluster, ClusterOptions, TEST_DATABASE, TEST_PASSWORD, TEST_USER};

fn connect(cluster: &Cluster) -> Session {
    let info = cluster.instance(&cluster.writer_id()).expect("writer");
    Session::connect(&ConnectOptions {
        host: "127.0.0.1".into(),
        port: info.port,
        database: TEST_DATABASE.into(),
        user: TEST_USER.into(),
        password: Some(TEST_PASSWORD.into()),
        connect_timeout: Some(Duration::from_secs(10)),
        application_name: "time-zone-test".into(),
        ..Default::default()
    })
    .expect("connect")
}

/// Reads a one-row, two-column result: column 1 decoded in the session's context and shown
/// as an application reads it as text, column 2 the server's own text.
fn read_pair(session: &mut Session, sql: &str) -> (String, String) {
    let prepared = session.prepare(sql).expect("prepare");
    assert_eq!(
        session.execute(1, &prepared, &[]).expect("execute"),
        Executed::Rows
    );
    let mut rows = VecDeque::new();
    while let Fetched::More = session.fetch(1, 16, &mut rows).expect("fetch") {}
    let row = rows.pop_front().expect("one row");
    let context = session.value_context();
    let raw = auroraodbc::engine::session::raw_value(&row, 0).expect("not null");
    let ours = decode_in(prepared.columns()[0].type_(), raw, &context)
        .expect("decode")
        .to_text()
        .into_owned();
    let server: String = row.get(1);
    (ours, server)
}

/// The instant as the session shows it, next to the server's rendering of the same instant
/// in the session's zone without an offset (psqlODBC's character form): the cast to
/// timestamp, which the server makes in the session's zone.
fn check(session: &mut Session, instant: &str) {
    let sql = format!("SELECT '{instant}'::timestamptz, '{instant}'::timestamptz::timestamp::text");
    let (ours, server) = read_pair(session, &sql);
    assert_eq!(ours, server, "{instant}");
}

#[test]
fn timestamptz_follows_the_servers_default_and_every_set_time_zone() {
    let cluster = Cluster::start(ClusterOptions {
        replicas: 0,
        ..Default::default()
    })
    .expect("start PostgreSQL");
    let mut session = connect(&cluster);

    // The server's default zone, whatever it is here, is known from the login reports.
    let shown: String = session.query_now("SHOW TimeZone").expect("show")[0].get(0);
    assert_eq!(session.value_context().zone.name(), shown);
    check(&mut session, "2024-01-02 02:04:05+00");

    // Winter and summer time of a zone with daylight saving.
    session
        .run_command("SET TIME ZONE 'Europe/Paris'")
        .expect("set");
    assert_eq!(session.value_context().zone.name(), "Europe/Paris");
    let (ours, _) = read_pair(
        &mut session,
        "SELECT '2024-01-02 02:04:05+00'::timestamptz, ''::text",
    );
    assert_eq!(ours, "2024-01-02 03:04:05");
    check(&mut session, "2024-07-01 12:00:00.25+00");

    // The hour New York skips, and the one it repeats.
    session
        .run_command("SET TIME ZONE 'America/New_York'")
        .expect("set");
    for instant in [
        "2024-03-10 06:59:59+00",
        "2024-03-10 07:00:00+00",
        "2024-11-03 05:30:00+00",
        "2024-11-03 06:30:00+00",
    ] {
        check(&mut session, instant);
    }

    // timetz keeps the offset it was written with (or the session's, when written without
    // one): shown as the server shows it, whatever the session's zone is now.
    for literal in ["03:04:05+05:30", "03:04:05.5", "23:59:59-08"] {
        let (ours, server) = read_pair(
            &mut session,
            &format!("SELECT '{literal}'::timetz, '{literal}'::timetz::text"),
        );
        assert_eq!(ours, server, "{literal}");
    }

    // A numeric zone (reported in POSIX form) and RESET back to the default.
    session.run_command("SET TIME ZONE 2").expect("set");
    check(&mut session, "2024-01-02 02:04:05+00");
    session.run_command("RESET TIME ZONE").expect("reset");
    assert_eq!(session.value_context().zone.name(), shown);
    check(&mut session, "1999-12-31 23:59:59.999999+00");
}
