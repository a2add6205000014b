//! Connection tracker (code `aurora_connection_tracker`): when this process learns that a
//! cluster has a new writer, its connections still open to the old writer are closed at once,
//! so that each one's next call fails over (08S02) instead of waiting to fail: a write on the
//! demoted instance fails as read-only, and a call to an unreachable one hangs until host
//! monitoring gives up on it.
//!
//! How it learns: every topology the process reads goes through the per-cluster topology cache
//! ([`crate::engine::topology::store`]), which tells its writer-change listeners when a topology
//! names another writer than the last one. Failover reads the topology while it works, and
//! connects read it once per refresh period, so whichever connection sees the failover first
//! tells the others. The plugin records each connection's instance in a process-wide
//! [`registry`] (learned by failover at connect, with the role in the same round trip, so no
//! round trip of its own in the default chain) and forgets it when the connection closes.

pub mod registry;

#[cfg(test)]
mod tests;

use crate::engine::error::EngineResult;
use crate::engine::pipeline::{CallKind, ConnectRequest, EngineConnection, Plugin};
use crate::engine::session::Session;
use crate::engine::plugin_registry::PluginSpec;
use crate::engine::settings::Settings;
use crate::engine::topology::{self, Dialect, HostPattern};
use crate::engine::availability;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// The code users write in `plugins`.
pub const CODE: &str = "aurora_connection_tracker";

/// The plugin as the engine's registry sees it. After failover and initial connection: its
/// `connected` reads the instance they learned.
pub const SPEC: PluginSpec = PluginSpec {
    code: CODE,
    weight: 270,
    default_chain: true,
    factory,
    keys: None,
    release: None,
    credentials: None,
    rds_auth_type: None,
};

/// Builds the plugin of one connection (and starts listening for writer changes).
pub fn factory(_settings: &Arc<Settings>) -> EngineResult<Option<Box<dyn Plugin>>> {
    registry::listen();
    Ok(Some(Box::new(TrackerPlugin::new())))
}

/// What the plugin knows about its connection's tracking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tracking {
    /// Not connected yet.
    Undecided,
    /// Plain PostgreSQL, or no instance host names: nothing to track.
    Inert,
    /// Tracked for the session of this generation.
    Session { generation: u64 },
}

/// The plugin of one connection.
pub struct TrackerPlugin {
    /// Names this connection in the registry.
    token: u64,
    tracking: Mutex<Tracking>,
    /// When the last physical connect through the chain began: a writer change after it may
    /// have come before the connection was tracked.
    opened: Mutex<Instant>,
}

impl TrackerPlugin {
    pub fn new() -> TrackerPlugin {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TrackerPlugin {
            token: NEXT.fetch_add(1, Ordering::Relaxed),
            tracking: Mutex::new(Tracking::Undecided),
            opened: Mutex::new(Instant::now()),
        }
    }

    /// Records the instance the connection's session is on. Learns the instance id itself
    /// only when no other plugin did (one round trip, outside the default chain).
    fn track(&self, conn: &mut EngineConnection) {
        let mut tracking = self.tracking.lock();
        if *tracking == Tracking::Inert {
            return;
        }
        // The host name first (no round trip); the dialect (cached per endpoint) only when
        // there are instance names to track by.
        let pattern = HostPattern::for_connection(&conn.settings, &conn.options.host);
        let pattern = match (pattern, *tracking) {
            (Some(p), Tracking::Undecided) => {
                match topology::dialect(&conn.settings, &mut conn.session) {
                    Ok(Dialect::Postgres) => None,
                    Ok(Dialect::AuroraPostgres) => Some(p),
                    Err(e) => {
                        // Decided at the next connected (after a replacement) instead.
                        tracing::warn!(error = %e, "connection tracker: cannot tell the server's dialect; this connection is not tracked");
                        registry::forget(self.token);
                        return;
                    }
                }
            }
            (pattern, _) => pattern,
        };
        let Some(pattern) = pattern else {
            *tracking = Tracking::Inert;
            registry::forget(self.token);
            return;
        };
        if conn.instance_id.is_none() {
            match topology::instance_role(&mut conn.session).map(|(id, _)| id) {
                Ok(id) => {
                    let o = pattern.instance_options(&id, &conn.options, &conn.settings);
                    conn.set_instance(id, &availability::host_key(&o.host, o.port));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "connection tracker: cannot tell which instance this connection is on; it is not tracked");
                }
            }
        }
        match &conn.instance_id {
            Some(id) => {
                let killer = conn.session.killer();
                let cut: registry::Cut = Arc::new(move |reason| killer.kill(reason));
                // Known on the session with the instance id (no round trip of its own).
                let on_writer = !topology::in_recovery(&mut conn.session).unwrap_or(false);
                let opened_on_writer = on_writer.then(|| *self.opened.lock());
                registry::track(self.token, &pattern.0, id, opened_on_writer, cut);
            }
            None => registry::forget(self.token),
        }
        *tracking = Tracking::Session {
            generation: conn.generation,
        };
    }
}

impl Default for TrackerPlugin {
    fn default() -> Self {
        TrackerPlugin::new()
    }
}

impl Drop for TrackerPlugin {
    fn drop(&mut self) {
        registry::forget(self.token);
    }
}

impl Plugin for TrackerPlugin {
    fn code(&self) -> &'static str {
        CODE
    }

    fn connect(
        &self,
        request: &ConnectRequest,
        next: &mut dyn FnMut(&ConnectRequest) -> EngineResult<Session>,
    ) -> EngineResult<Session> {
        *self.opened.lock() = Instant::now();
        next(request)
    }

    /// Called at connect and again after failover replaced the session.
    fn connected(&self, conn: &mut EngineConnection) -> EngineResult<()> {
        self.track(conn);
        Ok(())
    }

    /// A session swapped in without `connected` (a plugin switching between connections) is
    /// tracked at its first call: one lock and a comparison per call otherwise.
    fn around_call(
        &self,
        conn: &mut EngineConnection,
        _kind: CallKind,
        next: &mut dyn FnMut(&mut EngineConnection) -> EngineResult<()>,
    ) -> EngineResult<()> {
        let stale = matches!(*self.tracking.lock(), Tracking::Session { generation } if generation != conn.generation);
        if stale {
            self.track(conn);
        }
        next(conn)
    }
}
