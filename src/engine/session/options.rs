//! What one physical connection needs: host, credentials, TLS mode and timeouts.

use super::libpq_options::{Keepalive, PqOptions};
use crate::engine::credentials::CredentialSource;
use crate::engine::error::{EngineError, EngineResult};
use crate::engine::settings::{Key, Settings};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// TLS use, in libpq's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
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
    /// The port `host` names when a pin sends the connection to another one (`port` is then
    /// the pin's): what an IAM token is signed for, since the service checks the endpoint's
    /// port, not a tunnel's.
    pub named_port: Option<u16>,
    pub database: String,
    pub user: String,
    pub password: Option<String>,
    pub ssl_mode: SslMode,
    pub ssl_root_cert: Option<String>,
    pub connect_timeout: Option<Duration>,
    pub application_name: String,
    pub keepalive: Keepalive,
    /// TCP_USER_TIMEOUT of the socket (pqopt's `tcp_user_timeout`).
    pub tcp_user_timeout: Option<Duration>,
    /// The startup packet's `options` (pqopt's `options`, e.g. `-c search_path=app`).
    pub startup_options: Option<String>,
    /// SQL run right after login, before anything else (psqlODBC's ConnSettings).
    pub conn_settings: Option<String>,
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
        let mut named_port = None;
        let address = settings.pinned_address(&host).map(|pin| {
            if let Some(p) = pin.port.filter(|p| *p != port) {
                named_port = Some(port);
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
            } else if matches!(
                ssl_mode,
                SslMode::Disable | SslMode::Allow | SslMode::Prefer
            ) {
                return Err(EngineError::connect(format!(
                    "the {} plugin sends a token as the password, which needs TLS: set sslmode to require, verify-ca or verify-full (it is {})",
                    source.code(),
                    settings.get_enum(Key::SslMode).unwrap_or("prefer")
                )));
            }
        }
        let pqopt = PqOptions::parse(settings.get_str(Key::Pqopt).unwrap_or_default())
            .map_err(|e| EngineError::connect(e.0))?;
        if !pqopt.not_applied.is_empty() {
            tracing::warn!(options = ?pqopt.not_applied, "pqopt options without effect in this driver");
        }
        let keys_keepalive = Keepalive {
            enabled: true,
            idle: settings.get_timeout(Key::KeepaliveTime),
            interval: settings.get_timeout(Key::KeepaliveInterval),
            count: None,
        };
        Ok(ConnectOptions {
            host,
            port,
            address,
            named_port,
            database: settings
                .get_str(Key::Database)
                .unwrap_or("postgres")
                .to_string(),
            user: settings.get_str(Key::Uid).unwrap_or("postgres").to_string(),
            password: settings.get_str(Key::Pwd).map(str::to_string),
            ssl_mode,
            ssl_root_cert: settings.get_str(Key::SslRootCert).map(str::to_string),
            connect_timeout: match pqopt.connect_timeout {
                Some(t) => Some(t).filter(|t| !t.is_zero()),
                None => settings.get_timeout(Key::ConnectTimeout),
            },
            application_name: pqopt.application_name.clone().unwrap_or_else(|| {
                settings
                    .get_str(Key::ApplicationName)
                    .unwrap_or("auroraodbc")
                    .to_string()
            }),
            keepalive: pqopt.keepalive_over(keys_keepalive),
            tcp_user_timeout: pqopt.tcp_user_timeout.filter(|t| !t.is_zero()),
            startup_options: pqopt.startup_options,
            conn_settings: settings
                .get_str(Key::ConnSettings)
                .filter(|sql| !sql.trim().is_empty())
                .map(str::to_string),
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
            .field("named_port", &self.named_port)
            .field("database", &self.database)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("ssl_mode", &self.ssl_mode)
            .field("keepalive", &self.keepalive)
            .field("credentials", &self.credentials.as_ref().map(|c| c.code()))
            .finish()
    }
}
