//! Shared background monitors: one registry type for every plugin that keeps a task per host,
//! endpoint or cluster rather than per connection.
//!
//! - **Keyed by behaviour.** A registry maps a key to a monitor, and the key holds everything
//!   that changes what the monitor does (where it connects, as whom, its timing). Two
//!   connections share a monitor only when they would have started the same one; settings that
//!   differ give another key and another monitor, never the first connection's behaviour.
//! - **Started on first use, shared after.** [`SharedMonitors::obtain`] returns the live
//!   monitor of a key or starts one.
//! - **Disposed when idle.** A monitor decides itself when it has been idle long enough, ends
//!   its task and takes itself out with [`SharedMonitors::forget`]; the next use starts another.
//! - **Stopped on release.** Every registry that ever started a monitor is listed here, and
//!   [`stop_all`] stops every monitor of all of them (`auroraodbc_release()`, last environment
//!   freed). Connections still open get fresh monitors on their next use.
//! - **Safe across fork.** A child process has none of the parent's runtime threads, so a
//!   monitor it inherited has no task. Monitors remember the runtime generation they started on
//!   ([`crate::engine::runtime::epoch`]) and report themselves not live under another; the
//!   registry then starts a fresh monitor in place of the stale entry.

use super::error::EngineResult;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, LazyLock, Once};

/// A monitor a registry can share.
pub trait SharedMonitor: Send + Sync + 'static {
    /// False once the monitor stopped (idle, released) or its task is gone (runtime shut down,
    /// forked child): such a monitor is replaced, never used.
    fn is_live(&self) -> bool;

    /// Stops the monitor's task without waiting for it.
    fn stop(&self);
}

/// The monitors of one kind, by key. Meant to be a `static` of the plugin that owns them.
pub struct SharedMonitors<K, M> {
    monitors: LazyLock<Mutex<HashMap<K, Arc<M>>>>,
    listed: Once,
}

fn empty_map<K, M>() -> Mutex<HashMap<K, Arc<M>>> {
    Mutex::new(HashMap::new())
}

impl<K, M> Default for SharedMonitors<K, M>
where
    K: Eq + Hash + Clone + Send + 'static,
    M: SharedMonitor,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<K, M> SharedMonitors<K, M>
where
    K: Eq + Hash + Clone + Send + 'static,
    M: SharedMonitor,
{
    pub const fn new() -> SharedMonitors<K, M> {
        SharedMonitors {
            monitors: LazyLock::new(empty_map::<K, M>),
            listed: Once::new(),
        }
    }

    /// The live monitor of `key`, or a new one made by `start` (which starts its task). The
    /// registry lock is held meanwhile, so two first uses of a key start one monitor.
    pub fn obtain(
        &'static self,
        key: &K,
        start: impl FnOnce(&K) -> EngineResult<Arc<M>>,
    ) -> EngineResult<Arc<M>> {
        let mut monitors = self.monitors.lock();
        if let Some(found) = monitors.get(key) {
            if found.is_live() {
                return Ok(found.clone());
            }
        }
        self.listed.call_once(|| REGISTRIES.lock().push(self));
        let monitor = start(key)?;
        monitors.insert(key.clone(), monitor.clone());
        Ok(monitor)
    }

    /// The live monitor of `key`, without starting one.
    pub fn existing(&self, key: &K) -> Option<Arc<M>> {
        self.monitors
            .lock()
            .get(key)
            .filter(|m| m.is_live())
            .cloned()
    }

    /// Takes `monitor` out when it is still the one registered under `key`: called by a monitor
    /// whose task ends, whichever way.
    pub fn forget(&self, key: &K, monitor: &Arc<M>) {
        let mut monitors = self.monitors.lock();
        if monitors.get(key).is_some_and(|m| Arc::ptr_eq(m, monitor)) {
            monitors.remove(key);
        }
    }

    /// How many monitors are live (tests, diagnostics).
    pub fn live(&self) -> usize {
        self.monitors
            .lock()
            .values()
            .filter(|m| m.is_live())
            .count()
    }

    /// The keys of the live monitors (tests, diagnostics).
    pub fn keys(&self) -> Vec<K> {
        self.monitors
            .lock()
            .iter()
            .filter(|(_, m)| m.is_live())
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Stops the monitor of `key`, if there is one.
    pub fn stop(&self, key: &K) {
        let found = self.monitors.lock().remove(key);
        if let Some(monitor) = found {
            monitor.stop();
        }
    }

    /// Stops every monitor of this registry. They are stopped outside the registry lock: a
    /// stopping monitor may call [`SharedMonitors::forget`].
    pub fn stop_all(&self) {
        let all: Vec<Arc<M>> = self.monitors.lock().drain().map(|(_, m)| m).collect();
        for monitor in all {
            monitor.stop();
        }
    }
}

/// A registry, whatever its key and monitor types, as [`stop_all`] sees it.
trait StopAll: Sync {
    fn stop_all(&self);
}

impl<K, M> StopAll for SharedMonitors<K, M>
where
    K: Eq + Hash + Clone + Send + 'static,
    M: SharedMonitor,
{
    fn stop_all(&self) {
        SharedMonitors::stop_all(self);
    }
}

/// Every registry that has started a monitor in this process.
static REGISTRIES: Mutex<Vec<&'static dyn StopAll>> = Mutex::new(Vec::new());

/// Stops every shared monitor of every registry.
pub fn stop_all() {
    let registries: Vec<&'static dyn StopAll> = REGISTRIES.lock().clone();
    for registry in registries {
        registry.stop_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// A monitor without a task: live until stopped.
    struct Probe {
        stopped: AtomicBool,
    }

    impl SharedMonitor for Probe {
        fn is_live(&self) -> bool {
            !self.stopped.load(Ordering::SeqCst)
        }

        fn stop(&self) {
            self.stopped.store(true, Ordering::SeqCst);
        }
    }

    static REGISTRY: SharedMonitors<(String, u64), Probe> = SharedMonitors::new();
    static STARTED: AtomicUsize = AtomicUsize::new(0);

    fn start(_key: &(String, u64)) -> EngineResult<Arc<Probe>> {
        STARTED.fetch_add(1, Ordering::SeqCst);
        Ok(Arc::new(Probe {
            stopped: AtomicBool::new(false),
        }))
    }

    fn key(name: &str, rate: u64) -> (String, u64) {
        (name.to_string(), rate)
    }

    #[test]
    fn one_monitor_per_key_replaced_once_stopped() {
        let a = key("shared", 100);
        let first = REGISTRY.obtain(&a, start).expect("start");
        let again = REGISTRY.obtain(&a, start).expect("found");
        assert!(Arc::ptr_eq(&first, &again));
        // Anything in the key that differs gives another monitor.
        let other = REGISTRY.obtain(&key("shared", 200), start).expect("start");
        assert!(!Arc::ptr_eq(&first, &other));
        // A monitor that stopped by itself (idle, or its runtime is gone) is replaced.
        first.stop();
        assert!(REGISTRY.existing(&a).is_none());
        let fresh = REGISTRY.obtain(&a, start).expect("restart");
        assert!(!Arc::ptr_eq(&first, &fresh));
        // A monitor that ends takes itself out, but only itself.
        REGISTRY.forget(&a, &first);
        assert!(REGISTRY
            .existing(&a)
            .is_some_and(|m| Arc::ptr_eq(&m, &fresh)));
        REGISTRY.forget(&a, &fresh);
        assert!(REGISTRY.existing(&a).is_none());
    }

    #[test]
    fn a_registry_that_started_a_monitor_is_released_with_the_others() {
        let m = REGISTRY.obtain(&key("released", 1), start).expect("start");
        // Listed for the driver-wide release (not called here: it would stop the monitors of
        // tests running alongside).
        let listed = REGISTRIES.lock().iter().any(|r| {
            std::ptr::addr_eq(
                *r as *const dyn StopAll,
                &REGISTRY as *const SharedMonitors<_, _>,
            )
        });
        assert!(listed);
        REGISTRY.stop_all();
        assert!(!m.is_live());
        assert!(REGISTRY.existing(&key("released", 1)).is_none());
        // The next use starts a new one.
        let before = STARTED.load(Ordering::SeqCst);
        let again = REGISTRY.obtain(&key("released", 1), start).expect("start");
        assert!(again.is_live());
        assert!(STARTED.load(Ordering::SeqCst) > before);
    }
}
