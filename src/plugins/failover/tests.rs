//! Unit tests of the failover policy: modes, candidate order, reported errors.

use super::policy::*;
use crate::engine::error::{EngineError, ErrorClass};
use crate::engine::fixtures::{self, settings};
use crate::engine::selection::{HostFilter, Strategy};
use crate::engine::topology::{Instance, Topology};
use std::time::Duration;

fn topo() -> Topology {
    fixtures::topology("w", &["r1", "r2", "r3"])
}

fn ids(c: &[Candidate]) -> Vec<&str> {
    c.iter().map(|c| c.id.as_str()).collect()
}

#[test]
fn default_mode_follows_the_endpoint_type() {
    let s = settings(&[]);
    let domain = "abc123.us-east-1.rds.amazonaws.com";
    assert_eq!(
        FailoverMode::for_connection(&s, &format!("db.cluster-ro-{domain}")),
        FailoverMode::ReaderOrWriter
    );
    assert_eq!(
        FailoverMode::for_connection(&s, &format!("db.cluster-{domain}")),
        FailoverMode::StrictWriter
    );
    assert_eq!(
        FailoverMode::for_connection(&s, &format!("instance-1.{domain}")),
        FailoverMode::StrictWriter
    );
    assert_eq!(
        FailoverMode::for_connection(&s, &format!("ep.cluster-custom-{domain}")),
        FailoverMode::StrictWriter
    );
    assert_eq!(
        FailoverMode::for_connection(&s, "10.0.0.1"),
        FailoverMode::StrictWriter
    );
    let r = settings(&[("failover_mode", "strict_reader")]);
    assert_eq!(
        FailoverMode::for_connection(&r, &format!("db.cluster-{domain}")),
        FailoverMode::StrictReader
    );
    let alias = settings(&[("FAILOVER_MODE", "reader_or_writer")]);
    assert_eq!(
        FailoverMode::for_connection(&alias, &format!("db.cluster-{domain}")),
        FailoverMode::ReaderOrWriter
    );
}

#[test]
fn readers_first_failed_one_late_writer_last() {
    let all = HostFilter::allow_all();
    let c = reader_candidates(
        &topo(),
        FailoverMode::ReaderOrWriter,
        Strategy::Random,
        &all,
        &|_| true,
        &|_| 0,
        Some("r2"),
    );
    assert_eq!(c.len(), 4);
    assert_eq!(&ids(&c)[2..], &["r2", "w"]);
    assert!(c.iter().all(|c| c.expect == Expect::Either));
    let strict = reader_candidates(
        &topo(),
        FailoverMode::StrictReader,
        Strategy::RoundRobin,
        &all,
        &|_| true,
        &|_| 0,
        None,
    );
    assert_eq!(strict.len(), 3);
    assert!(!ids(&strict).contains(&"w"));
    assert!(strict.iter().all(|c| c.expect == Expect::Reader));
}

#[test]
fn filter_is_absolute_and_marks_are_hints() {
    let only_r3 = HostFilter::new(|i| i.id == "r3");
    for _ in 0..20 {
        let c = reader_candidates(
            &topo(),
            FailoverMode::ReaderOrWriter,
            Strategy::Random,
            &only_r3,
            &|_| true,
            &|_| 0,
            None,
        );
        assert_eq!(ids(&c), vec!["r3"]);
    }
    // Marked readers are skipped while something else is left...
    let down = |i: &Instance| i.id != "r1" && i.id != "r2";
    let c = reader_candidates(
        &topo(),
        FailoverMode::StrictReader,
        Strategy::Random,
        &HostFilter::allow_all(),
        &down,
        &|_| 0,
        None,
    );
    assert_eq!(ids(&c), vec!["r3"]);
    // ...and tried anyway when nothing else is, still within the filter.
    let c = reader_candidates(
        &topo(),
        FailoverMode::StrictReader,
        Strategy::Random,
        &only_r3,
        &|_| false,
        &|_| 0,
        None,
    );
    assert_eq!(ids(&c), vec!["r3"]);
    let no_readers = |i: &Instance| i.is_writer;
    let c = reader_candidates(
        &topo(),
        FailoverMode::ReaderOrWriter,
        Strategy::Random,
        &HostFilter::allow_all(),
        &no_readers,
        &|_| 0,
        None,
    );
    assert_eq!(ids(&c), vec!["w"]);
}

#[test]
fn writer_candidate_honours_the_filter() {
    assert_eq!(
        writer_candidate(&topo(), &HostFilter::allow_all()).map(|c| c.id),
        Some("w".to_string())
    );
    assert_eq!(
        writer_candidate(&topo(), &HostFilter::new(|i| !i.is_writer)),
        None
    );
    assert_eq!(
        writer_candidate(&Topology::default(), &HostFilter::allow_all()),
        None
    );
}

#[test]
fn only_connection_failures_trigger() {
    assert!(is_connection_failure(
        &EngineError::communication("reset"),
        false
    ));
    let syntax = EngineError::new(ErrorClass::Server, "42601", "syntax error");
    assert!(!is_connection_failure(&syntax, false));
    assert!(is_connection_failure(&syntax, true));
    assert!(is_connection_failure(
        &EngineError::new(ErrorClass::Server, "57P01", "terminating connection"),
        false
    ));
    assert!(!is_connection_failure(
        &EngineError::timeout("query timeout"),
        false
    ));
}

#[test]
fn outcome_states() {
    let cause = EngineError::communication("connection to w lost");
    let ok = succeeded("r1", false, &cause, Duration::from_millis(5));
    assert_eq!(ok.sqlstate_str(), "08S02");
    assert!(ok.message.contains("r1"));
    assert_eq!(
        succeeded("r1", true, &cause, Duration::ZERO).sqlstate_str(),
        "08007"
    );
    let bad = failed(
        FailoverMode::StrictWriter,
        Duration::from_secs(1),
        &cause,
        vec!["w: refused".into()],
    );
    assert_eq!(bad.sqlstate_str(), "08S01");
    assert!(bad.to_string().contains("w: refused"));
}
