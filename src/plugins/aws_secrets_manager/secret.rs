//! Reading a secret: GetSecretValue through aws-sdk-secretsmanager (behind a small trait, so
//! unit tests use an in-process fake), the user and password taken from the secret's JSON
//! object, and a process-wide cache per secret with one read in flight per secret, so that a
//! pool opening many connections, or many logins refused at once after a rotation, cause one
//! API call rather than one each.
//!
//! The secret's text never reaches a log line or an error message: errors name the secret, the
//! region and the fields, never values.

use crate::engine::credentials::BoxFuture;
use crate::engine::error::{error_chain_text, EngineError, EngineResult, ErrorClass};
use crate::plugins::aws_sdk;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

/// Which secret to read, where and as whom.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretTarget {
    /// Name or ARN.
    pub secret_id: String,
    pub region: String,
    /// The `secrets_manager_endpoint` key; absent: the SDK's choice
    /// (AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL, then the region's endpoint).
    pub endpoint: Option<String>,
    /// The `aws_profile` key: another profile may see other secrets.
    pub profile: Option<String>,
}

/// What the cache is keyed by: the secret and the fields taken from it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretKey {
    pub target: SecretTarget,
    pub username_field: String,
    pub password_field: String,
}

/// A user and password read from a secret. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretLogin {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for SecretLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretLogin")
            .field("user", &self.user)
            .field("password", &"***")
            .finish()
    }
}

/// Why a GetSecretValue call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiFailure {
    /// The service refused: not found, access denied, decryption failure, invalid request.
    Refused,
    /// The service could not be reached or did not answer properly.
    Unreachable,
    /// The SDK found no usable AWS credentials (or could not sign).
    NoCredentials,
}

/// A failed call: the kind and the service's reason ("ResourceNotFoundException: ...").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub failure: ApiFailure,
    pub reason: String,
}

/// The one Secrets Manager call the plugin makes.
pub trait SecretsApi: Send + Sync {
    /// GetSecretValue of `target`: its SecretString (`None` for a binary secret).
    fn get_secret_string<'a>(
        &'a self,
        target: &'a SecretTarget,
    ) -> BoxFuture<'a, Result<Option<String>, ApiError>>;
}

struct CachedLogin {
    login: SecretLogin,
    read_at: Instant,
    reuse_until: Instant,
}

static CACHE: LazyLock<Mutex<HashMap<SecretKey, CachedLogin>>> = LazyLock::new(Mutex::default);
/// One read in flight per secret: later callers wait and take its result.
type Flights = HashMap<SecretKey, Arc<tokio::sync::Mutex<()>>>;
static FLIGHTS: LazyLock<Mutex<Flights>> = LazyLock::new(Mutex::default);
static SECRETS_READ: AtomicU64 = AtomicU64::new(0);

/// How many secrets this process has read from the API (tests check that reads are shared).
pub fn secrets_read() -> u64 {
    SECRETS_READ.load(Ordering::Relaxed)
}

/// The cached login of `key` if still within its reuse period.
pub fn cached(key: &SecretKey) -> Option<SecretLogin> {
    let now = Instant::now();
    let mut cache = CACHE.lock();
    cache.retain(|_, c| c.reuse_until > now);
    cache.get(key).map(|c| c.login.clone())
}

/// The cached login of `key` if it was read at or after `since`.
fn read_since(key: &SecretKey, since: Instant) -> Option<SecretLogin> {
    CACHE
        .lock()
        .get(key)
        .filter(|c| c.read_at >= since)
        .map(|c| c.login.clone())
}

/// The login for `key`: from the cache unless `fresh`, otherwise read through `api` (or taken
/// from a read that finished while this call waited for it). The flag says whether the login
/// came from the cache.
pub async fn login(
    api: &dyn SecretsApi,
    key: &SecretKey,
    reuse: Duration,
    fresh: bool,
) -> EngineResult<(SecretLogin, bool)> {
    let asked = Instant::now();
    if !fresh {
        if let Some(login) = cached(key) {
            return Ok((login, true));
        }
    }
    let flight = FLIGHTS.lock().entry(key.clone()).or_default().clone();
    let _turn = flight.lock().await;
    if let Some(login) = read_since(key, asked) {
        return Ok((login, false));
    }
    let text = api
        .get_secret_string(&key.target)
        .await
        .map_err(|e| api_error(&key.target, e))?;
    SECRETS_READ.fetch_add(1, Ordering::Relaxed);
    let Some(text) = text else {
        return Err(refused(
            &key.target,
            "the secret has no SecretString (a binary secret cannot hold a user and password)",
        ));
    };
    let login = parse_login(&text, &key.username_field, &key.password_field)
        .map_err(|reason| refused(&key.target, &reason))?;
    let now = Instant::now();
    CACHE.lock().insert(
        key.clone(),
        CachedLogin {
            login: login.clone(),
            read_at: now,
            reuse_until: now + reuse,
        },
    );
    tracing::info!(secret = %key.target.secret_id, region = %key.target.region, user = %login.user, "read the login from AWS Secrets Manager");
    Ok((login, false))
}

fn refused(target: &SecretTarget, reason: &str) -> EngineError {
    EngineError::new(
        ErrorClass::Authentication,
        "28000",
        format!(
            "could not read the login from AWS Secrets Manager secret '{}' (region {}): {reason}",
            target.secret_id, target.region
        ),
    )
}

/// A refusal or missing credentials is 28000 (the login cannot be had); an unreachable API is
/// 08001 (the connection could not be made).
fn api_error(target: &SecretTarget, err: ApiError) -> EngineError {
    match err.failure {
        ApiFailure::Refused | ApiFailure::NoCredentials => refused(target, &err.reason),
        ApiFailure::Unreachable => EngineError::connect(format!(
            "could not read AWS Secrets Manager secret '{}' (region {}): {}",
            target.secret_id, target.region, err.reason
        )),
    }
}

/// The user and password of a secret's JSON object. Errors name fields, never values (a
/// parser's message could quote the text).
pub fn parse_login(
    text: &str,
    username_field: &str,
    password_field: &str,
) -> Result<SecretLogin, String> {
    let fields = top_level_strings(text)
        .ok_or_else(|| "the secret's value is not a JSON object".to_string())?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| {
                format!("the secret's JSON object has no text field '{name}' (see secrets_manager_secret_username_key and secrets_manager_secret_password_key)")
            })
    };
    let user = field(username_field)?;
    let password = field(password_field)?;
    if user.is_empty() {
        return Err(format!("the secret's field '{username_field}' is empty"));
    }
    Ok(SecretLogin { user, password })
}

/// The string members of a JSON object (other members skipped); `None` if `text` is not one
/// JSON object.
fn top_level_strings(text: &str) -> Option<Vec<(String, String)>> {
    use aws_smithy_json::deserialize::token::skip_value;
    use aws_smithy_json::deserialize::{json_token_iter, Token};
    let mut tokens = json_token_iter(text.as_bytes()).peekable();
    let Some(Ok(Token::StartObject { .. })) = tokens.next() else {
        return None;
    };
    let mut fields = Vec::new();
    loop {
        match tokens.next()?.ok()? {
            Token::EndObject { .. } => break,
            Token::ObjectKey { key, .. } => {
                let key = key.to_unescaped().ok()?.into_owned();
                match tokens.peek() {
                    Some(Ok(Token::ValueString { value, .. })) => {
                        let value = value.to_unescaped().ok()?.into_owned();
                        tokens.next();
                        fields.push((key, value));
                    }
                    _ => skip_value(&mut tokens).ok()?,
                }
            }
            _ => return None,
        }
    }
    // Nothing may follow the object.
    tokens.next().is_none().then_some(fields)
}

/// Bounds one GetSecretValue call, retries included: a login never waits longer on the API.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(10);
/// Bounds connecting to the API endpoint.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The real API through aws-sdk-secretsmanager; clients (and their connections) are kept per
/// (region, endpoint, profile).
pub struct SdkSecrets;

type ClientKey = (String, Option<String>, Option<String>);
static CLIENTS: LazyLock<Mutex<HashMap<ClientKey, aws_sdk_secretsmanager::Client>>> =
    LazyLock::new(Mutex::default);

impl SdkSecrets {
    async fn client(target: &SecretTarget) -> aws_sdk_secretsmanager::Client {
        use aws_config::timeout::TimeoutConfig;
        let key = (
            target.region.clone(),
            target.endpoint.clone(),
            target.profile.clone(),
        );
        if let Some(client) = CLIENTS.lock().get(&key) {
            return client.clone();
        }
        let shared = aws_sdk::shared_config(&target.region, target.profile.as_deref()).await;
        let timeouts = TimeoutConfig::builder()
            .operation_timeout(OPERATION_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .build();
        let mut config =
            aws_sdk_secretsmanager::config::Builder::from(&shared).timeout_config(timeouts);
        if let Some(url) = &target.endpoint {
            config = config.endpoint_url(url);
        }
        let client = aws_sdk_secretsmanager::Client::from_conf(config.build());
        CLIENTS.lock().entry(key).or_insert(client).clone()
    }
}

/// Forgets the clients and the reads in flight (release of background resources).
pub fn clear_clients() {
    CLIENTS.lock().clear();
    FLIGHTS.lock().clear();
}

impl SecretsApi for SdkSecrets {
    fn get_secret_string<'a>(
        &'a self,
        target: &'a SecretTarget,
    ) -> BoxFuture<'a, Result<Option<String>, ApiError>> {
        Box::pin(async move {
            let client = Self::client(target).await;
            let answer = client
                .get_secret_value()
                .secret_id(&target.secret_id)
                .send()
                .await
                .map_err(|e| sdk_error(&e))?;
            Ok(answer.secret_string().map(str::to_string))
        })
    }
}

/// Turns an SDK error into a failure kind and a one-line reason
/// ("ResourceNotFoundException: Secrets Manager can't find the specified secret.").
fn sdk_error<E>(
    err: &aws_sdk_secretsmanager::error::SdkError<
        E,
        aws_sdk_secretsmanager::config::http::HttpResponse,
    >,
) -> ApiError
where
    E: aws_sdk_secretsmanager::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    use aws_sdk_secretsmanager::error::SdkError;
    let (failure, reason) = match err {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let meta = service.err();
            let reason = aws_sdk::service_error_text(meta.code(), meta.message(), status);
            let failure = if status >= 500 {
                ApiFailure::Unreachable
            } else {
                ApiFailure::Refused
            };
            (failure, reason)
        }
        SdkError::TimeoutError(_) => (
            ApiFailure::Unreachable,
            format!(
                "the Secrets Manager API did not answer within {} s",
                OPERATION_TIMEOUT.as_secs()
            ),
        ),
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => (
            ApiFailure::Unreachable,
            format!(
                "cannot reach the Secrets Manager API: {}",
                error_chain_text(err)
            ),
        ),
        // Construction failures: mostly no credentials found by the chain.
        _ => (ApiFailure::NoCredentials, error_chain_text(err)),
    };
    ApiError { failure, reason }
}
