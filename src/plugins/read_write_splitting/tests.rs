//! Unit tests of read/write splitting: keys, chain place, the side an access mode asks for,
//! when characteristics must be sent, and the order readers are tried in.

use super::*;
use crate::engine::fixtures::{self, settings};
use crate::engine::pipeline::Pipeline;

#[test]
fn keys_have_their_defaults_and_bad_values_fail() {
    let s = settings(&[]);
    assert_eq!(
        s.get_duration(Key::CachedReaderKeepAliveTimeoutMs),
        Duration::from_secs(300)
    );
    assert!(s.get_bool(Key::ReadOnlyFallbackToWriter));
    assert_eq!(
        s.get_enum(EngineKey::ReaderHostSelectorStrategy),
        Some("random")
    );
    let alias = settings(&[("Cached_Reader_Keep_Alive_Timeout_Ms", "0")]);
    assert!(ReadWriteSplittingPlugin::new(&alias).keep_alive.is_none());
    let pairs = vec![(
        "read_only_fallback_to_writer".to_string(),
        "sometimes".to_string(),
    )];
    let e = Settings::resolve(&pairs, &|_| None).expect_err("bad bool");
    assert!(e.to_string().contains("read_only_fallback_to_writer"), "{e}");
    let pairs = vec![(
        "reader_host_selector_strategy".to_string(),
        "fastest".to_string(),
    )];
    assert!(Settings::resolve(&pairs, &|_| None).is_err());
    let fastest = settings(&[("reader_host_selector_strategy", "fastest_response")]);
    assert_eq!(
        ReadWriteSplittingPlugin::new(&fastest).strategy,
        Strategy::FastestResponse
    );
}

#[test]
fn sits_between_custom_endpoint_and_failover_and_is_not_default() {
    let codes = Pipeline::codes(&settings(&[(
        "plugins",
        "failover,read_write_splitting,custom_endpoint",
    )]))
    .expect("codes");
    assert_eq!(codes, vec!["custom_endpoint", CODE, "failover"]);
    assert!(!Pipeline::codes(&settings(&[]))
        .expect("default chain")
        .contains(&CODE));
}

#[test]
fn access_mode_names_the_side() {
    let mut ch = SessionCharacteristics::default();
    assert_eq!(wanted_side(&ch), None, "no choice: stay where connected");
    ch.read_only = Some(true);
    assert_eq!(wanted_side(&ch), Some(Side::Reader));
    ch.read_only = Some(false);
    assert_eq!(wanted_side(&ch), Some(Side::Writer));
}

#[test]
fn characteristics_are_sent_only_when_the_session_lacks_them() {
    let ch = SessionCharacteristics {
        autocommit: true,
        isolation: Some("SERIALIZABLE"),
        read_only: Some(true),
    };
    let command = ch.set_command();
    assert!(command.is_some());
    assert_eq!(needs_command(&Some(command.clone()), &ch), None, "kept reader: free");
    assert_eq!(needs_command(&None, &ch), command, "unknown: sent");
    assert_eq!(needs_command(&Some(None), &ch), command, "fresh session: sent");
    let mut writable = ch.clone();
    writable.read_only = Some(false);
    assert_eq!(
        needs_command(&Some(command), &writable),
        writable.set_command(),
        "the other mode: sent"
    );
    assert_eq!(
        needs_command(&Some(None), &SessionCharacteristics::default()),
        None,
        "nothing chosen, nothing sent"
    );
}

#[test]
fn readers_are_ordered_by_strategy_availability_and_filter() {
    let topo = fixtures::topology("w", &["r1", "r2", "r3"]);
    let all = HostFilter::allow_all();
    let none_down = |_: &str| false;
    let no_load = |_: &str| 0;
    // Never the writer, never the instance in use.
    let order = order_readers(&topo, &all, Some("r2"), Strategy::Random, true, &none_down, &no_load);
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(sorted, vec!["r1", "r3"]);
    // Marked readers come last, but are still tried.
    let r1_down = |id: &str| id == "r1";
    for _ in 0..10 {
        let order = order_readers(&topo, &all, None, Strategy::Random, true, &r1_down, &no_load);
        assert_eq!(order.len(), 3);
        assert_eq!(order.last().map(String::as_str), Some("r1"), "{order:?}");
    }
    // Right after a failover the marked ones are left out altogether.
    let mut order = order_readers(&topo, &all, None, Strategy::Random, false, &r1_down, &no_load);
    order.sort();
    assert_eq!(order, vec!["r2", "r3"]);
    // The custom endpoint's filter holds.
    let members = HostFilter::new(|i| i.id == "r3" || i.is_writer);
    assert_eq!(
        order_readers(&topo, &members, None, Strategy::RoundRobin, true, &none_down, &no_load),
        vec!["r3"]
    );
    // fastest_response: by measured time, unmeasured last.
    let times = |id: &str| match id {
        "r1" => 5_000,
        "r3" => 300,
        _ => usize::MAX,
    };
    assert_eq!(
        order_readers(&topo, &all, None, Strategy::FastestResponse, true, &none_down, &times),
        vec!["r3", "r1", "r2"]
    );
}
