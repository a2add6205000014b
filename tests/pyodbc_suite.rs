//! pyodbc's own PostgreSQL test suite (`tests/postgresql_test.py` from the source
//! distribution of the pyodbc version installer/deps.sh installs) run with pytest through
//! unixODBC against the driver. psqlODBC passes all of it; every test that fails here is
//! listed in `KNOWN_FAILURES` with its reason, so a new failure fails this test and a fixed
//! one must leave the list. The sdist is fetched from PyPI once into the target directory.

mod common;
mod support;

use common::{conn_string, single_instance, OdbcConfig};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The pyodbc version installer/deps.sh pins; the suite comes from its sdist.
const PYODBC_VERSION: &str = "5.5.0";

/// Tests of the suite that fail against auroraodbc today, each with its reason. psqlODBC
/// 13.02 fails none of them. Only `test_columns` is to stay: it is gated on psqlODBC's
/// version number.
const KNOWN_FAILURES: &[(&str, &str)] = &[(
    "test_columns",
    "gated on psqlODBC's version: below SQL_DRIVER_VER 13.02 it reads SQLColumns' ODBC 2 \
         column name PRECISION; auroraodbc reports its own version (00.x) and the ODBC 3 name \
         COLUMN_SIZE, as psqlODBC 13.02 does",
)];

/// Tests the suite skips: none may (the comma locale is built for the run).
const KNOWN_SKIPS: &[(&str, &str)] = &[];

/// The directory the test binary's profile builds into (target/debug).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target profile dir")
        .to_path_buf()
}

fn run_checked(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    let text = common::output_text(&out);
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

/// The installed pyodbc's version; the known failures are those of `PYODBC_VERSION`.
fn installed_pyodbc_version() -> String {
    run_checked(
        Command::new("python3").args(["-c", "import pyodbc; print(pyodbc.version)"]),
        "python3 -c 'import pyodbc'",
    )
    .trim()
    .to_string()
}

/// The unpacked sdist's tests directory, downloaded with pip on first use.
fn suite_dir() -> PathBuf {
    let root = profile_dir().join(format!("pyodbc-sdist-{PYODBC_VERSION}"));
    let tests = root.join(format!("pyodbc-{PYODBC_VERSION}/tests"));
    if tests.join("postgresql_test.py").exists() {
        return tests;
    }
    // Unpacked beside, then renamed into place, so an interrupted fetch leaves nothing that
    // looks complete.
    let staging = profile_dir().join(format!(
        "pyodbc-sdist-{PYODBC_VERSION}.partial-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).expect("create sdist staging dir");
    run_checked(
        Command::new("python3")
            .args(["-m", "pip", "download", "--quiet", "--no-binary", ":all:"])
            .arg("--no-deps")
            .arg(format!("pyodbc=={PYODBC_VERSION}"))
            .arg("-d")
            .arg(&staging),
        "pip download pyodbc sdist",
    );
    let archive = staging.join(format!("pyodbc-{PYODBC_VERSION}.tar.gz"));
    run_checked(
        Command::new("tar")
            .arg("-xzf")
            .arg(&archive)
            .arg("-C")
            .arg(&staging),
        "tar -xzf pyodbc sdist",
    );
    if std::fs::rename(&staging, &root).is_err() {
        // Another run got there first.
        let _ = std::fs::remove_dir_all(&staging);
    }
    assert!(
        tests.join("postgresql_test.py").exists(),
        "the pyodbc sdist has no tests/postgresql_test.py"
    );
    tests
}

/// A private locale directory with de_DE.UTF-8, for the suite's comma-decimal tests (LOCPATH).
fn comma_locale_dir(config: &OdbcConfig) -> PathBuf {
    let dir = config.dir.join("locale");
    std::fs::create_dir_all(&dir).expect("create locale dir");
    run_checked(
        Command::new("localedef")
            .args(["-i", "de_DE", "-f", "UTF-8"])
            .arg(dir.join("de_DE.UTF-8")),
        "localedef de_DE.UTF-8",
    );
    dir
}

/// Outcome of each test from pytest's `-rA` summary: name -> (outcome, message).
fn outcomes(report: &str) -> BTreeMap<String, (String, String)> {
    let mut found = BTreeMap::new();
    for line in report.lines() {
        let Some((outcome, rest)) = line.split_once(' ') else {
            continue;
        };
        match outcome {
            "PASSED" | "FAILED" | "ERROR" | "XFAIL" | "XPASS" => {
                let (id, message) = rest.split_once(" - ").unwrap_or((rest, ""));
                let name = id.rsplit("::").next().unwrap_or(id).to_string();
                found.insert(name, (outcome.to_string(), message.to_string()));
            }
            // SKIPPED [n] postgresql_test.py:757: reason (pytest names the line, not the test).
            "SKIPPED" => {
                found.insert(rest.to_string(), ("SKIPPED".to_string(), rest.to_string()));
            }
            _ => {}
        }
    }
    found
}

#[test]
fn pyodbc_postgresql_suite() {
    let version = installed_pyodbc_version();
    assert_eq!(
        version, PYODBC_VERSION,
        "installer/deps.sh installs pyodbc {PYODBC_VERSION}; run it again"
    );
    let tests = suite_dir();
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let locales = comma_locale_dir(&config);

    let mut cmd = Command::new("timeout");
    cmd.args(["--kill-after=5", "600", "python3", "-m", "pytest"])
        .args(["-p", "no:cacheprovider", "-rA", "-q", "--tb=line"])
        .arg(tests.join("postgresql_test.py"));
    config.apply(&mut cmd);
    cmd.env("PYODBC_POSTGRESQL", conn_string(&cluster, &writer))
        .env("LOCPATH", &locales)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        // Wide enough for pytest to keep each failure's message on its summary line.
        .env("COLUMNS", "400")
        .env_remove("PYODBC_TESTLOCAL")
        .current_dir(&config.dir);
    let out = cmd.output().expect("run pytest");
    let report = common::output_text(&out);
    let results = outcomes(&report);
    assert!(
        results.len() > 50,
        "pytest ran too few tests ({:?}):\n{report}",
        out.status
    );

    let count = |outcome: &str| results.values().filter(|(o, _)| o == outcome).count();
    // Shown with --nocapture: the figures for docs/psqlodbc-compatibility.md.
    println!(
        "pyodbc {PYODBC_VERSION} suite: {} passed, {} failed, {} errors, {} skipped",
        count("PASSED"),
        count("FAILED"),
        count("ERROR"),
        count("SKIPPED")
    );

    let failing: BTreeMap<&str, &str> = results
        .iter()
        .filter(|(_, (o, _))| o == "FAILED" || o == "ERROR")
        .map(|(name, (_, message))| (name.as_str(), message.as_str()))
        .collect();
    let known: BTreeMap<&str, &str> = KNOWN_FAILURES.iter().copied().collect();
    let new: Vec<String> = failing
        .iter()
        .filter(|(name, _)| !known.contains_key(*name))
        .map(|(name, message)| format!("{name}: {message}"))
        .collect();
    let fixed: Vec<&str> = known
        .keys()
        .filter(|name| !failing.contains_key(*name))
        .copied()
        .collect();
    let skipped: Vec<&str> = results
        .iter()
        .filter(|(_, (o, _))| o == "SKIPPED")
        .map(|(name, _)| name.as_str())
        .filter(|name| !KNOWN_SKIPS.iter().any(|(k, _)| name.contains(k)))
        .collect();
    assert!(
        new.is_empty() && fixed.is_empty() && skipped.is_empty(),
        "pyodbc suite differs from KNOWN_FAILURES:\nnew failures: {new:#?}\nnow passing (remove \
         from KNOWN_FAILURES): {fixed:#?}\nunexpected skips: {skipped:#?}\n{report}"
    );
}
