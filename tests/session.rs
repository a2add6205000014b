//! Engine sessions opened for applications (`Session::connect`): their socket task runs on the
//! thread that waits on them, yet other threads can still cut them, and they close cleanly
//! from async code too. No driver manager.

mod fixtures;
mod support;

use auroraodbc::engine::batched_insert::InsertTemplate;
use auroraodbc::engine::error::EngineError;
use auroraodbc::engine::runtime;
use auroraodbc::engine::session::{
    ConnectOptions, ErrorRollback, Executed, Fetched, PerSet, Session, StatementGuard,
};
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::Cluster;

fn single() -> Cluster {
    fixtures::cluster_with(0)
}

/// A session straight to the writer (no fault proxy).
fn options(cluster: &Cluster) -> ConnectOptions {
    let info = cluster.instance(&cluster.writer_id()).expect("writer");
    fixtures::session_options(info.port, "session-test")
}

/// CPU time (user + system, in clock ticks) of this process's threads named `name`.
fn cpu_ticks_of_threads(name: &str) -> u64 {
    let mut total = 0;
    for task in std::fs::read_dir("/proc/self/task")
        .expect("tasks")
        .flatten()
    {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ... : the fields after the closing parenthesis, utime and stime
        // being the 12th and 13th of them.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        if !head.ends_with(&format!("({name}")) {
            continue;
        }
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let utime: u64 = fields.get(11).and_then(|f| f.parse().ok()).unwrap_or(0);
        let stime: u64 = fields.get(12).and_then(|f| f.parse().ok()).unwrap_or(0);
        total += utime + stime;
    }
    total
}

fn read_all(session: &mut Session, owner: u64) -> u64 {
    let mut rows = VecDeque::new();
    let mut count = 0;
    loop {
        let fetched = session.fetch(owner, 1024, &mut rows).expect("fetch");
        count += rows.len() as u64;
        rows.clear();
        if let Fetched::End { .. } = fetched {
            return count;
        }
    }
}

/// The tests of this file run one at a time: the first counts the CPU time of the process-wide
/// runtime's workers, which any other session running beside it could add to.
#[test]
fn a_result_streams_on_the_calling_thread() {
    let _serial = fixtures::serial();
    let cluster = single();
    let mut session = Session::connect(&options(&cluster)).expect("connect");
    let sql = "SELECT g, repeat('x', 40) FROM generate_series(1, 1000000) g";
    let prepared = session.prepare(sql).expect("prepare");
    // The shared runtime exists (connecting resolved nothing, but make sure it runs).
    runtime::block_on(async {}).expect("runtime");
    let before = cpu_ticks_of_threads("auroraodbc-rt");
    let started = Instant::now();
    assert_eq!(
        session.execute(1, &prepared, &[]).expect("execute"),
        Executed::Rows
    );
    assert_eq!(read_all(&mut session, 1), 1_000_000);
    let spent = cpu_ticks_of_threads("auroraodbc-rt") - before;
    eprintln!("runtime worker ticks during the fetch: {spent}");
    // About 45 MB go through the socket; read by a runtime worker and handed over, that
    // costs the workers tens of ticks. Here the calling thread reads it itself.
    assert!(
        spent <= 3,
        "the runtime's workers spent {spent} ticks during a {:?} fetch",
        started.elapsed()
    );
}

#[test]
fn another_thread_cuts_a_call_that_waits_on_the_server() {
    let _serial = fixtures::serial();
    let cluster = single();
    let mut session = Session::connect(&options(&cluster)).expect("connect");
    let killer = session.killer();
    let prepared = session.prepare("SELECT pg_sleep(30)").expect("prepare");
    let cutter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        killer.kill(EngineError::communication("cut by the test"));
    });
    let started = Instant::now();
    let outcome = session.execute(1, &prepared, &[]);
    let waited = started.elapsed();
    cutter.join().expect("cutter");
    let err = outcome.expect_err("the sleep must not finish");
    assert!(err.message.contains("cut by the test"), "{err:?}");
    assert!(waited < Duration::from_secs(5), "returned after {waited:?}");
    assert!(session.is_broken());
    match session.prepare("SELECT 1") {
        Ok(_) => panic!("the session is gone, yet a prepare worked"),
        Err(again) => assert!(again.message.contains("cut by the test"), "{again:?}"),
    }
}

#[test]
fn sessions_close_from_async_code_and_from_plain_threads() {
    let _serial = fixtures::serial();
    let cluster = single();
    let mut watcher = Session::connect(&options(&cluster)).expect("watcher");
    let count_sql =
        "SELECT count(*)::int8 FROM pg_stat_activity WHERE application_name = 'closing'";
    let count = |watcher: &mut Session| -> i64 {
        let rows = watcher.query_now(count_sql).expect("count");
        rows[0].get(0)
    };
    let mut closing = options(&cluster);
    closing.application_name = "closing".into();
    let plain = Session::connect(&closing).expect("plain");
    let in_async = Session::connect(&closing).expect("async");
    assert_eq!(count(&mut watcher), 2);
    // Dropped on an ordinary thread: Terminate goes out before drop returns.
    drop(plain);
    // Dropped inside async code, where nothing may block: the socket is let go instead.
    runtime::block_on(async move { drop(in_async) }).expect("runtime");
    let deadline = Instant::now() + Duration::from_secs(5);
    while count(&mut watcher) > 0 {
        assert!(Instant::now() < deadline, "backends still there");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A session to the writer through a new [`Relay`].
fn session_through_relay(cluster: &Cluster) -> (Relay, Session) {
    let relay = Relay::start(options(cluster).port);
    let mut through_relay = options(cluster);
    through_relay.port = relay.port;
    let session = Session::connect(&through_relay).expect("connect");
    (relay, session)
}

/// A relay between one client and the server that logs which side each read came from
/// ('C' client, 'S' server), so that a test can count round trips.
struct Relay {
    port: u16,
    log: Arc<Mutex<Vec<char>>>,
}

impl Relay {
    fn start(upstream_port: u16) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let log_in_thread = log.clone();
        std::thread::spawn(move || {
            let Ok((client, _)) = listener.accept() else {
                return;
            };
            let Ok(server) = TcpStream::connect(("127.0.0.1", upstream_port)) else {
                return;
            };
            let pipe =
                |mut from: TcpStream, mut to: TcpStream, side: char, log: Arc<Mutex<Vec<char>>>| {
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 65536];
                        while let Ok(n) = from.read(&mut buf) {
                            if n == 0 {
                                break;
                            }
                            log.lock().expect("log").push(side);
                            if to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(std::net::Shutdown::Write);
                    })
                };
            let (c2, s2) = (
                client.try_clone().expect("clone"),
                server.try_clone().expect("clone"),
            );
            pipe(client, server, 'C', log_in_thread.clone());
            pipe(s2, c2, 'S', log_in_thread);
        });
        Relay { port, log }
    }

    fn clear(&self) {
        self.log.lock().expect("log").clear();
    }

    /// Client requests that waited for a server answer since the last clear: runs of client
    /// reads, each ended by the server's answer.
    fn round_trips(&self) -> usize {
        let log = self.log.lock().expect("log");
        let mut trips = 0;
        let mut last = ' ';
        for side in log.iter() {
            if *side == 'C' && last != 'C' {
                trips += 1;
            }
            last = *side;
        }
        trips
    }
}

#[test]
fn prepare_and_execute_in_one_round_trip() {
    let _serial = fixtures::serial();
    let cluster = single();
    let (relay, mut session) = session_through_relay(&cluster);
    let sql = "SELECT g FROM generate_series(1, $1::int4) g";
    // Prepared first, then executed: two round trips (this also shows that the relay counts).
    relay.clear();
    let prepared = session.prepare(sql).expect("prepare");
    session
        .execute(9, &prepared, &[Some("2")])
        .expect("execute");
    assert_eq!(read_all(&mut session, 9), 2);
    assert_eq!(relay.round_trips(), 2);
    // Both at once: one.
    relay.clear();
    let (_kept, executed) = session
        .prepare_and_execute(9, sql, &[Some("2")])
        .expect("prepare");
    executed.expect("execute");
    assert_eq!(read_all(&mut session, 9), 2);
    assert_eq!(relay.round_trips(), 1);
    drop(prepared);

    // Rows: the prepared statement describes them, the first one is already there.
    let (prepared, executed) = session
        .prepare_and_execute(
            1,
            "SELECT g, 'x' || g FROM generate_series(1, $1::int4) g",
            &[Some("3")],
        )
        .expect("prepare");
    assert_eq!(executed.expect("execute"), Executed::Rows);
    assert_eq!(prepared.columns().len(), 2);
    assert_eq!(prepared.params().len(), 1);
    assert_eq!(read_all(&mut session, 1), 3);
    // No rows at all: still a result set, described.
    let (prepared, executed) = session
        .prepare_and_execute(2, "SELECT 1 AS one WHERE false", &[])
        .expect("prepare");
    assert_eq!(executed.expect("execute"), Executed::Rows);
    assert_eq!(prepared.columns()[0].name(), "one");
    assert_eq!(read_all(&mut session, 2), 0);
    // A command: its row count.
    let (prepared, executed) = session
        .prepare_and_execute(
            3,
            "CREATE TEMP TABLE t AS SELECT g FROM generate_series(1, 5) g",
            &[],
        )
        .expect("prepare");
    assert!(prepared.columns().is_empty());
    assert_eq!(
        executed.expect("execute"),
        Executed::Done {
            rows_affected: Some(5)
        }
    );
    // Bad SQL fails as a prepare, with the server's SQLSTATE; the session goes on.
    match session.prepare_and_execute(4, "SELEKT 1", &[]) {
        Ok(_) => panic!("bad SQL prepared"),
        Err(e) => assert_eq!(e.sqlstate_str(), "42601", "{e:?}"),
    }
    // A failure while executing belongs to the execution.
    let (_, executed) = session
        .prepare_and_execute(5, "SELECT 1 / $1::int4", &[Some("0")])
        .expect("prepare");
    match executed {
        Ok(_) => panic!("division by zero succeeded"),
        Err(e) => assert_eq!(e.sqlstate_str(), "22012", "{e:?}"),
    }
    let (_, executed) = session
        .prepare_and_execute(6, "SELECT count(*) FROM t", &[])
        .expect("prepare after errors");
    assert_eq!(executed.expect("execute"), Executed::Rows);
    assert_eq!(read_all(&mut session, 6), 1);
}

/// Statement-level rollback: the savepoint of a statement inside a transaction goes out in the
/// statement's own round trip (none before the first statement); a failure costs one more
/// (the rollback to it), and the transaction goes on.
#[test]
fn statement_savepoints_ride_with_the_statement() {
    let _serial = fixtures::serial();
    let cluster = single();
    let (relay, mut session) = session_through_relay(&cluster);
    session
        .run_command("CREATE TEMP TABLE sp (x int)")
        .expect("table");
    session.begin_if_needed().expect("begin");
    let insert = |session: &mut Session, owner: u64, x: &str| {
        session.begin_statement(StatementGuard::Savepoint);
        relay.clear();
        let (_, executed) = session
            .prepare_and_execute(owner, "INSERT INTO sp VALUES ($1::int4)", &[Some(x)])
            .expect("prepare");
        (executed, relay.round_trips())
    };
    for (owner, x) in [(1, "1"), (2, "2")] {
        let (executed, trips) = insert(&mut session, owner, x);
        executed.expect("insert");
        assert_eq!(trips, 1, "insert {x}");
    }
    let prepared = session
        .prepare("INSERT INTO sp VALUES ($1::int4)")
        .expect("prepare");
    session.begin_statement(StatementGuard::Savepoint);
    relay.clear();
    session
        .execute(3, &prepared, &[Some("3")])
        .expect("execute");
    assert_eq!(
        relay.round_trips(),
        1,
        "a prepared execution with its savepoint"
    );
    // A failure: the transaction has failed until rolled back to the statement's savepoint.
    let (executed, trips) = insert(&mut session, 4, "x");
    assert_eq!(
        executed.expect_err("bad value").sqlstate_str(),
        "22P02",
        "bad value"
    );
    assert_eq!(trips, 1);
    assert!(session.transaction_failed());
    relay.clear();
    session
        .recover_failed_transaction(ErrorRollback::Statement)
        .expect("rollback to the savepoint");
    assert_eq!(relay.round_trips(), 1, "the rollback to the savepoint");
    assert!(!session.transaction_failed());
    insert(&mut session, 5, "4")
        .0
        .expect("insert after the failure");
    session.end_transaction(true).expect("commit");
    let rows = session
        .query_now("SELECT string_agg(x::text, ',' ORDER BY x) FROM sp")
        .expect("rows");
    let kept: String = rows[0].get(0);
    assert_eq!(kept, "1,2,3,4");
}

#[test]
fn a_parked_result_delivers_its_rows_then_the_error_that_ended_it() {
    let _serial = fixtures::serial();
    let cluster = single();
    let mut session = Session::connect(&options(&cluster)).expect("connect");
    // Rows for g = 1 and 2, then a division by zero.
    let failing = session
        .prepare("SELECT 10 / (3 - g) FROM generate_series(1, 5) g")
        .expect("prepare");
    assert_eq!(
        session.execute(1, &failing, &[]).expect("execute"),
        Executed::Rows
    );
    // Another statement needs the connection: the first result is parked, error included.
    let other = session.prepare("SELECT 42").expect("prepare");
    session.execute(2, &other, &[]).expect("execute the other");
    assert_eq!(read_all(&mut session, 2), 1);
    let mut rows = VecDeque::new();
    let mut values = Vec::new();
    let err = loop {
        match session.fetch(1, 1, &mut rows) {
            Ok(Fetched::More) => values.extend(rows.drain(..).map(|r| r.get::<_, i32>(0))),
            Ok(Fetched::End { .. }) => panic!("the result ended without its error"),
            Err(e) => break e,
        }
    };
    assert_eq!(values, vec![5, 10]);
    assert_eq!(err.sqlstate_str(), "22012", "{err:?}");
    // The session goes on.
    session
        .execute(3, &other, &[])
        .expect("execute after the error");
    assert_eq!(read_all(&mut session, 3), 1);
}

#[test]
fn an_idle_session_notices_that_the_server_closed_it() {
    let _serial = fixtures::serial();
    let cluster = single();
    let mut session = Session::connect(&options(&cluster)).expect("connect");
    let mut other = Session::connect(&options(&cluster)).expect("connect another");
    let pid: i32 = session.query_now("SELECT pg_backend_pid()").expect("pid")[0].get(0);
    assert!(!session.is_broken());
    other
        .query_now(&format!("SELECT pg_terminate_backend({pid})"))
        .expect("terminate");
    // No call on the session: only the check itself may look at its socket.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !session.is_broken() {
        assert!(
            Instant::now() < deadline,
            "the closed session still looks alive"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!other.is_broken());
}

#[test]
fn parameter_arrays_insert_as_multi_row_statements_in_one_transaction() {
    let _serial = fixtures::serial();
    let cluster = single();
    let mut session = Session::connect(&options(&cluster)).expect("connect");
    session
        .run_command(
            "CREATE TABLE rw (id int PRIMARY KEY, note text);
             CREATE TABLE rw_fired (n int);
             CREATE FUNCTION rw_count() RETURNS trigger LANGUAGE plpgsql AS
               $$BEGIN INSERT INTO rw_fired VALUES (1); RETURN NULL; END$$;
             CREATE TRIGGER rw_stmt AFTER INSERT ON rw FOR EACH STATEMENT EXECUTE FUNCTION rw_count();",
        )
        .expect("schema");
    let template = InsertTemplate::parse("INSERT INTO rw (id, note) VALUES ($1, $2)", 2)
        .expect("a plain insert");
    let sets = |ids: std::ops::Range<i32>| -> Vec<Vec<Option<String>>> {
        ids.map(|i| {
            vec![
                Some(i.to_string()),
                (i % 3 != 0).then(|| format!("n'{i}\\")),
            ]
        })
        .collect()
    };

    // 2500 sets: statements of 1000, 1000 and 500 rows.
    let inserted = session
        .insert_rows_atomic(1, &template, &[], &sets(1..2501))
        .expect("insert");
    assert_eq!(inserted, Some(2500));
    assert_eq!(count(&mut session, "SELECT count(*) FROM rw_fired"), 3);
    assert_eq!(
        count(&mut session, "SELECT count(note) FROM rw"),
        2500 - 833
    );
    let note: String = session
        .query_now("SELECT note FROM rw WHERE id = 2500")
        .expect("query")[0]
        .get(0);
    assert_eq!(note, "n'2500\\");

    // The 1000-row statement is kept prepared and used again (prepared before this second
    // array); the 200-row one is new.
    let between: String = session
        .query_now("SELECT clock_timestamp()::text")
        .expect("clock")[0]
        .get(0);
    assert_eq!(
        session
            .insert_rows_atomic(1, &template, &[], &sets(2501..3701))
            .expect("insert"),
        Some(1200)
    );
    let kept = |session: &mut Session, extra: &str| {
        count(
            session,
            &format!(
                "SELECT count(*) FROM pg_prepared_statements \
                 WHERE statement LIKE 'INSERT INTO rw %' {extra}"
            ),
        )
    };
    assert_eq!(kept(&mut session, ""), 3);
    let older = format!("AND prepare_time < '{between}'::timestamptz");
    assert_eq!(
        kept(&mut session, &older),
        2,
        "1000- and 500-row statements reused"
    );

    // One duplicate key: nothing of the array is applied, and no transaction is left open.
    let mut failing = sets(5000..5100);
    failing[50][0] = Some("7".into());
    assert_eq!(
        session
            .insert_rows_atomic(1, &template, &[], &failing)
            .expect("a failed array is not an error"),
        None
    );
    assert!(!session.in_transaction());
    assert_eq!(count(&mut session, "SELECT count(*) FROM rw"), 3700);

    // A set of the wrong width is refused before anything is sent.
    let err = session
        .insert_rows_atomic(1, &template, &[], &[vec![Some("1".into())]])
        .expect_err("wrong width");
    assert_eq!(err.sqlstate_str(), "07002");
    assert_eq!(count(&mut session, "SELECT count(*) FROM rw"), 3700);
}

/// The one integer `sql` returns.
fn count(session: &mut Session, sql: &str) -> i64 {
    session.query_now(sql).expect("query")[0].get::<_, i64>(0)
}

/// DDL for a table `log` (one text column) and a statement trigger on `table` that adds the
/// first word of the statement running (`COPY`, `INSERT`) to it each time it fires.
fn statement_log(table: &str, log: &str) -> String {
    format!(
        "CREATE TABLE {log} (via text);
         CREATE FUNCTION {log}_add() RETURNS trigger LANGUAGE plpgsql AS
           $$BEGIN INSERT INTO {log} VALUES (split_part(current_query(), ' ', 1));
             RETURN NULL; END$$;
         CREATE TRIGGER {log}_add AFTER INSERT ON {table}
           FOR EACH STATEMENT EXECUTE FUNCTION {log}_add();"
    )
}

#[test]
fn parameter_arrays_load_with_copy_where_it_inserts_what_the_inserts_would() {
    let _serial = fixtures::serial();
    let cluster = single();
    let mut session = Session::connect(&options(&cluster)).expect("connect");
    session
        .run_command(
            &(String::from("CREATE TABLE cp (id int PRIMARY KEY, note text);")
                + &statement_log("cp", "cp_log")
                + "CREATE TABLE cp_secure (id int, note text);
             ALTER TABLE cp_secure ENABLE ROW LEVEL SECURITY;
             CREATE VIEW cp_view AS SELECT * FROM cp;"),
        )
        .expect("schema");
    let log = |session: &mut Session| -> String {
        let text: String = session
            .query_now("SELECT coalesce(string_agg(via, ','), '') FROM cp_log")
            .expect("log")[0]
            .get(0);
        session.run_command("DELETE FROM cp_log").expect("clear");
        text
    };
    let template = InsertTemplate::parse("INSERT INTO cp (id, note) VALUES ($1, $2)", 2)
        .expect("a plain insert");
    let sets = |ids: std::ops::Range<i32>| -> Vec<Vec<Option<String>>> {
        ids.map(|i| {
            vec![
                Some(i.to_string()),
                (i % 3 != 0).then(|| format!("a\tb\\{i}\n")),
            ]
        })
        .collect()
    };

    assert_eq!(
        session
            .copy_rows_atomic(1, &template, &[0, 0], &sets(1..3001), PerSet::Merged)
            .expect("copy"),
        Some(Some(3000))
    );
    assert_eq!(log(&mut session), "COPY");
    assert!(!session.in_transaction());
    let note: String = session
        .query_now("SELECT note FROM cp WHERE id = 2999")
        .expect("query")[0]
        .get(0);
    assert_eq!(note, "a\tb\\2999\n");
    assert_eq!(count(&mut session, "SELECT count(note) FROM cp"), 2000);

    // A duplicate key: nothing applied, no transaction left open.
    let mut failing = sets(4000..4100);
    failing[70][0] = Some("7".into());
    assert_eq!(
        session
            .copy_rows_atomic(1, &template, &[0, 0], &failing, PerSet::Merged)
            .expect("a failed array is not an error"),
        Some(None)
    );
    assert!(!session.in_transaction());
    assert_eq!(count(&mut session, "SELECT count(*) FROM cp"), 3000);

    // The application drops every prepared statement: that array is left to the INSERTs,
    // and the next one prepares the COPY again.
    session.run_command("DEALLOCATE ALL").expect("deallocate");
    assert_eq!(
        session
            .copy_rows_atomic(1, &template, &[0, 0], &sets(5000..5010), PerSet::Merged)
            .expect("stale"),
        None
    );
    assert_eq!(
        session
            .copy_rows_atomic(1, &template, &[0, 0], &sets(5000..5010), PerSet::Merged)
            .expect("copy again"),
        Some(Some(10))
    );
    assert_eq!(log(&mut session), "COPY");

    // A parameter typed other than its column (int8 into int4), a table with row security,
    // a view, a table that is gone: not for COPY, nothing applied, no transaction open.
    assert_eq!(
        session
            .copy_rows_atomic(1, &template, &[20, 0], &sets(6000..6010), PerSet::Merged)
            .expect("typed"),
        None
    );
    for target in ["cp_secure", "cp_view", "cp_missing"] {
        let other = InsertTemplate::parse(
            &format!("INSERT INTO {target} (id, note) VALUES ($1, $2)"),
            2,
        )
        .expect("a plain insert");
        assert_eq!(
            session
                .copy_rows_atomic(1, &other, &[0, 0], &sets(6000..6010), PerSet::Merged)
                .expect("not for COPY"),
            None,
            "{target}"
        );
        assert!(!session.in_transaction());
    }
    assert_eq!(count(&mut session, "SELECT count(*) FROM cp"), 3010);
    assert_eq!(count(&mut session, "SELECT count(*) FROM cp_secure"), 0);
    assert_eq!(log(&mut session), "");
    // Row security enabled after the first array: seen by the next one.
    session
        .run_command("ALTER TABLE cp ENABLE ROW LEVEL SECURITY")
        .expect("rls");
    assert_eq!(
        session
            .copy_rows_atomic(1, &template, &[0, 0], &sets(7000..7010), PerSet::Merged)
            .expect("now with row security"),
        None
    );
    assert_eq!(count(&mut session, "SELECT count(*) FROM cp"), 3010);
    // A partitioned table: rows routed to their partitions by one COPY.
    session
        .run_command(
            "CREATE TABLE cp_part (id int, note text) PARTITION BY RANGE (id);
             CREATE TABLE cp_low PARTITION OF cp_part FOR VALUES FROM (0) TO (100);
             CREATE TABLE cp_high PARTITION OF cp_part FOR VALUES FROM (100) TO (1000);",
        )
        .expect("partitions");
    let parted = InsertTemplate::parse("INSERT INTO public.cp_part (id, note) VALUES ($1, $2)", 2)
        .expect("a plain insert");
    assert_eq!(
        session
            .copy_rows_atomic(1, &parted, &[23, 0], &sets(50..250), PerSet::Merged)
            .expect("partitioned"),
        Some(Some(200))
    );
    assert_eq!(count(&mut session, "SELECT count(*) FROM cp_low"), 50);
    assert_eq!(count(&mut session, "SELECT count(*) FROM cp_high"), 150);
    let reordered = InsertTemplate::parse("INSERT INTO cp (note, id) VALUES ($2, $1)", 2)
        .expect("a plain insert");
    // A read-only session: COPY would be refused at its start (and, with tokio-postgres,
    // the connection lost with it); the array is left to the INSERTs and the session stays
    // usable.
    session
        .run_command(
            "ALTER TABLE cp DISABLE ROW LEVEL SECURITY; SET default_transaction_read_only = on",
        )
        .expect("read only");
    assert_eq!(
        session
            .copy_rows_atomic(1, &reordered, &[0, 0], &sets(6500..6510), PerSet::Merged)
            .expect("read only"),
        None
    );
    session
        .run_command("SET default_transaction_read_only = off")
        .expect("read write");
    assert_eq!(count(&mut session, "SELECT count(*) FROM cp"), 3010);
}

/// An array of short rows into a table that nothing could tell apart goes in as a few COPYs in
/// its one transaction (the server makes a slot per row gathered before its first write, at a
/// cost that grows with their square); one failing row still leaves nothing applied. Where a
/// statement trigger could count the COPYs, one.
#[test]
fn short_rows_go_in_a_few_copies_where_nothing_can_count_them() {
    let _serial = fixtures::serial();
    let cluster = single();
    let (relay, mut session) = session_through_relay(&cluster);
    session
        .run_command(
            &(String::from(
                "CREATE TABLE cq (id int PRIMARY KEY, note text);
                 CREATE TABLE cq_counted (id int, note text);",
            ) + &statement_log("cq_counted", "cq_log")),
        )
        .expect("schema");
    let sets = |ids: std::ops::Range<i32>| -> Vec<Vec<Option<String>>> {
        ids.map(|i| vec![Some(i.to_string()), Some(format!("n{i}"))])
            .collect()
    };
    let plain = InsertTemplate::parse("INSERT INTO cq (id, note) VALUES ($1, $2)", 2)
        .expect("a plain insert");
    let counted = InsertTemplate::parse("INSERT INTO cq_counted (id, note) VALUES ($1, $2)", 2)
        .expect("a plain insert");
    // The session's first array prepares the check: a round trip of its own.
    assert_eq!(
        session
            .copy_rows_atomic(1, &plain, &[0, 0], &sets(0..1), PerSet::Statements)
            .expect("copy"),
        Some(Some(1))
    );

    // 1000 short rows: three COPYs. The check's round trip, then a start and an end for each
    // (the COMMIT rides with the last end).
    relay.clear();
    assert_eq!(
        session
            .copy_rows_atomic(1, &plain, &[0, 0], &sets(1..1001), PerSet::Statements)
            .expect("copy"),
        Some(Some(1000))
    );
    assert_eq!(relay.round_trips(), 7);
    assert!(!session.in_transaction());
    assert_eq!(
        count(
            &mut session,
            "SELECT count(DISTINCT xmin::text) FROM cq WHERE id BETWEEN 1 AND 1000"
        ),
        1,
        "one transaction"
    );
    assert_eq!(
        count(
            &mut session,
            "SELECT count(*) FROM cq WHERE note = 'n' || id AND id BETWEEN 1 AND 1000"
        ),
        1000
    );

    // A duplicate key in the first COPY, then in the last: nothing applied either time.
    for at in [10, 990] {
        let mut failing = sets(2000..3000);
        failing[at][0] = Some("5".into());
        assert_eq!(
            session
                .copy_rows_atomic(1, &plain, &[0, 0], &failing, PerSet::Statements)
                .expect("a failed array is not an error"),
            Some(None),
            "duplicate at {at}"
        );
        assert!(!session.in_transaction());
        assert_eq!(count(&mut session, "SELECT count(*) FROM cq"), 1001);
    }

    // A statement trigger: one COPY, which it sees once.
    relay.clear();
    assert_eq!(
        session
            .copy_rows_atomic(1, &counted, &[0, 0], &sets(1..1001), PerSet::Merged)
            .expect("copy"),
        Some(Some(1000))
    );
    assert_eq!(relay.round_trips(), 3);
    assert_eq!(count(&mut session, "SELECT count(*) FROM cq_log"), 1);
    assert_eq!(count(&mut session, "SELECT count(*) FROM cq_counted"), 1000);
}

/// Which check constraints leave a table to COPY on the default path: plain expressions over
/// built-in immutable functions and operators can see nothing of other rows or of the
/// statement, so each set still inserts exactly what its own statement would. Anything that
/// reads the time, casts through text, or calls a user's function keeps the statements.
#[test]
fn check_constraints_of_immutable_builtins_keep_the_default_copy() {
    let _serial = fixtures::serial();
    let cluster = single();
    let mut session = Session::connect(&options(&cluster)).expect("connect");
    session
        .run_command(
            "CREATE FUNCTION ck_positive(int) RETURNS boolean LANGUAGE sql IMMUTABLE
               AS 'SELECT $1 > 0';",
        )
        .expect("function");
    let fits = [
        ("ck_compare", "id > 0"),
        ("ck_in", "s IN ('a', 'b')"),
        (
            "ck_calls",
            "length(s) < 10 AND s IS NOT NULL AND upper(s) <> 'Z'",
        ),
        (
            "ck_case",
            "CASE WHEN s = 'a' THEN id > 0 ELSE coalesce(id, 0) >= 0 END",
        ),
        (
            "ck_distinct",
            "id IS DISTINCT FROM NULLIF(id, -1) OR id > 0",
        ),
        ("ck_bool", "(id > 0) IS TRUE"),
    ];
    let keeps = [
        ("ck_now", "id < extract(epoch FROM now())"),
        ("ck_date", "current_date > '2000-01-01'"),
        ("ck_cast", "s::text::varchar(5) = s AND id::text::int > 0"),
        ("ck_row", "ROW(id, 1) > ROW(0, 0)"),
        ("ck_user", "ck_positive(id)"),
        ("ck_random", "random() < 2"),
    ];
    for (table, check) in fits.iter().chain(&keeps) {
        session
            .run_command(&format!(
                "CREATE TABLE {table} (id int, s text, CHECK ({check}))"
            ))
            .expect("table");
    }
    let sets: Vec<Vec<Option<String>>> = (1..=40)
        .map(|i| vec![Some(i.to_string()), Some("a".into())])
        .collect();
    for (table, _) in fits.iter().chain(&keeps) {
        let template =
            InsertTemplate::parse(&format!("INSERT INTO {table} (id, s) VALUES ($1, $2)"), 2)
                .expect("a plain insert");
        let copied = session
            .copy_rows_atomic(1, &template, &[0, 0], &sets, PerSet::Statements)
            .expect("copy");
        let expected = fits.iter().any(|(t, _)| t == table).then_some(Some(40));
        assert_eq!(copied, expected, "{table}");
        // Multi-row statements (RewriteBatchedInserts) take any of them.
        let merged = session
            .copy_rows_atomic(1, &template, &[0, 0], &sets, PerSet::Merged)
            .expect("copy");
        assert_eq!(merged, Some(Some(40)), "{table}");
    }
    // A row the check refuses: nothing of the array applied.
    let template = InsertTemplate::parse("INSERT INTO ck_compare (id, s) VALUES ($1, $2)", 2)
        .expect("a plain insert");
    let mut failing = sets.clone();
    failing[30][0] = Some("-3".into());
    assert_eq!(
        session
            .copy_rows_atomic(1, &template, &[0, 0], &failing, PerSet::Statements)
            .expect("a failed array is not an error"),
        Some(None)
    );
    let rows: i64 = session
        .query_now("SELECT count(*) FROM ck_compare")
        .expect("count")[0]
        .get(0);
    assert_eq!(rows, 80);
}
