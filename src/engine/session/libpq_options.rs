//! libpq connection options given through psqlODBC's `pqopt` key, and TCP keepalive.
//!
//! psqlODBC hands `pqopt` to libpq after its own options, so what it says wins over the DSN's
//! other keys. The driver has no libpq: it applies the options that shape its own
//! connection (keepalive, the startup `options`, application name, timeouts) and refuses the
//! text when libpq would (a syntax error or an option libpq does not know), so a DSN that
//! works with psqlODBC either works here or says why. Options libpq knows that have no
//! meaning here (Kerberos, client certificates, ...) are logged as not applied.

use std::time::Duration;

/// TCP keepalive of a connection's socket. On by default, as libpq has it; the idle time,
/// probe interval and probe count are the system's unless set (psqlODBC's KeepaliveTime and
/// KeepaliveInterval, libpq's `keepalives_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalive {
    pub enabled: bool,
    /// Idle time before the first probe (TCP_KEEPIDLE).
    pub idle: Option<Duration>,
    /// Time between probes (TCP_KEEPINTVL).
    pub interval: Option<Duration>,
    /// Probes lost before the connection is dropped (TCP_KEEPCNT).
    pub count: Option<u32>,
}

impl Default for Keepalive {
    fn default() -> Self {
        Keepalive {
            enabled: true,
            idle: None,
            interval: None,
            count: None,
        }
    }
}

/// What `pqopt` changes in a connection's options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PqOptions {
    pub keepalives: Option<bool>,
    pub keepalives_idle: Option<Duration>,
    pub keepalives_interval: Option<Duration>,
    pub keepalives_count: Option<u32>,
    /// TCP_USER_TIMEOUT: how long sent data may stay unacknowledged.
    pub tcp_user_timeout: Option<Duration>,
    /// The startup packet's `options` (e.g. `-c search_path=app`).
    pub startup_options: Option<String>,
    pub application_name: Option<String>,
    pub connect_timeout: Option<Duration>,
    /// libpq options given that the driver has no use for, by name.
    pub not_applied: Vec<String>,
}

/// libpq's options that have no meaning in this driver; given in `pqopt` they are logged.
const KNOWN_NOT_APPLIED: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "passfile",
    "require_auth",
    "channel_binding",
    "client_encoding",
    "fallback_application_name",
    "replication",
    "gssencmode",
    "sslmode",
    "requiressl",
    "sslnegotiation",
    "sslcompression",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcertmode",
    "sslrootcert",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "requirepeer",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "krbsrvname",
    "gsslib",
    "gssdelegation",
    "service",
    "target_session_attrs",
    "load_balance_hosts",
];

/// A `pqopt` text libpq would refuse; surfaces as a connection error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PqOptError(pub String);

impl PqOptions {
    /// Parses libpq's `key=value key='quoted value'` form.
    pub fn parse(text: &str) -> Result<PqOptions, PqOptError> {
        let mut out = PqOptions::default();
        for (key, value) in conninfo_pairs(text)? {
            out.apply(&key, value)?;
        }
        Ok(out)
    }

    fn apply(&mut self, key: &str, value: String) -> Result<(), PqOptError> {
        match key {
            "keepalives" => self.keepalives = Some(int(key, &value)? != 0),
            "keepalives_idle" => self.keepalives_idle = Some(seconds(key, &value)?),
            "keepalives_interval" => self.keepalives_interval = Some(seconds(key, &value)?),
            "keepalives_count" => {
                self.keepalives_count = Some(u32::try_from(int(key, &value)?).map_err(|_| {
                    PqOptError(format!(
                        "invalid integer value \"{value}\" for connection option \"{key}\""
                    ))
                })?);
            }
            "tcp_user_timeout" => {
                let ms = int(key, &value)?;
                self.tcp_user_timeout = Some(Duration::from_millis(ms));
            }
            "options" => self.startup_options = Some(value),
            "application_name" => self.application_name = Some(value),
            "connect_timeout" => self.connect_timeout = Some(seconds(key, &value)?),
            _ if KNOWN_NOT_APPLIED.contains(&key) => self.not_applied.push(key.to_owned()),
            _ => {
                return Err(PqOptError(format!(
                    "invalid connection option \"{key}\" in pqopt"
                )))
            }
        }
        Ok(())
    }

    /// The keepalive settings once these options are laid over `base`.
    pub fn keepalive_over(&self, base: Keepalive) -> Keepalive {
        Keepalive {
            enabled: self.keepalives.unwrap_or(base.enabled),
            idle: self.keepalives_idle.filter(|d| !d.is_zero()).or(base.idle),
            interval: self
                .keepalives_interval
                .filter(|d| !d.is_zero())
                .or(base.interval),
            count: self.keepalives_count.filter(|n| *n > 0).or(base.count),
        }
    }
}

/// A non-negative integer, as libpq reads these options.
fn int(key: &str, value: &str) -> Result<u64, PqOptError> {
    value.trim().parse::<u64>().map_err(|_| {
        PqOptError(format!(
            "invalid integer value \"{value}\" for connection option \"{key}\""
        ))
    })
}

fn seconds(key: &str, value: &str) -> Result<Duration, PqOptError> {
    int(key, value).map(Duration::from_secs)
}

/// The `key = value` pairs of a libpq connection string: values bare (up to white space) or
/// in single quotes, where `\'` and `\\` stand for the characters.
fn conninfo_pairs(text: &str) -> Result<Vec<(String, String)>, PqOptError> {
    let mut pairs = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(PqOptError(format!(
                "missing \"=\" after \"{key}\" in pqopt"
            )));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    None => {
                        return Err(PqOptError("unterminated quoted string in pqopt".to_owned()))
                    }
                    Some('\'') => break,
                    Some('\\') => match chars.next() {
                        Some(c) => value.push(c),
                        None => {
                            return Err(PqOptError(
                                "unterminated quoted string in pqopt".to_owned(),
                            ))
                        }
                    },
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    if let Some(escaped) = chars.next() {
                        value.push(escaped);
                    }
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
}

/// Sets the socket's keepalive as asked; a refusal by the system is logged, not fatal
/// (libpq does the same).
pub fn apply_keepalive(stream: &tokio::net::TcpStream, keepalive: &Keepalive) {
    let socket = socket2::SockRef::from(stream);
    let outcome = if keepalive.enabled {
        let mut params = socket2::TcpKeepalive::new();
        if let Some(idle) = keepalive.idle {
            params = params.with_time(idle);
        }
        if let Some(interval) = keepalive.interval {
            params = params.with_interval(interval);
        }
        if let Some(count) = keepalive.count {
            params = params.with_retries(count);
        }
        socket.set_tcp_keepalive(&params)
    } else {
        socket.set_keepalive(false)
    };
    if let Err(e) = outcome {
        tracing::warn!(error = %e, ?keepalive, "could not set TCP keepalive");
    }
}

/// Sets TCP_USER_TIMEOUT when asked; logged when the system refuses.
pub fn apply_user_timeout(stream: &tokio::net::TcpStream, timeout: Option<Duration>) {
    let Some(timeout) = timeout else { return };
    if let Err(e) = socket2::SockRef::from(stream).set_tcp_user_timeout(Some(timeout)) {
        tracing::warn!(error = %e, "could not set TCP_USER_TIMEOUT");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conninfo_values_bare_and_quoted() {
        let got = PqOptions::parse(
            " keepalives_idle = 11 options='-c search_path=a\\'b,public' application_name=x\\ y",
        )
        .expect("valid");
        assert_eq!(got.keepalives_idle, Some(Duration::from_secs(11)));
        assert_eq!(
            got.startup_options.as_deref(),
            Some("-c search_path=a'b,public")
        );
        assert_eq!(got.application_name.as_deref(), Some("x y"));
        assert!(PqOptions::parse("").expect("empty").not_applied.is_empty());
    }

    #[test]
    fn libpq_refusals_are_errors() {
        for bad in [
            "keepalives_idle",
            "options='unterminated",
            "bogus=1",
            "keepalives_idle=soon",
            "keepalives_count=-2",
        ] {
            assert!(PqOptions::parse(bad).is_err(), "{bad} must be refused");
        }
        let got = PqOptions::parse("gssencmode=disable target_session_attrs=any").expect("known");
        assert_eq!(got.not_applied, ["gssencmode", "target_session_attrs"]);
    }

    #[test]
    fn pqopt_keepalive_wins_over_the_keys() {
        let base = Keepalive {
            enabled: true,
            idle: Some(Duration::from_secs(30)),
            interval: Some(Duration::from_secs(5)),
            count: None,
        };
        let over = PqOptions::parse("keepalives_idle=7 keepalives_count=3").expect("valid");
        let got = over.keepalive_over(base);
        assert_eq!(got.idle, Some(Duration::from_secs(7)));
        assert_eq!(got.interval, Some(Duration::from_secs(5)));
        assert_eq!(got.count, Some(3));
        let off = PqOptions::parse("keepalives=0").expect("valid");
        assert!(!off.keepalive_over(base).enabled);
    }
}
