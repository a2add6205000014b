//! Credentials supplied at connect time instead of a fixed password: an RDS IAM token, a
//! secret's user and password. A [`CredentialSource`] rides on the [`ConnectOptions`] of every
//! physical connection made from the same settings, so the application's connection,
//! failover's replacements and host monitoring's monitoring connections all log in through it
//! (see [`crate::engine::session::Session::open`]).

use super::error::EngineResult;
use super::session::ConnectOptions;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A boxed future, so the trait stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a source gives for one login. `Debug` is written by hand: the password never reaches
/// a log line.
#[derive(Clone)]
pub struct Credentials {
    /// The user to log in as; `None`: the connection's own user.
    pub user: Option<String>,
    pub password: String,
    /// Whether this came from a cache: a refused login is then tried once more with fresh
    /// credentials (a token made for an earlier clock, a rotated secret).
    pub cached: bool,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"***")
            .field("cached", &self.cached)
            .finish()
    }
}

/// Supplies the credentials of physical connections at connect time.
pub trait CredentialSource: Send + Sync {
    /// The plugin code that installed the source (for log lines).
    fn code(&self) -> &'static str;

    /// Credentials for a login to `opts` (host, port, user). `fresh`: a login with cached
    /// credentials was refused, so the cache must not be used. Errors carry SQLSTATE 28000
    /// (credentials unavailable) or 08001 (configuration).
    fn credentials<'a>(
        &'a self,
        opts: &'a ConnectOptions,
        fresh: bool,
    ) -> BoxFuture<'a, EngineResult<Credentials>>;

    /// Whether logins through this source must use TLS (the password is a bearer token).
    fn requires_tls(&self) -> bool {
        false
    }
}

/// Builds a plugin's credential source from the settings of a connection (`None`: the plugin
/// has nothing to supply for these settings).
pub type CredentialFactory =
    fn(&super::settings::Settings) -> EngineResult<Option<Arc<dyn CredentialSource>>>;
