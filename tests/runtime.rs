//! The engine's runtime under application patterns: threads, fork(), the release function,
//! and exiting without cleanup.

mod common;
mod support;

use common::{build_c_program, conn_string, driver_so, single_instance, OdbcConfig};
use std::time::{Duration, Instant};

#[test]
fn threads_fork_release_and_prompt_exit() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let bin = build_c_program(&config, "runtime.c");
    let started = Instant::now();
    let so = driver_so();
    let out = config.run(
        bin.to_str().expect("path"),
        &[&conn_string(&cluster, &writer), so.to_str().expect("path")],
        "",
        Duration::from_secs(120),
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "runtime program failed ({:?}):\n{text}",
        out.status
    );
    for step in ["ok threads", "ok fork", "ok release", "exiting"] {
        assert!(text.contains(step), "missing '{step}':\n{text}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the program took {:?}",
        started.elapsed()
    );
}
