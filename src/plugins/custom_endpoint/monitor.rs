//! One monitor per custom endpoint, shared by every connection that uses it: an async task on
//! the engine runtime that reads the endpoint's members from the RDS API every refresh period
//! and keeps the latest answer for connections to read without waiting.
//!
//! Application threads never call the RDS API themselves: they read the monitor's current
//! info, or wait (bounded) for the first answer, waking the monitor so it asks at once.

use super::rds::{ApiError, ApiErrorKind, ApiTarget, BoxFuture, EndpointInfo, RdsApi};
use crate::engine::error::{EngineError, EngineResult};
use crate::engine::runtime;
use crate::engine::shared_monitors::{SharedMonitor, SharedMonitors};
use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// After an access error (401/403, expired or missing credentials) the monitor waits this long:
/// someone has to change a policy or the credentials, and failing calls every period would
/// only fill the account's CloudTrail and throttling budget.
pub const DENIED_PAUSE: Duration = Duration::from_secs(300);

/// A waiting caller may make the monitor ask before its period is up, but never sooner than
/// this after the previous call, so many waiters cannot turn into a tight loop of calls.
const EARLY_REFRESH_GAP: Duration = Duration::from_secs(1);

/// What identifies a monitor: the endpoint, where its API is (region, API URL, profile) and its
/// timing. Connections that ask for another refresh rate get their own monitor, at their rate.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MonitorKey {
    pub endpoint_id: String,
    pub target: ApiTarget,
    pub config: MonitorConfig,
}

/// Timing of one monitor, from the settings of the connections that share it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MonitorConfig {
    pub refresh: Duration,
    /// Ceiling of the period while the API throttles.
    pub max_refresh: Duration,
    pub backoff_factor: u32,
    /// A monitor unused for this long stops (each use restarts the clock).
    pub idle_expiry: Duration,
}

impl MonitorConfig {
    /// The period after a call: throttling multiplies it by the factor up to the ceiling, a
    /// success divides it back down to the configured rate, anything else leaves it.
    pub fn next_period(&self, current: Duration, outcome: Outcome) -> Duration {
        let factor = self.backoff_factor.max(1);
        let ceiling = self.max_refresh.max(self.refresh);
        match outcome {
            Outcome::Throttled => current
                .saturating_mul(factor)
                .min(ceiling)
                .max(self.refresh),
            Outcome::Success => (current / factor).max(self.refresh),
            Outcome::Denied | Outcome::Failed => current,
        }
    }

    /// How long until the next call after `outcome`, with the period already updated.
    pub fn delay_after(&self, period: Duration, outcome: Outcome) -> Duration {
        match outcome {
            Outcome::Denied => DENIED_PAUSE,
            _ => period,
        }
    }

    /// The shortest spacing of a call asked for by a waiting caller.
    fn early_gap(&self) -> Duration {
        self.refresh.min(EARLY_REFRESH_GAP)
    }
}

/// How one refresh went, as far as timing is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Throttled,
    Denied,
    /// Network errors, unexpected answers (not exactly one endpoint), other service errors.
    Failed,
}

impl Outcome {
    fn of(kind: ApiErrorKind) -> Outcome {
        match kind {
            ApiErrorKind::Throttling => Outcome::Throttled,
            ApiErrorKind::Denied => Outcome::Denied,
            ApiErrorKind::Network | ApiErrorKind::Other => Outcome::Failed,
        }
    }
}

/// Builds the API client when a monitor starts (the SDK in the driver, a fake in unit tests).
pub type ApiMaker = Arc<dyn Fn(ApiTarget) -> BoxFuture<'static, Arc<dyn RdsApi>> + Send + Sync>;

/// The real RDS API through aws-sdk-rds.
pub fn sdk_maker() -> ApiMaker {
    Arc::new(|target: ApiTarget| -> BoxFuture<'static, Arc<dyn RdsApi>> {
        Box::pin(async move { Arc::new(super::rds::SdkRds::new(&target).await) as Arc<dyn RdsApi> })
    })
}

#[derive(Default)]
struct State {
    info: Option<Arc<EndpointInfo>>,
    last_error: Option<ApiError>,
    /// When the call now in flight started, if one is.
    in_flight_since: Option<Instant>,
    /// Until when the monitor pauses after an access error.
    paused_until: Option<Instant>,
    stopped: bool,
}

/// Why a wait for endpoint info ended without info.
#[derive(Debug, Clone)]
pub struct WaitFailure {
    pub waited: Duration,
    pub last_error: Option<ApiError>,
    /// How long the call in flight (if any) had been waiting for an answer.
    pub in_flight: Option<Duration>,
    /// How long the monitor still pauses after an access error.
    pub paused_for: Option<Duration>,
    /// The monitor was stopped while the caller waited (driver released).
    pub stopped: bool,
}

impl WaitFailure {
    /// A message naming the endpoint, the time waited and what the API last said.
    pub fn describe(&self, endpoint: &str) -> String {
        let mut text = format!(
            "no member information for custom endpoint '{endpoint}' from the RDS API after waiting {} ms",
            self.waited.as_millis()
        );
        if self.stopped {
            text.push_str("; the endpoint's monitor was stopped (driver resources released)");
        }
        match &self.last_error {
            Some(e) => text.push_str(&format!("; last RDS API error: {e}")),
            None => text.push_str("; no RDS API error so far"),
        }
        if let Some(d) = self.in_flight {
            text.push_str(&format!(
                "; a DescribeDBClusterEndpoints call has been waiting {} ms for an answer",
                d.as_millis()
            ));
        }
        if let Some(d) = self.paused_for {
            text.push_str(&format!("; the monitor retries in {} s", d.as_secs()));
        }
        text
    }
}

/// One endpoint's monitor.
pub struct Monitor {
    /// The runtime generation the monitor's task runs on.
    epoch: u64,
    key: MonitorKey,
    config: MonitorConfig,
    state: Mutex<State>,
    /// Signalled (with `state` held) whenever the monitor records an answer or stops.
    changed: Condvar,
    /// Waiting callers ask for an early refresh here.
    wake: Notify,
    stop_requested: AtomicBool,
    stop: Notify,
    last_used: Mutex<Instant>,
    /// Callers blocked in [`Monitor::wait_for_info`]: a monitor with waiters is in use and
    /// never expires, however short the idle expiry.
    waiters: AtomicUsize,
    /// Tells the task a waiter left, so idle expiry counts from then.
    waiter_left: Notify,
    task: Mutex<Option<tokio::task::AbortHandle>>,
}

impl Monitor {
    fn new(key: MonitorKey) -> Monitor {
        Monitor {
            epoch: runtime::epoch(),
            config: key.config,
            key,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            wake: Notify::new(),
            stop_requested: AtomicBool::new(false),
            stop: Notify::new(),
            last_used: Mutex::new(Instant::now()),
            waiters: AtomicUsize::new(0),
            waiter_left: Notify::new(),
            task: Mutex::new(None),
        }
    }

    pub fn key(&self) -> &MonitorKey {
        &self.key
    }

    pub fn config(&self) -> MonitorConfig {
        self.config
    }

    /// Marks the monitor used now: idle expiry counts from the last use.
    pub fn touch(&self) {
        *self.last_used.lock() = Instant::now();
    }

    /// The latest info, if any (a use: extends the monitor's life).
    pub fn current(&self) -> Option<Arc<EndpointInfo>> {
        self.touch();
        self.state.lock().info.clone()
    }

    /// The last API error, if the last call failed.
    pub fn last_error(&self) -> Option<ApiError> {
        self.state.lock().last_error.clone()
    }

    pub fn is_stopped(&self) -> bool {
        // A monitor of an earlier runtime (the parent's, before a fork) has no task any more.
        self.state.lock().stopped || self.epoch != runtime::epoch()
    }

    /// Blocks the calling (application) thread until the monitor has info, at most `limit`.
    /// Without info yet, the monitor is asked to refresh at once.
    pub fn wait_for_info(&self, limit: Duration) -> Result<Arc<EndpointInfo>, WaitFailure> {
        self.touch();
        let start = Instant::now();
        let deadline = start + limit;
        let _waiting = WaiterGuard::new(self);
        let mut st = self.state.lock();
        if let Some(info) = &st.info {
            return Ok(info.clone());
        }
        self.wake.notify_one();
        while !st.stopped {
            if self.changed.wait_until(&mut st, deadline).timed_out() {
                break;
            }
            if let Some(info) = &st.info {
                return Ok(info.clone());
            }
        }
        if let Some(info) = &st.info {
            return Ok(info.clone());
        }
        let now = Instant::now();
        Err(WaitFailure {
            waited: now.duration_since(start),
            last_error: st.last_error.clone(),
            in_flight: st.in_flight_since.map(|t| now.duration_since(t)),
            paused_for: st.paused_until.and_then(|t| t.checked_duration_since(now)),
            stopped: st.stopped,
        })
    }

    /// Asks the task to end and cuts it at once.
    fn request_stop(&self) {
        self.stop_requested.store(true, Ordering::SeqCst);
        self.stop.notify_one();
        if let Some(task) = self.task.lock().take() {
            task.abort();
        }
        self.mark_stopped();
    }

    fn mark_stopped(&self) {
        let mut st = self.state.lock();
        st.stopped = true;
        st.in_flight_since = None;
        self.changed.notify_all();
    }

    /// One call to the API; records the answer and tells waiters. Returns the outcome.
    async fn refresh_once(&self, api: &dyn RdsApi) -> Outcome {
        self.state.lock().in_flight_since = Some(Instant::now());
        let answer = api.describe_custom_endpoint(&self.key.endpoint_id).await;
        let mut st = self.state.lock();
        st.in_flight_since = None;
        let outcome = match answer {
            Ok(mut list) if list.len() == 1 => {
                let info = list.remove(0);
                if st.info.as_deref() != Some(&info) {
                    tracing::info!(endpoint = %self.key.endpoint_id, ?info, "custom endpoint members");
                }
                st.info = Some(Arc::new(info));
                st.last_error = None;
                st.paused_until = None;
                Outcome::Success
            }
            Ok(list) => {
                let message = format!(
                    "DescribeDBClusterEndpoints returned {} custom endpoints named '{}' where exactly one was expected",
                    list.len(),
                    self.key.endpoint_id
                );
                tracing::warn!(endpoint = %self.key.endpoint_id, "{message}; retrying next period");
                st.last_error = Some(ApiError::new(ApiErrorKind::Other, message));
                Outcome::Failed
            }
            Err(e) => {
                let outcome = Outcome::of(e.kind);
                match outcome {
                    Outcome::Denied => {
                        tracing::warn!(endpoint = %self.key.endpoint_id, error = %e, "RDS API refused the call; pausing {} s", DENIED_PAUSE.as_secs());
                        st.paused_until = Some(Instant::now() + DENIED_PAUSE);
                    }
                    _ => {
                        tracing::debug!(endpoint = %self.key.endpoint_id, error = %e, "RDS API call failed")
                    }
                }
                st.last_error = Some(e);
                outcome
            }
        };
        self.changed.notify_all();
        outcome
    }
}

/// Counts a waiting caller for as long as it waits; its leaving is a use.
struct WaiterGuard<'a>(&'a Monitor);

impl<'a> WaiterGuard<'a> {
    fn new(monitor: &'a Monitor) -> WaiterGuard<'a> {
        monitor.waiters.fetch_add(1, Ordering::SeqCst);
        WaiterGuard(monitor)
    }
}

impl Drop for WaiterGuard<'_> {
    fn drop(&mut self) {
        self.0.touch();
        self.0.waiters.fetch_sub(1, Ordering::SeqCst);
        self.0.waiter_left.notify_one();
    }
}

/// Marks the monitor stopped and forgets it however its task ends: normally, by idle expiry,
/// by abort, or because the runtime was shut down and dropped the task.
struct StopGuard(Arc<Monitor>);

impl Drop for StopGuard {
    fn drop(&mut self) {
        self.0.mark_stopped();
        MONITORS.forget(&self.0.key, &self.0);
    }
}

async fn run(monitor: Arc<Monitor>, maker: ApiMaker) {
    let _guard = StopGuard(monitor.clone());
    let config = monitor.config;
    let api = maker(monitor.key.target.clone()).await;
    let mut period = config.refresh;
    let mut next_attempt = Instant::now();
    let mut last_attempt: Option<Instant> = None;
    // While throttled or denied, waiting callers do not bring calls forward.
    let mut hold_back = false;
    loop {
        if monitor.stop_requested.load(Ordering::SeqCst) {
            return;
        }
        let now = Instant::now();
        // No expiry while callers wait. The first call always happens, so a caller that
        // started the monitor gets an answer.
        let idle_deadline = (last_attempt.is_some() && monitor.waiters.load(Ordering::SeqCst) == 0)
            .then(|| *monitor.last_used.lock() + config.idle_expiry);
        if idle_deadline.is_some_and(|d| now >= d) {
            tracing::debug!(endpoint = %monitor.key.endpoint_id, "custom endpoint monitor idle; stopping");
            return;
        }
        if now >= next_attempt {
            last_attempt = Some(now);
            let outcome = monitor.refresh_once(api.as_ref()).await;
            period = config.next_period(period, outcome);
            hold_back =
                matches!(outcome, Outcome::Throttled | Outcome::Denied) || period > config.refresh;
            next_attempt = Instant::now() + config.delay_after(period, outcome);
            continue;
        }
        let until = idle_deadline.map_or(next_attempt, |d| next_attempt.min(d));
        tokio::select! {
            _ = tokio::time::sleep_until(until.into()) => {}
            _ = monitor.wake.notified() => {
                if !hold_back {
                    let earliest = last_attempt.map_or(now, |t| t + config.early_gap());
                    next_attempt = next_attempt.min(earliest.max(Instant::now()));
                }
            }
            _ = monitor.waiter_left.notified() => {}
            _ = monitor.stop.notified() => return,
        }
    }
}

/// Every running custom endpoint monitor, by key.
pub static MONITORS: SharedMonitors<MonitorKey, Monitor> = SharedMonitors::new();

impl SharedMonitor for Monitor {
    fn is_live(&self) -> bool {
        !self.is_stopped()
    }

    fn stop(&self) {
        self.request_stop();
    }
}

/// The running monitor of `key`, or a new one. A use: extends the monitor's life.
pub fn obtain(key: &MonitorKey, maker: &ApiMaker) -> EngineResult<Arc<Monitor>> {
    let monitor = MONITORS.obtain(key, |key| {
        let monitor = Arc::new(Monitor::new(key.clone()));
        let task = runtime::spawn(run(monitor.clone(), maker.clone())).map_err(|e| {
            EngineError::connect(format!("cannot start the custom endpoint monitor: {e}"))
        })?;
        *monitor.task.lock() = Some(task.abort_handle());
        tracing::debug!(endpoint = %key.endpoint_id, region = %key.target.region, "custom endpoint monitor started");
        Ok(monitor)
    })?;
    monitor.touch();
    Ok(monitor)
}

/// The running monitor of `key`, without starting one.
pub fn existing(key: &MonitorKey) -> Option<Arc<Monitor>> {
    MONITORS.existing(key)
}

/// How many monitors run (tests, diagnostics).
pub fn running() -> usize {
    MONITORS.live()
}

/// The keys of the running monitors (tests, diagnostics).
pub fn keys() -> Vec<MonitorKey> {
    MONITORS.keys()
}

/// Stops the monitor of `key`, if one runs.
pub fn stop(key: &MonitorKey) {
    MONITORS.stop(key);
}

/// Stops every monitor and drops its API client.
pub fn stop_all() {
    MONITORS.stop_all();
}
