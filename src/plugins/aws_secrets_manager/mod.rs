//! AWS Secrets Manager credentials, plugin code `aws_secrets_manager` (also
//! `rds_auth_type=secrets_manager`).
//!
//! The plugin supplies the user and password of every physical connection made from its
//! settings from a secret's JSON object: it installs a [`CredentialSource`] on the connect
//! options, which [`crate::engine::session::Session::open`] asks at each login, so the
//! application's connection, failover's replacements and host monitoring's monitoring
//! connections all log in the same way. Reads are cached per secret (see [`secret`]); a login
//! refused with cached credentials reads the secret again once, which is how a rotation (the
//! password changed on the instances and in the secret) costs no failed connection. The
//! password never appears in a log line or a diagnostic.

pub mod secret;
pub mod settings;

#[cfg(test)]
mod tests;

use crate::engine::credentials::{BoxFuture, CredentialSource, Credentials, LoginRetry};
use crate::engine::error::{EngineError, EngineResult};
use crate::engine::pipeline::Plugin;
use crate::engine::plugin_registry::PluginSpec;
use crate::engine::session::ConnectOptions;
use crate::engine::settings::Settings;
use crate::plugins::custom_endpoint::settings::Key as AwsKey;
use secret::{SecretKey, SecretTarget, SecretsApi};
use settings::Key;
use std::sync::Arc;
use std::time::Duration;

/// The code users write in `plugins`.
pub const CODE: &str = "aws_secrets_manager";

/// The plugin in the chain: it acts only through its credential source, so it has no hooks.
struct SecretsManagerPlugin;

impl Plugin for SecretsManagerPlugin {
    fn code(&self) -> &'static str {
        CODE
    }
}

/// Builds the (hook-less) plugin of one connection.
pub fn factory(_settings: &Arc<Settings>) -> EngineResult<Option<Box<dyn Plugin>>> {
    Ok(Some(Box::new(SecretsManagerPlugin)))
}

/// Builds the credential source the engine installs on every connect option of the settings.
pub fn credential_source(settings: &Settings) -> EngineResult<Option<Arc<dyn CredentialSource>>> {
    Ok(Some(Arc::new(SecretSource::from_settings(
        settings,
        Arc::new(secret::SdkSecrets),
    )?)))
}

/// Drops the API clients (their connections live on the driver's runtime, which release
/// stops). Cached logins stay: the driver manager frees the driver's environment whenever an
/// application's last connection closes, and a single-threaded application opening one
/// connection after another must not read the secret each time.
fn release() {
    secret::clear_clients();
}

/// The plugin as the engine's registry sees it. Innermost, after `iam`: it only supplies
/// credentials (when both are loaded, `iam` supplies them).
pub const SPEC: PluginSpec = PluginSpec {
    code: CODE,
    weight: 410,
    default_chain: false,
    factory,
    keys: Some(&settings::SECTION),
    release: Some(release),
    credentials: Some(credential_source),
    rds_auth_type: Some("secrets_manager"),
};

/// Reads (or reuses) the secret of each login.
#[derive(Clone)]
pub struct SecretSource {
    key: SecretKey,
    reuse: Duration,
    retry: LoginRetry,
    api: Arc<dyn SecretsApi>,
}

impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretSource")
            .field("key", &self.key)
            .field("reuse", &self.reuse)
            .field("retry", &self.retry)
            .finish()
    }
}

impl SecretSource {
    /// The secret the settings name, read through `api`. Errors (08001): no secret id, no
    /// region known.
    pub fn from_settings(
        settings: &Settings,
        api: Arc<dyn SecretsApi>,
    ) -> EngineResult<SecretSource> {
        let text = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let secret_id = text(settings.get_str(Key::SecretId)).ok_or_else(|| {
            EngineError::connect(
                "the aws_secrets_manager plugin needs the secret to read: set secrets_manager_secret_id (name or ARN)",
            )
        })?;
        let region = match text(settings.get_str(Key::Region)) {
            Some(region) => region.to_ascii_lowercase(),
            None => arn_region(&secret_id).ok_or_else(|| {
                EngineError::connect(format!(
                    "cannot tell the AWS region of secret '{secret_id}': set secrets_manager_region (or name the secret by its ARN)"
                ))
            })?,
        };
        let endpoint = text(settings.get_str(Key::Endpoint)).map(|url| {
            if url.contains("://") {
                url
            } else {
                format!("https://{url}")
            }
        });
        let field = |key: Key, default: &str| {
            text(settings.get_str(key)).unwrap_or_else(|| default.to_string())
        };
        Ok(SecretSource {
            key: SecretKey {
                target: SecretTarget {
                    secret_id,
                    region,
                    endpoint,
                    profile: text(settings.get_str(AwsKey::AwsProfile)),
                },
                username_field: field(Key::UsernameField, "username"),
                password_field: field(Key::PasswordField, "password"),
            },
            reuse: settings.get_duration(Key::Expiration),
            retry: LoginRetry {
                budget: settings.get_duration(Key::ConnectRetryTimeoutMs),
                first_wait: settings.get_duration(Key::ConnectRetryIntervalMs),
            },
            api,
        })
    }

    pub fn key(&self) -> &SecretKey {
        &self.key
    }

    pub fn reuse(&self) -> Duration {
        self.reuse
    }
}

/// The region of a Secrets Manager ARN (`arn:<partition>:secretsmanager:<region>:<account>:
/// secret:<name>`), if `id` is one.
pub fn arn_region(id: &str) -> Option<String> {
    let mut parts = id.splitn(5, ':');
    let (Some("arn"), Some(_partition), Some(service), Some(region)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    (service.eq_ignore_ascii_case("secretsmanager") && !region.is_empty())
        .then(|| region.to_ascii_lowercase())
}

impl CredentialSource for SecretSource {
    fn code(&self) -> &'static str {
        CODE
    }

    fn login_retry(&self) -> Option<LoginRetry> {
        Some(self.retry)
    }

    fn credentials<'a>(
        &'a self,
        _opts: &'a ConnectOptions,
        fresh: bool,
    ) -> BoxFuture<'a, EngineResult<Credentials>> {
        Box::pin(async move {
            if !fresh {
                if let Some(login) = secret::cached(&self.key) {
                    return Ok(credentials(login, true));
                }
            }
            // Read on the driver's shared runtime: the SDK's HTTP client keeps its connections
            // there, not on a caller's short-lived runtime.
            let (key, reuse, api) = (self.key.clone(), self.reuse, self.api.clone());
            let (login, cached) = crate::engine::runtime::spawn(async move {
                secret::login(api.as_ref(), &key, reuse, fresh).await
            })
            .map_err(|e| EngineError::connect(format!("driver runtime unavailable: {e}")))?
            .await
            .map_err(|e| EngineError::internal(format!("Secrets Manager task failed: {e}")))??;
            Ok(credentials(login, cached))
        })
    }
}

fn credentials(login: secret::SecretLogin, cached: bool) -> Credentials {
    Credentials {
        user: Some(login.user),
        password: login.password,
        cached,
    }
}
