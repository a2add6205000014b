//! Aurora awareness against the stand-in cluster, at the engine level (no driver manager):
//! dialect detection, instance ids, topology from every node and after a promotion, and
//! instance host names through the host pattern and host_address_map.

mod fixtures;
mod support;

use auroraodbc::engine::availability::{self, Availability};
use auroraodbc::engine::session::{ConnectOptions, Session};
use auroraodbc::engine::settings::Settings;
use auroraodbc::engine::topology::{self, Dialect, HostPattern};
use fixtures::{cluster_with, resolve, session_options, with_extra};
use std::time::Duration;
use support::{Cluster, ClusterOptions};

/// Settings naming the cluster endpoint, with the cluster's host names pinned.
fn settings(cluster: &Cluster, extra: &[(&str, &str)]) -> Settings {
    let pairs = vec![
        ("Server".to_string(), cluster.cluster_endpoint_host()),
        ("host_address_map".to_string(), cluster.host_map()),
    ];
    resolve(&with_extra(pairs, extra))
}

/// A plain session to instance `id` through its fault proxy.
fn options_for(cluster: &Cluster, id: &str) -> ConnectOptions {
    let info = cluster.instance(id).expect("instance");
    session_options(info.proxy_port, "topology-test")
}

#[test]
fn topology_from_every_node_and_after_promotion() {
    let cluster = Cluster::start(ClusterOptions::default()).expect("cluster");
    let ids = cluster.instance_ids();
    let writer = cluster.writer_id();
    let s = settings(&cluster, &[]);
    for id in &ids {
        let mut session = Session::connect(&options_for(&cluster, id)).expect("connect");
        assert_eq!(
            topology::dialect(&s, &mut session).expect("dialect"),
            Dialect::AuroraPostgres
        );
        assert_eq!(
            &topology::query_instance_id(&mut session).expect("instance id"),
            id
        );
        let t = topology::query_topology(&mut session).expect("topology");
        assert_eq!(
            t.writer_id(),
            Some(writer.as_str()),
            "writer seen from {id}"
        );
        assert_eq!(
            t.readers.len(),
            ids.len() - 1,
            "readers seen from {id}: {t:?}"
        );
    }
    // The dialect override wins over detection.
    let mut session = Session::connect(&options_for(&cluster, &writer)).expect("connect");
    assert_eq!(
        topology::dialect(
            &settings(&cluster, &[("database_dialect", "postgresql")]),
            &mut session
        )
        .expect("dialect"),
        Dialect::Postgres
    );
    drop(session);

    // Stale reader rows disappear; undated ones stay.
    let reader = cluster.reader_ids()[0].clone();
    cluster
        .modify_topology(|rows| {
            for r in rows.iter_mut().filter(|r| r.server_id == reader) {
                r.last_update = support::RowUpdate::SecondsAgo(600);
            }
        })
        .expect("make a row stale");
    let mut session = Session::connect(&options_for(&cluster, &writer)).expect("connect");
    let t = topology::query_topology(&mut session).expect("topology");
    assert!(
        !t.contains(&reader),
        "stale reader {reader} still listed: {t:?}"
    );
    drop(session);

    let new_writer = cluster.reader_ids()[1].clone();
    cluster.fail_over_to(&new_writer).expect("failover");
    let mut session =
        Session::connect(&options_for(&cluster, &new_writer)).expect("connect new writer");
    let t = topology::query_topology(&mut session).expect("topology after promotion");
    assert_eq!(t.writer_id(), Some(new_writer.as_str()));
    assert!(!t.reader_ids().contains(&new_writer.as_str()));
}

#[test]
fn instance_hosts_follow_the_pattern_and_the_address_map() {
    let cluster = cluster_with(1);
    let s = settings(&cluster, &[]);
    let pattern =
        HostPattern::for_connection(&s, &cluster.cluster_endpoint_host()).expect("default pattern");
    assert_eq!(pattern.0, format!("?.{}", cluster.domain()));
    let base = ConnectOptions {
        host: cluster.cluster_endpoint_host(),
        ..session_options(5432, "")
    };
    for id in cluster.instance_ids() {
        let opts = pattern.instance_options(&id, &base, &s);
        assert_eq!(opts.host, cluster.instance_host(&id));
        let mut session = Session::connect(&opts).expect("connect through the pinned address");
        assert_eq!(topology::query_instance_id(&mut session).expect("id"), id);
    }
    // An explicit pattern with a port.
    let s2 = settings(
        &cluster,
        &[("cluster_instance_host_pattern", "?.db.example.com:6543")],
    );
    let p2 = HostPattern::for_connection(&s2, "10.0.0.1").expect("explicit pattern");
    assert_eq!(
        p2.instance("x", 5432),
        ("x.db.example.com".to_string(), 6543)
    );
    // IP addresses have no default pattern.
    assert!(HostPattern::for_connection(&settings(&cluster, &[]), "10.0.0.1").is_none());
}

#[test]
fn availability_map_marks_and_expires() {
    let key = availability::host_key("Instance-9.Example", 5432);
    assert_eq!(availability::get(&key), Availability::Available);
    availability::mark(&key, Availability::Unavailable);
    assert!(availability::is_unavailable(
        &availability::host_key("instance-9.example", 5432),
        Duration::from_secs(60)
    ));
    assert!(!availability::is_unavailable(&key, Duration::ZERO));
    availability::mark(&key, Availability::Available);
    assert_eq!(availability::get(&key), Availability::Available);
}
