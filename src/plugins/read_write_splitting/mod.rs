//! Read/write splitting (code `read_write_splitting`): the access mode an application sets
//! (SQL_ATTR_ACCESS_MODE, or the statement `SET SESSION CHARACTERISTICS AS TRANSACTION READ
//! ONLY / READ WRITE`) moves the connection handle between the cluster's writer and one of its
//! readers.
//!
//! One handle holds up to two physical connections: the one in use (`EngineConnection::session`)
//! and the other one, parked here. Switching swaps them, so going back and forth costs no new
//! connection and, when the parked session has the wanted characteristics already, no round
//! trip either. A switch bumps `generation`, so statements prepare again on the other side,
//! and host monitoring follows (it keys its monitor on the generation); failover replaces
//! whichever session is in use, because that is the one every call runs on.
//!
//! Transactions pin the session: read-only asked for inside a transaction on the writer takes
//! effect when the transaction ends; read-write asked for while a reader holds an open
//! transaction is refused with 25000 (its statements could not move without losing it).
//!
//! On plain PostgreSQL, or when instance host names cannot be made, the plugin is inert.

pub mod settings;

#[cfg(test)]
mod tests;

use crate::engine::availability::{self, Availability};
use crate::engine::error::{EngineError, EngineResult, ErrorClass};
use crate::engine::pipeline::{
    CallKind, CharacteristicsChange, ConnectPurpose, ConnectRequest, EngineConnection, Plugin,
    SessionCharacteristics,
};
use crate::engine::plugin_registry::PluginSpec;
use crate::engine::response_time;
use crate::engine::runtime;
use crate::engine::selection::{self, HostFilter, InstanceSeat, Role, Strategy};
use crate::engine::session::{ConnectOptions, Session};
use crate::engine::settings::{Key as EngineKey, Settings};
use crate::engine::topology::{self, Dialect, HostPattern, Topology};
use parking_lot::Mutex;
use settings::Key;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// The code users write in `plugins`.
pub const CODE: &str = "read_write_splitting";

/// A reader marked unavailable within this long is tried only after the others.
const UNAVAILABLE_FOR: Duration = Duration::from_secs(30);

/// Limit for opening a reader or writer session when `connect_timeout` gives none.
const DEFAULT_CONNECT_LIMIT: Duration = Duration::from_secs(30);

/// The plugin as the engine's registry sees it: inside custom endpoint (whose members limit
/// the readers) and outside failover (which then replaces whichever session is in use).
pub const SPEC: PluginSpec = PluginSpec {
    code: CODE,
    weight: 150,
    default_chain: false,
    factory,
    keys: Some(&settings::SECTION),
    release: None,
    credentials: None,
    rds_auth_type: None,
};

/// Builds the plugin of one connection.
pub fn factory(settings: &Arc<Settings>) -> EngineResult<Option<Box<dyn Plugin>>> {
    Ok(Some(Box::new(ReadWriteSplittingPlugin::new(settings))))
}

/// Which side of the cluster a session is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Writer,
    Reader,
}

impl Side {
    fn word(self) -> &'static str {
        match self {
            Side::Writer => "writer",
            Side::Reader => "reader",
        }
    }
}

/// The side an access mode asks for; `None` when the application chose none (the handle then
/// stays wherever it connected).
pub fn wanted_side(characteristics: &SessionCharacteristics) -> Option<Side> {
    characteristics.read_only.map(|read_only| {
        if read_only {
            Side::Reader
        } else {
            Side::Writer
        }
    })
}

/// What the plugin knows of the characteristics in force on a session: `None` when unknown
/// (a statement may have changed them), otherwise the command that set them (`Some(None)`:
/// none sent, the server's defaults).
type Applied = Option<Option<String>>;

/// Whether `applied` already has what `wanted` asks for.
pub fn needs_command(applied: &Applied, wanted: &SessionCharacteristics) -> Option<String> {
    let command = wanted.set_command();
    match applied {
        Some(have) if *have == command => None,
        _ => command,
    }
}

/// The cluster the connection belongs to.
#[derive(Clone)]
struct Cluster {
    pattern: HostPattern,
    /// Topology cache key (the host pattern names the cluster).
    key: String,
    /// The options the application connected with (credentials, timeouts): new sessions to
    /// instances are made from them.
    base: ConnectOptions,
}

enum Mode {
    Undecided,
    Inert,
    Active(Arc<Cluster>),
}

/// The session not in use, kept for the next switch.
struct Parked {
    side: Side,
    session: Session,
    options: ConnectOptions,
    instance_id: Option<String>,
    seat: Option<InstanceSeat>,
    applied: Applied,
    since: Instant,
}

struct State {
    mode: Mode,
    /// The side of the session in use; `None` until learned (lazily, at the first switch).
    current: Option<Side>,
    /// The characteristics in force on the session in use.
    current_applied: Applied,
    /// The connection's generation as this plugin last saw it: a different one means failover
    /// replaced the session meanwhile.
    generation: u64,
    parked: Option<Parked>,
    /// A switch asked for inside a transaction (or while a result streams), made once it ends.
    pending: bool,
    /// The pending switch follows a failover: readers marked unavailable (the one that just
    /// failed) are not tried at all, so the failed call is not held up by a dead reader.
    skip_marked: bool,
    /// An idle-close timer runs for the parked reader.
    timer_armed: bool,
}

/// The plugin of one connection.
pub struct ReadWriteSplittingPlugin {
    keep_alive: Option<Duration>,
    fallback_to_writer: bool,
    strategy: Strategy,
    probe_interval: Duration,
    topology_refresh: Duration,
    state: Arc<Mutex<State>>,
    /// The response-time probers of the readers this handle may choose (`fastest_response`).
    probes: Mutex<Vec<Arc<response_time::Prober>>>,
}

impl ReadWriteSplittingPlugin {
    pub fn new(settings: &Settings) -> ReadWriteSplittingPlugin {
        let keep_alive = settings.get_duration(Key::CachedReaderKeepAliveTimeoutMs);
        ReadWriteSplittingPlugin {
            keep_alive: (!keep_alive.is_zero()).then_some(keep_alive),
            fallback_to_writer: settings.get_bool(Key::ReadOnlyFallbackToWriter),
            strategy: Strategy::parse(settings.get_enum(EngineKey::ReaderHostSelectorStrategy)),
            probe_interval: settings.get_duration(EngineKey::ResponseMeasurementIntervalMs),
            topology_refresh: settings.get_duration(EngineKey::TopologyRefreshRateMs),
            state: Arc::new(Mutex::new(State {
                mode: Mode::Undecided,
                current: None,
                current_applied: None,
                generation: 0,
                parked: None,
                pending: false,
                skip_marked: false,
                timer_armed: false,
            })),
            probes: Mutex::new(Vec::new()),
        }
    }

    /// Whether a switch is waiting for the transaction to end (tests).
    pub fn is_pending(&self) -> bool {
        self.state.lock().pending
    }

    /// The side of the parked session, if one is kept (tests).
    pub fn parked_side(&self) -> Option<Side> {
        self.state.lock().parked.as_ref().map(|p| p.side)
    }

    /// The cluster when the plugin acts (a reference count per call, nothing more).
    fn cluster(&self) -> Option<Arc<Cluster>> {
        match &self.state.lock().mode {
            Mode::Active(c) => Some(c.clone()),
            _ => None,
        }
    }

    /// Notices a session replaced behind the plugin's back (failover): its side is unknown
    /// now, its characteristics are the restored ones, a parked reader may have been promoted,
    /// so it is let go, and a read-only handle is to move to a reader again. Also closes a
    /// parked reader idle past the keep-alive.
    fn sync(&self, conn: &EngineConnection) {
        let mut dropped = None;
        {
            let mut st = self.state.lock();
            if st.generation != conn.generation {
                st.generation = conn.generation;
                tracing::info!(
                    instance = conn.instance_id.as_deref().unwrap_or("?"),
                    "read/write splitting: the session was replaced (failover); its side is learned again"
                );
                let was = st.current.take();
                st.current_applied = Some(conn.characteristics.set_command());
                // Failover chose by its mode (strict_writer for a cluster endpoint): a handle
                // that wants a reader goes back to one at the end of this call.
                if wanted_side(&conn.characteristics) == Some(Side::Reader) {
                    st.pending = true;
                    st.skip_marked = true;
                }
                // The writer parked while a reader failed over is still the writer; anything
                // parked while the writer failed over may be the new writer, or gone.
                if was != Some(Side::Reader) {
                    dropped = st.parked.take();
                }
            }
            if let (Some(limit), Some(p)) = (self.keep_alive, st.parked.as_ref()) {
                if p.side == Side::Reader && p.since.elapsed() >= limit {
                    dropped = st.parked.take();
                }
            }
        }
        drop(dropped);
    }

    /// The side of the session in use: from the instance id and the cached topology when
    /// they tell, otherwise from the session's role (learned with the instance id at connect
    /// on Aurora, so no round trip).
    fn learn_current(&self, conn: &mut EngineConnection, cluster: &Cluster) -> EngineResult<Side> {
        if let Some(side) = self.state.lock().current {
            return Ok(side);
        }
        let from_topology = conn.instance_id.as_deref().and_then(|id| {
            let t = topology::cached(&cluster.key)?;
            if t.writer_id().is_some_and(|w| w.eq_ignore_ascii_case(id)) {
                Some(Side::Writer)
            } else if t.reader_ids().iter().any(|r| r.eq_ignore_ascii_case(id)) {
                Some(Side::Reader)
            } else {
                None
            }
        });
        // Otherwise the session's role, read once (a demoted writer's sessions are ended by the
        // demotion, so it stays true for a live session).
        let side = match from_topology {
            Some(side) => side,
            None if topology::in_recovery(&mut conn.session)? => Side::Reader,
            None => Side::Writer,
        };
        let mut dropped = None;
        {
            let mut st = self.state.lock();
            st.current = Some(side);
            if st.parked.as_ref().is_some_and(|p| p.side == side) {
                dropped = st.parked.take();
            }
        }
        drop(dropped);
        Ok(side)
    }

    /// Moves the connection to `want`. `Ok(false)` when it stays (no reader reachable and
    /// falling back to the writer is allowed).
    fn switch(
        &self,
        conn: &mut EngineConnection,
        cluster: &Cluster,
        from: Side,
        want: Side,
    ) -> EngineResult<bool> {
        let kept = {
            let mut st = self.state.lock();
            match st.parked.take() {
                Some(p) if p.side == want => Some(p),
                other => {
                    st.parked = other;
                    None
                }
            }
        };
        let kept = kept.filter(|p| {
            let broken = p.session.is_broken();
            if broken {
                tracing::info!(side = want.word(), "read/write splitting: the kept session is gone; opening another");
            }
            !broken
        });
        let mut target = match kept {
            Some(p) => p,
            None => match self.open(conn, cluster, want) {
                Ok(p) => p,
                Err(e) if want == Side::Reader && self.fallback_to_writer => {
                    tracing::warn!("read/write splitting: no reader available ({e}); read-only statements run on the writer");
                    return Ok(false);
                }
                Err(e) => return Err(e),
            },
        };
        if let Some(sql) = needs_command(&target.applied, &conn.characteristics) {
            if let Err(e) = target.session.run_command(&sql) {
                if want == Side::Reader && self.fallback_to_writer {
                    tracing::warn!("read/write splitting: the reader refused the session settings ({e}); read-only statements run on the writer");
                    return Ok(false);
                }
                return Err(e);
            }
        }
        target.applied = Some(conn.characteristics.set_command());
        // Cursors whose rows (or end) wait in the session stay readable on the other one.
        conn.session.hand_over_parked(&mut target.session);
        let session = std::mem::replace(&mut conn.session, target.session);
        let options = std::mem::replace(&mut conn.options, target.options);
        let instance_id = std::mem::replace(&mut conn.instance_id, target.instance_id);
        let seat = std::mem::replace(&mut conn.instance_seat, target.seat);
        conn.generation += 1;
        let arm_timer = {
            let mut st = self.state.lock();
            st.generation = conn.generation;
            let applied = std::mem::replace(&mut st.current_applied, target.applied);
            st.current = Some(want);
            st.parked = Some(Parked {
                side: from,
                session,
                options,
                instance_id,
                seat,
                applied,
                since: Instant::now(),
            });
            st.pending = false;
            st.skip_marked = false;
            let arm = from == Side::Reader && self.keep_alive.is_some() && !st.timer_armed;
            if arm {
                st.timer_armed = true;
            }
            arm
        };
        if arm_timer {
            self.arm_idle_timer();
        }
        tracing::debug!(
            to = want.word(),
            instance = conn.instance_id.as_deref().unwrap_or("?"),
            "read/write splitting: switched"
        );
        Ok(true)
    }

    /// Closes the parked reader once idle past the keep-alive, even when the handle makes no
    /// further call. One task per connection, and only while a reader is parked.
    fn arm_idle_timer(&self) {
        let Some(limit) = self.keep_alive else {
            return;
        };
        let state: Weak<Mutex<State>> = Arc::downgrade(&self.state);
        let spawned = runtime::spawn(async move {
            let mut wait = limit;
            loop {
                tokio::time::sleep(wait).await;
                let Some(state) = state.upgrade() else {
                    return;
                };
                let dropped = {
                    let mut st = state.lock();
                    match st.parked.as_ref() {
                        Some(p) if p.side == Side::Reader => {
                            let idle = p.since.elapsed();
                            if idle >= limit {
                                st.timer_armed = false;
                                st.parked.take()
                            } else {
                                wait = limit - idle;
                                continue;
                            }
                        }
                        _ => {
                            st.timer_armed = false;
                            return;
                        }
                    }
                };
                if dropped.is_some() {
                    tracing::debug!("read/write splitting: closed the idle reader connection");
                }
                drop(dropped);
                return;
            }
        });
        if spawned.is_err() {
            self.state.lock().timer_armed = false;
        }
    }

    /// Opens a session on `side`: a reader chosen by the strategy among the allowed, available
    /// readers (the next one when one fails), or the writer the topology names.
    fn open(&self, conn: &mut EngineConnection, cluster: &Cluster, side: Side) -> EngineResult<Parked> {
        let mut tried: Vec<String> = Vec::new();
        let mut problems = Vec::new();
        // First with the cached topology; when nothing it names works, once more with one read
        // now (a failover since the cache was filled moves the writer and the readers).
        for fresh in [false, true] {
            let topology = match topology::topology(&cluster.key, &mut conn.session, self.topology_refresh, fresh) {
                Ok(t) => t,
                Err(e) if fresh => {
                    problems.push(format!("topology: {e}"));
                    break;
                }
                Err(e) => {
                    tracing::debug!("read/write splitting: topology read failed ({e}); using the cached one");
                    topology::cached(&cluster.key).unwrap_or_default()
                }
            };
            let order = match side {
                Side::Reader => self.reader_order(conn, cluster, &topology),
                // The writer too only when this handle may use it (a custom endpoint's members).
                Side::Writer => selection::candidates(&topology, Role::Writer, &conn.host_filter, &|_| true),
            };
            if order.is_empty() && !fresh {
                let why = match (side, topology.writer_id()) {
                    (Side::Reader, _) => "the cluster topology lists no reader this connection may use".to_string(),
                    (Side::Writer, Some(w)) => format!("the writer {w} is not among the instances this connection may use (custom endpoint members)"),
                    (Side::Writer, None) => "the cluster topology names no writer".to_string(),
                };
                problems.push(format!("topology: {why}"));
            }
            for id in order {
                if tried.contains(&id) {
                    continue;
                }
                tried.push(id.clone());
                match self.open_instance(conn, cluster, &id, side) {
                    Ok(p) => return Ok(p),
                    Err(e) => problems.push(format!("{id}: {e}")),
                }
            }
        }
        let mut err = EngineError::connect(format!(
            "read/write splitting: no {} could be reached{}",
            side.word(),
            problems
                .first()
                .filter(|_| tried.is_empty())
                .map(|p| format!(" ({p})"))
                .unwrap_or_default()
        ));
        err.attempts = problems;
        Err(err)
    }

    /// The readers to try for this connection (see [`order_readers`]); starts the response-time
    /// probes of the candidates for `fastest_response`.
    fn reader_order(&self, conn: &EngineConnection, cluster: &Cluster, topology: &Topology) -> Vec<String> {
        let host_key = |id: &str| {
            let o = cluster.pattern.instance_options(id, &cluster.base, &conn.settings);
            availability::host_key(&o.host, o.port)
        };
        if self.strategy == Strategy::FastestResponse {
            // Held by this handle: the readers stay measured while it may switch.
            let probes: Vec<_> = topology
                .readers
                .iter()
                .filter(|i| conn.host_filter.allows(i))
                .filter_map(|i| {
                    let o = cluster.pattern.instance_options(&i.id, &cluster.base, &conn.settings);
                    response_time::watch(&o, &conn.settings, self.probe_interval)
                })
                .collect();
            *self.probes.lock() = probes;
        }
        let include_marked = !self.state.lock().skip_marked;
        order_readers(
            topology,
            &conn.host_filter,
            conn.instance_id.as_deref(),
            self.strategy,
            include_marked,
            &|id| availability::is_unavailable(&host_key(id), UNAVAILABLE_FOR),
            &|id| match self.strategy {
                Strategy::FastestResponse => response_time::rank(&host_key(id)),
                _ => selection::connections_on(&host_key(id)),
            },
        )
    }

    /// Opens one instance through the connection's pipeline and checks its side.
    fn open_instance(
        &self,
        conn: &EngineConnection,
        cluster: &Cluster,
        id: &str,
        side: Side,
    ) -> EngineResult<Parked> {
        let mut options = cluster.pattern.instance_options(id, &cluster.base, &conn.settings);
        let limit = options.connect_timeout.unwrap_or(DEFAULT_CONNECT_LIMIT);
        options.connect_timeout = Some(limit);
        let key = availability::host_key(&options.host, options.port);
        let request = ConnectRequest {
            options: options.clone(),
            settings: conn.settings.clone(),
            purpose: ConnectPurpose::Replacement,
        };
        let session = match conn.pipeline.connect(&request) {
            Ok(s) => s,
            Err(e) => {
                if e.class == ErrorClass::Connect {
                    availability::mark(&key, Availability::Unavailable);
                }
                return Err(e);
            }
        };
        availability::mark(&key, Availability::Available);
        let mut session = session;
        let (actual, in_recovery) = topology::instance_role_within(&mut session, limit)?;
        let reached = if in_recovery { Side::Reader } else { Side::Writer };
        if reached != side {
            return Err(EngineError::connect(format!(
                "instance {actual} answered as the {}, not a {}",
                reached.word(),
                side.word()
            )));
        }
        if side == Side::Reader && !actual.eq_ignore_ascii_case(id) {
            let allowed = topology::cached(&cluster.key)
                .and_then(|t| t.readers.into_iter().find(|i| i.id.eq_ignore_ascii_case(&actual)))
                .is_some_and(|i| conn.host_filter.allows(&i));
            if !allowed {
                return Err(EngineError::connect(format!(
                    "the host name reached instance {actual}, which this connection may not use"
                )));
            }
        }
        options.connect_timeout = cluster.base.connect_timeout;
        Ok(Parked {
            side,
            session,
            options,
            seat: Some(InstanceSeat::take(&key)),
            instance_id: Some(actual),
            applied: Some(None),
            since: Instant::now(),
        })
    }

    /// Makes a switch asked for inside a transaction once the transaction has ended.
    fn finish_pending(&self, conn: &mut EngineConnection, cluster: &Cluster) {
        if !self.state.lock().pending || pinned(&conn.session) {
            return;
        }
        let Some(want) = wanted_side(&conn.characteristics) else {
            let mut st = self.state.lock();
            st.pending = false;
            st.skip_marked = false;
            return;
        };
        let outcome = self
            .learn_current(conn, cluster)
            .and_then(|from| if from == want { Ok(false) } else { self.switch(conn, cluster, from, want) });
        {
            let mut st = self.state.lock();
            st.pending = false;
            st.skip_marked = false;
        }
        match outcome {
            Ok(true) => {}
            Ok(false) => {
                // Stayed on the writer: it serves the reads, so it must be read-only too.
                // Read apart: the state must not stay locked while the SET runs and is recorded.
                let applied = self.state.lock().current_applied.clone();
                if let Some(sql) = needs_command(&applied, &conn.characteristics) {
                    match conn.session.run_command(&sql) {
                        Ok(()) => self.state.lock().current_applied = Some(Some(sql)),
                        Err(e) => tracing::warn!("read/write splitting: could not apply the session settings: {e}"),
                    }
                }
            }
            Err(e) => tracing::warn!("read/write splitting: the switch asked for inside the transaction failed: {e}"),
        }
    }
}

/// The readers to try, best first: the strategy's choice among the allowed readers not marked
/// `unavailable`, then the rest of those (by `load` for `fastest_response`), then (with
/// `include_marked`) the marked ones; never `current` (the instance in use).
pub fn order_readers(
    topology: &Topology,
    filter: &HostFilter,
    current: Option<&str>,
    strategy: Strategy,
    include_marked: bool,
    unavailable: &dyn Fn(&str) -> bool,
    load: &dyn Fn(&str) -> usize,
) -> Vec<String> {
    let not_current =
        |i: &topology::Instance| current.is_none_or(|c| !c.eq_ignore_ascii_case(&i.id));
    let up = |i: &topology::Instance| not_current(i) && !unavailable(&i.id);
    let first = selection::select(topology, Role::Reader, strategy, filter, &up, &|i| load(&i.id));
    let mut order: Vec<String> = first.into_iter().collect();
    let mut rest = selection::candidates(topology, Role::Reader, filter, &up);
    if strategy == Strategy::FastestResponse {
        rest.sort_by_key(|id| load(id));
    }
    let marked = if include_marked {
        selection::candidates(topology, Role::Reader, filter, &not_current)
    } else {
        Vec::new()
    };
    for id in rest.into_iter().chain(marked) {
        if !order.contains(&id) {
            order.push(id);
        }
    }
    order
}

/// A session that must not be left now: a transaction is open or a result still streams.
fn pinned(session: &Session) -> bool {
    session.in_transaction() || session.has_streaming_result()
}

impl Plugin for ReadWriteSplittingPlugin {
    fn code(&self) -> &'static str {
        CODE
    }

    /// Decides once, at the first connect, whether the plugin acts.
    fn connected(&self, conn: &mut EngineConnection) -> EngineResult<()> {
        let mut st = self.state.lock();
        if !matches!(st.mode, Mode::Undecided) {
            return Ok(());
        }
        st.generation = conn.generation;
        st.current_applied = Some(conn.characteristics.set_command());
        let dialect = match topology::dialect(&conn.settings, &mut conn.session) {
            Ok(d) => d,
            Err(e) => {
                // Decided at the next connected (after a replacement) instead.
                tracing::warn!("read/write splitting: could not learn the server's dialect: {e}");
                return Ok(());
            }
        };
        st.mode = if dialect == Dialect::Postgres {
            tracing::info!(host = %conn.options.host, "read/write splitting: plain PostgreSQL, the plugin stays inert");
            Mode::Inert
        } else {
            match HostPattern::for_connection(&conn.settings, &conn.options.host) {
                Some(pattern) => Mode::Active(Arc::new(Cluster {
                    key: pattern.0.clone(),
                    pattern,
                    base: conn.options.clone(),
                })),
                None => {
                    tracing::warn!(host = %conn.options.host, "read/write splitting: cannot derive instance host names from this server name; set cluster_instance_host_pattern. Splitting is off for this connection");
                    Mode::Inert
                }
            }
        };
        Ok(())
    }

    fn characteristics_changed(
        &self,
        conn: &mut EngineConnection,
        previous: &SessionCharacteristics,
    ) -> EngineResult<CharacteristicsChange> {
        let Some(cluster) = self.cluster() else {
            return Ok(CharacteristicsChange::CallerSends);
        };
        self.sync(conn);
        let Some(want) = wanted_side(&conn.characteristics) else {
            return Ok(CharacteristicsChange::CallerSends);
        };
        // Unchanged access mode (an isolation change, say) on a settled handle: nothing to move.
        // Not settled: the first choice after connect (SQL_ATTR_ACCESS_MODE set before
        // connecting, or the read_only key) must still reach a reader.
        let settled = {
            let st = self.state.lock();
            !st.pending && st.current.is_some()
        };
        if previous.read_only == conn.characteristics.read_only && settled {
            return Ok(CharacteristicsChange::CallerSends);
        }
        let from = self.learn_current(conn, &cluster)?;
        if from == want {
            let was_pending = std::mem::replace(&mut self.state.lock().pending, false);
            if was_pending && pinned(&conn.session) {
                // Cancels a switch that was waiting for the transaction: nothing was sent for
                // it, so this session has what it had, and the transaction goes on.
                return Ok(CharacteristicsChange::AfterTransaction);
            }
            return Ok(CharacteristicsChange::CallerSends);
        }
        if pinned(&conn.session) {
            if want == Side::Writer && conn.session.in_transaction() {
                return Err(EngineError::invalid(
                    "25000",
                    format!(
                        "read/write splitting: a transaction is open on reader {}; end it before switching to read-write",
                        conn.instance_id.as_deref().unwrap_or("?")
                    ),
                ));
            }
            let mut st = self.state.lock();
            st.pending = true;
            // A SET statement may run on this session now: what it has is no longer known.
            st.current_applied = None;
            return Ok(CharacteristicsChange::AfterTransaction);
        }
        if self.switch(conn, &cluster, from, want)? {
            Ok(CharacteristicsChange::InForce)
        } else {
            Ok(CharacteristicsChange::CallerSends)
        }
    }

    fn around_call(
        &self,
        conn: &mut EngineConnection,
        kind: CallKind,
        next: &mut dyn FnMut(&mut EngineConnection) -> EngineResult<()>,
    ) -> EngineResult<()> {
        let Some(cluster) = self.cluster() else {
            return next(conn);
        };
        self.sync(conn);
        let outcome = next(conn);
        self.sync(conn);
        if kind == CallKind::SetAttribute && outcome.is_ok() {
            // The ODBC layer's one SetAttribute call sends exactly the chosen characteristics.
            self.state.lock().current_applied = Some(conn.characteristics.set_command());
        }
        self.finish_pending(conn, &cluster);
        outcome
    }
}
