//! Helpers for tests that drive the built driver through a real driver manager: private
//! odbcinst.ini/odbc.ini files, and runners for isql, iusql, Python and C clients.

#![allow(dead_code)]

use crate::support::{Cluster, TEST_DATABASE, TEST_PASSWORD, TEST_USER};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// The driver library cargo built next to this test binary, or the one
/// `AURORAODBC_TEST_DRIVER` names (scripts/asan.sh runs the C tests against an
/// AddressSanitizer build that way).
pub fn driver_so() -> PathBuf {
    if let Some(path) = std::env::var_os("AURORAODBC_TEST_DRIVER") {
        let so = PathBuf::from(path);
        assert!(
            so.exists(),
            "AURORAODBC_TEST_DRIVER: no file {}",
            so.display()
        );
        return so;
    }
    let exe = std::env::current_exe().expect("test binary path");
    // cargo test builds the cdylib next to the test binaries: target/<profile>/deps/.
    let deps_dir = exe.parent().expect("target deps dir");
    let so = deps_dir.join("libauroraodbc.so");
    assert!(so.exists(), "driver library not built at {}", so.display());
    so
}

/// A private driver-manager configuration: the driver registered as `auroraodbc`, and DSNs.
pub struct OdbcConfig {
    pub dir: PathBuf,
}

static NEXT_DIR: AtomicU32 = AtomicU32::new(0);

impl OdbcConfig {
    /// `dsns`: (name, key/value pairs) written to odbc.ini.
    pub fn new(dsns: &[(&str, Vec<(String, String)>)]) -> OdbcConfig {
        let dir = std::env::temp_dir().join(format!(
            "auroraodbc-test-{}-{}",
            std::process::id(),
            NEXT_DIR.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("create ini dir");
        let inst = format!(
            "[auroraodbc]\nDescription=auroraodbc under test\nDriver={}\nThreading=0\n\n[psqlodbc]\nDriver=/usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so\n",
            driver_so().display()
        );
        std::fs::write(dir.join("odbcinst.ini"), inst).expect("write odbcinst.ini");
        let mut ini = String::new();
        for (name, pairs) in dsns {
            ini.push_str(&format!("[{name}]\n"));
            if !pairs.iter().any(|(k, _)| k.eq_ignore_ascii_case("driver")) {
                ini.push_str("Driver=auroraodbc\n");
            }
            for (k, v) in pairs {
                ini.push_str(&format!("{k}={v}\n"));
            }
            ini.push('\n');
        }
        std::fs::write(dir.join("odbc.ini"), ini).expect("write odbc.ini");
        OdbcConfig { dir }
    }

    /// Environment that points the driver manager at these files only.
    /// `AURORAODBC_TEST_PRELOAD` is preloaded into these clients only (scripts/asan.sh: the
    /// AddressSanitizer runtime, which the servers the tests start must not get).
    pub fn apply(&self, cmd: &mut Command) {
        if let Some(preload) = std::env::var_os("AURORAODBC_TEST_PRELOAD") {
            cmd.env("LD_PRELOAD", preload);
        }
        cmd.env("ODBCSYSINI", &self.dir)
            .env("ODBCINSTINI", "odbcinst.ini")
            .env("ODBCINI", self.dir.join("odbc.ini"))
            .env("HOME", &self.dir);
    }

    /// Starts `program` with `args` and a time limit (after which it is killed), its stdin,
    /// stdout and stderr piped.
    pub fn spawn(&self, program: &str, args: &[&str], limit: Duration) -> Child {
        let mut cmd = Command::new("timeout");
        cmd.arg("--kill-after=5")
            .arg(format!("{}", limit.as_secs()))
            .arg(program)
            .args(args);
        self.apply(&mut cmd);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}"))
    }

    /// Runs `program` with `args`, feeding `stdin`, with a time limit; returns its output.
    pub fn run(&self, program: &str, args: &[&str], stdin: &str, limit: Duration) -> Output {
        let mut child = self.spawn(program, args, limit);
        {
            use std::io::Write;
            let mut input = child.stdin.take().expect("stdin");
            let _ = input.write_all(stdin.as_bytes());
        }
        child.wait_with_output().expect("wait for child")
    }

    /// isql in batch mode with comma-delimited output and column names.
    pub fn isql(&self, dsn: &str, extra: &[&str], sql: &str) -> (String, String) {
        let mut args = vec![dsn, "-b", "-v", "-d|", "-c"];
        args.extend_from_slice(extra);
        let out = self.run("isql", &args, sql, Duration::from_secs(60));
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// iusql (the wide-character client) in batch mode.
    pub fn iusql(&self, dsn: &str, extra: &[&str], sql: &str) -> (String, String) {
        let mut args = vec![dsn, "-b", "-v", "-d|", "-c"];
        args.extend_from_slice(extra);
        let out = self.run("iusql", &args, sql, Duration::from_secs(60));
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs a Python script (pyodbc) and returns its output; panics with the output on failure.
    pub fn python(&self, script: &str, args: &[&str]) -> String {
        let path = self.dir.join(format!(
            "script-{}.py",
            NEXT_DIR.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::write(&path, script).expect("write script");
        let mut all = vec![path.to_str().expect("utf-8 path")];
        all.extend_from_slice(args);
        let out = self.run("python3", &all, "", Duration::from_secs(300));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "python failed ({:?}):\n{text}",
            out.status
        );
        text
    }
}

impl Drop for OdbcConfig {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// DSN keys that reach instance `id` of the stand-in cluster through its fault proxy.
pub fn dsn_keys(cluster: &Cluster, id: &str) -> Vec<(String, String)> {
    let info = cluster.instance(id).expect("instance");
    vec![
        ("Server".into(), "127.0.0.1".into()),
        ("Port".into(), info.proxy_port.to_string()),
        ("Database".into(), TEST_DATABASE.into()),
        ("UID".into(), TEST_USER.into()),
        ("PWD".into(), TEST_PASSWORD.into()),
    ]
}

/// A connection string for SQLDriverConnect reaching instance `id` (driver by name).
pub fn conn_string(cluster: &Cluster, id: &str) -> String {
    let info = cluster.instance(id).expect("instance");
    format!(
        "Driver=auroraodbc;Server=127.0.0.1;Port={};Database={TEST_DATABASE};UID={TEST_USER};PWD={TEST_PASSWORD}",
        info.proxy_port
    )
}

/// Compiles a C test program from tests/c against sql.h and -lodbc; returns the binary.
pub fn build_c_program(config: &OdbcConfig, source: &str) -> PathBuf {
    build_c_program_with(config, source, &["-lodbc", "-lpthread"])
}

/// Compiles a C test program from tests/c (which includes tests/c/check.h) with these
/// libraries; returns the binary.
pub fn build_c_program_with(config: &OdbcConfig, source: &str, libraries: &[&str]) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/c")
        .join(source);
    let bin = config.dir.join(source.trim_end_matches(".c"));
    let status = Command::new("cc")
        .args(["-O1", "-Wall", "-o"])
        .arg(&bin)
        .arg(&src)
        .args(libraries)
        .status()
        .expect("run cc");
    assert!(status.success(), "cc failed for {}", src.display());
    bin
}

/// A program's stdout then its stderr, as text.
pub fn output_text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

impl OdbcConfig {
    /// Runs a built program with `args` and no input under a time limit: its exit status and
    /// its output (stdout then stderr).
    pub fn run_program(&self, bin: &Path, args: &[&str], limit: Duration) -> (ExitStatus, String) {
        let out = self.run(bin.to_str().expect("utf-8 path"), args, "", limit);
        (out.status, output_text(&out))
    }

    /// Builds tests/c/`source` against unixODBC, runs it with `args`, and panics with its
    /// output unless it exits 0 having printed "all passed" (the C tests' last line); returns
    /// the output.
    pub fn expect_c_program_passes(&self, source: &str, args: &[&str], limit: Duration) -> String {
        let bin = build_c_program(self, source);
        expect_all_passed(source, self.run_program(&bin, args, limit))
    }
}

/// The output of a C test that must have exited 0 after printing "all passed".
pub fn expect_all_passed(source: &str, (status, text): (ExitStatus, String)) -> String {
    // Shown with --nocapture: the values the checks saw.
    println!("{text}");
    assert!(
        status.success() && text.contains("all passed"),
        "{source} failed ({status:?}):\n{text}"
    );
    text
}

/// A loopback port nothing listens on: bound by the kernel, then released.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    port
}

/// A writer-only stand-in cluster: enough for tests of the driver core.
pub fn single_instance() -> Cluster {
    Cluster::start(crate::support::ClusterOptions {
        replicas: 0,
        ..Default::default()
    })
    .expect("start PostgreSQL")
}

/// Static credentials for the AWS SDK's default chain (also seen by the driver in isql and
/// Python children), no proxy for loopback, no endpoint overrides from the environment, and
/// nothing else the chain could reach out to (shared files, instance metadata).
pub fn aws_test_env() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::env::set_var("AWS_ACCESS_KEY_ID", AWS_TEST_ACCESS_KEY);
        std::env::set_var("AWS_SECRET_ACCESS_KEY", AWS_TEST_SECRET_KEY);
        std::env::set_var("NO_PROXY", "127.0.0.1,localhost");
        std::env::set_var("no_proxy", "127.0.0.1,localhost");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/auroraodbc-test-config");
        std::env::set_var(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/auroraodbc-test-credentials",
        );
        for name in [
            "AWS_PROFILE",
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_RDS",
            "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        ] {
            std::env::remove_var(name);
        }
    });
}

/// The access key id [`aws_test_env`] sets.
pub const AWS_TEST_ACCESS_KEY: &str = "AKIDSTANDIN";
/// The secret access key [`aws_test_env`] sets (it must never show in a log).
pub const AWS_TEST_SECRET_KEY: &str = "standin-secret";
