//! Aurora awareness: dialect detection, the instance a connection is on, the cluster's
//! topology (writer and readers), instance host names, and a per-cluster topology cache.

use super::error::{EngineError, EngineResult};
use super::hostname;
use super::session::{ConnectOptions, Session};
use super::settings::{Key, Settings};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

/// Rows of `aurora_replica_status()` older than this are dropped (unless writer or undated):
/// Aurora keeps rows of instances that left the cluster for a while.
pub const STALE_AFTER_SECS: f64 = 300.0;

/// The topology query: age is computed on the server so client clock skew does not matter.
const TOPOLOGY_SQL: &str = "SELECT server_id::text, session_id::text = 'MASTER_SESSION_ID', \
     coalesce(cpu, 0)::float8, coalesce(replica_lag_in_msec, 0)::float8, \
     extract(epoch FROM (now() - last_update_timestamp))::float8 \
     FROM aurora_replica_status()";

/// Which instance a session reached and whether it is a replica: one round trip, asked once per
/// session, only on Aurora and only when a plugin needs either.
const ROLE_SQL: &str =
    "SELECT aurora_db_instance_identifier()::text, pg_catalog.pg_is_in_recovery()";

/// Dialect detection, with the role in the same round trip (a plugin that needs the dialect
/// usually needs the role next).
const DIALECT_SQL: &str =
    "SELECT to_regproc('aurora_replica_status') IS NOT NULL, pg_catalog.pg_is_in_recovery()";

const RECOVERY_SQL: &str = "SELECT pg_catalog.pg_is_in_recovery()";

/// How long a detected dialect is trusted for an endpoint. An endpoint does not change dialect
/// while a process runs, short of being pointed at another kind of server; this bounds how
/// long such a change goes unnoticed at the cost of one small query per endpoint per period.
const DIALECT_FOR: Duration = Duration::from_secs(600);

/// Which SQL dialect a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    AuroraPostgres,
    Postgres,
}

/// Dialects detected per endpoint ([`Session::endpoint`]), so that the process's later
/// connections to it ask nothing.
static DIALECTS: LazyLock<Mutex<HashMap<String, (bool, Instant)>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The dialect the `database_dialect` key names, if it names one.
pub fn configured_dialect(settings: &Settings) -> Option<Dialect> {
    match settings.get_enum(Key::DatabaseDialect) {
        Some("aurora-postgresql") => Some(Dialect::AuroraPostgres),
        Some("postgresql") => Some(Dialect::Postgres),
        _ => None,
    }
}

/// The dialect: the `database_dialect` key when set, otherwise whether the server has
/// `aurora_replica_status()`: known on the session, or for its endpoint from the process's
/// cache, or else detected (one round trip that also reads the role) and cached. Only plugins
/// that act on Aurora ask, and only after cheaper checks (a host pattern) say they might.
pub fn dialect(settings: &Settings, session: &mut Session) -> EngineResult<Dialect> {
    if let Some(d) = configured_dialect(settings) {
        return Ok(d);
    }
    let aurora = match session.learned().aurora {
        Some(a) => a,
        None => {
            let cached = DIALECTS
                .lock()
                .get(session.endpoint())
                .filter(|(_, at)| at.elapsed() < DIALECT_FOR)
                .map(|(a, _)| *a);
            let a = match cached {
                Some(a) => a,
                None => {
                    let rows = session.simple_rows_now(DIALECT_SQL)?;
                    let row = rows.first();
                    let a = row.and_then(|r| flag(r, 0)).unwrap_or(false);
                    if let Some(in_recovery) = row.and_then(|r| flag(r, 1)) {
                        session.learned_mut().in_recovery = Some(in_recovery);
                    }
                    DIALECTS
                        .lock()
                        .insert(session.endpoint().to_string(), (a, Instant::now()));
                    a
                }
            };
            session.learned_mut().aurora = Some(a);
            a
        }
    };
    Ok(if aurora {
        Dialect::AuroraPostgres
    } else {
        Dialect::Postgres
    })
}

/// A boolean column of a simple-query row (`t`/`f`).
fn flag(row: &[Option<String>], i: usize) -> Option<bool> {
    match row.get(i)?.as_deref()? {
        "t" => Some(true),
        "f" => Some(false),
        _ => None,
    }
}

/// Forgets the dialect cached for `endpoint`: an Aurora function turned out missing there.
fn forget_dialect(endpoint: &str) {
    DIALECTS.lock().remove(endpoint);
}

/// The instance an Aurora session reached and whether it is a replica: known on the session,
/// or asked once (one round trip). A server without Aurora's functions after all has its
/// endpoint's cached dialect forgotten.
pub fn instance_role(session: &mut Session) -> EngineResult<(String, bool)> {
    let learned = session.learned();
    if let (Some(id), Some(in_recovery)) = (&learned.instance_id, learned.in_recovery) {
        return Ok((id.clone(), in_recovery));
    }
    let asked = session.simple_rows_now(ROLE_SQL);
    record_role(session, asked)
}

/// [`instance_role`] bounded by `limit`: how failover and read/write splitting check a session
/// they opened (the answer stays on the session for the plugins that look next).
pub fn instance_role_within(
    session: &mut Session,
    limit: Duration,
) -> EngineResult<(String, bool)> {
    let learned = session.learned();
    if let (Some(id), Some(in_recovery)) = (&learned.instance_id, learned.in_recovery) {
        return Ok((id.clone(), in_recovery));
    }
    let asked = session
        .block_on(async { tokio::time::timeout(limit, session.simple_rows(ROLE_SQL)).await })
        .and_then(|r| {
            r.map_err(|_| {
                EngineError::timeout(format!("no answer within {} ms", limit.as_millis()))
            })
        })
        .and_then(|r| r);
    record_role(session, asked)
}

/// Records the answer of [`ROLE_SQL`] on the session.
fn record_role(
    session: &mut Session,
    asked: EngineResult<Vec<Vec<Option<String>>>>,
) -> EngineResult<(String, bool)> {
    let rows = match asked {
        Ok(rows) => rows,
        Err(e) => {
            if e.sqlstate_str() == "42883" {
                forget_dialect(session.endpoint());
                session.learned_mut().aurora = Some(false);
            }
            return Err(e);
        }
    };
    let row = rows
        .first()
        .ok_or_else(|| EngineError::internal("the instance query returned no row"))?;
    let id = row
        .first()
        .cloned()
        .flatten()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            EngineError::internal("aurora_db_instance_identifier() returned no value")
        })?;
    let in_recovery = flag(row, 1).unwrap_or(false);
    let learned = session.learned_mut();
    learned.aurora = Some(true);
    learned.instance_id = Some(id.clone());
    learned.in_recovery = Some(in_recovery);
    Ok((id, in_recovery))
}

/// Whether the session's instance is a replica: known on the session, or asked once (on
/// Aurora with the instance id, otherwise alone).
pub fn in_recovery(session: &mut Session) -> EngineResult<bool> {
    if let Some(r) = session.learned().in_recovery {
        return Ok(r);
    }
    if session.learned().aurora == Some(true) {
        return instance_role(session).map(|(_, r)| r);
    }
    let rows = session.simple_rows_now(RECOVERY_SQL)?;
    let r = rows.first().and_then(|r| flag(r, 0)).unwrap_or(false);
    session.learned_mut().in_recovery = Some(r);
    Ok(r)
}

/// One instance of the cluster as the topology reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub id: String,
    pub is_writer: bool,
    pub cpu: f64,
    pub lag_ms: f64,
    /// Seconds since the row was last updated; `None` when the row carries no timestamp.
    pub age_secs: Option<f64>,
}

/// Writer and readers of a cluster at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Topology {
    pub writer: Option<Instance>,
    pub readers: Vec<Instance>,
}

impl Topology {
    /// Applies the filtering rules to raw rows: stale rows go (unless writer or undated); of two
    /// writers the most recently updated wins and the other is dropped.
    pub fn from_rows(rows: Vec<Instance>) -> Topology {
        let mut writer: Option<Instance> = None;
        let mut readers = Vec::new();
        for row in rows {
            let stale = row.age_secs.is_some_and(|a| a > STALE_AFTER_SECS);
            if row.is_writer {
                let newer = match &writer {
                    None => true,
                    Some(w) => row.age_secs.unwrap_or(f64::MAX) < w.age_secs.unwrap_or(f64::MAX),
                };
                if newer {
                    writer = Some(row);
                }
            } else if !stale {
                readers.push(row);
            }
        }
        if let Some(w) = &writer {
            readers.retain(|r| r.id != w.id);
        }
        readers.sort_by(|a, b| a.id.cmp(&b.id));
        Topology { writer, readers }
    }

    pub fn writer_id(&self) -> Option<&str> {
        self.writer.as_ref().map(|w| w.id.as_str())
    }

    pub fn reader_ids(&self) -> Vec<&str> {
        self.readers.iter().map(|r| r.id.as_str()).collect()
    }

    pub fn contains(&self, id: &str) -> bool {
        self.writer_id() == Some(id) || self.readers.iter().any(|r| r.id == id)
    }

    pub fn is_empty(&self) -> bool {
        self.writer.is_none() && self.readers.is_empty()
    }
}

/// Reads the topology over `session` (blocking; one round trip).
pub fn query_topology(session: &mut Session) -> EngineResult<Topology> {
    let rows = session.simple_rows_now(TOPOLOGY_SQL)?;
    let instances = rows
        .iter()
        .map(|r| text_row_to_instance(r))
        .collect::<EngineResult<Vec<_>>>()?;
    Ok(Topology::from_rows(
        instances.into_iter().filter(|i| !i.id.is_empty()).collect(),
    ))
}

/// An `aurora_replica_status()` row read as text (simple protocol).
fn text_row_to_instance(row: &[Option<String>]) -> EngineResult<Instance> {
    let number = |i: usize| -> EngineResult<Option<f64>> {
        match row.get(i).cloned().flatten() {
            None => Ok(None),
            Some(t) => t.parse::<f64>().map(Some).map_err(|e| {
                EngineError::internal(format!(
                    "unexpected aurora_replica_status() value {t:?}: {e}"
                ))
            }),
        }
    };
    Ok(Instance {
        id: row.first().cloned().flatten().unwrap_or_default(),
        is_writer: flag(row, 1).unwrap_or(false),
        cpu: number(2)?.unwrap_or(0.0),
        lag_ms: number(3)?.unwrap_or(0.0),
        age_secs: number(4)?,
    })
}

/// Reads the topology from async code (one round trip).
pub async fn query_topology_async(session: &Session) -> EngineResult<Topology> {
    let rows = session.simple_rows(TOPOLOGY_SQL).await?;
    let instances = rows
        .iter()
        .map(|r| text_row_to_instance(r))
        .collect::<EngineResult<Vec<_>>>()?;
    Ok(Topology::from_rows(
        instances.into_iter().filter(|i| !i.id.is_empty()).collect(),
    ))
}

/// The Aurora instance id the session is connected to, asked now (blocking; one round trip,
/// so a network-bound call that checks the session). Plugins that only need to know use
/// [`instance_role`], which asks once per session.
pub fn query_instance_id(session: &mut Session) -> EngineResult<String> {
    let asked = session.simple_rows_now(ROLE_SQL);
    record_role(session, asked).map(|(id, _)| id)
}

/// Async form of [`query_instance_id`] (one round trip, not cached).
pub async fn query_instance_id_async(session: &Session) -> EngineResult<String> {
    let rows = session.simple_rows(ROLE_SQL).await?;
    rows.first()
        .and_then(|r| r.first().cloned().flatten())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| EngineError::internal("aurora_db_instance_identifier() returned no value"))
}

/// How instance host names are made: `cluster_instance_host_pattern`, or `?.<domain>` taken
/// from the connection's host name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern(pub String);

impl HostPattern {
    pub fn for_connection(settings: &Settings, host: &str) -> Option<HostPattern> {
        if let Some(p) = settings.get_str(Key::ClusterInstanceHostPattern) {
            return Some(HostPattern(p.to_string()));
        }
        hostname::default_instance_pattern(host).map(HostPattern)
    }

    /// The host name and port of instance `id`.
    pub fn instance(&self, id: &str, default_port: u16) -> (String, u16) {
        let (host, port) = hostname::instance_host(&self.0, id);
        (host, port.unwrap_or(default_port))
    }

    /// The options of a connection to instance `id`, from `base` (credentials, timeouts) with
    /// the instance's host, port and any `host_address_map` pin.
    pub fn instance_options(
        &self,
        id: &str,
        base: &ConnectOptions,
        settings: &Settings,
    ) -> ConnectOptions {
        // The port instance names come with is the one the application named, not a pin's.
        let (host, port) = self.instance(id, base.named_port.unwrap_or(base.port));
        let mut opts = base.clone();
        opts.port = port;
        opts.address = settings
            .pinned_address(&host)
            .map(|pin| std::net::SocketAddr::new(pin.addr, pin.port.unwrap_or(port)));
        opts.named_port = None;
        if let Some(addr) = opts.address.filter(|a| a.port() != port) {
            opts.port = addr.port();
            opts.named_port = Some(port);
        }
        opts.host = host;
        opts
    }
}

/// A cached topology of one cluster.
struct CacheEntry {
    topology: Topology,
    fetched: Instant,
    /// The last writer any stored topology of this cluster named (kept through topologies
    /// that name none, as during a promotion), to tell when the writer changes.
    last_writer: Option<String>,
}

static CACHE: LazyLock<Mutex<HashMap<String, CacheEntry>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Told `(cluster_key, old_writer, new_writer)` when a topology stored for a cluster names
/// another writer than the last one stored: a failover happened, seen by whichever connection
/// of the process read the topology. Plugins register one (the engine never names them).
pub type WriterChangeListener = fn(&str, &str, &str);

static LISTENERS: LazyLock<parking_lot::RwLock<Vec<WriterChangeListener>>> =
    LazyLock::new(Default::default);

/// Registers `listener` for writer changes of every cluster (once; registering it again does
/// nothing).
pub fn on_writer_change(listener: WriterChangeListener) {
    let mut all = LISTENERS.write();
    if !all.iter().any(|l| std::ptr::fn_addr_eq(*l, listener)) {
        all.push(listener);
    }
}

/// The cluster's topology from the cache when younger than `refresh`, otherwise (or when
/// `force`) read over `session` and cached. `cluster_key` names the cluster (its host pattern).
pub fn topology(
    cluster_key: &str,
    session: &mut Session,
    refresh: Duration,
    force: bool,
) -> EngineResult<Topology> {
    if !force {
        if let Some(entry) = CACHE.lock().get(cluster_key) {
            if entry.fetched.elapsed() < refresh {
                return Ok(entry.topology.clone());
            }
        }
    }
    let fresh = query_topology(session)?;
    store(cluster_key, fresh.clone());
    Ok(fresh)
}

/// Records a topology read elsewhere (e.g. by a monitor or during failover), and tells the
/// writer-change listeners when it names a new writer.
pub fn store(cluster_key: &str, topology: Topology) {
    let new_writer = topology.writer_id().map(str::to_string);
    let changed = {
        let mut cache = CACHE.lock();
        let previous = cache.get(cluster_key).and_then(|e| e.last_writer.clone());
        let changed = match (&previous, &new_writer) {
            (Some(old), Some(new)) if !old.eq_ignore_ascii_case(new) => {
                Some((old.clone(), new.clone()))
            }
            _ => None,
        };
        cache.insert(
            cluster_key.to_string(),
            CacheEntry {
                topology,
                fetched: Instant::now(),
                last_writer: new_writer.or(previous),
            },
        );
        changed
    };
    if let Some((old, new)) = changed {
        tracing::info!(cluster = cluster_key, old_writer = %old, new_writer = %new, "topology names a new writer");
        // Copied out so a listener may register others or read the cache.
        let listeners = LISTENERS.read().clone();
        for listener in listeners {
            listener(cluster_key, &old, &new);
        }
    }
}

/// The cached topology regardless of age.
pub fn cached(cluster_key: &str) -> Option<Topology> {
    CACHE.lock().get(cluster_key).map(|e| e.topology.clone())
}

/// The cached topology when younger than `refresh`.
pub fn cached_within(cluster_key: &str, refresh: Duration) -> Option<Topology> {
    CACHE
        .lock()
        .get(cluster_key)
        .filter(|e| e.fetched.elapsed() < refresh)
        .map(|e| e.topology.clone())
}

/// Forgets cached topologies and dialects (tests, release).
pub fn clear_cache() {
    CACHE.lock().clear();
    DIALECTS.lock().clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(id: &str, writer: bool, age: Option<f64>) -> Instance {
        Instance {
            id: id.into(),
            is_writer: writer,
            cpu: 0.0,
            lag_ms: 0.0,
            age_secs: age,
        }
    }

    #[test]
    fn stale_readers_are_dropped_but_not_undated_ones() {
        let t = Topology::from_rows(vec![
            inst("w", true, Some(1000.0)),
            inst("r1", false, Some(10.0)),
            inst("r2", false, Some(400.0)),
            inst("r3", false, None),
        ]);
        assert_eq!(t.writer_id(), Some("w"));
        assert_eq!(t.reader_ids(), vec!["r1", "r3"]);
    }

    #[test]
    fn of_two_writers_the_most_recent_wins() {
        let t = Topology::from_rows(vec![
            inst("old", true, Some(50.0)),
            inst("new", true, Some(1.0)),
            inst("r", false, Some(1.0)),
        ]);
        assert_eq!(t.writer_id(), Some("new"));
        assert_eq!(t.reader_ids(), vec!["r"]);
    }

    static CHANGES: Mutex<Vec<(String, String, String)>> = Mutex::new(Vec::new());

    fn record(cluster: &str, old: &str, new: &str) {
        if cluster.starts_with("?.listener-test") {
            CHANGES
                .lock()
                .push((cluster.into(), old.into(), new.into()));
        }
    }

    #[test]
    fn a_new_writer_is_told_once_and_writerless_topologies_are_not_a_change() {
        on_writer_change(record);
        on_writer_change(record);
        let key = "?.listener-test.example";
        let topo = |w: Option<&str>, readers: &[&str]| Topology {
            writer: w.map(|w| inst(w, true, Some(0.0))),
            readers: readers.iter().map(|r| inst(r, false, Some(0.0))).collect(),
        };
        store(key, topo(Some("a"), &["b"]));
        store(key, topo(Some("A"), &["b"]));
        assert!(
            CHANGES.lock().is_empty(),
            "same writer (any case): no change"
        );
        store(key, topo(None, &["a", "b"]));
        assert!(
            CHANGES.lock().is_empty(),
            "no writer during a promotion: no change yet"
        );
        store(key, topo(Some("b"), &["a"]));
        store(key, topo(Some("b"), &["a"]));
        assert_eq!(
            *CHANGES.lock(),
            vec![(key.to_string(), "A".to_string(), "b".to_string())],
            "told once, by the listener registered once"
        );
        assert_eq!(
            cached_within(key, Duration::from_secs(60))
                .and_then(|t| t.writer)
                .map(|w| w.id),
            Some("b".to_string())
        );
        assert!(cached_within(key, Duration::ZERO).is_none());
    }

    #[test]
    fn instance_host_from_pattern() {
        let p = HostPattern("?.abc.us-east-1.rds.amazonaws.com:6543".into());
        assert_eq!(
            p.instance("db-1", 5432),
            ("db-1.abc.us-east-1.rds.amazonaws.com".to_string(), 6543)
        );
        let q = HostPattern("?.db.example.com".into());
        assert_eq!(
            q.instance("x", 5432),
            ("x.db.example.com".to_string(), 5432)
        );
    }
}
