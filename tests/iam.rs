//! The iam plugin through unixODBC (isql, pyodbc) and the engine against the stand-in cluster
//! with IAM required: each instance sits behind a TLS proxy that accepts the test user's
//! cleartext password only as a valid RDS IAM auth token (signature recomputed, host, port,
//! user, region and expiry checked) and then logs in with the real password. The stand-in is
//! first proven against an independent signer (botocore) and client (psql, libpq).

mod common;
mod fixtures;
mod support;

use auroraodbc::engine::pipeline::SessionCharacteristics;
use auroraodbc::odbc::conn::{connect_options, ConnAttrs};
use common::{aws_test_env, OdbcConfig, AWS_TEST_ACCESS_KEY, AWS_TEST_SECRET_KEY};
use fixtures::{eventually, instance_of, open_connection, resolve};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use support::{Cluster, ClusterOptions, IamSettings, TEST_DATABASE, TEST_PASSWORD, TEST_USER};

/// The stand-in's region.
const REGION: &str = "us-east-1";
/// What a refused token gets, as from Aurora's PAM.
const PAM_REFUSAL: &str = "PAM authentication failed for user \"auroraodbc\"";

/// A cluster whose instances require IAM for the test user. `dns_hash` keeps each test's host
/// names (and so the driver's token cache keys) apart from other tests in this process.
fn iam_cluster(replicas: usize, dns_hash: &str) -> Cluster {
    aws_test_env();
    Cluster::start(ClusterOptions {
        replicas,
        dns_hash: dns_hash.into(),
        iam: Some(IamSettings::new(
            AWS_TEST_ACCESS_KEY,
            AWS_TEST_SECRET_KEY,
            TEST_USER,
            TEST_PASSWORD,
        )),
        ..Default::default()
    })
    .expect("start cluster")
}

/// DSN keys reaching `host` of `cluster` on port 5432 as the test user with plugin `iam`, the
/// driver logging everything to `log`; `extra` keys are added.
fn iam_keys(
    cluster: &Cluster,
    host: &str,
    log: &Path,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = [
        ("Server", host.to_string()),
        ("Port", "5432".to_string()),
        ("Database", TEST_DATABASE.to_string()),
        ("UID", TEST_USER.to_string()),
        ("host_address_map", cluster.host_map()),
        ("log_level", "trace".to_string()),
        ("log_file", log.display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if !extra
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("RDS_AUTH_TYPE"))
    {
        keys.push(("plugins".into(), "iam".into()));
    }
    keys.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    keys
}

/// Outcomes of the stand-in's IAM logins so far, in order.
fn outcomes(cluster: &Cluster) -> Vec<String> {
    gate(cluster)
        .logins()
        .into_iter()
        .map(|l| l.outcome)
        .collect()
}

fn gate(cluster: &Cluster) -> &support::IamGate {
    cluster.iam().expect("IAM enabled")
}

/// The driver's log: present, and free of tokens (their signature, what makes one usable) and
/// the secret key. (At level trace the SDK's signer logs its canonical request, the token
/// without its signature: not a credential.)
fn assert_log_free_of_tokens(log: &Path) -> String {
    let text = std::fs::read_to_string(log).expect("the driver wrote its log");
    assert!(text.lines().count() > 5, "log too short:\n{text}");
    for secret in ["X-Amz-Signature", AWS_TEST_SECRET_KEY] {
        assert!(
            !text.contains(secret),
            "'{secret}' appears in the log: {:?}",
            text.lines().find(|l| l.contains(secret))
        );
    }
    text
}

/// Runs tests/py/iam_connections.py; (connected, failures, output).
fn connections(config: &OdbcConfig, dsn: &str, count: u32, pause: f32) -> (u64, u64, String) {
    let script = config.dir.join("iam_connections.py");
    std::fs::write(&script, include_str!("py/iam_connections.py")).expect("write script");
    let out = config.run(
        "python3",
        &[
            script.to_str().expect("utf-8 path"),
            dsn,
            &count.to_string(),
            &pause.to_string(),
        ],
        "",
        Duration::from_secs(240),
    );
    let text = common::output_text(&out);
    let line = text
        .lines()
        .find(|l| l.starts_with("connected="))
        .unwrap_or_else(|| panic!("no summary:\n{text}"));
    let number = |name: &str| -> u64 {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no {name} in {line}"))
    };
    (number("connected="), number("failures="), text)
}

/// The stand-in checks tokens as the service does, proven with an independent signer
/// (botocore) and client (psql over TLS): a botocore token logs in; the same token tampered
/// with (another user in it), signed for another region, for another instance's name, or by
/// other credentials is refused with PAM's message; a password is no token; without TLS the
/// server refuses before asking.
#[test]
fn the_stand_in_accepts_botocore_tokens_and_refuses_bad_ones() {
    let cluster = iam_cluster(1, "iamproof");
    let writer = cluster.writer_id();
    let info = cluster.instance(&writer).expect("writer");
    let token = |host: &str, region: &str, secret: &str| -> String {
        let out = Command::new("python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/py/iam_token.py"
            ))
            .args([host, "5432", TEST_USER, region])
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .output()
            .expect("run python3");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let psql = |password: &str, sslmode: &str| -> (bool, String) {
        let out = Command::new("psql")
            .args(["-X", "-A", "-t", "-c", "SELECT current_user"])
            .arg(format!(
                "host=127.0.0.1 port={} user={TEST_USER} dbname={TEST_DATABASE} sslmode={sslmode}",
                info.proxy_port
            ))
            .env("PGPASSWORD", password)
            .env("PGCONNECT_TIMEOUT", "10")
            .output()
            .expect("run psql");
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let good = token(&info.host, REGION, AWS_TEST_SECRET_KEY);
    assert!(good.starts_with(&format!("{}:5432/?", info.host)), "{good}");
    let (ok, out) = psql(&good, "require");
    assert!(ok && out.trim() == TEST_USER, "{out}");
    // The cluster endpoint leads to this instance too.
    let (ok, out) = psql(
        &token(
            &cluster.cluster_endpoint_host(),
            REGION,
            AWS_TEST_SECRET_KEY,
        ),
        "require",
    );
    assert!(ok, "{out}");

    let other_instance = cluster.instance_host(&cluster.reader_ids()[0]);
    let refused = [
        (
            good.replace("DBUser=auroraodbc", "DBUser=postgres"),
            "wrong user",
        ),
        (
            good.replace("X-Amz-Expires=900", "X-Amz-Expires=899"),
            "bad signature",
        ),
        (
            token(&info.host, "eu-west-1", AWS_TEST_SECRET_KEY),
            "wrong region eu-west-1",
        ),
        (
            token(&other_instance, REGION, AWS_TEST_SECRET_KEY),
            "wrong host",
        ),
        (token(&info.host, REGION, "not-the-secret"), "bad signature"),
        (TEST_PASSWORD.to_string(), "malformed token"),
    ];
    gate(&cluster).clear();
    for (password, _) in &refused {
        let (ok, out) = psql(password, "require");
        assert!(!ok && out.contains(PAM_REFUSAL), "{out}");
    }
    let seen = outcomes(&cluster);
    assert_eq!(seen.len(), refused.len(), "{seen:?}");
    for (outcome, (_, reason)) in seen.iter().zip(&refused) {
        assert!(outcome.starts_with(reason), "{outcome} is not {reason}");
    }
    let (ok, out) = psql(&good, "disable");
    assert!(!ok && out.contains("no encryption"), "{out}");

    // Expiry: the same good token is refused once the stand-in's lifetime is shorter than its
    // age.
    gate(&cluster).update_settings(|s| s.token_lifetime = Duration::ZERO);
    std::thread::sleep(Duration::from_millis(1100));
    let (ok, out) = psql(&good, "require");
    assert!(!ok && out.contains(PAM_REFUSAL), "{out}");
    assert_eq!(
        outcomes(&cluster).last().map(String::as_str),
        Some("expired")
    );
}

/// isql logs in with a token (plugin `iam`, and the AWS ODBC wrapper's `RDS_AUTH_TYPE=IAM`),
/// also when connecting to an address with the token signed for the real name (`iam_host`);
/// the same user with its password is refused, and IAM below sslmode=require is refused by
/// the driver before it connects. No token reaches the log.
#[test]
fn isql_logs_in_with_a_token() {
    let cluster = iam_cluster(0, "iamisql");
    let writer = cluster.writer_id();
    let info = cluster.instance(&writer).expect("writer");
    let scratch = OdbcConfig::new(&[]);
    let log = scratch.dir.join("driver.log");
    let endpoint = cluster.cluster_endpoint_host();
    let port = info.proxy_port.to_string();
    let config = OdbcConfig::new(&[
        ("iam", iam_keys(&cluster, &endpoint, &log, &[])),
        (
            "wrapper",
            iam_keys(&cluster, &endpoint, &log, &[("RDS_AUTH_TYPE", "IAM")]),
        ),
        (
            "byaddress",
            iam_keys(
                &cluster,
                "127.0.0.1",
                &log,
                &[
                    ("Port", &port),
                    ("iam_host", &info.host),
                    ("iam_default_port", "5432"),
                    ("iam_region", REGION),
                ],
            )
            .into_iter()
            .filter(|(k, v)| !(k == "Port" && v == "5432"))
            .collect(),
        ),
        (
            "password",
            vec![
                ("Server".into(), endpoint.clone()),
                ("Port".into(), "5432".into()),
                ("Database".into(), TEST_DATABASE.into()),
                ("UID".into(), TEST_USER.into()),
                ("PWD".into(), TEST_PASSWORD.into()),
                ("sslmode".into(), "require".into()),
                ("host_address_map".into(), cluster.host_map()),
            ],
        ),
        (
            "cleartext",
            iam_keys(&cluster, &endpoint, &log, &[("sslmode", "disable")]),
        ),
    ]);
    for dsn in ["iam", "wrapper", "byaddress"] {
        let (out, err) = config.isql(dsn, &[], "SELECT current_user\n");
        assert!(
            out.lines().any(|l| l.trim() == TEST_USER),
            "{dsn}: {out}\n{err}"
        );
    }
    let logins = gate(&cluster).logins();
    assert!(logins.len() >= 3, "{logins:?}");
    assert!(logins.iter().all(|l| l.outcome == "accepted"), "{logins:?}");

    let (out, err) = config.isql("password", &[], "SELECT 1\n");
    let all = format!("{out}{err}");
    assert!(all.contains("28000") && all.contains(PAM_REFUSAL), "{all}");
    let (out, err) = config.isql("cleartext", &[], "SELECT 1\n");
    let all = format!("{out}{err}");
    assert!(all.contains("needs TLS: set sslmode to require"), "{all}");
    let after_password = gate(&cluster).logins();
    assert_eq!(
        after_password.last().map(|l| l.outcome.as_str()),
        Some("malformed token"),
        "the password was taken for a token: {after_password:?}"
    );
    let (out, err) = config.isql("cleartext", &[], "SELECT 1\n");
    assert!(format!("{out}{err}").contains("needs TLS"), "{out}{err}");
    assert_eq!(
        gate(&cluster).logins().len(),
        after_password.len(),
        "sslmode=disable never reached the server"
    );
    let text = assert_log_free_of_tokens(&log);
    assert!(text.contains("made an IAM auth token"), "{text}");
}

/// A token is made once and reused: 100 connections one after another (3 s or more, so
/// tokens made per connection would differ in their signing time) present one distinct token.
#[test]
fn pyodbc_reuses_one_token_for_100_connections() {
    let cluster = iam_cluster(0, "iamcache");
    let scratch = OdbcConfig::new(&[]);
    let log = scratch.dir.join("driver.log");
    let keys = iam_keys(
        &cluster,
        &cluster.cluster_endpoint_host(),
        &log,
        &[("log_level", "info")],
    )
    .into_iter()
    .filter(|(k, v)| !(k == "log_level" && v == "trace"))
    .collect();
    let config = OdbcConfig::new(&[("iam", keys)]);
    let (connected, failures, text) = connections(&config, "iam", 100, 0.03);
    assert_eq!((connected, failures), (100, 0), "{text}");
    let logins = gate(&cluster).logins();
    assert_eq!(
        logins.len(),
        100,
        "every connection logged in through the IAM check"
    );
    assert!(logins.iter().all(|l| l.outcome == "accepted"), "{logins:?}");
    assert_eq!(
        gate(&cluster).distinct_tokens(),
        1,
        "one token for 100 connections:\n{text}"
    );
}

/// Expired tokens are replaced: with `iam_expiration=1` each connection more than a second
/// after the last signs a new token; and a cached token the server finds expired (the
/// stand-in's lifetime cut to 2 s) is refused once, replaced by a fresh one, and the
/// connection succeeds.
#[test]
fn expired_tokens_are_replaced() {
    let cluster = iam_cluster(0, "iamexpiry");
    let scratch = OdbcConfig::new(&[]);
    let log = scratch.dir.join("driver.log");
    let host = cluster.cluster_endpoint_host();
    let config = OdbcConfig::new(&[
        (
            "short",
            iam_keys(&cluster, &host, &log, &[("iam_expiration", "1")]),
        ),
        ("default", iam_keys(&cluster, &host, &log, &[])),
    ]);
    let (connected, failures, text) = connections(&config, "short", 3, 1.6);
    assert_eq!((connected, failures), (3, 0), "{text}");
    assert_eq!(outcomes(&cluster), ["accepted"; 3]);
    assert_eq!(
        gate(&cluster).distinct_tokens(),
        3,
        "a token per connection after expiry"
    );

    gate(&cluster).clear();
    gate(&cluster).update_settings(|s| s.token_lifetime = Duration::from_secs(2));
    let (connected, failures, text) = connections(&config, "default", 2, 3.2);
    assert_eq!((connected, failures), (2, 0), "{text}");
    assert_eq!(outcomes(&cluster), ["accepted", "expired", "accepted"]);
    assert_eq!(gate(&cluster).distinct_tokens(), 2);
    let logged = assert_log_free_of_tokens(&log);
    assert!(
        logged.contains("login with cached credentials refused; trying fresh ones once"),
        "the log shows the fresh token after the refusal"
    );
}

/// A token signed for the wrong region or host is refused with a 28000 that says so: the
/// server's PAM refusal and what the token was signed for.
#[test]
fn wrong_region_or_host_is_a_clear_28000() {
    let cluster = iam_cluster(1, "iamwrong");
    let scratch = OdbcConfig::new(&[]);
    let log = scratch.dir.join("driver.log");
    let host = cluster.cluster_endpoint_host();
    let reader_host = cluster.instance_host(&cluster.reader_ids()[0]);
    let config = OdbcConfig::new(&[
        (
            "region",
            iam_keys(&cluster, &host, &log, &[("iam_region", "us-west-2")]),
        ),
        (
            "host",
            iam_keys(&cluster, &host, &log, &[("iam_host", &reader_host)]),
        ),
    ]);
    let (out, err) = config.isql("region", &[], "SELECT 1\n");
    let all = format!("{out}{err}");
    assert!(
        all.contains("[28000]") && all.contains(PAM_REFUSAL),
        "{all}"
    );
    assert!(
        all.contains("us-west-2"),
        "the error names the region signed for: {all}"
    );
    let (out, err) = config.isql("host", &[], "SELECT 1\n");
    let all = format!("{out}{err}");
    assert!(
        all.contains("[28000]") && all.contains(PAM_REFUSAL),
        "{all}"
    );
    assert!(
        all.contains(&reader_host),
        "the error names the host signed for: {all}"
    );
    let seen = outcomes(&cluster);
    assert_eq!(seen.len(), 2, "no retry without a cached token: {seen:?}");
    assert!(seen[0].starts_with("wrong region us-west-2"), "{seen:?}");
    assert!(seen[1].starts_with("wrong host"), "{seen:?}");
    assert_log_free_of_tokens(&log);
}

/// With failover and host monitoring in the chain, every physical connection signs in with a
/// token for the host it connects to: the application's, host monitoring's monitoring
/// connection, and failover's replacement on the new writer (the stand-in refuses a token
/// signed for another instance's name).
#[test]
fn monitoring_and_failover_connections_log_in_with_tokens() {
    let cluster = iam_cluster(1, "iamcompose");
    let host = cluster.cluster_endpoint_host();
    let map = cluster.host_map();
    let pairs: Vec<(String, String)> = [
        ("Server", host.as_str()),
        ("Port", "5432"),
        ("Database", TEST_DATABASE),
        ("UID", TEST_USER),
        ("host_address_map", map.as_str()),
        ("plugins", "failover,host_monitoring,iam"),
        ("failure_detection_time_ms", "0"),
        ("failure_detection_interval_ms", "200"),
        ("monitoring-application_name", "iam-watcher"),
        ("application_name", "iam-app"),
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
    let accepted = |instance: &str, app: &str| {
        gate(&cluster).logins().iter().any(|l| {
            l.instance == instance
                && l.outcome == "accepted"
                && l.application_name.as_deref() == Some(app)
        })
    };
    assert!(
        accepted(&writer, "iam-app"),
        "{:?}",
        gate(&cluster).logins()
    );
    assert!(
        eventually(Duration::from_secs(10), || {
            let _ = instance_of(&mut conn);
            accepted(&writer, "iam-watcher")
        }),
        "a monitoring connection logged in with a token: {:?}",
        gate(&cluster).logins()
    );

    let reader = cluster.reader_ids()[0].clone();
    cluster.fail_over_to(&reader).expect("fail over");
    let err = instance_of(&mut conn).expect_err("the writer is gone");
    assert_eq!(err.sqlstate_str(), "08S02", "{err}");
    assert_eq!(instance_of(&mut conn).expect("on the new writer"), reader);
    assert!(
        accepted(&reader, "iam-app"),
        "{:?}",
        gate(&cluster).logins()
    );
    let refused: Vec<_> = gate(&cluster)
        .logins()
        .into_iter()
        .filter(|l| l.outcome != "accepted")
        .collect();
    assert!(
        refused.is_empty(),
        "every token was for the host connected to: {refused:?}"
    );
}

/// The same through unixODBC (pyodbc): the application's connection, the monitoring connection
/// and failover's replacement on the new writer all pass the stand-in's IAM check.
#[test]
fn pyodbc_failover_and_monitoring_connections_log_in_with_tokens() {
    use std::io::{BufRead, BufReader, Write};
    let cluster = iam_cluster(1, "iampyfail");
    let scratch = OdbcConfig::new(&[]);
    let log = scratch.dir.join("driver.log");
    let keys = iam_keys(
        &cluster,
        &cluster.cluster_endpoint_host(),
        &log,
        &[
            ("plugins", "failover,host_monitoring,iam"),
            ("failure_detection_time_ms", "0"),
            ("failure_detection_interval_ms", "200"),
            ("monitoring-application_name", "iam-py-watcher"),
            ("application_name", "iam-py-app"),
            ("failover_timeout_ms", "20000"),
            ("log_level", "info"),
        ],
    )
    .into_iter()
    .filter(|(k, v)| !((k == "plugins" && v == "iam") || (k == "log_level" && v == "trace")))
    .collect();
    let config = OdbcConfig::new(&[("composed", keys)]);
    let script = config.dir.join("iam_failover.py");
    std::fs::write(&script, include_str!("py/iam_failover.py")).expect("write script");
    let mut child = config.spawn(
        "python3",
        &[script.to_str().expect("utf-8 path"), "composed"],
        Duration::from_secs(120),
    );
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut next = || lines.next().and_then(|l| l.ok()).unwrap_or_default();
    let writer = cluster.writer_id();
    assert_eq!(next(), format!("instance={writer}"));
    let accepted = |instance: &str, app: &str| {
        gate(&cluster).logins().iter().any(|l| {
            l.instance == instance
                && l.outcome == "accepted"
                && l.application_name.as_deref() == Some(app)
        })
    };
    assert!(
        eventually(Duration::from_secs(10), || accepted(
            &writer,
            "iam-py-watcher"
        )),
        "a monitoring connection logged in with a token: {:?}",
        gate(&cluster).logins()
    );
    let reader = cluster.reader_ids()[0].clone();
    cluster.fail_over_to(&reader).expect("fail over");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"go\n")
        .expect("signal the script");
    assert_eq!(next(), "error=08S02");
    assert_eq!(next(), format!("instance={reader}"));
    let _ = child.wait();
    assert!(
        accepted(&writer, "iam-py-app"),
        "{:?}",
        gate(&cluster).logins()
    );
    assert!(
        accepted(&reader, "iam-py-app"),
        "{:?}",
        gate(&cluster).logins()
    );
    let refused: Vec<_> = gate(&cluster)
        .logins()
        .into_iter()
        .filter(|l| l.outcome != "accepted")
        .collect();
    assert!(refused.is_empty(), "{refused:?}");
}
