use super::secret::{self, ApiError, ApiFailure, SecretLogin};
use super::*;
use crate::engine::fixtures::settings;
use crate::engine::session::SslMode;
use std::sync::atomic::{AtomicUsize, Ordering};

fn options(pairs: &[(&str, &str)]) -> EngineResult<ConnectOptions> {
    ConnectOptions::from_settings(&settings(pairs))
}

/// An in-process Secrets Manager: one secret value (or failure), a call counter, and a delay
/// per call so that concurrent logins overlap.
struct FakeApi {
    answer: parking_lot::Mutex<Result<Option<String>, ApiError>>,
    calls: AtomicUsize,
    delay: Duration,
}

impl FakeApi {
    fn new(value: &str) -> Arc<FakeApi> {
        Arc::new(FakeApi {
            answer: parking_lot::Mutex::new(Ok(Some(value.to_string()))),
            calls: AtomicUsize::new(0),
            delay: Duration::from_millis(50),
        })
    }

    fn set(&self, answer: Result<Option<String>, ApiError>) {
        *self.answer.lock() = answer;
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl SecretsApi for FakeApi {
    fn get_secret_string<'a>(
        &'a self,
        _target: &'a SecretTarget,
    ) -> BoxFuture<'a, Result<Option<String>, ApiError>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(self.delay).await;
            self.answer.lock().clone()
        })
    }
}

/// A source for secret `id` (unique per test: the cache is process-wide) through `api`.
fn source(id: &str, extra: &[(&str, &str)], api: &Arc<FakeApi>) -> SecretSource {
    let mut pairs = vec![
        ("secrets_manager_secret_id", id),
        ("secrets_manager_region", "us-east-2"),
    ];
    pairs.extend_from_slice(extra);
    SecretSource::from_settings(&settings(&pairs), api.clone()).expect("source")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn opts() -> ConnectOptions {
    ConnectOptions {
        host: "127.0.0.1".into(),
        port: 5432,
        user: "from-uid".into(),
        ..Default::default()
    }
}

const SECRET: &str =
    r#"{"username":"app_user","password":"s3cr3t-Pa55","engine":"postgres","port":5432}"#;

#[test]
fn the_plugin_installs_a_credential_source_without_requiring_tls() {
    let opts = options(&[
        ("plugins", "aws_secrets_manager"),
        (
            "secrets_manager_secret_id",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
        ),
        ("sslmode", "disable"),
    ])
    .expect("options");
    assert_eq!(opts.credentials.as_ref().map(|c| c.code()), Some(CODE));
    assert_eq!(
        opts.ssl_mode,
        SslMode::Disable,
        "a password login needs no TLS"
    );
}

#[test]
fn rds_auth_type_secrets_manager_selects_the_plugin() {
    let pairs = [
        ("plugins", ""),
        ("RDS_AUTH_TYPE", "SECRETS_MANAGER"),
        ("SECRET_ID", "db-secret"),
        ("SECRET_REGION", "us-west-2"),
    ];
    let opts = options(&pairs).expect("options");
    assert_eq!(opts.credentials.as_ref().map(|c| c.code()), Some(CODE));
    let codes = crate::engine::pipeline::Pipeline::codes(&settings(&pairs)).expect("codes");
    assert_eq!(codes, vec![CODE]);
    let iam = [
        ("plugins", ""),
        ("RDS_AUTH_TYPE", "iam"),
        ("iam_region", "us-east-1"),
    ];
    assert_eq!(
        crate::engine::pipeline::Pipeline::codes(&settings(&iam)).expect("codes"),
        vec!["iam"]
    );
}

#[test]
fn a_secret_id_is_required_and_the_region_comes_from_the_key_or_the_arn() {
    let api = FakeApi::new(SECRET);
    let err = SecretSource::from_settings(&settings(&[]), api.clone()).expect_err("no id");
    assert_eq!(err.sqlstate_str(), "08001");
    assert!(
        err.message.contains("secrets_manager_secret_id"),
        "{}",
        err.message
    );

    let err = SecretSource::from_settings(
        &settings(&[("secrets_manager_secret_id", "by-name")]),
        api.clone(),
    )
    .expect_err("no region");
    assert_eq!(err.sqlstate_str(), "08001");
    assert!(
        err.message.contains("secrets_manager_region"),
        "{}",
        err.message
    );

    let arn = "arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:rds!cluster-1a2b-XyZ";
    let s = SecretSource::from_settings(
        &settings(&[("secrets_manager_secret_id", arn)]),
        api.clone(),
    )
    .expect("arn");
    assert_eq!(s.key().target.region, "ap-southeast-2");
    assert_eq!(s.key().target.secret_id, arn, "the ARN is sent whole");
    let s = SecretSource::from_settings(
        &settings(&[
            ("secrets_manager_secret_id", arn),
            ("secrets_manager_region", "US-West-1"),
        ]),
        api,
    )
    .expect("key wins");
    assert_eq!(s.key().target.region, "us-west-1");

    assert_eq!(
        arn_region("arn:aws-cn:secretsmanager:cn-north-1:1:secret:x").as_deref(),
        Some("cn-north-1")
    );
    assert_eq!(arn_region("arn:aws:rds:us-east-1:1:db:x"), None);
    assert_eq!(arn_region("arn:aws:secretsmanager::1:secret:x"), None);
    assert_eq!(arn_region("plain-name"), None);
}

#[test]
fn wrapper_key_names_are_aliases_and_defaults_apply() {
    let api = FakeApi::new(SECRET);
    let s = SecretSource::from_settings(
        &settings(&[
            ("SECRET_ID", "odbc-name"),
            ("SECRET_REGION", "eu-central-1"),
            ("SECRET_ENDPOINT", "localhost:4566"),
            ("SECRET_USERNAME_PROPERTY", "login"),
            ("secretsManagerSecretPasswordProperty", "pass"),
            ("secretsManagerExpirationTimeSec", "60"),
            ("secretsManagerConnectRetryTimeoutMs", "15000"),
            ("secretsManagerConnectRetryIntervalMs", "250"),
            ("aws_profile", "dev"),
        ]),
        api.clone(),
    )
    .expect("source");
    let key = s.key();
    assert_eq!(key.target.secret_id, "odbc-name");
    assert_eq!(key.target.region, "eu-central-1");
    assert_eq!(
        key.target.endpoint.as_deref(),
        Some("https://localhost:4566"),
        "https is assumed"
    );
    assert_eq!(key.target.profile.as_deref(), Some("dev"));
    assert_eq!(
        (key.username_field.as_str(), key.password_field.as_str()),
        ("login", "pass")
    );
    assert_eq!(s.reuse(), Duration::from_secs(60));
    assert_eq!(
        s.login_retry(),
        Some(LoginRetry {
            budget: Duration::from_secs(15),
            first_wait: Duration::from_millis(250)
        })
    );

    let s = SecretSource::from_settings(
        &settings(&[
            ("secretsManagerSecretId", "jdbc-name"),
            ("secretsManagerRegion", "us-east-1"),
            ("secretsManagerEndpoint", "http://127.0.0.1:9"),
            ("secrets_manager_secret_username", "u"),
        ]),
        api,
    )
    .expect("source");
    assert_eq!(
        s.key().target.endpoint.as_deref(),
        Some("http://127.0.0.1:9")
    );
    assert_eq!(s.key().username_field, "u");
    assert_eq!(s.key().password_field, "password", "default field");
    assert_eq!(s.reuse(), Duration::from_secs(870), "default reuse period");
    assert_eq!(
        s.login_retry().map(|r| r.budget),
        Some(Duration::ZERO),
        "no retry budget by default: one fresh read after a refusal"
    );
    assert!(crate::engine::settings::Settings::resolve(
        &[(
            "secrets_manager_expiration".to_string(),
            "31536001".to_string()
        )],
        &|_| None
    )
    .is_err());
}

#[test]
fn the_login_is_read_from_the_secrets_json_fields() {
    let login = secret::parse_login(SECRET, "username", "password").expect("login");
    assert_eq!(
        login,
        SecretLogin {
            user: "app_user".into(),
            password: "s3cr3t-Pa55".into()
        }
    );
    let custom = r#"{"nested":{"username":"no"},"list":[1,{"a":"b"}],"db_login":"o\"brien","db_pass":"p\u00e4ss\\w"}"#;
    let login = secret::parse_login(custom, "db_login", "db_pass").expect("custom fields");
    assert_eq!(login.user, "o\"brien");
    assert_eq!(login.password, "p\u{e4}ss\\w");
    // Errors name fields, never the values.
    let err = secret::parse_login(SECRET, "user", "password").expect_err("no such field");
    assert!(err.contains("'user'"), "{err}");
    assert!(!err.contains("s3cr3t"), "{err}");
    let err = secret::parse_login(r#"{"username":"a","password":5}"#, "username", "password")
        .expect_err("number");
    assert!(err.contains("'password'"), "{err}");
    for text in [
        "s3cr3t-plain-text",
        "[\"s3cr3t\"]",
        "{\"username\":\"s3cr3t\"",
        "{} s3cr3t",
        "",
    ] {
        let err = secret::parse_login(text, "username", "password").expect_err(text);
        assert!(!err.contains("s3cr3t"), "{err}");
    }
    let err = secret::parse_login(r#"{"username":"","password":"x"}"#, "username", "password")
        .expect_err("empty user");
    assert!(err.contains("empty"), "{err}");
}

#[test]
fn logins_are_cached_per_secret_and_fresh_reads_bypass_the_cache() {
    let api = FakeApi::new(SECRET);
    let s = source("unit-cache", &[], &api);
    let rt = runtime();
    let first = rt.block_on(s.credentials(&opts(), false)).expect("login");
    assert_eq!(
        first.user.as_deref(),
        Some("app_user"),
        "the secret's user replaces UID"
    );
    assert_eq!(first.password, "s3cr3t-Pa55");
    assert!(!first.cached);
    for _ in 0..20 {
        let again = rt.block_on(s.credentials(&opts(), false)).expect("login");
        assert!(again.cached);
        assert_eq!(again.password, "s3cr3t-Pa55");
    }
    assert_eq!(api.calls(), 1, "one read for 21 logins");
    // Rotation: the secret changes; a fresh read (after a refused login) sees it.
    api.set(Ok(Some(
        r#"{"username":"app_user","password":"rotated"}"#.into(),
    )));
    let fresh = rt.block_on(s.credentials(&opts(), true)).expect("fresh");
    assert!(!fresh.cached);
    assert_eq!(fresh.password, "rotated");
    assert_eq!(api.calls(), 2);
    let after = rt.block_on(s.credentials(&opts(), false)).expect("cached");
    assert_eq!(after.password, "rotated");
    assert_eq!(api.calls(), 2);
    // Another secret (or other fields) is another cache entry.
    let other = source(
        "unit-cache",
        &[("secrets_manager_secret_password_key", "username")],
        &api,
    );
    let o = rt
        .block_on(other.credentials(&opts(), false))
        .expect("other fields");
    assert_eq!(o.password, "app_user");
    assert_eq!(api.calls(), 3);
    assert!(
        !format!("{o:?} {s:?}").contains("rotated"),
        "Debug hides passwords"
    );
}

#[test]
fn a_zero_expiration_reads_at_every_login() {
    let api = FakeApi::new(SECRET);
    let s = source(
        "unit-no-cache",
        &[("secrets_manager_expiration", "0")],
        &api,
    );
    let rt = runtime();
    for _ in 0..3 {
        let c = rt.block_on(s.credentials(&opts(), false)).expect("login");
        assert!(!c.cached);
    }
    assert_eq!(api.calls(), 3);
}

/// Many logins at once (a pool starting, or every connection refused after a rotation) cause
/// one read, not one each.
#[test]
fn concurrent_logins_share_one_read() {
    let api = FakeApi::new(SECRET);
    let s = Arc::new(source("unit-concurrent", &[], &api));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let run = |fresh: bool| {
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let s = s.clone();
                rt.spawn(async move { s.credentials(&opts(), fresh).await })
            })
            .collect();
        for t in tasks {
            let c = rt.block_on(t).expect("task").expect("login");
            assert_eq!(c.password, "s3cr3t-Pa55");
        }
    };
    run(false);
    assert_eq!(api.calls(), 1, "16 first logins");
    run(true);
    assert_eq!(api.calls(), 2, "16 logins refused at once");
}

#[test]
fn api_failures_carry_the_reason_with_their_sqlstate() {
    let api = FakeApi::new(SECRET);
    let rt = runtime();
    let cases = [
        (ApiFailure::Refused, "ResourceNotFoundException: Secrets Manager can't find the specified secret.", "28000"),
        (ApiFailure::Refused, "AccessDeniedException: User is not authorized to perform: secretsmanager:GetSecretValue", "28000"),
        (ApiFailure::Refused, "DecryptionFailure: Secrets Manager can't decrypt the protected secret text using the provided KMS key.", "28000"),
        (ApiFailure::NoCredentials, "no credentials in the chain", "28000"),
        (ApiFailure::Unreachable, "cannot reach the Secrets Manager API: connection refused", "08001"),
    ];
    for (i, (failure, reason, state)) in cases.into_iter().enumerate() {
        api.set(Err(ApiError {
            failure,
            reason: reason.into(),
        }));
        let s = source(&format!("unit-errors-{i}"), &[], &api);
        let err = rt
            .block_on(s.credentials(&opts(), false))
            .expect_err(reason);
        assert_eq!(err.sqlstate_str(), state, "{reason}");
        assert!(err.message.contains(reason), "{}", err.message);
        assert!(
            err.message.contains(&format!("unit-errors-{i}")),
            "{}",
            err.message
        );
    }
    api.set(Ok(None));
    let err = rt
        .block_on(source("unit-errors-binary", &[], &api).credentials(&opts(), false))
        .expect_err("binary");
    assert_eq!(err.sqlstate_str(), "28000");
    assert!(err.message.contains("SecretString"), "{}", err.message);
    api.set(Ok(Some(r#"{"user":"x","password":"s3cr3t"}"#.into())));
    let err = rt
        .block_on(source("unit-errors-fields", &[], &api).credentials(&opts(), false))
        .expect_err("fields");
    assert_eq!(err.sqlstate_str(), "28000");
    assert!(
        err.message.contains("'username'") && !err.message.contains("s3cr3t"),
        "{}",
        err.message
    );
}
