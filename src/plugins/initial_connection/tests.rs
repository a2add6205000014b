//! Unit tests of the plugin's decisions and keys; the moves themselves, against a stand-in
//! cluster whose DNS is stale, are tested in `tests/initial_connection.rs`.

use super::*;
use crate::engine::fixtures::{self, settings, shared_settings};
use crate::engine::pipeline::Pipeline;

const DOMAIN: &str = "abc123.us-east-1.rds.amazonaws.com";

#[test]
fn only_cluster_endpoints_make_a_promise() {
    assert_eq!(
        Want::for_host(&format!("db.cluster-{DOMAIN}")),
        Some(Want::Writer)
    );
    assert_eq!(
        Want::for_host(&format!("DB.Cluster-RO-{DOMAIN}.")),
        Some(Want::Reader)
    );
    for other in [
        format!("instance-1.{DOMAIN}"),
        format!("ep.cluster-custom-{DOMAIN}"),
        format!("p.proxy-{DOMAIN}"),
        "10.0.0.1".to_string(),
        "db.example.com".to_string(),
    ] {
        assert_eq!(Want::for_host(&other), None, "{other}");
    }
}

#[test]
fn roles_keep_or_break_the_promise() {
    assert!(Want::Writer.kept_by(false));
    assert!(!Want::Writer.kept_by(true));
    assert!(Want::Reader.kept_by(true));
    assert!(!Want::Reader.kept_by(false));
}

#[test]
fn readers_in_strategy_order_down_ones_last_never_the_writer() {
    let t = fixtures::topology("w", &["r1", "r2", "r3"]);
    let order = reader_order(&t, Strategy::RoundRobin, &|_| false, &|_| 0);
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(sorted, vec!["r1", "r2", "r3"]);
    for _ in 0..20 {
        let order = reader_order(&t, Strategy::Random, &|i| i.id == "r2", &|_| 0);
        assert_eq!(order.len(), 3);
        assert_eq!(order[2], "r2", "{order:?}");
        assert!(!order.contains(&"w".to_string()));
    }
    let busy = |i: &Instance| if i.id == "r1" { 5 } else { 0 };
    let order = reader_order(&t, Strategy::LeastConnections, &|_| false, &busy);
    assert_eq!(order[2], "r1", "{order:?}");
    assert!(reader_order(&fixtures::topology("w", &[]), Strategy::Random, &|_| false, &|_| 0)
        .is_empty());
}

#[test]
fn keys_defaults_aliases_and_ranges() {
    let p = InitialConnectionPlugin::new(&settings(&[]));
    assert_eq!(p.retry_timeout, Duration::from_secs(30));
    assert_eq!(p.retry_interval, Duration::from_secs(1));
    assert_eq!(p.strategy, Strategy::Random);
    let p = InitialConnectionPlugin::new(&settings(&[
        ("openConnectionRetryTimeoutMs", "2500"),
        ("OPEN_CONNECTION_RETRY_INTERVAL_MS", "50"),
        ("reader_host_selector_strategy", "least_connections"),
    ]));
    assert_eq!(p.retry_timeout, Duration::from_millis(2500));
    assert_eq!(p.retry_interval, Duration::from_millis(50));
    assert_eq!(p.strategy, Strategy::LeastConnections);
    for (key, bad) in [
        ("open_connection_retry_interval_ms", "0"),
        ("open_connection_retry_interval_ms", "soon"),
        ("open_connection_retry_timeout_ms", "-1"),
    ] {
        let err = Settings::resolve(&[(key.to_string(), bad.to_string())], &|_| None)
            .expect_err("bad value refused");
        assert!(err.to_string().contains(key), "{err}");
    }
}

#[test]
fn in_the_default_chain_inside_failover() {
    let default = Pipeline::build(&shared_settings(&[]), crate::plugins::factory).expect("chain");
    let codes = default.codes_loaded();
    let at = |code: &str| codes.iter().position(|c| *c == code);
    assert!(at(CODE).is_some(), "{codes:?}");
    assert!(at("failover") < at(CODE), "failover decides its mode first: {codes:?}");
    let none = Pipeline::build(&shared_settings(&[("plugins", "failover")]), crate::plugins::factory)
        .expect("chain");
    assert_eq!(none.codes_loaded(), vec!["failover"]);
}

#[test]
fn a_stale_endpoint_is_remembered_for_a_while_per_host_and_port() {
    let options = |host: &str, port: u16| ConnectOptions {
        host: host.into(),
        port,
        ..Default::default()
    };
    let a = options("db.cluster-stalememo.us-east-1.rds.amazonaws.com", 5432);
    assert!(!stale_endpoints::recently(&a));
    stale_endpoints::note(&a);
    assert!(stale_endpoints::recently(&options(
        "DB.cluster-stalememo.us-east-1.rds.amazonaws.com",
        5432
    )));
    assert!(!stale_endpoints::recently(&options(
        "db.cluster-stalememo.us-east-1.rds.amazonaws.com",
        5433
    )));
    stale_endpoints::forget(&a);
    assert!(!stale_endpoints::recently(&a));
    assert_eq!(stale_endpoints::FOR, Duration::from_secs(30));
}
