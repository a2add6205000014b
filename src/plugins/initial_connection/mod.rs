//! Initial connection (code `initial_connection`): a connection opened through a cluster
//! endpoint must reach the role the endpoint promises.
//!
//! For up to ~30 s after a failover the writer endpoint's DNS still names the old writer, which
//! Aurora brings back as a reader: a new connection "to the writer" lands on a reader and its
//! writes fail. The reader endpoint can likewise name a reader that was just promoted. So after
//! connecting through either endpoint the plugin reads the role of the instance reached,
//! `pg_is_in_recovery()`, in the round trip that also learns the instance id failover and the
//! tracker need (so no round trip of its own), and only when it is wrong reads the topology
//! (from the per-cluster cache when fresh) and connects to the right instance by its own host
//! name.
//!
//! Through the writer endpoint the search goes on for `open_connection_retry_timeout_ms`
//! (the writer may still be being promoted), reading the topology again every
//! `open_connection_retry_interval_ms`; if no writer answers by then, the connection keeps the
//! reader it reached and the log says why. Through the reader endpoint, the readers the topology
//! lists are tried once, in `reader_host_selector_strategy` order; with none answering (or none
//! existing) the writer the endpoint gave is kept, as Aurora's reader endpoint itself does.
//!
//! Once a writer endpoint was found stale, the process's next connections through it go
//! straight to the writer a fresh cached topology names, for 30 s (one login instead of two);
//! after that the endpoint is tried again.
//!
//! Plain PostgreSQL, instance and custom endpoints, and connections failover opens to an
//! instance are left alone.

pub mod settings;

#[cfg(test)]
mod tests;

use crate::engine::availability::{self, Availability};
use crate::engine::error::{EngineError, EngineResult, ErrorClass};
use crate::engine::hostname::{self, RdsHostKind};
use crate::engine::pipeline::{ConnectRequest, EngineConnection, Plugin};
use crate::engine::plugin_registry::PluginSpec;
use crate::engine::selection::{self, Role, Strategy};
use crate::engine::session::{ConnectOptions, Session};
use crate::engine::settings::{Key as EngineKey, Settings};
use crate::engine::topology::{self, Dialect, HostPattern, Instance, Topology};
use parking_lot::Mutex;
use settings::Key;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The code users write in `plugins`.
pub const CODE: &str = "initial_connection";

/// The failover plugin's key for the reader order, read by name so that this plugin does not
/// depend on that one (the key is in the one settings table whichever plugins are loaded).
const READER_STRATEGY_KEY: &str = "reader_host_selector_strategy";

/// A reader marked unavailable within this long is tried after the others.
const UNAVAILABLE_FOR: Duration = Duration::from_secs(30);

/// The plugin as the engine's registry sees it. Inside failover: failover decides its mode
/// from the endpoint the application named before this plugin's `connected` moves the
/// connection's options to the instance it reached.
pub const SPEC: PluginSpec = PluginSpec {
    code: CODE,
    weight: 250,
    default_chain: true,
    factory,
    keys: Some(&settings::SECTION),
    release: None,
    credentials: None,
    rds_auth_type: None,
};

/// Builds the plugin of one connection.
pub fn factory(settings: &Arc<Settings>) -> EngineResult<Option<Box<dyn Plugin>>> {
    Ok(Some(Box::new(InitialConnectionPlugin::new(settings))))
}

/// The role a cluster endpoint promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    Writer,
    Reader,
}

impl Want {
    /// The promise of `host`: the writer for a cluster (writer) endpoint, a reader for a reader
    /// endpoint, nothing for any other name (instances, custom endpoints, proxies, addresses).
    pub fn for_host(host: &str) -> Option<Want> {
        match hostname::classify(host).kind {
            RdsHostKind::ClusterWriter => Some(Want::Writer),
            RdsHostKind::ClusterReader => Some(Want::Reader),
            _ => None,
        }
    }

    /// Whether an instance reporting `in_recovery` (a replica) keeps the promise.
    pub fn kept_by(self, in_recovery: bool) -> bool {
        match self {
            Want::Writer => !in_recovery,
            Want::Reader => in_recovery,
        }
    }

    fn role_word(in_recovery: bool) -> &'static str {
        if in_recovery {
            "a reader"
        } else {
            "the writer"
        }
    }
}

/// Readers to try through the reader endpoint, best first: those not recently found down, in
/// the strategy's order, then the others (a mark is a hint, not a ban). Never the writer.
pub fn reader_order(
    topology: &Topology,
    strategy: Strategy,
    recently_down: &dyn Fn(&Instance) -> bool,
    load: &dyn Fn(&Instance) -> usize,
) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    for wanted_down in [false, true] {
        loop {
            let next = selection::select(
                topology,
                Role::Reader,
                strategy,
                &selection::HostFilter::allow_all(),
                &|i| recently_down(i) == wanted_down && !order.contains(&i.id),
                load,
            );
            match next {
                Some(id) => order.push(id),
                None => break,
            }
        }
    }
    order
}

/// Writer endpoints this process recently found leading to a reader (DNS not yet updated
/// after a failover), so that the next connections go straight to the writer for a while.
mod stale_endpoints {
    use crate::engine::availability;
    use crate::engine::session::ConnectOptions;
    use parking_lot::Mutex;
    use std::collections::HashMap;
    use std::sync::LazyLock;
    use std::time::{Duration, Instant};

    /// How long connections skip an endpoint found stale. Aurora's DNS catches up within about
    /// 30 s; after this the endpoint is tried again (and noted again if still stale).
    pub const FOR: Duration = Duration::from_secs(30);

    static SEEN: LazyLock<Mutex<HashMap<String, Instant>>> = LazyLock::new(Default::default);

    fn key(options: &ConnectOptions) -> String {
        availability::host_key(&options.host, options.port)
    }

    pub fn note(options: &ConnectOptions) {
        SEEN.lock().insert(key(options), Instant::now());
    }

    pub fn forget(options: &ConnectOptions) {
        SEEN.lock().remove(&key(options));
    }

    pub fn recently(options: &ConnectOptions) -> bool {
        let mut seen = SEEN.lock();
        let k = key(options);
        match seen.get(&k) {
            Some(at) if at.elapsed() < FOR => true,
            Some(_) => {
                seen.remove(&k);
                false
            }
            None => false,
        }
    }
}

/// Where a moved connection landed, handed from `connect` to `connected`.
struct Landed {
    instance_id: String,
    options: ConnectOptions,
}

/// The plugin of one connection.
pub struct InitialConnectionPlugin {
    retry_timeout: Duration,
    retry_interval: Duration,
    strategy: Strategy,
    topology_refresh: Duration,
    landed: Mutex<Option<Landed>>,
}

/// One search for the right instance: what it needs and what went wrong on the way.
struct Search<'a> {
    request: &'a ConnectRequest,
    pattern: HostPattern,
    deadline: Instant,
    problems: Vec<String>,
}

impl Search<'_> {
    fn key(&self) -> &str {
        &self.pattern.0
    }

    fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    fn options_of(&self, id: &str) -> ConnectOptions {
        self.pattern
            .instance_options(id, &self.request.options, &self.request.settings)
    }

    /// Connects to instance `id` by its own host name through the rest of the chain and keeps
    /// the session when it has the role wanted (one round trip that also learns the instance
    /// id, which the other plugins then read from the session).
    fn try_instance(
        &mut self,
        id: &str,
        want: Want,
        next: &mut dyn FnMut(&ConnectRequest) -> EngineResult<Session>,
    ) -> Option<(Session, ConnectOptions)> {
        let left = self.remaining();
        if left.is_zero() {
            return None;
        }
        let mut options = self.options_of(id);
        options.connect_timeout = Some(
            self.request
                .options
                .connect_timeout
                .filter(|t| !t.is_zero())
                .map_or(left, |t| t.min(left)),
        );
        let key = availability::host_key(&options.host, options.port);
        let attempt = ConnectRequest {
            options: options.clone(),
            settings: self.request.settings.clone(),
            purpose: self.request.purpose,
        };
        match next(&attempt) {
            Ok(mut session) => {
                availability::mark(&key, Availability::Available);
                let in_recovery = match topology::in_recovery(&mut session) {
                    Ok(r) => r,
                    Err(e) => {
                        self.problems
                            .push(format!("{id}: connected but could not read its role: {e}"));
                        return None;
                    }
                };
                if want.kept_by(in_recovery) {
                    options.connect_timeout = self.request.options.connect_timeout;
                    return Some((session, options));
                }
                self.problems.push(format!(
                    "{id}: answered as {}",
                    Want::role_word(in_recovery)
                ));
                None
            }
            Err(e) => {
                if e.class == ErrorClass::Connect {
                    availability::mark(&key, Availability::Unavailable);
                }
                self.problems.push(format!("{id}: {e}"));
                None
            }
        }
    }

    fn summary(&self) -> String {
        if self.problems.is_empty() {
            "nothing to try".to_string()
        } else {
            self.problems.join("; ")
        }
    }
}

impl InitialConnectionPlugin {
    pub fn new(settings: &Settings) -> InitialConnectionPlugin {
        InitialConnectionPlugin {
            retry_timeout: settings.get_duration(Key::OpenConnectionRetryTimeoutMs),
            retry_interval: settings.get_duration(Key::OpenConnectionRetryIntervalMs),
            strategy: Strategy::parse(settings.get_enum(READER_STRATEGY_KEY)),
            topology_refresh: settings.get_duration(EngineKey::TopologyRefreshRateMs),
            landed: Mutex::new(None),
        }
    }

    /// The writer endpoint reached a reader: find the writer the topology names and connect to
    /// it, reading the topology again each round until one answers as the writer.
    fn to_writer(
        &self,
        mut reached: Session,
        search: &mut Search,
        next: &mut dyn FnMut(&ConnectRequest) -> EngineResult<Session>,
    ) -> EngineResult<Session> {
        let started = Instant::now();
        tracing::info!(
            endpoint = %search.request.options.host,
            "initial connection: the writer endpoint led to a reader (its DNS still names the old writer?); connecting to the writer"
        );
        // The first round may use the cached topology; if that turns out stale, the second
        // reads it at once, later ones after the interval.
        let mut force = false;
        loop {
            let key = search.key().to_string();
            let read = if reached.is_broken() {
                topology::cached(&key).ok_or_else(|| {
                    EngineError::communication("the endpoint's connection closed")
                })
            } else {
                topology::topology(&key, &mut reached, self.topology_refresh, force)
            };
            match read {
                Ok(t) => match t.writer_id() {
                    Some(w) => {
                        let w = w.to_string();
                        if let Some((session, options)) =
                            search.try_instance(&w, Want::Writer, next)
                        {
                            tracing::info!(instance = %w, "initial connection: on the writer after {} ms", started.elapsed().as_millis());
                            *self.landed.lock() = Some(Landed {
                                instance_id: w,
                                options,
                            });
                            return Ok(session);
                        }
                    }
                    None => search.problems.push("topology: no writer yet".into()),
                },
                Err(e) => search.problems.push(format!("topology: {e}")),
            }
            let left = search.remaining();
            if left.is_zero() {
                break;
            }
            if force {
                std::thread::sleep(self.retry_interval.min(left));
            }
            force = true;
            if search.remaining().is_zero() {
                break;
            }
        }
        let problems = search.summary();
        if reached.is_broken() {
            let mut e = EngineError::connect(format!(
                "the writer endpoint {} led to a reader and no writer answered within {} ms",
                search.request.options.host,
                self.retry_timeout.as_millis()
            ));
            e.attempts = search.problems.clone();
            return Err(e);
        }
        tracing::warn!(
            endpoint = %search.request.options.host,
            "initial connection: no writer answered within {} ms ({problems}); keeping the reader the writer endpoint led to",
            self.retry_timeout.as_millis()
        );
        Ok(reached)
    }

    /// While this process recently found the writer endpoint's DNS stale, goes straight to
    /// the writer a fresh cached topology names: one login instead of two. Any doubt (no fresh
    /// topology, no answer, not the writer) returns `None` and the connect goes the usual way,
    /// through the endpoint, which also tells whether its DNS is right again.
    fn writer_while_stale(
        &self,
        request: &ConnectRequest,
        next: &mut dyn FnMut(&ConnectRequest) -> EngineResult<Session>,
    ) -> Option<Session> {
        if !stale_endpoints::recently(&request.options) {
            return None;
        }
        let pattern = HostPattern::for_connection(&request.settings, &request.options.host)?;
        let writer = topology::cached_within(&pattern.0, self.topology_refresh)?
            .writer_id()?
            .to_string();
        let mut search = Search {
            request,
            pattern,
            deadline: Instant::now() + self.retry_timeout,
            problems: Vec::new(),
        };
        match search.try_instance(&writer, Want::Writer, next) {
            Some((session, options)) => {
                *self.landed.lock() = Some(Landed {
                    instance_id: writer,
                    options,
                });
                Some(session)
            }
            None => {
                tracing::debug!(problems = %search.summary(), "initial connection: the writer from the cached topology did not answer as the writer; connecting through the endpoint");
                stale_endpoints::forget(&request.options);
                None
            }
        }
    }

    /// The reader endpoint reached the writer: move to a reader the topology lists, if any
    /// answers; otherwise keep the writer.
    fn to_reader(
        &self,
        mut reached: Session,
        search: &mut Search,
        next: &mut dyn FnMut(&ConnectRequest) -> EngineResult<Session>,
    ) -> EngineResult<Session> {
        let key = search.key().to_string();
        let t = match topology::topology(&key, &mut reached, self.topology_refresh, false) {
            Ok(t) => t,
            Err(e) if e.is_communication() => return Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "initial connection: the reader endpoint led to the writer and the topology could not be read; keeping the writer");
                return Ok(reached);
            }
        };
        let down = |i: &Instance| {
            let o = search.options_of(&i.id);
            availability::is_unavailable(&availability::host_key(&o.host, o.port), UNAVAILABLE_FOR)
        };
        let load = |i: &Instance| {
            let o = search.options_of(&i.id);
            selection::connections_on(&availability::host_key(&o.host, o.port))
        };
        let order = reader_order(&t, self.strategy, &down, &load);
        if order.is_empty() {
            // No reader in the cluster: the writer is what the reader endpoint gives.
            return Ok(reached);
        }
        tracing::info!(
            endpoint = %search.request.options.host,
            "initial connection: the reader endpoint led to the writer while the cluster has readers; connecting to a reader"
        );
        for id in order {
            if let Some((session, options)) = search.try_instance(&id, Want::Reader, next) {
                *self.landed.lock() = Some(Landed {
                    instance_id: id,
                    options,
                });
                return Ok(session);
            }
        }
        tracing::warn!(
            endpoint = %search.request.options.host,
            "initial connection: no reader answered ({}); keeping the writer the reader endpoint led to",
            search.summary()
        );
        Ok(reached)
    }
}

impl Plugin for InitialConnectionPlugin {
    fn code(&self) -> &'static str {
        CODE
    }

    fn connect(
        &self,
        request: &ConnectRequest,
        next: &mut dyn FnMut(&ConnectRequest) -> EngineResult<Session>,
    ) -> EngineResult<Session> {
        let Some(want) = Want::for_host(&request.options.host) else {
            return next(request);
        };
        if want == Want::Writer {
            if let Some(session) = self.writer_while_stale(request, next) {
                return Ok(session);
            }
        }
        let mut reached = next(request)?;
        let Some(pattern) = HostPattern::for_connection(&request.settings, &request.options.host)
        else {
            return Ok(reached);
        };
        // The dialect is cached per endpoint; on Aurora the role comes with the instance id,
        // one round trip that the other plugins then read from the session.
        if topology::dialect(&request.settings, &mut reached)? == Dialect::Postgres
            || want.kept_by(topology::in_recovery(&mut reached)?)
        {
            return Ok(reached);
        }
        let mut search = Search {
            request,
            pattern,
            deadline: Instant::now() + self.retry_timeout,
            problems: Vec::new(),
        };
        match want {
            Want::Writer => {
                let session = self.to_writer(reached, &mut search, next)?;
                if self.landed.lock().is_some() {
                    stale_endpoints::note(&request.options);
                }
                Ok(session)
            }
            Want::Reader => self.to_reader(reached, &mut search, next),
        }
    }

    /// A moved connection works on an instance by its own host name from now on: host
    /// monitoring watches that host, and failover counts the connection there.
    fn connected(&self, conn: &mut EngineConnection) -> EngineResult<()> {
        let Some(landed) = self.landed.lock().take() else {
            return Ok(());
        };
        let key = availability::host_key(&landed.options.host, landed.options.port);
        conn.options = landed.options;
        match &conn.instance_id {
            None => conn.set_instance(landed.instance_id, &key),
            Some(measured) if !measured.eq_ignore_ascii_case(&landed.instance_id) => {
                tracing::warn!(expected = %landed.instance_id, reached = %measured, "initial connection: the instance host name led to another instance (check cluster_instance_host_pattern)");
            }
            Some(_) => {}
        }
        Ok(())
    }
}
