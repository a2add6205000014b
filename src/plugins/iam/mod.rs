//! IAM database authentication, plugin code `iam` (also `rds_auth_type=iam`).
//!
//! The plugin supplies the password of every physical connection made from its settings as
//! an RDS IAM auth token: it installs a [`CredentialSource`] on the connect options, which
//! [`crate::engine::session::Session::open`] asks at each login, so the application's
//! connection, failover's replacements and host monitoring's monitoring connections all sign
//! in the same way. Tokens are cached (see [`token`]); a login refused with a cached token is
//! retried once with a fresh one. The token is a bearer credential: TLS is required, and it
//! never appears in a log line or a diagnostic.

pub mod settings;
pub mod token;

#[cfg(test)]
mod tests;

use crate::engine::credentials::{BoxFuture, CredentialSource, Credentials};
use crate::engine::error::{EngineError, EngineResult};
use crate::engine::hostname;
use crate::engine::pipeline::Plugin;
use crate::engine::plugin_registry::PluginSpec;
use crate::engine::session::ConnectOptions;
use crate::engine::settings::Settings;
use crate::plugins::custom_endpoint::settings::Key as AwsKey;
use settings::Key;
use std::sync::Arc;
use std::time::Duration;
use token::TokenKey;

/// The code users write in `plugins`.
pub const CODE: &str = "iam";

/// The plugin in the chain: it acts only through its credential source, so it has no hooks.
struct IamPlugin;

impl Plugin for IamPlugin {
    fn code(&self) -> &'static str {
        CODE
    }
}

/// Builds the (hook-less) plugin of one connection.
pub fn factory(_settings: &Arc<Settings>) -> EngineResult<Option<Box<dyn Plugin>>> {
    Ok(Some(Box::new(IamPlugin)))
}

/// Builds the credential source the engine installs on every connect option of the settings.
pub fn credential_source(settings: &Settings) -> EngineResult<Option<Arc<dyn CredentialSource>>> {
    Ok(Some(Arc::new(IamSource::from_settings(settings)?)))
}

/// The plugin as the engine's registry sees it. Innermost: it only supplies credentials.
pub const SPEC: PluginSpec = PluginSpec {
    code: CODE,
    weight: 400,
    default_chain: false,
    factory,
    keys: Some(&settings::SECTION),
    // Tokens are data, not background work: they outlive a release (unixODBC releases the
    // driver when an application's last connection closes, and a program that connects
    // one connection at a time must not sign a token for each).
    release: None,
    credentials: Some(credential_source),
    rds_auth_type: Some("iam"),
};

/// Makes (or reuses) the token of each login.
#[derive(Debug, Clone)]
pub struct IamSource {
    host: Option<String>,
    port: Option<u16>,
    region: Option<String>,
    profile: Option<String>,
    reuse: Duration,
}

impl IamSource {
    pub fn from_settings(settings: &Settings) -> EngineResult<IamSource> {
        let text = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        Ok(IamSource {
            host: text(settings.get_str(Key::IamHost)),
            port: settings
                .is_set(Key::IamDefaultPort)
                .then(|| u16::try_from(settings.get_u64(Key::IamDefaultPort)).ok())
                .flatten(),
            region: text(settings.get_str(Key::IamRegion)).map(|r| r.to_ascii_lowercase()),
            profile: text(settings.get_str(AwsKey::AwsProfile)),
            reuse: settings.get_duration(Key::IamExpiration),
        })
    }

    /// What a login to `opts` signs for: the `iam_host`/`iam_default_port` overrides or the
    /// host and port connected to (the port the host name came with, not a `host_address_map`
    /// pin's); the region from `iam_region` or from the host name.
    pub fn token_key(&self, opts: &ConnectOptions) -> EngineResult<TokenKey> {
        let host = self
            .host
            .clone()
            .unwrap_or_else(|| opts.host.trim().trim_end_matches('.').to_string());
        let region = match &self.region {
            Some(r) => r.clone(),
            None => hostname::region(&host).ok_or_else(|| {
                EngineError::connect(format!(
                    "cannot tell the AWS region of '{host}' for IAM authentication from its name: set iam_region"
                ))
            })?,
        };
        Ok(TokenKey {
            user: opts.user.clone(),
            host,
            port: self.port.or(opts.named_port).unwrap_or(opts.port),
            region,
            profile: self.profile.clone(),
        })
    }
}

impl CredentialSource for IamSource {
    fn code(&self) -> &'static str {
        CODE
    }

    fn requires_tls(&self) -> bool {
        true
    }

    fn refusal_hint(&self, opts: &ConnectOptions) -> Option<String> {
        let key = self.token_key(opts).ok()?;
        Some(format!(
            "the IAM auth token was signed for user {} on {}:{} in region {}; check iam_region, iam_host, iam_default_port and that the IAM policy allows rds-db:connect for this user",
            key.user, key.host, key.port, key.region
        ))
    }

    fn credentials<'a>(
        &'a self,
        opts: &'a ConnectOptions,
        fresh: bool,
    ) -> BoxFuture<'a, EngineResult<Credentials>> {
        Box::pin(async move {
            let key = self.token_key(opts)?;
            if !fresh {
                if let Some(password) = token::cached(&key) {
                    return Ok(Credentials {
                        user: None,
                        password,
                        cached: true,
                    });
                }
            }
            // Made on the driver's shared runtime: the SDK's HTTP client (credential
            // providers that call out) keeps its connections there, not on a caller's
            // short-lived runtime.
            let for_task = key.clone();
            let made = crate::engine::runtime::spawn(async move { token::make(&for_task).await })
                .map_err(|e| EngineError::connect(format!("driver runtime unavailable: {e}")))?
                .await
                .map_err(|e| EngineError::internal(format!("IAM token task failed: {e}")))??;
            token::remember(key, made.clone(), self.reuse);
            Ok(Credentials {
                user: None,
                password: made,
                cached: false,
            })
        })
    }
}
