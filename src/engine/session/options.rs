//! What one physical connection needs: host, credentials, TLS mode and timeouts.

use crate::engine::error::{EngineError, EngineResult};
use crate::engine::settings::{Key, Settings};
use crate::engine::credentials::CredentialSource;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// TLS use, in libpq's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    Disable,
    Allow,
    #[default]
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub fn parse(word: &str) -> Option<SslMode> {
        Some(match word.to_ascii_lowercase().as_str() {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }
}

/// Everything needed to open one physical connection.
#[derive(Clone, Default)]
pub struct ConnectOptions {
    /// The host name as the user wrote it (kept for TLS and Aurora host-name logic).
    pub host: String,
    pub port: u16,
    /// Where to connect instead of resolving `host` (the `host_address_map` pin).
    pub address: Option<SocketAddr>,
    pub database: String,
    pub user: String,
    pub password: Option<String>,
    pub ssl_mode: SslMode,
    pub ssl_root_cert: Option<String>,
    pub connect_timeout: Option<Duration>,
    pub application_name: String,
    /// Supplies user and password at each login (the `iam` and Secrets Manager plugins);
    /// cloned options (failover's replacements) keep it.
    pub credentials: Option<Arc<dyn CredentialSource>>,
}

impl ConnectOptions {
    /// The options the settings describe (host, port, `host_address_map` pin, credentials,
    /// TLS, timeout). Monitoring connections pass `settings.for_monitoring()` here.
    pub fn from_settings(settings: &Settings) -> EngineResult<ConnectOptions> {
        let host = settings
            .get_str(Key::Server)
            .unwrap_or("localhost")
            .to_string();
        let mut port = u16::try_from(settings.get_u64(Key::Port)).map_err(|_| {
            EngineError::connect(
                "invalid value for key port: expected a number between 1 and 65535",
            )
        })?;
        let address = settings.pinned_address(&host).map(|pin| {
            if let Some(p) = pin.port {
                port = p;
            }
            SocketAddr::new(pin.addr, port)
        });
        let credentials = crate::engine::plugin_registry::credential_source(settings)?;
        let mut ssl_mode = settings
            .get_enum(Key::SslMode)
            .and_then(SslMode::parse)
            .unwrap_or_default();
        if let Some(source) = credentials.as_ref().filter(|c| c.requires_tls()) {
            if !settings.is_set(Key::SslMode) {
                ssl_mode = SslMode::Require;
            } else if matches!(ssl_mode, SslMode::Disable | SslMode::Allow | SslMode::Prefer) {
                return Err(EngineError::connect(format!(
                    "the {} plugin sends a token as the password, which needs TLS: set sslmode to require, verify-ca or verify-full (it is {})",
                    source.code(),
                    settings.get_enum(Key::SslMode).unwrap_or("prefer")
                )));
            }
        }
        Ok(ConnectOptions {
            host,
            port,
            address,
            database: settings
                .get_str(Key::Database)
                .unwrap_or("postgres")
                .to_string(),
            user: settings.get_str(Key::Uid).unwrap_or("postgres").to_string(),
            password: settings.get_str(Key::Pwd).map(str::to_string),
            ssl_mode,
            ssl_root_cert: settings.get_str(Key::SslRootCert).map(str::to_string),
            connect_timeout: settings.get_timeout(Key::ConnectTimeout),
            application_name: settings
                .get_str(Key::ApplicationName)
                .unwrap_or("auroraodbc")
                .to_string(),
            credentials,
        })
    }
}

impl std::fmt::Debug for ConnectOptions {
    // Written by hand so that the password can never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("address", &self.address)
            .field("database", &self.database)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("ssl_mode", &self.ssl_mode)
            .field("credentials", &self.credentials.as_ref().map(|c| c.code()))
            .finish()
    }
}
