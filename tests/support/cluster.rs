//! The stand-in cluster: one writer and streaming replicas of real PostgreSQL, each behind a
//! fault proxy, with Aurora's topology functions stood in.
//!
//! The API is blocking (processes and psql); from an async test call it directly or through
//! `spawn_blocking`. Every method takes `&self`, so a test may share the cluster in an `Arc`.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

mod node;

use super::aurora_sql;
use super::error::{Error, Result};
use super::iam_proxy::{self, IamGate, IamProxy, IamSettings, SignedHosts};
use super::ports::{self, LOOPBACK};
use super::process::{self, PgTools, Spawner};
use super::proxy::FaultProxy;
use super::rds_stub::StubOptions;
use super::{TEST_DATABASE, TEST_PASSWORD, TEST_USER};
use node::{await_ready, is_running, read_from, session_id, stop_node, write_standby_conf};

/// The session id Aurora gives the writer's row in `aurora_replica_status()`.
pub const WRITER_SESSION_ID: &str = "MASTER_SESSION_ID";

/// How to build the cluster.
#[derive(Clone, Debug)]
pub struct ClusterOptions {
    /// Streaming replicas besides the writer.
    pub replicas: usize,
    /// DB cluster identifier, as in `<cluster_id>.cluster-<hash>.<region>.rds.amazonaws.com`.
    pub cluster_id: String,
    pub region: String,
    pub dns_hash: String,
    /// Later tests open many connections at once.
    pub max_connections: u32,
    /// Extra `name = value` lines for every node's postgresql.conf.
    pub settings: Vec<(String, String)>,
    /// IAM database authentication: when set, an IAM proxy (TLS, token check) stands between
    /// each fault proxy and its instance, and the users it names log in only with tokens.
    pub iam: Option<IamSettings>,
}

impl ClusterOptions {
    /// Adds synchronous replication: the writer acknowledges a commit only once a replica has
    /// flushed it (`synchronous_standby_names = 'ANY 1 (*)'`), standing in for Aurora's shared
    /// storage, which loses no acknowledged commit at failover. After a crash of the writer,
    /// promote [`Cluster::most_advanced_replica`] to keep every acknowledged commit. The
    /// harness's own writes do not wait for a standby.
    pub fn with_synchronous_replication(mut self) -> Self {
        self.settings
            .push(("synchronous_standby_names".into(), "'ANY 1 (*)'".into()));
        self
    }
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            replicas: 2,
            cluster_id: "standin-cluster".into(),
            region: "us-east-1".into(),
            dns_hash: "abc123".into(),
            max_connections: 300,
            settings: Vec::new(),
            iam: None,
        }
    }
}

/// What an instance currently is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Writer,
    Reader,
}

/// A snapshot of one instance.
#[derive(Clone, Debug)]
pub struct InstanceInfo {
    /// Instance id, also its `cluster_name` (`instance-1`, ...).
    pub id: String,
    /// The RDS-style instance host name the driver is given (mapped by `host_map`).
    pub host: String,
    /// The port PostgreSQL itself listens on (no faults).
    pub port: u16,
    /// The port of the fault proxy in front of it: what the driver should use.
    pub proxy_port: u16,
    pub role: Role,
    pub running: bool,
    pub data_dir: PathBuf,
}

/// When a topology row says it was last updated.
#[derive(Clone, Debug, PartialEq)]
pub enum RowUpdate {
    /// `now()` at query time: a live row.
    Now,
    /// A NULL timestamp.
    Null,
    /// A fixed time in the past (written as `now() - N seconds` when the table is rewritten).
    SecondsAgo(u64),
}

/// One row of `aurora_replica_status()` as the harness writes it.
#[derive(Clone, Debug, PartialEq)]
pub struct TopologyRow {
    pub server_id: String,
    pub session_id: String,
    pub replica_lag_in_msec: f64,
    pub cpu: f64,
    pub last_update: RowUpdate,
}

struct Node {
    id: String,
    data_dir: PathBuf,
    log: PathBuf,
    port: u16,
    role: Role,
    child: Option<Child>,
    /// Length of the log file when the server was last launched: where its startup output begins.
    log_mark: u64,
    /// A former writer: its history diverged, so it must be rebuilt before it can follow.
    stale: bool,
}

struct State {
    nodes: Vec<Node>,
    topology: Vec<TopologyRow>,
    /// Custom endpoint id -> instance id, for `host_map`.
    pins: BTreeMap<String, String>,
}

/// A running stand-in cluster. Dropping it stops every server, closes the proxies and removes
/// the temporary directory.
pub struct Cluster {
    options: ClusterOptions,
    tools: PgTools,
    base: PathBuf,
    state: Mutex<State>,
    /// One per node, same order as `State::nodes`.
    proxies: Vec<FaultProxy>,
    /// With `ClusterOptions::iam`: the shared checks and one IAM proxy per node, same order.
    iam: Option<(Arc<IamGate>, Vec<IamProxy>)>,
    startup: Duration,
    // Declared last: dropped after the servers are stopped in `Drop::drop`.
    spawner: Spawner,
}

/// How to stop a server (the signals `pg_ctl stop -m fast|immediate` sends, or SIGKILL).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    Fast,
    Immediate,
    Kill,
}

enum StartFailure {
    PortTaken,
    Other(Error),
}

impl Cluster {
    /// Starts a writer and `replicas` streaming replicas, with proxies, on free ports.
    pub fn start(options: ClusterOptions) -> Result<Cluster> {
        let began = Instant::now();
        let tools = PgTools::locate()?;
        let base = process::make_temp_dir(&tools)?;
        let spawner = Spawner::new()?;
        let mut cluster = Cluster {
            options,
            tools,
            base,
            state: Mutex::new(State {
                nodes: Vec::new(),
                topology: Vec::new(),
                pins: BTreeMap::new(),
            }),
            proxies: Vec::new(),
            iam: None,
            startup: Duration::ZERO,
            spawner,
        };
        // On error `cluster` is dropped here, which stops whatever did start.
        cluster.build()?;
        cluster.startup = began.elapsed();
        Ok(cluster)
    }

    /// A writer and two replicas with default names.
    pub fn start_default() -> Result<Cluster> {
        Cluster::start(ClusterOptions::default())
    }

    fn build(&mut self) -> Result<()> {
        let count = self.options.replicas + 1;
        let mut nodes = Vec::with_capacity(count);
        for n in 1..=count {
            let id = format!("instance-{n}");
            nodes.push(Node {
                data_dir: self.base.join(&id),
                log: self.base.join(format!("{id}.log")),
                id,
                port: ports::reserve_port()?,
                role: if n == 1 { Role::Writer } else { Role::Reader },
                child: None,
                log_mark: 0,
                stale: false,
            });
        }
        let topology: Vec<TopologyRow> = nodes
            .iter()
            .map(|node| TopologyRow {
                server_id: node.id.clone(),
                session_id: session_id(&node.id, node.role),
                replica_lag_in_msec: 0.0,
                cpu: 0.0,
                last_update: RowUpdate::Now,
            })
            .collect();
        self.start_iam_proxies(&nodes)?;
        for (i, node) in nodes.iter().enumerate() {
            let target = match &self.iam {
                Some((_, iam_proxies)) => iam_proxies[i].addr(),
                None => SocketAddr::from((LOOPBACK, node.port)),
            };
            self.proxies.push(FaultProxy::start(target)?);
        }
        let mut state = self.state.lock();
        state.nodes = nodes;
        state.topology = topology.clone();

        // The writer: initdb, configure, start, create the Aurora stand-in objects.
        let writer = &mut state.nodes[0];
        self.initdb(writer)?;
        self.start_node(writer, 0)?;
        let writer_port = writer.port;
        self.psql_script(
            writer_port,
            "postgres",
            &aurora_sql::setup_script(&topology),
        )
        .map_err(|e| Error::context("creating the Aurora stand-in objects", e))?;
        self.create_iam_roles(writer_port)?;

        // Replicas: base backups in parallel, then all servers start together.
        let replicas = &mut state.nodes[1..];
        std::thread::scope(|scope| -> Result<()> {
            let jobs: Vec<_> = replicas
                .iter()
                .map(|node| scope.spawn(|| self.base_backup(node, writer_port)))
                .collect();
            for job in jobs {
                job.join()
                    .map_err(|_| Error::new("a base backup thread panicked"))??;
            }
            Ok(())
        })?;
        for node in replicas.iter_mut() {
            self.launch(node)?;
        }
        for (i, node) in replicas.iter_mut().enumerate() {
            self.await_ready_or_retry(node, i + 1)?;
        }
        Ok(())
    }

    /// Starts the IAM proxies (`ClusterOptions::iam`), with a certificate for the cluster's names.
    fn start_iam_proxies(&mut self, nodes: &[Node]) -> Result<()> {
        let Some(settings) = self.options.iam.clone() else {
            return Ok(());
        };
        let mut names: Vec<String> = nodes.iter().map(|n| self.instance_host(&n.id)).collect();
        names.push(self.cluster_endpoint_host());
        names.push(self.reader_endpoint_host());
        names.push(format!("*.cluster-custom-{}", self.domain()));
        let (cert, key) = iam_proxy::make_certificate(&self.base, &names)?;
        let gate = Arc::new(IamGate::new(settings, &self.options.region, &cert, &key)?);
        let mut iam_proxies = Vec::with_capacity(nodes.len());
        for node in nodes {
            let hosts = SignedHosts {
                instance: self.instance_host(&node.id).to_ascii_lowercase(),
                cluster_endpoint: self.cluster_endpoint_host().to_ascii_lowercase(),
                reader_endpoint: self.reader_endpoint_host().to_ascii_lowercase(),
                custom_suffix: format!(".cluster-custom-{}", self.domain()).to_ascii_lowercase(),
            };
            let upstream = SocketAddr::from((LOOPBACK, node.port));
            iam_proxies.push(IamProxy::start(gate.clone(), &node.id, hosts, upstream)?);
        }
        self.iam = Some((gate, iam_proxies));
        Ok(())
    }

    /// Login roles for IAM users other than the test user (their password is what the IAM
    /// proxy logs in with).
    fn create_iam_roles(&self, writer_port: u16) -> Result<()> {
        let Some(settings) = &self.options.iam else {
            return Ok(());
        };
        for (user, password) in settings.users.iter().filter(|(u, _)| u != TEST_USER) {
            let role = user.replace('"', "\"\"");
            let password = password.replace('\'', "''");
            self.psql_script(
                writer_port,
                TEST_DATABASE,
                &format!(
                    "CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}';\n\
                     GRANT ALL ON DATABASE {TEST_DATABASE} TO \"{role}\";\n\
                     GRANT ALL ON SCHEMA public TO \"{role}\";\n"
                ),
            )
            .map_err(|e| Error::context(format!("creating IAM role {user}"), e))?;
        }
        Ok(())
    }

    /// The IAM checks every instance shares (`ClusterOptions::iam`): their record of logins,
    /// the count of distinct tokens, their settings.
    pub fn iam(&self) -> Option<&IamGate> {
        self.iam.as_ref().map(|(gate, _)| gate.as_ref())
    }

    /// The certificate the IAM proxies present (PEM), for `sslrootcert`-style checks.
    pub fn iam_certificate(&self) -> PathBuf {
        self.base.join("iam-proxy.pem")
    }

    /// Sends traffic for node `index` to `port`: through its IAM proxy when there is one.
    fn route(&self, index: usize, port: u16) {
        let target = SocketAddr::from((LOOPBACK, port));
        match &self.iam {
            Some((_, iam_proxies)) => {
                if let Some(proxy) = iam_proxies.get(index) {
                    proxy.set_upstream(target);
                }
            }
            None => {
                if let Some(proxy) = self.proxies.get(index) {
                    proxy.set_upstream(target);
                }
            }
        }
    }

    /// How long `start` took, servers, objects and proxies included.
    pub fn startup_time(&self) -> Duration {
        self.startup
    }

    /// The temporary directory holding every data directory and log.
    pub fn base_dir(&self) -> &Path {
        &self.base
    }

    pub fn options(&self) -> &ClusterOptions {
        &self.options
    }

    /// Options for an [`RdsStub`](super::RdsStub) that names endpoints in this cluster's domain.
    pub fn stub_options(&self) -> StubOptions {
        StubOptions {
            cluster_id: self.options.cluster_id.clone(),
            region: self.options.region.clone(),
            dns_hash: self.options.dns_hash.clone(),
            ..StubOptions::default()
        }
    }

    /// Every instance, in id order.
    pub fn instances(&self) -> Vec<InstanceInfo> {
        let mut state = self.state.lock();
        let mut infos = Vec::new();
        for i in 0..state.nodes.len() {
            let node = &mut state.nodes[i];
            infos.push(self.info(node, i));
        }
        infos
    }

    pub fn instance(&self, id: &str) -> Option<InstanceInfo> {
        self.instances().into_iter().find(|i| i.id == id)
    }

    pub fn instance_ids(&self) -> Vec<String> {
        self.state
            .lock()
            .nodes
            .iter()
            .map(|n| n.id.clone())
            .collect()
    }

    /// The id of the current writer.
    pub fn writer_id(&self) -> String {
        let state = self.state.lock();
        state
            .nodes
            .iter()
            .find(|n| n.role == Role::Writer)
            .map(|n| n.id.clone())
            .unwrap_or_default()
    }

    /// Ids of the current readers.
    pub fn reader_ids(&self) -> Vec<String> {
        let state = self.state.lock();
        state
            .nodes
            .iter()
            .filter(|n| n.role == Role::Reader)
            .map(|n| n.id.clone())
            .collect()
    }

    fn info(&self, node: &mut Node, index: usize) -> InstanceInfo {
        let running = match node.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        };
        InstanceInfo {
            id: node.id.clone(),
            host: self.instance_host(&node.id),
            port: node.port,
            proxy_port: self.proxies.get(index).map_or(0, FaultProxy::port),
            role: node.role,
            running,
            data_dir: node.data_dir.clone(),
        }
    }

    /// The fault proxy in front of an instance.
    pub fn proxy(&self, id: &str) -> Option<&FaultProxy> {
        let index = self.state.lock().nodes.iter().position(|n| n.id == id)?;
        self.proxies.get(index)
    }

    /// Sets the fault mode of one instance's proxy.
    pub fn set_fault(&self, id: &str, mode: super::FaultMode) -> Result<()> {
        self.proxy(id)
            .ok_or_else(|| Error::new(format!("no instance {id}")))?
            .set_mode(mode)
    }

    /// `<id>.<hash>.<region>.rds.amazonaws.com`.
    pub fn instance_host(&self, id: &str) -> String {
        format!("{id}.{}", self.domain())
    }

    /// `<hash>.<region>.rds.amazonaws.com`: the cluster's DNS domain.
    pub fn domain(&self) -> String {
        format!(
            "{}.{}.rds.amazonaws.com",
            self.options.dns_hash, self.options.region
        )
    }

    /// The cluster (writer) endpoint name.
    pub fn cluster_endpoint_host(&self) -> String {
        format!("{}.cluster-{}", self.options.cluster_id, self.domain())
    }

    /// The reader endpoint name.
    pub fn reader_endpoint_host(&self) -> String {
        format!("{}.cluster-ro-{}", self.options.cluster_id, self.domain())
    }

    /// A custom endpoint name: `<id>.cluster-custom-<hash>.<region>.rds.amazonaws.com`.
    pub fn custom_endpoint_host(&self, endpoint_id: &str) -> String {
        format!("{endpoint_id}.cluster-custom-{}", self.domain())
    }

    /// Makes `host_map` send a custom endpoint's name to one instance's proxy (standing in for
    /// the DNS answer of that endpoint).
    pub fn pin_custom_endpoint(&self, endpoint_id: &str, instance_id: &str) -> Result<()> {
        let mut state = self.state.lock();
        if !state.nodes.iter().any(|n| n.id == instance_id) {
            return Err(Error::new(format!("no instance {instance_id}")));
        }
        state
            .pins
            .insert(endpoint_id.to_string(), instance_id.to_string());
        Ok(())
    }

    /// The `host_address_map` DSN value: every instance name, the cluster and reader endpoint
    /// names and pinned custom endpoints, each mapped to `127.0.0.1:<proxy port>`.
    pub fn host_map(&self) -> String {
        let state = self.state.lock();
        let proxied = |id: &str| -> Option<String> {
            let index = state.nodes.iter().position(|n| n.id == id)?;
            Some(format!("{LOOPBACK}:{}", self.proxies.get(index)?.port()))
        };
        let mut entries = Vec::new();
        for node in &state.nodes {
            if let Some(addr) = proxied(&node.id) {
                entries.push(format!("{}={addr}", self.instance_host(&node.id)));
            }
        }
        let writer = state.nodes.iter().find(|n| n.role == Role::Writer);
        if let Some(addr) = writer.and_then(|w| proxied(&w.id)) {
            entries.push(format!("{}={addr}", self.cluster_endpoint_host()));
        }
        let reader = state
            .nodes
            .iter()
            .find(|n| n.role == Role::Reader && n.child.is_some())
            .or(writer);
        if let Some(addr) = reader.and_then(|r| proxied(&r.id)) {
            entries.push(format!("{}={addr}", self.reader_endpoint_host()));
        }
        for (endpoint, instance) in &state.pins {
            if let Some(addr) = proxied(instance) {
                entries.push(format!("{}={addr}", self.custom_endpoint_host(endpoint)));
            }
        }
        entries.join(",")
    }

    /// A tokio-postgres / libpq connection string for the test user through an instance's proxy.
    pub fn conn_str(&self, id: &str) -> Result<String> {
        let info = self
            .instance(id)
            .ok_or_else(|| Error::new(format!("no instance {id}")))?;
        Ok(format!(
            "host={LOOPBACK} port={} user={TEST_USER} password={TEST_PASSWORD} dbname={TEST_DATABASE}",
            info.proxy_port
        ))
    }

    /// Changes the test role's password on the writer and waits until the replicas have it
    /// (a rotation's "set secret" step).
    pub fn set_test_password(&self, password: &str) -> Result<()> {
        let quoted = password.replace('\'', "''");
        self.query(
            &self.writer_id(),
            &format!("ALTER ROLE {TEST_USER} PASSWORD '{quoted}'"),
        )?;
        self.wait_replicated()
    }

    /// Runs SQL with psql as superuser `postgres` on an instance (directly, not through the
    /// proxy) in the test database; returns the rows unaligned, `|`-separated, trimmed.
    pub fn query(&self, id: &str, sql: &str) -> Result<String> {
        self.query_db(id, TEST_DATABASE, sql)
    }

    /// Like [`query`](Self::query) in another database.
    pub fn query_db(&self, id: &str, database: &str, sql: &str) -> Result<String> {
        let port = self
            .instance(id)
            .ok_or_else(|| Error::new(format!("no instance {id}")))?
            .port;
        self.psql_script(port, database, sql)
            .map(|out| out.trim().to_string())
    }

    /// The topology rows the harness last wrote.
    pub fn topology(&self) -> Vec<TopologyRow> {
        self.state.lock().topology.clone()
    }

    /// Changes the topology rows (lag, cpu, staleness, even who claims to be writer) and
    /// rewrites the table on the writer; returns once every running replica has replayed it.
    pub fn modify_topology(&self, change: impl FnOnce(&mut Vec<TopologyRow>)) -> Result<()> {
        let mut state = self.state.lock();
        change(&mut state.topology);
        self.write_topology(&mut state)
    }

    /// Waits until every running replica has replayed what the writer has written so far.
    pub fn wait_replicated(&self) -> Result<()> {
        let mut state = self.state.lock();
        self.wait_replicated_locked(&mut state)
    }

    /// The running replica that has received the most of the writer's WAL (by
    /// `pg_last_wal_receive_lsn()`): with synchronous replication, the one to promote after
    /// a crash of the writer so that no acknowledged commit is lost. `None` without a running
    /// replica.
    pub fn most_advanced_replica(&self) -> Result<Option<String>> {
        let mut state = self.state.lock();
        let mut best: Option<(String, String)> = None;
        for node in state.nodes.iter_mut() {
            if node.role != Role::Reader || node.stale || !is_running(node) {
                continue;
            }
            // The received and replayed positions, as one comparable number (bytes).
            let answer = self.psql_script(
                node.port,
                "postgres",
                "SELECT (greatest(coalesce(pg_last_wal_receive_lsn(), '0/0'), \
                 coalesce(pg_last_wal_replay_lsn(), '0/0')) - '0/0'::pg_lsn)::text;",
            )?;
            let lsn = answer.trim().to_string();
            let ahead = match &best {
                None => true,
                Some((_, known)) => lsn_greater(&lsn, known),
            };
            if ahead {
                best = Some((node.id.clone(), lsn));
            }
        }
        Ok(best.map(|(id, _)| id))
    }

    /// Stops an instance cleanly (what `pg_ctl stop -m fast` does).
    pub fn stop(&self, id: &str) -> Result<()> {
        let mut state = self.state.lock();
        let node = node_mut(&mut state, id)?;
        stop_node(node, Stop::Fast);
        Ok(())
    }

    /// Kills an instance and its backends with SIGKILL: a crash.
    pub fn kill(&self, id: &str) -> Result<()> {
        let mut state = self.state.lock();
        let node = node_mut(&mut state, id)?;
        stop_node(node, Stop::Kill);
        Ok(())
    }

    /// Starts an instance again (stopping it first if it runs). A former writer comes back as a
    /// replica of the current writer, rebuilt from a fresh base backup.
    pub fn restart(&self, id: &str) -> Result<()> {
        let mut state = self.state.lock();
        let index = node_index(&state, id)?;
        let writer_index = state.nodes.iter().position(|n| n.role == Role::Writer);
        let writer_port = writer_index.map(|w| state.nodes[w].port);
        let node = &mut state.nodes[index];
        stop_node(node, Stop::Fast);
        if node.stale {
            let writer_port =
                writer_port.ok_or_else(|| Error::new("no writer to rebuild a replica from"))?;
            self.rebuild_replica(node, writer_port)?;
        } else {
            let old_port = node.port;
            self.start_node(node, index)?;
            if node.role == Role::Writer && node.port != old_port {
                let new_port = node.port;
                self.repoint_replicas(&mut state, new_port)?;
            }
        }
        Ok(())
    }

    /// Promotes a replica (`pg_promote(true, 30)`) and rewrites the topology so every node
    /// reports it as the writer. The old writer should be stopped first (see `fail_over_to`);
    /// if it still runs it is fenced by an immediate stop. Other replicas follow the new writer.
    pub fn promote(&self, id: &str) -> Result<()> {
        let mut state = self.state.lock();
        self.promote_locked(&mut state, id)
    }

    /// A failover: stops the old writer cleanly (so the replicas have all of its WAL), promotes
    /// `id`, points the other replicas at it and rewrites the topology. Returns once every
    /// running node reports the new writer.
    pub fn fail_over_to(&self, id: &str) -> Result<()> {
        let mut state = self.state.lock();
        let target = node_index(&state, id)?;
        if state.nodes[target].role == Role::Writer {
            return Err(Error::new(format!("{id} is already the writer")));
        }
        if let Some(old) = state.nodes.iter_mut().find(|n| n.role == Role::Writer) {
            stop_node(old, Stop::Fast);
        }
        self.promote_locked(&mut state, id)
    }

    fn promote_locked(&self, state: &mut State, id: &str) -> Result<()> {
        let target = node_index(state, id)?;
        if state.nodes[target].role == Role::Writer {
            return Err(Error::new(format!("{id} is already the writer")));
        }
        if !is_running(&mut state.nodes[target]) {
            return Err(Error::new(format!(
                "{id} is not running; cannot promote it"
            )));
        }
        let answer = self.psql_script(
            state.nodes[target].port,
            "postgres",
            "SELECT pg_promote(true, 30);",
        )?;
        if answer.trim() != "t" {
            return Err(Error::new(format!(
                "pg_promote on {id} answered {answer:?}"
            )));
        }
        for node in state.nodes.iter_mut() {
            if node.role == Role::Writer {
                // Fence a writer the caller left running: two writers would split the history.
                stop_node(node, Stop::Immediate);
                node.role = Role::Reader;
                node.stale = true;
            }
        }
        state.nodes[target].role = Role::Writer;
        state.nodes[target].stale = false;
        let new_port = state.nodes[target].port;
        self.repoint_replicas(state, new_port)?;
        let roles: BTreeMap<String, Role> =
            state.nodes.iter().map(|n| (n.id.clone(), n.role)).collect();
        for row in state.topology.iter_mut() {
            if let Some(role) = roles.get(&row.server_id) {
                row.session_id = session_id(&row.server_id, *role);
            }
        }
        self.write_topology(state)
    }

    /// Rewrites primary_conninfo of every replica (running or not) to follow `writer_port`.
    fn repoint_replicas(&self, state: &mut State, writer_port: u16) -> Result<()> {
        for node in state.nodes.iter_mut() {
            if node.role != Role::Reader || node.stale {
                continue;
            }
            write_standby_conf(node, writer_port)?;
            if let Some(child) = &node.child {
                // primary_conninfo is reloadable: the walreceiver reconnects to the new writer.
                process::signal(child.id(), libc::SIGHUP, false);
            }
        }
        Ok(())
    }

    fn write_topology(&self, state: &mut State) -> Result<()> {
        let writer = state
            .nodes
            .iter_mut()
            .find(|n| n.role == Role::Writer)
            .ok_or_else(|| Error::new("no writer to write the topology on"))?;
        if !is_running(writer) {
            return Err(Error::new(format!(
                "writer {} is not running; cannot rewrite the topology",
                writer.id
            )));
        }
        let port = writer.port;
        self.psql_script(
            port,
            "postgres",
            &aurora_sql::rewrite_script(&state.topology),
        )
        .map_err(|e| Error::context("rewriting the topology table", e))?;
        self.wait_replicated_locked(state)
    }

    fn wait_replicated_locked(&self, state: &mut State) -> Result<()> {
        let Some(writer) = state.nodes.iter_mut().find(|n| n.role == Role::Writer) else {
            return Ok(());
        };
        if !is_running(writer) {
            return Ok(());
        }
        // The LSN alone is not enough after a promotion: a replica that got more of the old
        // writer's WAL than the new writer can be "ahead" on the old timeline. It has followed
        // only when its WAL receiver is on the writer's timeline too.
        let answer = self.psql_script(
            writer.port,
            "postgres",
            "SELECT pg_current_wal_lsn() || ' ' || ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int;",
        )?;
        let mut parts = answer.split_whitespace();
        let lsn = parts.next().unwrap_or("0/0").to_string();
        let timeline = parts.next().unwrap_or("1").to_string();
        let check = format!(
            "SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn \
             AND coalesce((SELECT received_tli FROM pg_stat_wal_receiver), 0) = {timeline};"
        );
        let writer_port = writer.port;
        for node in state.nodes.iter_mut() {
            if node.role != Role::Reader || node.stale || !is_running(node) {
                continue;
            }
            if self.replayed(node.port, &check, Duration::from_secs(15)) {
                continue;
            }
            // A replica that cannot follow (its WAL went past the new writer's history after a
            // crash of the old writer) is rebuilt, as Aurora would replace a broken reader.
            eprintln!(
                "auroraodbc stand-in: {} did not replay up to {lsn}; rebuilding it",
                node.id
            );
            self.rebuild_replica(node, writer_port)?;
            if !self.replayed(node.port, &check, Duration::from_secs(30)) {
                return Err(Error::new(format!(
                    "{} did not replay the writer's WAL up to {lsn}",
                    node.id
                )));
            }
        }
        Ok(())
    }

    /// Polls a replica until the check query says it has replayed far enough.
    fn replayed(&self, port: u16, check: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            let done = self.psql_script(port, "postgres", check);
            if matches!(done.as_deref().map(str::trim), Ok("t")) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs SQL (a psql script: meta-commands allowed) as `postgres` over TCP.
    fn psql_script(&self, port: u16, database: &str, script: &str) -> Result<String> {
        let mut cmd = self.tools.command("psql");
        cmd.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres"])
            .args(["-d", database, "-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // The harness's own writes (topology rewrites, test setup) never wait for a synchronous
        // standby: right after a promotion none may follow the new writer yet.
        cmd.env("PGOPTIONS", "-c synchronous_commit=local");
        let mut child = cmd.spawn().map_err(|e| Error::context("running psql", e))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(script.as_bytes())
                .map_err(|e| Error::context("feeding psql", e))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| Error::context("waiting for psql", e))?;
        if !out.status.success() {
            return Err(Error::new(format!(
                "psql on port {port} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let mut state = self.state.lock();
        for node in state.nodes.iter_mut() {
            stop_node(node, Stop::Immediate);
        }
        drop(state);
        // Proxies close their listeners and sockets as their runtimes shut down.
        self.proxies.clear();
        self.iam = None;
        if let Err(e) = fs::remove_dir_all(&self.base) {
            if e.kind() != std::io::ErrorKind::NotFound {
                eprintln!(
                    "auroraodbc stand-in: could not remove {}: {e}",
                    self.base.display()
                );
            }
        }
    }
}

/// Compares two byte positions printed as decimal numerals (they may pass u64 in text only in
/// theory; compare by length, then digits).
fn lsn_greater(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    (a.len(), a) > (b.len(), b)
}

fn node_index(state: &State, id: &str) -> Result<usize> {
    state
        .nodes
        .iter()
        .position(|n| n.id == id)
        .ok_or_else(|| Error::new(format!("no instance {id}")))
}

fn node_mut<'a>(state: &'a mut State, id: &str) -> Result<&'a mut Node> {
    let index = node_index(state, id)?;
    Ok(&mut state.nodes[index])
}
