use super::token::{self, TokenKey};
use super::*;
use crate::engine::fixtures::settings;
use crate::engine::session::SslMode;

fn options(pairs: &[(&str, &str)]) -> EngineResult<ConnectOptions> {
    ConnectOptions::from_settings(&settings(pairs))
}

#[test]
fn iam_plugin_installs_a_credential_source_and_requires_tls() {
    let opts = options(&[("plugins", "iam"), ("iam_region", "us-east-1")]).expect("options");
    assert_eq!(opts.credentials.as_ref().map(|c| c.code()), Some(CODE));
    assert_eq!(opts.ssl_mode, SslMode::Require, "absent sslmode becomes require");
    let opts = options(&[("plugins", ""), ("sslmode", "disable")]).expect("no plugins");
    assert!(opts.credentials.is_none());
}

#[test]
fn rds_auth_type_selects_the_plugin() {
    let opts = options(&[("plugins", ""), ("RDS_AUTH_TYPE", "IAM")]).expect("options");
    assert_eq!(opts.credentials.as_ref().map(|c| c.code()), Some(CODE));
    assert!(crate::engine::pipeline::Pipeline::codes(&settings(&[("RDS_AUTH_TYPE", "iam")]))
        .expect("codes")
        .contains(&"iam"));
}

#[test]
fn sslmode_below_require_is_refused_with_the_reason() {
    for mode in ["disable", "allow", "prefer"] {
        let err = options(&[("plugins", "iam"), ("sslmode", mode)]).expect_err(mode);
        assert_eq!(err.sqlstate_str(), "08001");
        assert!(err.message.contains("needs TLS"), "{}", err.message);
        assert!(err.message.contains(mode), "{}", err.message);
    }
    for mode in ["require", "verify-ca", "verify-full"] {
        let opts = options(&[("plugins", "iam"), ("sslmode", mode)]).expect(mode);
        assert_eq!(opts.ssl_mode, SslMode::parse(mode).expect("mode"));
    }
}

#[test]
fn wrapper_key_names_are_aliases() {
    let s = settings(&[
        ("IAM_HOST", "db.cluster-abc.eu-west-1.rds.amazonaws.com"),
        ("iamDefaultPort", "6543"),
        ("REGION", "EU-West-2"),
        ("TOKEN_EXPIRATION", "600"),
    ]);
    let source = IamSource::from_settings(&s).expect("source");
    assert_eq!(source.reuse, Duration::from_secs(600));
    let opts = ConnectOptions {
        host: "127.0.0.1".into(),
        port: 5432,
        user: "app".into(),
        ..Default::default()
    };
    let key = source.token_key(&opts).expect("key");
    assert_eq!(key.host, "db.cluster-abc.eu-west-1.rds.amazonaws.com");
    assert_eq!(key.port, 6543);
    assert_eq!(key.region, "eu-west-2", "the explicit region wins over the host's");
    assert_eq!(key.user, "app");
}

#[test]
fn region_comes_from_the_host_name_or_must_be_set() {
    let source = IamSource::from_settings(&settings(&[])).expect("source");
    assert_eq!(source.reuse, Duration::from_secs(870), "default lifetime");
    let mut opts = ConnectOptions {
        host: "db-1.abc123.ap-southeast-2.rds.amazonaws.com".into(),
        port: 5432,
        user: "app".into(),
        ..Default::default()
    };
    assert_eq!(source.token_key(&opts).expect("key").region, "ap-southeast-2");
    opts.host = "127.0.0.1".into();
    let err = source.token_key(&opts).expect_err("no region");
    assert_eq!(err.sqlstate_str(), "08001");
    assert!(err.message.contains("iam_region"), "{}", err.message);
}

#[test]
fn token_lifetime_is_bounded_by_the_service_maximum() {
    let pairs = [("iam_expiration".to_string(), "901".to_string())];
    assert!(crate::engine::settings::Settings::resolve(&pairs, &|_| None).is_err());
}

#[test]
fn cached_tokens_are_kept_per_key_for_their_period() {
    let key = TokenKey {
        user: "cache-test".into(),
        host: "h".into(),
        port: 1,
        region: "us-east-1".into(),
        profile: None,
    };
    let other = TokenKey {
        port: 2,
        ..key.clone()
    };
    token::remember(key.clone(), "t1".into(), Duration::from_secs(60));
    assert_eq!(token::cached(&key).as_deref(), Some("t1"));
    assert_eq!(token::cached(&other), None);
    token::remember(key.clone(), "t2".into(), Duration::ZERO);
    assert_eq!(token::cached(&key), None, "an expired entry is not used");
}

/// Releasing the driver (the last connection of a unixODBC application closing) keeps the
/// cached tokens: the next connection reuses one instead of signing again.
#[test]
fn cached_tokens_outlive_a_release() {
    let key = TokenKey {
        user: "release-test".into(),
        host: "h".into(),
        port: 1,
        region: "us-east-1".into(),
        profile: None,
    };
    token::remember(key.clone(), "kept".into(), Duration::from_secs(60));
    if let Some(release) = SPEC.release {
        release();
    }
    assert_eq!(token::cached(&key).as_deref(), Some("kept"));
}

/// A token made with static credentials has the shape RDS expects, and its text never shows
/// in the credentials' Debug form.
#[test]
fn made_tokens_are_presigned_connect_requests() {
    std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    let source = IamSource::from_settings(&settings(&[("iam_region", "us-west-2")])).expect("source");
    let opts = ConnectOptions {
        host: "unit-test-host.example".into(),
        port: 5432,
        user: "iam_user".into(),
        ..Default::default()
    };
    let before = token::tokens_made();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let first = rt
        .block_on(source.credentials(&opts, false))
        .expect("token");
    assert!(!first.cached);
    let t = &first.password;
    assert!(t.starts_with("unit-test-host.example:5432/?Action=connect&DBUser=iam_user&"), "{t}");
    for part in [
        "X-Amz-Algorithm=AWS4-HMAC-SHA256",
        "X-Amz-Credential=AKIDEXAMPLE%2F",
        "%2Fus-west-2%2Frds-db%2Faws4_request",
        "X-Amz-Expires=900",
        "X-Amz-SignedHeaders=host",
        "X-Amz-Signature=",
    ] {
        assert!(t.contains(part), "{part} in {t}");
    }
    assert!(!format!("{first:?}").contains("X-Amz"), "Debug hides the token");
    let again = rt.block_on(source.credentials(&opts, false)).expect("token");
    assert!(again.cached);
    assert_eq!(again.password, first.password);
    let fresh = rt.block_on(source.credentials(&opts, true)).expect("token");
    assert!(!fresh.cached);
    assert!(token::tokens_made() >= before + 2);
}

/// A `host_address_map` pin to another port (a tunnel, the stand-in's proxies) is transport:
/// the token is signed for the port the host name came with, as the service checks that one;
/// failover's instance options likewise.
#[test]
fn tokens_are_signed_for_the_named_port_not_a_pins() {
    let host = "db.cluster-abc.us-east-1.rds.amazonaws.com";
    let s = settings(&[
        ("plugins", "iam"),
        ("Server", host),
        ("Port", "5432"),
        ("host_address_map", &format!("{host}=127.0.0.1:15432")),
    ]);
    let opts = ConnectOptions::from_settings(&s).expect("options");
    assert_eq!(opts.port, 15432, "connects to the pin's port");
    assert_eq!(opts.named_port, Some(5432));
    let source = IamSource::from_settings(&s).expect("source");
    let key = source.token_key(&opts).expect("key");
    assert_eq!((key.host.as_str(), key.port), (host, 5432));
    let unpinned = options(&[("plugins", "iam"), ("Server", host), ("Port", "5433")]).expect("options");
    assert_eq!(unpinned.named_port, None);
    assert_eq!(source.token_key(&unpinned).expect("key").port, 5433);
}
