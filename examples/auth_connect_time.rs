//! Figures for docs/performance.md, "Authentication": the time to open (and close) a connection
//! with a plain password, with the Secrets Manager login (cached) and with an IAM token
//! (cached), in the same run against the same instance. Starts its own stand-in instance with
//! IAM required for one user, and the Secrets Manager API stub.
//!
//!     cargo run --release --example auth_connect_time [CONNECTS] [ROUNDS]
//!
//! Every mode goes the same way: fault proxy, the stand-in's TLS proxy, PostgreSQL, sslmode
//! require, SCRAM-SHA-256 with the real password at the server (done by the driver for the
//! password and the secret, by the IAM stand-in after it verified the token). The modes run in
//! interleaved rounds so that drift on a shared machine hits each alike; the median of the
//! rounds' mean connect times is printed.

#[path = "../tests/support/mod.rs"]
mod support;

use auroraodbc::engine::pipeline::{EngineConnection, SessionCharacteristics};
use auroraodbc::engine::settings::Settings;
use auroraodbc::odbc::conn::{connect_options, ConnAttrs};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{
    Cluster, ClusterOptions, IamSettings, SecretsStub, TEST_DATABASE, TEST_PASSWORD, TEST_USER,
};

const ACCESS_KEY: &str = "AKIDBENCH";
const SECRET_KEY: &str = "bench-secret-key";
const IAM_USER: &str = "auroraodbc_iam";
const IAM_PASSWORD: &str = "iam-user-real-password";

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let connects: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(15);
    std::env::set_var("AWS_ACCESS_KEY_ID", ACCESS_KEY);
    std::env::set_var("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    std::env::set_var("NO_PROXY", "127.0.0.1,localhost");
    std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/auroraodbc-bench-config");
    std::env::set_var(
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/auroraodbc-bench-credentials",
    );

    let cluster = Cluster::start(ClusterOptions {
        replicas: 0,
        iam: Some(IamSettings::new(
            ACCESS_KEY,
            SECRET_KEY,
            IAM_USER,
            IAM_PASSWORD,
        )),
        ..Default::default()
    })
    .map_err(|e| format!("starting the stand-in: {e}"))?;
    let region = cluster.options().region.clone();
    let secrets = SecretsStub::start(&region).map_err(|e| e.to_string())?;
    secrets.put_login("bench/login", TEST_USER, TEST_PASSWORD);
    let host = cluster.instance_host(&cluster.writer_id());
    let base = |user: &str, extra: &[(&str, &str)]| -> Result<Arc<Settings>, String> {
        let mut pairs: Vec<(String, String)> = vec![
            ("Server".into(), host.clone()),
            ("Port".into(), "5432".into()),
            ("host_address_map".into(), cluster.host_map()),
            ("Database".into(), TEST_DATABASE.into()),
            ("UID".into(), user.into()),
            ("sslmode".into(), "require".into()),
            // No other plugin: the login alone is measured.
            ("plugins".into(), "".into()),
        ];
        for (k, v) in extra {
            pairs.retain(|(key, _)| !key.eq_ignore_ascii_case(k));
            pairs.push((k.to_string(), v.to_string()));
        }
        Settings::resolve(&pairs, &|_| None)
            .map(Arc::new)
            .map_err(|e| e.to_string())
    };
    let url = secrets.url();
    let modes: Vec<(&str, Arc<Settings>)> = vec![
        ("password", base(TEST_USER, &[("PWD", TEST_PASSWORD)])?),
        (
            "secrets manager (cached)",
            base(
                "",
                &[
                    ("plugins", "aws_secrets_manager"),
                    ("secrets_manager_secret_id", "bench/login"),
                    ("secrets_manager_region", &region),
                    ("secrets_manager_endpoint", &url),
                ],
            )?,
        ),
        ("iam (token cached)", base(IAM_USER, &[("plugins", "iam")])?),
    ];
    let connect = |settings: &Arc<Settings>| -> Result<Duration, String> {
        let began = Instant::now();
        let options =
            connect_options(settings, &ConnAttrs::default()).map_err(|e| e.to_string())?;
        let characteristics = SessionCharacteristics {
            autocommit: true,
            ..Default::default()
        };
        let conn = EngineConnection::open(options, settings.clone(), characteristics)
            .map_err(|e| e.to_string())?;
        drop(conn);
        Ok(began.elapsed())
    };
    // Warm up: the secret read, the token made, the TLS and runtime set up.
    for (_, settings) in &modes {
        for _ in 0..5 {
            connect(settings)?;
        }
    }
    let gate = cluster.iam().ok_or("IAM not enabled")?;
    let tokens_before = gate.distinct_tokens();
    let reads_before = secrets.requests().len();
    let mut means: Vec<Vec<f64>> = vec![Vec::new(); modes.len()];
    for _ in 0..rounds {
        for (i, (_, settings)) in modes.iter().enumerate() {
            let mut total = Duration::ZERO;
            for _ in 0..connects {
                total += connect(settings)?;
            }
            means[i].push(total.as_secs_f64() * 1000.0 / connects as f64);
        }
    }
    let median = |values: &mut Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    println!(
        "{connects} connects per mode per round, {rounds} rounds interleaved; median of the rounds' mean connect+close time"
    );
    println!("| login | ms per connection | vs password |");
    println!("|---|---|---|");
    let plain = median(&mut means[0].clone());
    for (i, (name, _)) in modes.iter().enumerate() {
        let m = median(&mut means[i]);
        println!("| {name} | {m:.3} | {:+.1}% |", (m / plain - 1.0) * 100.0);
    }
    // What the driver itself adds per login: asking the credential source (a cache hit).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    for (name, settings) in modes.iter().skip(1) {
        let options =
            connect_options(settings, &ConnAttrs::default()).map_err(|e| e.to_string())?;
        let source = options.credentials.clone().ok_or("no credential source")?;
        let calls = 10_000u32;
        let began = Instant::now();
        for _ in 0..calls {
            let got = runtime
                .block_on(source.credentials(&options, false))
                .map_err(|e| e.to_string())?;
            if !got.cached {
                return Err(format!("{name}: credentials not cached"));
            }
        }
        let us = began.elapsed().as_secs_f64() * 1e6 / f64::from(calls);
        println!(
            "{name}: the credential source's answer takes {us:.2} µs per login ({:.3}% of a password connect)",
            us / (plain * 1000.0) * 100.0
        );
    }
    println!(
        "tokens made during the measurement: {}, secret reads: {}",
        gate.distinct_tokens() - tokens_before,
        secrets.requests().len() - reads_before
    );
    Ok(())
}
