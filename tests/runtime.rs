//! The engine's runtime under application patterns: threads, fork(), the release function,
//! and exiting without cleanup.

mod common;
mod fixtures;
mod support;

use common::{build_c_program, conn_string, driver_so, single_instance, OdbcConfig};
use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

#[test]
fn threads_fork_release_and_prompt_exit() {
    // The tests here count process-wide things (threads, descriptors): one at a time.
    let _serial = fixtures::serial();
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let bin = build_c_program(&config, "runtime.c");
    let so = driver_so();
    let mut child = config.spawn(
        bin.to_str().expect("path"),
        &[&conn_string(&cluster, &writer), so.to_str().expect("path")],
        Duration::from_secs(120),
    );
    // The program's last line says it is about to return from main with a connection open
    // and nothing released; from then on only the process's exit remains.
    let mut seen = Vec::new();
    let mut exiting_at = None;
    for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
        let line = line.expect("read the program's output");
        if line == "exiting" {
            exiting_at = Some(Instant::now());
        }
        seen.push(line);
    }
    let out = child.wait_with_output().expect("wait for the program");
    let exited_at = Instant::now();
    let text = format!(
        "{}\n{}",
        seen.join("\n"),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "runtime program failed ({:?}):\n{text}",
        out.status
    );
    for step in ["ok threads", "ok fork", "ok release", "exiting"] {
        assert!(seen.iter().any(|l| l == step), "missing '{step}':\n{text}");
    }
    // Exiting does no work of its own: the driver must not wait for its sessions or
    // background threads. Two seconds cover scheduling on a loaded machine (the exit itself
    // takes milliseconds); a wait on the network or on a thread would show.
    let exit_took = exited_at - exiting_at.expect("the exiting line was read");
    eprintln!("exit took {exit_took:?}");
    assert!(
        exit_took < Duration::from_secs(2),
        "the process took {exit_took:?} to exit after its last line:\n{text}"
    );
}

/// Open epoll instances of this process (each tokio runtime has one; other tests running
/// beside this one open pipes and sockets, but no epoll instances).
fn epoll_instances() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("fds")
        .flatten()
        .filter(|fd| {
            std::fs::read_link(fd.path())
                .is_ok_and(|target| target.to_string_lossy().contains("eventpoll"))
        })
        .count()
}

#[test]
fn connections_beyond_the_caller_runtime_limit_use_the_shared_runtime() {
    use auroraodbc::engine::error::EngineError;
    use auroraodbc::engine::runtime;
    use auroraodbc::engine::session::{Executed, Fetched, Session};
    use std::collections::VecDeque;

    let _serial = fixtures::serial();
    let cluster = single_instance();
    let info = cluster.instance(&cluster.writer_id()).expect("writer");
    let options = fixtures::session_options(info.port, "runtime-limit-test");
    // The shared runtime exists before counting descriptors.
    runtime::block_on(async {}).expect("runtime");
    runtime::set_caller_runtime_limit(1);
    let before = epoll_instances();
    let own = Session::connect(&options).expect("first connection");
    let with_own = epoll_instances();
    let mut shared = Session::connect(&options).expect("second connection");
    let with_shared = epoll_instances();
    runtime::set_caller_runtime_limit(64);
    // The first has a runtime (epoll instances) of its own; the second does not.
    assert!(with_own > before, "a connection with its own runtime");
    assert_eq!(with_shared, with_own, "a connection on the shared runtime");
    // The second works all the same: a result streams, and another thread can cut a call.
    let prepared = shared
        .prepare("SELECT g FROM generate_series(1, 5000) g")
        .expect("prepare");
    assert_eq!(
        shared.execute(1, &prepared, &[]).expect("execute"),
        Executed::Rows
    );
    let mut rows = VecDeque::new();
    let mut count = 0;
    while let Fetched::More = shared.fetch(1, 1000, &mut rows).expect("fetch") {
        count += rows.len();
        rows.clear();
    }
    assert_eq!(count + rows.len(), 5000);
    let sleep = shared.prepare("SELECT pg_sleep(30)").expect("prepare");
    let killer = shared.killer();
    let cutter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        killer.kill(EngineError::communication("cut by the test"));
    });
    let started = Instant::now();
    let err = shared.execute(2, &sleep, &[]).expect_err("cut");
    cutter.join().expect("cutter");
    assert!(err.message.contains("cut by the test"), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(own);
}
