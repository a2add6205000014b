//! Host selection: choosing a writer or reader from the topology, skipping hosts known to be
//! down and honouring the allowed/blocked filter a plugin (custom endpoint) sets.

use super::topology::{Instance, Topology};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

/// Which role a caller wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Writer,
    Reader,
    /// Readers first, the writer as a last resort.
    ReaderOrWriter,
}

/// How to pick among several readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    Random,
    RoundRobin,
    /// The instance this process holds the fewest application connections on (see
    /// [`InstanceSeat`]); ties are broken at random.
    LeastConnections,
    /// The instance with the shortest measured round trip (see
    /// [`crate::engine::response_time`]); instances not measured come last, ties at random.
    FastestResponse,
}

impl Strategy {
    pub fn parse(word: Option<&str>) -> Strategy {
        match word {
            Some("round_robin") => Strategy::RoundRobin,
            Some("least_connections") => Strategy::LeastConnections,
            Some("fastest_response") => Strategy::FastestResponse,
            _ => Strategy::Random,
        }
    }
}

/// Application connections of this process per instance, for `least_connections`. Keyed by
/// the instance's `host:port` (instance ids repeat across clusters; host names do not).
static SEATS: LazyLock<Mutex<HashMap<String, usize>>> = LazyLock::new(Default::default);

/// One application connection counted on an instance for as long as it lives; a connection
/// handle holds one for the instance its session is on (monitoring connections hold none).
#[derive(Debug)]
pub struct InstanceSeat {
    host_key: String,
}

impl InstanceSeat {
    pub fn take(host_key: &str) -> InstanceSeat {
        *SEATS.lock().entry(host_key.to_string()).or_insert(0) += 1;
        InstanceSeat {
            host_key: host_key.to_string(),
        }
    }
}

impl Drop for InstanceSeat {
    fn drop(&mut self) {
        let mut seats = SEATS.lock();
        if let Some(n) = seats.get_mut(&self.host_key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                seats.remove(&self.host_key);
            }
        }
    }
}

/// Application connections this process holds on the instance at `host_key`.
pub fn connections_on(host_key: &str) -> usize {
    SEATS.lock().get(host_key).copied().unwrap_or(0)
}

/// Which instances may be used (e.g. custom endpoint members). Cheap to clone.
type Predicate = Arc<dyn Fn(&Instance) -> bool + Send + Sync>;

#[derive(Clone, Default)]
pub struct HostFilter {
    predicate: Option<Predicate>,
}

impl HostFilter {
    pub fn allow_all() -> HostFilter {
        HostFilter { predicate: None }
    }

    pub fn new(f: impl Fn(&Instance) -> bool + Send + Sync + 'static) -> HostFilter {
        HostFilter {
            predicate: Some(Arc::new(f)),
        }
    }

    pub fn allows(&self, instance: &Instance) -> bool {
        self.predicate.as_ref().is_none_or(|p| p(instance))
    }

    /// Both filters must allow.
    pub fn and(&self, other: &HostFilter) -> HostFilter {
        match (&self.predicate, &other.predicate) {
            (None, _) => other.clone(),
            (_, None) => self.clone(),
            (Some(a), Some(b)) => {
                let (a, b) = (a.clone(), b.clone());
                HostFilter::new(move |i| a(i) && b(i))
            }
        }
    }
}

impl std::fmt::Debug for HostFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.predicate.is_some() {
            "HostFilter(custom)"
        } else {
            "HostFilter(all)"
        })
    }
}

static ROUND_ROBIN: AtomicUsize = AtomicUsize::new(0);

fn pick(
    candidates: &[&Instance],
    strategy: Strategy,
    load: &dyn Fn(&Instance) -> usize,
) -> Option<String> {
    if candidates.is_empty() {
        return None;
    }
    let index = match strategy {
        Strategy::RoundRobin => ROUND_ROBIN.fetch_add(1, Ordering::Relaxed) % candidates.len(),
        Strategy::Random => random_index(candidates.len()),
        // `load` is the connection count or the measured round trip: the lowest wins.
        Strategy::LeastConnections | Strategy::FastestResponse => {
            // Read each load once: other threads move connections meanwhile.
            let loads: Vec<usize> = candidates.iter().map(|i| load(i)).collect();
            let fewest = loads.iter().copied().min().unwrap_or(0);
            let least: Vec<usize> = (0..loads.len()).filter(|k| loads[*k] == fewest).collect();
            least.get(random_index(least.len())).copied().unwrap_or(0)
        }
    };
    candidates.get(index).map(|i| i.id.clone())
}

fn random_index(len: usize) -> usize {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_usize(ROUND_ROBIN.fetch_add(1, Ordering::Relaxed));
    let len = len.max(1);
    // Reduced in u64 first: the remainder is below `len`, so it always fits a usize.
    let len_u64 = u64::try_from(len).unwrap_or(u64::MAX);
    usize::try_from(h.finish() % len_u64).unwrap_or(0)
}

/// Candidates for `role` in preference order (without choosing), after the filter and
/// `usable` (e.g. not marked unavailable) have been applied.
pub fn candidates(
    topology: &Topology,
    role: Role,
    filter: &HostFilter,
    usable: &dyn Fn(&Instance) -> bool,
) -> Vec<String> {
    let ok = |i: &&Instance| filter.allows(i) && usable(i);
    let writer: Vec<&Instance> = topology.writer.iter().filter(ok).collect();
    let readers: Vec<&Instance> = topology.readers.iter().filter(ok).collect();
    match role {
        Role::Writer => writer.iter().map(|i| i.id.clone()).collect(),
        Role::Reader => readers.iter().map(|i| i.id.clone()).collect(),
        Role::ReaderOrWriter => readers
            .iter()
            .chain(writer.iter())
            .map(|i| i.id.clone())
            .collect(),
    }
}

/// Chooses one instance for `role`; `load` matters only to `least_connections` (connections
/// on an instance) and `fastest_response` (its measured round trip, see
/// [`crate::engine::response_time::rank`]).
pub fn select(
    topology: &Topology,
    role: Role,
    strategy: Strategy,
    filter: &HostFilter,
    usable: &dyn Fn(&Instance) -> bool,
    load: &dyn Fn(&Instance) -> usize,
) -> Option<String> {
    let ok = |i: &&Instance| filter.allows(i) && usable(i);
    let writer: Vec<&Instance> = topology.writer.iter().filter(ok).collect();
    let readers: Vec<&Instance> = topology.readers.iter().filter(ok).collect();
    match role {
        Role::Writer => pick(&writer, strategy, load),
        Role::Reader => pick(&readers, strategy, load),
        Role::ReaderOrWriter => {
            pick(&readers, strategy, load).or_else(|| pick(&writer, strategy, load))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topo() -> Topology {
        let i = |id: &str, w: bool| Instance {
            id: id.into(),
            is_writer: w,
            cpu: 0.0,
            lag_ms: 0.0,
            age_secs: Some(0.0),
        };
        Topology {
            writer: Some(i("w", true)),
            readers: vec![i("r1", false), i("r2", false)],
        }
    }

    #[test]
    fn filter_and_availability_are_honoured() {
        let only_r2 = HostFilter::new(|i| i.id == "r2");
        for _ in 0..20 {
            assert_eq!(
                select(
                    &topo(),
                    Role::Reader,
                    Strategy::Random,
                    &only_r2,
                    &|_| true,
                    &|_| 0
                ),
                Some("r2".into())
            );
        }
        let down_r1 = |i: &Instance| i.id != "r1";
        assert_eq!(
            select(
                &topo(),
                Role::Reader,
                Strategy::RoundRobin,
                &HostFilter::allow_all(),
                &down_r1,
                &|_| 0
            ),
            Some("r2".into())
        );
        let no_readers = HostFilter::new(|i| i.is_writer);
        assert_eq!(
            select(
                &topo(),
                Role::ReaderOrWriter,
                Strategy::Random,
                &no_readers,
                &|_| true,
                &|_| 0
            ),
            Some("w".into())
        );
        assert_eq!(
            select(
                &topo(),
                Role::Reader,
                Strategy::Random,
                &no_readers,
                &|_| true,
                &|_| 0
            ),
            None
        );
    }

    #[test]
    fn least_connections_picks_the_reader_with_fewest_seats() {
        // Keys of their own: the seat registry is shared by every test in this process.
        let i = |id: &str| Instance {
            id: id.into(),
            is_writer: false,
            cpu: 0.0,
            lag_ms: 0.0,
            age_secs: Some(0.0),
        };
        let topology = Topology {
            writer: None,
            readers: vec![i("lc-a"), i("lc-b"), i("lc-c")],
        };
        let pick = || {
            select(
                &topology,
                Role::Reader,
                Strategy::LeastConnections,
                &HostFilter::allow_all(),
                &|_| true,
                &|i| connections_on(&i.id),
            )
        };
        let a = [InstanceSeat::take("lc-a"), InstanceSeat::take("lc-a")];
        let b = InstanceSeat::take("lc-b");
        for _ in 0..10 {
            assert_eq!(pick(), Some("lc-c".into()));
        }
        let c = [InstanceSeat::take("lc-c"), InstanceSeat::take("lc-c")];
        assert_eq!(connections_on("lc-c"), 2);
        for _ in 0..10 {
            assert_eq!(pick(), Some("lc-b".into()));
        }
        drop(a);
        assert_eq!(connections_on("lc-a"), 0);
        for _ in 0..10 {
            assert_eq!(pick(), Some("lc-a".into()));
        }
        drop((b, c));
        let mut seen = std::collections::HashSet::new();
        for _ in 0..60 {
            seen.insert(pick());
        }
        assert_eq!(seen.len(), 3, "ties are spread: {seen:?}");
    }

    #[test]
    fn fastest_response_picks_the_lowest_measured_time_and_unmeasured_last() {
        let times = |i: &Instance| match i.id.as_str() {
            "r1" => 900,
            "r2" => 150,
            _ => usize::MAX,
        };
        for _ in 0..10 {
            assert_eq!(
                select(
                    &topo(),
                    Role::Reader,
                    Strategy::FastestResponse,
                    &HostFilter::allow_all(),
                    &|_| true,
                    &times
                ),
                Some("r2".into())
            );
        }
        // r2 filtered out: the measured r1 beats nothing else.
        assert_eq!(
            select(
                &topo(),
                Role::Reader,
                Strategy::FastestResponse,
                &HostFilter::new(|i| i.id != "r2"),
                &|_| true,
                &times
            ),
            Some("r1".into())
        );
        assert_eq!(
            Strategy::parse(Some("fastest_response")),
            Strategy::FastestResponse
        );
    }

    #[test]
    fn round_robin_visits_every_reader() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..4 {
            seen.insert(select(
                &topo(),
                Role::Reader,
                Strategy::RoundRobin,
                &HostFilter::allow_all(),
                &|_| true,
                &|_| 0,
            ));
        }
        assert_eq!(seen.len(), 2);
    }
}
