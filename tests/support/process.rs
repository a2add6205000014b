//! Running PostgreSQL's programs: finding them, dropping root to the `postgres` user, spawning
//! servers so that they die with us, and stopping them.

use std::ffi::CString;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::error::{Error, Result};

/// Prefix of every temporary directory the harness makes under /tmp.
pub const TEMP_PREFIX: &str = "auroraodbc-standin-";

/// Where the PostgreSQL programs are and which user runs them.
#[derive(Clone, Debug)]
pub struct PgTools {
    bindir: PathBuf,
    /// Set when we are root: initdb refuses root, so every server program runs as `postgres`.
    run_as: Option<(libc::uid_t, libc::gid_t)>,
}

impl PgTools {
    /// Finds the binaries (`AURORAODBC_PG_BINDIR`, then `pg_config --bindir`, then Debian's
    /// PostgreSQL 15 path) and, when running as root, the `postgres` user.
    pub fn locate() -> Result<PgTools> {
        let bindir = bindir()?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let run_as = if unsafe { libc::geteuid() } == 0 {
            Some(lookup_user("postgres")?)
        } else {
            None
        };
        Ok(PgTools { bindir, run_as })
    }

    pub fn bindir(&self) -> &Path {
        &self.bindir
    }

    /// A command for one of the server programs, run as the right user, with a clean libpq
    /// environment so a developer's PGHOST or PGPORT cannot redirect it.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bindir.join(program));
        for var in [
            "PGHOST",
            "PGHOSTADDR",
            "PGPORT",
            "PGUSER",
            "PGPASSWORD",
            "PGDATABASE",
            "PGDATA",
            "PGSERVICE",
            "PGSSLMODE",
            "PGOPTIONS",
            "PGPASSFILE",
            "PGAPPNAME",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("LC_ALL", "C").env("PGCONNECT_TIMEOUT", "10");
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid).gid(gid).current_dir("/tmp");
        }
        cmd.stdin(Stdio::null());
        // SAFETY: the closure only makes async-signal-safe system calls.
        unsafe {
            cmd.pre_exec(|| {
                // Our CLI blocks SIGINT/SIGTERM to wait for them; children must not inherit that.
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::pthread_sigmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
                Ok(())
            });
        }
        cmd
    }

    /// Runs a program to completion; a failure carries its stderr.
    pub fn run(&self, mut cmd: Command, what: &str) -> Result<String> {
        let out = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| {
                Error::context(format!("{what}: cannot run {:?}", cmd.get_program()), e)
            })?;
        if !out.status.success() {
            return Err(Error::new(format!(
                "{what} failed ({}): {}{}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim(),
                String::from_utf8_lossy(&out.stdout).trim()
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Gives a file or directory to the user that runs the server programs.
    pub fn give(&self, path: &Path) -> Result<()> {
        if let Some((uid, gid)) = self.run_as {
            std::os::unix::fs::chown(path, Some(uid), Some(gid))
                .map_err(|e| Error::context(format!("chown {}", path.display()), e))?;
        }
        Ok(())
    }
}

fn bindir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("AURORAODBC_PG_BINDIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && dir.join("postgres").exists() {
            return Ok(dir);
        }
    }
    let debian = PathBuf::from("/usr/lib/postgresql/15/bin");
    if debian.join("postgres").exists() {
        return Ok(debian);
    }
    Err(Error::new(
        "PostgreSQL server binaries not found (install postgresql-15 or set AURORAODBC_PG_BINDIR)",
    ))
}

fn lookup_user(name: &str) -> Result<(libc::uid_t, libc::gid_t)> {
    let cname = CString::new(name).map_err(|e| Error::context("user name", e))?;
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: passwd is plain data; getpwnam_r writes into it and into buf, both of which
    // outlive the call, and we pass buf's true length.
    unsafe {
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwnam_r(
            cname.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut found,
        );
        if rc != 0 || found.is_null() {
            return Err(Error::new(format!(
                "running as root, but there is no `{name}` user to run PostgreSQL as \
                 (initdb refuses root)"
            )));
        }
        Ok((pwd.pw_uid, pwd.pw_gid))
    }
}

/// Makes a fresh private directory under /tmp owned by the server user, recording our pid in it
/// so a later run can remove it if we die without cleaning up.
pub fn make_temp_dir(tools: &PgTools) -> Result<PathBuf> {
    sweep_stale_dirs();
    let template = format!("/tmp/{TEMP_PREFIX}{}-XXXXXX", std::process::id());
    let template = CString::new(template).map_err(|e| Error::context("temp dir name", e))?;
    let mut raw = template.into_bytes_with_nul();
    // SAFETY: raw is a writable NUL-terminated buffer ending in XXXXXX, as mkdtemp requires.
    let made = unsafe { libc::mkdtemp(raw.as_mut_ptr().cast()) };
    if made.is_null() {
        return Err(Error::context(
            "mkdtemp under /tmp",
            io::Error::last_os_error(),
        ));
    }
    raw.pop();
    let dir = PathBuf::from(String::from_utf8_lossy(&raw).into_owned());
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
    fs::write(dir.join("owner.pid"), std::process::id().to_string())?;
    tools.give(&dir)?;
    Ok(dir)
}

/// Removes temp dirs of earlier harness processes that are gone (killed before their Drop ran).
fn sweep_stale_dirs() {
    let Ok(entries) = fs::read_dir("/tmp") else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with(TEMP_PREFIX) {
            continue;
        }
        let Ok(pid) = fs::read_to_string(entry.path().join("owner.pid")) else {
            continue;
        };
        let Ok(pid) = pid.trim().parse::<libc::pid_t>() else {
            continue;
        };
        if !process_alive(pid) && !any_postmaster_alive(&entry.path()) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn any_postmaster_alive(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries
        .flatten()
        .filter_map(|e| postmaster_pid(&e.path()))
        .any(process_alive)
}

/// The pid in a data directory's postmaster.pid, if there is one.
pub fn postmaster_pid(data_dir: &Path) -> Option<libc::pid_t> {
    let text = fs::read_to_string(data_dir.join("postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

/// The server's own status line in postmaster.pid: "ready" or "standby" once it takes connections.
pub fn postmaster_status(data_dir: &Path) -> Option<String> {
    let text = fs::read_to_string(data_dir.join("postmaster.pid")).ok()?;
    text.lines().nth(7).map(|s| s.trim().to_string())
}

/// True for a live process; a zombie (killed, not yet reaped by init) counts as gone.
pub fn process_alive(pid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks for existence and permission.
    if pid <= 0 || unsafe { libc::kill(pid, 0) } != 0 {
        return false;
    }
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state letter follows the parenthesised command name.
        Ok(stat) => !matches!(
            stat.rsplit_once(") ")
                .map(|(_, rest)| rest.starts_with('Z')),
            Some(true)
        ),
        Err(_) => true,
    }
}

/// Sends a signal to a process, or with `group` to its whole process group.
pub fn signal(pid: u32, sig: libc::c_int, group: bool) {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return;
    };
    let target = if group { -pid } else { pid };
    // SAFETY: kill has no memory-safety preconditions; a stale pid at worst gets ESRCH.
    unsafe {
        libc::kill(target, sig);
    }
}

/// Waits for a child to exit, up to `limit`; true if it did (and was reaped).
pub fn wait_exit(child: &mut Child, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return true,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            Ok(None) => return false,
            // Already reaped or not our child any more: nothing left to wait for.
            Err(_) => return true,
        }
    }
}

type SpawnRequest = (Command, mpsc::Sender<io::Result<Child>>);

/// A thread that lives as long as the cluster and spawns every server process.
///
/// Servers are started with PR_SET_PDEATHSIG so they die with us even on SIGKILL, and that
/// signal fires when the *thread* that forked them exits; spawning from this one long-lived
/// thread keeps a server alive when the test thread or a tokio blocking thread that asked for it
/// goes away.
pub struct Spawner {
    requests: Option<mpsc::Sender<SpawnRequest>>,
    thread: Option<JoinHandle<()>>,
}

impl Spawner {
    pub fn new() -> Result<Spawner> {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        let thread = thread::Builder::new()
            .name("standin-spawner".into())
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
            })
            .map_err(|e| Error::context("starting the spawner thread", e))?;
        Ok(Spawner {
            requests: Some(tx),
            thread: Some(thread),
        })
    }

    /// Spawns a long-lived server: own process group (so a kill reaches its backends too), and
    /// killed by the kernel when this process dies.
    pub fn spawn_server(&self, mut cmd: Command) -> Result<Child> {
        let parent = std::process::id();
        cmd.process_group(0);
        // SAFETY: the closure only makes async-signal-safe system calls.
        unsafe {
            cmd.pre_exec(move || {
                libc::prctl(
                    libc::PR_SET_PDEATHSIG,
                    libc::SIGKILL as libc::c_ulong,
                    0,
                    0,
                    0,
                );
                // If we died before prctl took effect, nobody would ever stop this server.
                if u32::try_from(libc::getppid()).ok() != Some(parent) {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
        let requests = self
            .requests
            .as_ref()
            .ok_or_else(|| Error::new("spawner already stopped"))?;
        let (tx, rx) = mpsc::channel();
        requests
            .send((cmd, tx))
            .map_err(|_| Error::new("spawner thread is gone"))?;
        rx.recv()
            .map_err(|_| Error::new("spawner thread is gone"))?
            .map_err(|e| Error::context("spawning postgres", e))
    }
}

impl Drop for Spawner {
    fn drop(&mut self) {
        self.requests = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Appends lines to a file (configuration files the server user owns; root may write them).
pub fn append(path: &Path, text: &str) -> Result<()> {
    let mut file = fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| Error::context(format!("open {}", path.display()), e))?;
    file.write_all(text.as_bytes())
        .map_err(|e| Error::context(format!("write {}", path.display()), e))
}
