//! RDS IAM auth tokens: made with aws-sdk-rds's generator (a SigV4 presigned `rds-db:connect`
//! request) and cached per (user, host, port, region, profile) for the token lifetime setting,
//! so that a pool opening many connections signs once per period, not once per connection.

use crate::engine::error::{error_chain_text, EngineError, EngineResult};
use crate::plugins::aws_sdk;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

/// How long RDS accepts a token after it was signed (the service's maximum).
pub const TOKEN_VALIDITY: Duration = Duration::from_secs(900);

/// What a token is signed for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenKey {
    pub user: String,
    pub host: String,
    pub port: u16,
    pub region: String,
    /// The `aws_profile` key: another profile means other credentials.
    pub profile: Option<String>,
}

struct CachedToken {
    token: String,
    reuse_until: Instant,
}

static CACHE: LazyLock<Mutex<HashMap<TokenKey, CachedToken>>> = LazyLock::new(Mutex::default);
static TOKENS_MADE: AtomicU64 = AtomicU64::new(0);

/// How many tokens this process has made (tests check that cached tokens are reused).
pub fn tokens_made() -> u64 {
    TOKENS_MADE.load(Ordering::Relaxed)
}

/// The cached token for `key`, if one is still within its reuse period.
pub fn cached(key: &TokenKey) -> Option<String> {
    let mut cache = CACHE.lock();
    let now = Instant::now();
    cache.retain(|_, c| c.reuse_until > now);
    cache.get(key).map(|c| c.token.clone())
}

/// Keeps `token` for `key` during `reuse`.
pub fn remember(key: TokenKey, token: String, reuse: Duration) {
    CACHE.lock().insert(
        key,
        CachedToken {
            token,
            reuse_until: Instant::now() + reuse.min(TOKEN_VALIDITY),
        },
    );
}

/// Makes a token for `key` with the SDK's credential chain. Errors are 28000 with the SDK's
/// reason (no credentials found, expired credentials, a profile that does not exist).
pub async fn make(key: &TokenKey) -> EngineResult<String> {
    use aws_sdk_rds::auth_token::{AuthTokenGenerator, Config};
    let sdk = aws_sdk::shared_config(&key.region, key.profile.as_deref()).await;
    let refused = |reason: String| {
        EngineError::new(
            crate::engine::error::ErrorClass::Authentication,
            "28000",
            format!(
                "could not make an IAM auth token for user {} on {}:{} (region {}): {reason}",
                key.user, key.host, key.port, key.region
            ),
        )
    };
    let config = Config::builder()
        .hostname(&key.host)
        .port(u64::from(key.port))
        .username(&key.user)
        .region(aws_config::Region::new(key.region.clone()))
        .expires_in(TOKEN_VALIDITY.as_secs())
        .build()
        .map_err(|e| refused(error_chain_text(&*e)))?;
    let token = AuthTokenGenerator::new(config)
        .auth_token(&sdk)
        .await
        .map_err(|e| refused(error_chain_text(&*e)))?;
    TOKENS_MADE.fetch_add(1, Ordering::Relaxed);
    // The token itself is a bearer credential: never logged.
    tracing::info!(user = %key.user, host = %key.host, port = key.port, region = %key.region, "made an IAM auth token");
    Ok(token.as_str().to_string())
}
