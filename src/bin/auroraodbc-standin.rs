//! `auroraodbc-standin`: runs the local stand-in Aurora cluster in the foreground for manual
//! testing and the README quick start.
//!
//! ```text
//! auroraodbc-standin up [--replicas N] [--max-connections N] [--iam] [--state-file PATH]
//! auroraodbc-standin down [--state-file PATH]
//! auroraodbc-standin ctl [--state-file PATH] fault <instance> <passthrough|blackhole|reset|refuse>
//! auroraodbc-standin ctl [--state-file PATH] failover <instance>
//! auroraodbc-standin ctl [--state-file PATH] rotate-secret <new-password>
//! ```
//!
//! `up` starts the cluster, its fault proxies, the RDS API stub (with custom endpoint
//! `reporting` on the replicas) and the Secrets Manager API stub (with secret
//! `auroraodbc-demo/login` holding the test login), prints the addresses, writes a key=value
//! state file and waits for SIGINT/SIGTERM (or `down`), then cleans everything up.
//! `--max-connections` sets every instance's `max_connections` (default 300, the harness's own
//! default; `benches/run_scale.sh` raises it to hold a thousand connections). With `--iam`
//! the instances require IAM database authentication for user `auroraodbc_iam` (a TLS proxy in
//! front of each checks RDS IAM auth tokens signed with the credentials in the stand-in's
//! environment, `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`, or `demo` / `demo`).
//! `rotate-secret` changes the test user's password on the instances and in the secret in one
//! step, as a rotation does.
//!
//! While it runs, `up` listens on a Unix domain socket next to the state file (its path is the
//! state file's `control=` line). `ctl` sends one command line there and prints the one-line
//! answer (`ok ...` or `error ...`); it exits non-zero on `error`. After a change the state file
//! is written again, so `writer=`, the roles and `host_map=` stay current.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write as _};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use support::{
    Cluster, ClusterOptions, CustomEndpoint, FaultMode, IamSettings, RdsStub, SecretsStub,
};

const USAGE: &str = "usage:
  auroraodbc-standin up [--replicas N] [--max-connections N] [--iam] [--state-file PATH]
  auroraodbc-standin down [--state-file PATH]
  auroraodbc-standin ctl [--state-file PATH] fault <instance> <passthrough|blackhole|reset|refuse>
  auroraodbc-standin ctl [--state-file PATH] failover <instance>
  auroraodbc-standin ctl [--state-file PATH] rotate-secret <new-password>";

/// The custom endpoint the CLI creates, made of the replicas.
const CUSTOM_ENDPOINT: &str = "reporting";

/// The secret the CLI creates in the Secrets Manager stub, holding the test login.
const DEMO_SECRET: &str = "auroraodbc-demo/login";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("auroraodbc-standin: {message}");
            ExitCode::FAILURE
        }
    }
}

struct Args {
    command: String,
    replicas: usize,
    /// `--max-connections`: PostgreSQL's `max_connections` on every instance (replicas must
    /// allow at least as many as the writer, so one value serves all).
    max_connections: u32,
    /// `--iam`: IAM database authentication required for [`IAM_USER`].
    iam: bool,
    state_file: PathBuf,
    /// The words after `ctl`.
    ctl: Vec<String>,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args {
        command: String::new(),
        replicas: 2,
        max_connections: ClusterOptions::default().max_connections,
        iam: false,
        state_file: std::env::temp_dir().join("auroraodbc-standin.state"),
        ctl: Vec::new(),
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--iam" => parsed.iam = true,
            "--replicas" => {
                let value = rest.next().ok_or("--replicas needs a number")?;
                parsed.replicas =
                    value.parse().ok().filter(|n| *n <= 15).ok_or_else(|| {
                        format!("--replicas {value}: expected a number from 0 to 15")
                    })?;
            }
            "--max-connections" => {
                let value = rest.next().ok_or("--max-connections needs a number")?;
                parsed.max_connections = value
                    .parse()
                    .ok()
                    .filter(|n| (10..=100_000).contains(n))
                    .ok_or_else(|| {
                        format!("--max-connections {value}: expected a number from 10 to 100000")
                    })?;
            }
            "--state-file" => {
                parsed.state_file = rest.next().ok_or("--state-file needs a path")?.into();
            }
            "-h" | "--help" => return Err(USAGE.into()),
            command if parsed.command.is_empty() && !command.starts_with('-') => {
                parsed.command = command.to_string();
            }
            word if parsed.command == "ctl" && !word.starts_with('-') => {
                parsed.ctl.push(word.to_string());
            }
            other => return Err(format!("unexpected argument {other}\n{USAGE}")),
        }
    }
    Ok(parsed)
}

fn run(args: &[String]) -> Result<(), String> {
    let args = parse(args)?;
    match args.command.as_str() {
        "up" => up(&args),
        "down" => down(&args.state_file),
        "ctl" => ctl(&args.state_file, &args.ctl),
        _ => Err(USAGE.into()),
    }
}

/// The signals that end `up`. They are blocked in every thread (set before any thread starts)
/// and taken synchronously with sigwait, so no handler runs in an arbitrary place.
fn shutdown_signals() -> libc::sigset_t {
    // SAFETY: sigset_t is plain data; sigemptyset/sigaddset initialise it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaddset(&mut set, sig);
        }
        set
    }
}

fn up(args: &Args) -> Result<(), String> {
    let signals = shutdown_signals();
    // SAFETY: plain libc calls on an initialised set. A shell starting us in the background
    // ignores SIGINT; restore the default so sigwait can receive it.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
        libc::signal(libc::SIGTERM, libc::SIG_DFL);
        libc::pthread_sigmask(libc::SIG_BLOCK, &signals, std::ptr::null_mut());
    }

    let began = Instant::now();
    let options = ClusterOptions {
        replicas: args.replicas,
        max_connections: args.max_connections,
        iam: args.iam.then(iam_settings),
        ..ClusterOptions::default()
    };
    let cluster = Cluster::start(options).map_err(|e| format!("starting the cluster: {e}"))?;
    let stub = RdsStub::start(cluster.stub_options())
        .map_err(|e| format!("starting the RDS stub: {e}"))?;
    let secrets = SecretsStub::start(&cluster.options().region)
        .map_err(|e| format!("starting the Secrets Manager stub: {e}"))?;
    let secret_arn = secrets.put_login(DEMO_SECRET, support::TEST_USER, support::TEST_PASSWORD);
    let readers = cluster.reader_ids();
    let members: Vec<&str> = readers.iter().map(String::as_str).collect();
    stub.put_endpoint(CustomEndpoint::with_static(
        CUSTOM_ENDPOINT,
        &cluster.options().cluster_id,
        &members,
    ));
    let pinned = readers
        .first()
        .cloned()
        .unwrap_or_else(|| cluster.writer_id());
    cluster
        .pin_custom_endpoint(CUSTOM_ENDPOINT, &pinned)
        .map_err(|e| e.to_string())?;
    let total = began.elapsed();

    let socket = control_path(&args.state_file);
    // A socket left behind by a stand-in that was killed would make bind fail.
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket)
        .map_err(|e| format!("binding the control socket {}: {e}", socket.display()))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("control socket: {e}"))?;
    let control = Control {
        cluster: &cluster,
        stub: &stub,
        secrets: &secrets,
        secret_arn,
        password: std::sync::Mutex::new(support::TEST_PASSWORD.to_string()),
        total,
        state_file: &args.state_file,
        socket: &socket,
    };
    if let Err(e) = write_state(&args.state_file, &control.state()) {
        let _ = std::fs::remove_file(&socket);
        return Err(e);
    }
    print_summary(&control);
    println!("  control socket   {}", socket.display());

    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        // Threads inherit the blocked signal mask, so the signals still only reach sigwait.
        scope.spawn(|| control.serve(&listener, &stop));
        let mut received: libc::c_int = 0;
        // SAFETY: the set is initialised and blocked in this thread; received is a valid out
        // pointer.
        let rc = unsafe { libc::sigwait(&signals, &mut received) };
        if rc == 0 {
            println!("auroraodbc-standin: signal {received}, shutting down");
        }
        stop.store(true, Ordering::SeqCst);
    });
    drop(listener);
    let _ = std::fs::remove_file(&socket);
    drop(secrets);
    drop(stub);
    drop(cluster);
    let _ = std::fs::remove_file(&args.state_file);
    println!("auroraodbc-standin: stopped");
    Ok(())
}

fn print_summary(control: &Control) {
    let (cluster, stub, total) = (control.cluster, control.stub, control.total);
    println!(
        "auroraodbc stand-in cluster up: {} instances in {:.2} s (servers {:.2} s)",
        cluster.instances().len(),
        total.as_secs_f64(),
        cluster.startup_time().as_secs_f64()
    );
    for info in cluster.instances() {
        println!(
            "  {:<12} {:<6} postgres 127.0.0.1:{:<5}  proxy 127.0.0.1:{:<5}  {}",
            info.id,
            if info.role == support::Role::Writer {
                "writer"
            } else {
                "reader"
            },
            info.port,
            info.proxy_port,
            info.host
        );
    }
    println!("  RDS API stub     {}", stub.url());
    println!(
        "  custom endpoint  {} -> {}",
        stub.endpoint_host(CUSTOM_ENDPOINT),
        stub.endpoint(CUSTOM_ENDPOINT)
            .map(|e| e.static_members.join(","))
            .unwrap_or_default()
    );
    println!("  Secrets Manager  {}", control.secrets.url());
    println!("  secret           {DEMO_SECRET} ({})", control.secret_arn);
    println!(
        "  login            user={} password={} dbname={}",
        support::TEST_USER,
        control.password(),
        support::TEST_DATABASE
    );
    if let Some(iam) = cluster.iam() {
        println!(
            "  IAM              user {IAM_USER} logs in only with RDS IAM auth tokens (TLS) signed by access key {}",
            iam.settings().access_key_id
        );
    }
    println!("  host_address_map {}", cluster.host_map());
    println!("  state file       {}", control.state_file.display());
    println!("Stop with Ctrl-C, SIGTERM or `auroraodbc-standin down`.");
}

/// The user that must log in with IAM auth tokens under `--iam`.
const IAM_USER: &str = "auroraodbc_iam";

/// `--iam`: tokens are checked against the AWS credentials of the stand-in's environment (the
/// ones the driver will sign with), `demo` / `demo` when none are set.
fn iam_settings() -> IamSettings {
    let env = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "demo".into())
    };
    let mut settings = IamSettings::new(
        &env("AWS_ACCESS_KEY_ID"),
        &env("AWS_SECRET_ACCESS_KEY"),
        IAM_USER,
        "auroraodbc-iam-internal",
    );
    settings.session_token = std::env::var("AWS_SESSION_TOKEN")
        .ok()
        .filter(|v| !v.is_empty());
    settings
}

/// The control socket of the stand-in whose state file is `state_file`: `<state file>.sock`.
fn control_path(state_file: &Path) -> PathBuf {
    let mut path = state_file.as_os_str().to_owned();
    path.push(".sock");
    PathBuf::from(path)
}

/// What the control thread of `up` works on.
struct Control<'a> {
    cluster: &'a Cluster,
    stub: &'a RdsStub,
    secrets: &'a SecretsStub,
    secret_arn: String,
    /// The test user's password now (`rotate-secret` changes it).
    password: std::sync::Mutex<String>,
    total: Duration,
    state_file: &'a Path,
    socket: &'a Path,
}

impl Control<'_> {
    fn state(&self) -> String {
        let mut text = state_text(self);
        let _ = writeln!(text, "control={}", self.socket.display());
        text
    }

    fn password(&self) -> String {
        self.password
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Accepts control connections one at a time until `stop` is set. The listener is
    /// non-blocking so the flag is seen within 50 ms.
    fn serve(&self, listener: &UnixListener, stop: &AtomicBool) {
        while !stop.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((stream, _)) => {
                    if let Err(e) = self.answer(stream) {
                        eprintln!("auroraodbc-standin: control connection: {e}");
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => {
                    eprintln!("auroraodbc-standin: control socket: {e}");
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
    }

    fn answer(&self, stream: UnixStream) -> std::io::Result<()> {
        stream.set_nonblocking(false)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut line = String::new();
        BufReader::new(&stream).take(4096).read_line(&mut line)?;
        let words: Vec<&str> = line.split_whitespace().collect();
        let reply = match self.execute(&words) {
            Ok(message) => format!("ok {message}"),
            Err(message) => format!("error {message}"),
        };
        println!("auroraodbc-standin: ctl {}: {reply}", words.join(" "));
        (&stream).write_all(format!("{reply}\n").as_bytes())
    }

    fn execute(&self, words: &[&str]) -> Result<String, String> {
        let cluster = self.cluster;
        let message = match words {
            ["fault", id, mode] => {
                let fault = parse_fault(mode)?;
                cluster.set_fault(id, fault).map_err(|e| e.to_string())?;
                format!("{id}: proxy now {}", mode.to_ascii_lowercase())
            }
            ["failover", id] => {
                let old = cluster.writer_id();
                let began = Instant::now();
                cluster.fail_over_to(id).map_err(|e| e.to_string())?;
                format!(
                    "{old} stopped, {id} promoted: writer is now {} ({:.1} s)",
                    cluster.writer_id(),
                    began.elapsed().as_secs_f64()
                )
            }
            ["rotate-secret", password] => {
                self.secrets
                    .rotate(DEMO_SECRET, support::TEST_USER, password, || {
                        cluster.set_test_password(password)
                    })
                    .map_err(|e| e.to_string())?;
                *self.password.lock().unwrap_or_else(|p| p.into_inner()) = password.to_string();
                format!(
                    "{}'s password changed on every instance and in secret {DEMO_SECRET}",
                    support::TEST_USER
                )
            }
            _ => return Err(format!("unknown command {:?}", words.join(" "))),
        };
        write_state(self.state_file, &self.state())?;
        Ok(message)
    }
}

fn parse_fault(mode: &str) -> Result<FaultMode, String> {
    match mode.to_ascii_lowercase().as_str() {
        "passthrough" | "pass-through" | "pass_through" => Ok(FaultMode::PassThrough),
        "blackhole" | "black-hole" | "black_hole" => Ok(FaultMode::BlackHole),
        "reset" => Ok(FaultMode::Reset),
        "refuse" => Ok(FaultMode::Refuse),
        other => Err(format!(
            "unknown fault mode {other}: expected passthrough, blackhole, reset or refuse"
        )),
    }
}

/// `ctl`: sends one command to a running `up` and prints its answer.
fn ctl(state_file: &Path, words: &[String]) -> Result<(), String> {
    let valid = match words.first().map(String::as_str) {
        Some("fault") => words.len() == 3 && parse_fault(&words[2]).is_ok(),
        Some("failover") | Some("rotate-secret") => words.len() == 2,
        _ => false,
    };
    if !valid {
        return Err(format!("bad ctl command {:?}\n{USAGE}", words.join(" ")));
    }
    let text = std::fs::read_to_string(state_file).map_err(|e| {
        format!(
            "reading {}: {e} (is the stand-in up?)",
            state_file.display()
        )
    })?;
    let socket = text
        .lines()
        .find_map(|line| line.strip_prefix("control="))
        .ok_or_else(|| format!("{} has no control= line", state_file.display()))?;
    let mut stream = UnixStream::connect(socket)
        .map_err(|e| format!("connecting to {socket}: {e} (is the stand-in up?)"))?;
    // A failover waits for the promotion and for every replica to follow.
    stream
        .set_read_timeout(Some(Duration::from_secs(180)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(format!("{}\n", words.join(" ")).as_bytes())
        .map_err(|e| format!("sending to {socket}: {e}"))?;
    let mut reply = String::new();
    BufReader::new(&stream)
        .read_line(&mut reply)
        .map_err(|e| format!("reading the answer from {socket}: {e}"))?;
    let reply = reply.trim_end();
    match reply.strip_prefix("ok ") {
        Some(message) => {
            println!("{message}");
            Ok(())
        }
        None if reply.is_empty() => Err("the stand-in closed the control connection".into()),
        None => Err(reply.strip_prefix("error ").unwrap_or(reply).to_string()),
    }
}

/// key=value lines; values never contain newlines.
fn state_text(control: &Control) -> String {
    let (cluster, stub, total) = (control.cluster, control.stub, control.total);
    let mut text = String::new();
    let instances = cluster.instances();
    let ids: Vec<&str> = instances.iter().map(|i| i.id.as_str()).collect();
    let _ = writeln!(text, "pid={}", std::process::id());
    let _ = writeln!(text, "startup_ms={}", total.as_millis());
    let _ = writeln!(text, "base_dir={}", cluster.base_dir().display());
    let _ = writeln!(text, "cluster_id={}", cluster.options().cluster_id);
    let _ = writeln!(text, "instances={}", ids.join(","));
    let _ = writeln!(text, "writer={}", cluster.writer_id());
    for info in &instances {
        let _ = writeln!(text, "{}.host={}", info.id, info.host);
        let _ = writeln!(text, "{}.port={}", info.id, info.port);
        let _ = writeln!(text, "{}.proxy_port={}", info.id, info.proxy_port);
        let role = if info.role == support::Role::Writer {
            "writer"
        } else {
            "reader"
        };
        let _ = writeln!(text, "{}.role={role}", info.id);
    }
    let _ = writeln!(text, "cluster_endpoint={}", cluster.cluster_endpoint_host());
    let _ = writeln!(text, "reader_endpoint={}", cluster.reader_endpoint_host());
    let _ = writeln!(
        text,
        "custom_endpoint.{CUSTOM_ENDPOINT}={}",
        stub.endpoint_host(CUSTOM_ENDPOINT)
    );
    let _ = writeln!(text, "stub_url={}", stub.url());
    let _ = writeln!(text, "region={}", cluster.options().region);
    let _ = writeln!(text, "user={}", support::TEST_USER);
    let _ = writeln!(text, "password={}", control.password());
    let _ = writeln!(text, "secrets_url={}", control.secrets.url());
    let _ = writeln!(text, "secret_id={DEMO_SECRET}");
    let _ = writeln!(text, "secret_arn={}", control.secret_arn);
    let _ = writeln!(text, "database={}", support::TEST_DATABASE);
    let _ = writeln!(text, "host_map={}", cluster.host_map());
    if cluster.iam().is_some() {
        let _ = writeln!(text, "iam_user={IAM_USER}");
    }
    text
}

/// Written to a temporary name and renamed, so a reader polling for the file never sees half.
fn write_state(path: &Path, text: &str) -> Result<(), String> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    std::fs::write(&partial, text).map_err(|e| format!("writing {}: {e}", partial.display()))?;
    std::fs::rename(&partial, path).map_err(|e| format!("writing {}: {e}", path.display()))
}

fn down(state_file: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(state_file).map_err(|e| {
        format!(
            "reading {}: {e} (is the stand-in up?)",
            state_file.display()
        )
    })?;
    let pid: libc::pid_t = text
        .lines()
        .find_map(|line| line.strip_prefix("pid="))
        .and_then(|p| p.trim().parse().ok())
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("{} has no pid= line", state_file.display()))?;
    // SAFETY: kill has no memory-safety preconditions.
    if unsafe { libc::kill(pid, libc::SIGTERM) } != 0 {
        let _ = std::fs::remove_file(state_file);
        return Err(format!(
            "process {pid} is not running; removed the stale state file"
        ));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    // SAFETY: signal 0 only checks that the process exists.
    while unsafe { libc::kill(pid, 0) } == 0 {
        if Instant::now() > deadline {
            return Err(format!("process {pid} did not stop within 60 s"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    println!("auroraodbc-standin: stopped process {pid}");
    Ok(())
}
