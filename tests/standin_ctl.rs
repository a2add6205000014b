//! `auroraodbc-standin ctl` changes a running `auroraodbc-standin up`: proxy faults, a
//! failover and a secret rotation, seen from outside through the proxies, the Secrets Manager
//! stub and the state file.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_auroraodbc-standin");

/// A running `up`; stopped with SIGTERM (what `down` sends) on drop.
struct Standin {
    child: Child,
    state_file: PathBuf,
    dir: PathBuf,
}

impl Standin {
    fn up() -> Standin {
        let dir = std::env::temp_dir().join(format!("standin-ctl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let state_file = dir.join("standin.state");
        let child = Command::new(BIN)
            .args(["up", "--state-file"])
            .arg(&state_file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut standin = Standin {
            child,
            state_file,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        while !standin.state_file.exists() {
            assert!(
                standin.child.try_wait().unwrap().is_none(),
                "auroraodbc-standin up exited early"
            );
            assert!(Instant::now() < deadline, "no state file after 120 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        standin
    }

    fn state(&self) -> HashMap<String, String> {
        std::fs::read_to_string(&self.state_file)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn run(&self, words: &[&str]) -> Output {
        Command::new(BIN)
            .arg("ctl")
            .arg("--state-file")
            .arg(&self.state_file)
            .args(words)
            .output()
            .unwrap()
    }

    fn ctl(&self, words: &[&str]) -> String {
        let out = self.run(words);
        assert!(
            out.status.success(),
            "ctl {words:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn proxy(&self, id: &str) -> SocketAddr {
        let port = &self.state()[&format!("{id}.proxy_port")];
        format!("127.0.0.1:{port}").parse().unwrap()
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            // SIGKILL leaves the servers' temporary directory behind; SIGTERM (what `down`
            // sends) lets the stand-in clean up, and waiting here reaps it.
            let pid = libc::pid_t::try_from(self.child.id()).expect("a process id fits pid_t");
            // SAFETY: kill has no memory-safety preconditions.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Sends a PostgreSQL SSLRequest through a proxy; true when the server answers (`S` or `N`)
/// within a second.
fn server_answers(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let ssl_request = [0u8, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];
    if stream.write_all(&ssl_request).is_err() {
        return false;
    }
    let mut answer = [0u8; 1];
    matches!(stream.read(&mut answer), Ok(1) if answer[0] == b'S' || answer[0] == b'N')
}

/// The Secrets Manager stub's GetSecretValue answer for `secret_id`, by plain HTTP.
fn secret_value(url: &str, secret_id: &str) -> String {
    let addr = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).unwrap();
    let body = format!("{{\"SecretId\":\"{secret_id}\"}}");
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: secretsmanager.GetSecretValue\r\n\
         Content-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    answer
}

/// Whether the instance behind a proxy is the writer, asked with psql as the test user.
fn is_writer(addr: SocketAddr, state: &HashMap<String, String>) -> bool {
    let conn = format!(
        "host=127.0.0.1 port={} user={} password={} dbname={} connect_timeout=10",
        addr.port(),
        state["user"],
        state["password"],
        state["database"]
    );
    let out = Command::new("psql")
        .args([conn.as_str(), "-tAc", "SELECT pg_is_in_recovery()"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "psql: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim() == "f"
}

#[test]
fn ctl_sets_faults_and_fails_over() {
    let standin = Standin::up();
    let state = standin.state();
    let socket = PathBuf::from(&state["control"]);
    assert!(socket.exists(), "no control socket at {}", socket.display());
    assert_eq!(state["writer"], "instance-1");
    let writer = standin.proxy("instance-1");
    assert!(server_answers(writer));

    standin.ctl(&["fault", "instance-1", "blackhole"]);
    assert!(!server_answers(writer), "a black hole must not answer");
    standin.ctl(&["fault", "instance-1", "passthrough"]);
    assert!(server_answers(writer));

    // Bad commands fail with a non-zero exit and change nothing.
    let fails = |words: &[&str]| !standin.run(words).status.success();
    assert!(fails(&["fault", "instance-9", "blackhole"]));
    assert!(fails(&["fault", "instance-1", "sideways"]));
    assert!(fails(&["failover", "instance-1"]));

    let answer = standin.ctl(&["failover", "instance-2"]);
    assert!(answer.contains("instance-2"), "{answer}");
    let state = standin.state();
    assert_eq!(state["writer"], "instance-2");
    assert_eq!(state["instance-1.role"], "reader");
    assert!(is_writer(standin.proxy("instance-2"), &state));
    assert!(!is_writer(standin.proxy("instance-3"), &state));

    // A rotation: the new password works on the instances and is in the secret.
    let before = secret_value(&state["secrets_url"], &state["secret_id"]);
    assert!(before.contains(&state["password"]), "{before}");
    let answer = standin.ctl(&["rotate-secret", "Rot4ted-by-ctl"]);
    assert!(answer.contains("auroraodbc-demo/login"), "{answer}");
    let state = standin.state();
    assert_eq!(state["password"], "Rot4ted-by-ctl");
    assert!(
        is_writer(standin.proxy("instance-2"), &state),
        "logs in with the new password"
    );
    let after = secret_value(&state["secrets_url"], &state["secret_id"]);
    assert!(
        after.contains("Rot4ted-by-ctl") && after.contains(&state["user"]),
        "{after}"
    );
    assert!(fails(&["rotate-secret"]));

    // `down` waits until the process is gone; a zombie still counts as there, so the test
    // (its parent) reaps it while `down` runs.
    let mut standin = standin;
    let down = Command::new(BIN)
        .arg("down")
        .arg("--state-file")
        .arg(&standin.state_file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(standin.child.wait().unwrap().success());
    let down = down.wait_with_output().unwrap();
    assert!(
        down.status.success(),
        "down: {}",
        String::from_utf8_lossy(&down.stderr)
    );
    assert!(!socket.exists(), "the control socket outlived the stand-in");
    assert!(!standin.state_file.exists());
}
