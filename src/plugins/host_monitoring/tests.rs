//! Unit tests of the plugin's settings handling; behaviour against real hosts is tested in
//! `tests/host_monitoring.rs`.

use super::*;
use crate::engine::pipeline::Pipeline;
use std::time::Duration;

use crate::engine::fixtures::shared_settings as settings;

#[test]
fn loaded_by_default_and_by_code() {
    let default = Pipeline::build(&settings(&[]), crate::plugins::factory).expect("chain");
    assert!(default.codes_loaded().contains(&CODE));
    let explicit = Pipeline::build(
        &settings(&[("plugins", "host_monitoring")]),
        crate::plugins::factory,
    )
    .expect("chain");
    assert_eq!(explicit.codes_loaded(), vec![CODE]);
    let none =
        Pipeline::build(&settings(&[("plugins", "")]), crate::plugins::factory).expect("chain");
    assert!(none.is_empty());
}

#[test]
fn disabled_means_no_plugin() {
    for off in ["0", "false", "no"] {
        let s = settings(&[("failure_detection_enabled", off)]);
        assert!(factory(&s).expect("factory").is_none(), "{off}");
    }
    let s = settings(&[("ENABLE_FAILURE_DETECTION", "0")]);
    assert!(factory(&s).expect("factory").is_none());
}

#[test]
fn seed_defaults() {
    let t = timing(&settings(&[]));
    assert_eq!(t.detection_time, Duration::from_millis(30_000));
    assert_eq!(t.interval, Duration::from_millis(5_000));
    assert_eq!(t.count, 3);
    assert_eq!(t.disposal, Duration::from_millis(60_000));
    assert_eq!(t.silence_limit(), Duration::from_millis(15_000));
    assert_eq!(t.step(), monitor::MAX_PROBE_STEP);
}

#[test]
fn short_intervals_probe_every_interval() {
    let t = timing(&settings(&[
        ("failure_detection_interval_ms", "100"),
        ("failure_detection_count", "2"),
    ]));
    assert_eq!(t.step(), Duration::from_millis(100));
    assert_eq!(t.silence_limit(), Duration::from_millis(200));
}

#[test]
fn monitoring_prefix_reaches_the_monitoring_options() {
    let s = settings(&[
        ("application_name", "app"),
        ("monitoring-application_name", "watcher"),
        ("monitoring-connect_timeout", "3"),
    ]);
    let opts = ConnectOptions::from_settings(&s.for_monitoring()).expect("options");
    assert_eq!(opts.application_name, "watcher");
    assert_eq!(opts.connect_timeout, Some(Duration::from_secs(3)));
    assert!(Settings::resolve(
        &[("monitoring-connect_timeout".to_string(), "0".to_string())],
        &|_| None
    )
    .is_err());
}

#[test]
fn monitor_keys_separate_hosts_and_timings() {
    let s = settings(&[("Server", "db.example"), ("Port", "5432")]);
    let opts = ConnectOptions::from_settings(&s).expect("options");
    let t = timing(&s);
    assert!(MonitorKey::new(&opts, t) == MonitorKey::new(&opts, t));
    let mut other = opts.clone();
    other.port = 5433;
    assert!(MonitorKey::new(&opts, t) != MonitorKey::new(&other, t));
    let faster = Timing {
        interval: Duration::from_millis(100),
        ..t
    };
    assert!(MonitorKey::new(&opts, t) != MonitorKey::new(&opts, faster));
    // Host keys ignore case.
    let mut upper = opts.clone();
    upper.host = "DB.EXAMPLE".into();
    assert!(MonitorKey::new(&opts, t) == MonitorKey::new(&upper, t));
}
