//! The release packages of installer/package.sh: built once (the release build of this target
//! directory, with package.sh's flags: a nested cargo building the release profile while this
//! debug-profile test runs), then
//! - the .deb installed on this machine with dpkg (the one test that touches /etc, because
//!   that is what the package does; it puts the machine back afterwards): registered under its
//!   name, reached with isql through that name, upgraded, reinstalled, removed and purged with
//!   the usage count right at each step and nothing left behind; iODBC registration too;
//! - the .rpm's file list, requirements and scriptlets, the scriptlets run against a private
//!   odbcinst.ini;
//! - the tarball unpacked and installed into a temporary prefix, for a user and system-wide;
//! - a second build from a copy of the tree in another directory giving byte-identical files.

mod common;
mod support;

use common::single_instance;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use support::{TEST_DATABASE, TEST_PASSWORD, TEST_USER};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const DEB_LIB: &str = "/usr/lib/x86_64-linux-gnu/odbc/libauroraodbc.so";
const RPM_LIB: &str = "/usr/lib64/libauroraodbc.so";
const TEMPLATE: &str = "/usr/share/auroraodbc/odbcinst.ini.template";
/// Every timestamp of the packages (2026-01-01): fixed, so a copy of the tree without git
/// history packages the same as this checkout.
const SOURCE_DATE_EPOCH: &str = "1767225600";

fn source_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The target directory this test binary was built in (`<target>/debug/deps/<binary>`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.ancestors().nth(3).expect("target dir").to_path_buf()
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(what: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("auroraodbc-packages-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `cmd`, panics with its output unless it succeeds; returns stdout and stderr.
fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let all = text(&out);
    assert!(
        out.status.success(),
        "{cmd:?} failed ({:?}):\n{all}",
        out.status
    );
    all
}

/// A command that sees only the machine's ODBC configuration, not a test's private one.
fn system_command(program: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_remove("ODBCSYSINI")
        .env_remove("ODBCINSTINI")
        .env_remove("ODBCINI");
    cmd
}

/// The packages, built once for every test of this file.
fn packages() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let target = target_dir();
        let out = target.join("packages");
        let started = std::time::Instant::now();
        run(Command::new("bash")
            .arg(source_dir().join("installer/package.sh"))
            .arg("--out")
            .arg(&out)
            .env("CARGO_TARGET_DIR", &target)
            .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH));
        eprintln!(
            "package.sh (release build included) took {:.0?}",
            started.elapsed()
        );
        out
    })
}

fn package_file(name: &str) -> PathBuf {
    let path = packages().join(name);
    assert!(path.is_file(), "{} not built", path.display());
    path
}

fn deb_name() -> String {
    format!("auroraodbc_{VERSION}_amd64.deb")
}

fn rpm_name() -> String {
    format!("auroraodbc-{VERSION}-1.x86_64.rpm")
}

fn tarball_base() -> String {
    format!("auroraodbc-{VERSION}-linux-x86_64")
}

/// The `key=value` lines of section `[name]` of an ini text; `None` when there is no section.
fn ini_section(ini: &str, name: &str) -> Option<Vec<String>> {
    let header = format!("[{name}]");
    let mut lines = ini.lines().map(str::trim);
    lines.by_ref().find(|l| *l == header)?;
    Some(
        lines
            .take_while(|l| !l.starts_with('['))
            .filter(|l| !l.is_empty() && !l.starts_with(';') && !l.starts_with('#'))
            .map(str::to_string)
            .collect(),
    )
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The machine's driver entry: (Driver=, UsageCount=) or None.
fn system_entry() -> Option<(String, String)> {
    let section = ini_section(&read(Path::new("/etc/odbcinst.ini")), "auroraodbc")?;
    let value = |key: &str| {
        section
            .iter()
            .find_map(|l| l.strip_prefix(key).map(str::to_string))
            .unwrap_or_default()
    };
    Some((value("Driver="), value("UsageCount=")))
}

fn sha256(path: &Path) -> String {
    let out = run(Command::new("sha256sum").arg(path));
    out.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// isql through SQLDriverConnect with the driver by name, as the machine has it registered
/// (or as `env` points the driver manager); returns isql's output.
fn isql_by_name(mut cmd: Command, port: u16, extra: &str, sql: &str) -> String {
    use std::io::Write;
    let conn = format!(
        "DRIVER={{auroraodbc}};Server=127.0.0.1;Port={port};Database={TEST_DATABASE};UID={TEST_USER};PWD={TEST_PASSWORD}{extra}"
    );
    let mut child = cmd
        .args(["-k", &conn, "-b", "-v", "-d|", "-c"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start isql");
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(sql.as_bytes());
    }
    text(&child.wait_with_output().expect("wait for isql"))
}

/// Puts the machine back as it was: the package purged, /etc/odbcinst.ini restored.
struct MachineGuard {
    odbcinst_ini: Option<Vec<u8>>,
}

impl Drop for MachineGuard {
    fn drop(&mut self) {
        let _ = system_command("dpkg")
            .args(["--purge", "auroraodbc-dbgsym", "auroraodbc"])
            .output();
        if let Some(saved) = &self.odbcinst_ini {
            let _ = std::fs::write("/etc/odbcinst.ini", saved);
        }
    }
}

fn dpkg_installed(package: &str) -> bool {
    system_command("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

/// The same .deb under an earlier version, for a real upgrade (dpkg passes the old version).
fn earlier_deb(deb: &Path, dir: &Path) -> PathBuf {
    let tree = dir.join("earlier");
    run(Command::new("dpkg-deb").arg("-R").arg(deb).arg(&tree));
    let control = tree.join("DEBIAN/control");
    let text = read(&control).replace(
        &format!("Version: {VERSION}\n"),
        &format!("Version: {VERSION}~earlier\n"),
    );
    std::fs::write(&control, text).expect("write control");
    let earlier = dir.join("earlier.deb");
    run(Command::new("dpkg-deb")
        .args(["--root-owner-group", "--build"])
        .arg(&tree)
        .arg(&earlier));
    earlier
}

#[test]
fn deb_registers_upgrades_removes_and_purges() {
    // SAFETY: geteuid has no preconditions and only reads the process's credentials.
    let root = unsafe { libc::geteuid() } == 0;
    // No quiet skip: a run that cannot install the package must say so by failing.
    assert!(
        root && Command::new("dpkg").arg("--version").output().is_ok(),
        "installing a .deb needs root and dpkg (CI and the project's machines run as root)"
    );
    assert!(
        !dpkg_installed("auroraodbc") && system_entry().is_none(),
        "this machine already has auroraodbc installed or registered; the test would clobber it"
    );
    let deb = package_file(&deb_name());
    let dbgsym = package_file(&format!("auroraodbc-dbgsym_{VERSION}_amd64.deb"));
    let scratch = Scratch::new("deb");
    let earlier = earlier_deb(&deb, &scratch.0);
    let _guard = MachineGuard {
        odbcinst_ini: std::fs::read("/etc/odbcinst.ini").ok(),
    };
    let others_before = read(Path::new("/etc/odbcinst.ini"));

    // An iODBC with an odbcinst.ini of its own, found through iodbc-config.
    let bin = scratch.0.join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    let iodbc_ini = scratch.0.join("iodbc/odbcinst.ini");
    std::fs::write(
        bin.join("iodbc-config"),
        format!(
            "#!/bin/sh\n[ \"$1\" = --odbcinstini ] && echo {}\n",
            iodbc_ini.display()
        ),
    )
    .expect("write iodbc-config");
    run(Command::new("chmod")
        .arg("+x")
        .arg(bin.join("iodbc-config")));
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let dpkg = |args: &[&str], files: &[&Path]| {
        run(system_command("dpkg")
            .env("PATH", &path)
            .args(args)
            .args(files))
    };
    let registered = |count: &str, step: &str| {
        assert_eq!(
            system_entry(),
            Some((DEB_LIB.to_string(), count.to_string())),
            "after {step}:\n{}",
            read(Path::new("/etc/odbcinst.ini"))
        );
        let iodbc = read(&iodbc_ini);
        assert!(
            ini_section(&iodbc, "auroraodbc")
                .is_some_and(|s| s.contains(&format!("Driver={DEB_LIB}")))
                && ini_section(&iodbc, "ODBC Drivers")
                    .is_some_and(|s| s.contains(&"auroraodbc=Installed".to_string())),
            "iODBC entry after {step}:\n{iodbc}"
        );
    };

    // Install (an earlier version), then a real upgrade: one installer, UsageCount 1.
    dpkg(&["-i"], &[&earlier]);
    registered("1", "install");
    dpkg(&["-i"], &[&deb, &dbgsym]);
    registered("1", "upgrade");
    let status =
        run(system_command("dpkg-query").args(["-W", "-f=${Version} ${Depends}", "auroraodbc"]));
    assert!(
        status.starts_with(&format!("{VERSION} "))
            && status.contains("libc6")
            && status.contains("odbcinst"),
        "installed version and dependencies: {status}"
    );

    // The files, stripped, with their debug symbols apart.
    for file in [
        DEB_LIB,
        "/usr/include/auroraodbc.h",
        "/usr/share/doc/auroraodbc/README.md",
        "/usr/share/doc/auroraodbc/odbcinst.ini.sample",
        "/usr/share/doc/auroraodbc/docs/dsn-keys.md",
    ] {
        assert!(Path::new(file).is_file(), "{file} not installed");
    }
    let sections = run(Command::new("readelf").args(["-S", "-W", DEB_LIB]));
    assert!(
        sections.contains(".gnu_debuglink") && !sections.contains(".debug_info"),
        "packaged library not stripped or without its debug link:\n{sections}"
    );
    let dbg_files = run(system_command("dpkg").args(["-L", "auroraodbc-dbgsym"]));
    assert!(
        dbg_files
            .lines()
            .any(|l| l.starts_with("/usr/lib/debug/") && l.ends_with(".debug")),
        "{dbg_files}"
    );

    // Reached through the registered name, and the version everywhere is Cargo.toml's.
    let cluster = single_instance();
    let port = cluster
        .instance(&cluster.writer_id())
        .expect("writer")
        .proxy_port;
    let home = scratch.0.join("home");
    std::fs::create_dir_all(&home).expect("home");
    let log = scratch.0.join("driver.log");
    let mut isql = system_command("isql");
    isql.env("HOME", &home);
    let extra = format!(";log_level=info;log_file={}", log.display());
    let out = isql_by_name(isql, port, &extra, "SELECT 40 + 2 AS answer\n");
    assert!(
        out.contains("answer") && out.contains("42"),
        "isql through the package:\n{out}"
    );
    let banner = format!("auroraodbc {VERSION} log opened");
    assert!(
        read(&log).contains(&banner),
        "no banner in the log:\n{}",
        read(&log)
    );

    // Reinstall over itself: still one installer.
    dpkg(&["-i"], &[&deb]);
    registered("1", "reinstall");

    // Someone else registers the same name too (odbcinst counts 2); removal takes back only
    // the package's count, purge drops an entry that names the removed library.
    run(system_command("odbcinst").args(["-i", "-d", "-f", TEMPLATE]));
    registered("2", "a second registration");
    dpkg(
        &["-r"],
        &[Path::new("auroraodbc-dbgsym"), Path::new("auroraodbc")],
    );
    assert_eq!(system_entry(), Some((DEB_LIB.to_string(), "1".to_string())));
    for file in [
        DEB_LIB,
        "/usr/include/auroraodbc.h",
        "/usr/share/doc/auroraodbc",
        TEMPLATE,
    ] {
        assert!(!Path::new(file).exists(), "{file} left after remove");
    }
    assert!(ini_section(&read(&iodbc_ini), "auroraodbc").is_none());
    dpkg(&["--purge"], &[Path::new("auroraodbc")]);
    assert_eq!(
        system_entry(),
        None,
        "{}",
        read(Path::new("/etc/odbcinst.ini"))
    );
    assert!(
        !read(&iodbc_ini).contains("auroraodbc"),
        "{}",
        read(&iodbc_ini)
    );
    assert!(!dpkg_installed("auroraodbc"));
    assert!(!Path::new("/usr/share/auroraodbc").exists());
    for other in ["PostgreSQL Unicode", "PostgreSQL ANSI"] {
        assert_eq!(
            ini_section(&read(Path::new("/etc/odbcinst.ini")), other),
            ini_section(&others_before, other),
            "another driver's entry changed"
        );
    }

    // A plain install then remove: no entry at all.
    dpkg(&["-i"], &[&deb]);
    registered("1", "a fresh install");
    dpkg(&["-r"], &[Path::new("auroraodbc")]);
    assert_eq!(system_entry(), None);
}

#[test]
fn rpm_has_the_layout_and_scriptlets() {
    let rpm = package_file(&rpm_name());
    let files = run(Command::new("rpm").arg("-qlp").arg(&rpm));
    for file in [
        RPM_LIB,
        "/usr/include/auroraodbc.h",
        "/usr/share/doc/auroraodbc/README.md",
        "/usr/share/doc/auroraodbc/odbcinst.ini.sample",
        TEMPLATE,
    ] {
        assert!(files.lines().any(|l| l == file), "{file} missing:\n{files}");
    }
    assert!(!files.contains("/usr/lib/debug"), "{files}");
    let requires = run(Command::new("rpm").args(["-qp", "--requires"]).arg(&rpm));
    assert!(
        requires.contains("unixODBC") && requires.contains("libc.so.6"),
        "{requires}"
    );
    let version = run(Command::new("rpm")
        .args(["-qp", "--qf", "%{VERSION}"])
        .arg(&rpm));
    assert_eq!(version.trim(), VERSION);
    let debuginfo = package_file(&format!("auroraodbc-debuginfo-{VERSION}-1.x86_64.rpm"));
    let dbg_files = run(Command::new("rpm").arg("-qlp").arg(&debuginfo));
    assert!(dbg_files.contains("/usr/lib/debug/"), "{dbg_files}");

    // The same library as the .deb's.
    let scratch = Scratch::new("rpm");
    run(Command::new("sh").arg("-c").arg(format!(
        "cd '{}' && rpm2cpio '{}' | cpio -idm --quiet",
        scratch.0.display(),
        rpm.display()
    )));
    let deb_tree = scratch.0.join("deb");
    run(Command::new("dpkg-deb")
        .arg("-x")
        .arg(package_file(&deb_name()))
        .arg(&deb_tree));
    assert_eq!(
        sha256(&scratch.0.join(RPM_LIB.trim_start_matches('/'))),
        sha256(&deb_tree.join(DEB_LIB.trim_start_matches('/')))
    );

    // The scriptlets, run as rpm would (install, upgrade, old package's removal in an upgrade,
    // erase) against a private odbcinst.ini.
    let scripts = run(Command::new("rpm").args(["-qp", "--scripts"]).arg(&rpm));
    let scriptlet = |name: &str| -> String {
        let start = scripts
            .find(&format!("{name} scriptlet"))
            .unwrap_or_else(|| panic!("no {name} scriptlet:\n{scripts}"));
        let body = &scripts[start..];
        let body = &body[body.find('\n').map_or(0, |i| i + 1)..];
        let end = body
            .find(" scriptlet (using")
            .and_then(|i| body[..i].rfind('\n'));
        body[..end.unwrap_or(body.len())].replace(
            TEMPLATE,
            &scratch.0.join("template.ini").display().to_string(),
        )
    };
    let template = read(&scratch.0.join(TEMPLATE.trim_start_matches('/')));
    assert!(
        template.contains(&format!("Driver={RPM_LIB}")),
        "{template}"
    );
    std::fs::write(scratch.0.join("template.ini"), template).expect("template");
    let etc = scratch.0.join("etc");
    std::fs::create_dir_all(&etc).expect("etc");
    let ini = etc.join("odbcinst.ini");
    std::fs::write(&ini, "").expect("odbcinst.ini");
    let count = || {
        ini_section(&read(&ini), "auroraodbc").map(|s| {
            s.iter()
                .find_map(|l| l.strip_prefix("UsageCount=").map(str::to_string))
                .unwrap_or_default()
        })
    };
    let run_scriptlet = |name: &str, arg: &str| {
        run(Command::new("sh")
            .arg("-c")
            .arg(scriptlet(name))
            .arg(name)
            .arg(arg)
            .env("ODBCSYSINI", &etc)
            .env_remove("ODBCINSTINI"));
    };
    run_scriptlet("postinstall", "1");
    assert_eq!(count().as_deref(), Some("1"), "{}", read(&ini));
    run_scriptlet("postinstall", "2");
    run_scriptlet("preuninstall", "1");
    run_scriptlet("postuninstall", "1");
    assert_eq!(
        count().as_deref(),
        Some("1"),
        "after an upgrade: {}",
        read(&ini)
    );
    run_scriptlet("preuninstall", "0");
    run_scriptlet("postuninstall", "0");
    assert_eq!(count(), None, "after erase: {}", read(&ini));
}

#[test]
fn tarball_installs_into_a_prefix() {
    let tarball = package_file(&format!("{}.tar.gz", tarball_base()));
    let scratch = Scratch::new("tar");
    run(Command::new("tar")
        .arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(&scratch.0));
    let unpacked = scratch.0.join(tarball_base());
    for file in [
        "install.sh",
        "uninstall.sh",
        "lib/libauroraodbc.so",
        "include/auroraodbc.h",
        "odbcinst.ini.sample",
    ] {
        assert!(
            unpacked.join(file).is_file(),
            "{file} missing from the tarball"
        );
    }
    let cluster = single_instance();
    let port = cluster
        .instance(&cluster.writer_id())
        .expect("writer")
        .proxy_port;

    // For a user: the library under the prefix, the entry in ~/.odbcinst.ini.
    let home = scratch.0.join("home");
    let etc = scratch.0.join("etc");
    std::fs::create_dir_all(&home).expect("home");
    std::fs::create_dir_all(&etc).expect("etc");
    let user_prefix = scratch.0.join("user-prefix");
    let in_sandbox = |program: PathBuf| {
        let mut cmd = Command::new(program);
        cmd.env("HOME", &home)
            .env("ODBCSYSINI", &etc)
            .env_remove("ODBCINSTINI")
            .env_remove("ODBCINI");
        cmd
    };
    run(in_sandbox(unpacked.join("install.sh"))
        .arg("--prefix")
        .arg(&user_prefix));
    let user_lib = user_prefix.join("lib/auroraodbc/libauroraodbc.so");
    assert!(user_lib.is_file());
    let user_ini = read(&home.join(".odbcinst.ini"));
    assert!(
        ini_section(&user_ini, "auroraodbc")
            .is_some_and(|s| s.contains(&format!("Driver={}", user_lib.display()))),
        "{user_ini}"
    );
    let out = isql_by_name(
        in_sandbox("isql".into()),
        port,
        "",
        "SELECT 6 * 7 AS answer\n",
    );
    assert!(
        out.contains("42"),
        "isql through the user registration:\n{out}"
    );
    run(in_sandbox(unpacked.join("uninstall.sh"))
        .arg("--prefix")
        .arg(&user_prefix));
    assert!(!user_lib.exists());
    assert!(ini_section(&read(&home.join(".odbcinst.ini")), "auroraodbc").is_none());

    // System-wide, with odbcinst (here into a private ODBCSYSINI).
    let sys_prefix = scratch.0.join("sys-prefix");
    run(in_sandbox(unpacked.join("install.sh"))
        .args(["--system", "--prefix"])
        .arg(&sys_prefix));
    let sys_lib = sys_prefix.join("lib/auroraodbc/libauroraodbc.so");
    let sys_ini = read(&etc.join("odbcinst.ini"));
    assert!(
        ini_section(&sys_ini, "auroraodbc")
            .is_some_and(|s| s.contains(&format!("Driver={}", sys_lib.display()))),
        "{sys_ini}"
    );
    let out = isql_by_name(
        in_sandbox("isql".into()),
        port,
        "",
        "SELECT 6 * 7 AS answer\n",
    );
    assert!(
        out.contains("42"),
        "isql through the system registration:\n{out}"
    );
    run(in_sandbox(unpacked.join("uninstall.sh"))
        .args(["--system", "--prefix"])
        .arg(&sys_prefix));
    assert!(!sys_lib.exists());
    assert!(ini_section(&read(&etc.join("odbcinst.ini")), "auroraodbc").is_none());
}

/// The files git tracks in this checkout, relative to it.
fn tracked_files() -> Vec<PathBuf> {
    let listing = run(Command::new("git")
        .arg("-C")
        .arg(source_dir())
        .args(["ls-files", "-z"]));
    listing
        .split('\0')
        .filter(|name| !name.is_empty())
        .map(PathBuf::from)
        .collect()
}

#[test]
fn building_again_in_another_directory_gives_the_same_files() {
    let first = packages();
    // The same sources in a directory of another name and depth: the build must not
    // depend on where the tree is.
    let scratch = Scratch::new("again");
    let copy = scratch.0.join("elsewhere/auroraodbc-copy");
    for name in tracked_files() {
        let from = source_dir().join(&name);
        if !from.is_file() {
            continue; // deleted in the work tree but still in the index
        }
        let to = copy.join(&name);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("create copy dir");
        std::fs::copy(&from, &to).expect("copy tracked file");
    }
    let out = scratch.0.join("packages");
    run(Command::new("bash")
        .arg(copy.join("installer/package.sh"))
        .arg("--out")
        .arg(&out)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH));
    assert_eq!(
        read(&out.join("SHA256SUMS")),
        read(&first.join("SHA256SUMS")),
        "a build of the same sources in {} differs",
        copy.display()
    );
    // No path of either build inside the packaged library.
    let unpacked = scratch.0.join("tree");
    run(Command::new("dpkg-deb")
        .arg("-x")
        .arg(first.join(deb_name()))
        .arg(&unpacked));
    let lib = std::fs::read(unpacked.join(DEB_LIB.trim_start_matches('/'))).expect("library");
    let cargo_home = std::env::var("CARGO_HOME")
        .unwrap_or_else(|_| format!("{}/.cargo", std::env::var("HOME").unwrap_or_default()));
    for path in [
        source_dir().display().to_string(),
        copy.display().to_string(),
        target_dir().display().to_string(),
        cargo_home,
    ] {
        assert!(
            !lib.windows(path.len()).any(|w| w == path.as_bytes()),
            "the packaged library holds the build path {path}"
        );
    }
}
