//! The aws_secrets_manager plugin through unixODBC (isql, pyodbc) against the stand-in cluster
//! and the Secrets Manager API stub, with the real aws-sdk-secretsmanager: login from a secret,
//! one API read for many connections, rotation during a workload without a failed connection
//! attempt, the API's errors, and no secret text in the driver's log at level trace.

mod common;
mod fixtures;
mod support;

use auroraodbc::engine::pipeline::SessionCharacteristics;
use auroraodbc::odbc::conn::{connect_options, ConnAttrs};
use common::{
    aws_test_env, closed_port, single_instance, OdbcConfig, AWS_TEST_ACCESS_KEY,
    AWS_TEST_SECRET_KEY,
};
use fixtures::{eventually, instance_of, open_connection, resolve};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use support::{
    Cluster, ClusterOptions, SecretFault, SecretsStub, TEST_DATABASE, TEST_PASSWORD, TEST_USER,
};

const GET: &str = "GetSecretValue";
/// The stub's region (and its ARNs').
const REGION: &str = "us-east-1";

/// DSN keys for the stand-in's writer with the login from secret `secret_id`, read from
/// `endpoint` (absent: the SDK's choice), the driver logging everything to `log`.
fn secret_keys(
    port: u16,
    secret_id: &str,
    endpoint: Option<&str>,
    log: &Path,
) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = [
        ("Server", "127.0.0.1".to_string()),
        ("Port", port.to_string()),
        ("Database", TEST_DATABASE.to_string()),
        // The secret's user wins over UID.
        ("UID", "not_this_user".to_string()),
        ("plugins", "aws_secrets_manager".to_string()),
        ("secrets_manager_secret_id", secret_id.to_string()),
        ("log_level", "trace".to_string()),
        ("log_file", log.display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if let Some(url) = endpoint {
        keys.push(("secrets_manager_region".into(), REGION.into()));
        keys.push(("secrets_manager_endpoint".into(), url.into()));
    }
    keys
}

/// How many GetSecretValue requests the stub received.
fn reads(stub: &SecretsStub) -> usize {
    stub.requests().iter().filter(|r| r.action == GET).count()
}

fn writer_port(cluster: &Cluster) -> u16 {
    cluster
        .instance(&cluster.writer_id())
        .expect("writer")
        .proxy_port
}

/// Fails if any of `secrets` shows in the driver's log; the log must exist and have lines.
fn assert_log_free_of(log: &Path, secrets: &[&str]) -> String {
    let text = std::fs::read_to_string(log).expect("the driver wrote its log");
    assert!(text.lines().count() > 5, "log too short:\n{text}");
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "'{secret}' appears in the log: {:?}",
            text.lines().find(|l| l.contains(secret))
        );
    }
    text
}

#[test]
fn isql_logs_in_with_the_secret_by_name_and_by_arn() {
    aws_test_env();
    let cluster = single_instance();
    let stub = SecretsStub::start(REGION).expect("stub");
    let arn = stub.put_login("prod/app-db", TEST_USER, TEST_PASSWORD);
    let scratch = OdbcConfig::new(&[]);
    let log = scratch.dir.join("driver.log");
    let port = writer_port(&cluster);
    let by_name = secret_keys(port, "prod/app-db", Some(&stub.url()), &log);
    // The AWS ODBC wrapper's keys; the region from the ARN, the endpoint from the SDK's
    // service-specific environment variable.
    let mut by_arn: Vec<(String, String)> = by_name
        .iter()
        .filter(|(k, _)| !k.starts_with("secrets_manager") && k != "plugins")
        .cloned()
        .collect();
    by_arn.push(("RDS_AUTH_TYPE".into(), "SECRETS_MANAGER".into()));
    by_arn.push(("SECRET_ID".into(), arn.clone()));
    let config = OdbcConfig::new(&[("byname", by_name), ("byarn", by_arn)]);

    let (out, err) = config.isql("byname", &[], "SELECT current_user\n");
    assert!(out.lines().any(|l| l.trim() == TEST_USER), "{out}\n{err}");
    let env_arg = format!("AWS_ENDPOINT_URL_SECRETS_MANAGER={}", stub.url());
    let run = config.run(
        "env",
        &[&env_arg, "isql", "byarn", "-b", "-v", "-d|", "-c"],
        "SELECT current_user\n",
        Duration::from_secs(60),
    );
    let out = common::output_text(&run);
    assert!(out.lines().any(|l| l.trim() == TEST_USER), "{out}");

    let requests = stub.requests();
    assert_eq!(requests.len(), 2, "one read per process: {requests:?}");
    assert_eq!(requests[0].secret_id.as_deref(), Some("prod/app-db"));
    assert_eq!(requests[1].secret_id.as_deref(), Some(arn.as_str()));
    for r in &requests {
        assert_eq!(r.action, GET);
        assert_eq!(r.outcome, "ok");
        assert_eq!(
            r.access_key.as_deref(),
            Some(AWS_TEST_ACCESS_KEY),
            "signed by the SDK"
        );
    }
    let text = assert_log_free_of(&log, &[TEST_PASSWORD, AWS_TEST_SECRET_KEY]);
    assert!(
        text.contains("read the login from AWS Secrets Manager"),
        "{text}"
    );
}

/// The API's refusals reach the application as 28000 with the API's reason; an unreachable
/// API is 08001. No PostgreSQL is needed: the login fails before any connection to it.
#[test]
fn isql_shows_the_apis_refusals() {
    aws_test_env();
    let stub = SecretsStub::start(REGION).expect("stub");
    stub.put_login("denied", TEST_USER, TEST_PASSWORD);
    stub.set_fault("denied", Some(SecretFault::AccessDenied));
    stub.put_login("undecryptable", TEST_USER, TEST_PASSWORD);
    stub.set_fault("undecryptable", Some(SecretFault::DecryptionFailure));
    stub.put_secret("not-json", "user=auroraodbc password=plain-text-s3cr3t");
    let port = closed_port();
    let scratch = OdbcConfig::new(&[]);
    let log = scratch.dir.join("driver.log");
    let url = stub.url();
    let unreachable = format!("http://127.0.0.1:{}", closed_port());
    let dsns = [
        ("missing", "no-such-secret", url.as_str()),
        ("denied", "denied", url.as_str()),
        ("undecryptable", "undecryptable", url.as_str()),
        ("notjson", "not-json", url.as_str()),
        ("unreachable", "no-such-secret", unreachable.as_str()),
    ];
    let config = OdbcConfig::new(
        &dsns
            .iter()
            .map(|(dsn, id, endpoint)| (*dsn, secret_keys(port, id, Some(endpoint), &log)))
            .collect::<Vec<_>>(),
    );
    let expect = [
        ("missing", "28000", "ResourceNotFoundException: Secrets Manager can't find the specified secret."),
        ("denied", "28000", "AccessDeniedException: User: arn:aws:iam::123456789012:user/standin is not authorized to perform: secretsmanager:GetSecretValue"),
        ("undecryptable", "28000", "DecryptionFailure: Secrets Manager can't decrypt"),
        ("notjson", "28000", "the secret's value is not a JSON object"),
        ("unreachable", "08001", "cannot reach the Secrets Manager API"),
    ];
    for (dsn, state, reason) in expect {
        let (out, err) = config.isql(dsn, &[], "SELECT 1\n");
        let all = format!("{out}{err}");
        assert!(
            all.contains(state) && all.contains(reason),
            "{dsn}: want {state} {reason}:\n{all}"
        );
        assert!(
            !all.contains(TEST_PASSWORD) && !all.contains("s3cr3t"),
            "{all}"
        );
    }
    let outcomes: Vec<String> = stub.requests().into_iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            "ResourceNotFoundException",
            "AccessDeniedException",
            "DecryptionFailure",
            "ok"
        ],
        "one request each, refusals not retried"
    );
    assert_log_free_of(&log, &[TEST_PASSWORD, "s3cr3t", AWS_TEST_SECRET_KEY]);
}

/// Runs tests/py/secrets_workload.py against `dsn`; its summary line and failures.
fn workload(config: &OdbcConfig, dsn: &str, threads: u32, seconds: f32) -> std::process::Child {
    let script = config.dir.join("secrets_workload.py");
    std::fs::write(&script, include_str!("py/secrets_workload.py")).expect("write script");
    config.spawn(
        "python3",
        &[
            script.to_str().expect("utf-8 path"),
            dsn,
            &threads.to_string(),
            &seconds.to_string(),
        ],
        Duration::from_secs(120),
    )
}

/// (attempts, failures, output) of a finished workload.
fn summary(child: std::process::Child) -> (u64, u64, String) {
    let out = child.wait_with_output().expect("workload ends");
    let text = common::output_text(&out);
    let line = text
        .lines()
        .find(|l| l.starts_with("attempts="))
        .unwrap_or_else(|| panic!("no summary:\n{text}"));
    let number = |name: &str| -> u64 {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {line}"))
    };
    (number("attempts="), number("failures="), text)
}

/// Connections one after another, and a pool-like workload (4 threads opening connections),
/// read the secret once per process; then three
/// rotations during the same kind of workload cost no connection attempt, with one or a few
/// reads per rotation, and the log holds none of the passwords.
#[test]
fn pyodbc_workload_reads_the_secret_once_and_survives_rotations() {
    aws_test_env();
    let cluster = single_instance();
    let stub = SecretsStub::start(REGION).expect("stub");
    stub.put_login("rotating", TEST_USER, TEST_PASSWORD);
    let scratch = OdbcConfig::new(&[]);
    let log = scratch.dir.join("driver.log");
    let keys = secret_keys(writer_port(&cluster), "rotating", Some(&stub.url()), &log);
    let config = OdbcConfig::new(&[("rotating", keys)]);

    // One thread: each connection closes before the next opens, so the driver manager frees
    // the driver's environment in between; the read must outlive that.
    let (attempts, failures, text) = summary(workload(&config, "rotating", 1, 2.0));
    assert_eq!(failures, 0, "{text}");
    assert!(attempts >= 10, "too few connections to tell: {text}");
    assert_eq!(
        reads(&stub),
        1,
        "{attempts} connections one after another, one read"
    );
    let (attempts, failures, text) = summary(workload(&config, "rotating", 4, 3.0));
    assert_eq!(failures, 0, "{text}");
    assert!(attempts >= 20, "too few connections to tell: {text}");
    assert!(text.contains(&format!("users={TEST_USER}")), "{text}");
    assert_eq!(
        reads(&stub),
        2,
        "{attempts} connections from 4 threads, one read"
    );

    let before = reads(&stub);
    let passwords = ["Rot-1-xq7Vb9", "Rot-2-Lp3Zt8", "Rot-3-Wm5Yk2"];
    let child = workload(&config, "rotating", 4, 7.0);
    for password in passwords {
        std::thread::sleep(Duration::from_millis(1500));
        stub.rotate("rotating", TEST_USER, password, || {
            cluster.set_test_password(password)
        })
        .expect("rotate");
    }
    let (attempts, failures, text) = summary(child);
    assert_eq!(failures, 0, "a rotation lost connection attempts:\n{text}");
    assert!(attempts >= 20, "too few connections to tell: {text}");
    let rotation_reads = reads(&stub) - before;
    assert!(
        (4..=4 + 3 * 4).contains(&rotation_reads),
        "{rotation_reads} reads for the workload's first login and 3 rotations (4 threads)"
    );
    let mut secrets = passwords.to_vec();
    secrets.extend([TEST_PASSWORD, AWS_TEST_SECRET_KEY]);
    let logged = assert_log_free_of(&log, &secrets);
    assert!(
        logged.contains("login with cached credentials refused; trying fresh ones once"),
        "the log shows the fresh read after a rotation"
    );
}

/// With failover and host monitoring in the chain, every physical connection logs in with the
/// secret: the application's, host monitoring's monitoring connection (seen by the server as
/// the secret's user) and failover's replacement on the new writer, all from one API read.
#[test]
fn monitoring_and_failover_connections_log_in_with_the_secret() {
    aws_test_env();
    let cluster = Cluster::start(ClusterOptions {
        replicas: 1,
        dns_hash: "smcompose".into(),
        ..Default::default()
    })
    .expect("start cluster");
    let stub = SecretsStub::start(REGION).expect("stub");
    stub.put_login("composed", TEST_USER, TEST_PASSWORD);
    let url = stub.url();
    let map = cluster.host_map();
    let host = cluster.cluster_endpoint_host();
    // No UID or PWD: only the secret can log in.
    let pairs: Vec<(String, String)> = [
        ("Server", host.as_str()),
        ("Port", "5432"),
        ("Database", TEST_DATABASE),
        ("host_address_map", map.as_str()),
        ("plugins", "failover,host_monitoring,aws_secrets_manager"),
        ("secrets_manager_secret_id", "composed"),
        ("secrets_manager_region", REGION),
        ("secrets_manager_endpoint", url.as_str()),
        ("failure_detection_time_ms", "0"),
        ("failure_detection_interval_ms", "200"),
        ("monitoring-application_name", "sm-watcher"),
        ("connect_timeout", "5"),
        ("failover_timeout_ms", "20000"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let settings = Arc::new(resolve(&pairs));
    let options = connect_options(&settings, &ConnAttrs::default()).expect("options");
    let characteristics = SessionCharacteristics {
        autocommit: true,
        ..Default::default()
    };
    let mut conn = open_connection(settings, options, characteristics).expect("connect");
    let writer = cluster.writer_id();
    assert_eq!(instance_of(&mut conn).expect("instance"), writer);
    let watcher = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'sm-watcher' AND usename = 'auroraodbc'";
    assert!(
        eventually(Duration::from_secs(10), || {
            let _ = instance_of(&mut conn);
            cluster.query(&writer, watcher).is_ok_and(|n| n != "0")
        }),
        "a monitoring connection logged in as the secret's user"
    );

    let reader = cluster.reader_ids()[0].clone();
    cluster.fail_over_to(&reader).expect("fail over");
    let err = instance_of(&mut conn).expect_err("the writer is gone");
    assert_eq!(err.sqlstate_str(), "08S02", "{err}");
    assert_eq!(instance_of(&mut conn).expect("on the new writer"), reader);
    assert_eq!(reads(&stub), 1, "every login used the one read");
}

/// A rotation window: the instances already have the new password, the secret not yet (the
/// rotation's setSecret done, finishSecret not). Without a retry budget the login is refused
/// at once; with `secrets_manager_connect_retry_timeout_ms` the driver keeps reading the secret
/// until it holds the new password, and logs in.
#[test]
fn a_retry_budget_bridges_a_rotation_window() {
    aws_test_env();
    let cluster = single_instance();
    let stub = SecretsStub::start(REGION).expect("stub");
    stub.put_login("windowed", TEST_USER, TEST_PASSWORD);
    let scratch = OdbcConfig::new(&[]);
    let log = scratch.dir.join("driver.log");
    let keys = secret_keys(writer_port(&cluster), "windowed", Some(&stub.url()), &log);
    let mut retrying = keys.clone();
    retrying.push((
        "secrets_manager_connect_retry_timeout_ms".into(),
        "30000".into(),
    ));
    retrying.push((
        "secrets_manager_connect_retry_interval_ms".into(),
        "200".into(),
    ));
    let config = OdbcConfig::new(&[("once", keys), ("retrying", retrying)]);

    let new_password = "Window-Pw-7Hq2";
    cluster
        .set_test_password(new_password)
        .expect("set secret step");
    let (out, err) = config.isql("once", &[], "SELECT current_user\n");
    assert!(
        format!("{out}{err}").contains("28P01"),
        "refused:\n{out}{err}"
    );
    let reads_before = reads(&stub);

    let mut child = config.spawn(
        "isql",
        &["retrying", "-b", "-v", "-d|", "-c"],
        Duration::from_secs(60),
    );
    {
        use std::io::Write;
        let mut input = child.stdin.take().expect("stdin");
        input
            .write_all(b"SELECT current_user\n")
            .expect("write sql");
    }
    std::thread::sleep(Duration::from_secs(2));
    stub.put_login("windowed", TEST_USER, new_password);
    let out = common::output_text(&child.wait_with_output().expect("isql ends"));
    assert!(
        out.lines().any(|l| l.trim() == TEST_USER),
        "logged in after the window:\n{out}"
    );
    let retries = reads(&stub) - reads_before;
    assert!(
        (3..=20).contains(&retries),
        "{retries} reads: the first, retries with waits from 200 ms doubling, the one that worked"
    );
    let text = assert_log_free_of(&log, &[TEST_PASSWORD, new_password, AWS_TEST_SECRET_KEY]);
    assert!(
        text.contains("login refused; retrying with fresh credentials"),
        "{text}"
    );
}
