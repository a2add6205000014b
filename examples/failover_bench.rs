//! Failover timing on the stand-in cluster: how long after the writer dies the failed call
//! returns 08S02, and how long after the promotion shows in the topology the connection works.
//!
//! ```text
//! cargo run --example failover_bench -- [clusters] [promotion delay ms]
//! ```
//!
//! Each cluster (a writer and two replicas) gives two failovers: the writer is killed with
//! SIGKILL, a replica is promoted after the delay (standing in for Aurora's own detection), and
//! a connection with only the `failover` plugin runs `SELECT aurora_db_instance_identifier()`
//! every 5 ms throughout.

#[path = "../tests/support/mod.rs"]
mod support;

use auroraodbc::engine::error::EngineResult;
use auroraodbc::engine::pipeline::{
    CallKind, ConnectPurpose, ConnectRequest, EngineConnection, Pipeline, SessionCharacteristics,
};
use auroraodbc::engine::selection::HostFilter;
use auroraodbc::engine::session::{ConnectOptions, Session};
use auroraodbc::engine::settings::Settings;
use auroraodbc::engine::topology;
use auroraodbc::odbc::conn::{connect_options, ConnAttrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{Cluster, ClusterOptions, FaultMode, TEST_DATABASE, TEST_PASSWORD, TEST_USER};

type BoxError = Box<dyn std::error::Error>;

fn open(cluster: &Cluster) -> Result<EngineConnection, BoxError> {
    let pairs: Vec<(String, String)> = [
        ("Server", cluster.cluster_endpoint_host()),
        ("Database", TEST_DATABASE.to_string()),
        ("UID", TEST_USER.to_string()),
        ("PWD", TEST_PASSWORD.to_string()),
        ("connect_timeout", "5".to_string()),
        ("host_address_map", cluster.host_map()),
        ("plugins", "failover".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let settings = Arc::new(Settings::resolve(&pairs, &|_| None)?);
    let options =
        connect_options(&settings, &ConnAttrs::default()).map_err(|e| format!("{e:?}"))?;
    let pipeline = Arc::new(Pipeline::build(&settings, auroraodbc::plugins::factory)?);
    let session = pipeline.connect(&ConnectRequest {
        options: options.clone(),
        settings: settings.clone(),
        purpose: ConnectPurpose::Initial,
    })?;
    let mut conn = EngineConnection {
        session,
        options,
        settings,
        pipeline: pipeline.clone(),
        instance_id: None,
        instance_seat: None,
        characteristics: SessionCharacteristics {
            autocommit: true,
            ..Default::default()
        },
        generation: 0,
        host_filter: HostFilter::allow_all(),
    };
    pipeline.connected(&mut conn)?;
    Ok(conn)
}

fn instance_of(conn: &mut EngineConnection) -> EngineResult<String> {
    conn.call(CallKind::Execute, |c| {
        topology::query_instance_id(&mut c.session)
    })
}

/// What the worker saw, as instants.
#[derive(Default)]
struct Seen {
    error: Option<(Instant, String)>,
    recovered: Option<Instant>,
}

struct Sample {
    outage_to_error: Duration,
    visible_to_working: Duration,
}

fn one_failover(cluster: &Cluster, new_writer: &str, delay: Duration) -> Result<Sample, BoxError> {
    let old_writer = cluster.writer_id();
    let mut conn = open(cluster)?;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let worker = {
        let (seen, stop, target) = (seen.clone(), stop.clone(), new_writer.to_string());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match instance_of(&mut conn) {
                    Ok(id) if id == target => {
                        if let Ok(mut s) = seen.lock() {
                            s.recovered.get_or_insert_with(Instant::now);
                        }
                        return;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        if let Ok(mut s) = seen.lock() {
                            s.error.get_or_insert_with(|| {
                                (Instant::now(), e.sqlstate_str().to_string())
                            });
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    let outage = Instant::now();
    cluster.kill(&old_writer)?;
    // Backends can outlive a killed postmaster for a moment; the proxy makes the crash total.
    cluster.set_fault(&old_writer, FaultMode::Reset)?;
    std::thread::sleep(delay);
    let visible = std::thread::scope(|s| -> Result<Instant, BoxError> {
        let promoter = s.spawn(|| cluster.promote(new_writer).map_err(|e| e.to_string()));
        // Watch the topology on the new writer directly: the moment it names itself writer.
        let info = cluster.instance(new_writer).ok_or("no such instance")?;
        let opts = ConnectOptions {
            host: "127.0.0.1".into(),
            port: info.port,
            database: TEST_DATABASE.into(),
            user: TEST_USER.into(),
            password: Some(TEST_PASSWORD.into()),
            connect_timeout: Some(Duration::from_secs(5)),
            ..Default::default()
        };
        let mut watcher = Session::connect(&opts)?;
        let visible = loop {
            let t = topology::query_topology(&mut watcher)?;
            if t.writer_id() == Some(new_writer) {
                break Instant::now();
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        promoter.join().map_err(|_| "promoter panicked")??;
        Ok(visible)
    })?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while !worker.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    stop.store(true, Ordering::Relaxed);
    let _ = worker.join();
    let s = seen.lock().map_err(|_| "poisoned")?;
    let (error_at, state) = s.error.clone().ok_or("the worker saw no error")?;
    let recovered = s
        .recovered
        .ok_or("the worker never reached the new writer")?;
    if state != "08S02" {
        return Err(format!("expected 08S02, got {state}").into());
    }
    Ok(Sample {
        outage_to_error: error_at.duration_since(outage),
        visible_to_working: recovered.saturating_duration_since(visible),
    })
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    let clusters: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3);
    let delay = Duration::from_millis(args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1000));
    let mut samples = Vec::new();
    for n in 0..clusters {
        let cluster = Cluster::start(ClusterOptions {
            dns_hash: format!("bench{n}"),
            ..Default::default()
        })?;
        for new_writer in cluster.reader_ids() {
            let s = one_failover(&cluster, &new_writer, delay)?;
            println!(
                "failover to {new_writer}: outage -> 08S02 {:>5} ms, promotion visible -> working {:>4} ms",
                s.outage_to_error.as_millis(),
                s.visible_to_working.as_millis()
            );
            samples.push(s);
        }
    }
    let summary = |name: &str, mut v: Vec<Duration>| {
        v.sort();
        if let (Some(min), Some(max)) = (v.first(), v.last()) {
            let median = v[v.len() / 2];
            println!(
                "{name}: min {} ms, median {} ms, max {} ms (n={})",
                min.as_millis(),
                median.as_millis(),
                max.as_millis(),
                v.len()
            );
        }
    };
    println!("promotion delay after the kill: {} ms", delay.as_millis());
    summary(
        "outage -> 08S02",
        samples.iter().map(|s| s.outage_to_error).collect(),
    );
    summary(
        "promotion visible -> working",
        samples.iter().map(|s| s.visible_to_working).collect(),
    );
    Ok(())
}
