//! Aurora-aware plugins, one folder each, all of the same shape: `mod.rs` holds the plugin,
//! its settings are declared in [`crate::engine::settings`], background work lives in its
//! `monitor.rs`, and its tests sit beside it.

use crate::engine::pipeline::PluginFactory;

pub mod failover;

/// The factory of each plugin code that is built into this driver.
pub fn factory(code: &str) -> Option<PluginFactory> {
    match code {
        "failover" => Some(failover::factory),
        _ => None,
    }
}

/// Stops every plugin's background work (monitors, pollers).
pub fn release_all() {}
