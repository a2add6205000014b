//! Unit tests of the tracker's registry and chain place; the cut of a real connection and its
//! failover, through unixODBC, are tested in `tests/initial_connection.rs`.

use super::*;
use crate::engine::error::EngineError;
use crate::engine::fixtures::{self, shared_settings};
use crate::engine::pipeline::Pipeline;
use parking_lot::Mutex as PlMutex;
use std::time::{Duration, Instant};

/// A cut that records the reasons it was given.
fn recorder() -> (registry::Cut, Arc<PlMutex<Vec<EngineError>>>) {
    let seen = Arc::new(PlMutex::new(Vec::new()));
    let into = seen.clone();
    (Arc::new(move |e| into.lock().push(e)), seen)
}

#[test]
fn a_new_writer_cuts_only_the_connections_on_the_old_one_in_that_cluster() {
    let cluster = "?.tracker-unit.example";
    let other_cluster = "?.tracker-unit-other.example";
    let (on_old, old_seen) = recorder();
    let (on_reader, reader_seen) = recorder();
    let (elsewhere, elsewhere_seen) = recorder();
    let (closed, closed_seen) = recorder();
    registry::track(9_000_001, cluster, "w1", Some(Instant::now()), on_old);
    registry::track(9_000_002, cluster, "r1", Some(Instant::now()), on_reader);
    registry::track(9_000_003, other_cluster, "w1", Some(Instant::now()), elsewhere);
    registry::track(9_000_004, cluster, "w1", Some(Instant::now()), closed);
    registry::forget(9_000_004);
    assert_eq!(registry::tracked_on(cluster, "W1"), 1);

    registry::writer_changed(cluster, "W1", "r1");
    let cut = old_seen.lock();
    assert_eq!(cut.len(), 1, "the connection on the old writer is cut once");
    assert!(cut[0].is_communication(), "{}", cut[0]);
    assert!(
        cut[0].message.contains("w1") || cut[0].message.contains("W1"),
        "{}",
        cut[0]
    );
    assert!(cut[0].message.contains("r1"), "{}", cut[0]);
    assert!(reader_seen.lock().is_empty(), "a connection on another instance stays");
    assert!(elsewhere_seen.lock().is_empty(), "same instance id, other cluster: stays");
    assert!(closed_seen.lock().is_empty(), "a forgotten connection is not cut");
    assert_eq!(registry::tracked_on(cluster, "w1"), 0, "cut connections are forgotten");
    drop(cut);

    // A second change does not cut it again (failover tracks it anew once replaced).
    registry::writer_changed(cluster, "w1", "r1");
    assert_eq!(old_seen.lock().len(), 1);
    registry::forget(9_000_002);
    registry::forget(9_000_003);
}

#[test]
fn writer_changes_reach_the_registry_through_the_topology_cache() {
    registry::listen();
    let cluster = "?.tracker-listen.example";
    let (cut, seen) = recorder();
    topology::store(cluster, fixtures::topology("a", &["b"]));
    registry::track(9_000_010, cluster, "a", Some(Instant::now()), cut);
    topology::store(cluster, fixtures::topology("a", &["b"]));
    assert!(seen.lock().is_empty(), "same writer: nothing cut");
    topology::store(cluster, fixtures::topology("b", &["a"]));
    assert_eq!(seen.lock().len(), 1, "new writer: the connection on a is cut");
    registry::forget(9_000_010);
}

#[test]
fn in_the_default_chain_after_failover() {
    let default = Pipeline::build(&shared_settings(&[]), crate::plugins::factory).expect("chain");
    let codes = default.codes_loaded();
    let at = |code: &str| codes.iter().position(|c| *c == code);
    assert!(at(CODE).is_some(), "{codes:?}");
    assert!(at("failover") < at(CODE), "{codes:?}");
    assert!(at(crate::plugins::initial_connection::CODE) < at(CODE), "{codes:?}");
}

#[test]
fn each_connection_has_its_own_token_and_forgets_itself_when_closed() {
    let a = TrackerPlugin::new();
    let b = TrackerPlugin::new();
    assert_ne!(a.token, b.token);
    let (cut, _) = recorder();
    registry::track(a.token, "?.tracker-drop.example", "x", Some(Instant::now()), cut);
    assert_eq!(registry::tracked_on("?.tracker-drop.example", "x"), 1);
    drop(a);
    assert_eq!(registry::tracked_on("?.tracker-drop.example", "x"), 0);
}

#[test]
fn a_quick_change_back_to_the_previous_writer_cuts_nothing() {
    let cluster = "?.tracker-revert.example";
    let (on_a, a_seen) = recorder();
    let (on_b, b_seen) = recorder();
    registry::track(9_000_020, cluster, "a", Some(Instant::now()), on_a);
    registry::track(9_000_021, cluster, "b", Some(Instant::now()), on_b);
    registry::writer_changed(cluster, "a", "b");
    assert_eq!(a_seen.lock().len(), 1, "a real change cuts the old writer's connections");
    // A lagging instance still names a: the connection on the real writer b stays.
    registry::writer_changed(cluster, "b", "a");
    assert!(b_seen.lock().is_empty());
    assert_eq!(registry::tracked_on(cluster, "b"), 1);
    // The next view names b again: a change a -> b, acted on (nothing left on a to cut).
    registry::writer_changed(cluster, "a", "b");
    assert!(b_seen.lock().is_empty());
    // A change on to a third instance is real: the connection on b is cut.
    registry::writer_changed(cluster, "b", "c");
    assert_eq!(b_seen.lock().len(), 1);
    registry::forget(9_000_020);
    registry::forget(9_000_021);
}

#[test]
fn a_connection_set_up_while_the_writer_changed_is_cut_when_tracked() {
    let cluster = "?.tracker-race.example";
    let opened = Instant::now();
    std::thread::sleep(Duration::from_millis(5));
    // The change comes while the connection is being set up, before it is tracked.
    registry::writer_changed(cluster, "old", "new");
    let (late, late_seen) = recorder();
    registry::track(9_000_030, cluster, "old", Some(opened), late);
    assert_eq!(late_seen.lock().len(), 1, "cut at once");
    assert_eq!(registry::tracked_on(cluster, "old"), 0);
    // Opened after the change (the old writer is a reader by then): tracked, not cut.
    let (fresh, fresh_seen) = recorder();
    registry::track(9_000_031, cluster, "old", Some(Instant::now()), fresh);
    assert!(fresh_seen.lock().is_empty());
    assert_eq!(registry::tracked_on(cluster, "old"), 1);
    // On the new writer: tracked whenever it opened.
    let (on_new, new_seen) = recorder();
    registry::track(9_000_032, cluster, "new", Some(opened), on_new);
    assert!(new_seen.lock().is_empty());
    // Logged in on a reader (the old writer, demoted already): tracked, not cut.
    let (as_reader, reader_seen) = recorder();
    registry::track(9_000_033, cluster, "old", None, as_reader);
    assert!(reader_seen.lock().is_empty());
    registry::forget(9_000_033);
    assert!(new_seen.lock().is_empty());
    registry::forget(9_000_031);
    registry::forget(9_000_032);
}
