//! Failover (code `failover`): when a network-bound call finds its physical connection gone,
//! open a replacement on a healthy instance of the Aurora cluster, swap it into the same
//! connection handle, and fail the call with 08S02 (or 08007 inside a transaction) so the
//! application re-runs it. If nothing usable turns up within `failover_timeout_ms`: 08S01.
//!
//! This file is the mechanism (reading the topology, connecting, swapping the session); what
//! to try and what to report is decided in [`policy`]. Each connection has its own pipeline,
//! so the plugin's state here is the state of one connection.

pub mod policy;
pub mod settings;

#[cfg(test)]
mod tests;

use crate::engine::availability::{self, Availability};
use crate::engine::error::{EngineError, EngineResult, ErrorClass};
use crate::engine::pipeline::{
    CallKind, ConnectPurpose, ConnectRequest, EngineConnection, Pipeline, Plugin,
    SessionCharacteristics,
};
use crate::engine::plugin_registry::PluginSpec;
use crate::engine::response_time;
use crate::engine::runtime;
use crate::engine::selection::{self, HostFilter, Strategy};
use crate::engine::session::{ConnectOptions, Session};
use crate::engine::settings::{Key as EngineKey, Settings};
use crate::engine::topology::{self, Dialect, HostPattern, Topology};
use futures_util::stream::{FuturesUnordered, StreamExt};
use parking_lot::Mutex;
use policy::{Candidate, Expect, FailoverMode};
use settings::Key;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A host marked unavailable longer ago than this is a candidate like any other again: marks
/// save time during an outage, they must not keep a recovered instance out for long.
const UNAVAILABLE_FOR: Duration = Duration::from_secs(30);

/// Pause between topology reads while waiting for a writer to be promoted. Reads go over one
/// kept session, so polling this often costs one small query per round.
const POLL: Duration = Duration::from_millis(100);

/// A writer marked unavailable within this time is not tried: while the topology still names
/// the old writer, rounds go to reading the topology instead.
const MARKED_WRITER_RETRY: Duration = Duration::from_secs(1);

/// Limit for an attempt on a writer that is marked unavailable: it may be back (and is then
/// quick to answer), but a black-holed one must not hold up topology polling for long.
const MARKED_WRITER_LIMIT: Duration = Duration::from_secs(1);

/// "Plain PostgreSQL: failover stays inert" is worth one log line per process, not per connect.
static INERT_LOGGED: AtomicBool = AtomicBool::new(false);

/// The code users write in `plugins`.
pub const CODE: &str = "failover";

/// The plugin as the engine's registry sees it: between custom endpoint (which limits the
/// instances it may choose) and host monitoring (whose aborted calls it recovers).
pub const SPEC: PluginSpec = PluginSpec {
    code: CODE,
    weight: 200,
    default_chain: true,
    factory,
    keys: Some(&settings::SECTION),
    release: None,
    credentials: None,
    rds_auth_type: None,
};

/// Builds the plugin of one connection.
pub fn factory(_settings: &Arc<Settings>) -> EngineResult<Option<Box<dyn Plugin>>> {
    Ok(Some(Box::new(FailoverPlugin {
        state: Mutex::new(State::Undecided),
        probes: Mutex::new(Vec::new()),
    })))
}

/// What the plugin knows about the cluster of its connection.
#[derive(Clone)]
struct ClusterInfo {
    pattern: HostPattern,
    /// Topology cache key: the host pattern names the cluster.
    key: String,
    mode: FailoverMode,
}

enum State {
    /// No connection opened yet.
    Undecided,
    /// Plain PostgreSQL, or no way to name the instances: calls pass straight through.
    Inert,
    Active(ClusterInfo),
}

pub struct FailoverPlugin {
    /// Decided once, at the first `connected`: the mode belongs to the endpoint the application
    /// named, not to whichever instance a later replacement reached.
    state: Mutex<State>,
    /// With `fastest_response`: the probers of the readers this connection may fail over to.
    probes: Mutex<Vec<Arc<response_time::Prober>>>,
}

impl FailoverPlugin {
    fn active(&self) -> Option<ClusterInfo> {
        match &*self.state.lock() {
            State::Active(c) => Some(c.clone()),
            _ => None,
        }
    }

    /// Decides from the host name first (no round trip): without instance host names there is
    /// nothing to fail over to, whatever the server is. Only then is the dialect looked at,
    /// which costs a round trip once per endpoint for the process (see `topology::dialect`).
    fn decide(conn: &mut EngineConnection) -> EngineResult<State> {
        let Some(pattern) = HostPattern::for_connection(&conn.settings, &conn.options.host) else {
            if topology::configured_dialect(&conn.settings) == Some(Dialect::AuroraPostgres)
                || conn.session.learned().aurora == Some(true)
            {
                tracing::warn!(
                    host = %conn.options.host,
                    "failover: cannot derive instance host names from this server name; set cluster_instance_host_pattern. Failover is off for this connection"
                );
            } else if !INERT_LOGGED.swap(true, Ordering::Relaxed) {
                tracing::info!(
                    host = %conn.options.host,
                    "failover: not an Aurora host name and no cluster_instance_host_pattern; the failover plugin stays inert"
                );
            }
            return Ok(State::Inert);
        };
        if topology::dialect(&conn.settings, &mut conn.session)? == Dialect::Postgres {
            if !INERT_LOGGED.swap(true, Ordering::Relaxed) {
                tracing::info!(
                    host = %conn.options.host,
                    "failover: the server is plain PostgreSQL, not Aurora; the failover plugin stays inert"
                );
            }
            return Ok(State::Inert);
        }
        let mode = FailoverMode::for_connection(&conn.settings, &conn.options.host);
        tracing::debug!(host = %conn.options.host, pattern = %pattern.0, mode = mode.word(), "failover: active");
        Ok(State::Active(ClusterInfo {
            key: pattern.0.clone(),
            pattern,
            mode,
        }))
    }

    /// With `fastest_response`, has the readers this connection may fail over to measured (one
    /// prober per reader for the process) for as long as the connection holds them.
    fn measure_readers(&self, conn: &EngineConnection, cluster: &ClusterInfo, t: &Topology) {
        let strategy =
            Strategy::parse(conn.settings.get_enum(EngineKey::ReaderHostSelectorStrategy));
        if strategy != Strategy::FastestResponse {
            return;
        }
        let interval = conn
            .settings
            .get_duration(EngineKey::ResponseMeasurementIntervalMs);
        let probes: Vec<_> = t
            .readers
            .iter()
            .filter(|i| conn.host_filter.allows(i))
            .filter_map(|i| {
                let o = cluster
                    .pattern
                    .instance_options(&i.id, &conn.options, &conn.settings);
                response_time::watch(&o, &conn.settings, interval)
            })
            .collect();
        *self.probes.lock() = probes;
    }

    /// Replaces the connection's session; returns the error the failed call reports.
    fn fail_over(
        &self,
        conn: &mut EngineConnection,
        cluster: &ClusterInfo,
        kind: CallKind,
        in_transaction: bool,
        cause: EngineError,
    ) -> EngineError {
        let started = Instant::now();
        let timeout = conn.settings.get_duration(Key::FailoverTimeoutMs);
        tracing::warn!(
            host = %conn.options.host,
            instance = conn.instance_id.as_deref().unwrap_or("?"),
            call = ?kind,
            mode = cluster.mode.word(),
            "failover: connection lost ({cause}); looking for a replacement"
        );
        let mut search = Search::new(conn, cluster, started + timeout);
        let found = match cluster.mode {
            FailoverMode::StrictWriter => search.writer(),
            FailoverMode::StrictReader | FailoverMode::ReaderOrWriter => search.readers(),
        };
        let Some(found) = found else {
            let err = policy::failed(cluster.mode, timeout, &cause, search.tried());
            tracing::error!(
                "failover: gave up after {} ms: {err}",
                started.elapsed().as_millis()
            );
            return err;
        };
        let old = std::mem::replace(&mut conn.session, found.session);
        // Cut the old socket for sure (it may be black-holed, not closed): nothing else will.
        old.killer()
            .kill(EngineError::communication("replaced by failover"));
        drop(old);
        conn.options = found.options;
        let seat = availability::host_key(&conn.options.host, conn.options.port);
        conn.set_instance(found.instance_id.clone(), &seat);
        conn.generation += 1;
        // Other plugins (custom endpoint, monitoring) see the new session as a new connection.
        let pipeline = conn.pipeline.clone();
        if let Err(e) = pipeline.connected(conn) {
            tracing::warn!("failover: a plugin rejected the replacement connection's setup: {e}");
        }
        let took = started.elapsed();
        tracing::warn!(instance = %found.instance_id, "failover: succeeded in {} ms", took.as_millis());
        policy::succeeded(&found.instance_id, in_transaction, &cause, took)
    }
}

impl Plugin for FailoverPlugin {
    fn code(&self) -> &'static str {
        "failover"
    }

    /// Learns the dialect (cached per endpoint), the instance this connection is on (one
    /// round trip on Aurora, shared with the other plugins through the session) and the
    /// cluster's topology (from the per-cluster cache while fresh). None of these failing
    /// fails the connect: failover only needs them later.
    fn connected(&self, conn: &mut EngineConnection) -> EngineResult<()> {
        let cluster = {
            let mut state = self.state.lock();
            if matches!(*state, State::Undecided) {
                match Self::decide(conn) {
                    Ok(decided) => *state = decided,
                    Err(e) => {
                        // Decided at the next connected (after a replacement) instead.
                        tracing::warn!("failover: could not learn the server's dialect: {e}");
                        return Ok(());
                    }
                }
            }
            match &*state {
                State::Active(c) => c.clone(),
                _ => return Ok(()),
            }
        };
        if conn.instance_id.is_none() {
            match topology::instance_role(&mut conn.session).map(|(id, _)| id) {
                Ok(id) => {
                    let o = cluster
                        .pattern
                        .instance_options(&id, &conn.options, &conn.settings);
                    conn.set_instance(id, &availability::host_key(&o.host, o.port));
                }
                Err(e) => tracing::warn!("failover: could not learn the instance id: {e}"),
            }
        }
        let refresh = conn.settings.get_duration(EngineKey::TopologyRefreshRateMs);
        match topology::topology(&cluster.key, &mut conn.session, refresh, false) {
            Ok(t) => self.measure_readers(conn, &cluster, &t),
            Err(e) => tracing::warn!("failover: could not read the cluster topology: {e}"),
        }
        Ok(())
    }

    fn around_call(
        &self,
        conn: &mut EngineConnection,
        kind: CallKind,
        next: &mut dyn FnMut(&mut EngineConnection) -> EngineResult<()>,
    ) -> EngineResult<()> {
        let Some(cluster) = self.active() else {
            return next(conn);
        };
        // Read before the call: a COMMIT that fails clears the flag, yet its outcome is unknown.
        let in_transaction = conn.session.in_transaction();
        // A session that is already broken fails the call at once without the network (and a
        // call served from parked rows still succeeds), so running `next` is the check.
        match next(conn) {
            Err(e) if policy::is_connection_failure(&e, conn.session.is_broken()) => {
                Err(self.fail_over(conn, &cluster, kind, in_transaction, e))
            }
            other => other,
        }
    }
}

/// A replacement that passed every check.
struct Found {
    session: Session,
    options: ConnectOptions,
    instance_id: String,
}

/// One failover run: what it was given, what it learned, and what went wrong per instance.
struct Search {
    pattern: HostPattern,
    key: String,
    mode: FailoverMode,
    base: ConnectOptions,
    settings: Arc<Settings>,
    pipeline: Arc<Pipeline>,
    filter: HostFilter,
    characteristics: SessionCharacteristics,
    strategy: Strategy,
    failed: Option<String>,
    deadline: Instant,
    reader_timeout: Duration,
    writer_timeout: Option<Duration>,
    topology: Topology,
    /// A session to some instance kept for re-reading the topology while waiting.
    topology_session: Option<Session>,
    /// Last problem per instance (or "topology"), with how often it happened.
    problems: BTreeMap<String, (String, u32)>,
}

impl Search {
    fn new(conn: &EngineConnection, cluster: &ClusterInfo, deadline: Instant) -> Search {
        let settings = conn.settings.clone();
        Search {
            pattern: cluster.pattern.clone(),
            key: cluster.key.clone(),
            mode: cluster.mode,
            base: conn.options.clone(),
            pipeline: conn.pipeline.clone(),
            filter: conn.host_filter.clone(),
            characteristics: conn.characteristics.clone(),
            strategy: Strategy::parse(settings.get_enum(EngineKey::ReaderHostSelectorStrategy)),
            failed: conn.instance_id.clone(),
            deadline,
            reader_timeout: settings.get_duration(Key::FailoverReaderConnectTimeoutMs),
            writer_timeout: conn.options.connect_timeout,
            topology: topology::cached(&cluster.key).unwrap_or_default(),
            topology_session: None,
            problems: BTreeMap::new(),
            settings,
        }
    }

    fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    fn note(&mut self, what: &str, problem: impl Into<String>) {
        let entry = self
            .problems
            .entry(what.to_string())
            .or_insert_with(|| (String::new(), 0));
        entry.0 = problem.into();
        entry.1 += 1;
    }

    /// What was tried, one line per instance, for the 08S01 message.
    fn tried(&self) -> Vec<String> {
        self.problems
            .iter()
            .map(|(what, (problem, n))| {
                if *n > 1 {
                    format!("{what}: {problem} ({n} times)")
                } else {
                    format!("{what}: {problem}")
                }
            })
            .collect()
    }

    /// Waits for the next round; false when the deadline leaves no room for one.
    fn next_round(&self) -> bool {
        let left = self.remaining();
        if left <= POLL {
            return false;
        }
        std::thread::sleep(POLL);
        true
    }

    fn instance_options(&self, id: &str) -> ConnectOptions {
        self.pattern
            .instance_options(id, &self.base, &self.settings)
    }

    fn host_key(&self, id: &str) -> String {
        let o = self.instance_options(id);
        availability::host_key(&o.host, o.port)
    }

    fn marked(&self, id: &str) -> bool {
        availability::is_unavailable(&self.host_key(id), UNAVAILABLE_FOR)
    }

    /// Writer failover: read the topology (from any instance that answers) until it names a
    /// writer this connection may use, and connect to it; repeat until the deadline.
    fn writer(&mut self) -> Option<Found> {
        loop {
            self.refresh_topology();
            match policy::writer_candidate(&self.topology, &self.filter) {
                Some(c) => {
                    let key = self.host_key(&c.id);
                    if !availability::is_unavailable(&key, MARKED_WRITER_RETRY) {
                        let cap = self.marked(&c.id).then_some(MARKED_WRITER_LIMIT);
                        if let Some(found) = self.try_candidate(&c, cap) {
                            return Some(found);
                        }
                    }
                }
                None => match self.topology.writer_id() {
                    Some(w) => {
                        let w = w.to_string();
                        self.note(
                            "topology",
                            format!(
                                "writer {w} is not among the instances this connection may use"
                            ),
                        );
                    }
                    None => self.note("topology", "no writer known yet"),
                },
            }
            if !self.next_round() {
                return None;
            }
        }
    }

    /// Reader failover: try the candidates the policy orders (readers, then for
    /// reader_or_writer the writer); after a full pass, read the topology again and repeat.
    fn readers(&mut self) -> Option<Found> {
        if self.topology.is_empty() {
            self.refresh_topology();
        }
        loop {
            let order = {
                let marked = |i: &topology::Instance| !self.marked(&i.id);
                let load = |i: &topology::Instance| match self.strategy {
                    Strategy::FastestResponse => response_time::rank(&self.host_key(&i.id)),
                    _ => selection::connections_on(&self.host_key(&i.id)),
                };
                policy::reader_candidates(
                    &self.topology,
                    self.mode,
                    self.strategy,
                    &self.filter,
                    &marked,
                    &load,
                    self.failed.as_deref(),
                )
            };
            if order.is_empty() {
                self.note(
                    "topology",
                    format!(
                        "no {} instance this connection may use",
                        if self.mode == FailoverMode::StrictReader {
                            "reader"
                        } else {
                            "reader or writer"
                        }
                    ),
                );
            }
            for c in order {
                if self.remaining().is_zero() {
                    return None;
                }
                if let Some(found) = self.try_candidate(&c, None) {
                    return Some(found);
                }
            }
            if !self.next_round() {
                return None;
            }
            self.refresh_topology();
        }
    }

    /// Reads the topology: over the kept session if it still answers, otherwise from every
    /// known instance at once (the first answer wins, so one dead or black-holed instance costs
    /// nothing). The result goes to the shared cache too.
    fn refresh_topology(&mut self) {
        let limit = self.reader_timeout.min(self.remaining());
        if limit.is_zero() {
            return;
        }
        if let Some(session) = self.topology_session.take() {
            let read = session.block_on(async {
                tokio::time::timeout(limit, topology::query_topology_async(&session)).await
            });
            if let Ok(Ok(Ok(t))) = read {
                if !t.is_empty() {
                    self.learn(t);
                    self.topology_session = Some(session);
                    return;
                }
            }
        }
        let targets = self.probe_targets(limit);
        let outcome = runtime::block_on(first_topology(targets, limit));
        let (winner, failures) = match outcome {
            Ok(o) => o,
            Err(e) => {
                self.note("topology", format!("driver runtime unavailable: {e}"));
                return;
            }
        };
        for (label, key, e) in failures {
            if e.class == ErrorClass::Connect {
                availability::mark(&key, Availability::Unavailable);
            }
            self.note(&label, e.to_string());
        }
        match winner {
            Some((session, t)) => {
                self.learn(t);
                self.topology_session = Some(session);
            }
            None => self.note("topology", "no instance answered the topology query"),
        }
    }

    fn learn(&mut self, t: Topology) {
        topology::store(&self.key, t.clone());
        self.topology = t;
    }

    /// Every known instance (unmarked ones are enough when there are any) and the host the
    /// application named, each with its own connect limit.
    fn probe_targets(&self, limit: Duration) -> Vec<(String, String, ConnectOptions)> {
        let ids: Vec<String> = self
            .topology
            .readers
            .iter()
            .chain(self.topology.writer.iter())
            .map(|i| i.id.clone())
            .collect();
        let unmarked: Vec<&String> = ids.iter().filter(|id| !self.marked(id)).collect();
        let chosen: Vec<&String> = if unmarked.is_empty() {
            ids.iter().collect()
        } else {
            unmarked
        };
        let mut targets: Vec<(String, String, ConnectOptions)> = chosen
            .into_iter()
            .map(|id| {
                let mut o = self.instance_options(id);
                o.connect_timeout = Some(limit);
                (id.clone(), availability::host_key(&o.host, o.port), o)
            })
            .collect();
        if !targets
            .iter()
            .any(|(_, _, o)| o.host.eq_ignore_ascii_case(&self.base.host))
        {
            let mut o = self.base.clone();
            o.connect_timeout = Some(limit);
            targets.push((o.host.clone(), availability::host_key(&o.host, o.port), o));
        }
        targets
    }

    /// Connects to one candidate through the pipeline, checks that it is the instance and role
    /// wanted, and restores the session characteristics. `None` (with a note) when any step fails.
    /// `cap` shortens the attempt below the usual limit.
    fn try_candidate(&mut self, c: &Candidate, cap: Option<Duration>) -> Option<Found> {
        let usual = match c.expect {
            Expect::Writer => self.writer_timeout.unwrap_or(self.reader_timeout),
            _ => self.reader_timeout,
        };
        let cap = cap.map_or(usual, |c| c.min(usual));
        let limit = cap.min(self.remaining());
        if limit.is_zero() {
            return None;
        }
        let mut options = self.instance_options(&c.id);
        options.connect_timeout = Some(limit);
        let key = availability::host_key(&options.host, options.port);
        let request = ConnectRequest {
            options: options.clone(),
            settings: self.settings.clone(),
            purpose: ConnectPurpose::Replacement,
        };
        let mut session = match self.pipeline.connect(&request) {
            Ok(s) => s,
            Err(e) => {
                if e.class == ErrorClass::Connect {
                    availability::mark(&key, Availability::Unavailable);
                }
                self.note(&c.id, e.to_string());
                return None;
            }
        };
        availability::mark(&key, Availability::Available);
        let (id, in_recovery) = match topology::instance_role_within(&mut session, limit) {
            Ok(r) => r,
            Err(e) => {
                self.note(
                    &c.id,
                    format!("connected but could not check the instance: {e}"),
                );
                return None;
            }
        };
        if !c.expect.accepts(in_recovery) {
            let now = if in_recovery {
                "a reader"
            } else {
                "the writer"
            };
            self.note(
                &c.id,
                format!(
                    "answered as {now}, which failover_mode {} does not allow here",
                    self.mode.word()
                ),
            );
            return None;
        }
        if id != c.id {
            // The name led somewhere else (DNS or a pin lagging): only keep it if allowed too.
            let allowed = self
                .topology
                .readers
                .iter()
                .chain(self.topology.writer.iter())
                .find(|i| i.id == id)
                .is_some_and(|i| self.filter.allows(i));
            if !allowed {
                self.note(
                    &c.id,
                    format!("reached instance {id} instead, which this connection may not use"),
                );
                return None;
            }
        }
        if let Err(e) = restore_characteristics(&mut session, &self.characteristics) {
            self.note(&c.id, format!("could not restore session settings: {e}"));
            return None;
        }
        options.connect_timeout = self.base.connect_timeout;
        Some(Found {
            session,
            options,
            instance_id: id,
        })
    }
}

/// Asks every target for the topology at once; returns the first non-empty answer with its
/// session, and the targets that failed (label, availability key, error). Stops at `limit`.
async fn first_topology(
    targets: Vec<(String, String, ConnectOptions)>,
    limit: Duration,
) -> (
    Option<(Session, Topology)>,
    Vec<(String, String, EngineError)>,
) {
    let mut pending: FuturesUnordered<_> = targets
        .into_iter()
        .map(|(label, key, options)| async move {
            let outcome = async {
                let session = Session::open(&options).await?;
                let t = topology::query_topology_async(&session).await?;
                Ok::<_, EngineError>((session, t))
            }
            .await;
            (label, key, outcome)
        })
        .collect();
    let mut failures = Vec::new();
    let timer = tokio::time::sleep(limit);
    tokio::pin!(timer);
    loop {
        tokio::select! {
            item = pending.next() => match item {
                None => return (None, failures),
                Some((_, _, Ok((session, t)))) if !t.is_empty() => return (Some((session, t)), failures),
                Some((label, key, Ok(_))) => failures.push((label, key, EngineError::internal("the topology query returned no instances"))),
                Some((label, key, Err(e))) => failures.push((label, key, e)),
            },
            _ = &mut timer => return (None, failures),
        }
    }
}

/// Sends the isolation level and access mode the application chose, as the ODBC layer does on
/// connect (nothing when it chose neither). Autocommit needs nothing: the ODBC layer opens
/// transactions per statement, and a new session has none open.
fn restore_characteristics(session: &mut Session, ch: &SessionCharacteristics) -> EngineResult<()> {
    match ch.set_command() {
        Some(sql) => session.run_command(&sql),
        None => Ok(()),
    }
}
