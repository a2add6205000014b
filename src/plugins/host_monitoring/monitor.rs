//! The shared monitors of host monitoring.
//!
//! One [`Monitor`] per (host, monitoring settings), shared by every connection to that host. It
//! is an async task on the engine runtime holding one monitoring connection. Calls register a
//! watch (start time + a [`SessionKiller`]) for their duration; once a watch has run for the
//! detection time the monitor probes the host, and when the host stays silent for
//! `count x interval` every eligible watched connection is cut.
//!
//! The monitors are shared through the engine's [`SharedMonitors`] registry, keyed by
//! [`MonitorKey`]; a monitor disposes of itself after `monitor_disposal_time_ms` without watches.
//!
//! Bookkeeping is a slab with a free list under one short lock: registering and removing a
//! watch is O(1) and allocates nothing once the slab has grown to the peak number of calls in
//! flight. The monitor scans the slab only when it wakes (a few times a second at most).

use crate::engine::availability::{self, Availability};
use crate::engine::error::{EngineError, EngineResult};
use crate::engine::hostname::{self, RdsHostKind};
use crate::engine::runtime;
use crate::engine::session::{ConnectOptions, Session, SessionKiller};
use crate::engine::shared_monitors::{SharedMonitor, SharedMonitors};
use futures_util::FutureExt;
use parking_lot::Mutex;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// The longest gap between two probes of a host that has eligible watches. The seed's model
/// (a probe every interval) can notice an outage that starts just after an answered probe only
/// an interval later; probing at least this often keeps detection within the bound of
/// plugins.md (`max(t0 + time, t1) + interval x count + 500 ms`).
pub const MAX_PROBE_STEP: Duration = Duration::from_millis(250);

/// The timing settings of one monitor (part of its key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Timing {
    /// How long a call runs before it is watched (`failure_detection_time_ms`).
    pub detection_time: Duration,
    /// Probe period and each probe's own limit (`failure_detection_interval_ms`).
    pub interval: Duration,
    /// Unanswered intervals in a row that make the host unhealthy (`failure_detection_count`).
    pub count: u32,
    /// Idle time after which the monitor stops (`monitor_disposal_time_ms`).
    pub disposal: Duration,
}

impl Timing {
    /// How long the host may stay silent under probing before it is unhealthy.
    pub fn silence_limit(&self) -> Duration {
        self.interval.saturating_mul(self.count.max(1))
    }

    /// The gap between probes while the host answers.
    pub fn step(&self) -> Duration {
        self.interval.min(MAX_PROBE_STEP)
    }
}

/// What makes two connections share a monitor: the same host and port, the same way of
/// reaching and logging in to it, and the same timing.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MonitorKey {
    pub host_key: String,
    /// Address pin, user, database, application name, TLS and connect timeout of the
    /// monitoring connection, as one string.
    pub identity: String,
    /// Kept apart from `identity` so that it never reaches a log line.
    pub password: Option<String>,
    pub timing: Timing,
}

impl MonitorKey {
    /// The key for a monitoring connection opened with `options`.
    pub fn new(options: &ConnectOptions, timing: Timing) -> MonitorKey {
        MonitorKey {
            host_key: availability::host_key(&options.host, options.port),
            identity: format!(
                "{:?}|{}|{}|{}|{:?}|{:?}|{:?}",
                options.address,
                options.user,
                options.database,
                options.application_name,
                options.ssl_mode,
                options.ssl_root_cert,
                options.connect_timeout
            ),
            password: options.password.clone(),
            timing,
        }
    }
}

/// One watched call.
struct Watch {
    started: Instant,
    killer: SessionKiller,
    /// Already aborted: not aborted again, and no longer a reason to probe.
    killed: bool,
}

/// The watches of one monitor and its life state, under one lock.
struct State {
    slots: Vec<Option<Watch>>,
    free: Vec<usize>,
    active: usize,
    /// When the last watch went away (or the monitor was created).
    idle_since: Instant,
    /// When the sleeping monitor means to wake; a new watch eligible earlier wakes it.
    planned_wake: Option<Instant>,
    stopped: bool,
}

/// What the monitor does next.
enum Plan {
    Stop,
    /// Nothing to probe until then; `watched` says whether calls are registered.
    Idle {
        until: Instant,
        watched: bool,
    },
    Probe,
}

/// A host's monitor. Shared (`Arc`) by the registry, the plugin instances that cached it and the
/// guards of watched calls.
pub struct Monitor {
    /// The runtime generation the monitor's task runs on.
    epoch: u64,
    key: MonitorKey,
    options: ConnectOptions,
    timing: Timing,
    /// The error every aborted call reports.
    abort_error: EngineError,
    state: Mutex<State>,
    wake: Notify,
    task: Mutex<Option<tokio::task::AbortHandle>>,
}

/// Removes its call's watch when the call ends, whichever way it ends (error, panic).
pub struct WatchGuard {
    monitor: Arc<Monitor>,
    index: usize,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        self.monitor.unwatch(self.index);
    }
}

/// Every live host monitor, by key.
pub static MONITORS: SharedMonitors<MonitorKey, Monitor> = SharedMonitors::new();

/// The live monitor for `key`, starting one (and its task) when there is none.
pub fn monitor_for(key: MonitorKey, options: ConnectOptions) -> EngineResult<Arc<Monitor>> {
    MONITORS.obtain(&key, |key| start(key.clone(), options))
}

fn start(key: MonitorKey, options: ConnectOptions) -> EngineResult<Arc<Monitor>> {
    if hostname::classify(&options.host).kind == RdsHostKind::Proxy {
        tracing::warn!(
            host = %options.host,
            "host monitoring is watching an RDS Proxy endpoint: it cannot tell which instance is behind the proxy, \
             so it only notices when the proxy itself stops answering; consider plugins without host_monitoring \
             or an instance/cluster endpoint"
        );
    }
    let monitor = Arc::new(Monitor::new(key, options));
    let task = runtime::spawn(supervise(monitor.clone()))
        .map_err(|e| EngineError::internal(format!("cannot start the host monitor: {e}")))?;
    *monitor.task.lock() = Some(task.abort_handle());
    tracing::debug!(host = %monitor.key.host_key, "host monitor started");
    Ok(monitor)
}

/// How many monitors are live (tests, diagnostics).
pub fn live_monitors() -> usize {
    MONITORS.live()
}

impl SharedMonitor for Monitor {
    fn is_live(&self) -> bool {
        Monitor::is_live(self)
    }

    fn stop(&self) {
        Monitor::stop(self);
    }
}

impl Monitor {
    fn new(key: MonitorKey, options: ConnectOptions) -> Monitor {
        let place = match options.address {
            Some(addr) => addr.to_string(),
            None => format!("{}:{}", options.host, options.port),
        };
        let abort_error = EngineError::communication(format!(
            "host {} ({place}) was found unavailable by host monitoring; the connection was aborted",
            options.host
        ));
        Monitor {
            epoch: runtime::epoch(),
            timing: key.timing,
            key,
            options,
            abort_error,
            state: Mutex::new(State {
                slots: Vec::new(),
                free: Vec::new(),
                active: 0,
                idle_since: Instant::now(),
                planned_wake: None,
                stopped: false,
            }),
            wake: Notify::new(),
            task: Mutex::new(None),
        }
    }

    pub fn host_key(&self) -> &str {
        &self.key.host_key
    }

    /// False once the monitor stopped (disposed, released) or its task is gone (the runtime
    /// was shut down): such a monitor must be replaced, never used.
    pub fn is_live(&self) -> bool {
        // A monitor of an earlier runtime (the parent's, before a fork) has no task any more.
        if self.state.lock().stopped || self.epoch != runtime::epoch() {
            return false;
        }
        self.task.lock().as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Watches a call from now until the guard is dropped; `None` when the monitor has stopped
    /// (the caller then asks the registry for a live one).
    pub fn watch(self: &Arc<Self>, killer: SessionKiller) -> Option<WatchGuard> {
        let started = Instant::now();
        let watch = Watch {
            started,
            killer,
            killed: false,
        };
        let mut st = self.state.lock();
        if st.stopped {
            return None;
        }
        let index = match st.free.pop() {
            Some(i) => {
                st.slots[i] = Some(watch);
                i
            }
            None => {
                st.slots.push(Some(watch));
                st.slots.len() - 1
            }
        };
        st.active += 1;
        let wake = st
            .planned_wake
            .is_some_and(|p| started + self.timing.detection_time < p);
        if wake {
            st.planned_wake = None;
        }
        drop(st);
        if wake {
            self.wake.notify_one();
        }
        Some(WatchGuard {
            monitor: self.clone(),
            index,
        })
    }

    fn unwatch(&self, index: usize) {
        let mut st = self.state.lock();
        let taken = st.slots.get_mut(index).and_then(Option::take);
        if taken.is_some() {
            st.free.push(index);
            st.active -= 1;
            if st.active == 0 {
                st.idle_since = Instant::now();
                // Give memory back after a burst; the common case keeps its small slab.
                if st.slots.len() > 1024 {
                    st.slots = Vec::new();
                    st.free = Vec::new();
                }
            }
        }
        drop(st);
        // The killer (an Arc and an abort handle) is released outside the lock.
        drop(taken);
    }

    /// Stops the task and with it the monitoring connection.
    fn stop(&self) {
        self.state.lock().stopped = true;
        if let Some(task) = self.task.lock().as_ref() {
            task.abort();
        }
        self.wake.notify_one();
    }

    /// Decides what to do at `now`; marks the monitor stopped when it has been idle for the
    /// disposal time (under the lock, so no watch can slip into a stopped monitor).
    fn plan(&self, now: Instant) -> Plan {
        let mut st = self.state.lock();
        if st.stopped {
            return Plan::Stop;
        }
        if st.active == 0 {
            let until = st.idle_since + self.timing.disposal;
            if now >= until {
                st.stopped = true;
                return Plan::Stop;
            }
            st.planned_wake = Some(until);
            return Plan::Idle {
                until,
                watched: false,
            };
        }
        let earliest = st
            .slots
            .iter()
            .flatten()
            .filter(|w| !w.killed)
            .map(|w| w.started)
            .min();
        match earliest {
            Some(started) if started + self.timing.detection_time <= now => {
                st.planned_wake = None;
                Plan::Probe
            }
            Some(started) => {
                let until = started + self.timing.detection_time;
                st.planned_wake = Some(until);
                Plan::Idle {
                    until,
                    watched: true,
                }
            }
            None => {
                // Every watched call was aborted already; their calls are returning.
                let until = now + self.timing.step();
                st.planned_wake = Some(until);
                Plan::Idle {
                    until,
                    watched: true,
                }
            }
        }
    }

    /// Aborts every watched call that has run for the detection time; returns how many.
    fn abort_eligible(&self, now: Instant) -> usize {
        let mut st = self.state.lock();
        let mut n = 0;
        for w in st.slots.iter_mut().flatten() {
            if !w.killed && w.started + self.timing.detection_time <= now {
                w.killer.kill(self.abort_error.clone());
                w.killed = true;
                n += 1;
            }
        }
        n
    }

    /// One probe: on the open monitoring connection, or on a new one when there is none or it
    /// broke (a reconnect that answers counts as an answer).
    async fn attempt(&self, link: &mut Option<Session>) -> EngineResult<()> {
        if let Some(session) = link.as_ref() {
            if !session.is_broken() && session.probe(self.timing.interval).await.is_ok() {
                return Ok(());
            }
        }
        drop_link(link);
        let session = Session::open(&self.options).await?;
        session.probe(self.timing.interval).await?;
        *link = Some(session);
        Ok(())
    }

    /// The monitor's loop; returns when the monitor stops.
    async fn run(&self) {
        let t = self.timing;
        let mut link: Option<Session> = None;
        // Send time of the first probe left unanswered since the last answer.
        let mut silent_since: Option<Instant> = None;
        // Whether this monitor marked the host unavailable (cleared when it answers again).
        let mut declared = false;
        // Open the monitoring connection ahead of the first probe, once per idle period.
        let mut may_preopen = true;
        loop {
            let now = Instant::now();
            match self.plan(now) {
                Plan::Stop => break,
                Plan::Idle { until, watched } => {
                    silent_since = None;
                    if watched && may_preopen && link.as_ref().is_none_or(Session::is_broken) {
                        may_preopen = false;
                        drop_link(&mut link);
                        if let Ok(Ok(s)) =
                            tokio::time::timeout_at(until.into(), Session::open(&self.options))
                                .await
                        {
                            link = Some(s);
                        }
                        continue;
                    }
                    tokio::select! {
                        _ = tokio::time::sleep_until(until.into()) => {}
                        _ = self.wake.notified() => {}
                    }
                }
                Plan::Probe => {
                    may_preopen = true;
                    let sent = Instant::now();
                    let since = silent_since.unwrap_or(sent);
                    let verdict_at = since + t.silence_limit();
                    let mut deadline = sent + t.interval;
                    if !declared {
                        deadline = deadline.min(verdict_at);
                    }
                    let answered = matches!(
                        tokio::time::timeout_at(deadline.into(), self.attempt(&mut link)).await,
                        Ok(Ok(()))
                    );
                    if answered {
                        silent_since = None;
                        if declared {
                            declared = false;
                            availability::mark(&self.key.host_key, Availability::Available);
                            tracing::info!(host = %self.key.host_key, "host answers host monitoring again");
                        }
                        tokio::time::sleep_until((sent + t.step()).into()).await;
                        continue;
                    }
                    drop_link(&mut link);
                    silent_since = Some(since);
                    let now = Instant::now();
                    if now >= verdict_at {
                        if !declared {
                            declared = true;
                            availability::mark(&self.key.host_key, Availability::Unavailable);
                        }
                        let n = self.abort_eligible(now);
                        if n > 0 {
                            tracing::warn!(
                                host = %self.key.host_key,
                                silent_ms = u64::try_from(now.duration_since(since).as_millis()).unwrap_or(u64::MAX),
                                aborted = n,
                                "host found unavailable by host monitoring; watched connections aborted"
                            );
                        }
                    }
                    // A fast failure (refused) must not turn into a tight loop, nor delay the
                    // verdict past its time.
                    let mut next = sent + t.step();
                    if !declared {
                        next = next.min(verdict_at);
                    }
                    tokio::time::sleep_until(next.into()).await;
                }
            }
        }
        drop_link(&mut link);
    }
}

/// Drops the monitoring connection. Its socket is cut at once: a polite goodbye could wait
/// forever on a host that no longer answers (a timed-out probe is still pending on it), and
/// the server ends the backend on the closed socket just as fast.
fn drop_link(link: &mut Option<Session>) {
    if let Some(session) = link.take() {
        session
            .killer()
            .kill(EngineError::communication("monitoring connection dropped"));
    }
}

/// Marks the monitor stopped and takes it out of the registry when its task ends, whichever
/// way (stop, abort, runtime shutdown).
struct ExitMark(Arc<Monitor>);

impl Drop for ExitMark {
    fn drop(&mut self) {
        self.0.state.lock().stopped = true;
        MONITORS.forget(&self.0.key, &self.0);
    }
}

/// Runs the monitor and restarts its loop after a panic, so that no call is left unwatched
/// because of one unexpected error.
async fn supervise(monitor: Arc<Monitor>) {
    let _exit = ExitMark(monitor.clone());
    loop {
        match AssertUnwindSafe(monitor.run()).catch_unwind().await {
            Ok(()) => break,
            Err(_) => {
                tracing::error!(host = %monitor.key.host_key, "host monitor hit an unexpected error; restarting it");
                tokio::time::sleep(monitor.timing.step()).await;
            }
        }
    }
    tracing::debug!(host = %monitor.key.host_key, "host monitor stopped");
}
