//! What every AWS client of the driver shares: one HTTPS client (rustls + ring, no second TLS
//! stack built from C sources) and the SDK configuration per (region, profile), which holds
//! the credential chain and its cache.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_rds::config::SharedHttpClient;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::LazyLock;

/// The one HTTPS client of the process, for the AWS APIs and for the credential providers
/// (instance metadata, containers, web identity, SSO).
pub fn http_client() -> SharedHttpClient {
    static CLIENT: LazyLock<SharedHttpClient> = LazyLock::new(|| {
        use aws_smithy_http_client::tls;
        aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https()
    });
    CLIENT.clone()
}

/// A service error as one line for diagnostics: "Code: message", whichever of the two the
/// answer had, or its HTTP status.
pub fn service_error_text(code: Option<&str>, message: Option<&str>, status: u16) -> String {
    match (code, message) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_string(),
        (None, Some(m)) => m.to_string(),
        (None, None) => format!("HTTP status {status}"),
    }
}

/// The SDK configuration for `region` and `profile` (absent: the SDK's default profile
/// selection, AWS_PROFILE), loaded once and kept: its credential provider caches
/// credentials and refreshes temporary ones before they expire.
pub async fn shared_config(region: &str, profile: Option<&str>) -> SdkConfig {
    type ConfigKey = (String, Option<String>);
    static CONFIGS: LazyLock<Mutex<HashMap<ConfigKey, SdkConfig>>> = LazyLock::new(Mutex::default);
    let key = (region.to_string(), profile.map(str::to_string));
    if let Some(config) = CONFIGS.lock().get(&key) {
        return config.clone();
    }
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .http_client(http_client());
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    let config = loader.load().await;
    // Two first users may both load; either result is as good.
    CONFIGS.lock().entry(key).or_insert(config).clone()
}
