//! Host monitoring (enhanced failure monitoring), plugin code `host_monitoring`.
//!
//! Every network-bound call registers a watch with its host's shared [`monitor::Monitor`] and
//! removes it when the call returns. When the monitor finds the host unhealthy it cuts the
//! connection's socket, so a call blocked on a dead host returns at once with 08S01 naming the
//! host. The per-call cost is two short uncontended locks and two reference-count changes: the
//! monitor handle is looked up once per physical connection and cached here.

pub mod monitor;
pub mod settings;

#[cfg(test)]
mod tests;

use crate::engine::error::EngineResult;
use crate::engine::pipeline::{CallKind, EngineConnection, Plugin};
use crate::engine::plugin_registry::PluginSpec;
use crate::engine::session::ConnectOptions;
use crate::engine::settings::Settings;
use monitor::{Monitor, MonitorKey, Timing, WatchGuard};
use settings::Key;
use parking_lot::Mutex;
use std::sync::Arc;

/// The code users write in `plugins`.
pub const CODE: &str = "host_monitoring";

/// Builds the plugin; declines (no plugin) when `failure_detection_enabled` is off.
pub fn factory(settings: &Arc<Settings>) -> EngineResult<Option<Box<dyn Plugin>>> {
    if !settings.get_bool(Key::FailureDetectionEnabled) {
        return Ok(None);
    }
    Ok(Some(Box::new(HostMonitoringPlugin::new(settings.clone()))))
}

/// The plugin as the engine's registry sees it. Innermost: it watches the very call the
/// outer plugins (failover) wrap.
pub const SPEC: PluginSpec = PluginSpec {
    code: CODE,
    weight: 300,
    default_chain: true,
    factory,
    keys: Some(&settings::SECTION),
    release: None,
    credentials: None,
    rds_auth_type: None,
};

/// The timing settings of a connection.
pub fn timing(settings: &Settings) -> Timing {
    Timing {
        detection_time: settings.get_duration(Key::FailureDetectionTimeMs),
        interval: settings.get_duration(Key::FailureDetectionIntervalMs),
        count: u32::try_from(settings.get_u64(Key::FailureDetectionCount)).unwrap_or(u32::MAX),
        disposal: settings.get_duration(Key::MonitorDisposalTimeMs),
    }
}

/// The plugin instance of one connection.
pub struct HostMonitoringPlugin {
    settings: Arc<Settings>,
    timing: Timing,
    /// The monitor of the current session, with the session generation it belongs to.
    cached: Mutex<Option<(u64, Arc<Monitor>)>>,
}

impl HostMonitoringPlugin {
    pub fn new(settings: Arc<Settings>) -> HostMonitoringPlugin {
        let timing = timing(&settings);
        HostMonitoringPlugin {
            settings,
            timing,
            cached: Mutex::new(None),
        }
    }

    /// The options of the monitoring connection for `conn`'s host: the `monitoring-` settings,
    /// aimed where the session actually is (which may differ from `Server` after a replacement).
    fn monitoring_options(&self, conn: &EngineConnection) -> EngineResult<ConnectOptions> {
        let mut opts = ConnectOptions::from_settings(&self.settings.for_monitoring())?;
        opts.host.clone_from(&conn.options.host);
        opts.port = conn.options.port;
        opts.address = conn.options.address;
        // ConnSettings sets up the application's session; a monitoring connection only probes.
        opts.conn_settings = None;
        Ok(opts)
    }

    fn monitor(&self, conn: &EngineConnection) -> EngineResult<Arc<Monitor>> {
        let mut cached = self.cached.lock();
        if let Some((generation, m)) = cached.as_ref() {
            if *generation == conn.generation {
                return Ok(m.clone());
            }
        }
        let opts = self.monitoring_options(conn)?;
        let m = monitor::monitor_for(MonitorKey::new(&opts, self.timing), opts)?;
        *cached = Some((conn.generation, m.clone()));
        Ok(m)
    }

    /// Registers the call; `None` only when no monitor can be had (the call then runs
    /// unwatched rather than failing).
    fn watch(&self, conn: &EngineConnection) -> Option<WatchGuard> {
        for _ in 0..2 {
            match self.monitor(conn) {
                Ok(m) => {
                    if let Some(guard) = m.watch(conn.session.killer()) {
                        return Some(guard);
                    }
                    // Disposed or released meanwhile: take a live one from the registry.
                    *self.cached.lock() = None;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "host monitoring unavailable for this call");
                    return None;
                }
            }
        }
        None
    }
}

impl Plugin for HostMonitoringPlugin {
    fn code(&self) -> &'static str {
        CODE
    }

    fn around_call(
        &self,
        conn: &mut EngineConnection,
        _kind: CallKind,
        next: &mut dyn FnMut(&mut EngineConnection) -> EngineResult<()>,
    ) -> EngineResult<()> {
        let guard = self.watch(conn);
        let outcome = next(conn);
        drop(guard);
        outcome
    }
}
