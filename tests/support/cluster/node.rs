//! One PostgreSQL server of the stand-in cluster: creating its data directory (initdb, or a
//! base backup for a replica), launching it on a free port, waiting until it accepts
//! connections, and stopping it.

use super::*;

impl Cluster {
    pub(super) fn initdb(&self, node: &Node) -> Result<()> {
        let mut cmd = self.tools.command("initdb");
        cmd.arg("-D")
            .arg(&node.data_dir)
            .args(["--no-sync", "--no-instructions", "-U", "postgres"])
            .args(["--auth=trust", "-E", "UTF8", "--locale=C"]);
        self.tools.run(cmd, "initdb")?;
        let conf = self.common_settings();
        process::append(&node.data_dir.join("postgresql.conf"), &conf)?;
        // IAM users log in with their real password too (the IAM proxy does, after the token).
        let iam_users: String = self
            .options
            .iam
            .iter()
            .flat_map(|iam| iam.users.iter())
            .filter(|(user, _)| user != TEST_USER)
            .map(|(user, _)| {
                format!("host    all          \"{user}\"  127.0.0.1/32   scram-sha-256\n")
            })
            .collect();
        let hba = format!(
            "# Written by the auroraodbc stand-in harness.\n\
             local   all          all                        trust\n\
             host    replication  all         127.0.0.1/32   trust\n\
             host    all          {TEST_USER}  127.0.0.1/32   scram-sha-256\n\
             {iam_users}\
             host    all          all         127.0.0.1/32   trust\n"
        );
        fs::write(node.data_dir.join("pg_hba.conf"), hba)
            .map_err(|e| Error::context("writing pg_hba.conf", e))?;
        Ok(())
    }

    /// Settings every node shares; per-node ones (port, cluster_name) go on the command line.
    pub(super) fn common_settings(&self) -> String {
        let mut conf = format!(
            "\n# auroraodbc stand-in harness\n\
             listen_addresses = '127.0.0.1'\n\
             unix_socket_directories = '{}'\n\
             wal_level = replica\n\
             fsync = off\n\
             full_page_writes = off\n\
             max_connections = {}\n\
             shared_buffers = '32MB'\n\
             max_wal_senders = 10\n\
             wal_keep_size = '128MB'\n\
             hot_standby = on\n\
             wal_retrieve_retry_interval = '200ms'\n\
             password_encryption = 'scram-sha-256'\n",
            self.base.display(),
            self.options.max_connections,
        );
        for (name, value) in &self.options.settings {
            conf.push_str(&format!("{name} = {value}\n"));
        }
        conf
    }

    pub(super) fn base_backup(&self, node: &Node, writer_port: u16) -> Result<()> {
        let mut cmd = self.tools.command("pg_basebackup");
        cmd.args([
            "-h",
            "127.0.0.1",
            "-p",
            &writer_port.to_string(),
            "-U",
            "postgres",
        ])
        .arg("-D")
        .arg(&node.data_dir)
        .args(["-R", "-X", "stream", "--no-sync", "-c", "fast"]);
        self.tools
            .run(cmd, &format!("pg_basebackup for {}", node.id))?;
        write_standby_conf(node, writer_port)
    }

    /// Replaces a diverged node's data with a fresh base backup of the writer and starts it.
    pub(super) fn rebuild_replica(&self, node: &mut Node, writer_port: u16) -> Result<()> {
        stop_node(node, Stop::Immediate);
        if node.data_dir.exists() {
            fs::remove_dir_all(&node.data_dir)
                .map_err(|e| Error::context(format!("removing {}", node.data_dir.display()), e))?;
        }
        self.base_backup(node, writer_port)?;
        node.role = Role::Reader;
        node.stale = false;
        let index = self.proxy_index(&node.id)?;
        self.start_node(node, index)
    }

    pub(super) fn proxy_index(&self, id: &str) -> Result<usize> {
        // Node ids are `instance-N` in creation order, as are the proxies.
        id.strip_prefix("instance-")
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| n.checked_sub(1))
            .filter(|i| *i < self.proxies.len())
            .ok_or_else(|| Error::new(format!("no proxy for {id}")))
    }

    pub(super) fn start_node(&self, node: &mut Node, index: usize) -> Result<()> {
        self.launch(node)?;
        self.await_ready_or_retry(node, index)
    }

    /// Spawns the postmaster (through the spawner, see there) with its log appended to a file.
    pub(super) fn launch(&self, node: &mut Node) -> Result<()> {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&node.log)
            .map_err(|e| Error::context(format!("opening {}", node.log.display()), e))?;
        node.log_mark = log.metadata().map(|m| m.len()).unwrap_or(0);
        let log_err = log
            .try_clone()
            .map_err(|e| Error::context("duplicating the log handle", e))?;
        let mut cmd = self.tools.command("postgres");
        cmd.arg("-D")
            .arg(&node.data_dir)
            .args(["-c", &format!("port={}", node.port)])
            .args(["-c", &format!("cluster_name={}", node.id)])
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err));
        node.child = Some(self.spawner.spawn_server(cmd)?);
        Ok(())
    }

    /// Waits for a launched node; if another process took its port, starts it on a new one.
    pub(super) fn await_ready_or_retry(&self, node: &mut Node, index: usize) -> Result<()> {
        for _ in 0..5 {
            match await_ready(node) {
                Ok(()) => {
                    self.route(index, node.port);
                    return Ok(());
                }
                Err(StartFailure::PortTaken) => {
                    node.port = ports::reserve_port()?;
                    self.launch(node)?;
                }
                Err(StartFailure::Other(e)) => return Err(e),
            }
        }
        Err(Error::new(format!(
            "{}: no free port after 5 tries",
            node.id
        )))
    }
}

pub(super) fn is_running(node: &mut Node) -> bool {
    match node.child.as_mut() {
        Some(child) => matches!(child.try_wait(), Ok(None)),
        None => false,
    }
}

/// Readers carry an id that is not the writer's; keep it stable per instance.
pub(super) fn session_id(id: &str, role: Role) -> String {
    match role {
        Role::Writer => WRITER_SESSION_ID.to_string(),
        Role::Reader => {
            let n: u64 = id
                .bytes()
                .fold(0, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
            format!(
                "{:08x}-5a4d-4e1c-9f00-{:012x}",
                n & 0xffff_ffff,
                n & 0xffff_ffff_ffff
            )
        }
    }
}

/// Our own primary_conninfo, replacing what `pg_basebackup -R` wrote, so a failover can point
/// the replica at another writer.
pub(super) fn write_standby_conf(node: &Node, writer_port: u16) -> Result<()> {
    let conf = format!(
        "# Written by the auroraodbc stand-in harness.\n\
         primary_conninfo = 'host=127.0.0.1 port={writer_port} user=postgres application_name={}'\n\
         recovery_target_timeline = 'latest'\n",
        node.id
    );
    let path = node.data_dir.join("postgresql.auto.conf");
    // Truncating an existing file keeps its owner (the server user).
    fs::write(&path, conf).map_err(|e| Error::context(format!("writing {}", path.display()), e))?;
    let signal = node.data_dir.join("standby.signal");
    if !signal.exists() {
        return Err(Error::new(format!("{} is missing", signal.display())));
    }
    Ok(())
}

/// Stops a node's server and reaps it; a no-op when it is not running.
pub(super) fn stop_node(node: &mut Node, how: Stop) {
    let Some(mut child) = node.child.take() else {
        return;
    };
    let pid = child.id();
    let stopped = match how {
        Stop::Fast => {
            process::signal(pid, libc::SIGINT, false);
            process::wait_exit(&mut child, Duration::from_secs(30))
        }
        Stop::Immediate => {
            process::signal(pid, libc::SIGQUIT, false);
            process::wait_exit(&mut child, Duration::from_secs(5))
        }
        Stop::Kill => false,
    };
    // SIGKILL the whole process group: the postmaster if it is still there, and any backend it
    // left behind (for Kill, every backend dies at once, as in a crash of the host).
    process::signal(pid, libc::SIGKILL, true);
    if !stopped {
        process::wait_exit(&mut child, Duration::from_secs(10));
    }
}

pub(super) fn await_ready(node: &mut Node) -> std::result::Result<(), StartFailure> {
    let log_start = node.log_mark;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let Some(child) = node.child.as_mut() else {
            return Err(StartFailure::Other(Error::new("server not launched")));
        };
        if let Ok(Some(status)) = child.try_wait() {
            node.child = None;
            let log = read_from(&node.log, log_start);
            if log.contains("could not bind") || log.contains("Address already in use") {
                return Err(StartFailure::PortTaken);
            }
            return Err(StartFailure::Other(Error::new(format!(
                "{} exited during startup ({status}); log:\n{}",
                node.id,
                log.trim()
            ))));
        }
        let own_pid = process::postmaster_pid(&node.data_dir).and_then(|p| u32::try_from(p).ok())
            == Some(child.id());
        if own_pid
            && matches!(
                process::postmaster_status(&node.data_dir).as_deref(),
                Some("ready") | Some("standby")
            )
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(StartFailure::Other(Error::new(format!(
                "{} not ready within 60 s; log:\n{}",
                node.id,
                read_from(&node.log, log_start).trim()
            ))));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub(super) fn read_from(path: &Path, start: u64) -> String {
    let mut text = String::new();
    if let Ok(mut file) = fs::File::open(path) {
        if file.seek(SeekFrom::Start(start)).is_ok() {
            let _ = file.read_to_string(&mut text);
        }
    }
    text
}
