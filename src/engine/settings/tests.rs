use super::*;
use std::collections::HashMap;

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn no_dsn(_: &str) -> Option<String> {
    None
}

fn resolve(list: &[(&str, &str)]) -> Result<Settings, SettingsError> {
    Settings::resolve(&pairs(list), &no_dsn)
}

#[test]
fn table_is_consistent() {
    let mut seen: Vec<String> = Vec::new();
    for (i, &d) in all_keys().iter().enumerate() {
        if let Some(key) = Key::ALL.get(i) {
            assert!(std::ptr::eq(key.decl(), d), "{}", d.name);
            assert_eq!(*key as usize, i, "{}", d.name);
        }
        assert!(
            d.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "primary names are snake_case: {}",
            d.name
        );
        assert!(!d.doc.is_empty());
        for n in std::iter::once(d.name).chain(d.aliases.iter().copied()) {
            let lower = n.to_ascii_lowercase();
            assert!(!seen.contains(&lower), "name declared twice: {n}");
            assert!(!lower.starts_with(MONITORING_PREFIX));
            assert!(!n.contains(|c: char| "[]{}(),;?*=!@".contains(c)), "{n}");
            seen.push(lower);
        }
        if let Some(v) = d.default {
            let parsed = parse_value(d, v, Origin::Default);
            assert!(
                matches!(parsed, Ok(Some(_))),
                "bad default for {}: {parsed:?}",
                d.name
            );
        }
    }
}

#[test]
fn defaults() {
    let s = resolve(&[]).unwrap();
    assert_eq!(s, Settings::default());
    assert_eq!(s.get_u64(Key::Port), 5432);
    assert_eq!(s.get_enum(Key::SslMode), Some("prefer"));
    assert_eq!(s.get_duration(Key::ConnectTimeout), Duration::from_secs(30));
    assert_eq!(
        s.get_duration("failure_detection_time_ms"),
        Duration::from_millis(30000)
    );
    assert_eq!(
        s.get_duration("failure_detection_interval_ms"),
        Duration::from_millis(5000)
    );
    assert_eq!(s.get_u64("failure_detection_count"), 3);
    assert_eq!(
        s.get_duration("monitor_disposal_time_ms"),
        Duration::from_millis(60000)
    );
    assert!(s.get_bool("failure_detection_enabled"));
    assert!(s.get_bool("wait_for_custom_endpoint_info"));
    assert!(s.get_bool(Key::TextAsLongVarchar));
    assert!(!s.get_bool(Key::BoolsAsChar));
    assert_eq!(
        s.get_duration("custom_endpoint_idle_monitor_expiration_ms"),
        Duration::from_secs(900)
    );
    assert_eq!(s.get_u64("custom_endpoint_refresh_backoff_factor"), 2);
    assert_eq!(s.get_str(Key::ApplicationName), Some("auroraodbc"));
    assert_eq!(s.get_enum(Key::LogLevel), Some("off"));
    assert_eq!(s.get_list(Key::Plugins), None);
    assert_eq!(s.get_enum("failover_mode"), None);
    assert_eq!(s.get_enum(Key::DatabaseDialect), None);
    assert_eq!(s.get_str(Key::Server), None);
    assert!(!s.is_set(Key::Port));
    assert_eq!(s.origin(Key::Port), Some(Origin::Default));
    assert_eq!(s.origin(Key::Server), None);
    assert!(s.redacted_pairs().is_empty());
}

#[test]
fn aliases_case_and_first_wins() {
    let s = resolve(&[
        ("SERVERNAME", "a.example.com"),
        ("host", "b.example.com"),
        ("Username", "joe"),
        ("failure_detection_time", "1000"),
        ("Failure_Detection_Time_MS", "2000"),
        ("host_pattern", "?.example.com:6543"),
    ])
    .unwrap();
    assert_eq!(s.get_str(Key::Server), Some("a.example.com"));
    assert_eq!(s.get_str("uid"), Some("joe"));
    assert_eq!(s.get_str("USER"), Some("joe"));
    assert_eq!(
        s.get_duration("failure_detection_time_ms"),
        Duration::from_secs(1)
    );
    assert_eq!(
        s.get_str(Key::ClusterInstanceHostPattern),
        Some("?.example.com:6543")
    );
    assert!(s.is_set(Key::Server));
    assert_eq!(s.origin(Key::Server), Some(Origin::ConnectionString));
    assert!(find_key("CUSTOM_ENDPOINT_REGION").is_some_and(|d| d.name == "custom_endpoint_region"));
    assert!(find_key(" WAIT_FOR_CUSTOM_ENDPOINT_INFO ").is_some());
    assert!(find_key("FAILOVER_MODE").is_some());
    assert!(find_key("monitoring-connect_timeout").is_none());
    assert!(find_key("nope").is_none());
}

#[test]
fn dsn_precedence() {
    let ini: HashMap<&str, &str> = [
        ("Servername", "dsn-host"),
        ("Port", "6000"),
        ("database", "dsndb"),
        ("FAILOVER_MODE", "STRICT_READER"),
        ("MaxVarcharSize", ""),
        ("monitoring-connect_timeout", "7"),
    ]
    .into_iter()
    .collect();
    // Like SQLGetPrivateProfileString, the lookup ignores case.
    let lookup = |k: &str| {
        ini.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.to_string())
    };
    let s = Settings::resolve(&pairs(&[("database", "csdb")]), &lookup).unwrap();
    assert_eq!(s.get_str(Key::Server), Some("dsn-host"));
    assert_eq!(s.origin(Key::Server), Some(Origin::Dsn));
    assert_eq!(s.get_u64(Key::Port), 6000);
    assert_eq!(s.get_str(Key::Database), Some("csdb"));
    assert_eq!(s.get_enum("failover_mode"), Some("strict_reader"));
    // Empty typed value in odbc.ini: the default applies.
    assert_eq!(s.get_u64(Key::MaxVarcharSize), 255);
    assert!(!s.is_set(Key::MaxVarcharSize));
    assert!(s.has_monitoring_override(Key::ConnectTimeout));
    assert_eq!(
        s.for_monitoring().get_duration(Key::ConnectTimeout),
        Duration::from_secs(7)
    );
}

#[test]
fn bools() {
    for (v, want) in [
        ("1", true),
        ("0", false),
        ("TRUE", true),
        ("False", false),
        ("yes", true),
        ("No", false),
        ("on", true),
        ("OFF", false),
        (" true ", true),
    ] {
        let s = resolve(&[("failure_detection_enabled", v)]).unwrap();
        assert_eq!(s.get_bool("failure_detection_enabled"), want, "{v}");
    }
    let e = resolve(&[("ENABLE_FAILURE_DETECTION", "maybe")]).unwrap_err();
    assert_eq!(e.key, "ENABLE_FAILURE_DETECTION");
    assert_eq!(e.value, "maybe");
    assert_eq!(
        e.to_string(),
        "invalid value 'maybe' for key ENABLE_FAILURE_DETECTION (failure_detection_enabled): \
         expected a boolean (1/0, true/false, yes/no, on/off)"
    );
}

#[test]
fn numbers_and_ranges() {
    let e = resolve(&[("failure_detection_time_ms", "abc")]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid value 'abc' for key failure_detection_time_ms: expected an integer number of \
         milliseconds between 0 and 86400000"
    );
    assert_eq!(e.sqlstate(), "08001");
    for bad in [
        "-1",
        "+5",
        "1.5",
        "30s",
        "1e3",
        "99999999999999999999999",
        "0x10",
    ] {
        assert!(
            resolve(&[("failure_detection_time_ms", bad)]).is_err(),
            "{bad}"
        );
    }
    assert!(resolve(&[("port", "0")]).is_err());
    assert!(resolve(&[("port", "65536")]).is_err());
    assert_eq!(
        resolve(&[("port", " 65535 ")]).unwrap().get_u64(Key::Port),
        65535
    );
    assert!(resolve(&[("failure_detection_count", "0")]).is_err());
    assert!(resolve(&[("failure_detection_interval_ms", "0")]).is_err());
    let s = resolve(&[("connect_timeout", "0")]).unwrap();
    assert_eq!(s.get_timeout(Key::ConnectTimeout), None);
    let s = resolve(&[("fetch_batch_rows", "10")]).unwrap();
    assert_eq!(s.get_u64("FETCH_BATCH_ROWS"), 10);
}

#[test]
fn enums_and_lists() {
    let s = resolve(&[
        ("sslmode", "Verify_Full"),
        ("failover_mode", "reader-or-writer"),
    ])
    .unwrap();
    assert_eq!(s.get_enum(Key::SslMode), Some("verify-full"));
    assert_eq!(s.get_str(Key::SslMode), Some("verify-full"));
    assert_eq!(s.get_enum("failover_mode"), Some("reader_or_writer"));
    let e = resolve(&[("sslmode", "always")]).unwrap_err();
    assert!(e
        .to_string()
        .contains("expected one of disable, allow, prefer, require, verify-ca, verify-full"));

    let s = resolve(&[("plugins", " Failover , host_monitoring,failover,,")]).unwrap();
    assert_eq!(
        s.get_list(Key::Plugins),
        Some(&["failover".to_string(), "host_monitoring".to_string()][..])
    );
    let s = resolve(&[("plugins", "")]).unwrap();
    assert_eq!(s.get_list(Key::Plugins), Some(&[][..]));
    let e = resolve(&[("plugins", "failover,okta")]).unwrap_err();
    assert!(e.to_string().contains("unknown item 'okta'"), "{e}");
    assert!(e.to_string().contains("key plugins"), "{e}");
    // Not built into this driver: refused rather than silently left out of the chain.
    let e = resolve(&[("plugins", "failover,limitless")]).unwrap_err();
    assert!(e.to_string().contains("unknown item 'limitless'"), "{e}");
}

#[test]
fn host_pattern_and_map() {
    for bad in [
        "abc.example.com",
        "?.exa mple.com",
        "?.example.com:0",
        "?.example.com:x",
        "?:?:1",
    ] {
        assert!(
            resolve(&[("cluster_instance_host_pattern", bad)]).is_err(),
            "{bad}"
        );
    }
    let s = resolve(&[(
        "host_address_map",
        "db.cluster-x.us-east-1.rds.amazonaws.com=127.0.0.1:6001, Inst1.Local.=10.0.0.2,v6=[::1]:7000,v6b=::2",
    )])
    .unwrap();
    let pins = s.get_host_map(Key::HostAddressMap);
    assert_eq!(pins.len(), 4);
    assert_eq!(pins[0].addr, "127.0.0.1".parse::<IpAddr>().unwrap());
    assert_eq!(pins[0].port, Some(6001));
    let p = s.pinned_address("inst1.local.").unwrap();
    assert_eq!(
        (p.addr, p.port),
        ("10.0.0.2".parse::<IpAddr>().unwrap(), None)
    );
    assert_eq!(s.pinned_address("V6").unwrap().port, Some(7000));
    assert_eq!(
        s.pinned_address("v6b").unwrap().addr,
        "::2".parse::<IpAddr>().unwrap()
    );
    assert!(s.pinned_address("other").is_none());
    for bad in [
        "a",
        "a=b",
        "=1.2.3.4",
        "a=1.2.3.4:0",
        "a=1.2.3.4:70000",
        "a=[::1",
        "a=[::1]x",
        "a b=1.2.3.4",
    ] {
        assert!(resolve(&[("host_address_map", bad)]).is_err(), "{bad}");
    }
}

#[test]
fn monitoring_prefix() {
    let s = resolve(&[
        ("connect_timeout", "30"),
        ("monitoring-connect_timeout", "5"),
        ("MONITORING-FAILURE_DETECTION_INTERVAL", "1000"),
        ("monitoring-socket_timeout", "10"),
        ("socket_timeout", "20"),
    ])
    .unwrap();
    assert_eq!(s.get_duration(Key::ConnectTimeout), Duration::from_secs(30));
    let m = s.for_monitoring();
    assert_eq!(m.get_duration(Key::ConnectTimeout), Duration::from_secs(5));
    assert_eq!(
        m.get_duration("failure_detection_interval_ms"),
        Duration::from_secs(1)
    );
    assert_eq!(
        m.get_duration("failure_detection_time_ms"),
        Duration::from_secs(30)
    );
    assert!(m
        .extras()
        .contains(&("socket_timeout".to_string(), "10".to_string())));
    assert_eq!(m.for_monitoring(), m);

    let e = resolve(&[("monitoring-connect_timeout", "0")]).unwrap_err();
    assert!(e.to_string().contains("must not be 0"), "{e}");
    assert_eq!(e.key, "monitoring-connect_timeout");
    assert!(resolve(&[("monitoring-failure_detection_time_ms", "0")]).is_err());
    assert!(resolve(&[("monitoring-port", "x")]).is_err());
    // Zero is fine without the prefix.
    assert!(resolve(&[("failure_detection_time_ms", "0")]).is_ok());
}

#[test]
fn unknown_and_ignored_keys() {
    let s = resolve(&[
        ("UseDeclareFetch", "1"),
        ("Fetch", "whatever"),
        ("keepalives", "1"),
        ("KEEPALIVES", "0"),
        ("password", "pw"),
        ("sslpassword", "sp"),
    ])
    .unwrap();
    assert_eq!(s.ignored_keys(), &["use_declare_fetch", "fetch"]);
    assert_eq!(
        s.unknown_keys().collect::<Vec<_>>(),
        vec!["keepalives", "sslpassword"]
    );
    assert_eq!(s.get_str(Key::Pwd), Some("pw"));
    let red = s.redacted_pairs();
    assert!(red.contains(&("pwd".to_string(), "***".to_string())));
    assert!(red.contains(&("sslpassword".to_string(), "***".to_string())));
    assert!(red.contains(&("keepalives".to_string(), "1".to_string())));
    assert!(!format!("{red:?}").contains("pw\""));
}

#[test]
fn secrets_stay_hidden() {
    assert!(is_secret_key("PWD") && is_secret_key("Password") && is_secret_key("monitoring-pwd"));
    assert!(is_secret_key("pqopt") && is_secret_key("aws_secret") && is_secret_key("sslkey"));
    assert!(!is_secret_key("uid") && !is_secret_key("server") && !is_secret_key("keepalives"));
    let s = resolve(&[("PWD", "hunter2"), ("monitoring-pwd", "m0n")]).unwrap();
    let red = format!("{:?}", s.redacted_pairs());
    assert!(!red.contains("hunter2") && !red.contains("m0n"), "{red}");
    assert!(red.contains("monitoring-pwd"));
    let e = SettingsError {
        key: "PWD".into(),
        value: "hunter2".into(),
        expected: "text".into(),
        primary: "pwd",
        origin: Origin::ConnectionString,
        secret: true,
    };
    assert!(!e.to_string().contains("hunter2"));
    assert!(!format!("{e:?}").contains("hunter2"));
}

#[test]
fn string_getters_tolerate_wrong_keys() {
    let s = Settings::default();
    assert!(!s.get_bool("no_such_key"));
    assert_eq!(s.get_u64("server"), 0);
    assert_eq!(s.get_duration(Key::Port), Duration::ZERO);
    assert_eq!(s.get_enum(Key::Port), None);
    assert_eq!(s.get_str("no_such_key"), None);
    let name = String::from("PORT");
    assert_eq!(s.get_u64(&name), 5432);
}

#[test]
fn dsn_keys_doc() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/dsn-keys.md");
    let rendered = render_markdown_reference();
    if std::env::var_os("AURORAODBC_REGEN_DOCS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &rendered).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == rendered,
        "docs/dsn-keys.md is out of date with src/engine/settings.rs; regenerate it with: \
         AURORAODBC_REGEN_DOCS=1 cargo test --lib dsn_keys_doc"
    );
}
/// Odd values for every key, plain and `monitoring-`: errors or values, never a panic,
/// and an error always names the key as given.
#[test]
fn odd_values_never_panic() {
    let values = [
        "",
        " ",
        "x",
        "-1",
        "0",
        "1",
        "99999999999999999999",
        "a=b",
        "[::1",
        "?:",
        "é",
        ",,",
        "?",
    ];
    for d in all_keys() {
        for v in values {
            for name in [d.name.to_string(), format!("monitoring-{}", d.name)] {
                if let Err(e) = resolve(&[(name.as_str(), v)]) {
                    assert_eq!(e.key, name);
                    assert!(!e.to_string().is_empty());
                }
            }
        }
    }
}

/// Connections resolved from the same keys share one table; different keys get their own,
/// and a table nobody uses any more is not handed out again (its values were dropped).
#[test]
fn equal_settings_are_shared_while_in_use() {
    // A key no other test sets, so that tables of tests running in parallel never match.
    let keys = [("Server", "shared-settings.test"), ("Port", "6543")];
    let first = resolve(&keys).expect("valid").into_shared();
    let second = resolve(&keys).expect("valid").into_shared();
    assert!(
        Arc::ptr_eq(&first, &second),
        "equal settings share one table"
    );
    let other = resolve(&[("Server", "shared-settings.test"), ("Port", "6544")])
        .expect("valid")
        .into_shared();
    assert!(!Arc::ptr_eq(&first, &other));
    assert_eq!(other.get_u64(Key::Port), 6544);

    drop(first);
    drop(second);
    let again = resolve(&keys).expect("valid").into_shared();
    assert_eq!(again.get_u64(Key::Port), 6543);
    assert_eq!(
        Arc::strong_count(&again),
        1,
        "nothing else holds the new table"
    );
}
