//! Host selection: choosing a writer or reader from the topology, skipping hosts known to be
//! down and honouring the allowed/blocked filter a plugin (custom endpoint) sets.

use super::topology::{Instance, Topology};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

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
}

impl Strategy {
    pub fn parse(word: Option<&str>) -> Strategy {
        match word {
            Some("round_robin") => Strategy::RoundRobin,
            _ => Strategy::Random,
        }
    }
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

fn pick(candidates: &[&Instance], strategy: Strategy) -> Option<String> {
    if candidates.is_empty() {
        return None;
    }
    let index = match strategy {
        Strategy::RoundRobin => ROUND_ROBIN.fetch_add(1, Ordering::Relaxed) % candidates.len(),
        Strategy::Random => random_index(candidates.len()),
    };
    candidates.get(index).map(|i| i.id.clone())
}

fn random_index(len: usize) -> usize {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_usize(ROUND_ROBIN.fetch_add(1, Ordering::Relaxed));
    (h.finish() as usize) % len.max(1)
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

/// Chooses one instance for `role`.
pub fn select(
    topology: &Topology,
    role: Role,
    strategy: Strategy,
    filter: &HostFilter,
    usable: &dyn Fn(&Instance) -> bool,
) -> Option<String> {
    let ok = |i: &&Instance| filter.allows(i) && usable(i);
    let writer: Vec<&Instance> = topology.writer.iter().filter(ok).collect();
    let readers: Vec<&Instance> = topology.readers.iter().filter(ok).collect();
    match role {
        Role::Writer => pick(&writer, strategy),
        Role::Reader => pick(&readers, strategy),
        Role::ReaderOrWriter => pick(&readers, strategy).or_else(|| pick(&writer, strategy)),
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
                select(&topo(), Role::Reader, Strategy::Random, &only_r2, &|_| true),
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
                &down_r1
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
                &|_| true
            ),
            Some("w".into())
        );
        assert_eq!(
            select(
                &topo(),
                Role::Reader,
                Strategy::Random,
                &no_readers,
                &|_| true
            ),
            None
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
            ));
        }
        assert_eq!(seen.len(), 2);
    }
}
