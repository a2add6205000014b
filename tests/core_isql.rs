//! The driver core through unixODBC's own clients: isql (ANSI) and iusql (wide).

mod common;
mod support;

use common::{dsn_keys, single_instance, OdbcConfig};
use std::time::{Duration, Instant};
use support::FaultMode;

#[test]
fn isql_connects_queries_and_reports_server_errors() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let mut bad_pw = dsn_keys(&cluster, &writer);
    bad_pw.retain(|(k, _)| k != "PWD");
    bad_pw.push(("PWD".into(), "wrong-password".into()));
    let config = OdbcConfig::new(&[("pg", dsn_keys(&cluster, &writer)), ("badpw", bad_pw)]);

    let (out, err) = config.isql("pg", &[], "SELECT 41 + 1 AS answer, 'héllo'::text AS greeting, aurora_db_instance_identifier() AS instance\n");
    assert!(
        out.contains("answer|greeting|instance"),
        "header missing: {out}{err}"
    );
    assert!(
        out.contains(&format!("42|héllo|{writer}")),
        "row missing: {out}{err}"
    );

    // DDL, DML and an aggregate over the inserted rows.
    let script = "CREATE TABLE isql_t (id int primary key, name text)\n\
                  INSERT INTO isql_t SELECT g, 'n' || g FROM generate_series(1, 5) g\n\
                  SELECT count(*) AS n, max(name) AS m FROM isql_t\n\
                  DROP TABLE isql_t\n";
    let (out, err) = config.isql("pg", &[], script);
    assert!(out.contains("5|n5"), "aggregate: {out}{err}");

    // A server error keeps its own SQLSTATE and message.
    let (out, err) = config.isql("pg", &[], "SELECT * FROM no_such_table\n");
    let all = format!("{out}{err}");
    assert!(
        all.contains("[42P01]") && all.contains("no_such_table"),
        "server error: {all}"
    );

    // Bad credentials: 28P01 with the server's text.
    let (out, err) = config.isql("badpw", &[], "SELECT 1\n");
    let all = format!("{out}{err}");
    assert!(
        all.contains("28P01") && all.contains("password authentication failed"),
        "auth error: {all}"
    );
    assert!(
        !all.contains("wrong-password"),
        "password leaked into a message: {all}"
    );
}

#[test]
fn isql_exec_direct_and_multiple_results() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[("pg", dsn_keys(&cluster, &writer))]);
    // -e uses SQLExecDirect; two statements in one string give two result sets.
    let (out, err) = config.isql("pg", &["-e"], "SELECT 'first' AS a; SELECT 'second' AS b\n");
    assert!(
        out.contains("first") && out.contains("second"),
        "both results: {out}{err}"
    );
    // ODBC escape sequences are translated; quoted braces are left alone.
    let (out, err) = config.isql("pg", &[], "SELECT {fn UCASE('abc')} AS u, {d '2024-05-06'} AS d, {fn CONCAT('x', 'y')} AS c, '{fn keep}' AS k\n");
    assert!(
        out.contains("ABC|2024-05-06|xy|{fn keep}"),
        "escapes: {out}{err}"
    );
}

#[test]
fn iusql_round_trips_unicode() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[("pg", dsn_keys(&cluster, &writer))]);
    let (out, err) = config.iusql("pg", &[], "SELECT 'Grüße, 世界, 🚀' AS t, 7 AS n\n");
    assert!(out.contains("Grüße, 世界, 🚀|7"), "wide text: {out}{err}");
}

/// isql's own start and exit on a loaded machine, on top of what a connect attempt may take.
const ISQL_OVERHEAD: Duration = Duration::from_secs(3);

#[test]
fn unknown_dsn_and_unreachable_server_fail_cleanly() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let connect_timeout = Duration::from_secs(3);
    let timeout_key = (
        "connect_timeout".to_string(),
        connect_timeout.as_secs().to_string(),
    );
    let mut dead = dsn_keys(&cluster, &writer);
    dead.retain(|(k, _)| k != "Port");
    dead.push(("Port".into(), common::closed_port().to_string()));
    dead.push(timeout_key.clone());
    // A server that takes the connection and never answers: only connect_timeout ends it.
    let mut silent = dsn_keys(&cluster, &writer);
    silent.push(timeout_key);
    let config = OdbcConfig::new(&[("dead", dead), ("silent", silent)]);

    // Nothing listens: refused at once, well inside the connect timeout.
    let started = Instant::now();
    let (out, err) = config.isql("dead", &[], "SELECT 1\n");
    let took = started.elapsed();
    let all = format!("{out}{err}");
    assert!(all.contains("08001"), "unreachable server: {all}");
    assert!(
        took < ISQL_OVERHEAD,
        "a refused connection took {took:?}: {all}"
    );

    cluster
        .set_fault(&writer, FaultMode::BlackHole)
        .expect("black hole");
    let started = Instant::now();
    let (out, err) = config.isql("silent", &[], "SELECT 1\n");
    let took = started.elapsed();
    cluster
        .set_fault(&writer, FaultMode::PassThrough)
        .expect("pass through");
    let all = format!("{out}{err}");
    eprintln!("silent server: {took:?}\n{all}");
    assert!(all.contains("08001"), "silent server: {all}");
    assert!(
        took >= connect_timeout && took < connect_timeout + ISQL_OVERHEAD,
        "a silent server with connect_timeout={connect_timeout:?} took {took:?}: {all}"
    );

    // The driver manager answers for a DSN it does not know; the driver is never loaded.
    let started = Instant::now();
    let (out, err) = config.isql("nosuchdsn", &[], "SELECT 1\n");
    let took = started.elapsed();
    let all = format!("{out}{err}");
    assert!(all.contains("IM002"), "unknown DSN: {all}");
    assert!(took < ISQL_OVERHEAD, "an unknown DSN took {took:?}: {all}");
}

#[test]
fn logging_goes_to_the_chosen_file_without_secrets() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let log = std::env::temp_dir().join(format!("auroraodbc-log-test-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let mut keys = dsn_keys(&cluster, &writer);
    keys.push(("log_level".into(), "debug".into()));
    keys.push(("log_file".into(), log.display().to_string()));
    let mut bad = keys.clone();
    bad.retain(|(k, _)| k != "PWD");
    bad.push(("PWD".into(), "Sup3r-Secret-Wrong".into()));
    let config = OdbcConfig::new(&[("logged", keys), ("logged_bad", bad)]);
    let (out, err) = config.isql("logged", &[], "SELECT 1 AS one\n");
    assert!(out.contains("one"), "{out}{err}");
    let _ = config.isql("logged_bad", &[], "SELECT 1\n");
    let text = std::fs::read_to_string(&log).expect("log file written");
    assert!(
        text.contains("connected"),
        "no connect event in the log:\n{text}"
    );
    assert!(
        text.contains("connect failed") && text.contains("28P01"),
        "no failed connect in the log:\n{text}"
    );
    assert!(text.contains("execute"), "no statement event:\n{text}");
    for secret in [support::TEST_PASSWORD, "Sup3r-Secret-Wrong"] {
        assert!(
            !text.contains(secret),
            "a password reached the log:\n{text}"
        );
    }
    let _ = std::fs::remove_file(&log);
}

/// isql on DSN `dsn` with `TMPDIR` set to `tmp`: its stdout and stderr.
fn isql_with_tmpdir(config: &OdbcConfig, dsn: &str, tmp: &std::path::Path) -> (String, String) {
    let mut cmd = std::process::Command::new("timeout");
    cmd.args(["--kill-after=5", "60", "isql", dsn, "-b", "-v", "-d|", "-c"]);
    config.apply(&mut cmd);
    cmd.env("TMPDIR", tmp)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("start isql");
    {
        use std::io::Write;
        let mut input = child.stdin.take().expect("stdin");
        let _ = input.write_all(b"SELECT 1 AS one\n");
    }
    let out = child.wait_with_output().expect("wait for isql");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn logging_without_a_file_goes_to_stderr_and_files_are_opened_safely() {
    use std::os::unix::fs::PermissionsExt;
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let tmp = std::env::temp_dir().join(format!("auroraodbc-logsafety-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).expect("private temp dir");
    let victim = tmp.join("victim");
    std::fs::write(&victim, "").expect("victim file");
    let link = tmp.join("link.log");
    std::os::unix::fs::symlink(&victim, &link).expect("symlink");
    let fresh = tmp.join("fresh.log");
    let with_log = |file: Option<&std::path::Path>| {
        let mut keys = dsn_keys(&cluster, &writer);
        keys.push(("log_level".into(), "debug".into()));
        if let Some(f) = file {
            keys.push(("log_file".into(), f.display().to_string()));
        }
        keys
    };
    let config = OdbcConfig::new(&[
        ("to_stderr", with_log(None)),
        ("through_link", with_log(Some(&link))),
        ("fresh", with_log(Some(&fresh))),
    ]);

    // No log_file: standard error, as docs/dsn-keys.md says, and nothing in the temp dir.
    let (out, err) = isql_with_tmpdir(&config, "to_stderr", &tmp);
    assert!(out.contains("one"), "{out}{err}");
    assert!(
        err.contains("log opened on standard error") && err.contains("connected"),
        "the log is not on standard error:\n{err}"
    );
    let mut names: Vec<String> = std::fs::read_dir(&tmp)
        .expect("read temp dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["link.log", "victim"], "a file appeared in TMPDIR");

    // A symbolic link as the log file is refused; the log goes to standard error instead.
    let (out, err) = isql_with_tmpdir(&config, "through_link", &tmp);
    assert!(out.contains("one"), "{out}{err}");
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "",
        "the log was written through the symlink"
    );
    assert!(
        err.contains("cannot use log file") && err.contains("connected"),
        "no fallback to standard error:\n{err}"
    );

    // A log file the driver creates is readable by its owner only.
    let (out, err) = isql_with_tmpdir(&config, "fresh", &tmp);
    assert!(out.contains("one"), "{out}{err}");
    let text = std::fs::read_to_string(&fresh).expect("log file written");
    assert!(text.contains("connected"), "log:\n{text}");
    let mode = std::fs::metadata(&fresh)
        .expect("metadata")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "log file mode {mode:o}");
    let _ = std::fs::remove_dir_all(&tmp);
}

/// An empty `plugins=` in an odbc.ini DSN asks for no plugins, as it does in a connection
/// string; without the key the default chain loads.
#[test]
fn empty_plugins_key_in_a_dsn_loads_no_plugins() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let with = |plugins: Option<&str>| {
        let mut keys = dsn_keys(&cluster, &writer);
        keys.push(("log_level".into(), "info".into()));
        if let Some(p) = plugins {
            keys.push(("plugins".into(), p.into()));
        }
        keys
    };
    let config = OdbcConfig::new(&[
        ("no_plugins", with(Some(""))),
        ("default_chain", with(None)),
    ]);
    let connected_line = |dsn: &str| {
        let (out, err) = config.isql(dsn, &[], "SELECT 1 AS one\n");
        assert!(out.contains("one"), "{out}{err}");
        err.lines()
            .find(|l| l.contains("connected") && l.contains("plugins="))
            .unwrap_or_else(|| panic!("no connect event on standard error:\n{err}"))
            .to_string()
    };
    let none = connected_line("no_plugins");
    assert!(none.contains("plugins=[]"), "plugins loaded: {none}");
    let default = connected_line("default_chain");
    assert!(
        !default.contains("plugins=[]") && default.contains("failover"),
        "the default chain did not load: {default}"
    );
}
