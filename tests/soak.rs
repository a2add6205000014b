//! The fault soak: writer threads of a C program (tests/c/soak.c) keep inserting through
//! unixODBC and the real driver library, in autocommit and in explicit transactions, while the
//! stand-in cluster suffers a seeded random schedule of faults: a replica promoted (clean
//! failover, or after a crash of the writer), the writer crashed and restarted, its traffic
//! black-holed, its connections reset. The cluster replicates synchronously, so the stand-in
//! itself loses no acknowledged commit. Afterwards every row the driver acknowledged must be on
//! the final writer, every transaction whole or absent, no call may have run past the bound the
//! settings give (failure detection plus failover timeout), and the client's resident memory
//! must stay flat. The second test does the same through a custom endpoint, with readers too,
//! and checks that no connection ever lands on an instance outside the endpoint.
//!
//! `SOAK_SEED=<n>` repeats a schedule (every run prints its seed); `SOAK_FAULTS=<n>` changes
//! how many faults each test injects (default 20).

mod common;
mod support;

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::{
    Cluster, ClusterOptions, CustomEndpoint, FaultMode, RdsStub, TEST_DATABASE, TEST_PASSWORD,
    TEST_USER,
};

/// Host monitoring: a call is watched after this long...
const DETECTION_TIME_MS: u64 = 1000;
/// ...probed this often...
const DETECTION_INTERVAL_MS: u64 = 500;
/// ...and cut after this many unanswered probes.
const DETECTION_COUNT: u64 = 2;
/// Time failover may take to find a replacement.
const FAILOVER_TIMEOUT_MS: u64 = 20_000;
/// Slack for a loaded 2-core machine (scheduling, the monitor's own 500 ms, TCP teardown).
const SLACK_MS: u64 = 3_000;

/// The longest any call may take: host monitoring cuts a call to a silent host after
/// detection time + interval x count (+ 500 ms, docs/host-monitoring.md), failover then has
/// `failover_timeout_ms` before it gives up with 08S01.
fn call_bound() -> Duration {
    Duration::from_millis(
        DETECTION_TIME_MS
            + DETECTION_INTERVAL_MS * DETECTION_COUNT
            + 500
            + FAILOVER_TIMEOUT_MS
            + SLACK_MS,
    )
}

/// Rows per explicit transaction.
const ROWS_PER_TX: usize = 5;

/// SQLSTATEs a writer may see while the cluster is hurt: failover done (08S02), a
/// transaction's outcome unknown after failover (08007). Anything else is a defect.
const EXPECTED_STATES: &[&str] = &["08S02", "08007"];

/// A small deterministic generator (xorshift64*), so a seed repeats a schedule.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// One element of a non-empty slice.
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let n = u64::try_from(items.len()).unwrap_or(u64::MAX);
        let index = usize::try_from(self.below(n)).unwrap_or(0);
        &items[index]
    }
}

fn seed() -> u64 {
    std::env::var("SOAK_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_secs() ^ u64::from(d.subsec_nanos()) << 20 | 1)
        })
}

fn fault_count() -> usize {
    std::env::var("SOAK_FAULTS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(20)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Fault {
    /// Clean failover: the writer stops, a replica is promoted, the old writer comes back as a
    /// replica.
    Promote,
    /// The writer is killed; the replica with the most WAL is promoted.
    CrashPromote,
    /// The writer is killed and started again in place.
    CrashRestart,
    /// The writer's traffic stops both ways for a few seconds (sockets stay open).
    BlackHole,
    /// Every connection to the writer is reset.
    Reset,
    /// A member reader is killed and started again (custom endpoint run).
    ReaderCrashRestart,
}

/// Waits until a psql query against the writer works (harness side, not through the driver).
fn writer_answers(cluster: &Cluster) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while cluster.query(&cluster.writer_id(), "SELECT 1").is_err() {
        assert!(Instant::now() < deadline, "the writer does not answer");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Applies one fault and heals it; returns a line for the log.
fn inject(cluster: &Cluster, fault: Fault, rng: &mut Rng, members: Option<&[&str]>) -> String {
    let writer = cluster.writer_id();
    let allowed = |id: &String| members.is_none_or(|m| m.contains(&id.as_str()));
    match fault {
        Fault::Promote => {
            let readers: Vec<String> = cluster.reader_ids().into_iter().filter(allowed).collect();
            let target = rng.pick(&readers).clone();
            cluster.fail_over_to(&target).expect("failover");
            cluster
                .restart(&writer)
                .expect("old writer back as a replica");
            format!("promote {target} (old writer {writer} rebuilt)")
        }
        Fault::CrashPromote => {
            cluster.kill(&writer).expect("kill writer");
            cluster
                .set_fault(&writer, FaultMode::Reset)
                .expect("reset proxy");
            std::thread::sleep(Duration::from_millis(300));
            let target = cluster
                .most_advanced_replica()
                .expect("replica positions")
                .expect("a running replica");
            cluster.promote(&target).expect("promote");
            cluster
                .restart(&writer)
                .expect("old writer back as a replica");
            cluster
                .set_fault(&writer, FaultMode::PassThrough)
                .expect("heal proxy");
            format!("crash {writer}, promote {target} (most WAL)")
        }
        Fault::CrashRestart => {
            cluster.kill(&writer).expect("kill writer");
            cluster
                .set_fault(&writer, FaultMode::Reset)
                .expect("reset proxy");
            std::thread::sleep(Duration::from_millis(300 + rng.below(700)));
            cluster.restart(&writer).expect("restart writer");
            cluster
                .set_fault(&writer, FaultMode::PassThrough)
                .expect("heal proxy");
            format!("crash and restart {writer}")
        }
        Fault::BlackHole => {
            let hold = Duration::from_millis(2500 + rng.below(2000));
            cluster
                .set_fault(&writer, FaultMode::BlackHole)
                .expect("black hole");
            std::thread::sleep(hold);
            cluster
                .set_fault(&writer, FaultMode::PassThrough)
                .expect("heal proxy");
            format!("black hole {writer} for {hold:?}")
        }
        Fault::Reset => {
            cluster.set_fault(&writer, FaultMode::Reset).expect("reset");
            std::thread::sleep(Duration::from_millis(200 + rng.below(300)));
            cluster
                .set_fault(&writer, FaultMode::PassThrough)
                .expect("heal proxy");
            format!("reset {writer}")
        }
        Fault::ReaderCrashRestart => {
            let readers: Vec<String> = cluster.reader_ids().into_iter().filter(allowed).collect();
            let target = rng.pick(&readers).clone();
            cluster.kill(&target).expect("kill reader");
            cluster
                .set_fault(&target, FaultMode::Reset)
                .expect("reset proxy");
            std::thread::sleep(Duration::from_millis(300 + rng.below(700)));
            cluster.restart(&target).expect("restart reader");
            cluster
                .set_fault(&target, FaultMode::PassThrough)
                .expect("heal proxy");
            format!("crash and restart reader {target}")
        }
    }
}

/// Connection-string keys every soak connection shares.
fn timing_keys() -> String {
    format!(
        "Port=5432;Database={TEST_DATABASE};UID={TEST_USER};PWD={TEST_PASSWORD};connect_timeout=5;\
         failover_timeout_ms={FAILOVER_TIMEOUT_MS};failover_reader_connect_timeout_ms=2000;\
         failure_detection_time_ms={DETECTION_TIME_MS};\
         failure_detection_interval_ms={DETECTION_INTERVAL_MS};\
         failure_detection_count={DETECTION_COUNT}"
    )
}

struct Run<'a> {
    name: &'a str,
    cluster: &'a Cluster,
    writer_conn: String,
    /// (connection string, threads, allowed instances) of reader threads.
    readers: Option<(String, usize, Vec<&'a str>)>,
    faults: &'a [Fault],
    members: Option<&'a [&'a str]>,
}

/// What the C program reported.
#[derive(Default)]
struct Report {
    lines: Vec<String>,
    rss: Vec<(u64, u64)>,
    states: BTreeMap<String, u64>,
    max_call_ms: u64,
    failed: u64,
    reads: u64,
    nonmember_reads: u64,
}

fn soak(run: Run) {
    let seed = seed();
    let mut rng = Rng(seed);
    println!(
        "{}: seed {seed} (SOAK_SEED={seed} repeats this schedule)",
        run.name
    );
    let cluster = run.cluster;
    cluster
        .query(
            &cluster.writer_id(),
            "CREATE TABLE soak (id bigint PRIMARY KEY, writer int NOT NULL, tx bigint, instance text); \
             GRANT ALL ON soak TO auroraodbc;",
        )
        .expect("create table");
    cluster.wait_replicated().expect("replicated");
    // The stand-in acknowledges a commit only once a replica has it.
    let quorum = cluster
        .query(
            &cluster.writer_id(),
            "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'quorum'",
        )
        .expect("replication state");
    assert_eq!(quorum, "2", "both replicas are synchronous candidates");

    let config = common::OdbcConfig::new(&[]);
    let bin = common::build_c_program(&config, "soak.c");
    let ack_dir = config.dir.join("acks");
    std::fs::create_dir_all(&ack_dir).expect("ack dir");
    let mut args: Vec<String> = vec![
        run.writer_conn.clone(),
        ack_dir.display().to_string(),
        "2".into(),
        "2".into(),
        ROWS_PER_TX.to_string(),
        "3000".into(),
    ];
    if let Some((conn, threads, allowed)) = &run.readers {
        args.push(conn.clone());
        args.push(threads.to_string());
        args.push(allowed.join(","));
    }
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let faults = fault_count();
    let mut child = config.spawn(
        bin.to_str().expect("utf-8 path"),
        &arg_refs,
        Duration::from_secs(120 + 30 * faults as u64),
    );
    let pid = child.id();
    let stdout = child.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut report = Report::default();
    let started = Instant::now();
    // READY: every thread connected and did one thing.
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(90))
            .unwrap_or_else(|_| panic!("no READY from the soak client (pid {pid})"));
        let ready = line == "READY";
        report.lines.push(line);
        if ready {
            break;
        }
    }
    let drain = |report: &mut Report| {
        while let Ok(line) = lines.try_recv() {
            report.lines.push(line);
        }
    };

    let mut kinds: BTreeMap<Fault, usize> = BTreeMap::new();
    for n in 1..=faults {
        // Space faults so failover completes in between: every connection is back on a
        // working writer well before the next one.
        std::thread::sleep(Duration::from_millis(2000 + rng.below(1500)));
        let fault = *rng.pick(run.faults);
        let began = Instant::now();
        let what = inject(cluster, fault, &mut rng, run.members);
        writer_answers(cluster);
        *kinds.entry(fault).or_default() += 1;
        println!(
            "{}: fault {n}/{faults} at {:.1} s: {what} ({:.1} s)",
            run.name,
            started.elapsed().as_secs_f64(),
            began.elapsed().as_secs_f64()
        );
        drain(&mut report);
    }
    // Let every connection come back and write a while on the final writer.
    std::thread::sleep(Duration::from_secs(4));
    {
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"stop\n").expect("tell the client to stop");
    }
    let output = child.wait_with_output().expect("wait for the client");
    reader.join().expect("stdout reader");
    report.lines.extend(lines.try_iter());
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let summary: Vec<&String> = report
        .lines
        .iter()
        .filter(|l| !l.starts_with("RSS "))
        .collect();
    let text = format!(
        "{}\n{stderr}",
        summary
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        output.status.success() && report.lines.iter().any(|l| l == "done"),
        "{}: the soak client failed ({:?}), seed {seed}:\n{text}",
        run.name,
        output.status
    );
    for line in &report.lines {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let num = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
        match fields.first().copied() {
            Some("RSS") => {
                if let (Some(ms), Some(kb)) = (num(1), num(2)) {
                    report.rss.push((ms, kb));
                }
            }
            Some("STATE") => {
                *report.states.entry(fields[1].to_string()).or_default() += num(2).unwrap_or(0)
            }
            Some("MAXCALL") => report.max_call_ms = num(1).unwrap_or(0),
            Some("FAILED") => report.failed = num(1).unwrap_or(0),
            Some("READS") => report.reads = num(1).unwrap_or(0),
            Some("NONMEMBER_READS") => report.nonmember_reads = num(1).unwrap_or(0),
            _ => {}
        }
    }
    println!("{}: client output:\n{text}", run.name);

    // 1. Every acknowledged row is on the final writer; every transaction whole or absent.
    let acked = read_acks(&ack_dir);
    let writer = cluster.writer_id();
    let present: HashSet<i64> = cluster
        .query(&writer, "SELECT id FROM soak")
        .expect("read rows")
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    let missing: Vec<i64> = acked
        .iter()
        .filter(|id| !present.contains(id))
        .copied()
        .collect();
    let unknown = present.iter().filter(|id| !acked.contains(id)).count();
    let torn = cluster
        .query(
            &writer,
            &format!(
                "SELECT tx || ':' || count(*) FROM soak WHERE tx IS NOT NULL GROUP BY tx \
                 HAVING count(*) <> {ROWS_PER_TX}"
            ),
        )
        .expect("transactions");
    let instances = cluster
        .query(&writer, "SELECT DISTINCT instance FROM soak ORDER BY 1")
        .expect("instances");
    let peak_rss = report.rss.iter().map(|r| r.1).max().unwrap_or(0);
    println!(
        "{}: seed {seed}, {faults} faults {kinds:?}, {} rows acknowledged, {} on the final \
         writer {writer} ({unknown} of unknown outcome, {} failed calls {:?}), {} reads, \
         max call {} ms (bound {} ms), peak RSS {} kB, {:.0} s",
        run.name,
        acked.len(),
        present.len(),
        report.failed,
        report.states,
        report.reads,
        report.max_call_ms,
        call_bound().as_millis(),
        peak_rss,
        started.elapsed().as_secs_f64()
    );
    assert!(
        missing.is_empty(),
        "{}: {} acknowledged rows are not on the final writer {writer} (first: {:?}), seed {seed}",
        run.name,
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    assert!(
        acked.len() > 1000,
        "{}: only {} rows acknowledged",
        run.name,
        acked.len()
    );
    assert!(
        torn.is_empty(),
        "{}: transactions only partly present: {torn}, seed {seed}",
        run.name
    );
    // A row of unknown outcome comes from a failed call; there can be no more of them than
    // failed inserts and commits (each commit failure covers one transaction's rows).
    assert!(
        unknown as u64 <= report.failed * ROWS_PER_TX as u64,
        "{}: {unknown} rows present that no failed call explains, seed {seed}",
        run.name
    );
    // 2. Only the errors failover promises.
    let unexpected: Vec<_> = report
        .states
        .keys()
        .filter(|s| !EXPECTED_STATES.contains(&s.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{}: unexpected SQLSTATEs {unexpected:?} (all: {:?}), seed {seed}:\n{text}",
        run.name,
        report.states
    );
    // 3. No call hung past failure detection plus the failover timeout.
    assert!(
        u128::from(report.max_call_ms) <= call_bound().as_millis(),
        "{}: a call took {} ms, over the bound of {} ms, seed {seed}",
        run.name,
        report.max_call_ms,
        call_bound().as_millis()
    );
    // 4. Memory flat: the resident set at the end is not far above what it was once the
    // first faults had exercised every path (the warm-up: the first third of the run).
    assert_memory_flat(run.name, &report.rss, seed);
    // 5. Custom endpoint: no connection on a non-member, for writes or reads.
    if let Some(members) = run.members {
        for instance in instances.lines() {
            assert!(
                members.contains(&instance.trim()),
                "{}: a row was written on {instance}, outside the endpoint {members:?}",
                run.name
            );
        }
        assert_eq!(
            report.nonmember_reads, 0,
            "{}: reads landed outside the endpoint:\n{text}",
            run.name
        );
        assert!(
            report.reads > 100,
            "{}: only {} reads",
            run.name,
            report.reads
        );
    }
}

/// The ids the client recorded as acknowledged (files `acked-<thread>`: "id tx" lines).
fn read_acks(dir: &Path) -> HashSet<i64> {
    let mut acked = HashSet::new();
    for entry in std::fs::read_dir(dir).expect("ack dir") {
        let path = entry.expect("ack file").path();
        let text = std::fs::read_to_string(&path).expect("read ack file");
        for line in text.lines() {
            let id = line
                .split_whitespace()
                .next()
                .and_then(|f| f.parse().ok())
                .unwrap_or_else(|| panic!("bad ack line {line:?} in {}", path.display()));
            acked.insert(id);
        }
    }
    acked
}

/// Growth allowed from the warm-up's peak to the end's peak, in kB.
const RSS_GROWTH_LIMIT_KB: u64 = 4 * 1024;

fn assert_memory_flat(name: &str, rss: &[(u64, u64)], seed: u64) {
    assert!(
        rss.len() > 20,
        "{name}: too few RSS samples ({})",
        rss.len()
    );
    let third = rss.len() / 3;
    let warm = rss[..third].iter().map(|r| r.1).max().unwrap_or(0);
    let end = rss[2 * third..].iter().map(|r| r.1).max().unwrap_or(0);
    println!("{name}: RSS peak after warm-up {warm} kB, in the last third {end} kB");
    assert!(
        end <= warm + RSS_GROWTH_LIMIT_KB,
        "{name}: resident memory grew from {warm} kB to {end} kB, seed {seed}"
    );
}

#[test]
fn writers_lose_no_acknowledged_row_through_random_faults() {
    let cluster = Cluster::start(
        ClusterOptions {
            replicas: 2,
            dns_hash: "soakwriters".into(),
            ..Default::default()
        }
        .with_synchronous_replication(),
    )
    .expect("start cluster");
    let writer_conn = format!(
        "Driver=auroraodbc;Server={};host_address_map={{{}}};{}",
        cluster.cluster_endpoint_host(),
        cluster.host_map(),
        timing_keys()
    );
    soak(Run {
        name: "writers",
        cluster: &cluster,
        writer_conn,
        readers: None,
        faults: &[
            Fault::Promote,
            Fault::CrashPromote,
            Fault::CrashRestart,
            Fault::BlackHole,
            Fault::Reset,
        ],
        members: None,
    });
}

#[test]
fn custom_endpoint_connections_stay_on_members_through_random_faults() {
    common::aws_test_env();
    let cluster = Cluster::start(
        ClusterOptions {
            replicas: 2,
            dns_hash: "soakcustom".into(),
            ..Default::default()
        }
        .with_synchronous_replication(),
    )
    .expect("start cluster");
    let stub = RdsStub::start(cluster.stub_options()).expect("RDS stub");
    // Members: the writer and one replica; instance-3 stays outside and is never promoted.
    let members: &[&str] = &["instance-1", "instance-2"];
    stub.put_endpoint(CustomEndpoint::with_static(
        "soakep",
        &cluster.options().cluster_id,
        members,
    ));
    cluster
        .pin_custom_endpoint("soakep", "instance-1")
        .expect("pin");
    let base = format!(
        "Driver=auroraodbc;Server={};host_address_map={{{}}};{};\
         plugins=custom_endpoint,failover,host_monitoring;rds_endpoint_url={};\
         custom_endpoint_info_refresh_rate_ms=1000",
        cluster.custom_endpoint_host("soakep"),
        cluster.host_map(),
        timing_keys(),
        stub.url()
    );
    let reader_conn = format!("{base};failover_mode=reader_or_writer");
    soak(Run {
        name: "custom endpoint",
        cluster: &cluster,
        writer_conn: base,
        readers: Some((reader_conn, 2, members.to_vec())),
        // Promotions stay among the members and are clean (a crash could leave the newest
        // WAL only on the non-member); the member reader is crashed too, so readers must
        // fall back to the writer rather than to the non-member.
        faults: &[
            Fault::Promote,
            Fault::CrashRestart,
            Fault::BlackHole,
            Fault::Reset,
            Fault::ReaderCrashRestart,
        ],
        members: Some(members),
    });
}
