//! The process-wide record of which instance each tracked connection is on, and what happens
//! when a cluster's writer changes: every tracked connection still on the old writer is cut
//! (its socket closed), so that its next call fails over at once.

use crate::engine::error::EngineError;
use crate::engine::topology;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Once};
use std::time::{Duration, Instant};

/// Cuts one connection's session (in the plugin: its `SessionKiller`), with the reason its
/// calls then fail with.
pub type Cut = Arc<dyn Fn(EngineError) + Send + Sync>;

/// One tracked connection: its cluster (the topology cache key), the instance its session is
/// on, and how to cut that session.
struct Tracked {
    cluster: String,
    instance: String,
    cut: Cut,
}

/// Tracked connections by the token of their plugin instance.
static TRACKED: LazyLock<Mutex<HashMap<u64, Tracked>>> = LazyLock::new(Default::default);

/// A change back to the writer that was replaced less than this long ago is not acted on: it
/// is far more likely a topology read from an instance that has not caught up yet than a
/// second failover, and cutting the connections on the real writer would fail them over for
/// nothing. (Were it real, the connections on the demoted instance fail over anyway.)
pub const REVERT_WINDOW: Duration = Duration::from_secs(30);

/// A writer change acted on: the old writer, the new one, and when.
struct Change {
    old: String,
    new: String,
    at: Instant,
}

/// The last writer change acted on, per cluster.
static LAST_CHANGE: LazyLock<Mutex<HashMap<String, Change>>> = LazyLock::new(Default::default);

/// Starts listening to writer changes of every cluster (once per process).
pub fn listen() {
    static LISTENING: Once = Once::new();
    LISTENING.call_once(|| topology::on_writer_change(writer_changed));
}

/// Records (or updates) that connection `token` is on `instance` of `cluster`.
/// `opened_on_writer`: when its session was opened, if it logged in on a writer. A writer change
/// away from `instance` that came after that, while the connection was still being set up and
/// not yet tracked, cuts it at once instead. (A session that logged in on a reader was not on
/// the writer: it stays, whatever the instance was before.)
pub fn track(
    token: u64,
    cluster: &str,
    instance: &str,
    opened_on_writer: Option<Instant>,
    cut: Cut,
) {
    let last = LAST_CHANGE.lock();
    let missed = opened_on_writer.and_then(|opened| {
        last.get(cluster)
            .filter(|c| c.old.eq_ignore_ascii_case(instance) && c.at >= opened)
            .map(|c| c.new.clone())
    });
    let mut tracked = TRACKED.lock();
    match missed {
        Some(new) => {
            tracked.remove(&token);
            drop(tracked);
            drop(last);
            tracing::warn!(
                cluster,
                old_writer = instance,
                new_writer = %new,
                "connection tracker: a connection set up while the writer changed is on the old writer; closing it so it fails over"
            );
            cut(reason(instance, &new));
        }
        None => {
            tracked.insert(
                token,
                Tracked {
                    cluster: cluster.to_string(),
                    instance: instance.to_string(),
                    cut,
                },
            );
        }
    }
}

/// What the calls of a cut connection fail with (08S01 class, so failover takes over).
fn reason(old: &str, new: &str) -> EngineError {
    EngineError::communication(format!(
        "instance {old} is no longer the writer ({new} is, as another connection of this process learned); \
         the connection tracker closed this connection to it so that it fails over"
    ))
}

/// Forgets connection `token` (closed, or no longer trackable).
pub fn forget(token: u64) {
    TRACKED.lock().remove(&token);
}

/// How many connections are tracked on `instance` of `cluster` (tests, diagnostics).
pub fn tracked_on(cluster: &str, instance: &str) -> usize {
    TRACKED
        .lock()
        .values()
        .filter(|t| t.cluster == cluster && t.instance.eq_ignore_ascii_case(instance))
        .count()
}

/// The writer-change listener: cuts every tracked connection on `old` in `cluster`. They are
/// forgotten here; failover tracks each again once it has replaced its session.
pub fn writer_changed(cluster: &str, old: &str, new: &str) {
    // Lock order: LAST_CHANGE, then TRACKED (as in `track`), so a connection is either tracked
    // before this change or sees it when it is tracked.
    let mut last = LAST_CHANGE.lock();
    if let Some(was) = last.get(cluster) {
        if was.old.eq_ignore_ascii_case(new)
            && was.new.eq_ignore_ascii_case(old)
            && was.at.elapsed() < REVERT_WINDOW
        {
            tracing::info!(
                cluster,
                old_writer = old,
                new_writer = new,
                "connection tracker: a topology names the previous writer again {} ms after the change; taken for a lagging instance's view, no connection closed",
                was.at.elapsed().as_millis()
            );
            return;
        }
    }
    last.insert(
        cluster.to_string(),
        Change {
            old: old.to_string(),
            new: new.to_string(),
            at: Instant::now(),
        },
    );
    let victims: Vec<Cut> = {
        let mut tracked = TRACKED.lock();
        let tokens: Vec<u64> = tracked
            .iter()
            .filter(|(_, t)| t.cluster == cluster && t.instance.eq_ignore_ascii_case(old))
            .map(|(token, _)| *token)
            .collect();
        tokens
            .into_iter()
            .filter_map(|token| tracked.remove(&token))
            .map(|t| t.cut)
            .collect()
    };
    drop(last);
    if victims.is_empty() {
        return;
    }
    tracing::warn!(
        cluster,
        old_writer = old,
        new_writer = new,
        connections = victims.len(),
        "connection tracker: the writer changed; closing this process's connections still on the old writer so they fail over"
    );
    for cut in victims {
        cut(reason(old, new));
    }
}
