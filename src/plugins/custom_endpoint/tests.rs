//! The plugin's decisions without a network: recognition, regions, settings, members.

use super::rds::{ApiError, BoxFuture, RdsApi};
use super::*;
use crate::engine::topology::Instance;

use crate::engine::fixtures::{settings, topology as topo};

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
        t.key.config,
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
    assert_eq!(d.key.config.refresh, Duration::from_secs(30));
    assert_eq!(d.key.config.idle_expiry, Duration::from_secs(900));
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

/// The shared monitor against a scripted RDS API: timing, waits, idle expiry, sharing.
mod shared_monitor {
    use super::super::monitor::*;
    use super::super::rds::{ApiError, ApiErrorKind, ApiTarget, BoxFuture, EndpointInfo, RdsApi};
    use crate::engine::shared_monitors::SharedMonitor;
    use parking_lot::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    /// A scripted RDS API: answers from a queue (the last answer repeats) and counts calls.
    struct Fake {
        answers: Mutex<Vec<Result<Vec<EndpointInfo>, ApiError>>>,
        calls: AtomicUsize,
        call_times: Mutex<Vec<Instant>>,
        delay: Duration,
    }

    impl RdsApi for Fake {
        fn describe_custom_endpoint<'a>(
            &'a self,
            _id: &'a str,
        ) -> BoxFuture<'a, Result<Vec<EndpointInfo>, ApiError>> {
            Box::pin(async move {
                self.calls.fetch_add(1, Ordering::SeqCst);
                self.call_times.lock().push(Instant::now());
                tokio::time::sleep(self.delay).await;
                let mut answers = self.answers.lock();
                if answers.len() > 1 {
                    answers.remove(0)
                } else {
                    answers.first().cloned().unwrap_or(Ok(Vec::new()))
                }
            })
        }
    }

    fn fake(
        answers: Vec<Result<Vec<EndpointInfo>, ApiError>>,
        delay: Duration,
    ) -> (Arc<Fake>, ApiMaker) {
        let f = Arc::new(Fake {
            answers: Mutex::new(answers),
            calls: AtomicUsize::new(0),
            call_times: Mutex::new(Vec::new()),
            delay,
        });
        let api: Arc<dyn RdsApi> = f.clone();
        let maker: ApiMaker = Arc::new(move |_t| {
            let api = api.clone();
            Box::pin(async move { api })
        });
        (f, maker)
    }

    fn info() -> EndpointInfo {
        EndpointInfo::from_parts(
            "ep",
            "cluster",
            "ep.cluster-custom-x.us-east-1.rds.amazonaws.com",
            Some("ANY"),
            &["i1".to_string()],
            &[],
        )
    }

    static NEXT: AtomicUsize = AtomicUsize::new(0);

    /// A key of its own (a fresh endpoint id) with `config`.
    fn key(config: MonitorConfig) -> MonitorKey {
        MonitorKey {
            endpoint_id: format!("unit-{}", NEXT.fetch_add(1, Ordering::SeqCst)),
            target: ApiTarget {
                region: "us-east-1".into(),
                endpoint_url: None,
                profile: None,
            },
            config,
        }
    }

    fn config(refresh_ms: u64) -> MonitorConfig {
        MonitorConfig {
            refresh: Duration::from_millis(refresh_ms),
            max_refresh: Duration::from_millis(refresh_ms * 8),
            backoff_factor: 2,
            idle_expiry: Duration::from_secs(60),
        }
    }

    #[test]
    fn backoff_multiplies_up_to_the_ceiling_and_comes_back_down() {
        let c = MonitorConfig {
            refresh: Duration::from_millis(100),
            max_refresh: Duration::from_millis(500),
            backoff_factor: 2,
            idle_expiry: Duration::ZERO,
        };
        let mut p = c.refresh;
        let mut seen = Vec::new();
        for _ in 0..4 {
            p = c.next_period(p, Outcome::Throttled);
            seen.push(p.as_millis());
        }
        assert_eq!(seen, vec![200, 400, 500, 500]);
        p = c.next_period(p, Outcome::Success);
        assert_eq!(p.as_millis(), 250);
        p = c.next_period(p, Outcome::Failed);
        assert_eq!(p.as_millis(), 250, "a network error leaves the period");
        p = c.next_period(p, Outcome::Success);
        assert_eq!(p.as_millis(), 125);
        p = c.next_period(p, Outcome::Success);
        assert_eq!(p.as_millis(), 100, "never below the configured rate");
        assert_eq!(c.delay_after(p, Outcome::Denied), DENIED_PAUSE);
        assert_eq!(c.delay_after(p, Outcome::Failed), p);
        // A factor of 1 means no back-off; a ceiling below the rate cannot shorten the period.
        let flat = MonitorConfig {
            backoff_factor: 1,
            max_refresh: Duration::from_millis(10),
            ..c
        };
        assert_eq!(flat.next_period(c.refresh, Outcome::Throttled), c.refresh);
    }

    #[test]
    fn wait_returns_info_as_soon_as_the_first_answer_arrives() {
        let (api, maker) = fake(vec![Ok(vec![info()])], Duration::from_millis(50));
        // A long period: only the first call (made at start) can answer the wait.
        let m = obtain(&key(config(60_000)), &maker).expect("monitor");
        let started = Instant::now();
        let got = m.wait_for_info(Duration::from_secs(5)).expect("info");
        assert_eq!(*got, info());
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(api.calls.load(Ordering::SeqCst), 1);
        m.stop();
    }

    #[test]
    fn wait_times_out_with_the_last_error() {
        let denied = ApiError::new(
            ApiErrorKind::Denied,
            "AccessDenied: not authorized to perform rds:DescribeDBClusterEndpoints",
        );
        let (api, maker) = fake(vec![Err(denied)], Duration::ZERO);
        let m = obtain(&key(config(50)), &maker).expect("monitor");
        let failure = m
            .wait_for_info(Duration::from_millis(400))
            .expect_err("no info");
        assert!(failure.waited >= Duration::from_millis(400));
        let text = failure.describe("ep");
        assert!(
            text.contains("'ep'")
                && text.contains("rds:DescribeDBClusterEndpoints")
                && text.contains("waiting 4"),
            "{text}"
        );
        assert!(
            failure.paused_for.is_some(),
            "an access error pauses the monitor"
        );
        // The pause holds: waiting callers do not bring calls forward, the period does not either.
        let _ = m.wait_for_info(Duration::from_millis(300));
        assert_eq!(
            api.calls.load(Ordering::SeqCst),
            1,
            "no calls during the pause"
        );
        m.stop();
    }

    #[test]
    fn network_errors_retry_each_period_and_keep_the_previous_info() {
        let net = ApiError::new(ApiErrorKind::Network, "cannot reach the RDS API");
        let (api, maker) = fake(vec![Ok(vec![info()]), Err(net)], Duration::ZERO);
        let m = obtain(&key(config(100)), &maker).expect("monitor");
        assert!(m.wait_for_info(Duration::from_secs(5)).is_ok());
        std::thread::sleep(Duration::from_millis(550));
        let calls = api.calls.load(Ordering::SeqCst);
        assert!(
            (4..=7).contains(&calls),
            "about one call per period, got {calls}"
        );
        assert!(m.current().is_some(), "earlier info is kept through errors");
        assert_eq!(m.last_error().map(|e| e.kind), Some(ApiErrorKind::Network));
        m.stop();
    }

    #[test]
    fn throttling_spaces_calls_out() {
        let throttled = ApiError::new(ApiErrorKind::Throttling, "Throttling: Rate exceeded");
        let (api, maker) = fake(vec![Err(throttled)], Duration::ZERO);
        let m = obtain(&key(config(50)), &maker).expect("monitor");
        std::thread::sleep(Duration::from_millis(900));
        m.stop();
        let times = api.call_times.lock().clone();
        // Periods 100, 200, 400, 400 (ceiling): calls at about 0, 100, 300, 700 ms.
        assert!((3..=5).contains(&times.len()), "calls: {}", times.len());
        let gaps: Vec<u128> = times
            .windows(2)
            .map(|w| w[1].duration_since(w[0]).as_millis())
            .collect();
        for pair in gaps.windows(2) {
            assert!(pair[1] + 20 >= pair[0], "gaps grow: {gaps:?}");
        }
        assert!(gaps.first().is_some_and(|g| *g >= 90), "{gaps:?}");
    }

    #[test]
    fn unexpected_answers_are_retried_next_period() {
        let (api, maker) = fake(
            vec![Ok(vec![]), Ok(vec![info(), info()]), Ok(vec![info()])],
            Duration::ZERO,
        );
        let m = obtain(&key(config(100)), &maker).expect("monitor");
        let got = m
            .wait_for_info(Duration::from_secs(5))
            .expect("third answer has one endpoint");
        assert_eq!(*got, info());
        assert_eq!(api.calls.load(Ordering::SeqCst), 3);
        m.stop();
    }

    #[test]
    fn idle_monitor_stops_and_a_new_use_starts_another() {
        let (api, maker) = fake(vec![Ok(vec![info()])], Duration::ZERO);
        let mut c = config(50);
        c.idle_expiry = Duration::from_millis(200);
        let k = key(c);
        let m = obtain(&k, &maker).expect("monitor");
        assert!(m.wait_for_info(Duration::from_secs(5)).is_ok());
        // Uses keep it alive past the expiry...
        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(100));
            assert!(m.current().is_some());
        }
        assert!(!m.is_stopped());
        // ...and without them it stops.
        std::thread::sleep(Duration::from_millis(500));
        assert!(m.is_stopped());
        assert!(existing(&k).is_none());
        let calls = api.calls.load(Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(
            api.calls.load(Ordering::SeqCst),
            calls,
            "a stopped monitor makes no calls"
        );
        let again = obtain(&k, &maker).expect("new monitor");
        assert!(!Arc::ptr_eq(&m, &again));
        again.stop();
    }

    #[test]
    fn a_waiting_caller_keeps_the_monitor_past_its_idle_expiry() {
        let denied = ApiError::new(ApiErrorKind::Denied, "AccessDenied: no");
        let (_api, maker) = fake(vec![Err(denied)], Duration::ZERO);
        let mut c = config(50);
        c.idle_expiry = Duration::from_millis(100);
        let m = obtain(&key(c), &maker).expect("monitor");
        let failure = m
            .wait_for_info(Duration::from_millis(500))
            .expect_err("denied");
        assert!(!failure.stopped, "expired under a waiting caller");
        assert!(failure.waited >= Duration::from_millis(500));
        // Once nobody waits, expiry counts from the wait's end.
        std::thread::sleep(Duration::from_millis(400));
        assert!(m.is_stopped());
    }

    #[test]
    fn one_monitor_per_key_and_a_stopped_wait_ends() {
        let (_api, maker) = fake(vec![Ok(vec![])], Duration::ZERO);
        let k = key(config(50));
        let a = obtain(&k, &maker).expect("a");
        let b = obtain(&k, &maker).expect("b");
        assert!(Arc::ptr_eq(&a, &b));
        let waiter = {
            let a = a.clone();
            std::thread::spawn(move || a.wait_for_info(Duration::from_secs(10)))
        };
        std::thread::sleep(Duration::from_millis(100));
        a.stop();
        let failure = waiter.join().expect("join").expect_err("stopped");
        assert!(failure.stopped);
        assert!(failure.waited < Duration::from_secs(5));
    }

    /// Two connections to one endpoint asking for different refresh rates each get theirs: a
    /// monitor per rate, each calling the API at its own period. (A monitor keyed by the
    /// endpoint alone gave the second connection the first one's rate.)
    #[test]
    fn connections_with_different_refresh_rates_get_their_own() {
        const SLOW_MS: u64 = 60_000;
        const FAST_MS: u64 = 100;
        let connection = |refresh_ms: u64, maker: ApiMaker| {
            let refresh = refresh_ms.to_string();
            super::CustomEndpointPlugin::new(
                &crate::engine::fixtures::settings(&[
                    (
                        "Server",
                        "rates.cluster-custom-abc.us-east-1.rds.amazonaws.com",
                    ),
                    ("rds_endpoint_url", "http://127.0.0.1:9"),
                    ("custom_endpoint_info_refresh_rate_ms", &refresh),
                ]),
                maker,
            )
            .expect("builds")
        };
        let (slow_api, slow_maker) = fake(vec![Ok(vec![info()])], Duration::ZERO);
        let (fast_api, fast_maker) = fake(vec![Ok(vec![info()])], Duration::ZERO);
        let slow = connection(SLOW_MS, slow_maker);
        let slow_target = slow.target.clone().expect("active");
        let slow_monitor = slow_target.monitor().expect("monitor");
        let fast_started = Instant::now();
        let fast = connection(FAST_MS, fast_maker);
        let fast_target = fast.target.clone().expect("active");
        let fast_monitor = fast_target.monitor().expect("monitor");

        assert!(!Arc::ptr_eq(&slow_monitor, &fast_monitor));
        assert_eq!(slow_monitor.config().refresh, Duration::from_millis(SLOW_MS));
        assert_eq!(fast_monitor.config().refresh, Duration::from_millis(FAST_MS));

        // Twelve fast periods. The fast monitor calls about once per period: never more often
        // (one call at start, then one per period at most), and at least a quarter as often
        // even on a loaded machine. The slow one makes only its first call in that time.
        std::thread::sleep(Duration::from_millis(12 * FAST_MS));
        let fast_calls = fast_api.calls.load(Ordering::SeqCst);
        let elapsed_ms = u64::try_from(fast_started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let slow_calls = slow_api.calls.load(Ordering::SeqCst);
        stop(&slow_target.key);
        stop(&fast_target.key);
        let most = elapsed_ms / FAST_MS + 1;
        assert!(
            (3..=usize::try_from(most).unwrap_or(usize::MAX)).contains(&fast_calls),
            "{fast_calls} calls in {elapsed_ms} ms at a {FAST_MS} ms period"
        );
        assert_eq!(slow_calls, 1, "calls at a {SLOW_MS} ms period");
    }
}
