//! Unit-test fixtures shared by the engine's and the plugins' tests: settings from DSN pairs
//! and small topologies.

use super::settings::Settings;
use super::topology::{Instance, Topology};
use std::sync::Arc;

/// Settings resolved from connection-string pairs alone (no DSN); panics on a bad value.
pub fn settings(pairs: &[(&str, &str)]) -> Settings {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::resolve(&pairs, &|_| None).expect("settings")
}

/// [`settings`], shared the way connections hold them.
pub fn shared_settings(pairs: &[(&str, &str)]) -> Arc<Settings> {
    Arc::new(settings(pairs))
}

/// An idle, up-to-date instance.
pub fn instance(id: &str, is_writer: bool) -> Instance {
    Instance {
        id: id.into(),
        is_writer,
        cpu: 0.0,
        lag_ms: 0.0,
        age_secs: Some(0.0),
    }
}

/// A cluster with `writer` and `readers`.
pub fn topology(writer: &str, readers: &[&str]) -> Topology {
    Topology {
        writer: Some(instance(writer, true)),
        readers: readers.iter().map(|r| instance(r, false)).collect(),
    }
}
