//! Measured response times of instances, for the `fastest_response` reader strategy.
//!
//! One prober per instance (and login and interval) for the whole process, whatever the number
//! of connections choosing readers: an async task on the engine runtime that keeps one
//! connection to the instance and times a `SELECT 1` on it every interval. Probers are shared
//! through [`SharedMonitors`]; one that no open connection holds and no selection has asked for
//! in a while stops by itself (and `auroraodbc_release()` stops them all). A failed probe
//! forgets the instance's time, so an instance that stopped answering goes to the back until
//! it answers again.

use super::availability;
use super::error::{EngineError, EngineResult};
use super::runtime;
use super::session::{ConnectOptions, Session};
use super::settings::Settings;
use super::shared_monitors::{SharedMonitor, SharedMonitors};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

/// A prober nobody asked about for this many intervals (and at least [`MIN_IDLE`]) stops.
const IDLE_INTERVALS: u32 = 10;
const MIN_IDLE: Duration = Duration::from_secs(60);

/// Limit for opening a probe connection when `connect_timeout` (or `monitoring-connect_timeout`)
/// gives none.
const CONNECT_LIMIT: Duration = Duration::from_secs(30);

/// Shortest wait for a probe's answer. A host slower than the interval is still measured (its
/// slowness is what the strategy needs to know); dropping its connection instead would leave it
/// unmeasured and reconnecting every interval.
const MIN_PROBE_LIMIT: Duration = Duration::from_secs(2);

/// What makes two selections share a prober: the instance, how it is reached and logged in
/// to, and the interval.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ProbeKey {
    pub host_key: String,
    /// Address pin, user, database, TLS and connect timeout, as one string.
    identity: String,
    /// Apart from `identity` so that it never reaches a log line.
    password: Option<String>,
    pub interval: Duration,
}

/// The last measured round trip per instance (`host:port`).
static MEASURED: LazyLock<Mutex<HashMap<String, Duration>>> = LazyLock::new(Default::default);

/// Every live prober.
static PROBERS: SharedMonitors<ProbeKey, Prober> = SharedMonitors::new();

/// One instance's prober.
pub struct Prober {
    key: ProbeKey,
    options: ConnectOptions,
    epoch: u64,
    stopped: AtomicBool,
    last_asked: Mutex<Instant>,
    task: Mutex<Option<tokio::task::AbortHandle>>,
}

impl SharedMonitor for Prober {
    fn is_live(&self) -> bool {
        if self.stopped.load(Ordering::Acquire) || self.epoch != runtime::epoch() {
            return false;
        }
        self.task.lock().as_ref().is_some_and(|t| !t.is_finished())
    }

    fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        if let Some(task) = self.task.lock().as_ref() {
            task.abort();
        }
    }
}

/// Makes sure the instance `options` reaches is being probed every `interval` (starting a
/// prober on first use). The prober returned is the caller's interest: a prober runs for as
/// long as someone holds it (a connection that may choose readers by response time), and for
/// [`IDLE_INTERVALS`] intervals (at least [`MIN_IDLE`]) after the last selection that asked.
pub fn watch(
    options: &ConnectOptions,
    settings: &Settings,
    interval: Duration,
) -> Option<Arc<Prober>> {
    let probe_options = match ConnectOptions::from_settings(&settings.for_monitoring()) {
        Ok(mut o) => {
            o.host.clone_from(&options.host);
            o.port = options.port;
            o.address = options.address;
            o.named_port = options.named_port;
            // ConnSettings sets up the application's session; a probe connection only probes.
            o.conn_settings = None;
            o
        }
        Err(e) => {
            tracing::warn!("fastest_response: cannot make the probe connection's options: {e}");
            return None;
        }
    };
    let key = ProbeKey {
        host_key: availability::host_key(&options.host, options.port),
        identity: format!(
            "{:?}|{}|{}|{:?}|{:?}|{:?}",
            probe_options.address,
            probe_options.user,
            probe_options.database,
            probe_options.ssl_mode,
            probe_options.ssl_root_cert,
            probe_options.connect_timeout
        ),
        password: probe_options.password.clone(),
        interval,
    };
    match PROBERS.obtain(&key, |k| start(k.clone(), probe_options)) {
        Ok(p) => {
            *p.last_asked.lock() = Instant::now();
            Some(p)
        }
        Err(e) => {
            tracing::warn!(host = %key.host_key, "fastest_response: cannot start the prober: {e}");
            None
        }
    }
}

/// Holders of a prober besides its interested connections: the registry and the prober's task.
const OWN_REFERENCES: usize = 2;

fn start(key: ProbeKey, options: ConnectOptions) -> EngineResult<Arc<Prober>> {
    let prober = Arc::new(Prober {
        key,
        options,
        epoch: runtime::epoch(),
        stopped: AtomicBool::new(false),
        last_asked: Mutex::new(Instant::now()),
        task: Mutex::new(None),
    });
    let task = runtime::spawn(run(prober.clone())).map_err(|e| {
        EngineError::internal(format!("cannot start the response-time prober: {e}"))
    })?;
    *prober.task.lock() = Some(task.abort_handle());
    tracing::debug!(host = %prober.key.host_key, "fastest_response: prober started");
    Ok(prober)
}

async fn run(prober: Arc<Prober>) {
    let interval = prober.key.interval;
    let idle_limit = interval.saturating_mul(IDLE_INTERVALS).max(MIN_IDLE);
    let mut session: Option<Session> = None;
    loop {
        let wanted = Arc::strong_count(&prober) > OWN_REFERENCES
            || prober.last_asked.lock().elapsed() <= idle_limit;
        if prober.stopped.load(Ordering::Acquire) || !wanted {
            break;
        }
        if session.is_none() {
            // No connection, no measurement: a host that stopped answering must not keep the
            // time it had while a new connection is being tried.
            forget_time(&prober.key.host_key);
            let limit = prober.options.connect_timeout.unwrap_or(CONNECT_LIMIT);
            match tokio::time::timeout(limit, Session::open(&prober.options)).await {
                Ok(Ok(s)) => session = Some(s),
                Ok(Err(e)) => {
                    tracing::debug!(host = %prober.key.host_key, "fastest_response: probe connection failed: {e}")
                }
                Err(_) => {
                    tracing::debug!(host = %prober.key.host_key, "fastest_response: probe connection timed out")
                }
            }
        }
        if let Some(s) = &session {
            let started = Instant::now();
            match s.probe(interval.max(MIN_PROBE_LIMIT)).await {
                Ok(()) => {
                    MEASURED
                        .lock()
                        .insert(prober.key.host_key.clone(), started.elapsed());
                }
                Err(e) => {
                    tracing::debug!(host = %prober.key.host_key, "fastest_response: probe failed: {e}");
                    forget_time(&prober.key.host_key);
                    session = None;
                }
            }
        }
        tokio::time::sleep(interval).await;
    }
    prober.stopped.store(true, Ordering::Release);
    PROBERS.forget(&prober.key, &prober);
    tracing::debug!(host = %prober.key.host_key, "fastest_response: prober stopped");
}

fn forget_time(host_key: &str) {
    MEASURED.lock().remove(host_key);
}

/// The last measured round trip of the instance at `host_key`, if one answered lately.
pub fn measured(host_key: &str) -> Option<Duration> {
    MEASURED.lock().get(host_key).copied()
}

/// The instance's rank for `fastest_response`: its round trip in microseconds; instances not
/// measured (yet, or failing) come last.
pub fn rank(host_key: &str) -> usize {
    measured(host_key).map_or(usize::MAX, |d| {
        usize::try_from(d.as_micros()).unwrap_or(usize::MAX - 1)
    })
}

/// How many probers are live (tests, diagnostics).
pub fn live_probers() -> usize {
    PROBERS.live()
}
