//! The process-wide map of host availability: plugins that find a host down (host monitoring,
//! failed connects) mark it here, and failover and host selection read it.

use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    Available,
    Unavailable,
}

struct Entry {
    state: Availability,
    since: Instant,
}

static HOSTS: LazyLock<RwLock<HashMap<String, Entry>>> =
    LazyLock::new(|| RwLock::new(HashMap::new()));

/// Host keys are case-insensitive "host:port".
pub fn host_key(host: &str, port: u16) -> String {
    format!("{}:{port}", host.to_ascii_lowercase())
}

pub fn mark(host_key: &str, state: Availability) {
    HOSTS.write().insert(
        host_key.to_string(),
        Entry {
            state,
            since: Instant::now(),
        },
    );
}

/// The last known state of a host; unknown hosts count as available.
pub fn get(host_key: &str) -> Availability {
    HOSTS
        .read()
        .get(host_key)
        .map_or(Availability::Available, |e| e.state)
}

/// Whether the host was marked unavailable within `within` (older marks are stale: the host may
/// be back, and a connect attempt will tell).
pub fn is_unavailable(host_key: &str, within: Duration) -> bool {
    HOSTS
        .read()
        .get(host_key)
        .is_some_and(|e| e.state == Availability::Unavailable && e.since.elapsed() < within)
}

/// Forgets every mark (tests, release).
pub fn clear() {
    HOSTS.write().clear();
}
