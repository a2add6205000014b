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
use std::time::Duration;

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

    /// How long refused logins keep being retried with fresh credentials (a rotation window:
    /// the server has the new password before the credentials do). `None`: one retry, and only
    /// after a refusal of cached credentials.
    fn login_retry(&self) -> Option<LoginRetry> {
        None
    }

    /// What the server refused, said so the user can check it (for IAM: the user, host, port
    /// and region the token was signed for). Shown as the refusal's HINT; never a secret.
    fn refusal_hint(&self, _opts: &ConnectOptions) -> Option<String> {
        None
    }
}

/// Retrying refused logins with fresh credentials within a time budget, waiting `first_wait`
/// before the first retry and twice as long before each next one (at most [`MAX_RETRY_WAIT`]
/// and never past the budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginRetry {
    pub budget: Duration,
    pub first_wait: Duration,
}

/// The longest wait between two login retries.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);

impl LoginRetry {
    /// The wait before the next retry after waiting `last` (`None`: the first retry), given
    /// `remaining` budget; `None` when the budget is spent.
    pub fn next_wait(&self, last: Option<Duration>, remaining: Duration) -> Option<Duration> {
        if remaining.is_zero() {
            return None;
        }
        let wait = match last {
            None => self.first_wait,
            Some(last) => last.saturating_mul(2),
        };
        Some(wait.min(MAX_RETRY_WAIT).min(remaining))
    }
}

/// Builds a plugin's credential source from the settings of a connection (`None`: the plugin
/// has nothing to supply for these settings).
pub type CredentialFactory =
    fn(&super::settings::Settings) -> EngineResult<Option<Arc<dyn CredentialSource>>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_waits_double_within_the_cap_and_the_budget() {
        let retry = LoginRetry {
            budget: Duration::from_secs(600),
            first_wait: Duration::from_millis(400),
        };
        let ms = Duration::from_millis;
        let plenty = Duration::from_secs(600);
        assert_eq!(retry.next_wait(None, plenty), Some(ms(400)));
        assert_eq!(retry.next_wait(Some(ms(400)), plenty), Some(ms(800)));
        assert_eq!(
            retry.next_wait(Some(ms(20_000)), plenty),
            Some(MAX_RETRY_WAIT)
        );
        assert_eq!(
            retry.next_wait(Some(ms(800)), ms(300)),
            Some(ms(300)),
            "never past the budget"
        );
        assert_eq!(
            retry.next_wait(Some(ms(800)), Duration::ZERO),
            None,
            "budget spent"
        );
        let immediate = LoginRetry {
            first_wait: Duration::ZERO,
            ..retry
        };
        assert_eq!(immediate.next_wait(None, plenty), Some(Duration::ZERO));
    }
}
