//! The plugin's decisions without a network: recognition, regions, settings, members.

use super::rds::{ApiError, BoxFuture, RdsApi};
use super::*;
use crate::engine::topology::Instance;

fn settings(pairs: &[(&str, &str)]) -> Settings {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::resolve(&pairs, &|_| None).expect("settings")
}

/// An API that never answers: these tests only look at what the plugin derives.
struct Silent;

impl RdsApi for Silent {
    fn describe_custom_endpoint<'a>(
        &'a self,
        _id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<EndpointInfo>, ApiError>> {
        Box::pin(std::future::pending())
    }
}

fn silent() -> ApiMaker {
    Arc::new(|_t| Box::pin(async { Arc::new(Silent) as Arc<dyn RdsApi> }))
}

fn plugin(pairs: &[(&str, &str)]) -> EngineResult<CustomEndpointPlugin> {
    CustomEndpointPlugin::new(&settings(pairs), silent())
}

#[test]
fn recognises_custom_endpoints_in_every_partition() {
    let cases = [
        (
            "reporting.cluster-custom-abc123.us-east-1.rds.amazonaws.com",
            "reporting",
            Some("us-east-1"),
        ),
        (
            "Reporting.Cluster-Custom-ABC123.EU-West-3.RDS.amazonaws.com.",
            "reporting",
            Some("eu-west-3"),
        ),
        (
            "big.cluster-custom-xyz.rds.cn-north-1.amazonaws.com.cn",
            "big",
            Some("cn-north-1"),
        ),
        (
            "big.cluster-custom-xyz.cn-northwest-1.rds.amazonaws.com.cn",
            "big",
            Some("cn-northwest-1"),
        ),
        (
            "gov.cluster-custom-xyz.us-gov-west-1.rds.amazonaws.com",
            "gov",
            Some("us-gov-west-1"),
        ),
        // The shape without an RDS domain: recognised, the region must be configured.
        ("alias.cluster-custom-xyz.db.example.com", "alias", None),
    ];
    for (host, id, region) in cases {
        let name = recognise(host).unwrap_or_else(|| panic!("{host} not recognised"));
        assert_eq!(name.endpoint_id, id, "{host}");
        assert_eq!(name.region.as_deref(), region, "{host}");
    }
    for other in [
        "standin.cluster-abc123.us-east-1.rds.amazonaws.com",
        "standin.cluster-ro-abc123.us-east-1.rds.amazonaws.com",
        "instance-1.abc123.us-east-1.rds.amazonaws.com",
        "p.proxy-abc123.us-east-1.rds.amazonaws.com",
        "127.0.0.1",
        "localhost",
        "cluster-custom-abc.example.com",
        "",
    ] {
        assert!(
            recognise(other).is_none(),
            "{other} taken for a custom endpoint"
        );
    }
}

#[test]
fn other_hosts_leave_the_plugin_inert() {
    for host in [
        "127.0.0.1",
        "standin.cluster-abc123.us-east-1.rds.amazonaws.com",
    ] {
        let p = plugin(&[("Server", host)]).expect("builds");
        assert!(!p.is_active(), "{host}");
    }
    assert!(!plugin(&[]).expect("no server").is_active());
}

#[test]
fn region_comes_from_the_name_unless_overridden() {
    let p = plugin(&[(
        "Server",
        "gov.cluster-custom-xyz.us-gov-east-1.rds.amazonaws.com",
    )])
    .expect("builds");
    let key = p.monitor_key().expect("active");
    assert_eq!(key.endpoint_id, "gov");
    assert_eq!(key.target.region, "us-gov-east-1");
    let p = plugin(&[
        (
            "Server",
            "gov.cluster-custom-xyz.us-gov-east-1.rds.amazonaws.com",
        ),
        ("custom_endpoint_region", "US-WEST-2"),
    ])
    .expect("builds");
    assert_eq!(p.monitor_key().expect("active").target.region, "us-west-2");
    let p = plugin(&[
        ("Server", "alias.cluster-custom-xyz.db.example.com"),
        ("CUSTOM_ENDPOINT_REGION", "eu-central-1"),
    ])
    .expect("builds");
    assert_eq!(
        p.monitor_key().expect("active").target.region,
        "eu-central-1"
    );
}

#[test]
fn a_name_without_region_and_no_override_fails_with_advice() {
    let err = plugin(&[("Server", "alias.cluster-custom-xyz.db.example.com")])
        .err()
        .expect("must fail");
    assert_eq!(err.sqlstate_str(), "08001");
    assert!(
        err.message.contains("custom_endpoint_region"),
        "{}",
        err.message
    );
}

#[test]
fn settings_reach_the_monitor_key_and_timing() {
    let p = plugin(&[
        (
            "Server",
            "ep.cluster-custom-abc.us-east-1.rds.amazonaws.com",
        ),
        ("rds_endpoint_url", "http://127.0.0.1:9"),
        ("aws_profile", "reporting"),
        ("custom_endpoint_info_refresh_rate_ms", "250"),
        ("custom_endpoint_max_refresh_rate_ms", "4000"),
        ("custom_endpoint_refresh_backoff_factor", "3"),
        ("custom_endpoint_idle_monitor_expiration_ms", "1000"),
        ("wait_for_custom_endpoint_info_timeout_ms", "700"),
    ])
    .expect("builds");
    let t = p.target.as_ref().expect("active");
    assert_eq!(
        t.key.target.endpoint_url.as_deref(),
        Some("http://127.0.0.1:9")
    );
    assert_eq!(t.key.target.profile.as_deref(), Some("reporting"));
    assert_eq!(
        t.config,
        MonitorConfig {
            refresh: Duration::from_millis(250),
            max_refresh: Duration::from_millis(4000),
            backoff_factor: 3,
            idle_expiry: Duration::from_millis(1000),
        }
    );
    assert_eq!(t.wait, Some(Duration::from_millis(700)));
    let defaults = plugin(&[(
        "Server",
        "ep.cluster-custom-abc.us-east-1.rds.amazonaws.com",
    )])
    .expect("builds");
    let d = defaults.target.as_ref().expect("active");
    assert_eq!(d.config.refresh, Duration::from_secs(30));
    assert_eq!(d.config.idle_expiry, Duration::from_secs(900));
    assert_eq!(d.wait, Some(Duration::from_secs(5)));
    let off = plugin(&[
        (
            "Server",
            "ep.cluster-custom-abc.us-east-1.rds.amazonaws.com",
        ),
        ("wait_for_custom_endpoint_info", "false"),
    ])
    .expect("builds");
    assert_eq!(off.target.as_ref().expect("active").wait, None);
}

fn topo(writer: &str, readers: &[&str]) -> Topology {
    let i = |id: &str, w: bool| Instance {
        id: id.into(),
        is_writer: w,
        cpu: 0.0,
        lag_ms: 0.0,
        age_secs: Some(0.0),
    };
    Topology {
        writer: Some(i(writer, true)),
        readers: readers.iter().map(|r| i(r, false)).collect(),
    }
}

#[test]
fn members_follow_list_kind_and_endpoint_type() {
    let t = topo("w", &["r1", "r2", "r3"]);
    let stat =
        EndpointInfo::from_parts("ep", "c", "a", Some("ANY"), &["w".into(), "r2".into()], &[]);
    assert_eq!(members_of(&stat, &t), vec!["w", "r2"]);
    let excl = EndpointInfo::from_parts("ep", "c", "a", Some("ANY"), &[], &["r1".into()]);
    assert_eq!(members_of(&excl, &t), vec!["w", "r2", "r3"]);
    let reader = EndpointInfo::from_parts(
        "ep",
        "c",
        "a",
        Some("READER"),
        &["w".into(), "r2".into()],
        &[],
    );
    assert_eq!(members_of(&reader, &t), vec!["r2"]);
    let reader_excl = EndpointInfo::from_parts("ep", "c", "a", Some("READER"), &[], &["r3".into()]);
    assert_eq!(members_of(&reader_excl, &t), vec!["r1", "r2"]);
}

#[test]
fn shuffle_keeps_every_item_and_varies_the_order() {
    let original: Vec<String> = (0..6).map(|i| format!("i{i}")).collect();
    let mut firsts = std::collections::HashSet::new();
    for _ in 0..50 {
        let mut v = original.clone();
        shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort();
        assert_eq!(sorted, original);
        firsts.insert(v[0].clone());
    }
    assert!(firsts.len() > 1, "always the same first item");
}

#[test]
fn host_filter_without_any_info_lets_everything_through() {
    let p = plugin(&[
        (
            "Server",
            "nobody.cluster-custom-abc.us-east-1.rds.amazonaws.com",
        ),
        ("wait_for_custom_endpoint_info", "false"),
    ])
    .expect("builds");
    let t = p.target.clone().expect("active");
    let f = p.host_filter(&t);
    let w = Instance {
        id: "w".into(),
        is_writer: true,
        cpu: 0.0,
        lag_ms: 0.0,
        age_secs: None,
    };
    assert!(f.allows(&w));
    // With members seen at connect, the filter applies them while the monitor has none.
    *p.seen.lock() = Some(Arc::new(EndpointInfo::from_parts(
        "nobody",
        "c",
        "a",
        Some("READER"),
        &[],
        &[],
    )));
    assert!(!f.allows(&w));
    monitor::stop(&t.key);
}
