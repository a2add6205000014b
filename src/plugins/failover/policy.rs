//! Failover policy: which mode applies, which instances are candidates and in which order, and
//! what the failed call reports. Nothing here touches the network; `mod.rs` is the mechanism
//! that connects, and asks this file what to try and what to say.

use crate::engine::error::{EngineError, ErrorClass};
use crate::engine::hostname::{self, RdsHostKind};
use crate::engine::selection::{self, HostFilter, Role, Strategy};
use crate::engine::settings::Settings;
use crate::engine::topology::{Instance, Topology};
use super::settings::Key;
use std::time::Duration;

/// Where failover may move a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailoverMode {
    /// Only the (new) writer: the application writes, a reader would fail its statements.
    StrictWriter,
    /// Only readers: the application asked for a reader (e.g. a READER custom endpoint).
    StrictReader,
    /// Any reader, the writer when no reader can be reached.
    ReaderOrWriter,
}

impl FailoverMode {
    /// The `failover_mode` key, or the default for the endpoint the application connected to:
    /// a reader cluster endpoint promises "some reader", anything else promises the writer.
    pub fn for_connection(settings: &Settings, host: &str) -> FailoverMode {
        match settings.get_enum(Key::FailoverMode) {
            Some("strict_writer") => FailoverMode::StrictWriter,
            Some("strict_reader") => FailoverMode::StrictReader,
            Some("reader_or_writer") => FailoverMode::ReaderOrWriter,
            _ if hostname::classify(host).kind == RdsHostKind::ClusterReader => {
                FailoverMode::ReaderOrWriter
            }
            _ => FailoverMode::StrictWriter,
        }
    }

    /// The key's word, for messages.
    pub fn word(self) -> &'static str {
        match self {
            FailoverMode::StrictWriter => "strict_writer",
            FailoverMode::StrictReader => "strict_reader",
            FailoverMode::ReaderOrWriter => "reader_or_writer",
        }
    }
}

/// What a replacement connection must turn out to be once it is open (the topology may be a
/// moment old: an instance listed as a reader can have just been promoted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Writer,
    Reader,
    Either,
}

impl Expect {
    /// Whether an instance that reports `in_recovery` (a replica) is acceptable.
    pub fn accepts(self, in_recovery: bool) -> bool {
        match self {
            Expect::Writer => !in_recovery,
            Expect::Reader => in_recovery,
            Expect::Either => true,
        }
    }
}

/// One instance to try, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    pub expect: Expect,
}

/// Instances to try for a reader failover, best first: allowed readers the availability map
/// does not rule out, in the order the reader strategy picks them, then the failed instance
/// (its connection broke, the instance may still be fine), then for reader_or_writer the
/// writer. When every allowed instance is marked unavailable, the marked ones are tried anyway:
/// a mark is a hint that saves time, not a ban (the instance may be back).
pub fn reader_candidates(
    topology: &Topology,
    mode: FailoverMode,
    strategy: Strategy,
    filter: &HostFilter,
    usable: &dyn Fn(&Instance) -> bool,
    load: &dyn Fn(&Instance) -> usize,
    failed: Option<&str>,
) -> Vec<Candidate> {
    let first = reader_pass(topology, mode, strategy, filter, usable, load, failed);
    if !first.is_empty() {
        return first;
    }
    reader_pass(topology, mode, strategy, filter, &|_| true, load, failed)
}

fn reader_pass(
    topology: &Topology,
    mode: FailoverMode,
    strategy: Strategy,
    filter: &HostFilter,
    usable: &dyn Fn(&Instance) -> bool,
    load: &dyn Fn(&Instance) -> usize,
    failed: Option<&str>,
) -> Vec<Candidate> {
    let mut order: Vec<Candidate> = Vec::new();
    let reader = |id: String| Candidate {
        id,
        expect: if mode == FailoverMode::StrictReader {
            Expect::Reader
        } else {
            Expect::Either
        },
    };
    // Let the shared selection code pick one reader at a time, so the strategy (random or
    // round robin) decides the order and the filter is applied in one place.
    loop {
        let taken: Vec<String> = order.iter().map(|c| c.id.clone()).collect();
        let next = selection::select(
            topology,
            Role::Reader,
            strategy,
            filter,
            &|i| usable(i) && Some(i.id.as_str()) != failed && !taken.contains(&i.id),
            load,
        );
        match next {
            Some(id) => order.push(reader(id)),
            None => break,
        }
    }
    if let Some(f) = failed {
        if let Some(i) = topology.readers.iter().find(|r| r.id == f) {
            if filter.allows(i) && usable(i) {
                order.push(reader(i.id.clone()));
            }
        }
    }
    if mode == FailoverMode::ReaderOrWriter {
        if let Some(w) = topology
            .writer
            .as_ref()
            .filter(|w| filter.allows(w) && usable(w))
        {
            order.push(Candidate {
                id: w.id.clone(),
                expect: Expect::Either,
            });
        }
    }
    order
}

/// The one candidate of a writer failover: the writer the topology names, if the filter
/// allows it. Whether it is new or the old one back again does not matter; it must answer as
/// a writer once connected.
pub fn writer_candidate(topology: &Topology, filter: &HostFilter) -> Option<Candidate> {
    let w = topology.writer.as_ref()?;
    filter.allows(w).then(|| Candidate {
        id: w.id.clone(),
        expect: Expect::Writer,
    })
}

/// Whether an error from a network-bound call means the connection itself is gone (so
/// failover applies) rather than the statement failing on a healthy connection.
/// `broken_after` is whether the session reports itself broken after the error.
pub fn is_connection_failure(err: &EngineError, broken_after: bool) -> bool {
    if err.class == ErrorClass::Communication || broken_after {
        return true;
    }
    // The server ending the session on shutdown or crash (FATAL 57P01/57P02), or refusing new
    // work while it starts or stops (57P03), arrives as a server error but means the same.
    matches!(err.sqlstate_str(), "57P01" | "57P02" | "57P03")
}

/// The error the failed call returns once the connection works again: 08S02, or 08007 when a
/// transaction was open (its statements are gone with the old session; a COMMIT in flight may
/// or may not have happened).
pub fn succeeded(
    instance: &str,
    in_transaction: bool,
    cause: &EngineError,
    took: Duration,
) -> EngineError {
    let (state, text) = if in_transaction {
        (
            "08007",
            format!(
                "the connection failed during a transaction and failover moved it to instance {instance}; \
                 the transaction's outcome is unknown: check whether its changes were committed, then run it again"
            ),
        )
    } else {
        ("08S02", format!("failover succeeded: the connection now uses instance {instance}; re-run the statement"))
    };
    let mut e = EngineError::new(
        ErrorClass::FailedOver,
        state,
        format!(
            "{text} (failover took {} ms; cause: {})",
            took.as_millis(),
            cause.message
        ),
    );
    e.attempts = cause.attempts.clone();
    e
}

/// The error when no instance could be used within the failover timeout: 08S01 with what was
/// tried, one entry per instance.
pub fn failed(
    mode: FailoverMode,
    timeout: Duration,
    cause: &EngineError,
    tried: Vec<String>,
) -> EngineError {
    let mut e = EngineError::communication(format!(
        "{}; failover ({}) found no usable instance within {} ms{}",
        cause.message,
        mode.word(),
        timeout.as_millis(),
        if tried.is_empty() {
            "; no instance was known to try".to_string()
        } else {
            String::new()
        }
    ));
    e.attempts = tried;
    e
}
